//! Rows as Flink's `json` format writes them (`RowDataToJsonConverters` and Jackson, Flink
//! 2.3; see `docs/flink-json-format.md`): one compact object per line, fields in schema
//! order.
//! - BOOLEAN and integers bare; FLOAT / DOUBLE as Java's `Float` / `Double.toString`, NaN
//!   and ±Infinity as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`;
//! - DECIMAL as Java's `BigDecimal.stripTrailingZeros().toString()` (`1E+2`), or with
//!   `json.encode.decimal-as-plain-number` its plain text with the scale kept (`100.00`);
//! - DATE `2024-01-02`; TIME `03:04:05[.f]`; TIMESTAMP `2024-01-02 03:04:05[.f]` (or with a
//!   `T`, `json.timestamp-format.standard` = `ISO-8601`), the fraction without trailing
//!   zeros whatever the precision; TIMESTAMP_LTZ the same in UTC with a `Z`;
//! - BYTES as Base64; ARRAY as an array; MAP as an object (a NULL key fails the job, is
//!   dropped or written as `json.map-null-key.literal`, per `json.map-null-key.mode`); ROW
//!   as an object;
//! - strings escaped as Jackson does: `\"`, `\\`, `\b \t \n \f \r`, other control
//!   characters as `\u00XX` (upper-case hex), characters beyond the BMP as escaped UTF-16
//!   surrogate pairs;
//! - NULL as `null`, or left out of its row with `json.encode.ignore-null-fields`.

use std::fmt::Write as _;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Timelike};
use datafusion::error::{DataFusionError, Result};
use serde::{Deserialize, Serialize};
use weft_flink_sql::cast_text::{date_text, java_big_decimal, java_double, java_float};

use super::csv_write::{fraction, split_epoch, time_nanos, timestamp_value};

/// `json.map-null-key.mode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum MapNullKey {
    #[default]
    Fail,
    Drop,
    Literal(String),
}

/// The write side of Flink's json options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct JsonWriteOptions {
    /// `json.timestamp-format.standard` = `ISO-8601` (`T` between date and time).
    pub iso8601: bool,
    pub map_null_key: MapNullKey,
    /// `json.encode.decimal-as-plain-number`.
    pub decimal_plain: bool,
    /// `json.encode.ignore-null-fields`.
    pub ignore_null_fields: bool,
    /// `json.fail-on-missing-field` (read side, kept here with the other `json.*` options).
    #[serde(default)]
    pub fail_on_missing_field: bool,
}

/// Whether `t` holds a MAP whose keys are not strings, at any depth (Flink's json format
/// neither reads nor writes one).
pub fn has_non_string_map_key(t: &DataType) -> bool {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            has_non_string_map_key(f.data_type())
        }
        DataType::Struct(fields) => fields.iter().any(|f| has_non_string_map_key(f.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) => {
                !matches!(
                    kv[0].data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) || has_non_string_map_key(kv[1].data_type())
            }
            _ => true,
        },
        _ => false,
    }
}

/// Whether the json format writes `t` (Flink's converters: a MAP needs string keys).
pub fn check_type(name: &str, t: &DataType) -> std::result::Result<(), String> {
    let nested = |t: &DataType| check_type(name, t);
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            nested(f.data_type())
        }
        DataType::Struct(fields) => fields.iter().try_for_each(|f| nested(f.data_type())),
        DataType::Map(entries, _) => {
            let DataType::Struct(kv) = entries.data_type() else {
                return Err(format!("column `{name}`: a map without entries"));
            };
            if !matches!(
                kv[0].data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) {
                return Err(format!(
                    "the json format cannot write column `{name}`: Flink's JSON format doesn't support non-string as key type of map ({})",
                    weft_flink_sql::types::flink_name(t)
                ));
            }
            nested(kv[1].data_type())
        }
        t if super::csv_write::scalar(t) => Ok(()),
        other => Err(format!(
            "the json format cannot write column `{name}` of type {other}; cast it to STRING"
        )),
    }
}

/// The rows of `batch` as Flink's json format writes them, one line each.
pub fn encode(batch: &RecordBatch, o: &JsonWriteOptions) -> Result<Vec<u8>> {
    let schema = batch.schema();
    for f in schema.fields() {
        check_type(f.name(), f.data_type()).map_err(DataFusionError::Plan)?;
    }
    let names: Vec<String> = schema.fields().iter().map(|f| quoted(f.name())).collect();
    let mut w = Writer {
        out: Vec::with_capacity(batch.get_array_memory_size() / 2 + batch.num_rows()),
        text: String::new(),
        o,
    };
    for row in 0..batch.num_rows() {
        w.row(&names, batch.columns(), row)?;
        w.out.push(b'\n');
    }
    Ok(w.out)
}

