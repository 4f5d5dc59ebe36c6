//! A JSON value into its declared column, as Flink 2.3's json format converts it
//! (`JsonToRowDataConverters`; the rules and what was observed are in
//! `docs/flink-json-format.md`):
//! - STRING: a string's value; a number's text as written; `true` / `false`; an object or
//!   array as compact JSON;
//! - BOOLEAN: `true` / `false`, else TRUE only for the (trimmed) text `true` in any case;
//! - TINYINT / SMALLINT: an integer, or a string Java's `parseByte` / `parseShort` reads;
//!   INT / BIGINT also take a float, cut toward zero; out of range fails;
//! - FLOAT / DOUBLE: a number, or a string Java's `parseDouble` reads (`NaN`, `Infinity`);
//! - DECIMAL(p, s): a number or a (trimmed) string, rounded HALF_UP to s, NULL past p;
//! - BYTES: Base64 text; DATE `yyyy-MM-dd`; TIME `HH:mm:ss[.f]` (to the millisecond);
//! - TIMESTAMP: `yyyy-MM-dd HH:mm:ss[.f]` (SQL: a day past the month's end is its last day,
//!   `24:00:00` the next day), or ISO-8601 `yyyy-MM-ddTHH:mm[:ss[.f]]`; TIMESTAMP_LTZ the
//!   same with a `Z`, in UTC.
//!
//! JSON `null` is NULL for every type; a value a reader refuses fails the row's field (NULL
//! with `json.ignore-parse-errors`).

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder,
    Float64Builder, Int8Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    StringViewBuilder, Time32MillisecondBuilder, Time32SecondBuilder, Time64MicrosecondBuilder,
    Time64NanosecondBuilder, TimestampMicrosecondBuilder, TimestampMillisecondBuilder,
    TimestampNanosecondBuilder, TimestampSecondBuilder,
};
use arrow::datatypes::{DataType, TimeUnit};
use base64::Engine as _;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use weft_flink_sql::cast_text::{java_big_decimal, java_double as java_double_text};
use weft_flink_sql::functions::conversion::csv_field::{java_double, java_long};
use weft_flink_sql::functions::conversion::parse_decimal;

use super::lexer::{Kind, Lexer, Token};
use super::nested::{ListColumn, MapColumn, StructColumn};
use crate::filesystem::json_write::quoted;

/// Whether the native reader has a reader for `t`.
pub fn supported(t: &DataType) -> bool {
    match t {
        DataType::List(f) => return supported(f.data_type()),
        DataType::Struct(fs) => return fs.iter().all(|f| supported(f.data_type())),
        DataType::Map(entries, _) => {
            return match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => {
                    matches!(kv[0].data_type(), DataType::Utf8) && supported(kv[1].data_type())
                }
                _ => false,
            };
        }
        _ => {}
    }
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
            | DataType::Binary
            | DataType::Date32
            | DataType::Time32(_)
            | DataType::Time64(_)
            | DataType::Timestamp(_, _)
    )
}

/// The Arrow type a declared column is read as (strings as views).
pub fn read_type(t: &DataType) -> DataType {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 => DataType::Utf8View,
        other => other.clone(),
    }
}

/// Why a value could not be read (the JSON text is added by the caller).
pub type Refused = String;

/// How values are read: the table's `json.timestamp-format.standard`, and whether its row
/// has a DECIMAL anywhere (Flink's mapper then reads floats as `BigDecimal`, which changes
/// how a float inside an object read into a STRING column is written back).
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    pub iso8601: bool,
    pub big_decimal_floats: bool,
    /// `json.ignore-parse-errors`: inside an ARRAY, MAP or ROW a value that cannot be read
    /// is NULL where it is.
    pub lenient: bool,
    /// `json.fail-on-missing-field`, for the fields of a ROW.
    pub fail_on_missing: bool,
}

/// Whether `t` holds a DECIMAL at any depth.
pub fn has_decimal(t: &DataType) -> bool {
    match t {
        DataType::Decimal128(_, _) | DataType::Decimal256(_, _) => true,
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            has_decimal(f.data_type())
        }
        DataType::Struct(fs) => fs.iter().any(|f| has_decimal(f.data_type())),
        DataType::Map(f, _) => has_decimal(f.data_type()),
        _ => false,
    }
}

