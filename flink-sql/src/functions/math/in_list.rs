//! `x IN (…)` with an integer `x` and constant DECIMAL values: Flink casts the values to
//! x's type (truncating, so `2 IN (1.0, 2.5)` is TRUE), where DataFusion's coercion casts
//! x to the values' DECIMAL type.

use arrow::datatypes::DataType;
use datafusion::common::DFSchema;
use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::{Cast, Expr, ExprSchemable};

/// The IN with its values cast to the tested integer's type, if `e` is one Flink types so.
pub fn values_to_tested_type(e: &Expr, schema: &DFSchema) -> Option<Expr> {
    let Expr::InList(InList {
        expr,
        list,
        negated,
    }) = e
    else {
        return None;
    };
    let Expr::Cast(Cast { expr: inner, field }) = expr.as_ref() else {
        return None;
    };
    let tested = inner.get_type(schema).ok()?;
    if !tested.is_integer() || !matches!(field.data_type(), DataType::Decimal128(_, _)) {
        return None;
    }
    if list.iter().any(|v| v.any_column_refs() || v.is_volatile()) {
        return None;
    }
    Some(Expr::InList(InList {
        expr: inner.clone(),
        list: list
            .iter()
            .map(|v| Expr::Cast(Cast::new(Box::new(v.clone()), tested.clone())))
            .collect(),
        negated: *negated,
    }))
}
