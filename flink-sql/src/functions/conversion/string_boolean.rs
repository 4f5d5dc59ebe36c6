//! `CAST(s AS BOOLEAN)` and `TRY_CAST` as Flink's `toBooleanSQL`: `t`, `true`, `y`, `yes`, `1`
//! are TRUE and `f`, `false`, `n`, `no`, `0` FALSE, in any case and without trimming; any
//! other text fails the CAST (`Cannot parse 'x' as BOOLEAN.`) and is NULL for TRY_CAST.

use std::sync::Arc;

use arrow::array::BooleanArray;
use arrow::datatypes::DataType;
use datafusion::common::exec_err;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use crate::functions::args::{arrays, eval_rows, result, utf8};
use crate::functions::scalar;

pub const CAST_TO_BOOLEAN: &str = "flink_cast_string_to_boolean";
pub const TRY_CAST_TO_BOOLEAN: &str = "flink_try_cast_string_to_boolean";

pub fn functions() -> Vec<ScalarUDF> {
    let one = || Signature::any(1, Volatility::Immutable);
    vec![
        scalar(
            CAST_TO_BOOLEAN,
            one(),
            |_| Ok(DataType::Boolean),
            |a, n, _| eval(a, n, false),
        )
        .build(),
        scalar(
            TRY_CAST_TO_BOOLEAN,
            one(),
            |_| Ok(DataType::Boolean),
            |a, n, _| eval(a, n, true),
        )
        .build(),
    ]
}

/// Flink's BOOLEAN of a text, None when it names none.
pub fn boolean_of(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn eval(args: &[ColumnarValue], rows: usize, try_: bool) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let s = utf8(&a[0])?;
    let mut out = Vec::with_capacity(n);
    for v in s.iter() {
        out.push(match v {
            None => None,
            Some(v) => match boolean_of(v) {
                Some(b) => Some(b),
                None if try_ => None,
                None => return exec_err!("Cannot parse '{v}' as BOOLEAN."),
            },
        });
    }
    result(args, Arc::new(BooleanArray::from(out)))
}