/// A column being filled, one value per row.
pub enum Column {
    Str(StringViewBuilder),
    /// A string inside an ARRAY, MAP or ROW (declared `Utf8`, not a view).
    Str8(StringBuilder),
    List(Box<ListColumn>),
    Map(Box<MapColumn>),
    Struct(Box<StructColumn>),
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Dec(Decimal128Builder, u8, i8),
    Bytes(BinaryBuilder),
    Date(Date32Builder),
    TimeS(Time32SecondBuilder),
    TimeMs(Time32MillisecondBuilder),
    TimeUs(Time64MicrosecondBuilder),
    TimeNs(Time64NanosecondBuilder),
    Ts(TsBuilder, TimeUnit, bool),
}

pub enum TsBuilder {
    S(TimestampSecondBuilder),
    Ms(TimestampMillisecondBuilder),
    Us(TimestampMicrosecondBuilder),
    Ns(TimestampNanosecondBuilder),
}

impl Column {
    /// A column of `t` inside an ARRAY, MAP or ROW: strings as declared.
    pub fn nested(t: &DataType, rows: usize) -> Column {
        match t {
            DataType::Utf8 => Column::Str8(StringBuilder::with_capacity(rows, rows * 8)),
            other => Column::new(other, rows),
        }
    }

    pub fn new(t: &DataType, rows: usize) -> Column {
        match t {
            DataType::List(f) => Column::List(Box::new(ListColumn::new(f, rows))),
            DataType::Map(entries, ordered) => {
                Column::Map(Box::new(MapColumn::new(entries, *ordered, rows)))
            }
            DataType::Struct(fields) => Column::Struct(Box::new(StructColumn::new(fields, rows))),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                Column::Str(StringViewBuilder::with_capacity(rows))
            }
            DataType::Boolean => Column::Bool(BooleanBuilder::with_capacity(rows)),
            DataType::Int8 => Column::I8(Int8Builder::with_capacity(rows)),
            DataType::Int16 => Column::I16(Int16Builder::with_capacity(rows)),
            DataType::Int32 => Column::I32(Int32Builder::with_capacity(rows)),
            DataType::Int64 => Column::I64(Int64Builder::with_capacity(rows)),
            DataType::Float32 => Column::F32(Float32Builder::with_capacity(rows)),
            DataType::Float64 => Column::F64(Float64Builder::with_capacity(rows)),
            DataType::Decimal128(p, s) => {
                Column::Dec(Decimal128Builder::with_capacity(rows), *p, *s)
            }
            DataType::Binary => Column::Bytes(BinaryBuilder::with_capacity(rows, rows * 8)),
            DataType::Date32 => Column::Date(Date32Builder::with_capacity(rows)),
            DataType::Time32(TimeUnit::Second) => Column::TimeS(Time32SecondBuilder::new()),
            DataType::Time32(_) => Column::TimeMs(Time32MillisecondBuilder::new()),
            DataType::Time64(TimeUnit::Microsecond) => {
                Column::TimeUs(Time64MicrosecondBuilder::new())
            }
            DataType::Time64(_) => Column::TimeNs(Time64NanosecondBuilder::new()),
            DataType::Timestamp(unit, tz) => {
                let b = match unit {
                    TimeUnit::Second => TsBuilder::S(TimestampSecondBuilder::with_capacity(rows)),
                    TimeUnit::Millisecond => {
                        TsBuilder::Ms(TimestampMillisecondBuilder::with_capacity(rows))
                    }
                    TimeUnit::Microsecond => {
                        TsBuilder::Us(TimestampMicrosecondBuilder::with_capacity(rows))
                    }
                    TimeUnit::Nanosecond => {
                        TsBuilder::Ns(TimestampNanosecondBuilder::with_capacity(rows))
                    }
                };
                Column::Ts(b, *unit, tz.is_some())
            }
            other => unreachable!("no JSON reader for {other}; the connector checks `supported`"),
        }
    }

    pub fn append_null(&mut self) {
        match self {
            Column::Str(b) => b.append_null(),
            Column::Str8(b) => b.append_null(),
            Column::List(c) => c.append_null(),
            Column::Map(c) => c.append_null(),
            Column::Struct(c) => c.append_null(),
            Column::Bool(b) => b.append_null(),
            Column::I8(b) => b.append_null(),
            Column::I16(b) => b.append_null(),
            Column::I32(b) => b.append_null(),
            Column::I64(b) => b.append_null(),
            Column::F32(b) => b.append_null(),
            Column::F64(b) => b.append_null(),
            Column::Dec(b, ..) => b.append_null(),
            Column::Bytes(b) => b.append_null(),
            Column::Date(b) => b.append_null(),
            Column::TimeS(b) => b.append_null(),
            Column::TimeMs(b) => b.append_null(),
            Column::TimeUs(b) => b.append_null(),
            Column::TimeNs(b) => b.append_null(),
            Column::Ts(b, ..) => match b {
                TsBuilder::S(b) => b.append_null(),
                TsBuilder::Ms(b) => b.append_null(),
                TsBuilder::Us(b) => b.append_null(),
                TsBuilder::Ns(b) => b.append_null(),
            },
        }
    }

    /// Appends `v` read as the column's type; on a refusal nothing is appended.
    pub fn append(&mut self, v: &Token<'_>, how: Reading) -> Result<(), Refused> {
        if v.kind == Kind::Null {
            self.append_null();
            return Ok(());
        }
        match self {
            Column::Str(b) => b.append_value(string_text(v, how.big_decimal_floats)?),
            Column::Str8(b) => b.append_value(string_text(v, how.big_decimal_floats)?),
            Column::List(c) => c.append(v, how)?,
            Column::Map(c) => c.append(v, how)?,
            Column::Struct(c) => c.append(v, how)?,
            Column::Bool(b) => b.append_value(match v.kind {
                Kind::True => true,
                Kind::String { .. } => v.string().trim().eq_ignore_ascii_case("true"),
                _ => false,
            }),
            Column::I8(b) => b.append_value(small_int(v, i8::MIN as i64, i8::MAX as i64)? as i8),
            Column::I16(b) => {
                b.append_value(small_int(v, i16::MIN as i64, i16::MAX as i64)? as i16)
            }
            Column::I32(b) => b.append_value(int(v, i32::MIN as i64, i32::MAX as i64)? as i32),
            Column::I64(b) => b.append_value(int(v, i64::MIN, i64::MAX)?),
            Column::F32(b) => b.append_value(double(v)? as f32),
            Column::F64(b) => b.append_value(double(v)?),
            Column::Dec(b, p, s) => match decimal(v, *p, *s)? {
                Some(d) => b.append_value(d),
                None => b.append_null(),
            },
            Column::Bytes(b) => b.append_value(bytes(v)?),
            Column::Date(b) => b.append_value(date(v)?),
            Column::TimeS(b) => b.append_value((time_millis(v)? / 1000) as i32),
            Column::TimeMs(b) => b.append_value(time_millis(v)? as i32),
            Column::TimeUs(b) => b.append_value(time_millis(v)? * 1000),
            Column::TimeNs(b) => b.append_value(time_millis(v)? * 1_000_000),
            Column::Ts(b, unit, ltz) => {
                let t = timestamp(v, how.iso8601, *ltz)?.and_utc();
                let per = match unit {
                    TimeUnit::Second => 1,
                    TimeUnit::Millisecond => 1_000,
                    TimeUnit::Microsecond => 1_000_000,
                    TimeUnit::Nanosecond => 1_000_000_000i64,
                };
                let sub = t.timestamp_subsec_nanos() as i64 / (1_000_000_000 / per);
                let x = t
                    .timestamp()
                    .checked_mul(per)
                    .and_then(|s| s.checked_add(sub))
                    .ok_or("the timestamp is out of range")?;
                match b {
                    TsBuilder::S(b) => b.append_value(x),
                    TsBuilder::Ms(b) => b.append_value(x),
                    TsBuilder::Us(b) => b.append_value(x),
                    TsBuilder::Ns(b) => b.append_value(x),
                }
            }
        }
        Ok(())
    }

    pub fn finish(self) -> ArrayRef {
        match self {
            Column::Str(mut b) => Arc::new(b.finish()),
            Column::Str8(mut b) => Arc::new(b.finish()),
            Column::List(c) => c.finish(),
            Column::Map(c) => c.finish(),
            Column::Struct(c) => c.finish(),
            Column::Bool(mut b) => Arc::new(b.finish()),
            Column::I8(mut b) => Arc::new(b.finish()),
            Column::I16(mut b) => Arc::new(b.finish()),
            Column::I32(mut b) => Arc::new(b.finish()),
            Column::I64(mut b) => Arc::new(b.finish()),
            Column::F32(mut b) => Arc::new(b.finish()),
            Column::F64(mut b) => Arc::new(b.finish()),
            Column::Dec(mut b, p, s) => Arc::new(
                b.finish()
                    .with_precision_and_scale(p, s)
                    .expect("a declared DECIMAL"),
            ),
            Column::Bytes(mut b) => Arc::new(b.finish()),
            Column::Date(mut b) => Arc::new(b.finish()),
            Column::TimeS(mut b) => Arc::new(b.finish()),
            Column::TimeMs(mut b) => Arc::new(b.finish()),
            Column::TimeUs(mut b) => Arc::new(b.finish()),
            Column::TimeNs(mut b) => Arc::new(b.finish()),
            Column::Ts(b, _, ltz) => {
                let tz: Option<Arc<str>> = ltz.then(|| "UTC".into());
                match b {
                    TsBuilder::S(mut b) => Arc::new(b.finish().with_timezone_opt(tz)),
                    TsBuilder::Ms(mut b) => Arc::new(b.finish().with_timezone_opt(tz)),
                    TsBuilder::Us(mut b) => Arc::new(b.finish().with_timezone_opt(tz)),
                    TsBuilder::Ns(mut b) => Arc::new(b.finish().with_timezone_opt(tz)),
                }
            }
        }
    }
}

