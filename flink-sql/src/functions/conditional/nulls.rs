//! COALESCE, IFNULL and NULLIF with Flink's result types: COALESCE and IFNULL take the
//! common type of their arguments ([`super::widen`]), NULLIF the type of its first.

use arrow::array::{Array, ArrayRef, BooleanArray};
use arrow::compute::kernels::cmp::eq;
use arrow::compute::kernels::zip::zip;
use arrow::compute::{cast, is_not_null, nullif};
use arrow::datatypes::DataType;
use datafusion::common::plan_err;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use super::widen::common_type;
use crate::functions::args::{arrays, eval_rows, nulls_false, result};
use crate::functions::scalar;
use crate::types::flink_name;

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            "coalesce",
            Signature::user_defined(Volatility::Immutable),
            common_or_null,
            eval_coalesce,
        )
        .coerced(|t| to_common("COALESCE", t, None))
        .build(),
        scalar(
            "ifnull",
            Signature::user_defined(Volatility::Immutable),
            common_or_null,
            eval_coalesce,
        )
        .coerced(|t| to_common("IFNULL", t, Some(2)))
        .build(),
        scalar(
            "nullif",
            Signature::user_defined(Volatility::Immutable),
            |t| Ok(t[0].clone()),
            eval_nullif,
        )
        .coerced(coerce_nullif)
        .build(),
    ]
}

fn names(t: &[DataType]) -> String {
    t.iter().map(flink_name).collect::<Vec<_>>().join(", ")
}

/// Every argument cast to the arguments' common type (`arity`: the exact count, if fixed).
pub fn to_common(name: &str, t: &[DataType], arity: Option<usize>) -> Result<Vec<DataType>> {
    match arity {
        Some(n) if t.len() != n => {
            return plan_err!("{name} takes {n} arguments, got {}", t.len());
        }
        None if t.is_empty() => return plan_err!("{name} takes at least one argument"),
        _ => {}
    }
    match common_type(t) {
        Some(c) => Ok(vec![c; t.len()]),
        None => plan_err!(
            "Invalid input arguments: {name}({}) has no common type of its arguments",
            names(t)
        ),
    }
}

fn common_or_null(t: &[DataType]) -> Result<DataType> {
    Ok(common_type(t).unwrap_or(DataType::Null))
}

/// The first non-NULL argument of each row.
fn eval_coalesce(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let mut out: ArrayRef = a[a.len() - 1].clone();
    for x in a.iter().rev().skip(1) {
        out = if x.null_count() == 0 {
            x.clone()
        } else {
            zip(&is_not_null(x)?, x, &out)?
        };
    }
    if out.data_type() != ret {
        out = cast(&out, ret)?;
    }
    result(args, out)
}

/// NULLIF(a, b) compares a and b as their common type and keeps a's type.
fn coerce_nullif(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 2 {
        return plan_err!("NULLIF takes 2 arguments, got {}", t.len());
    }
    if common_type(t).is_none() {
        return plan_err!(
            "Cannot apply 'NULLIF' to arguments of type 'NULLIF({})': they cannot be compared",
            names(t)
        );
    }
    let first = if t[0] == DataType::Null {
        t[1].clone()
    } else {
        t[0].clone()
    };
    Ok(vec![first, t[1].clone()])
}

fn eval_nullif(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let both = [a[0].data_type().clone(), a[1].data_type().clone()];
    let common = common_type(&both).unwrap_or_else(|| both[0].clone());
    let (x, y) = (cast(&a[0], &common)?, cast(&a[1], &common)?);
    let same: BooleanArray = eq(&x, &y)?;
    let same = nulls_false(&same);
    let mut out = nullif(&a[0], &same)?;
    if out.data_type() != ret {
        out = cast(&out, ret)?;
    }
    result(args, out)
}
