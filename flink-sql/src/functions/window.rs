//! Window functions (Flink docs: "Window Functions" in OVER clauses): ROW_NUMBER, RANK,
//! DENSE_RANK, PERCENT_RANK, CUME_DIST, NTILE, LAG / LEAD, FIRST_VALUE / LAST_VALUE over windows.
//!
//! DataFusion computes Flink's values; ROW_NUMBER, RANK, DENSE_RANK and NTILE are Flink's
//! BIGINT where DataFusion's are unsigned ([`bigint`] wraps them).

pub mod bigint;

use datafusion::common::DFSchema;
use datafusion::common::tree_node::Transformed;
use datafusion::error::Result;
use datafusion::functions_window as dfw;
use datafusion::logical_expr::{Expr, ScalarUDF, WindowUDF};
use datafusion::sql::sqlparser::ast;

pub fn functions() -> Vec<ScalarUDF> {
    vec![]
}

pub fn windows() -> Vec<WindowUDF> {
    vec![
        bigint::bigint(dfw::row_number::row_number_udwf()),
        bigint::bigint(dfw::rank::rank_udwf()),
        bigint::bigint(dfw::rank::dense_rank_udwf()),
        bigint::bigint(dfw::ntile::ntile_udwf()),
    ]
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`).
pub const DATAFUSION_AS_FLINK: &[&str] = &["percent_rank", "cume_dist", "lag", "lead"];

/// Rewrites of this family's SQL syntax before DataFusion plans it (see `crate::rewrite`).
pub fn rewrite_sql(_e: &mut ast::Expr) {}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
pub fn rewrite_expr(e: Expr, _schema: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}
