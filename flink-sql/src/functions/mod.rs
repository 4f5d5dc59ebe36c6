//! Flink's built-in functions as DataFusion UDFs, one file per family of Flink's docs
//! ("System (Built-in) Functions"). Each family module has the same parts:
//! - `functions()`: its scalar UDFs (aggregate: `aggregates()`, window: `windows()`),
//!   each registered under its SQL name in lower case (DataFusion lower-cases unquoted
//!   function names), replacing DataFusion's function of that name if there is one;
//! - `DATAFUSION_AS_FLINK`: DataFusion functions it uses unchanged because their meaning
//!   is Flink's (checked by the conformance cases);
//! - `rewrite_sql`: rewrites of its SQL syntax before DataFusion plans it;
//! - `rewrite_expr`: rewrites of planned expressions after type coercion.
//!
//! Writing a scalar UDF: [`scalar`] builds one from a return-type function and a
//! vectorized evaluation over `ColumnarValue`s; `args::*` turns arguments into arrays.

pub mod aggregate;
pub mod args;
pub mod bitmap;
pub mod collection;
pub mod conditional;
pub mod conversion;
pub mod hash;
pub mod json;
pub mod math;
pub mod session;
pub mod string;
pub mod structured;
pub mod temporal;
pub mod udf;
pub mod variant;
pub mod window;

use std::sync::{Arc, OnceLock};

use datafusion::common::DFSchema;
use datafusion::common::tree_node::Transformed;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Expr, ScalarUDF, WindowUDF};
use datafusion::sql::sqlparser::ast;

pub use udf::{FlinkScalar, scalar};

/// Every Flink scalar function Weft implements.
pub fn scalar_udfs() -> &'static [Arc<ScalarUDF>] {
    static ALL: OnceLock<Vec<Arc<ScalarUDF>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<ScalarUDF> = Vec::new();
        all.extend(conditional::functions());
        all.extend(string::functions());
        all.extend(hash::functions());
        all.extend(temporal::functions());
        all.extend(json::functions());
        all.extend(collection::functions());
        all.extend(bitmap::functions());
        all.extend(structured::functions());
        all.extend(variant::functions());
        all.extend(math::functions());
        all.extend(conversion::functions());
        all.extend(aggregate::functions());
        all.extend(window::functions());
        all.extend(session::functions());
        all.extend(crate::cast_text::functions());
        all.into_iter().map(Arc::new).collect()
    })
}

/// Every Flink aggregate function Weft implements.
pub fn aggregate_udfs() -> &'static [Arc<AggregateUDF>] {
    static ALL: OnceLock<Vec<Arc<AggregateUDF>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = aggregate::aggregates();
        all.extend(json::aggregates());
        all.extend(bitmap::aggregates());
        all.into_iter().map(Arc::new).collect()
    })
}

/// Every Flink window function Weft implements.
pub fn window_udfs() -> &'static [Arc<WindowUDF>] {
    static ALL: OnceLock<Vec<Arc<WindowUDF>>> = OnceLock::new();
    ALL.get_or_init(|| window::windows().into_iter().map(Arc::new).collect())
}

/// A scalar UDF of Weft's by name (for rewrites that call one).
pub fn scalar_udf(name: &str) -> Option<Arc<ScalarUDF>> {
    scalar_udfs().iter().find(|f| f.name() == name).cloned()
}

/// Whether `name` (as DataFusion spells it in a plan) is one of Weft's Flink functions.
pub fn is_flink_udf(name: &str) -> bool {
    scalar_udfs().iter().any(|f| f.name() == name)
        || aggregate_udfs().iter().any(|f| f.name() == name)
        || window_udfs().iter().any(|f| f.name() == name)
}

/// DataFusion functions used unchanged as Flink's, over every family.
pub fn datafusion_as_flink(name: &str) -> bool {
    [
        conditional::DATAFUSION_AS_FLINK,
        string::DATAFUSION_AS_FLINK,
        hash::DATAFUSION_AS_FLINK,
        temporal::DATAFUSION_AS_FLINK,
        json::DATAFUSION_AS_FLINK,
        collection::DATAFUSION_AS_FLINK,
        bitmap::DATAFUSION_AS_FLINK,
        math::DATAFUSION_AS_FLINK,
        conversion::DATAFUSION_AS_FLINK,
        aggregate::DATAFUSION_AS_FLINK,
        window::DATAFUSION_AS_FLINK,
    ]
    .iter()
    .any(|l| l.contains(&name))
}

/// Every family's SQL rewrite, on one expression (bottom-up, see `crate::rewrite`).
pub fn rewrite_sql(e: &mut ast::Expr) {
    conditional::rewrite_sql(e);
    string::rewrite_sql(e);
    hash::rewrite_sql(e);
    temporal::rewrite_sql(e);
    json::rewrite_sql(e);
    collection::rewrite_sql(e);
    bitmap::rewrite_sql(e);
    math::rewrite_sql(e);
    conversion::rewrite_sql(e);
    aggregate::rewrite_sql(e);
    window::rewrite_sql(e);
}

/// Every family's planned-expression rewrite, on one expression.
pub fn rewrite_expr(e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let mut changed = false;
    let mut e = e;
    for f in [
        conditional::rewrite_expr,
        string::rewrite_expr,
        hash::rewrite_expr,
        temporal::rewrite_expr,
        json::rewrite_expr,
        collection::rewrite_expr,
        bitmap::rewrite_expr,
        math::rewrite_expr,
        conversion::rewrite_expr,
        aggregate::rewrite_expr,
        window::rewrite_expr,
    ] {
        let t = f(e, schema)?;
        changed |= t.transformed;
        e = t.data;
    }
    Ok(if changed {
        Transformed::yes(e)
    } else {
        Transformed::no(e)
    })
}
