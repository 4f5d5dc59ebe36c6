//! Temporal functions (Flink docs: "Temporal Functions"): DATE_FORMAT with Java patterns,
//! EXTRACT and YEAR(), MONTH(), …, FLOOR/CEIL(x TO unit), TIMESTAMPADD / TIMESTAMPDIFF,
//! TO_DATE, TO_TIMESTAMP, TO_TIMESTAMP_LTZ, UNIX_TIMESTAMP, FROM_UNIXTIME, CONVERT_TZ, the
//! current-time functions, and Flink's typing of TIMESTAMP / TIME / INTERVAL literals.
//!
//! Values are handled as Flink holds them: TIMESTAMP is a wall-clock date-time, TIMESTAMP_LTZ
//! an instant shown in the session time zone (`table.local-time-zone`, DataFusion's
//! `execution.time_zone`), DATE a day number. Arrow stands for Flink's types as in
//! `crate::types`: precision p maps to the unit holding it (0 s, 1–3 ms, 4–6 µs, 7–9 ns).

pub mod ltz_cast;
pub mod overlaps;
mod pattern;

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Int32Array, Int64Array, IntervalYearMonthArray, StringArray,
    StringBuilder,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, IntervalUnit, TimeUnit};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::sql::sqlparser::ast;

use super::args::{arrays, const_str, eval_rows, is_string, result, utf8};
use crate::cast_text::Zone;
use crate::sql_ast::call;
use pattern::{Dialect, Pattern};

const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SEC;
/// The zone label of Weft's TIMESTAMP_LTZ values (instants; shown in the session zone).
const LTZ: &str = "UTC";

// ------------------------------------------------------------------------------------------
// The UDF shape of this family: return types may depend on constant arguments, and the
// evaluation sees the session time zone.
// ------------------------------------------------------------------------------------------

type RetFn = fn(&[DataType], &[Option<&ScalarValue>]) -> Result<DataType>;
type EvalFn = fn(&Ctx, &[ColumnarValue], usize, &DataType) -> Result<ColumnarValue>;
type CoerceFn = fn(&[DataType]) -> Result<Vec<DataType>>;

struct Ctx {
    zone: Zone,
}

#[derive(Debug)]
struct Temporal {
    name: &'static str,
    signature: Signature,
    ret: RetFn,
    eval: EvalFn,
    coerce: CoerceFn,
}

impl PartialEq for Temporal {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
    }
}
impl Eq for Temporal {}
impl std::hash::Hash for Temporal {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.name.hash(h)
    }
}

impl ScalarUDFImpl for Temporal {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        (self.ret)(t, &vec![None; t.len()])
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let types: Vec<DataType> = args
            .arg_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let t = (self.ret)(&types, args.scalar_arguments)?;
        Ok(Arc::new(Field::new(self.name, t, true)))
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        (self.coerce)(t)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let tz = args.config_options.execution.time_zone.clone();
        let ctx = Ctx {
            zone: Zone::parse(tz.as_deref().unwrap_or("UTC"))?,
        };
        (self.eval)(
            &ctx,
            &args.args,
            args.number_rows,
            args.return_field.data_type(),
        )
    }
}

fn udf(name: &'static str, ret: RetFn, coerce: CoerceFn, eval: EvalFn) -> ScalarUDF {
    ScalarUDF::new_from_impl(Temporal {
        name,
        signature: Signature::user_defined(Volatility::Immutable),
        ret,
        eval,
        coerce,
    })
}

