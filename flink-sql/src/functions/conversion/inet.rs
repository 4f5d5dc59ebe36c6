//! INET_ATON(s) and INET_NTOA(n): IPv4 addresses between dotted text and BIGINT.
//! INET_ATON reads `a.b.c.d`, and as MySQL the short forms `a.b.c` (c: the low 16 bits),
//! `a.b` (b: the low 24 bits) and `a`; anything else, or a part too large, is NULL.
//! INET_NTOA writes a number in 0..=4294967295 as `a.b.c.d`; anything else is NULL.

use arrow::array::{Array, AsArray, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::plan_err;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use crate::functions::args::{arc, arrays, eval_rows, result, utf8};
use crate::functions::scalar;

/// The number of an IPv4 address text, as INET_ATON reads it.
pub fn inet_aton(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for p in &parts {
        if p.is_empty() || p.len() > 10 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        values.push(p.parse::<u64>().ok()?);
    }
    let (last, leading) = values.split_last()?;
    if leading.iter().any(|&v| v > 255) {
        return None;
    }
    // the last part fills the bytes the leading parts leave
    let last_bits = 8 * (4 - leading.len() as u32);
    if *last >= 1u64 << last_bits {
        return None;
    }
    let high = leading
        .iter()
        .enumerate()
        .fold(0u64, |acc, (i, &v)| acc | (v << (24 - 8 * i as u32)));
    Some((high | last) as i64)
}

/// The dotted text of an IPv4 address number, as INET_NTOA writes it.
pub fn inet_ntoa(n: i64) -> Option<String> {
    if !(0..=0xFFFF_FFFF).contains(&n) {
        return None;
    }
    let b = (n as u32).to_be_bytes();
    Some(format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
}

fn eval_aton(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let s = utf8(&arrays(args, n)?[0])?;
    let out: Int64Array = s.iter().map(|v| v.and_then(inet_aton)).collect();
    result(args, arc(out))
}

fn eval_ntoa(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = cast(&arrays(args, n)?[0], &DataType::Int64)?;
    let a = a.as_primitive::<Int64Type>();
    let out: StringArray = (0..a.len())
        .map(|i| a.is_valid(i).then(|| inet_ntoa(a.value(i))).flatten())
        .collect();
    result(args, arc(out))
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            "inet_aton",
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Int64),
            eval_aton,
        )
        .coerced(|t| match t {
            [t] if crate::functions::args::is_string(t) || *t == DataType::Null => {
                Ok(vec![DataType::Utf8])
            }
            _ => plan_err!("INET_ATON takes one STRING argument"),
        })
        .build(),
        scalar(
            "inet_ntoa",
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Utf8),
            eval_ntoa,
        )
        .coerced(|t| match t {
            [t] if t.is_integer() || *t == DataType::Null => Ok(vec![DataType::Int64]),
            _ => plan_err!("INET_NTOA takes one integer argument"),
        })
        .build(),
    ]
}
