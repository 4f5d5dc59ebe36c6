//! Conditional functions: `IF`, `COALESCE`, `IFNULL`, `NULLIF`, `GREATEST`, `LEAST`
//! (Flink docs: "Conditional Functions").

pub mod extremes;
pub mod nulls;
pub mod widen;

use arrow::array::{Array, BooleanArray};
use arrow::compute::kernels::zip::zip;
use arrow::datatypes::DataType;
use datafusion::common::DFSchema;
use datafusion::common::plan_err;
use datafusion::common::tree_node::Transformed;
use datafusion::error::Result;
use datafusion::logical_expr::type_coercion::binary::comparison_coercion;
use datafusion::logical_expr::{ColumnarValue, Expr, ScalarUDF, Signature, Volatility};
use datafusion::sql::sqlparser::ast;

use super::args::{arrays, eval_rows, result};
use super::scalar;

pub fn functions() -> Vec<ScalarUDF> {
    let mut all = vec![
        // IF(condition, true_value, false_value): a NULL condition takes false_value.
        scalar(
            "if",
            Signature::user_defined(Volatility::Immutable),
            |t| Ok(t[1].clone()),
            eval_if,
        )
        .coerced(coerce_if)
        .build(),
    ];
    all.extend(nulls::functions());
    all.extend(extremes::functions());
    all
}

fn coerce_if(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 3 {
        return plan_err!(
            "IF takes 3 arguments (condition, true value, false value), got {}",
            t.len()
        );
    }
    let text = |t: &DataType| super::args::is_string(t);
    if t[1] != DataType::Null && t[2] != DataType::Null && text(&t[1]) != text(&t[2]) {
        return plan_err!(
            "Cannot apply 'IF' to arguments of type 'IF(BOOLEAN, {}, {})': the values have no common type",
            crate::types::flink_name(&t[1]),
            crate::types::flink_name(&t[2])
        );
    }
    let common = match (&t[1], &t[2]) {
        (DataType::Null, b) => b.clone(),
        (a, DataType::Null) => a.clone(),
        (a, b) => comparison_coercion(a, b).ok_or_else(|| {
            datafusion::error::DataFusionError::Plan(format!(
                "IF's true and false values have no common type: {a} and {b}"
            ))
        })?,
    };
    Ok(vec![DataType::Boolean, common.clone(), common])
}

fn eval_if(args: &[ColumnarValue], rows: usize, _ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let cond = a[0]
        .as_any()
        .downcast_ref::<BooleanArray>()
        .expect("coerced to boolean");
    // NULL conditions take the false branch: zip treats nulls in the mask as false.
    let mask = if cond.null_count() > 0 {
        arrow::compute::prep_null_mask_filter(cond)
    } else {
        cond.clone()
    };
    result(args, zip(&mask, &a[1], &a[2])?)
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`).
pub const DATAFUSION_AS_FLINK: &[&str] = &[];

/// Rewrites of this family's SQL syntax before DataFusion plans it (see `crate::rewrite`).
pub fn rewrite_sql(_e: &mut ast::Expr) {}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
pub fn rewrite_expr(e: Expr, _schema: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}