/// What a STRING column holds for `v`.
fn string_text(v: &Token<'_>, big_decimal_floats: bool) -> Result<String, Refused> {
    Ok(match v.kind {
        Kind::String { .. } => v.string().into_owned(),
        Kind::Number { .. } | Kind::True | Kind::False => v.text.to_string(),
        Kind::Object | Kind::Array => {
            let mut out = String::with_capacity(v.text.len());
            compact(v, big_decimal_floats, &mut out).map_err(|e| e.what)?;
            out
        }
        Kind::Null => unreachable!("NULL is appended before"),
    })
}

/// A container as Jackson writes it back: no blanks, strings re-escaped, floats as Java's
/// `Double.toString`, or (`big_decimal_floats`) as a `BigDecimal` without trailing zeros.
fn compact(
    v: &Token<'_>,
    big_decimal_floats: bool,
    out: &mut String,
) -> Result<(), super::lexer::SyntaxError> {
    match v.kind {
        Kind::Object => {
            out.push('{');
            let mut first = true;
            let mut inner = Vec::new();
            Lexer::new(v.text).fields(|n, t| inner.push((n, t)))?;
            for (n, t) in inner {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&quoted(&n));
                out.push(':');
                compact(&t, big_decimal_floats, out)?;
            }
            out.push('}');
        }
        Kind::Array => {
            out.push('[');
            let mut inner = Vec::new();
            Lexer::new(v.text).elements(|t| inner.push(t))?;
            for (i, t) in inner.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                compact(t, big_decimal_floats, out)?;
            }
            out.push(']');
        }
        Kind::String { .. } => out.push_str(&quoted(&v.string())),
        Kind::Number { float: true } => {
            match big_decimal_floats.then(|| big_decimal(v.text)).flatten() {
                Some((unscaled, scale)) => out.push_str(&java_big_decimal(unscaled, scale)),
                None => out.push_str(&java_double_text(v.text.parse::<f64>().unwrap_or(f64::NAN))),
            }
        }
        Kind::Number { float: false } => match v.text {
            "-0" => out.push('0'),
            t => out.push_str(t),
        },
        Kind::True => out.push_str("true"),
        Kind::False => out.push_str("false"),
        Kind::Null => out.push_str("null"),
    }
    Ok(())
}

