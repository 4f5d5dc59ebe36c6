//! Rows as Flink's `csv` format writes them: Flink turns each field into a Jackson node and
//! Jackson's CSV generator prints the line (no header, `\n` after every row). Recorded from
//! Flink 2.3:
//! - numbers and booleans are printed bare: integers in decimal, DOUBLE / FLOAT as Java's
//!   `Double.toString` / `Float.toString` (`1.0E10`, `0.001`), DECIMAL as Java's
//!   `BigDecimal.stripTrailingZeros().toString()` (`1.5E+3`, `-0.01`), `true` / `false`;
//! - everything else is text: DATE `2024-01-02`, TIME `03:04:05[.fff]`, TIMESTAMP
//!   `2024-01-02 03:04:05[.f…]` (fraction without trailing zeros), TIMESTAMP_LTZ the same in
//!   UTC with a `Z`, BYTES as Base64;
//! - text is quoted when it is longer than 24 UTF-16 units, or holds a character below
//!   Jackson's "safe" bound (one past the largest of the delimiter, the quote character and
//!   `\n`: with `,` every character up to `,` is quoted, with `|` nearly every one), or a
//!   backslash; a quote inside is doubled. The empty string is written as nothing;
//! - NULL is the `csv.null-literal`, bare, or nothing.

use std::fmt::Write as _;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, Time32MillisecondType, Time32SecondType, Time64MicrosecondType,
    Time64NanosecondType, TimeUnit, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Timelike};
use datafusion::error::{DataFusionError, Result};
use weft_flink_sql::cast_text::{date_text, java_big_decimal, java_double, java_float};

use super::options::CsvOptions;

/// Jackson checks at most this many UTF-16 units; a longer text is always quoted.
const MAX_QUOTE_CHECK: usize = 24;

/// How text fields are quoted.
struct Quoting {
    /// `None` with `csv.disable-quote-character`: text is written as it is.
    quote: Option<u8>,
    /// Characters below this are quoted.
    min_safe: u8,
    /// `csv.escape-character`, doubled inside quotes.
    escape: Option<u8>,
    /// `csv.array-element-delimiter`.
    array_delimiter: String,
}

impl Quoting {
    fn new(o: &CsvOptions) -> Self {
        let min_safe = o.delimiter.max(o.quote).max(b'\n').saturating_add(1);
        Quoting {
            quote: (!o.disable_quote).then_some(o.quote),
            min_safe,
            escape: o.escape,
            array_delimiter: o.array_delimiter.clone(),
        }
    }

    fn needs_quotes(&self, s: &str) -> bool {
        if s.len() > MAX_QUOTE_CHECK && s.encode_utf16().count() > MAX_QUOTE_CHECK {
            return true;
        }
        s.bytes().any(|b| b < self.min_safe || b == b'\\')
    }

    fn write(&self, out: &mut Vec<u8>, s: &str) {
        let Some(quote) = self.quote.filter(|_| self.needs_quotes(s)) else {
            out.extend_from_slice(s.as_bytes());
            return;
        };
        out.push(quote);
        for &b in s.as_bytes() {
            if b == quote || Some(b) == self.escape {
                out.push(b);
            }
            out.push(b);
        }
        out.push(quote);
    }
}

/// The rows of `batch` as Flink's CSV writer prints them.
pub fn encode(batch: &RecordBatch, o: &CsvOptions) -> Result<Vec<u8>> {
    let quoting = Quoting::new(o);
    let null = o.null_literal.as_deref().unwrap_or("").as_bytes();
    let schema = batch.schema();
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(a, f)| Column::new(a, f.name()))
        .collect::<Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(batch.get_array_memory_size() / 2 + batch.num_rows());
    let mut text = String::new();
    for row in 0..batch.num_rows() {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push(o.delimiter);
            }
            if c.array.is_null(row) {
                out.extend_from_slice(null);
            } else {
                c.write(row, &mut out, &mut text, &quoting);
            }
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// One text field as Flink's CSV writer prints it (quoted where Jackson would).
pub fn text_field(s: &str, o: &CsvOptions) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    Quoting::new(o).write(&mut out, s);
    String::from_utf8(out).expect("quoting keeps UTF-8")
}

