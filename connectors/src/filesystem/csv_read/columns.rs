//! CSV fields read into typed Arrow columns the way Flink's CSV format reads them (the
//! readers themselves are `weft_flink_sql`'s, recorded from Flink 2.3):
//! - STRING: the text as it is (`''` for an empty field), as a view column;
//! - BOOLEAN: TRUE for `true` in any case, trimmed; anything else is FALSE;
//! - TINYINT … BIGINT, FLOAT / DOUBLE, DATE, TIMESTAMP(p): Java's parsers; an empty or
//!   unreadable field fails the job (NULL with `csv.ignore-parse-errors`);
//! - DECIMAL(p, s): `BigDecimal` of the untrimmed text rounded HALF_UP to s, NULL past p;
//! - a field equal to `csv.null-literal`, and a field the row does not have, is NULL.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array,
    NullBufferBuilder, PrimitiveArray, StringViewBuilder, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
};
use arrow::buffer::{BooleanBuffer, ScalarBuffer};
use arrow::datatypes::{ArrowPrimitiveType, DataType, TimeUnit};
use weft_flink_sql::functions::conversion::csv_field::{
    java_double, java_long, java_sql_date, sql_timestamp,
};
use weft_flink_sql::functions::conversion::parse_decimal;

use super::tokenize::Rows;

/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01.
const UNIX_EPOCH_DAY_CE: i32 = 719_163;

/// How the fields of a table are read.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub null_literal: Option<&'a str>,
    /// `csv.ignore-parse-errors`: a field that cannot be read is NULL.
    pub lenient: bool,
    /// `csv.array-element-delimiter` (`;`): what separates the elements of an ARRAY field.
    pub array_delimiter: &'a str,
}

/// A field Flink's reader cannot read, in row `row` of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    pub row: usize,
    /// The field's text (empty for an empty field).
    pub text: String,
}

/// What reading one field gave.
enum Read<T> {
    Value(T),
    /// A value Flink reads as NULL (a DECIMAL past its precision).
    Null,
    Bad,
}

/// Whether a declared column type has a reader here: the scalar types, and ARRAYs of them.
pub fn supported(t: &DataType) -> bool {
    match t {
        DataType::List(f) => {
            weft_flink_sql::functions::conversion::csv_field::supported(f.data_type())
        }
        t => weft_flink_sql::functions::conversion::csv_field::supported(t),
    }
}

/// The texts of one column's fields: `get(r)` is row r's, `None` when it is NULL.
struct Texts<'a> {
    len: usize,
    get: &'a dyn Fn(usize) -> Option<&'a str>,
}

/// The Arrow type column values of declared type `t` are read as: views for strings.
pub fn read_type(t: &DataType) -> DataType {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8View,
        other => other.clone(),
    }
}

/// Field `col` of every row of `rows` (split from `block`, valid UTF-8) as a column of
/// `read_type(declared)`.
pub fn read_column(
    block: &[u8],
    rows: &Rows,
    col: usize,
    declared: &DataType,
    how: &Reading,
) -> Result<ArrayRef, BadValue> {
    let get = |r: usize| text(block, rows, r, col, how);
    read_texts(
        &Texts {
            len: rows.len(),
            get: &get,
        },
        declared,
        how,
    )
}