/// A JSON number's text as a `BigDecimal` (unscaled value, scale), when it fits.
fn big_decimal(text: &str) -> Option<(i128, i8)> {
    let (mant, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = format!("{int}{frac}");
    let unscaled: i128 = digits.parse().ok()?;
    let scale = i8::try_from(frac.len() as i32 - exp).ok()?;
    Some((unscaled, scale))
}

fn not_a(v: &Token<'_>, what: &str) -> Refused {
    let kind = match v.kind {
        Kind::String { .. } => "a string",
        Kind::Number { .. } => "a number",
        Kind::True | Kind::False => "a boolean",
        Kind::Object => "an object",
        Kind::Array => "an array",
        Kind::Null => "null",
    };
    format!("{kind} is not {what}")
}

/// TINYINT / SMALLINT: an integer in range, or a string Java's `parseByte` reads.
fn small_int(v: &Token<'_>, lo: i64, hi: i64) -> Result<i64, Refused> {
    match v.kind {
        Kind::Number { float: false } => v
            .text
            .parse::<i64>()
            .ok()
            .filter(|x| (lo..=hi).contains(x))
            .ok_or_else(|| format!("the value is out of the range {lo} to {hi}")),
        Kind::String { .. } | Kind::Number { float: true } => {
            let s = v.string();
            java_long(s.trim(), lo, hi).ok_or_else(|| "not an integer in range".into())
        }
        _ => Err(not_a(v, "an integer")),
    }
}

/// INT / BIGINT: an integer, a float cut toward zero, or a string Java's `parseInt` reads.
fn int(v: &Token<'_>, lo: i64, hi: i64) -> Result<i64, Refused> {
    let range = || format!("the value is out of the range {lo} to {hi}");
    match v.kind {
        Kind::Number { float: false } => v
            .text
            .parse::<i64>()
            .ok()
            .filter(|x| (lo..=hi).contains(x))
            .ok_or_else(range),
        Kind::Number { float: true } => {
            let d: f64 = v.text.parse().map_err(|_| range())?;
            let t = d.trunc();
            if t < lo as f64 || t > hi as f64 || (hi == i64::MAX && t >= 9.223372036854776e18) {
                return Err(range());
            }
            Ok(t as i64)
        }
        Kind::String { .. } => {
            java_long(v.string().trim(), lo, hi).ok_or_else(|| "not an integer in range".into())
        }
        _ => Err(not_a(v, "an integer")),
    }
}

fn double(v: &Token<'_>) -> Result<f64, Refused> {
    match v.kind {
        Kind::Number { .. } => v.text.parse::<f64>().map_err(|e| e.to_string()),
        Kind::String { .. } => java_double(v.string().trim()).ok_or_else(|| "not a number".into()),
        _ => Err(not_a(v, "a number")),
    }
}

fn decimal(v: &Token<'_>, p: u8, s: i8) -> Result<Option<i128>, Refused> {
    let text = match v.kind {
        Kind::Number { .. } => v.text.to_string(),
        Kind::String { .. } => v.string().trim().to_string(),
        _ => return Err(not_a(v, "a decimal")),
    };
    let d = parse_decimal(&text, s).ok_or("not a decimal")?;
    // past the precision: NULL, as Flink's DecimalData.fromBigDecimal gives
    Ok((d.unsigned_abs() < 10u128.pow(p as u32)).then_some(d))
}

fn bytes(v: &Token<'_>) -> Result<Vec<u8>, Refused> {
    match v.kind {
        Kind::String { .. } => base64::engine::general_purpose::STANDARD
            .decode(v.string().as_bytes())
            .map_err(|e| format!("not Base64 ({e})")),
        _ => Err(not_a(v, "Base64 text")),
    }
}

fn text<'a>(v: &Token<'a>, what: &str) -> Result<std::borrow::Cow<'a, str>, Refused> {
    match v.kind {
        Kind::String { .. } => Ok(v.string()),
        _ => Err(not_a(v, what)),
    }
}