struct Column<'a> {
    array: &'a ArrayRef,
}

/// Whether the CSV writer writes a value of `t`: the scalar types, and ARRAYs of them
/// (elements joined by `csv.array-element-delimiter`, a NULL element as nothing).
fn writes(t: &DataType) -> bool {
    match t {
        DataType::List(f) => !matches!(f.data_type(), DataType::List(_)) && writes(f.data_type()),
        t => scalar(t),
    }
}

/// The scalar types Flink's text formats write (CSV and JSON alike).
pub(crate) fn scalar(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Null
            | DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(_, _)
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_)
            | DataType::Date32
            | DataType::Time32(_)
            | DataType::Time64(_)
            | DataType::Timestamp(_, _)
    )
}

impl<'a> Column<'a> {
    fn new(array: &'a ArrayRef, name: &str) -> Result<Self> {
        let supported = writes(array.data_type());
        if !supported {
            return Err(DataFusionError::Plan(format!(
                "the csv format cannot write column `{name}` of type {}; write it with 'format' = 'json' or 'parquet', or cast it to STRING",
                array.data_type()
            )));
        }
        Ok(Column { array })
    }

    /// Writes the value at `row` (not NULL); `text` is scratch space.
    fn write(&self, row: usize, out: &mut Vec<u8>, text: &mut String, q: &Quoting) {
        let a = self.array;
        text.clear();
        macro_rules! int {
            ($t:ty) => {{
                let _ = write!(text, "{}", a.as_primitive::<$t>().value(row));
                out.extend_from_slice(text.as_bytes());
            }};
        }
        match a.data_type() {
            DataType::Null => {}
            DataType::Boolean => {
                let v = a.as_boolean().value(row);
                out.extend_from_slice(if v { b"true" } else { b"false" });
            }
            DataType::Int8 => int!(Int8Type),
            DataType::Int16 => int!(Int16Type),
            DataType::Int32 => int!(Int32Type),
            DataType::Int64 => int!(Int64Type),
            DataType::UInt8 => int!(UInt8Type),
            DataType::UInt16 => int!(UInt16Type),
            DataType::UInt32 => int!(UInt32Type),
            DataType::UInt64 => int!(UInt64Type),
            DataType::Float32 => out.extend_from_slice(
                java_float(a.as_primitive::<Float32Type>().value(row)).as_bytes(),
            ),
            DataType::Float64 => out.extend_from_slice(
                java_double(a.as_primitive::<Float64Type>().value(row)).as_bytes(),
            ),
            DataType::Decimal128(_, scale) => {
                let v = a.as_primitive::<Decimal128Type>().value(row);
                out.extend_from_slice(java_big_decimal(v, *scale).as_bytes());
            }
            DataType::Utf8 => q.write(out, a.as_string::<i32>().value(row)),
            DataType::LargeUtf8 => q.write(out, a.as_string::<i64>().value(row)),
            DataType::Utf8View => q.write(out, a.as_string_view().value(row)),
            DataType::Binary => base64_text(out, a.as_binary::<i32>().value(row), text, q),
            DataType::LargeBinary => base64_text(out, a.as_binary::<i64>().value(row), text, q),
            DataType::BinaryView => base64_text(out, a.as_binary_view().value(row), text, q),
            DataType::FixedSizeBinary(_) => {
                base64_text(out, a.as_fixed_size_binary().value(row), text, q)
            }
            DataType::Date32 => {
                let days = a.as_primitive::<Date32Type>().value(row);
                let d = NaiveDate::from_ymd_opt(1970, 1, 1)
                    .unwrap()
                    .checked_add_signed(chrono::Duration::days(days as i64))
                    .unwrap_or(NaiveDate::MIN);
                q.write(out, &date_text(d));
            }
            DataType::Time32(unit) | DataType::Time64(unit) => {
                let nanos = time_nanos(a, row, unit);
                let secs = nanos / 1_000_000_000;
                let _ = write!(
                    text,
                    "{:02}:{:02}:{:02}",
                    secs / 3600,
                    (secs / 60) % 60,
                    secs % 60
                );
                fraction(text, (nanos % 1_000_000_000) as u32);
                q.write(out, text);
            }
            DataType::Timestamp(unit, tz) => {
                let (secs, nanos) = split_epoch(timestamp_value(a, row), unit);
                let dt = DateTime::from_timestamp(secs, nanos)
                    .unwrap_or_default()
                    .naive_utc();
                let _ = write!(
                    text,
                    "{} {:02}:{:02}:{:02}",
                    date_text(dt.date()),
                    dt.hour(),
                    dt.minute(),
                    dt.second()
                );
                fraction(text, dt.nanosecond());
                if tz.is_some() {
                    text.push('Z');
                }
                q.write(out, text);
            }
            DataType::List(_) => {
                let values = a.as_list::<i32>().value(row);
                let element = Column { array: &values };
                // the elements' own text, unquoted, then the field quoted as text is
                let plain = Quoting {
                    quote: None,
                    min_safe: 0,
                    escape: None,
                    array_delimiter: String::new(),
                };
                let mut joined = Vec::new();
                let mut scratch = String::new();
                for i in 0..values.len() {
                    if i > 0 {
                        joined.extend_from_slice(q.array_delimiter.as_bytes());
                    }
                    if !values.is_null(i) {
                        element.write(i, &mut joined, &mut scratch, &plain);
                    }
                }
                q.write(out, &String::from_utf8_lossy(&joined));
            }
            other => unreachable!("checked in Column::new: {other}"),
        }
    }
}