/// An ARRAY column: each field split at the delimiter (an empty field is an empty array),
/// the elements read with the element type's reader. A bad element is reported at its row.
fn read_list(
    texts: &Texts<'_>,
    field: &arrow::datatypes::FieldRef,
    how: &Reading,
) -> Result<ArrayRef, BadValue> {
    let mut offsets = Vec::with_capacity(texts.len + 1);
    offsets.push(0i32);
    let mut nulls = NullBufferBuilder::new(texts.len);
    let mut elements: Vec<&str> = Vec::new();
    for r in 0..texts.len {
        match (texts.get)(r) {
            None => nulls.append_null(),
            Some(v) => {
                if !v.is_empty() {
                    elements.extend(v.split(how.array_delimiter));
                }
                nulls.append_non_null();
            }
        }
        offsets.push(elements.len() as i32);
    }
    let get = |i: usize| Some(elements[i]);
    let values = read_texts(
        &Texts {
            len: elements.len(),
            get: &get,
        },
        field.data_type(),
        how,
    )
    .map_err(|bad| BadValue {
        // the element's row
        row: offsets.partition_point(|&o| o as usize <= bad.row) - 1,
        text: bad.text,
    })?;
    // strings inside an array are the declared Utf8, not views
    let values = match field.data_type() {
        DataType::Utf8 => {
            arrow::compute::cast(&values, &DataType::Utf8).expect("a view casts to Utf8")
        }
        _ => values,
    };
    Ok(Arc::new(arrow::array::ListArray::new(
        field.clone(),
        arrow::buffer::OffsetBuffer::new(offsets.into()),
        values,
        nulls.finish(),
    )))
}

/// The fields `texts` as a column of `read_type(declared)`.
fn read_texts(texts: &Texts<'_>, declared: &DataType, how: &Reading) -> Result<ArrayRef, BadValue> {
    Ok(match declared {
        DataType::List(f) => read_list(texts, f, how)?,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let mut b = StringViewBuilder::with_capacity(texts.len);
            for r in 0..texts.len {
                match (texts.get)(r) {
                    Some(v) => b.append_value(v),
                    None => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        DataType::Boolean => {
            let mut values = Vec::with_capacity(texts.len);
            let mut nulls = NullBufferBuilder::new(texts.len);
            for r in 0..texts.len {
                let v = (texts.get)(r);
                nulls.append(v.is_some());
                values.push(v.is_some_and(|v| trimmed(v).eq_ignore_ascii_case("true")));
            }
            Arc::new(BooleanArray::new(
                BooleanBuffer::from(values),
                nulls.finish(),
            ))
        }
        DataType::Int8 => Arc::new(ints::<arrow::datatypes::Int8Type>(
            texts,
            how,
            i8::MIN as i64,
            i8::MAX as i64,
        )?),
        DataType::Int16 => Arc::new(ints::<arrow::datatypes::Int16Type>(
            texts,
            how,
            i16::MIN as i64,
            i16::MAX as i64,
        )?),
        DataType::Int32 => Arc::new(ints::<arrow::datatypes::Int32Type>(
            texts,
            how,
            i32::MIN as i64,
            i32::MAX as i64,
        )?),
        DataType::Int64 => Arc::new(ints::<arrow::datatypes::Int64Type>(
            texts,
            how,
            i64::MIN,
            i64::MAX,
        )?),
        DataType::Float64 => Arc::new(Float64Array::from(primitive(texts, how, |v| {
            java_double(v).map_or(Read::Bad, Read::Value)
        })?)),
        DataType::Float32 => Arc::new(Float32Array::from(primitive(texts, how, |v| {
            java_double(v).map_or(Read::Bad, |d| Read::Value(d as f32))
        })?)),
        DataType::Decimal128(p, s) => {
            let limit = 10u128.pow(*p as u32);
            let (p, s) = (*p, *s);
            let a: Decimal128Array = primitive(texts, how, |v| {
                // BigDecimal takes no blanks
                if v.is_empty() || v.starts_with(' ') || v.ends_with(' ') {
                    return Read::Bad;
                }
                match parse_decimal(v, s) {
                    Some(d) if d.unsigned_abs() < limit => Read::Value(d),
                    Some(_) => Read::Null,
                    None => Read::Bad,
                }
            })?;
            Arc::new(
                a.with_precision_and_scale(p, s)
                    .expect("a declared DECIMAL"),
            )
        }
        DataType::Date32 => Arc::new(Date32Array::from(primitive(texts, how, |v| {
            use chrono::Datelike;
            java_sql_date(v).map_or(Read::Bad, |d| {
                Read::Value(d.num_days_from_ce() - UNIX_EPOCH_DAY_CE)
            })
        })?)),
        DataType::Timestamp(unit, None) => {
            let per_second: i64 = match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            };
            // the fraction cut (not rounded) to the unit
            let read = |v: &str| match sql_timestamp(v) {
                Some(t) => {
                    let t = t.and_utc();
                    let sub = t.timestamp_subsec_nanos() as i64 / (1_000_000_000 / per_second);
                    match t
                        .timestamp()
                        .checked_mul(per_second)
                        .and_then(|s| s.checked_add(sub))
                    {
                        Some(x) => Read::Value(x),
                        None => Read::Bad,
                    }
                }
                None => Read::Bad,
            };
            match unit {
                TimeUnit::Second => {
                    Arc::new(TimestampSecondArray::from(primitive(texts, how, read)?))
                }
                TimeUnit::Millisecond => Arc::new(TimestampMillisecondArray::from(primitive(
                    texts, how, read,
                )?)),
                TimeUnit::Microsecond => Arc::new(TimestampMicrosecondArray::from(primitive(
                    texts, how, read,
                )?)),
                TimeUnit::Nanosecond => {
                    Arc::new(TimestampNanosecondArray::from(primitive(texts, how, read)?))
                }
            }
        }
        other => unreachable!("no CSV reader for {other}; the connector checks `supported`"),
    })
}

/// `v` without leading and trailing blanks (Java's `String.trim`).
fn trimmed(v: &str) -> &str {
    v.trim_matches(|c: char| c <= ' ')
}

/// Field `col` of row `r` as text, `None` when it is NULL (missing, or the null literal).
fn text<'a>(
    block: &'a [u8],
    rows: &'a Rows,
    r: usize,
    col: usize,
    how: &Reading,
) -> Option<&'a str> {
    let bytes = rows.get(block, r, col)?;
    // SAFETY: the block was checked to be UTF-8, and fields are cut at ASCII bytes.
    let v = unsafe { std::str::from_utf8_unchecked(bytes) };
    (how.null_literal != Some(v)).then_some(v)
}

