//! The text Flink gives a value: `CAST(x AS STRING)` ([`Style::Cast`]) and the way its
//! result printer shows a value ([`Style::Print`]); the two differ only for BYTES, which a
//! cast decodes as UTF-8 and the printer shows as `x'…'`.
//!
//! Types map from Arrow as Weft maps Flink's: timestamp units stand for precisions 0, 3, 6
//! and 9 (fraction digits shown), `Timestamp(_, Some(_))` is TIMESTAMP_LTZ shown in the
//! session time zone, `Interval(YearMonth)` is INTERVAL YEAR TO MONTH, `Interval(DayTime)`
//! and `Duration` are INTERVAL DAY TO SECOND.

use std::fmt::Write;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray, StringBuilder};
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, IntervalDayTimeType, IntervalMonthDayNanoType, IntervalUnit,
    IntervalYearMonthType, Time32MillisecondType, Time32SecondType, Time64MicrosecondType,
    Time64NanosecondType, TimeUnit, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use chrono::{DateTime, NaiveDate, Offset, TimeZone, Utc};
use datafusion::common::exec_err;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::functions::args::{eval_rows, result};

/// The name of the UDF that casts to STRING with Flink's text.
pub const CAST_STRING: &str = "flink_cast_string";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Cast,
    Print,
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![ScalarUDF::new_from_impl(CastString {
        signature: Signature::any(1, Volatility::Immutable),
    })]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CastString {
    signature: Signature,
}

impl ScalarUDFImpl for CastString {
    fn name(&self) -> &str {
        CAST_STRING
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let tz = args.config_options.execution.time_zone.clone();
        let n = eval_rows(&args.args, args.number_rows);
        let a = args.args[0].to_array(n)?;
        let zone = Zone::parse(tz.as_deref().unwrap_or("UTC"))?;
        result(&args.args, Arc::new(to_text(&a, Style::Cast, &zone)?))
    }
}

/// A session time zone: a named zone or a fixed offset.
#[derive(Clone, Debug)]
pub enum Zone {
    Named(chrono_tz::Tz),
    Fixed(chrono::FixedOffset),
}

impl Zone {
    pub fn parse(s: &str) -> Result<Zone> {
        if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        let t = s.trim_start_matches("GMT").trim_start_matches("UTC");
        if t.is_empty() {
            return Ok(Zone::Named(chrono_tz::UTC));
        }
        if let Ok(off) = t.parse::<chrono::FixedOffset>() {
            return Ok(Zone::Fixed(off));
        }
        exec_err!(
            "unknown time zone '{s}' (table.local-time-zone): use a region id such as 'Europe/Berlin' or an offset such as '+08:00'"
        )
    }

    /// The local wall-clock time of a UTC instant, in seconds + nanos.
    pub fn local(&self, secs: i64, nanos: u32) -> chrono::NaiveDateTime {
        let utc = DateTime::<Utc>::from_timestamp(secs, nanos).unwrap_or_default();
        match self {
            Zone::Named(tz) => utc.with_timezone(tz).naive_local(),
            Zone::Fixed(off) => utc.with_timezone(off).naive_local(),
        }
    }

    /// The offset from UTC, in seconds, at a UTC instant.
    pub fn offset_at(&self, secs: i64) -> i32 {
        let utc = DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
        match self {
            Zone::Named(tz) => tz
                .offset_from_utc_datetime(&utc.naive_utc())
                .fix()
                .local_minus_utc(),
            Zone::Fixed(off) => off.local_minus_utc(),
        }
    }
}

/// Every row of `a` as Flink text; NULL stays NULL.
pub fn to_text(a: &ArrayRef, style: Style, zone: &Zone) -> Result<StringArray> {
    let mut out = StringBuilder::with_capacity(a.len(), a.len() * 8);
    let mut buf = String::new();
    for i in 0..a.len() {
        if a.is_null(i) {
            out.append_null();
        } else {
            buf.clear();
            write_value(&mut buf, a, i, style, zone)?;
            out.append_value(&buf);
        }
    }
    Ok(out.finish())
}

