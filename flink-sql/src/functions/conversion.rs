//! Type conversion functions (Flink docs: "Type Conversion Functions"): CAST both ways, TRY_CAST, TYPEOF.
//!
//! CAST and TRY_CAST are expressions, not functions, in DataFusion's plans; their Flink
//! meaning is given here after type coercion ([`rewrite_expr`]):
//! - STRING -> TINYINT..BIGINT: Flink's integer parsing (spaces trimmed, a fraction
//!   truncated, errors naming the input), see [`parse_integer`];
//! - STRING -> FLOAT/DOUBLE/DECIMAL: spaces trimmed, then parsed;
//! - narrowing integer casts wrap, DOUBLE/FLOAT -> integer saturates at INT/BIGINT
//!   (NaN is 0) and wraps below INT, as Java's casts do;
//! - CHAR(n) pads to n and truncates, VARCHAR(n) truncates ([`rewrite_sql`]);
//! - casts Weft does not give Flink's meaning yet are refused at planning.

pub mod csv_field;
pub mod csv_line;
pub mod inet;
pub mod string_boolean;
pub mod string_decimal;
pub mod time;
pub mod type_of;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Builder, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{
    Cast, ColumnarValue, Expr, ExprSchemable, ScalarUDF, Signature, TryCast, Volatility, lit,
};
use datafusion::sql::sqlparser::ast;

use super::args::{arrays, eval_rows, result, utf8};
use super::scalar;
use crate::sql_ast::call;

const PARSE_INT: &str = "flink_cast_string_to_integer";
const TRY_PARSE_INT: &str = "flink_try_cast_string_to_integer";
const TRIM_SPACES: &str = "flink_trim_spaces";
const NARROW_INT: &str = "flink_cast_integer";
const FLOAT_TO_INT: &str = "flink_cast_float_to_integer";
const CHAR_N: &str = "flink_cast_char";
const PARSE_DECIMAL: &str = "flink_cast_string_to_decimal";
const PARSE_DATE: &str = "flink_cast_string_to_date";
const TRY_PARSE_DATE: &str = "flink_try_cast_string_to_date";
const PARSE_TIMESTAMP: &str = "flink_cast_string_to_timestamp";
const TRY_PARSE_TIMESTAMP: &str = "flink_try_cast_string_to_timestamp";
const VARCHAR_N: &str = "flink_cast_varchar";

/// The return type is the type of the last argument (a typed NULL naming the target).
fn last_type(t: &[DataType]) -> Result<DataType> {
    Ok(t.last().cloned().unwrap_or(DataType::Null))
}

pub fn functions() -> Vec<ScalarUDF> {
    let any = |n| Signature::any(n, Volatility::Immutable);
    let mut all = vec![
        scalar(PARSE_INT, any(2), last_type, |a, n, r| {
            eval_parse_integer(a, n, r, false)
        })
        .build(),
        scalar(TRY_PARSE_INT, any(2), last_type, |a, n, r| {
            eval_parse_integer(a, n, r, true)
        })
        .build(),
        scalar(
            TRIM_SPACES,
            any(1),
            |_| Ok(DataType::Utf8),
            eval_trim_spaces,
        )
        .build(),
        scalar(NARROW_INT, any(2), last_type, eval_narrow_int).build(),
        scalar(FLOAT_TO_INT, any(2), last_type, eval_float_to_int).build(),
        scalar(PARSE_DECIMAL, any(2), last_type, eval_parse_decimal).build(),
        scalar(
            string_decimal::TRY_PARSE_DECIMAL,
            any(2),
            last_type,
            string_decimal::eval,
        )
        .build(),
        scalar(
            PARSE_DATE,
            any(1),
            |_| Ok(DataType::Date32),
            |a, n, _| eval_parse_datetime(a, n, false, false),
        )
        .build(),
        scalar(
            TRY_PARSE_DATE,
            any(1),
            |_| Ok(DataType::Date32),
            |a, n, _| eval_parse_datetime(a, n, false, true),
        )
        .build(),
        scalar(PARSE_TIMESTAMP, any(2), last_type, |a, n, _| {
            eval_parse_datetime(a, n, true, false)
        })
        .build(),
        scalar(TRY_PARSE_TIMESTAMP, any(2), last_type, |a, n, _| {
            eval_parse_datetime(a, n, true, true)
        })
        .build(),
        scalar(
            CHAR_N,
            any(2),
            |_| Ok(DataType::Utf8),
            |a, n, _| eval_char(a, n, true),
        )
        .build(),
        scalar(
            VARCHAR_N,
            any(2),
            |_| Ok(DataType::Utf8),
            |a, n, _| eval_char(a, n, false),
        )
        .build(),
    ];
    all.extend(type_of::functions());
    all.extend(inet::functions());
    all.extend(time::functions());
    all.extend(csv_field::functions());
    all.extend(csv_line::functions());
    all.extend(string_boolean::functions());
    all
}