fn ints<T: ArrowPrimitiveType>(
    texts: &Texts<'_>,
    how: &Reading,
    lo: i64,
    hi: i64,
) -> Result<PrimitiveArray<T>, BadValue>
where
    T::Native: TryFrom<i64> + Default,
{
    primitive(texts, how, |v| {
        match plain_digits(v).or_else(|| java_long(v.trim_matches(|c: char| c <= ' '), lo, hi)) {
            Some(x) if (lo..=hi).contains(&x) => {
                Read::Value(T::Native::try_from(x).unwrap_or_default())
            }
            _ => Read::Bad,
        }
    })
}

/// The usual integer text, up to 18 ASCII digits with no sign or blanks, in one pass.
fn plain_digits(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i64)
    })
}

/// A column of `T` read by `read`: NULL where the field is, or where `read` says so;
/// an unreadable field fails (or is NULL when lenient).
fn primitive<T, N>(
    texts: &Texts<'_>,
    how: &Reading,
    mut read: impl FnMut(&str) -> Read<N>,
) -> Result<PrimitiveArray<T>, BadValue>
where
    T: ArrowPrimitiveType<Native = N>,
    N: Default + Copy + arrow::datatypes::ArrowNativeType,
{
    let mut values = Vec::with_capacity(texts.len);
    let mut nulls = NullBufferBuilder::new(texts.len);
    for r in 0..texts.len {
        let value = match (texts.get)(r) {
            None => None,
            Some(v) => match read(v) {
                Read::Value(x) => Some(x),
                Read::Null => None,
                Read::Bad if how.lenient => None,
                Read::Bad => {
                    return Err(BadValue {
                        row: r,
                        text: v.to_string(),
                    });
                }
            },
        };
        nulls.append(value.is_some());
        values.push(value.unwrap_or_default());
    }
    Ok(PrimitiveArray::new(
        ScalarBuffer::from(values),
        nulls.finish(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filesystem::csv_read::tokenize::{Dialect, Shape, tokenize};
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{Date32Type, Decimal128Type, Int32Type, TimestampMillisecondType};

    fn rows(block: &[u8], columns: usize) -> Rows {
        let d = Dialect {
            delimiter: b',',
            quote: Some(b'"'),
            escape: None,
            comments: false,
        };
        let mut rows = Rows::default();
        tokenize(
            block,
            true,
            usize::MAX,
            &d,
            &Shape {
                columns,
                lenient: true,
            },
            usize::MAX,
            &mut rows,
        )
        .unwrap();
        rows
    }

    const STRICT: Reading = Reading {
        null_literal: None,
        lenient: false,
        array_delimiter: ";",
    };
    const LENIENT: Reading = Reading {
        null_literal: None,
        array_delimiter: ";",
        lenient: true,
    };

    #[test]
    fn values_as_flink_reads_them() {
        let block = b" 5 ,TRUE ,2024-02-30,1.255,2024-01-02 03:04:05.1239\n+7,no,2024-1-2,99999,1969-12-31 23:59:59.9999\n";
        let r = rows(block, 5);
        let i = read_column(block, &r, 0, &DataType::Int32, &STRICT).unwrap();
        assert_eq!(i.as_primitive::<Int32Type>().values(), &[5, 7]);
        let b = read_column(block, &r, 1, &DataType::Boolean, &STRICT).unwrap();
        assert_eq!(
            b.as_boolean().iter().collect::<Vec<_>>(),
            vec![Some(true), Some(false)]
        );
        let d = read_column(block, &r, 2, &DataType::Date32, &STRICT).unwrap();
        // 2024-02-30 rolls over to 2024-03-01 (19783), 2024-01-02 is 19724
        assert_eq!(d.as_primitive::<Date32Type>().values(), &[19783, 19724]);
        let m = read_column(block, &r, 3, &DataType::Decimal128(5, 2), &STRICT).unwrap();
        let m = m.as_primitive::<Decimal128Type>();
        assert_eq!(
            (m.value(0), m.is_null(1)),
            (126, true),
            "HALF_UP, NULL past the precision"
        );
        let t = read_column(
            block,
            &r,
            4,
            &DataType::Timestamp(TimeUnit::Millisecond, None),
            &STRICT,
        )
        .unwrap();
        // cut, not rounded, also before 1970
        assert_eq!(
            t.as_primitive::<TimestampMillisecondType>().values(),
            &[1704164645123, -1]
        );
    }

    #[test]
    fn empty_missing_and_bad_fields() {
        let block = b"x,,\n3\n";
        let r = rows(block, 3);
        assert_eq!(
            read_column(block, &r, 0, &DataType::Int32, &STRICT).unwrap_err(),
            BadValue {
                row: 0,
                text: "x".into()
            }
        );
        let i = read_column(block, &r, 0, &DataType::Int32, &LENIENT).unwrap();
        assert_eq!(
            i.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(),
            vec![None, Some(3)]
        );
        // an empty STRING is '', a missing one NULL; an empty BOOLEAN FALSE
        let s = read_column(block, &r, 1, &DataType::Utf8, &STRICT).unwrap();
        assert_eq!(
            s.as_string_view().iter().collect::<Vec<_>>(),
            vec![Some(""), None]
        );
        let b = read_column(block, &r, 2, &DataType::Boolean, &STRICT).unwrap();
        assert_eq!(
            b.as_boolean().iter().collect::<Vec<_>>(),
            vec![Some(false), None]
        );
        assert_eq!(
            read_column(block, &r, 1, &DataType::Int32, &STRICT).unwrap_err(),
            BadValue {
                row: 0,
                text: String::new()
            }
        );
        // the null literal '' makes empty fields NULL
        let nulls = Reading {
            null_literal: Some(""),
            lenient: false,
            array_delimiter: ";",
        };
        let i = read_column(block, &r, 1, &DataType::Int32, &nulls).unwrap();
        assert_eq!(i.null_count(), 2);
    }
}