fn volatile_udf(name: &'static str, ret: RetFn, eval: EvalFn) -> ScalarUDF {
    ScalarUDF::new_from_impl(Temporal {
        name,
        signature: Signature::nullary(Volatility::Volatile),
        ret,
        eval,
        coerce: |t| Ok(t.to_vec()),
    })
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        udf("extract", ret_extract, coerce_unit_first, eval_extract),
        udf("flink_floor", ret_floor, coerce_unit_first, |c, a, n, t| {
            eval_floor_ceil(c, a, n, t, true)
        }),
        udf("flink_ceil", ret_floor, coerce_unit_first, |c, a, n, t| {
            eval_floor_ceil(c, a, n, t, false)
        }),
        udf(
            "date_format",
            |_, _| Ok(DataType::Utf8),
            coerce_date_format,
            eval_date_format,
        ),
        udf(
            "timestampadd",
            ret_timestampadd,
            coerce_timestampadd,
            eval_timestampadd,
        ),
        udf(
            "timestampdiff",
            |_, _| Ok(DataType::Int32),
            coerce_timestampdiff,
            eval_timestampdiff,
        ),
        udf(
            "to_date",
            |_, _| Ok(DataType::Date32),
            coerce_strings("TO_DATE", 1, 2),
            eval_to_date,
        ),
        udf(
            "to_timestamp",
            |_, _| Ok(DataType::Timestamp(TimeUnit::Millisecond, None)),
            coerce_strings("TO_TIMESTAMP", 1, 2),
            eval_to_timestamp,
        ),
        udf(
            ltz_cast::NAME,
            ltz_cast::ret,
            ltz_cast::coerce,
            ltz_cast::eval,
        ),
        udf(
            "to_timestamp_ltz",
            ret_ltz3,
            coerce_to_timestamp_ltz,
            eval_to_timestamp_ltz,
        ),
        udf(
            "unix_timestamp",
            |_, _| Ok(DataType::Int64),
            coerce_strings("UNIX_TIMESTAMP", 1, 2),
            eval_unix_timestamp,
        ),
        udf(
            "from_unixtime",
            |_, _| Ok(DataType::Utf8),
            coerce_from_unixtime,
            eval_from_unixtime,
        ),
        udf(
            "convert_tz",
            |_, _| Ok(DataType::Utf8),
            coerce_strings("CONVERT_TZ", 3, 3),
            eval_convert_tz,
        ),
        udf(
            "flink_time_literal",
            ret_time_literal,
            coerce_strings("TIME", 1, 1),
            eval_time_literal,
        ),
        udf(
            "flink_interval_months",
            |_, _| Ok(DataType::Interval(IntervalUnit::YearMonth)),
            |_| Ok(vec![DataType::Int32]),
            eval_interval_months,
        ),
        volatile_udf(
            "current_date",
            |_, _| Ok(DataType::Date32),
            |c, a, n, _| now_value(c, a, n, Now::Date),
        ),
        volatile_udf(
            "current_time",
            |_, _| Ok(DataType::Time32(TimeUnit::Second)),
            |c, a, n, _| now_value(c, a, n, Now::Time),
        ),
        volatile_udf(
            "localtime",
            |_, _| Ok(DataType::Time32(TimeUnit::Second)),
            |c, a, n, _| now_value(c, a, n, Now::Time),
        ),
        volatile_udf(
            "localtimestamp",
            |_, _| Ok(DataType::Timestamp(TimeUnit::Millisecond, None)),
            |c, a, n, _| now_value(c, a, n, Now::Local),
        ),
        volatile_udf("current_timestamp", ret_ltz3, |c, a, n, _| {
            now_value(c, a, n, Now::Instant)
        }),
        volatile_udf("now", ret_ltz3, |c, a, n, _| {
            now_value(c, a, n, Now::Instant)
        }),
        volatile_udf("current_row_timestamp", ret_ltz3, |c, a, n, _| {
            now_value(c, a, n, Now::Instant)
        }),
        volatile_udf(
            "unix_timestamp_now",
            |_, _| Ok(DataType::Int64),
            |_, a, n, _| {
                let v = Utc::now().timestamp();
                let n = eval_rows(a, n).max(1);
                result(a, Arc::new(Int64Array::from(vec![v; n])))
            },
        ),
    ]
    .into_iter()
    .chain(overlaps::functions())
    .collect()
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`).
pub const DATAFUSION_AS_FLINK: &[&str] = &[];

// ------------------------------------------------------------------------------------------
// Values: every temporal argument as wall-clock nanoseconds since 1970-01-01 00:00:00
// ------------------------------------------------------------------------------------------

fn unit_nanos(u: &TimeUnit) -> i64 {
    match u {
        TimeUnit::Second => NANOS_PER_SEC,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    }
}

fn raw_i64(a: &ArrayRef) -> Result<Int64Array> {
    let a = match a.data_type() {
        DataType::Time32(_) | DataType::Date32 => cast(a, &DataType::Int32)?,
        _ => a.clone(),
    };
    Ok(cast(&a, &DataType::Int64)?
        .as_primitive::<arrow::datatypes::Int64Type>()
        .clone())
}

/// The offset of the session zone at a UTC instant (seconds).
fn offset_secs(zone: &Zone, utc_secs: i64) -> i64 {
    zone.offset_at(utc_secs) as i64
}

/// The UTC instant (nanos) of a wall-clock time in `zone`. A time in a gap moves forward by
/// the gap (as both Java APIs do); an ambiguous time takes the earlier instant when
/// `earlier`, else the later.
fn local_to_utc(zone: &Zone, local_nanos: i64, earlier: bool) -> i64 {
    let secs = local_nanos.div_euclid(NANOS_PER_SEC);
    let sub = local_nanos.rem_euclid(NANOS_PER_SEC);
    let Some(ndt) = DateTime::<Utc>::from_timestamp(secs, 0).map(|d| d.naive_utc()) else {
        return local_nanos;
    };
    let off = match zone {
        Zone::Fixed(o) => o.local_minus_utc() as i64,
        Zone::Named(tz) => match tz.from_local_datetime(&ndt) {
            chrono::LocalResult::Single(d) => d.offset().fix_secs(),
            chrono::LocalResult::Ambiguous(a, b) => {
                let (a, b) = (a.offset().fix_secs(), b.offset().fix_secs());
                // the earlier instant has the larger offset
                if earlier { a.max(b) } else { a.min(b) }
            }
            chrono::LocalResult::None => offset_secs(zone, secs - 86_400),
        },
    };
    (secs - off) * NANOS_PER_SEC + sub
}

trait FixSecs {
    fn fix_secs(&self) -> i64;
}
impl<O: chrono::Offset> FixSecs for O {
    fn fix_secs(&self) -> i64 {
        self.fix().local_minus_utc() as i64
    }
}

/// Wall-clock nanos of every row (DATE at midnight, TIMESTAMP_LTZ in the session zone).
fn local_nanos(a: &ArrayRef, zone: &Zone) -> Result<Vec<Option<i64>>> {
    Ok(match a.data_type() {
        DataType::Date32 => {
            let d = a.as_primitive::<arrow::datatypes::Date32Type>();
            d.iter()
                .map(|v| v.map(|v| v as i64 * NANOS_PER_DAY))
                .collect()
        }
        DataType::Timestamp(u, tz) => {
            let per = unit_nanos(u);
            let raw = raw_i64(a)?;
            raw.iter()
                .map(|v| {
                    v.map(|v| {
                        let n = v.saturating_mul(per);
                        if tz.is_some() {
                            n + offset_secs(zone, v.div_euclid(NANOS_PER_SEC / per)) * NANOS_PER_SEC
                        } else {
                            n
                        }
                    })
                })
                .collect()
        }
        DataType::Time32(u) | DataType::Time64(u) => {
            let per = unit_nanos(u);
            raw_i64(a)?.iter().map(|v| v.map(|v| v * per)).collect()
        }
        DataType::Null => vec![None; a.len()],
        other => return exec_err!("expected a date, time or timestamp, got {other}"),
    })
}

fn datetime(nanos: i64) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp(
        nanos.div_euclid(NANOS_PER_SEC),
        nanos.rem_euclid(NANOS_PER_SEC) as u32,
    )
    .unwrap_or_default()
    .naive_utc()
}

fn nanos_of(dt: &NaiveDateTime) -> i64 {
    let u = dt.and_utc();
    u.timestamp() * NANOS_PER_SEC + u.timestamp_subsec_nanos() as i64
}

/// An array of type `t` from wall-clock nanos (`Timestamp(_, Some)` converts back to instants).
fn from_local_nanos(vals: &[Option<i64>], t: &DataType, zone: &Zone) -> Result<ArrayRef> {
    match t {
        DataType::Date32 => {
            let v: Int32Array = vals
                .iter()
                .map(|v| v.map(|v| v.div_euclid(NANOS_PER_DAY) as i32))
                .collect();
            Ok(cast(&(Arc::new(v) as ArrayRef), t)?)
        }
        DataType::Timestamp(u, tz) => {
            let per = unit_nanos(u);
            let v: Int64Array = vals
                .iter()
                .map(|v| {
                    v.map(|v| {
                        let n = if tz.is_some() {
                            local_to_utc(zone, v, true)
                        } else {
                            v
                        };
                        n.div_euclid(per)
                    })
                })
                .collect();
            Ok(cast(&(Arc::new(v) as ArrayRef), t)?)
        }
        DataType::Time32(u) => {
            let per = unit_nanos(u);
            let v: Int32Array = vals
                .iter()
                .map(|v| v.map(|v| v.rem_euclid(NANOS_PER_DAY).div_euclid(per) as i32))
                .collect();
            Ok(cast(&(Arc::new(v) as ArrayRef), t)?)
        }
        DataType::Time64(u) => {
            let per = unit_nanos(u);
            let v: Int64Array = vals
                .iter()
                .map(|v| v.map(|v| v.rem_euclid(NANOS_PER_DAY).div_euclid(per)))
                .collect();
            Ok(cast(&(Arc::new(v) as ArrayRef), t)?)
        }
        other => exec_err!("no temporal values of type {other}"),
    }
}

fn is_temporal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date32 | DataType::Timestamp(_, _) | DataType::Time32(_) | DataType::Time64(_)
    )
}

/// A constant unit argument (the rewrites always give a literal).
fn unit_arg(fname: &str, a: &ColumnarValue) -> Result<String> {
    match const_str(a) {
        Some(Some(u)) => Ok(u.to_uppercase()),
        _ => exec_err!("{fname}: the time unit must be a constant"),
    }
}

fn scalar_unit(fname: &str, s: Option<&ScalarValue>) -> Result<Option<String>> {
    Ok(match s {
        Some(ScalarValue::Utf8(Some(u))) | Some(ScalarValue::Utf8View(Some(u))) => {
            Some(u.to_uppercase())
        }
        Some(_) => return plan_err!("{fname}: the time unit must be a constant"),
        None => None,
    })
}

fn coerce_unit_first(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 2 {
        return plan_err!("expected (unit, value), got {} arguments", t.len());
    }
    Ok(vec![DataType::Utf8, t[1].clone()])
}

fn coerce_strings(name: &'static str, min: usize, max: usize) -> CoerceFn {
    // one function per arity range: a closure cannot be a fn pointer with captures
    match (name, min, max) {
        ("TO_DATE", ..) => |t| strings(t, "TO_DATE", 1, 2),
        ("TO_TIMESTAMP", ..) => |t| strings(t, "TO_TIMESTAMP", 1, 2),
        ("UNIX_TIMESTAMP", ..) => |t| strings(t, "UNIX_TIMESTAMP", 1, 2),
        ("CONVERT_TZ", ..) => |t| strings(t, "CONVERT_TZ", 3, 3),
        _ => |t| strings(t, "TIME", 1, 1),
    }
}

fn strings(t: &[DataType], name: &str, min: usize, max: usize) -> Result<Vec<DataType>> {
    if t.len() < min || t.len() > max {
        return plan_err!(
            "{name} takes {min} to {max} string arguments, got {}",
            t.len()
        );
    }
    t.iter()
        .map(|t| match t {
            DataType::Null => Ok(DataType::Utf8),
            t if is_string(t) => Ok(DataType::Utf8),
            other => {
                plan_err!("Cannot apply '{name}' to arguments of type {other}: it takes strings")
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------------------
// EXTRACT(unit FROM x) (and YEAR(x), MONTH(x), …): BIGINT
// ------------------------------------------------------------------------------------------

fn ret_extract(t: &[DataType], s: &[Option<&ScalarValue>]) -> Result<DataType> {
    let unit = scalar_unit("EXTRACT", s.first().copied().flatten())?;
    if let (Some(u), Some(t)) = (unit, t.get(1)) {
        let ok = match t {
            DataType::Date32 | DataType::Timestamp(_, None) => true,
            DataType::Timestamp(_, Some(_)) => false,
            DataType::Time32(_) | DataType::Time64(_) => {
                matches!(
                    u.as_str(),
                    "HOUR" | "MINUTE" | "SECOND" | "MILLISECOND" | "MICROSECOND"
                )
            }
            DataType::Interval(IntervalUnit::YearMonth) => {
                matches!(u.as_str(), "YEAR" | "MONTH" | "QUARTER")
            }
            DataType::Interval(_) => matches!(
                u.as_str(),
                "DAY" | "HOUR" | "MINUTE" | "SECOND" | "MILLISECOND"
            ),
            DataType::Null => true,
            _ => false,
        };
        if !ok {
            return plan_err!(
                "Cannot apply 'EXTRACT' to arguments of type 'EXTRACT(<INTERVAL {u}> FROM <{t}>)'"
            );
        }
    }
    Ok(DataType::Int64)
}

/// Java's truncating division and remainder (Flink's EXTRACT uses them on millis).
fn jdiv(a: i64, b: i64) -> i64 {
    a / b
}
fn jmod(a: i64, b: i64) -> i64 {
    a % b
}

fn extract_date(unit: &str, d: NaiveDate) -> Option<i64> {
    date_field(unit).map(|f| f(d))
}

/// The field of a date that `unit` extracts (None for a unit that is not a date field).
fn date_field(unit: &str) -> Option<fn(NaiveDate) -> i64> {
    Some(match unit {
        "YEAR" => |d| d.year() as i64,
        "QUARTER" => |d| (d.month() as i64 + 2) / 3,
        "MONTH" => |d| d.month() as i64,
        "DAY" => |d| d.day() as i64,
        "DOY" => |d| d.ordinal() as i64,
        "DOW" => |d| d.weekday().number_from_sunday() as i64,
        "ISODOW" => |d| d.weekday().number_from_monday() as i64,
        "WEEK" => |d| d.iso_week().week() as i64,
        "ISOYEAR" => |d| d.iso_week().year() as i64,
        "DECADE" => |d| d.year() as i64 / 10,
        "CENTURY" => |d| {
            let y = d.year() as i64;
            if y > 0 {
                (y + 99) / 100
            } else {
                (y - 99) / 100
            }
        },
        "MILLENNIUM" => |d| {
            let y = d.year() as i64;
            if y > 0 {
                (y + 999) / 1000
            } else {
                (y - 999) / 1000
            }
        },
        _ => return None,
    })
}

/// Days since 1970-01-01 as a date (None outside chrono's range).
fn epoch_day(days: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + 719_163).ok()?)
}

fn eval_extract(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let unit = unit_arg("EXTRACT", &args[0])?;
    let n = eval_rows(args, rows);
    let a = args[1].to_array(n)?;
    let bad = || exec_err!("EXTRACT: unsupported unit {unit} for {}", a.data_type());
    let out: Int64Array = match a.data_type() {
        DataType::Interval(IntervalUnit::YearMonth) => {
            let v = a.as_primitive::<arrow::datatypes::IntervalYearMonthType>();
            let f = match unit.as_str() {
                "YEAR" => |m: i64| m / 12,
                "MONTH" => |m: i64| m % 12,
                "QUARTER" => |m: i64| (m % 12) / 3 + 1,
                _ => return bad(),
            };
            v.iter().map(|m| m.map(|m| f(m as i64))).collect()
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let v = a.as_primitive::<arrow::datatypes::IntervalMonthDayNanoType>();
            let ms = |x: arrow::datatypes::IntervalMonthDayNano| {
                x.days as i64 * 86_400_000 + x.nanoseconds / 1_000_000
            };
            let f: fn(i64) -> i64 = match unit.as_str() {
                "DAY" => |m| m / 86_400_000,
                "HOUR" => |m| (m % 86_400_000) / 3_600_000,
                "MINUTE" => |m| (m % 3_600_000) / 60_000,
                "SECOND" => |m| (m % 60_000) / 1000,
                "MILLISECOND" => |m| m % 60_000,
                _ => return bad(),
            };
            v.iter().map(|x| x.map(|x| f(ms(x)))).collect()
        }
        DataType::Time32(_) | DataType::Time64(_) => {
            let v = local_nanos(&a, &ctx.zone)?;
            let f: fn(i64) -> i64 = match unit.as_str() {
                "HOUR" => |ms| ms / 3_600_000,
                "MINUTE" => |ms| (ms % 3_600_000) / 60_000,
                "SECOND" => |ms| (ms % 60_000) / 1000,
                "MILLISECOND" => |ms| ms % 60_000,
                _ => return bad(),
            };
            v.iter().map(|x| x.map(|x| f(x / 1_000_000))).collect()
        }
        // A date field of a DATE (the usual case): one pass over the day numbers.
        DataType::Date32 if date_field(&unit).is_some() => {
            let f = date_field(&unit).expect("checked");
            let v = a.as_primitive::<arrow::datatypes::Date32Type>();
            let mut out = Vec::with_capacity(v.len());
            for d in v.iter() {
                out.push(match d {
                    None => None,
                    Some(d) => match epoch_day(d as i64) {
                        Some(d) => Some(f(d)),
                        None => return exec_err!("EXTRACT: day {d} is out of range"),
                    },
                });
            }
            out.into_iter().collect()
        }
        DataType::Date32 | DataType::Timestamp(_, _) | DataType::Null => {
            let v = local_nanos(&a, &ctx.zone)?;
            let mut out = Vec::with_capacity(v.len());
            for x in v {
                let Some(x) = x else {
                    out.push(None);
                    continue;
                };
                // Flink computes on epoch millis with Java's truncating / and %
                let ms = x.div_euclid(1_000_000);
                let nano_of_ms = x.rem_euclid(1_000_000);
                let r = match unit.as_str() {
                    "EPOCH" => jdiv(ms, 1000),
                    "HOUR" => jdiv(jmod(ms, 86_400_000), 3_600_000),
                    "MINUTE" => jdiv(jmod(ms, 3_600_000), 60_000),
                    "SECOND" => jdiv(jmod(ms, 60_000), 1000),
                    "MILLISECOND" => jmod(ms, 1000),
                    "MICROSECOND" => jmod(ms, 1000) * 1000 + nano_of_ms / 1000,
                    "NANOSECOND" => jmod(ms, 1000) * 1_000_000 + nano_of_ms,
                    u => {
                        let days = jdiv(ms, 86_400_000);
                        let d = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                            + chrono::Duration::days(days);
                        match extract_date(u, d) {
                            Some(v) => v,
                            None => return bad(),
                        }
                    }
                };
                out.push(Some(r));
            }
            out.into_iter().collect()
        }
        other => return exec_err!("EXTRACT: cannot extract from {other}"),
    };
    result(args, Arc::new(out))
}

// ------------------------------------------------------------------------------------------
// FLOOR / CEIL (x TO unit)
// ------------------------------------------------------------------------------------------

fn ret_floor(t: &[DataType], s: &[Option<&ScalarValue>]) -> Result<DataType> {
    let unit = scalar_unit("FLOOR", s.first().copied().flatten())?;
    let t = t.get(1).cloned().unwrap_or(DataType::Null);
    if !is_temporal(&t) && t != DataType::Null {
        return plan_err!(
            "Cannot apply 'FLOOR' / 'CEIL' to arguments of type {t} with a time unit"
        );
    }
    if let Some(u) = unit {
        let ok = match &t {
            DataType::Time32(_) | DataType::Time64(_) => {
                matches!(u.as_str(), "HOUR" | "MINUTE" | "SECOND" | "MILLISECOND")
            }
            DataType::Date32 => !matches!(u.as_str(), "HOUR" | "MINUTE" | "SECOND" | "MILLISECOND"),
            _ => true,
        };
        let known = matches!(
            u.as_str(),
            "MILLENNIUM"
                | "CENTURY"
                | "DECADE"
                | "YEAR"
                | "QUARTER"
                | "MONTH"
                | "WEEK"
                | "DAY"
                | "HOUR"
                | "MINUTE"
                | "SECOND"
                | "MILLISECOND"
        );
        if !ok || !known {
            return plan_err!("FLOOR / CEIL to {u} is not supported for {t}");
        }
    }
    Ok(t)
}

fn ymd(y: i64, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y as i32, m, d).unwrap_or_default()
}

/// Floor (or ceil) of a wall-clock time to a unit, in nanos.
fn floor_ceil(unit: &str, x: i64, floor: bool) -> i64 {
    let fixed = |per: i64| {
        let f = x.div_euclid(per) * per;
        if floor || f == x { f } else { f + per }
    };
    match unit {
        "MILLISECOND" => fixed(1_000_000),
        "SECOND" => fixed(NANOS_PER_SEC),
        "MINUTE" => fixed(60 * NANOS_PER_SEC),
        "HOUR" => fixed(3600 * NANOS_PER_SEC),
        "DAY" => fixed(NANOS_PER_DAY),
        _ => {
            // Flink takes the day of the epoch millis divided toward zero (so 1969-12-31
            // 23:59:59 counts as 1970-01-01) and ignores the time of day, also for CEIL
            let day = x.div_euclid(1_000_000) / 86_400_000;
            let d = datetime(day * NANOS_PER_DAY).date();
            let (y, m, dd) = (d.year() as i64, d.month(), d.day());
            let on_day_start = true;
            let target = match unit {
                "YEAR" => {
                    if !floor && (m > 1 || dd > 1 || !on_day_start) {
                        ymd(y + 1, 1, 1)
                    } else {
                        ymd(y, 1, 1)
                    }
                }
                "QUARTER" => {
                    let q = (m + 2) / 3;
                    let first = ymd(y, q * 3 - 2, 1);
                    if !floor && (first != d || !on_day_start) {
                        if q == 4 {
                            ymd(y + 1, 1, 1)
                        } else {
                            ymd(y, q * 3 + 1, 1)
                        }
                    } else {
                        first
                    }
                }
                "MONTH" => {
                    if !floor && (dd > 1 || !on_day_start) {
                        if m == 12 {
                            ymd(y + 1, 1, 1)
                        } else {
                            ymd(y, m + 1, 1)
                        }
                    } else {
                        ymd(y, m, 1)
                    }
                }
                "WEEK" => {
                    let dow = d.weekday().num_days_from_sunday() as i64;
                    let start = day - dow;
                    let start = if !floor && (dow > 0 || !on_day_start) {
                        start + 7
                    } else {
                        start
                    };
                    return start * NANOS_PER_DAY;
                }
                "DECADE" => {
                    if floor {
                        ymd(10 * (y / 10), 1, 1)
                    } else {
                        ymd(10 * (1 + y / 10), 1, 1)
                    }
                }
                "CENTURY" => {
                    if floor {
                        ymd(100 * ((y + 99) / 100) - 99, 1, 1)
                    } else {
                        ymd(100 * ((y + 99) / 100) + 1, 1, 1)
                    }
                }
                "MILLENNIUM" => {
                    if floor {
                        ymd(1000 * ((y + 999) / 1000) - 999, 1, 1)
                    } else {
                        ymd(1000 * ((y + 999) / 1000) + 1, 1, 1)
                    }
                }
                _ => d,
            };
            (target - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() * NANOS_PER_DAY
        }
    }
}

fn eval_floor_ceil(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
    floor: bool,
) -> Result<ColumnarValue> {
    let unit = unit_arg(if floor { "FLOOR" } else { "CEIL" }, &args[0])?;
    let n = eval_rows(args, rows);
    let a = args[1].to_array(n)?;
    if a.data_type() == &DataType::Null {
        return result(args, arrow::array::new_null_array(ret, n));
    }
    let v = local_nanos(&a, &ctx.zone)?;
    // Flink's CEIL(date TO DAY) is always the next day, even for a date (its midnight)
    let date_day_ceil = !floor && unit == "DAY" && a.data_type() == &DataType::Date32;
    let out: Vec<Option<i64>> = v
        .iter()
        .map(|x| {
            x.map(|x| {
                if date_day_ceil {
                    x + NANOS_PER_DAY
                } else {
                    floor_ceil(&unit, x, floor)
                }
            })
        })
        .collect();
    result(args, from_local_nanos(&out, ret, &ctx.zone)?)
}

// ------------------------------------------------------------------------------------------
// DATE_FORMAT(timestamp | string, format)
// ------------------------------------------------------------------------------------------

fn coerce_date_format(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 2 {
        return plan_err!(
            "DATE_FORMAT takes 2 arguments (timestamp or string, format), got {}",
            t.len()
        );
    }
    let first = match &t[0] {
        DataType::Timestamp(_, _) => t[0].clone(),
        DataType::Null => DataType::Utf8,
        x if is_string(x) => DataType::Utf8,
        other => {
            return plan_err!(
                "Cannot apply 'DATE_FORMAT' to arguments of type 'DATE_FORMAT(<{}>, <CHARACTER>)'. Supported form(s): 'DATE_FORMAT(<TIMESTAMP>, <CHARACTER>)', 'DATE_FORMAT(<CHARACTER>, <CHARACTER>)'",
                crate::types::flink_name(other)
            );
        }
    };
    if !(is_string(&t[1]) || t[1] == DataType::Null) {
        return plan_err!("DATE_FORMAT's format must be a string, got {}", t[1]);
    }
    Ok(vec![first, DataType::Utf8])
}

/// A pattern per row: compiled once when the format is a constant.
struct Patterns {
    constant: Option<std::result::Result<Pattern, String>>,
    formats: Option<StringArray>,
    dialect: Dialect,
    fname: &'static str,
}

impl Patterns {
    fn new(
        fname: &'static str,
        arg: Option<&ColumnarValue>,
        n: usize,
        default: &str,
        dialect: Dialect,
    ) -> Result<Patterns> {
        match arg {
            None => Ok(Patterns {
                constant: Some(Pattern::compile(default, dialect)),
                formats: None,
                dialect,
                fname,
            }),
            Some(a) => match const_str(a) {
                Some(Some(f)) => Ok(Patterns {
                    constant: Some(Pattern::compile(&f, dialect)),
                    formats: None,
                    dialect,
                    fname,
                }),
                Some(None) => Ok(Patterns {
                    constant: None,
                    formats: Some(StringArray::new_null(n)),
                    dialect,
                    fname,
                }),
                None => Ok(Patterns {
                    constant: None,
                    formats: Some(utf8(&a.to_array(n)?)?),
                    dialect,
                    fname,
                }),
            },
        }
    }

    /// The pattern of row `i`; `None` for a NULL format.
    fn get(&self, i: usize) -> Result<Option<Pattern>> {
        let compiled = match (&self.constant, &self.formats) {
            (Some(c), _) => c.clone(),
            (None, Some(f)) if f.is_null(i) => return Ok(None),
            (None, Some(f)) => Pattern::compile(f.value(i), self.dialect),
            _ => return Ok(None),
        };
        match compiled {
            Ok(p) => Ok(Some(p)),
            Err(e) => exec_err!("{}: {e}", self.fname),
        }
    }
}

fn simple_default() -> Pattern {
    Pattern::compile("yyyy-MM-dd HH:mm:ss", Dialect::Simple).expect("the default pattern compiles")
}

fn eval_date_format(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = args[0].to_array(n)?;
    let string = is_string(a.data_type());
    let dialect = if string {
        Dialect::Simple
    } else {
        Dialect::Time
    };
    let pats = Patterns::new("DATE_FORMAT", Some(&args[1]), n, "", dialect)?;
    let mut out = StringBuilder::with_capacity(n, n * 20);
    let mut buf = String::new();
    if string {
        // parsed as 'yyyy-MM-dd HH:mm:ss' (leniently), then formatted with SimpleDateFormat
        let s = utf8(&a)?;
        let from = simple_default();
        for i in 0..n {
            let p = pats.get(i)?;
            match (s.is_null(i), p) {
                (false, Some(p)) => match from.parse(s.value(i)) {
                    Some(dt) => {
                        buf.clear();
                        p.format(&dt, &mut buf);
                        out.append_value(&buf);
                    }
                    None => out.append_null(),
                },
                _ => out.append_null(),
            }
        }
    } else {
        let v = local_nanos(&a, &ctx.zone)?;
        for (i, x) in v.iter().enumerate() {
            let p = pats.get(i)?;
            match (x, p) {
                (Some(x), Some(p)) => {
                    buf.clear();
                    p.format(&datetime(*x), &mut buf);
                    out.append_value(&buf);
                }
                _ => out.append_null(),
            }
        }
    }
    result(args, Arc::new(out.finish()))
}

// ------------------------------------------------------------------------------------------
// TIMESTAMPADD(unit, n, x) / TIMESTAMPDIFF(unit, a, b)
// ------------------------------------------------------------------------------------------

fn coerce_timestampadd(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 3 {
        return plan_err!(
            "TIMESTAMPADD takes 3 arguments (unit, count, timestamp), got {}",
            t.len()
        );
    }
    if !(t[1].is_integer() || t[1] == DataType::Null) {
        return plan_err!("TIMESTAMPADD's count must be an integer, got {}", t[1]);
    }
    if !(matches!(t[2], DataType::Date32 | DataType::Timestamp(_, _)) || t[2] == DataType::Null) {
        return plan_err!("TIMESTAMPADD takes a DATE or TIMESTAMP, got {}", t[2]);
    }
    Ok(vec![DataType::Utf8, DataType::Int64, t[2].clone()])
}

fn unit_step(fname: &str, u: &str) -> Result<(i64, bool)> {
    // (amount per count: months for month units, else nanos; month unit?)
    Ok(match u {
        "YEAR" => (12, true),
        "QUARTER" => (3, true),
        "MONTH" => (1, true),
        "WEEK" => (7 * NANOS_PER_DAY, false),
        "DAY" => (NANOS_PER_DAY, false),
        "HOUR" => (3600 * NANOS_PER_SEC, false),
        "MINUTE" => (60 * NANOS_PER_SEC, false),
        "SECOND" => (NANOS_PER_SEC, false),
        _ => return plan_err!("{fname}: unsupported time unit {u}"),
    })
}

fn ret_timestampadd(t: &[DataType], s: &[Option<&ScalarValue>]) -> Result<DataType> {
    let unit = scalar_unit("TIMESTAMPADD", s.first().copied().flatten())?;
    let x = t.get(2).cloned().unwrap_or(DataType::Null);
    if let Some(u) = &unit {
        unit_step("TIMESTAMPADD", u)?;
    }
    Ok(match x {
        DataType::Date32 => match unit.as_deref() {
            Some("YEAR" | "QUARTER" | "MONTH" | "WEEK" | "DAY") => DataType::Date32,
            _ => DataType::Timestamp(TimeUnit::Microsecond, None),
        },
        DataType::Null => DataType::Timestamp(TimeUnit::Second, None),
        other => other,
    })
}

/// Add months to a date, clamping the day to the month's last.
fn add_months(d: NaiveDate, m: i64) -> NaiveDate {
    let m0 = d.year() as i64 * 12 + d.month0() as i64 + m;
    let (y, mo) = (m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1);
    let last = pattern::last_day(y as i32, mo);
    ymd(y, mo, d.day().min(last))
}

fn eval_timestampadd(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let unit = unit_arg("TIMESTAMPADD", &args[0])?;
    let (step, months) = unit_step("TIMESTAMPADD", &unit)?;
    let n = eval_rows(args, rows);
    let a = arrays(&args[1..], n)?;
    if a[1].data_type() == &DataType::Null {
        return result(args, arrow::array::new_null_array(ret, n));
    }
    let counts = raw_i64(&a[0])?;
    let v = local_nanos(&a[1], &ctx.zone)?;
    let mut out = Vec::with_capacity(n);
    for (i, x) in v.iter().enumerate() {
        out.push(match (x, counts.is_null(i)) {
            (Some(x), false) => {
                let c = counts.value(i);
                Some(if months {
                    let day = x.div_euclid(NANOS_PER_DAY);
                    let tod = x.rem_euclid(NANOS_PER_DAY);
                    let d = add_months(datetime(day * NANOS_PER_DAY).date(), c * step);
                    nanos_of(&d.and_hms_opt(0, 0, 0).unwrap()) + tod
                } else {
                    x + c * step
                })
            }
            _ => None,
        });
    }
    result(args, from_local_nanos(&out, ret, &ctx.zone)?)
}

fn coerce_timestampdiff(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 3 {
        return plan_err!(
            "TIMESTAMPDIFF takes 3 arguments (unit, start, end), got {}",
            t.len()
        );
    }
    for x in &t[1..] {
        if !(matches!(x, DataType::Date32 | DataType::Timestamp(_, _)) || *x == DataType::Null) {
            return plan_err!("TIMESTAMPDIFF takes DATE or TIMESTAMP arguments, got {x}");
        }
    }
    Ok(t.iter()
        .enumerate()
        .map(|(i, x)| if i == 0 { DataType::Utf8 } else { x.clone() })
        .collect())
}

/// Whole months between two days, as Flink's `subtractMonths(int, int)` counts them.
fn months_between_days(d0: i64, d1: i64) -> i64 {
    if d0 < d1 {
        return -months_between_days(d1, d0);
    }
    let date = |d: i64| datetime(d * NANOS_PER_DAY).date();
    let days = |d: NaiveDate| nanos_of(&d.and_hms_opt(0, 0, 0).unwrap()).div_euclid(NANOS_PER_DAY);
    let mut m = (d0 - d1) / 31;
    loop {
        if days(add_months(date(d1), m)) >= d0 || days(add_months(date(d1), m + 1)) > d0 {
            return m;
        }
        m += 1;
    }
}

/// Whole months from `t1` to `t0` (wall-clock nanos), as Flink's `subtractMonths(long, long)`:
/// the time of day only lowers the count when `t0` is on the day reached from `t1`.
fn months_between(t0: i64, t1: i64) -> i64 {
    let (d0, m0) = (t0.div_euclid(NANOS_PER_DAY), t0.rem_euclid(NANOS_PER_DAY));
    let (d1, m1) = (t1.div_euclid(NANOS_PER_DAY), t1.rem_euclid(NANOS_PER_DAY));
    let mut x = months_between_days(d0, d1);
    let d2 = nanos_of(
        &add_months(datetime(d1 * NANOS_PER_DAY).date(), x)
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    )
    .div_euclid(NANOS_PER_DAY);
    if d2 == d0 && m0 < m1 {
        x -= 1;
    }
    x
}

fn eval_timestampdiff(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let unit = unit_arg("TIMESTAMPDIFF", &args[0])?;
    let (step, months) = unit_step("TIMESTAMPDIFF", &unit)?;
    let n = eval_rows(args, rows);
    let a = arrays(&args[1..], n)?;
    // two TIMESTAMP_LTZ values are instants: their difference in seconds … days is the
    // instants' (across a DST change too), as Flink answers; months count wall-clock dates
    let instants = !months
        && a.iter()
            .all(|a| matches!(a.data_type(), DataType::Timestamp(_, Some(_))));
    let zone = match instants {
        true => Zone::Fixed(chrono::FixedOffset::east_opt(0).expect("UTC")),
        false => ctx.zone.clone(),
    };
    let x = local_nanos(&a[0], &zone)?;
    let y = local_nanos(&a[1], &zone)?;
    let out: Int32Array = x
        .iter()
        .zip(&y)
        .map(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => {
                // Flink works in milliseconds
                let (x, y) = (
                    x.div_euclid(1_000_000) * 1_000_000,
                    y.div_euclid(1_000_000) * 1_000_000,
                );
                Some(if months {
                    months_between(y, x) / step
                } else {
                    (y - x) / step
                } as i32)
            }
            _ => None,
        })
        .collect();
    result(args, Arc::new(out))
}

// ------------------------------------------------------------------------------------------
// TO_DATE, TO_TIMESTAMP, TO_TIMESTAMP_LTZ, UNIX_TIMESTAMP, FROM_UNIXTIME, CONVERT_TZ
// ------------------------------------------------------------------------------------------

/// Flink's `parseDate(String)`: `y[-m[-d]]` (a time after a space is ignored), NULL if bad.
fn parse_date_default(s: &str) -> Option<NaiveDate> {
    let s = match s.find(' ') {
        Some(p) if p > 0 => &s[..p],
        _ => s,
    };
    let int = |t: &str| -> Option<i64> {
        let t = t.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 9 {
            return None;
        }
        t.parse().ok()
    };
    let parts: Vec<&str> = s.splitn(3, '-').collect();
    let (y, m, d) = match parts.as_slice() {
        [y] => (int(y)?, 1, 1),
        [y, m] => (int(y)?, int(m)?, 1),
        [y, m, d] => (int(y)?, int(m)?, int(d)?),
        _ => return None,
    };
    if !(0..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
}

fn eval_to_date(
    _: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let s = utf8(&args[0].to_array(n)?)?;
    let pats = if args.len() > 1 {
        Some(Patterns::new(
            "TO_DATE",
            Some(&args[1]),
            n,
            "",
            Dialect::Simple,
        )?)
    } else {
        None
    };
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let mut out: Vec<Option<i32>> = Vec::with_capacity(n);
    for i in 0..n {
        if s.is_null(i) {
            out.push(None);
            continue;
        }
        let d = match &pats {
            None => parse_date_default(s.value(i)),
            Some(p) => match p.get(i)? {
                None => None,
                Some(p) => match p.parse(s.value(i)) {
                    Some(dt) => Some(dt.date()),
                    // Flink: a parse failure gives the date of Long.MIN_VALUE millis
                    None => {
                        return exec_err!(
                            "TO_DATE: cannot parse '{}' with the given format",
                            s.value(i)
                        );
                    }
                },
            },
        };
        out.push(d.map(|d| (d - epoch).num_days() as i32));
    }
    let arr: Int32Array = out.into_iter().collect();
    result(args, cast(&(Arc::new(arr) as ArrayRef), &DataType::Date32)?)
}

/// `java.sql.Timestamp.valueOf` / `java.sql.Date.valueOf`, Flink's fallback for TO_TIMESTAMP.
fn parse_sql_timestamp(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let (date, time) = match s.find(' ') {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let num = |t: &str| -> Option<i64> {
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(y)?, num(m)?, num(d)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // the deprecated Date constructors are lenient about days past the month's end
    let base = NaiveDate::from_ymd_opt(y as i32, m as u32, 1)? + chrono::Duration::days(d - 1);
    let Some(time) = time else {
        return base.and_hms_opt(0, 0, 0);
    };
    let (hms, frac) = match time.find('.') {
        Some(p) => (&time[..p], Some(&time[p + 1..])),
        None => (time, None),
    };
    let t: Vec<&str> = hms.split(':').collect();
    let [h, mi, se] = t.as_slice() else {
        return None;
    };
    let (h, mi, se) = (num(h)?, num(mi)?, num(se)?);
    let nanos = match frac {
        None => 0,
        Some(f) if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return None;
        }
        Some(f) => format!("{f:0<9}").parse::<i64>().ok()?,
    };
    base.and_hms_opt(0, 0, 0)?
        .checked_add_signed(chrono::Duration::nanoseconds(
            h * 3600 * NANOS_PER_SEC + mi * 60 * NANOS_PER_SEC + se * NANOS_PER_SEC + nanos,
        ))
}

/// Flink's default TIMESTAMP text: `yyyy-M[M]-d[d][ H[H]:m[m]:s[s][.fffffffff]]`, strict.
fn parse_timestamp_default(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    let mut pos = 0;
    let num = |min: usize, max: usize, pos: &mut usize| -> Option<i64> {
        let n = b[*pos..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n < min {
            return None;
        }
        let v = s[*pos..*pos + n].parse().ok()?;
        *pos += n;
        Some(v)
    };
    let lit =
        |c: u8, pos: &mut usize| -> Option<()> { (b.get(*pos) == Some(&c)).then(|| *pos += 1) };
    let y = num(4, 19, &mut pos)?;
    lit(b'-', &mut pos)?;
    let m = num(1, 2, &mut pos)?;
    lit(b'-', &mut pos)?;
    let d = num(1, 2, &mut pos)?;
    let (mut h, mut mi, mut se, mut nano) = (0, 0, 0, 0);
    if pos < b.len() {
        lit(b' ', &mut pos)?;
        h = num(1, 2, &mut pos)?;
        lit(b':', &mut pos)?;
        mi = num(1, 2, &mut pos)?;
        lit(b':', &mut pos)?;
        se = num(1, 2, &mut pos)?;
        if pos < b.len() {
            lit(b'.', &mut pos)?;
            let f = &s[pos..];
            if f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            nano = if f.is_empty() {
                0
            } else {
                format!("{f:0<9}").parse().ok()?
            };
            pos = b.len();
        }
    }
    if pos != b.len()
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || se > 59
    {
        return None;
    }
    let d = d.min(pattern::last_day(y as i32, m as u32) as i64);
    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)?
        .and_hms_nano_opt(h as u32, mi as u32, se as u32, nano)
}

/// TO_TIMESTAMP's parse of one row: the default text, or a DateTimeFormatter pattern with
/// the `java.sql` fallback.
fn parse_to_timestamp(s: &str, p: Option<&Pattern>) -> Option<NaiveDateTime> {
    match p {
        None => parse_timestamp_default(s),
        Some(p) => p.parse(s).or_else(|| parse_sql_timestamp(s)),
    }
}

fn eval_to_timestamp(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let s = utf8(&args[0].to_array(n)?)?;
    let pats = if args.len() > 1 {
        Some(Patterns::new(
            "TO_TIMESTAMP",
            Some(&args[1]),
            n,
            "",
            Dialect::Time,
        )?)
    } else {
        None
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        if s.is_null(i) {
            out.push(None);
            continue;
        }
        let p = match &pats {
            None => None,
            Some(p) => match p.get(i)? {
                None => {
                    out.push(None);
                    continue;
                }
                some => some,
            },
        };
        out.push(parse_to_timestamp(s.value(i), p.as_ref()).map(|dt| nanos_of(&dt)));
    }
    result(args, from_local_nanos(&out, ret, &ctx.zone)?)
}

fn ret_ltz3(_: &[DataType], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    Ok(DataType::Timestamp(TimeUnit::Millisecond, Some(LTZ.into())))
}

fn coerce_to_timestamp_ltz(t: &[DataType]) -> Result<Vec<DataType>> {
    match t {
        [x] | [x, _] if x.is_numeric() && !is_string(x) => {
            let mut v = vec![if x.is_integer() {
                DataType::Int64
            } else {
                x.clone()
            }];
            if let [_, p] = t {
                if !p.is_integer() {
                    return plan_err!("TO_TIMESTAMP_LTZ's precision must be an integer, got {p}");
                }
                v.push(DataType::Int32);
            }
            if matches!(
                v[0],
                DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _)
            ) {
                return plan_err!(
                    "TO_TIMESTAMP_LTZ of a {} is not supported by Weft yet",
                    v[0]
                );
            }
            Ok(v)
        }
        [DataType::Null] | [DataType::Null, _] => {
            plan_err!("TO_TIMESTAMP_LTZ of NULL needs a typed argument")
        }
        _ => strings(t, "TO_TIMESTAMP_LTZ", 1, 2),
    }
}

fn eval_to_timestamp_ltz(
    _ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = args[0].to_array(n)?;
    let mut out: Vec<Option<i64>> = Vec::with_capacity(n); // epoch millis
    const MIN_MS: i64 = -62_167_219_200_000;
    const MAX_MS: i64 = 253_402_300_799_999;
    if is_string(a.data_type()) {
        let s = utf8(&a)?;
        let pats = if args.len() > 1 {
            Some(Patterns::new(
                "TO_TIMESTAMP_LTZ",
                Some(&args[1]),
                n,
                "",
                Dialect::Time,
            )?)
        } else {
            None
        };
        for i in 0..n {
            if s.is_null(i) {
                out.push(None);
                continue;
            }
            let p = match &pats {
                None => None,
                Some(p) => match p.get(i)? {
                    None => {
                        out.push(None);
                        continue;
                    }
                    some => some,
                },
            };
            out.push(
                parse_to_timestamp(s.value(i), p.as_ref())
                    .map(|dt| nanos_of(&dt).div_euclid(1_000_000)),
            );
        }
    } else {
        let v = raw_i64(&a)?;
        let prec = if args.len() > 1 {
            raw_i64(&args[1].to_array(n)?)?
        } else {
            Int64Array::from(vec![3; n])
        };
        for i in 0..n {
            if v.is_null(i) || prec.is_null(i) {
                out.push(None);
                continue;
            }
            let x = v.value(i);
            let ms = match prec.value(i) {
                0 => x.checked_mul(1000),
                3 => Some(x),
                p => {
                    return exec_err!(
                        "The precision value '{p}' for function TO_TIMESTAMP_LTZ(numeric, precision) is unsupported, the supported value is '0' for second or '3' for millisecond."
                    );
                }
            };
            out.push(ms.filter(|m| (MIN_MS..=MAX_MS).contains(m)));
        }
    }
    let arr: Int64Array = out.into_iter().collect();
    result(args, cast(&(Arc::new(arr) as ArrayRef), ret)?)
}

fn eval_unix_timestamp(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let s = utf8(&args[0].to_array(n)?)?;
    let pats = Patterns::new(
        "UNIX_TIMESTAMP",
        args.get(1),
        n,
        "yyyy-MM-dd HH:mm:ss",
        Dialect::Simple,
    )?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let p = pats.get(i)?;
        out.push(match (s.is_null(i), p) {
            (false, Some(p)) => Some(match p.parse(s.value(i)) {
                Some(dt) => {
                    local_to_utc(&ctx.zone, nanos_of(&dt), false).div_euclid(1_000_000) / 1000
                }
                None => i64::MIN,
            }),
            _ => None,
        });
    }
    result(args, Arc::new(Int64Array::from(out)))
}

fn coerce_from_unixtime(t: &[DataType]) -> Result<Vec<DataType>> {
    match t {
        [x] | [x, _] if x.is_integer() || *x == DataType::Null => {
            let mut v = vec![DataType::Int64];
            if t.len() == 2 {
                v.extend(strings(&t[1..], "FROM_UNIXTIME", 1, 1)?);
            }
            Ok(v)
        }
        _ => plan_err!(
            "Cannot apply 'FROM_UNIXTIME' to arguments of type {t:?}: it takes an integer and an optional format"
        ),
    }
}

fn format_instant(p: &Pattern, zone: &Zone, utc_ms: i64, buf: &mut String) {
    let local = utc_ms * 1_000_000 + offset_secs(zone, utc_ms.div_euclid(1000)) * NANOS_PER_SEC;
    p.format(&datetime(local), buf);
}

fn eval_from_unixtime(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let v = raw_i64(&args[0].to_array(n)?)?;
    let pats = Patterns::new(
        "FROM_UNIXTIME",
        args.get(1),
        n,
        "yyyy-MM-dd HH:mm:ss",
        Dialect::Simple,
    )?;
    let mut out = StringBuilder::with_capacity(n, n * 19);
    let mut buf = String::new();
    for i in 0..n {
        let p = pats.get(i)?;
        match (v.is_null(i), p) {
            (false, Some(p)) => {
                buf.clear();
                format_instant(&p, &ctx.zone, v.value(i).saturating_mul(1000), &mut buf);
                out.append_value(&buf);
            }
            _ => out.append_null(),
        }
    }
    result(args, Arc::new(out.finish()))
}

/// Java's `TimeZone.getTimeZone(id)`: a region, `GMT±hh:mm`, or GMT for anything unknown.
fn java_zone(id: &str) -> Zone {
    if let Ok(tz) = id.parse::<chrono_tz::Tz>() {
        return Zone::Named(tz);
    }
    if let Some(off) = id.strip_prefix("GMT").filter(|o| !o.is_empty())
        && let Ok(o) = off.parse::<chrono::FixedOffset>()
    {
        return Zone::Fixed(o);
    }
    Zone::Named(chrono_tz::UTC)
}

fn eval_convert_tz(
    _: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let (s, from, to) = (utf8(&a[0])?, utf8(&a[1])?, utf8(&a[2])?);
    let p = simple_default();
    let mut out = StringBuilder::with_capacity(n, n * 19);
    let mut buf = String::new();
    for i in 0..n {
        if s.is_null(i) || from.is_null(i) || to.is_null(i) {
            out.append_null();
            continue;
        }
        match p.parse(s.value(i)) {
            Some(dt) => {
                let utc = local_to_utc(&java_zone(from.value(i)), nanos_of(&dt), false);
                buf.clear();
                format_instant(
                    &p,
                    &java_zone(to.value(i)),
                    utc.div_euclid(1_000_000),
                    &mut buf,
                );
                out.append_value(&buf);
            }
            None => out.append_null(),
        }
    }
    result(args, Arc::new(out.finish()))
}

// ------------------------------------------------------------------------------------------
// Literals: TIME 'hh:mm:ss[.f]' (TIME(p), p the fraction digits), INTERVAL … YEAR TO MONTH
// ------------------------------------------------------------------------------------------

/// VALUES rows whose TIME literals in one column differ in precision (`TIME '01:02:03'`
/// next to `TIME '03:04:05.123'`): Flink types the column as the widest TIME(p), so every
/// such literal of the column is written with p fraction digits (the same value, one type).
pub fn widen_time_literals(values: &mut ast::Values) {
    fn literal(e: &mut ast::Expr) -> Option<&mut String> {
        let ast::Expr::Function(f) = e else {
            return None;
        };
        if f.name.to_string() != "flink_time_literal" {
            return None;
        }
        let ast::FunctionArguments::List(list) = &mut f.args else {
            return None;
        };
        match list.args.as_mut_slice() {
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v)))] => {
                match &mut v.value {
                    ast::Value::SingleQuotedString(s) => Some(s),
                    _ => None,
                }
            }
            _ => None,
        }
    }
    let columns = values.rows.first().map_or(0, |r| r.content.len());
    for j in 0..columns {
        let mut digits = vec![];
        for row in &mut values.rows {
            if let Some(s) = row.content.get_mut(j).and_then(literal) {
                digits.push(fraction_digits(s));
            }
        }
        let widest = digits.iter().copied().max().unwrap_or(0);
        if digits.iter().all(|d| time_type(*d) == time_type(widest)) {
            continue;
        }
        for row in &mut values.rows {
            if let Some(s) = row.content.get_mut(j).and_then(literal) {
                let have = fraction_digits(s);
                let mut t = s.trim_end().to_string();
                if have == 0 {
                    t.push('.');
                }
                t.extend(std::iter::repeat_n('0', widest - have));
                *s = t;
            }
        }
    }
}

fn fraction_digits(s: &str) -> usize {
    s.rsplit_once('.').map(|(_, f)| f.trim().len()).unwrap_or(0)
}

fn time_type(p: usize) -> DataType {
    match p {
        0 => DataType::Time32(TimeUnit::Second),
        1..=3 => DataType::Time32(TimeUnit::Millisecond),
        4..=6 => DataType::Time64(TimeUnit::Microsecond),
        _ => DataType::Time64(TimeUnit::Nanosecond),
    }
}

fn ret_time_literal(_: &[DataType], s: &[Option<&ScalarValue>]) -> Result<DataType> {
    match s.first().copied().flatten() {
        Some(ScalarValue::Utf8(Some(v))) => Ok(time_type(fraction_digits(v))),
        _ => Ok(DataType::Time32(TimeUnit::Second)),
    }
}

fn eval_time_literal(
    _: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = args[0].to_array(n)?;
    let t = cast(&a, &DataType::Time64(TimeUnit::Nanosecond))
        .map_err(|e| datafusion::error::DataFusionError::Execution(format!("TIME literal: {e}")))?;
    result(args, cast(&t, ret)?)
}

fn eval_interval_months(
    _: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = args[0].to_array(n)?;
    let v = a.as_primitive::<arrow::datatypes::Int32Type>();
    let out: IntervalYearMonthArray = v.iter().collect();
    result(args, Arc::new(out))
}

// ------------------------------------------------------------------------------------------
// CURRENT_DATE, CURRENT_TIME, LOCALTIME, LOCALTIMESTAMP, CURRENT_TIMESTAMP, NOW()
// ------------------------------------------------------------------------------------------

enum Now {
    Date,
    Time,
    Local,
    Instant,
}

fn now_value(ctx: &Ctx, args: &[ColumnarValue], _rows: usize, which: Now) -> Result<ColumnarValue> {
    let now = Utc::now();
    let ms = now.timestamp_millis();
    let local = ms * 1_000_000 + offset_secs(&ctx.zone, ms.div_euclid(1000)) * NANOS_PER_SEC;
    let v = match which {
        Now::Date => ScalarValue::Date32(Some(local.div_euclid(NANOS_PER_DAY) as i32)),
        Now::Time => ScalarValue::Time32Second(Some(
            (local.rem_euclid(NANOS_PER_DAY) / NANOS_PER_SEC) as i32,
        )),
        Now::Local => ScalarValue::TimestampMillisecond(Some(local.div_euclid(1_000_000)), None),
        Now::Instant => ScalarValue::TimestampMillisecond(Some(ms), Some(LTZ.into())),
    };
    let _ = args;
    Ok(ColumnarValue::Scalar(v))
}

// ------------------------------------------------------------------------------------------
// SQL rewrites
// ------------------------------------------------------------------------------------------

fn string_lit(s: &str) -> ast::Expr {
    ast::Expr::value(ast::Value::SingleQuotedString(s.to_string()))
}

fn field_name(f: &ast::DateTimeField) -> String {
    let s = format!("{f}").to_uppercase();
    match s.as_str() {
        "DAYOFWEEK" => "DOW".into(),
        "DAYOFYEAR" => "DOY".into(),
        "MILLISECONDS" => "MILLISECOND".into(),
        "MICROSECONDS" => "MICROSECOND".into(),
        _ => s,
    }
}

/// Flink's TIMESTAMP(p) as the Arrow unit holding p digits (CAST(x AS TIMESTAMP) is 6).
fn timestamp_precision(p: Option<u64>) -> u64 {
    match p {
        None => 6,
        Some(0) => 0,
        Some(1..=3) => 3,
        Some(4..=6) => 6,
        Some(_) => 9,
    }
}

fn fn_name(f: &ast::Function) -> Option<String> {
    match f.name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(i)] => Some(i.value.to_lowercase()),
        _ => None,
    }
}

fn fn_args(f: &mut ast::Function) -> Option<&mut Vec<ast::FunctionArg>> {
    match &mut f.args {
        ast::FunctionArguments::List(l)
            if l.duplicate_treatment.is_none() && l.clauses.is_empty() =>
        {
            Some(&mut l.args)
        }
        _ => None,
    }
}

fn arg_expr(a: &ast::FunctionArg) -> Option<&ast::Expr> {
    match a {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
        _ => None,
    }
}

/// A Flink interval text for a range qualifier, as (months) or (milliseconds).
fn interval_range(text: &str, lead: &str, last: &str) -> Option<std::result::Result<i64, i64>> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let sign = if neg { -1 } else { 1 };
    let int = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let secs_ms = |s: &str| -> Option<i64> {
        let (w, f) = s.split_once('.').unwrap_or((s, ""));
        let f = if f.is_empty() {
            0
        } else {
            format!("{:0<3}", &f[..f.len().min(3)])
                .parse::<i64>()
                .ok()?
        };
        Some(int(w)? * 1000 + f)
    };
    if lead == "YEAR" && last == "MONTH" {
        let (y, m) = t.split_once('-')?;
        let (y, m) = (int(y)?, int(m)?);
        if m > 11 {
            return None;
        }
        return Some(Ok(sign * (y * 12 + m)));
    }
    let (day, rest) = match lead {
        "DAY" => {
            let (d, r) = t
                .split_once(' ')
                .map(|(a, b)| (a, Some(b)))
                .unwrap_or((t, None));
            (int(d)?, r)
        }
        _ => (0, Some(t)),
    };
    let parts: Vec<&str> = rest.map(|r| r.split(':').collect()).unwrap_or_default();
    let (h, m, s) = match (lead, last, parts.as_slice()) {
        ("DAY", "HOUR", [h]) => (int(h)?, 0, 0),
        ("DAY", "MINUTE", [h, m]) => (int(h)?, int(m)?, 0),
        ("DAY", "SECOND", [h, m, s]) => (int(h)?, int(m)?, secs_ms(s)?),
        ("HOUR", "MINUTE", [h, m]) => (int(h)?, int(m)?, 0),
        ("HOUR", "SECOND", [h, m, s]) => (int(h)?, int(m)?, secs_ms(s)?),
        ("MINUTE", "SECOND", [m, s]) => (0, int(m)?, secs_ms(s)?),
        _ => return None,
    };
    Some(Err(
        sign * (day * 86_400_000 + h * 3_600_000 + m * 60_000 + s)
    ))
}

/// Rewrites of this family's SQL syntax before DataFusion plans it (see `crate::rewrite`).
pub fn rewrite_sql(e: &mut ast::Expr) {
    overlaps::rewrite_sql(e);
    let new = match e {
        ast::Expr::Extract { field, expr, .. } => Some(call(
            "extract",
            vec![string_lit(&field_name(field)), (**expr).clone()],
        )),
        ast::Expr::Floor {
            expr,
            field: ast::CeilFloorKind::DateTimeField(f),
        } if *f != ast::DateTimeField::NoDateTime => Some(call(
            "flink_floor",
            vec![string_lit(&field_name(f)), (**expr).clone()],
        )),
        ast::Expr::Ceil {
            expr,
            field: ast::CeilFloorKind::DateTimeField(f),
        } if *f != ast::DateTimeField::NoDateTime => Some(call(
            "flink_ceil",
            vec![string_lit(&field_name(f)), (**expr).clone()],
        )),
        ast::Expr::TypedString(ts) => match (&ts.data_type, ts.value.clone().into_string()) {
            (ast::DataType::Timestamp(None, ast::TimezoneInfo::None), Some(v)) => {
                let p = fraction_digits(&v) as u64;
                Some(ast::Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(string_lit(&v)),
                    data_type: ast::DataType::Timestamp(
                        Some(timestamp_precision(Some(p))),
                        ast::TimezoneInfo::None,
                    ),
                    array: false,
                    format: None,
                })
            }
            (ast::DataType::Time(None, ast::TimezoneInfo::None), Some(v)) => {
                Some(call("flink_time_literal", vec![string_lit(&v)]))
            }
            _ => None,
        },
        ast::Expr::Cast {
            data_type: ast::DataType::Timestamp(p, ast::TimezoneInfo::None),
            ..
        } => {
            let q = timestamp_precision(*p);
            if let ast::Expr::Cast { data_type, .. } = e {
                *data_type = ast::DataType::Timestamp(Some(q), ast::TimezoneInfo::None);
            }
            None
        }
        ast::Expr::Interval(iv) => {
            let lead = iv.leading_field.as_ref().map(field_name);
            let last = iv.last_field.as_ref().map(field_name);
            let text = match &*iv.value {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::SingleQuotedString(s) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            };
            match (lead.as_deref(), last.as_deref(), text) {
                (Some(l @ ("YEAR" | "MONTH")), None, Some(t)) => {
                    let t = t.trim().to_string();
                    let (neg, d) = match t.strip_prefix('-') {
                        Some(r) => (true, r.to_string()),
                        None => (false, t.trim_start_matches('+').to_string()),
                    };
                    match d.parse::<i64>() {
                        Ok(v) => {
                            let months =
                                v * if l == "YEAR" { 12 } else { 1 } * if neg { -1 } else { 1 };
                            Some(call(
                                "flink_interval_months",
                                vec![ast::Expr::value(ast::Value::Number(
                                    months.to_string(),
                                    false,
                                ))],
                            ))
                        }
                        Err(_) => None,
                    }
                }
                (Some(l), Some(r), Some(t)) => match interval_range(&t, l, r) {
                    Some(Ok(months)) => Some(call(
                        "flink_interval_months",
                        vec![ast::Expr::value(ast::Value::Number(
                            months.to_string(),
                            false,
                        ))],
                    )),
                    Some(Err(ms)) => Some(ast::Expr::Interval(ast::Interval {
                        value: Box::new(string_lit(&format!(
                            "{} days {} milliseconds",
                            ms / 86_400_000,
                            ms % 86_400_000
                        ))),
                        leading_field: None,
                        leading_precision: None,
                        last_field: None,
                        fractional_seconds_precision: None,
                    })),
                    None => None,
                },
                _ => None,
            }
        }
        ast::Expr::Function(f) => {
            let name = fn_name(f);
            match name.as_deref() {
                Some(
                    n @ ("year" | "quarter" | "month" | "week" | "dayofyear" | "dayofmonth"
                    | "dayofweek" | "hour" | "minute" | "second"),
                ) => {
                    let unit = match n {
                        "dayofyear" => "DOY".to_string(),
                        "dayofmonth" => "DAY".to_string(),
                        "dayofweek" => "DOW".to_string(),
                        other => other.to_uppercase(),
                    };
                    match fn_args(f).map(|a| a.as_slice()) {
                        Some([a]) => {
                            arg_expr(a).map(|x| call("extract", vec![string_lit(&unit), x.clone()]))
                        }
                        _ => None,
                    }
                }
                Some("timestampadd" | "timestampdiff") => {
                    if let Some(args) = fn_args(f)
                        && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                            ast::Expr::Identifier(id),
                        ))) = args.first_mut()
                    {
                        let u = id.value.to_uppercase();
                        let u = u.strip_prefix("SQL_TSI_").unwrap_or(&u).to_string();
                        args[0] =
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(string_lit(&u)));
                    }
                    None
                }
                Some("unix_timestamp") => match fn_args(f).map(|a| a.len()) {
                    Some(0) => Some(call("unix_timestamp_now", vec![])),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(n) = new {
        *e = n;
    }
}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
pub fn rewrite_expr(e: Expr, _schema: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(s: &str) -> i64 {
        nanos_of(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
    }

    #[test]
    fn floor_and_ceil_follow_flink() {
        let x = nanos("2024-05-17 13:14:15");
        assert_eq!(floor_ceil("WEEK", x, true), nanos("2024-05-12 00:00:00"));
        assert_eq!(
            floor_ceil("QUARTER", x, false),
            nanos("2024-07-01 00:00:00")
        );
        assert_eq!(
            floor_ceil("YEAR", nanos("2024-01-01 00:00:00"), false),
            nanos("2024-01-01 00:00:00")
        );
    }

    #[test]
    fn months_between_counts_whole_months() {
        assert_eq!(
            months_between(nanos("2024-02-29 00:00:00"), nanos("2024-01-31 00:00:00")),
            1
        );
        assert_eq!(
            months_between(nanos("2025-04-15 09:00:00"), nanos("2024-01-15 10:00:00")),
            14
        );
    }

    #[test]
    fn interval_ranges_parse() {
        assert_eq!(interval_range("1-2", "YEAR", "MONTH"), Some(Ok(14)));
        assert_eq!(
            interval_range("1 02:03:04.5", "DAY", "SECOND"),
            Some(Err(93_784_500))
        );
        assert_eq!(
            interval_range("-03:04.25", "MINUTE", "SECOND"),
            Some(Err(-184_250))
        );
    }
}