fn base64_text(out: &mut Vec<u8>, bytes: &[u8], text: &mut String, q: &Quoting) {
    base64::engine::general_purpose::STANDARD.encode_string(bytes, text);
    q.write(out, text);
}

/// `.f…` without trailing zeros, nothing for a whole second (Java's `appendFraction(0, 9)`).
pub(crate) fn fraction(text: &mut String, nanos: u32) {
    if nanos == 0 {
        return;
    }
    let digits = format!("{nanos:09}");
    text.push('.');
    text.push_str(digits.trim_end_matches('0'));
}

pub(crate) fn time_nanos(a: &ArrayRef, row: usize, unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => a.as_primitive::<Time32SecondType>().value(row) as i64 * 1_000_000_000,
        TimeUnit::Millisecond => {
            a.as_primitive::<Time32MillisecondType>().value(row) as i64 * 1_000_000
        }
        TimeUnit::Microsecond => a.as_primitive::<Time64MicrosecondType>().value(row) * 1_000,
        TimeUnit::Nanosecond => a.as_primitive::<Time64NanosecondType>().value(row),
    }
}

pub(crate) fn timestamp_value(a: &ArrayRef, row: usize) -> i64 {
    use arrow::datatypes::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            a.as_primitive::<TimestampSecondType>().value(row)
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            a.as_primitive::<TimestampMillisecondType>().value(row)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            a.as_primitive::<TimestampMicrosecondType>().value(row)
        }
        _ => a.as_primitive::<TimestampNanosecondType>().value(row),
    }
}