const UNIX_EPOCH_DAY_CE: i32 = 719_163;

fn date(v: &Token<'_>) -> Result<i32, Refused> {
    let s = text(v, "a date")?;
    iso_date(&s, false)
        .map(|d| d.num_days_from_ce() - UNIX_EPOCH_DAY_CE)
        .ok_or_else(|| "not a date yyyy-MM-dd".into())
}

/// `ISO_LOCAL_DATE`: `yyyy-MM-dd` (a sign and more digits for years past 9999). `clamp`:
/// the SMART resolver's day past the month's end, its last day (SQL timestamps).
fn iso_date(s: &str, clamp: bool) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 {
        return None;
    }
    let (y, rest) = s.split_at(s.len() - 6);
    let rest = rest.as_bytes();
    if rest[0] != b'-' || rest[3] != b'-' {
        return None;
    }
    let two = |x: &[u8]| {
        (x.len() == 2 && x.iter().all(u8::is_ascii_digit))
            .then(|| ((x[0] - b'0') * 10 + (x[1] - b'0')) as u32)
    };
    let (m, d) = (two(&rest[1..3])?, two(&rest[4..6])?);
    let year: i32 = match y.as_bytes()[0] {
        b'+' | b'-' if y.len() > 5 && y[1..].bytes().all(|c| c.is_ascii_digit()) => {
            y.parse().ok()?
        }
        b'-' if y.len() == 5 && y[1..].bytes().all(|c| c.is_ascii_digit()) => y.parse().ok()?,
        _ if y.len() == 4 && y.bytes().all(|c| c.is_ascii_digit()) => y.parse().ok()?,
        _ => return None,
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    match NaiveDate::from_ymd_opt(year, m, d) {
        Some(date) => Some(date),
        None if clamp => {
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, m + 1, 1)?
            };
            next.pred_opt()
        }
        None => None,
    }
}