/// `s` as a JSON string, quoted and escaped as Jackson writes it.
pub fn quoted(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    escape(&mut out, s);
    String::from_utf8(out).expect("escaping keeps UTF-8")
}

fn escape(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'"');
    let mut plain = 0;
    let bytes = s.as_bytes();
    let flush = |out: &mut Vec<u8>, from: usize, to: usize| out.extend_from_slice(&bytes[from..to]);
    for (i, c) in s.char_indices() {
        let short = match c {
            '"' => Some(b'"'),
            '\\' => Some(b'\\'),
            '\u{8}' => Some(b'b'),
            '\t' => Some(b't'),
            '\n' => Some(b'n'),
            '\u{c}' => Some(b'f'),
            '\r' => Some(b'r'),
            _ => None,
        };
        if let Some(e) = short {
            flush(out, plain, i);
            out.extend_from_slice(&[b'\\', e]);
        } else if (c as u32) < 0x20 {
            flush(out, plain, i);
            let b = c as u8;
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(&[HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        } else if (c as u32) > 0xFFFF {
            flush(out, plain, i);
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.extend_from_slice(b"\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((*u >> shift) & 15) as usize]);
                }
            }
        } else {
            continue;
        }
        plain = i + c.len_utf8();
    }
    flush(out, plain, bytes.len());
    out.push(b'"');
}

struct Writer<'a> {
    out: Vec<u8>,
    /// scratch space
    text: String,
    o: &'a JsonWriteOptions,
}