fn type_name(t: &DataType) -> String {
    crate::types::flink_name(t)
}

/// Flink's parse of a STRING as an integer type: spaces around are trimmed; `+`/`-`, then
/// digits; a `.` and digits after it are dropped (truncation). Errors as Flink's
/// `NumberFormatException`s read.
pub fn parse_integer(s: &str, min: i64, max: i64) -> std::result::Result<i64, String> {
    let t = s.trim_matches(' ');
    if t.is_empty() {
        return Err(format!("For input string: '{s}'. Input is empty."));
    }
    let (neg, digits) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || frac.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("For input string: '{s}'. Invalid character found."));
    }
    let mut v: i128 = 0;
    for b in int.bytes() {
        v = v * 10 + (b - b'0') as i128;
        if v > (max as i128) + 1 {
            return Err(format!("For input string: '{s}'. Overflow."));
        }
    }
    let v = if neg { -v } else { v };
    if v < min as i128 || v > max as i128 {
        return Err(format!("For input string: '{s}'. Overflow."));
    }
    Ok(v as i64)
}

fn int_range(t: &DataType) -> (i64, i64) {
    match t {
        DataType::Int8 => (i8::MIN as i64, i8::MAX as i64),
        DataType::Int16 => (i16::MIN as i64, i16::MAX as i64),
        DataType::Int32 => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    }
}

fn eval_parse_integer(
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
    try_: bool,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(&args[..1], n)?;
    let s = utf8(&a[0])?;
    let (min, max) = int_range(ret);
    let mut out = Int64Builder::with_capacity(n);
    for i in 0..n {
        if s.is_null(i) {
            out.append_null();
            continue;
        }
        match parse_integer(s.value(i), min, max) {
            Ok(v) => out.append_value(v),
            Err(_) if try_ => out.append_null(),
            Err(e) => return exec_err!("CAST to {}: {e}", type_name(ret)),
        }
    }
    let arr: ArrayRef = Arc::new(out.finish());
    result(args, cast(&arr, ret)?)
}