/// `HH:mm[:ss[.f]]` (seconds required unless `seconds_optional`): (hour, minute, second,
/// nanos); the hour may be 24 (checked by the caller).
fn clock(s: &str, seconds_optional: bool) -> Option<(u32, u32, u32, u32)> {
    let b = s.as_bytes();
    let two = |at: usize| {
        b.get(at..at + 2)
            .filter(|x| x.iter().all(u8::is_ascii_digit))
            .map(|x| ((x[0] - b'0') * 10 + (x[1] - b'0')) as u32)
    };
    let h = two(0)?;
    if b.get(2) != Some(&b':') {
        return None;
    }
    let mi = two(3)?;
    if b.len() == 5 {
        return seconds_optional.then_some((h, mi, 0, 0));
    }
    if b.get(5) != Some(&b':') {
        return None;
    }
    let sec = two(6)?;
    let nanos = match &s[8..] {
        "" => 0,
        f if f.starts_with('.') => {
            let digits = &f[1..];
            if digits.len() > 9 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            if digits.is_empty() {
                0
            } else {
                format!("{digits:0<9}").parse().ok()?
            }
        }
        _ => return None,
    };
    (h <= 24 && mi <= 59 && sec <= 59).then_some((h, mi, sec, nanos))
}

fn time_millis(v: &Token<'_>) -> Result<i64, Refused> {
    let s = text(v, "a time")?;
    let (h, m, sec, nanos) = clock(&s, false).ok_or("not a time HH:mm:ss[.f]")?;
    if h == 24 {
        // SMART resolution: 24:00:00 is midnight
        return match (m, sec, nanos) {
            (0, 0, 0) => Ok(0),
            _ => Err("not a time HH:mm:ss[.f]".into()),
        };
    }
    Ok(((h * 3600 + m * 60 + sec) as i64) * 1000 + (nanos / 1_000_000) as i64)
}

