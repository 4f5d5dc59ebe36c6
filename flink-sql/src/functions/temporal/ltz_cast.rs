//! `CAST(x AS TIMESTAMP_LTZ(p))` (and `TIMESTAMP(p) WITH LOCAL TIME ZONE`) with Flink's
//! meaning: a TIMESTAMP or DATE is a wall-clock time in the session time zone
//! (`table.local-time-zone`) and becomes the instant it names there (a time in a DST gap
//! moves forward, an ambiguous one takes the earlier instant, as Java's `atZone` does); a
//! STRING is read as CAST to TIMESTAMP reads it, then the same; a TIMESTAMP_LTZ keeps its
//! instant at the new precision (cut, not rounded). Other sources are refused at planning.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Builder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::ColumnarValue;

use super::{Ctx, LTZ, NANOS_PER_DAY, local_to_utc};
use crate::functions::args::{eval_rows, is_string, utf8};
use crate::functions::conversion::parse_datetime;

pub const NAME: &str = "flink_cast_ltz";

/// TIMESTAMP_LTZ(p)'s unit: the one holding p fraction digits.
fn unit(p: i64) -> TimeUnit {
    match p {
        0 => TimeUnit::Second,
        1..=3 => TimeUnit::Millisecond,
        4..=6 => TimeUnit::Microsecond,
        _ => TimeUnit::Nanosecond,
    }
}

fn per_second(u: &TimeUnit) -> i64 {
    match u {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

/// `(value, p)`: TIMESTAMP_LTZ(p).
pub(super) fn ret(_: &[DataType], s: &[Option<&ScalarValue>]) -> Result<DataType> {
    let p = match s.get(1).copied().flatten() {
        Some(ScalarValue::Int64(Some(p))) => *p,
        _ => 6,
    };
    if !(0..=9).contains(&p) {
        return plan_err!("TIMESTAMP_LTZ({p}): the precision must be between 0 and 9");
    }
    Ok(DataType::Timestamp(unit(p), Some(LTZ.into())))
}

pub(super) fn coerce(t: &[DataType]) -> Result<Vec<DataType>> {
    match t {
        [x, _]
            if matches!(
                x,
                DataType::Timestamp(_, _) | DataType::Date32 | DataType::Null
            ) || is_string(x) =>
        {
            Ok(vec![x.clone(), DataType::Int64])
        }
        [x, _] => plan_err!(
            "CAST from {} to TIMESTAMP_LTZ is not supported by Weft yet; cast it to TIMESTAMP first",
            crate::types::flink_name(x)
        ),
        _ => plan_err!("{NAME} takes a value and a precision"),
    }
}

pub(super) fn eval(
    ctx: &Ctx,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = args[0].to_array(n)?;
    let DataType::Timestamp(to, _) = ret else {
        return exec_err!("{NAME} returns a TIMESTAMP_LTZ");
    };
    let per_to = per_second(to);
    let to_unit = |nanos: i64| nanos.div_euclid(1_000_000_000 / per_to);
    // local wall-clock nanos of each row, or (for an LTZ source) its instant's nanos
    let mut out = Int64Builder::with_capacity(n);
    let local = |local_nanos: i64| to_unit(local_to_utc(&ctx.zone, local_nanos, true));
    match a.data_type() {
        DataType::Null => out.append_nulls(n),
        DataType::Timestamp(_, tz) => {
            let ns = cast(&a, &DataType::Timestamp(TimeUnit::Nanosecond, tz.clone()))?;
            let v = ns.as_primitive::<arrow::datatypes::TimestampNanosecondType>();
            for i in 0..n {
                if v.is_null(i) {
                    out.append_null();
                } else if tz.is_some() {
                    out.append_value(to_unit(v.value(i)));
                } else {
                    out.append_value(local(v.value(i)));
                }
            }
        }
        DataType::Date32 => {
            let d = a.as_primitive::<arrow::datatypes::Date32Type>();
            for i in 0..n {
                if d.is_null(i) {
                    out.append_null();
                } else {
                    out.append_value(local(d.value(i) as i64 * NANOS_PER_DAY));
                }
            }
        }
        _ => {
            let s = utf8(&a)?;
            for i in 0..n {
                if s.is_null(i) {
                    out.append_null();
                    continue;
                }
                let Some(t) = parse_datetime(s.value(i), true) else {
                    return exec_err!("CAST to TIMESTAMP_LTZ: For input string: '{}'.", s.value(i));
                };
                match t.and_utc().timestamp_nanos_opt() {
                    Some(v) => out.append_value(local(v)),
                    None => {
                        return exec_err!(
                            "CAST to TIMESTAMP_LTZ: '{}' is out of range",
                            s.value(i)
                        );
                    }
                }
            }
        }
    }
    let values: ArrayRef = Arc::new(out.finish());
    let typed = cast(&values, &DataType::Timestamp(to.clone(), None))?;
    Ok(ColumnarValue::Array(cast(&typed, ret)?))
}