/// A decimal text (`[+-]digits[.digits][e[+-]digits]`, spaces around) as an unscaled value
/// at `scale`, HALF_UP; None when it is not one.
pub fn parse_decimal(s: &str, scale: i8) -> Option<i128> {
    use arrow::datatypes::i256;
    let t = s.trim_matches(' ');
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (neg, mant) = match mant.as_bytes().first()? {
        b'-' => (true, &mant[1..]),
        b'+' => (false, &mant[1..]),
        _ => (false, mant),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // The usual text (`1234.50` into DECIMAL(15, 2)): plain digits, no more fraction
    // digits than the scale, in i128 without rounding.
    if exp == 0
        && scale >= 0
        && int.len() + frac.len() <= 30
        && frac.len() <= scale as usize
        && let Some(v) = int
            .bytes()
            .chain(frac.bytes())
            .try_fold(0i128, |v, b| {
                v.checked_mul(10)?.checked_add((b - b'0') as i128)
            })
            .and_then(|v| v.checked_mul(10i128.checked_pow((scale as usize - frac.len()) as u32)?))
    {
        return Some(if neg { -v } else { v });
    }
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 76 {
        return None;
    }
    let mut v = i256::ZERO;
    for b in digits.bytes() {
        v = v
            .checked_mul(i256::from_i128(10))?
            .checked_add(i256::from_i128((b - b'0') as i128))?;
    }
    // v * 10^(exp - frac.len()) at scale `scale`
    let from = frac.len() as i32 - exp;
    let v = crate::functions::math::decimal::rescale(v, from, scale as i32)?;
    let v = if neg { v.wrapping_neg() } else { v };
    v.to_i128()
}

fn eval_parse_decimal(
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let DataType::Decimal128(p, sc) = ret else {
        return exec_err!("CAST to DECIMAL: bad target {ret}");
    };
    let n = eval_rows(args, rows);
    let a = arrays(&args[..1], n)?;
    let s = utf8(&a[0])?;
    let limit = 10i128.pow(*p as u32);
    let mut out = arrow::array::Decimal128Builder::with_capacity(n);
    for i in 0..n {
        if s.is_null(i) {
            out.append_null();
            continue;
        }
        match parse_decimal(s.value(i), *sc) {
            // Flink checks the digits before rounding: '999.995' is DECIMAL(5, 2) 1000.00
            Some(v)
                if v.abs() < limit
                    || string_decimal::try_decimal(s.value(i), *p, *sc) == Some(v) =>
            {
                out.append_value(v)
            }
            Some(_) => {
                return exec_err!(
                    "CAST to {}: For input string: '{}'. Overflow.",
                    type_name(ret),
                    s.value(i)
                );
            }
            None => {
                return exec_err!(
                    "CAST to {}: For input string: '{}'. Invalid character found.",
                    type_name(ret),
                    s.value(i)
                );
            }
        }
    }
    let arr: ArrayRef = Arc::new(out.finish().with_precision_and_scale(*p, *sc)?);
    result(args, arr)
}

/// Flink's date text `yyyy-M-d` (spaces around; for a DATE, a time part after a space is
/// ignored) and timestamp text `yyyy-M-d[ H:m[:s[.f…]]]`. A TIMESTAMP's day beyond the
/// month's end is the month's last day (as Flink's lenient parse); a DATE's is an error.
pub fn parse_datetime(s: &str, timestamp: bool) -> Option<chrono::NaiveDateTime> {
    use chrono::{NaiveDate, NaiveTime};
    let t = s.trim_matches(' ');
    let (date, time) = match t.split_once(' ') {
        Some((d, tm)) => (d, Some(tm.trim_start_matches(' '))),
        None => (t, None),
    };
    let mut parts = date.splitn(3, '-');
    let num = |x: Option<&str>, max_len: usize| -> Option<u32> {
        let x = x?;
        (!x.is_empty() && x.len() <= max_len && x.bytes().all(|b| b.is_ascii_digit()))
            .then(|| x.parse().ok())?
    };
    let y = num(parts.next(), 4)? as i32;
    let m = num(parts.next(), 2)?;
    let d = num(parts.next(), 2)?;
    let day = if timestamp {
        let last = (28..=31)
            .rev()
            .find(|d| NaiveDate::from_ymd_opt(y, m, *d).is_some())?;
        d.min(last).max(1)
    } else {
        d
    };
    let date = NaiveDate::from_ymd_opt(y, m, day)?;
    let time = match (timestamp, time) {
        (_, None) | (false, Some(_)) => NaiveTime::MIN,
        (true, Some(tm)) => {
            let (hms, frac) = tm.split_once('.').unwrap_or((tm, ""));
            let mut f = hms.split(':');
            let h = num(f.next(), 2)?;
            let mi = num(f.next(), 2)?;
            let sec = match f.next() {
                Some(x) => num(Some(x), 2)?,
                None => 0,
            };
            if f.next().is_some() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let nanos = if frac.is_empty() {
                0
            } else {
                format!("{frac:0<9}").parse().ok()?
            };
            NaiveTime::from_hms_nano_opt(h, mi, sec, nanos)?
        }
    };
    Some(date.and_time(time))
}

fn eval_parse_datetime(
    args: &[ColumnarValue],
    rows: usize,
    timestamp: bool,
    try_: bool,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(&args[..1], n)?;
    let s = utf8(&a[0])?;
    let mut out = Int64Builder::with_capacity(n);
    for i in 0..n {
        if s.is_null(i) {
            out.append_null();
            continue;
        }
        match parse_datetime(s.value(i), timestamp) {
            Some(dt) if timestamp => match dt.and_utc().timestamp_nanos_opt() {
                Some(v) => out.append_value(v),
                None if try_ => out.append_null(),
                None => return exec_err!("CAST to TIMESTAMP: '{}' is out of range", s.value(i)),
            },
            Some(dt) => out.append_value(
                (dt.date() - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days(),
            ),
            None if try_ => out.append_null(),
            None => {
                let t = if timestamp { "TIMESTAMP" } else { "DATE" };
                return exec_err!("CAST to {t}: For input string: '{}'.", s.value(i));
            }
        }
    }
    let arr: ArrayRef = Arc::new(out.finish());
    let out = if timestamp {
        let ns = cast(
            &arr,
            &DataType::Timestamp(arrow::datatypes::TimeUnit::Nanosecond, None),
        )?;
        match args.get(1).map(|a| a.data_type()) {
            Some(t @ DataType::Timestamp(_, None)) => cast(&ns, &t)?,
            _ => ns,
        }
    } else {
        cast(&cast(&arr, &DataType::Int32)?, &DataType::Date32)?
    };
    result(&args[..1], out)
}

fn eval_trim_spaces(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let s = utf8(&a[0])?;
    let mut out = StringBuilder::with_capacity(n, n * 8);
    for i in 0..n {
        if s.is_null(i) {
            out.append_null();
        } else {
            out.append_value(s.value(i).trim_matches(' '));
        }
    }
    result(args, Arc::new(out.finish()))
}

/// Java's narrowing integer casts: the low bits (wrapping).
fn wrap(v: i64, t: &DataType) -> i64 {
    match t {
        DataType::Int8 => v as i8 as i64,
        DataType::Int16 => v as i16 as i64,
        DataType::Int32 => v as i32 as i64,
        _ => v,
    }
}

fn eval_narrow_int(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(&args[..1], n)?;
    let wide = cast(&a[0], &DataType::Int64)?;
    let wide = wide.as_primitive::<Int64Type>();
    let out: arrow::array::Int64Array = wide.unary(|v| wrap(v, ret));
    let arr: ArrayRef = Arc::new(out);
    result(args, cast(&arr, ret)?)
}

/// Java's `(long) d` / `(int) d`: truncation, saturating, NaN 0; TINYINT and SMALLINT
/// narrow the INT value (wrapping).
fn eval_float_to_int(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(&args[..1], n)?;
    let d = cast(&a[0], &DataType::Float64)?;
    let d = d.as_primitive::<Float64Type>();
    let ret_c = ret.clone();
    let out: arrow::array::Int64Array = d.unary(|v| match ret_c {
        DataType::Int64 => v as i64,
        _ => wrap(v as i32 as i64, &ret_c),
    });
    let arr: ArrayRef = Arc::new(out);
    result(args, cast(&arr, ret)?)
}

/// CHAR(n): the first n characters, padded with spaces to n; VARCHAR(n): the first n.
fn eval_char(args: &[ColumnarValue], rows: usize, pad: bool) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let s = utf8(&a[0])?;
    let len = cast(&a[1], &DataType::Int64)?;
    let len = len.as_primitive::<Int64Type>();
    let mut out = StringBuilder::with_capacity(n, n * 8);
    for i in 0..n {
        if s.is_null(i) || len.is_null(i) {
            out.append_null();
            continue;
        }
        let want = len.value(i).max(0) as usize;
        let v = s.value(i);
        let mut t: String = v.chars().take(want).collect();
        if pad {
            let have = t.chars().count();
            t.extend(std::iter::repeat_n(' ', want - have));
        }
        out.append_value(t);
    }
    result(args, Arc::new(out.finish()))
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`).
pub const DATAFUSION_AS_FLINK: &[&str] = &[];

fn char_length(l: &Option<ast::CharacterLength>) -> Option<u64> {
    match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => Some(*length),
        _ => None,
    }
}

/// Rewrites of this family's SQL syntax before DataFusion plans it (see `crate::rewrite`):
/// CAST to CHAR(n) / VARCHAR(n) pads / truncates; TIMESTAMP without a precision is
/// TIMESTAMP(6), as in Flink.
pub fn rewrite_sql(e: &mut ast::Expr) {
    let ast::Expr::Cast {
        kind,
        expr,
        data_type,
        ..
    } = e
    else {
        return;
    };
    match data_type {
        ast::DataType::Time(p, tz)
            if matches!(
                tz,
                ast::TimezoneInfo::None | ast::TimezoneInfo::WithoutTimeZone
            ) =>
        {
            let name = if matches!(kind, ast::CastKind::TryCast | ast::CastKind::SafeCast) {
                time::TRY_CAST_TO_TIME
            } else {
                time::CAST_TO_TIME
            };
            let precision = p.unwrap_or(0);
            let inner = std::mem::replace(expr.as_mut(), ast::Expr::value(ast::Value::Null));
            *e = call(
                name,
                vec![
                    inner,
                    ast::Expr::value(ast::Value::Number(precision.to_string(), false)),
                ],
            );
        }
        ast::DataType::Timestamp(None, tz) => {
            *data_type = ast::DataType::Timestamp(Some(6), *tz);
        }
        // TIMESTAMP_LTZ(p): Flink's instant in the session time zone (temporal/ltz_cast.rs);
        // TRY_CAST to it is left to be refused
        ast::DataType::Custom(name, modifiers)
            if matches!(kind, ast::CastKind::Cast | ast::CastKind::DoubleColon)
                && name.to_string().eq_ignore_ascii_case("TIMESTAMP_LTZ") =>
        {
            let p = modifiers
                .first()
                .map(String::as_str)
                .unwrap_or("6")
                .to_string();
            let inner = std::mem::replace(expr.as_mut(), ast::Expr::value(ast::Value::Null));
            *e = call(
                super::temporal::ltz_cast::NAME,
                vec![inner, ast::Expr::value(ast::Value::Number(p, false))],
            );
        }
        ast::DataType::Char(l)
        | ast::DataType::Character(l)
        | ast::DataType::Varchar(l)
        | ast::DataType::CharacterVarying(l) => {
            let Some(n) = char_length(l) else { return };
            let pad = matches!(
                data_type,
                ast::DataType::Char(_) | ast::DataType::Character(_)
            );
            let name = if pad { CHAR_N } else { VARCHAR_N };
            let inner = ast::Expr::Cast {
                kind: kind.clone(),
                expr: expr.clone(),
                data_type: ast::DataType::String(None),
                array: false,
                format: None,
            };
            *e = call(
                name,
                vec![
                    inner,
                    ast::Expr::value(ast::Value::Number(n.to_string(), false)),
                ],
            );
        }
        _ => {}
    }
}

fn udf(name: &str, args: Vec<Expr>) -> Expr {
    let f = super::scalar_udf(name).expect("conversion UDF is registered");
    Expr::ScalarFunction(ScalarFunction::new_udf(f, args))
}

fn typed_null(t: &DataType) -> Result<Expr> {
    Ok(lit(ScalarValue::try_from(t)?))
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
pub fn rewrite_expr(e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let (inner, target, is_try) = match &e {
        Expr::Cast(Cast { expr, field }) => (expr.as_ref(), field.data_type(), false),
        Expr::TryCast(TryCast { expr, field }) => (expr.as_ref(), field.data_type(), true),
        _ => return Ok(Transformed::no(e)),
    };
    let Ok(source) = inner.get_type(schema) else {
        return Ok(Transformed::no(e));
    };
    let what = if is_try { "TRY_CAST" } else { "CAST" };
    if source == *target || source == DataType::Null {
        return Ok(Transformed::no(e));
    }
    if crate::functions::variant::is_variant(&source) {
        return plan_err!(
            "Cast function cannot convert value of type VARIANT to type {}",
            type_name(target)
        );
    }
    let refuse = || {
        plan_err!(
            "{what} from {} to {} is not supported by Weft yet; Weft refuses it rather than answer differently from Flink",
            type_name(&source),
            type_name(target)
        )
    };
    if is_string(&source) {
        return match target {
            t if t.is_integer() => {
                let name = if is_try { TRY_PARSE_INT } else { PARSE_INT };
                Ok(Transformed::yes(udf(
                    name,
                    vec![inner.clone(), typed_null(t)?],
                )))
            }
            DataType::Float32 | DataType::Float64 => {
                let trimmed = udf(TRIM_SPACES, vec![inner.clone()]);
                Ok(Transformed::yes(rebuild(trimmed, target, is_try)))
            }
            DataType::Decimal128(_, _) => Ok(Transformed::yes(udf(
                if is_try {
                    string_decimal::TRY_PARSE_DECIMAL
                } else {
                    PARSE_DECIMAL
                },
                vec![inner.clone(), typed_null(target)?],
            ))),
            DataType::Date32 => {
                let name = if is_try { TRY_PARSE_DATE } else { PARSE_DATE };
                Ok(Transformed::yes(udf(name, vec![inner.clone()])))
            }
            DataType::Timestamp(_, None) => {
                let name = if is_try {
                    TRY_PARSE_TIMESTAMP
                } else {
                    PARSE_TIMESTAMP
                };
                Ok(Transformed::yes(udf(
                    name,
                    vec![inner.clone(), typed_null(target)?],
                )))
            }
            DataType::Boolean => Ok(Transformed::yes(udf(
                if is_try {
                    string_boolean::TRY_CAST_TO_BOOLEAN
                } else {
                    string_boolean::CAST_TO_BOOLEAN
                },
                vec![inner.clone()],
            ))),
            DataType::Time32(_) | DataType::Time64(_) => refuse(),
            _ => Ok(Transformed::no(e)),
        };
    }
    let width = |t: &DataType| int_range(t).1;
    if target.is_integer() && source.is_integer() && width(target) < width(&source) {
        return Ok(Transformed::yes(udf(
            NARROW_INT,
            vec![inner.clone(), typed_null(target)?],
        )));
    }
    if target.is_integer() && source.is_floating() {
        return Ok(Transformed::yes(udf(
            FLOAT_TO_INT,
            vec![inner.clone(), typed_null(target)?],
        )));
    }
    // TIME -> TIMESTAMP: that time on 1970-01-01 (Arrow casts no TIME to a TIMESTAMP, but its
    // raw count in the TIME's unit is the TIMESTAMP of the same unit)
    if let (DataType::Time32(unit) | DataType::Time64(unit), DataType::Timestamp(_, None)) =
        (&source, target)
    {
        let raw = Expr::Cast(Cast::new(Box::new(inner.clone()), DataType::Int64));
        let ts = Expr::Cast(Cast::new(Box::new(raw), DataType::Timestamp(*unit, None)));
        return Ok(Transformed::yes(rebuild(ts, target, is_try)));
    }
    if matches!(target, DataType::Time64(_) | DataType::Time32(_)) {
        // Flink's TIME is TIME(0); Weft has no TIME(p) from SQL yet
        return refuse();
    }
    // DECIMAL <-> BOOLEAN, which Arrow cannot cast: through DOUBLE / BIGINT
    if matches!(source, DataType::Decimal128(_, _)) && *target == DataType::Boolean {
        let d = Expr::Cast(Cast::new(Box::new(inner.clone()), DataType::Float64));
        return Ok(Transformed::yes(rebuild(d, target, is_try)));
    }
    if source == DataType::Boolean && matches!(target, DataType::Decimal128(_, _)) {
        let i = Expr::Cast(Cast::new(Box::new(inner.clone()), DataType::Int64));
        return Ok(Transformed::yes(rebuild(i, target, is_try)));
    }
    if is_try && !(target.is_integer() || target.is_floating()) {
        return refuse();
    }
    Ok(Transformed::no(e))
}

fn rebuild(inner: Expr, target: &DataType, is_try: bool) -> Expr {
    if is_try {
        Expr::TryCast(TryCast::new(Box::new(inner), target.clone()))
    } else {
        Expr::Cast(Cast::new(Box::new(inner), target.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn decimal_text_reads_as_big_decimal_does() {
        // the plain fast path
        assert_eq!(parse_decimal("1234.5", 2), Some(123_450));
        assert_eq!(parse_decimal("-0.01", 2), Some(-1));
        assert_eq!(parse_decimal("+7", 2), Some(700));
        assert_eq!(parse_decimal(".5", 1), Some(5));
        assert_eq!(parse_decimal("0", 0), Some(0));
        // more fraction digits than the scale: rounded HALF_UP
        assert_eq!(parse_decimal("12.345", 2), Some(1235));
        assert_eq!(parse_decimal("-12.345", 2), Some(-1235));
        // exponents, as Flink's CSV writer prints them
        assert_eq!(parse_decimal("1.5E+3", 2), Some(150_000));
        assert_eq!(parse_decimal("1E+1", 0), Some(10));
        // not numbers
        assert_eq!(parse_decimal("", 2), None);
        assert_eq!(parse_decimal("1.2.3", 2), None);
        assert_eq!(parse_decimal("-", 2), None);
        assert_eq!(parse_decimal("12a", 2), None);
        // 38 digits fit, more do not
        let nines = "9".repeat(38);
        assert_eq!(parse_decimal(&nines, 0), Some(nines.parse().unwrap()));
    }
}