/// One value's text (`None` for NULL).
pub fn value_text(a: &ArrayRef, i: usize, style: Style, zone: &Zone) -> Result<Option<String>> {
    if a.is_null(i) {
        return Ok(None);
    }
    let mut s = String::new();
    write_value(&mut s, a, i, style, zone)?;
    Ok(Some(s))
}

/// Java's `Double.toString`: shortest digits; plain between 10^-3 and 10^7, else `d.dddE±n`.
pub fn java_double(v: f64) -> String {
    java_float_text(v, format!("{v:e}"))
}

/// Java's `Float.toString`.
pub fn java_float(v: f32) -> String {
    java_float_text(v as f64, format!("{v:e}"))
}

fn java_float_text(v: f64, sci: String) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // `sci` is Rust's shortest round-trip form: [-]d[.ddd]e[-]n
    let (mant, exp) = sci.split_once('e').expect("scientific form");
    let exp: i32 = exp.parse().expect("exponent");
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    if (-3..7).contains(&exp) {
        if exp < 0 {
            s.push_str("0.");
            for _ in 0..(-exp - 1) {
                s.push('0');
            }
            s.push_str(&digits);
        } else {
            let int_len = (exp + 1) as usize;
            if digits.len() <= int_len {
                s.push_str(&digits);
                for _ in digits.len()..int_len {
                    s.push('0');
                }
                s.push_str(".0");
            } else {
                s.push_str(&digits[..int_len]);
                s.push('.');
                s.push_str(&digits[int_len..]);
            }
        }
    } else {
        s.push_str(&digits[..1]);
        s.push('.');
        if digits.len() > 1 {
            s.push_str(&digits[1..]);
        } else {
            s.push('0');
        }
        let _ = write!(s, "E{exp}");
    }
    s
}

fn fraction(s: &mut String, nanos: u32, digits: usize) {
    if digits > 0 {
        let f = format!("{nanos:09}");
        s.push('.');
        s.push_str(&f[..digits]);
    }
}

fn unit_digits(u: &TimeUnit) -> usize {
    match u {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 3,
        TimeUnit::Microsecond => 6,
        TimeUnit::Nanosecond => 9,
    }
}

