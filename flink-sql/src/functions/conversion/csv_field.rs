//! A CSV field's text as Flink's CSV format reads it into the declared type, NULL when it
//! cannot (`'csv.ignore-parse-errors' = 'true'`): `flink_csv_field(text, <typed NULL>)`. The
//! filesystem connector reads such tables' fields as text and maps every data column
//! through it. Flink's readers (recorded from Flink 2.3):
//! - STRING: the text as it is;
//! - BOOLEAN: TRUE when the trimmed text is `true` in any case, else FALSE (never NULL);
//! - TINYINT … BIGINT: Java's `parseInt` / `parseLong` of the trimmed text;
//! - FLOAT / DOUBLE: Java's `parseDouble` of the trimmed text (`1e1`, `NaN`, `Infinity`, a
//!   trailing `d` / `f`);
//! - DECIMAL(p, s): Java's `BigDecimal` of the text, untrimmed, rounded HALF_UP to s, NULL past p;
//! - DATE: `java.sql.Date.valueOf`: `yyyy-[m]m-[d]d`, a day past the month's end rolling
//!   over (`2024-02-30` is 2024-03-01);
//! - TIMESTAMP(p): `yyyy-MM-dd HH:mm:ss[.f…]`, cut to p digits.
//!
//! A fourth argument TRUE reads a NULL text as an empty field (the filesystem connector's
//! Arrow-split fields, where an empty field comes as NULL).
//!
//! With a third argument, the column's description (`column `c` (INT) of table `t``), it
//! reads as Flink does without `csv.ignore-parse-errors`: a field it cannot read fails the
//! job, naming the value and the column. A DECIMAL past its precision is NULL either way, as
//! in Flink. NULL (a field the row does not have, or the null literal) is NULL.
//!
//! [`supported`] says which declared types it reads; the connector refuses the others.

use std::sync::Arc;

use arrow::array::StringArray;
use arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Decimal128Builder, Float32Array, Float64Array,
    Int8Array, Int16Array, Int32Array, Int64Array, TimestampNanosecondArray,
};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use arrow::error::ArrowError;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::DataFusionError;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, TypeSignature, Volatility};

use crate::functions::args::{arrays, eval_rows, result, utf8};
use crate::functions::scalar;

pub const NAME: &str = "flink_csv_field";

/// Whether a declared column type can be read by [`NAME`].
pub fn supported(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(_, _)
            | DataType::Date32
            | DataType::Timestamp(_, None)
    )
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            NAME,
            Signature::one_of(
                vec![
                    TypeSignature::Any(2),
                    TypeSignature::Any(3),
                    TypeSignature::Any(4),
                ],
                Volatility::Immutable,
            ),
            |t| Ok(t[1].clone()),
            eval,
        )
        .build(),
    ]
}

/// Java's `Long.parseLong` (an optional sign, then ASCII digits), within `[lo, hi]`.
pub fn java_long(s: &str, lo: i64, hi: i64) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = s.strip_prefix('+').unwrap_or(s).parse().ok()?;
    (lo..=hi).contains(&v).then_some(v)
}

/// Java's `Double.parseDouble` of decimal text (hexadecimal floats are not read).
pub fn java_double(s: &str) -> Option<f64> {
    let s = s.trim_matches(|c: char| c <= ' ');
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    match unsigned {
        "NaN" => return Some(f64::NAN),
        "Infinity" => {
            return Some(if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        _ => {}
    }
    let body = s.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(s);
    let numeric = body
        .strip_prefix(['+', '-'])
        .unwrap_or(body)
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !numeric || !body.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    body.parse().ok()
}

/// `java.sql.Date.valueOf`: `yyyy-[m]m-[d]d`, month 1–12, day 1–31, rolling past the
/// month's end.
pub fn java_sql_date(s: &str) -> Option<NaiveDate> {
    // The usual text, `yyyy-MM-dd` of a real day, without splitting.
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |v, &c| {
                c.is_ascii_digit().then(|| v * 10 + (c - b'0') as u32)
            })
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
            && let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d)
        {
            return Some(date);
        }
    }
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let digits = |p: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return None;
    }
    let (y, m, d): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(y, m, 1)?;
    first.checked_add_days(chrono::Days::new(d as u64 - 1))
}

/// Flink's SQL timestamp text `yyyy-MM-dd HH:mm:ss[.f…]` (two-digit fields, seconds needed).
pub fn sql_timestamp(s: &str) -> Option<NaiveDateTime> {
    let (date, time) = s.split_once(' ')?;
    let dp: Vec<&str> = date.split('-').collect();
    let two = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    let [y, m, d] = dp.as_slice() else {
        return None;
    };
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) || !two(m) || !two(d) {
        return None;
    }
    let (hms, frac) = match time.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (time, None),
    };
    let tp: Vec<&str> = hms.split(':').collect();
    let [h, mi, se] = tp.as_slice() else {
        return None;
    };
    if !two(h) || !two(mi) || !two(se) {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{f:0<9}").parse().ok()?
        }
        Some(_) => return None,
    };
    let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    let time =
        NaiveTime::from_hms_nano_opt(h.parse().ok()?, mi.parse().ok()?, se.parse().ok()?, nanos)?;
    Some(date.and_time(time))
}