impl Writer<'_> {
    /// An object of `columns` at `row`, named `names` (already quoted).
    fn row(&mut self, names: &[String], columns: &[ArrayRef], row: usize) -> Result<()> {
        self.out.push(b'{');
        let mut first = true;
        for (name, a) in names.iter().zip(columns) {
            if a.is_null(row) && self.o.ignore_null_fields {
                continue;
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            self.out.extend_from_slice(name.as_bytes());
            self.out.push(b':');
            self.value(a, row)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    fn value(&mut self, a: &ArrayRef, row: usize) -> Result<()> {
        if a.is_null(row) {
            self.out.extend_from_slice(b"null");
            return Ok(());
        }
        macro_rules! bare {
            ($t:ty) => {{
                self.text.clear();
                let _ = write!(self.text, "{}", a.as_primitive::<$t>().value(row));
                self.out.extend_from_slice(self.text.as_bytes());
            }};
        }
        match a.data_type() {
            DataType::Null => self.out.extend_from_slice(b"null"),
            DataType::Boolean => self.out.extend_from_slice(if a.as_boolean().value(row) {
                b"true"
            } else {
                b"false"
            }),
            DataType::Int8 => bare!(Int8Type),
            DataType::Int16 => bare!(Int16Type),
            DataType::Int32 => bare!(Int32Type),
            DataType::Int64 => bare!(Int64Type),
            DataType::UInt8 => bare!(UInt8Type),
            DataType::UInt16 => bare!(UInt16Type),
            DataType::UInt32 => bare!(UInt32Type),
            DataType::UInt64 => bare!(UInt64Type),
            DataType::Float32 => {
                let v = a.as_primitive::<Float32Type>().value(row);
                self.number(java_float(v), v.is_finite());
            }
            DataType::Float64 => {
                let v = a.as_primitive::<Float64Type>().value(row);
                self.number(java_double(v), v.is_finite());
            }
            DataType::Decimal128(_, scale) => {
                let v = a.as_primitive::<Decimal128Type>().value(row);
                let text = match self.o.decimal_plain {
                    true => plain_decimal(v, *scale),
                    false => java_big_decimal(v, *scale),
                };
                self.out.extend_from_slice(text.as_bytes());
            }
            DataType::Utf8 => escape(&mut self.out, a.as_string::<i32>().value(row)),
            DataType::LargeUtf8 => escape(&mut self.out, a.as_string::<i64>().value(row)),
            DataType::Utf8View => escape(&mut self.out, a.as_string_view().value(row)),
            DataType::Binary => self.base64(a.as_binary::<i32>().value(row)),
            DataType::LargeBinary => self.base64(a.as_binary::<i64>().value(row)),
            DataType::BinaryView => self.base64(a.as_binary_view().value(row)),
            DataType::FixedSizeBinary(_) => self.base64(a.as_fixed_size_binary().value(row)),
            DataType::Date32 => {
                let days = a.as_primitive::<Date32Type>().value(row);
                let d = NaiveDate::from_ymd_opt(1970, 1, 1)
                    .unwrap()
                    .checked_add_signed(chrono::Duration::days(days as i64))
                    .unwrap_or(NaiveDate::MIN);
                escape(&mut self.out, &date_text(d));
            }
            DataType::Time32(unit) | DataType::Time64(unit) => {
                let nanos = time_nanos(a, row, unit);
                let secs = nanos / 1_000_000_000;
                self.text.clear();
                let _ = write!(
                    self.text,
                    "{:02}:{:02}:{:02}",
                    secs / 3600,
                    (secs / 60) % 60,
                    secs % 60
                );
                fraction(&mut self.text, (nanos % 1_000_000_000) as u32);
                let t = std::mem::take(&mut self.text);
                escape(&mut self.out, &t);
                self.text = t;
            }
            DataType::Timestamp(unit, tz) => {
                let (secs, nanos) = split_epoch(timestamp_value(a, row), unit);
                let dt = DateTime::from_timestamp(secs, nanos)
                    .unwrap_or_default()
                    .naive_utc();
                self.text.clear();
                let _ = write!(
                    self.text,
                    "{}{}{:02}:{:02}:{:02}",
                    date_text(dt.date()),
                    if self.o.iso8601 { 'T' } else { ' ' },
                    dt.hour(),
                    dt.minute(),
                    dt.second()
                );
                fraction(&mut self.text, dt.nanosecond());
                if tz.is_some() {
                    self.text.push('Z');
                }
                let t = std::mem::take(&mut self.text);
                escape(&mut self.out, &t);
                self.text = t;
            }
            DataType::List(_) => self.list(a.as_list::<i32>().value(row))?,
            DataType::LargeList(_) => self.list(a.as_list::<i64>().value(row))?,
            DataType::FixedSizeList(_, _) => self.list(a.as_fixed_size_list().value(row))?,
            DataType::Struct(fields) => {
                let s = a.as_struct();
                let names: Vec<String> = fields.iter().map(|f| quoted(f.name())).collect();
                self.row(&names, s.columns(), row)?;
            }
            DataType::Map(_, _) => {
                let entries = a.as_map().value(row);
                let (keys, values) = (entries.column(0), entries.column(1));
                self.out.push(b'{');
                let mut first = true;
                for i in 0..entries.len() {
                    let key = match keys.is_null(i) {
                        false => key_text(keys, i),
                        true => match &self.o.map_null_key {
                            MapNullKey::Drop => continue,
                            MapNullKey::Literal(l) => l.clone(),
                            MapNullKey::Fail => {
                                return Err(DataFusionError::Execution(
                                    "JSON format doesn't support to serialize map data with null keys; drop NULL keys, or set 'json.map-null-key.mode' to 'DROP' or 'LITERAL'".into(),
                                ));
                            }
                        },
                    };
                    if !first {
                        self.out.push(b',');
                    }
                    first = false;
                    escape(&mut self.out, &key);
                    self.out.push(b':');
                    self.value(values, i)?;
                }
                self.out.push(b'}');
            }
            other => {
                return Err(DataFusionError::Plan(format!(
                    "the json format cannot write a value of type {other}"
                )));
            }
        }
        Ok(())
    }

    /// A FLOAT / DOUBLE: Jackson quotes the non-finite ones.
    fn number(&mut self, text: String, finite: bool) {
        match finite {
            true => self.out.extend_from_slice(text.as_bytes()),
            false => escape(&mut self.out, &text),
        }
    }

    fn base64(&mut self, bytes: &[u8]) {
        self.text.clear();
        base64::engine::general_purpose::STANDARD.encode_string(bytes, &mut self.text);
        let t = std::mem::take(&mut self.text);
        escape(&mut self.out, &t);
        self.text = t;
    }

    fn list(&mut self, values: ArrayRef) -> Result<()> {
        self.out.push(b'[');
        for i in 0..values.len() {
            if i > 0 {
                self.out.push(b',');
            }
            self.value(&values, i)?;
        }
        self.out.push(b']');
        Ok(())
    }
}

fn key_text(keys: &ArrayRef, i: usize) -> String {
    match keys.data_type() {
        DataType::Utf8 => keys.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => keys.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => keys.as_string_view().value(i).to_string(),
        _ => unreachable!("checked in check_type: map keys are strings"),
    }
}

/// Java's `BigDecimal.toPlainString()`: the unscaled digits with the point `scale` from the
/// right (the scale kept: `100.00`).
pub fn plain_decimal(unscaled: i128, scale: i8) -> String {
    let digits = unscaled.unsigned_abs().to_string();
    let sign = if unscaled < 0 { "-" } else { "" };
    if scale <= 0 {
        let zeros = "0".repeat((-scale) as usize);
        return format!("{sign}{digits}{zeros}");
    }
    let s = scale as usize;
    let padded = if digits.len() <= s {
        format!("{}{digits}", "0".repeat(s + 1 - digits.len()))
    } else {
        digits
    };
    let (int, frac) = padded.split_at(padded.len() - s);
    format!("{sign}{int}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::{
        Decimal128Array, Float64Array, Int32Array, MapBuilder, StringArray, StringBuilder,
        TimestampMillisecondArray,
    };
    use arrow::datatypes::{Field, Schema};

    fn lines(columns: Vec<ArrayRef>, o: &JsonWriteOptions) -> Result<Vec<String>> {
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
            .collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
        Ok(String::from_utf8(encode(&batch, o)?)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect())
    }

    #[test]
    fn scalars_are_written_as_flinks_converters_write_them() {
        let d = Arc::new(
            Decimal128Array::from(vec![Some(10000), Some(150), None, Some(-5)])
                .with_precision_and_scale(10, 2)
                .unwrap(),
        ) as ArrayRef;
        let f = Arc::new(Float64Array::from(vec![
            1e20,
            f64::NAN,
            100.0,
            f64::NEG_INFINITY,
        ]));
        let ts = Arc::new(TimestampMillisecondArray::from(vec![
            1_704_164_645_100,
            0,
            1_704_164_645_000,
            1,
        ]));
        let s = Arc::new(StringArray::from(vec!["a\"b\\", "\u{1}\t", "😀", "é/"]));
        let o = JsonWriteOptions::default();
        let got = lines(vec![d.clone(), f, ts.clone(), s], &o).unwrap();
        assert_eq!(
            got,
            [
                r#"{"c0":1E+2,"c1":1.0E20,"c2":"2024-01-02 03:04:05.1","c3":"a\"b\\"}"#,
                r#"{"c0":1.5,"c1":"NaN","c2":"1970-01-01 00:00:00","c3":"\u0001\t"}"#,
                r#"{"c0":null,"c1":100.0,"c2":"2024-01-02 03:04:05","c3":"\uD83D\uDE00"}"#,
                r#"{"c0":-0.05,"c1":"-Infinity","c2":"1970-01-01 00:00:00.001","c3":"é/"}"#,
            ]
        );
        let o = JsonWriteOptions {
            iso8601: true,
            decimal_plain: true,
            ignore_null_fields: true,
            ..Default::default()
        };
        let got = lines(vec![d, ts], &o).unwrap();
        assert_eq!(got[0], r#"{"c0":100.00,"c1":"2024-01-02T03:04:05.1"}"#);
        assert_eq!(got[2], r#"{"c1":"2024-01-02T03:04:05"}"#);
        assert_eq!(got[3], r#"{"c0":-0.05,"c1":"1970-01-01T00:00:00.001"}"#);
    }

    #[test]
    fn maps_and_lists_are_objects_and_arrays() {
        let mut b = MapBuilder::new(None, StringBuilder::new(), Int32Array::builder(4));
        b.keys().append_value("a");
        b.values().append_value(1);
        b.keys().append_value("b");
        b.values().append_null();
        b.append(true).unwrap();
        b.append(false).unwrap();
        let m: ArrayRef = Arc::new(b.finish());
        let l: ArrayRef = Arc::new(arrow::array::ListArray::from_iter_primitive::<
            Int32Type,
            _,
            _,
        >(vec![Some(vec![Some(1), None]), Some(vec![])]));
        let o = JsonWriteOptions {
            ignore_null_fields: true,
            ..Default::default()
        };
        // NULL map values and list elements stay, even when NULL fields are left out
        assert_eq!(
            lines(vec![m, l], &o).unwrap(),
            [r#"{"c0":{"a":1,"b":null},"c1":[1,null]}"#, r#"{"c1":[]}"#]
        );
        // Arrow maps hold no NULL keys, so 'json.map-null-key.mode' never meets one
        let err = check_type(
            "m",
            &DataType::Map(
                Arc::new(Field::new(
                    "entries",
                    DataType::Struct(
                        vec![
                            Field::new("keys", DataType::Int32, false),
                            Field::new("values", DataType::Int32, true),
                        ]
                        .into(),
                    ),
                    false,
                )),
                false,
            ),
        )
        .unwrap_err();
        assert!(err.contains("non-string as key type"), "{err}");
    }

    #[test]
    fn plain_decimals_keep_their_scale() {
        assert_eq!(plain_decimal(10000, 2), "100.00");
        assert_eq!(plain_decimal(27, 9), "0.000000027");
        assert_eq!(plain_decimal(-5, 2), "-0.05");
        assert_eq!(plain_decimal(0, 2), "0.00");
        assert_eq!(plain_decimal(12, 0), "12");
    }
}