fn split_epoch(v: i64, u: &TimeUnit) -> (i64, u32) {
    let per = match u {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let secs = v.div_euclid(per);
    let rem = v.rem_euclid(per);
    (secs, (rem * (1_000_000_000 / per)) as u32)
}

fn write_datetime(s: &mut String, dt: chrono::NaiveDateTime, digits: usize) {
    use chrono::{Datelike, Timelike};
    let _ = write!(
        s,
        "{} {:02}:{:02}:{:02}",
        date_text(dt.date()),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    let _ = dt.year();
    fraction(s, dt.nanosecond(), digits);
}

/// `yyyy-MM-dd`, with Flink's year form for years outside 0–9999.
pub fn date_text(d: NaiveDate) -> String {
    let mut s = String::with_capacity(10);
    write_date(&mut s, d);
    s
}

/// `yyyy-MM-dd` appended to `s` (years 0–9999 digit by digit, the hot path of CSV and
/// CAST; others through `format!`).
pub fn write_date(s: &mut String, d: NaiveDate) {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        let _ = write!(s, "{y:04}-{m:02}-{day:02}");
        return;
    }
    let digit = |v: u32| char::from(b'0' + v as u8);
    let y = y as u32;
    s.push(digit(y / 1000));
    s.push(digit(y / 100 % 10));
    s.push(digit(y / 10 % 10));
    s.push(digit(y % 10));
    s.push('-');
    s.push(digit(m / 10));
    s.push(digit(m % 10));
    s.push('-');
    s.push(digit(day / 10));
    s.push(digit(day % 10));
}

/// Flink's TIME(p) text (`DateTimeUtils.unixTimeToString`): Flink holds a time in
/// milliseconds, and writes its fraction digit by digit up to p, stopping after the last
/// non-zero digit but keeping at least one: `03:04:05.1`, `00:00:00.0`; TIME(0) none.
fn write_time(s: &mut String, nanos_of_day: i64, digits: usize) {
    let secs = nanos_of_day.div_euclid(1_000_000_000);
    let mut ms = nanos_of_day.rem_euclid(1_000_000_000) / 1_000_000;
    let _ = write!(
        s,
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    );
    if digits > 0 {
        s.push('.');
        let mut left = digits;
        while left > 0 {
            s.push(char::from(b'0' + (ms / 100) as u8));
            ms = (ms % 100) * 10;
            if ms == 0 {
                break;
            }
            left -= 1;
        }
    }
}

/// INTERVAL DAY TO SECOND text: `+d hh:mm:ss.fff`.
fn write_day_time(s: &mut String, millis: i64) {
    let sign = if millis < 0 { '-' } else { '+' };
    let m = millis.unsigned_abs();
    let (days, rem) = (m / 86_400_000, m % 86_400_000);
    let _ = write!(
        s,
        "{sign}{days} {:02}:{:02}:{:02}.{:03}",
        rem / 3_600_000,
        (rem / 60_000) % 60,
        (rem / 1000) % 60,
        rem % 1000
    );
}

/// INTERVAL YEAR TO MONTH text: `+y-mm`.
fn write_year_month(s: &mut String, months: i64) {
    let sign = if months < 0 { '-' } else { '+' };
    let m = months.unsigned_abs();
    let _ = write!(s, "{sign}{}-{:02}", m / 12, m % 12);
}

fn write_value(s: &mut String, a: &ArrayRef, i: usize, style: Style, zone: &Zone) -> Result<()> {
    macro_rules! prim {
        ($t:ty) => {{
            let _ = write!(s, "{}", a.as_primitive::<$t>().value(i));
        }};
    }
    match a.data_type() {
        DataType::Null => s.push_str("NULL"),
        DataType::Boolean => s.push_str(if a.as_boolean().value(i) {
            "TRUE"
        } else {
            "FALSE"
        }),
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => s.push_str(&java_float(a.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => s.push_str(&java_double(a.as_primitive::<Float64Type>().value(i))),
        DataType::Decimal128(_, scale) => {
            let v = a
                .as_primitive::<arrow::datatypes::Decimal128Type>()
                .value(i);
            s.push_str(&decimal_text(v, *scale));
        }
        DataType::Utf8 => s.push_str(a.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => s.push_str(a.as_string::<i64>().value(i)),
        DataType::Utf8View => s.push_str(a.as_string_view().value(i)),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let bytes: &[u8] = match a.data_type() {
                DataType::Binary => a.as_binary::<i32>().value(i),
                DataType::LargeBinary => a.as_binary::<i64>().value(i),
                _ => a.as_binary_view().value(i),
            };
            match style {
                Style::Cast => s.push_str(&String::from_utf8_lossy(bytes)),
                Style::Print => {
                    s.push_str("x'");
                    s.push_str(&hex::encode(bytes));
                    s.push('\'');
                }
            }
        }
        DataType::Date32 => {
            let d = a.as_primitive::<Date32Type>().value(i);
            let date =
                NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(d as i64);
            write_date(s, date);
        }
        DataType::Date64 => {
            let ms = a.as_primitive::<Date64Type>().value(i);
            let date = DateTime::<Utc>::from_timestamp_millis(ms)
                .unwrap_or_default()
                .date_naive();
            s.push_str(&date_text(date));
        }
        DataType::Time32(TimeUnit::Second) => write_time(
            s,
            a.as_primitive::<Time32SecondType>().value(i) as i64 * 1_000_000_000,
            0,
        ),
        DataType::Time32(_) => write_time(
            s,
            a.as_primitive::<Time32MillisecondType>().value(i) as i64 * 1_000_000,
            3,
        ),
        DataType::Time64(TimeUnit::Microsecond) => write_time(
            s,
            a.as_primitive::<Time64MicrosecondType>().value(i) * 1_000,
            6,
        ),
        DataType::Time64(_) => write_time(s, a.as_primitive::<Time64NanosecondType>().value(i), 9),
        DataType::Timestamp(unit, tz) => {
            let v = match unit {
                TimeUnit::Second => a
                    .as_primitive::<arrow::datatypes::TimestampSecondType>()
                    .value(i),
                TimeUnit::Millisecond => a
                    .as_primitive::<arrow::datatypes::TimestampMillisecondType>()
                    .value(i),
                TimeUnit::Microsecond => a
                    .as_primitive::<arrow::datatypes::TimestampMicrosecondType>()
                    .value(i),
                TimeUnit::Nanosecond => a
                    .as_primitive::<arrow::datatypes::TimestampNanosecondType>()
                    .value(i),
            };
            let (secs, nanos) = split_epoch(v, unit);
            let dt = match tz {
                None => DateTime::<Utc>::from_timestamp(secs, nanos)
                    .unwrap_or_default()
                    .naive_utc(),
                Some(_) => zone.local(secs, nanos),
            };
            write_datetime(s, dt, unit_digits(unit));
        }
        DataType::Interval(IntervalUnit::YearMonth) => {
            write_year_month(s, a.as_primitive::<IntervalYearMonthType>().value(i) as i64)
        }
        DataType::Interval(IntervalUnit::DayTime) => {
            let v = a.as_primitive::<IntervalDayTimeType>().value(i);
            write_day_time(s, v.days as i64 * 86_400_000 + v.milliseconds as i64)
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let v = a.as_primitive::<IntervalMonthDayNanoType>().value(i);
            if v.days == 0 && v.nanoseconds == 0 {
                write_year_month(s, v.months as i64)
            } else if v.months == 0 {
                write_day_time(s, v.days as i64 * 86_400_000 + v.nanoseconds / 1_000_000)
            } else {
                return exec_err!("an interval of months and days has no Flink type");
            }
        }
        DataType::Duration(u) => {
            let ms = match u {
                TimeUnit::Second => a.as_primitive::<DurationSecondType>().value(i) * 1000,
                TimeUnit::Millisecond => a.as_primitive::<DurationMillisecondType>().value(i),
                TimeUnit::Microsecond => {
                    a.as_primitive::<DurationMicrosecondType>().value(i) / 1000
                }
                TimeUnit::Nanosecond => {
                    a.as_primitive::<DurationNanosecondType>().value(i) / 1_000_000
                }
            };
            write_day_time(s, ms)
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
            let values = match a.data_type() {
                DataType::List(_) => a.as_list::<i32>().value(i),
                DataType::LargeList(_) => a.as_list::<i64>().value(i),
                _ => a.as_fixed_size_list().value(i),
            };
            s.push('[');
            for j in 0..values.len() {
                if j > 0 {
                    s.push_str(", ");
                }
                nested(s, &values, j, style, zone)?;
            }
            s.push(']');
        }
        DataType::Map(_, _) => {
            let entries = a.as_map().value(i);
            let (k, v) = (entries.column(0), entries.column(1));
            s.push('{');
            for j in 0..entries.len() {
                if j > 0 {
                    s.push_str(", ");
                }
                nested(s, k, j, style, zone)?;
                s.push('=');
                nested(s, v, j, style, zone)?;
            }
            s.push('}');
        }
        t if crate::functions::variant::is_variant(t) => {
            s.push_str(a.as_struct().column(0).as_string::<i32>().value(i));
        }
        t if crate::functions::aggregate::collect::element_of(t).is_some() => {
            let entries = a.as_struct().column(0).as_list::<i32>().value(i);
            let e = entries.as_struct();
            let counts = e.column(1).as_primitive::<Int32Type>();
            s.push('{');
            for j in 0..e.len() {
                if j > 0 {
                    s.push_str(", ");
                }
                nested(s, e.column(0), j, style, zone)?;
                let _ = write!(s, "={}", counts.value(j));
            }
            s.push('}');
        }
        t if crate::functions::bitmap::is_bitmap(t) => {
            let bytes = a.as_struct().column(0).as_binary::<i32>().value(i);
            let set = crate::functions::bitmap::format::decode(bytes).map_err(|e| {
                DataFusionError::Execution(format!("a BITMAP value is damaged: {e}"))
            })?;
            s.push_str(&crate::functions::bitmap::format::text(&set));
        }
        t if crate::functions::structured::class_of(t).is_some() => {
            let st = a.as_struct();
            let DataType::Struct(fields) = t else {
                unreachable!()
            };
            s.push('(');
            for (j, c) in st.columns().iter().enumerate().skip(1) {
                if j > 1 {
                    s.push_str(", ");
                }
                s.push_str(fields[j].name());
                s.push('=');
                nested(s, c, i, style, zone)?;
            }
            s.push(')');
        }
        DataType::Struct(_) => {
            let st = a.as_struct();
            s.push('(');
            for (j, c) in st.columns().iter().enumerate() {
                if j > 0 {
                    s.push_str(", ");
                }
                nested(s, c, i, style, zone)?;
            }
            s.push(')');
        }
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let key = d.normalized_keys()[i];
            write_value(s, d.values(), key, style, zone)?;
        }
        other => return exec_err!("no Flink text form for values of Arrow type {other}"),
    }
    Ok(())
}

fn nested(s: &mut String, a: &ArrayRef, i: usize, style: Style, zone: &Zone) -> Result<()> {
    if a.is_null(i) {
        s.push_str("NULL");
        Ok(())
    } else {
        write_value(s, a, i, style, zone)
    }
}

/// Java's `BigDecimal.stripTrailingZeros().toString()` of `unscaled × 10^-scale`, as
/// Jackson prints a DECIMAL (`1.5E+3`, `-0.01`, `0`).
pub fn java_big_decimal(mut unscaled: i128, scale: i8) -> String {
    if unscaled == 0 {
        return "0".into();
    }
    let mut scale = scale as i64;
    while unscaled % 10 == 0 {
        unscaled /= 10;
        scale -= 1;
    }
    crate::functions::json::value::big_decimal_text(&unscaled.to_string(), scale)
}

/// A DECIMAL's plain text with exactly `scale` fraction digits.
pub fn decimal_text(v: i128, scale: i8) -> String {
    let neg = v < 0;
    let digits = v.unsigned_abs().to_string();
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    if scale <= 0 {
        s.push_str(&digits);
        for _ in 0..(-scale) {
            s.push('0');
        }
        return s;
    }
    let scale = scale as usize;
    if digits.len() <= scale {
        s.push_str("0.");
        for _ in digits.len()..scale {
            s.push('0');
        }
        s.push_str(&digits);
    } else {
        s.push_str(&digits[..digits.len() - scale]);
        s.push('.');
        s.push_str(&digits[digits.len() - scale..]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_read_as_java_prints_them() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(1.5e20), "1.5E20");
        assert_eq!(java_double(1e20), "1.0E20");
        assert_eq!(java_double(2.3333333333333335), "2.3333333333333335");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(1234567.0), "1234567.0");
        assert_eq!(java_double(12345678.0), "1.2345678E7");
        assert_eq!(java_double(-0.5), "-0.5");
        assert_eq!(java_double(100.0), "100.0");
        assert_eq!(java_float(0.1), "0.1");
    }

    #[test]
    fn decimals_print_as_jackson_does() {
        assert_eq!(java_big_decimal(100_000_000, 6), "1E+2");
        assert_eq!(java_big_decimal(1_000_000, 0), "1E+6");
        assert_eq!(java_big_decimal(-100, 0), "-1E+2");
        assert_eq!(java_big_decimal(0, 6), "0");
        assert_eq!(java_big_decimal(12_500_000, 6), "12.5");
        assert_eq!(java_big_decimal(123_456_700, 2), "1234567");
        assert_eq!(java_big_decimal(1, 6), "0.000001");
        assert_eq!(java_big_decimal(1, 7), "1E-7");
        assert_eq!(java_big_decimal(-100, 4), "-0.01");
    }

    #[test]
    fn decimals_keep_their_scale() {
        assert_eq!(decimal_text(150, 2), "1.50");
        assert_eq!(decimal_text(-5, 3), "-0.005");
        assert_eq!(decimal_text(42, 0), "42");
    }
}