fn eval(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(&args[..1], n)?;
    let mut s = utf8(&a[0])?;
    // A fourth argument TRUE: a NULL text is an empty field (Arrow's CSV reader gives NULL
    // for one), read as ''.
    if let Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true)))) = args.get(3)
        && s.null_count() > 0
    {
        s = s.iter().map(|v| Some(v.unwrap_or(""))).collect();
    }
    fn trimmed(v: &str) -> &str {
        v.trim_matches(|c: char| c <= ' ')
    }
    let out: ArrayRef = match ret {
        DataType::Utf8 => Arc::new(s.clone()),
        DataType::LargeUtf8 | DataType::Utf8View => cast(&(Arc::new(s.clone()) as ArrayRef), ret)?,
        DataType::Boolean => Arc::new(BooleanArray::from(
            s.iter()
                .map(|v| v.map(|v| trimmed(v).eq_ignore_ascii_case("true")))
                .collect::<Vec<_>>(),
        )),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            let (lo, hi) = match ret {
                DataType::Int8 => (i8::MIN as i64, i8::MAX as i64),
                DataType::Int16 => (i16::MIN as i64, i16::MAX as i64),
                DataType::Int32 => (i32::MIN as i64, i32::MAX as i64),
                _ => (i64::MIN, i64::MAX),
            };
            let v: Vec<Option<i64>> = s
                .iter()
                .map(|v| v.and_then(|v| java_long(trimmed(v), lo, hi)))
                .collect();
            match ret {
                DataType::Int8 => {
                    Arc::new(Int8Array::from_iter(v.iter().map(|x| x.map(|x| x as i8))))
                }
                DataType::Int16 => {
                    Arc::new(Int16Array::from_iter(v.iter().map(|x| x.map(|x| x as i16))))
                }
                DataType::Int32 => {
                    Arc::new(Int32Array::from_iter(v.iter().map(|x| x.map(|x| x as i32))))
                }
                _ => Arc::new(Int64Array::from(v)),
            }
        }
        DataType::Float64 => Arc::new(Float64Array::from_iter(
            s.iter().map(|v| v.and_then(java_double)),
        )),
        DataType::Float32 => Arc::new(Float32Array::from_iter(
            s.iter().map(|v| v.and_then(java_double).map(|x| x as f32)),
        )),
        DataType::Decimal128(p, sc) => {
            let limit = 10u128.pow(*p as u32);
            let mut b = Decimal128Builder::with_capacity(n);
            for v in s.iter() {
                let d = v.and_then(|v| {
                    // BigDecimal takes no blanks
                    if v.is_empty() || v.starts_with(' ') || v.ends_with(' ') {
                        return None;
                    }
                    super::parse_decimal(v, *sc).filter(|d| d.unsigned_abs() < limit)
                });
                b.append_option(d);
            }
            Arc::new(b.finish().with_precision_and_scale(*p, *sc)?)
        }
        DataType::Date32 => {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            Arc::new(Date32Array::from_iter(s.iter().map(|v| {
                v.and_then(java_sql_date)
                    .map(|d| (d - epoch).num_days() as i32)
            })))
        }
        DataType::Timestamp(_, None) => {
            let ns: ArrayRef = Arc::new(TimestampNanosecondArray::from_iter(s.iter().map(|v| {
                v.and_then(sql_timestamp)
                    .and_then(|t| t.and_utc().timestamp_nanos_opt())
            })));
            // cut (not rounded) to the declared unit
            cast(&ns, ret)?
        }
        other => return exec_err!("no Flink CSV reader for {other}"),
    };
    if let Some(ColumnarValue::Scalar(column)) = args.get(2) {
        check_read(&s, out.as_ref(), ret, &column.to_string())?;
    }
    result(&args[..1], out)
}

/// Fails on the first field that was there but could not be read (a DECIMAL past its
/// precision excepted: Flink reads it as NULL).
fn check_read(texts: &StringArray, out: &dyn Array, ret: &DataType, column: &str) -> Result<()> {
    if out.null_count() == texts.null_count() {
        return Ok(());
    }
    for (i, v) in texts.iter().enumerate() {
        let Some(v) = v else { continue };
        if out.is_valid(i) {
            continue;
        }
        if let DataType::Decimal128(_, sc) = ret
            && !v.starts_with(' ')
            && !v.ends_with(' ')
            && super::parse_decimal(v, *sc).is_some()
        {
            continue;
        }
        let flink_type = crate::types::flink_name(ret);
        let message = if v.is_empty() {
            format!(
                "an empty field for {column}, which Flink's CSV reader cannot read as {flink_type} either (set 'csv.null-literal' = '' on the table to read empty fields as NULL)"
            )
        } else {
            format!(
                "cannot read '{v}' as {flink_type} for {column}, as Flink's CSV reader cannot either"
            )
        };
        return Err(DataFusionError::ArrowError(
            Box::new(ArrowError::ParseError(message)),
            None,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_readers() {
        assert_eq!(java_long("5", 0, 9), Some(5));
        assert_eq!(java_long("+5", 0, 9), Some(5));
        assert_eq!(java_long("x", 0, 9), None);
        assert_eq!(java_long("", 0, 9), None);
        assert_eq!(java_long("300", -128, 127), None);
        assert_eq!(java_double("1e1"), Some(10.0));
        assert_eq!(java_double("1d"), Some(1.0));
        assert!(java_double("NaN").unwrap().is_nan());
        assert_eq!(java_double("zz"), None);
        assert_eq!(java_double("inf"), None);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(java_sql_date("2024-1-2"), d(2024, 1, 2));
        assert_eq!(java_sql_date("2024-02-30"), d(2024, 3, 1));
        assert_eq!(java_sql_date("2024-13-01"), None);
        assert_eq!(java_sql_date("20240102"), None);
        assert!(sql_timestamp("2024-01-02 03:04:05.123456").is_some());
        assert_eq!(sql_timestamp("2024-01-02T03:04:05"), None);
        assert_eq!(sql_timestamp("2024-01-02 03:04"), None);
    }
}