fn timestamp(v: &Token<'_>, iso8601: bool, ltz: bool) -> Result<NaiveDateTime, Refused> {
    let s = text(v, "a timestamp")?;
    let form = match (iso8601, ltz) {
        (false, false) => "yyyy-MM-dd HH:mm:ss[.f]",
        (false, true) => "yyyy-MM-dd HH:mm:ss[.f]Z",
        (true, false) => "yyyy-MM-ddTHH:mm[:ss[.f]]",
        (true, true) => "yyyy-MM-ddTHH:mm[:ss[.f]]Z",
    };
    let bad = || format!("not a timestamp {form}");
    let body = match ltz {
        true => s.strip_suffix('Z').ok_or_else(bad)?,
        false => &s,
    };
    let sep = body.find([' ', 'T', 't']).ok_or_else(bad)?;
    let (d, t) = (&body[..sep], &body[sep + 1..]);
    let sep_ok = match (iso8601, ltz) {
        (false, _) => body.as_bytes()[sep] == b' ',
        (true, false) => matches!(body.as_bytes()[sep], b'T' | b't'),
        (true, true) => body.as_bytes()[sep] == b'T',
    };
    if !sep_ok {
        return Err(bad());
    }
    let date = iso_date(d, !iso8601).ok_or_else(bad)?;
    let (h, m, sec, nanos) = clock(t, iso8601).ok_or_else(bad)?;
    if h == 24 {
        if iso8601 || (m, sec, nanos) != (0, 0, 0) {
            return Err(bad());
        }
        return date
            .succ_opt()
            .map(|d| d.and_hms_opt(0, 0, 0).unwrap())
            .ok_or_else(bad);
    }
    let time = NaiveTime::from_hms_nano_opt(h, m, sec, nanos).ok_or_else(bad)?;
    Ok(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};

    fn token(text: &str) -> Token<'_> {
        Lexer::new(text).value().unwrap()
    }

    fn read(t: &DataType, text: &str) -> Result<String, Refused> {
        let mut c = Column::new(t, 1);
        c.append(&token(text), Reading::default())?;
        let a = c.finish();
        if a.is_null(0) {
            return Ok("NULL".into());
        }
        Ok(arrow::util::display::array_value_to_string(&a, 0).unwrap())
    }

    #[test]
    fn values_read_as_flinks_converters_read_them() {
        let cases: &[(DataType, &str, &str)] = &[
            (DataType::Int32, "12.7", "12"),
            (DataType::Int32, "-12.9", "-12"),
            (DataType::Int32, "1e2", "100"),
            (DataType::Int32, r#"" +12 ""#, "12"),
            (DataType::Int64, "1.5e3", "1500"),
            (DataType::Int16, r#"" 7 ""#, "7"),
            (DataType::Boolean, r#"" True ""#, "true"),
            (DataType::Boolean, "1", "false"),
            (DataType::Boolean, r#""yes""#, "false"),
            (DataType::Boolean, "{}", "false"),
            (DataType::Float64, r#""NaN""#, "NaN"),
            (DataType::Float64, "1e400", "inf"),
            (DataType::Decimal128(5, 2), "1.2345", "1.23"),
            (DataType::Decimal128(5, 2), "1.235", "1.24"),
            (DataType::Decimal128(5, 2), "-1.235", "-1.24"),
            (DataType::Decimal128(5, 2), r#"" 1.5 ""#, "1.50"),
            (DataType::Decimal128(5, 2), "1000", "NULL"),
            (DataType::Decimal128(5, 2), "999.995", "NULL"),
            (DataType::Utf8, "12.50", "12.50"),
            (DataType::Utf8, "true", "true"),
            (
                DataType::Utf8,
                r#"{"b": [1, 2.0, "x", null], "a": {}}"#,
                r#"{"b":[1,2.0,"x",null],"a":{}}"#,
            ),
            (DataType::Utf8, r#"{"x": 1.0e2}"#, r#"{"x":100.0}"#),
            (DataType::Utf8, "-0.5", "-0.5"),
            (DataType::Binary, r#""AQI=""#, "0102"),
            (DataType::Date32, r#""2024-01-02""#, "2024-01-02"),
            (
                DataType::Time32(TimeUnit::Millisecond),
                r#""12:34:56.9999""#,
                "12:34:56.999",
            ),
            (
                DataType::Time32(TimeUnit::Millisecond),
                r#""24:00:00""#,
                "00:00:00",
            ),
            (
                DataType::Time32(TimeUnit::Millisecond),
                r#""12:34:56.""#,
                "12:34:56",
            ),
            (
                DataType::Timestamp(TimeUnit::Nanosecond, None),
                r#""2024-02-30 03:04:05.123456789""#,
                "2024-02-29T03:04:05.123456789",
            ),
            (
                DataType::Timestamp(TimeUnit::Millisecond, None),
                r#""2024-01-02 24:00:00""#,
                "2024-01-03T00:00:00",
            ),
            (DataType::Int32, "null", "NULL"),
        ];
        for (t, text, want) in cases {
            assert_eq!(read(t, text).as_deref(), Ok(*want), "{t} from {text}");
        }
        let refused: &[(DataType, &str)] = &[
            (DataType::Int8, "128"),
            (DataType::Int8, "1.5"),
            (DataType::Int16, "1.5"),
            (DataType::Int32, "3000000000"),
            (DataType::Int32, r#""12.7""#),
            (DataType::Int32, "true"),
            (DataType::Int64, "1e19"),
            (DataType::Float64, "true"),
            (DataType::Decimal128(5, 2), "true"),
            (DataType::Binary, r#""AQI""#),
            (DataType::Binary, "5"),
            (DataType::Date32, r#""2024-02-30""#),
            (DataType::Date32, r#""2024-1-02""#),
            (DataType::Time32(TimeUnit::Millisecond), r#""12:34""#),
            (DataType::Time32(TimeUnit::Millisecond), r#""12:34:56Z""#),
            (
                DataType::Timestamp(TimeUnit::Millisecond, None),
                r#""2024-01-02T03:04:05""#,
            ),
            (
                DataType::Timestamp(TimeUnit::Millisecond, None),
                r#""2024-01-02 03:04""#,
            ),
            (
                DataType::Timestamp(TimeUnit::Millisecond, None),
                r#""2024-01-32 03:04:05""#,
            ),
            (
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                r#""2024-01-02 03:04:05""#,
            ),
        ];
        for (t, text) in refused {
            assert!(
                read(t, text).is_err(),
                "{t} from {text}: {:?}",
                read(t, text)
            );
        }
    }

    #[test]
    fn iso_timestamps_take_a_t_and_optional_seconds() {
        let ltz = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
        let iso = Reading {
            iso8601: true,
            ..Default::default()
        };
        let mut c = Column::new(&ltz, 2);
        c.append(&token(r#""2024-01-02T03:04Z""#), iso).unwrap();
        assert!(c.append(&token(r#""2024-01-02t03:04:05Z""#), iso).is_err());
        assert!(c.append(&token(r#""2024-02-30T03:04:05Z""#), iso).is_err());
        let a = c.finish();
        assert_eq!(
            a.as_primitive::<arrow::datatypes::TimestampMillisecondType>()
                .value(0),
            1_704_164_640_000
        );
        let ts = DataType::Timestamp(TimeUnit::Millisecond, None);
        assert_eq!(read(&ts, r#""2024-01-02 03:04:05Z""#).is_err(), true);
        let mut c = Column::new(&ts, 1);
        c.append(&token(r#""2024-01-02t03:04""#), iso).unwrap();
        // with a DECIMAL in the row, floats in an object come back as BigDecimal text
        let mut c = Column::new(&DataType::Utf8, 1);
        let how = Reading {
            big_decimal_floats: true,
            ..Default::default()
        };
        c.append(&token(r#"[1, 2.0, {"x": 1e2, "y": 0.00001}]"#), how)
            .unwrap();
        let a = c.finish();
        assert_eq!(
            a.as_string_view().value(0),
            r#"[1,2,{"x":1E+2,"y":0.00001}]"#
        );
    }
}