pub(crate) fn split_epoch(v: i64, unit: &TimeUnit) -> (i64, u32) {
    let per: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    (
        v.div_euclid(per),
        (v.rem_euclid(per) * (1_000_000_000 / per)) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::{
        BinaryArray, Decimal128Array, Float64Array, Int32Array, StringArray,
        Time64MicrosecondArray, TimestampMicrosecondArray,
    };
    use arrow::datatypes::{Field, Schema};

    fn options(delimiter: u8, null: Option<&str>) -> CsvOptions {
        CsvOptions {
            delimiter,
            null_literal: null.map(str::to_string),
            ..CsvOptions::default()
        }
    }

    fn lines(columns: Vec<ArrayRef>, o: &CsvOptions) -> Vec<String> {
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
            .collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
        String::from_utf8(encode(&batch, o).unwrap())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn strings(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    #[test]
    fn text_is_quoted_as_jacksons_loose_check_does() {
        let s = strings(&[
            Some("a\\b"),
            Some("#x"),
            Some("abcdefghijklmnopqrstuvwx"),
            Some("abcdefghijklmnopqrstuvwxy"),
            Some("ééééééééééééééééééééééé"),
            Some("😀😀😀😀😀😀😀😀😀😀😀😀😀"),
            Some("say \"hi\""),
            Some("a|b"),
            Some("{}"),
            Some(""),
            None,
            Some("-a"),
        ]);
        assert_eq!(
            lines(vec![s.clone()], &options(b',', None)),
            [
                "\"a\\b\"",
                "\"#x\"",
                "abcdefghijklmnopqrstuvwx",
                "\"abcdefghijklmnopqrstuvwxy\"",
                "ééééééééééééééééééééééé",
                "\"😀😀😀😀😀😀😀😀😀😀😀😀😀\"",
                "\"say \"\"hi\"\"\"",
                "a|b",
                "{}",
                "",
                "",
                "-a"
            ]
        );
        let pipe = lines(vec![s.clone()], &options(b'|', Some("N/A")));
        assert_eq!(pipe[7], "\"a|b\"");
        assert_eq!(pipe[8], "\"{}\"");
        assert_eq!(pipe[4], "ééééééééééééééééééééééé");
        assert_eq!(pipe[10], "N/A");
        let tab = lines(vec![s], &options(b'\t', None));
        assert_eq!(tab[1], "#x");
        assert_eq!(tab[0], "\"a\\b\"");
    }

    #[test]
    fn numbers_and_temporals_print_as_flink_does() {
        let dec: ArrayRef = Arc::new(
            Decimal128Array::from(vec![-100, 15_000_000, 0, 1_250_000])
                .with_precision_and_scale(20, 4)
                .unwrap(),
        );
        let dbl: ArrayRef = Arc::new(Float64Array::from(vec![123.0, 1e-3, 1e20, f64::NAN]));
        let ts: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![
            1_704_164_645_120_000,
            0,
            1_500_000,
            -1,
        ]));
        let ltz: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from(vec![1_500_000, 0, 86_400_000_000, 1])
                .with_timezone("UTC"),
        );
        let time: ArrayRef = Arc::new(Time64MicrosecondArray::from(vec![
            11_045_000_000,
            11_045_120_000,
            0,
            86_399_999_000,
        ]));
        let bytes: ArrayRef = Arc::new(BinaryArray::from(vec![
            &[0xfb_u8, 0xff][..],
            &[1, 2][..],
            &[][..],
            &[0xff][..],
        ]));
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![-5, 0, 7, i32::MAX]));
        assert_eq!(
            lines(
                vec![ints, dec, dbl, ts, ltz, time, bytes],
                &options(b',', None)
            ),
            [
                "-5,-0.01,123.0,\"2024-01-02 03:04:05.12\",\"1970-01-01 00:00:01.5Z\",03:04:05,\"+/8=\"",
                "0,1.5E+3,0.001,\"1970-01-01 00:00:00\",\"1970-01-01 00:00:00Z\",03:04:05.12,AQI=",
                "7,0,1.0E20,\"1970-01-01 00:00:01.5\",\"1970-01-02 00:00:00Z\",00:00:00,",
                "2147483647,125,NaN,\"1969-12-31 23:59:59.999999\",\"1970-01-01 00:00:00.000001Z\",23:59:59.999,/w=="
            ]
        );
    }

    #[test]
    fn arrays_are_joined_and_other_nested_types_refused_naming_the_column() {
        let list: ArrayRef = Arc::new(arrow::array::ListArray::from_iter_primitive::<
            Int32Type,
            _,
            _,
        >(vec![Some(vec![Some(1), None, Some(3)])]));
        assert_eq!(lines(vec![list], &options(b',', None)), ["1;;3"]);
        let row: ArrayRef = Arc::new(arrow::array::StructArray::from(vec![(
            Arc::new(Field::new("a", DataType::Int32, true)),
            Arc::new(Int32Array::from(vec![1])) as ArrayRef,
        )]));
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(
                "tags",
                row.data_type().clone(),
                true,
            )])),
            vec![row],
        )
        .unwrap();
        let e = encode(&batch, &options(b',', None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("column `tags`"), "{e}");
    }
}
