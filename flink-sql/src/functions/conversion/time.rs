//! `CAST(x AS TIME[(p)])` and `TRY_CAST`, as Flink casts: from a string `H[H][:m[m][:s[s][.f…]]]`
//! (spaces trimmed, the fraction read as milliseconds, rounded), from a TIMESTAMP (its time
//! of day) or from a TIME, then cut to the precision. Flink's TIME holds at most
//! milliseconds, so `TIME(p)` above 3 is TIME(3); `TIME` is TIME(0).
//!
//! DataFusion's SQL has no `TIME(p)`, so `conversion::rewrite_sql` turns the cast into a
//! call of `flink_cast_to_time(x, p)`; TIME(0) is Arrow's Time32(Second), TIME(3)
//! Time32(Millisecond).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Time32MillisecondArray, Time32SecondArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, TimeUnit};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::functions::args::utf8;
use crate::types::flink_name;

pub const CAST_TO_TIME: &str = "flink_cast_to_time";
pub const TRY_CAST_TO_TIME: &str = "flink_try_cast_to_time";

const DAY_MS: i64 = 86_400_000;

pub fn functions() -> Vec<ScalarUDF> {
    [false, true]
        .into_iter()
        .map(|try_| {
            ScalarUDF::new_from_impl(CastTime {
                try_,
                signature: Signature::any(2, Volatility::Immutable),
            })
        })
        .collect()
}

/// The milliseconds of the day a Flink time string gives, or None when it is not one.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim_matches(' ');
    let (hms, frac) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let field = |p: &str, max: i64| -> Option<i64> {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: i64 = p.parse().ok()?;
        (v <= max).then_some(v)
    };
    let h = field(parts[0], 23)?;
    let m = parts.get(1).map_or(Some(0), |p| field(p, 59))?;
    let sec = parts.get(2).map_or(Some(0), |p| field(p, 59))?;
    let ms = match frac {
        None => 0,
        Some(f) if parts.len() == 3 && !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            // milliseconds, rounded half up on the digits after the third
            let digits: Vec<i64> = f.bytes().map(|b| (b - b'0') as i64).collect();
            let mut ms = 0;
            for i in 0..3 {
                ms = ms * 10 + digits.get(i).copied().unwrap_or(0);
            }
            if digits.get(3).is_some_and(|d| *d >= 5) {
                ms += 1;
            }
            ms
        }
        Some(_) => return None,
    };
    let total = ((h * 60 + m) * 60 + sec) * 1000 + ms;
    (total < DAY_MS).then_some(total)
}

fn precision(arg: Option<&ScalarValue>) -> Result<u8> {
    let p = match arg {
        Some(ScalarValue::Int64(Some(p))) => *p,
        Some(ScalarValue::Int32(Some(p))) => *p as i64,
        _ => return plan_err!("CAST to TIME: the precision must be a literal"),
    };
    match p {
        0 => Ok(0),
        // Flink keeps at most milliseconds
        3..=9 => Ok(3),
        1 | 2 => plan_err!(
            "CAST to TIME({p}) is not supported by Weft yet (Weft has TIME(0) and TIME(3)); Weft refuses it rather than answer differently from Flink"
        ),
        _ => plan_err!("TIME({p}): the precision must be between 0 and 9"),
    }
}

fn time_type(p: u8) -> DataType {
    if p == 0 {
        DataType::Time32(TimeUnit::Second)
    } else {
        DataType::Time32(TimeUnit::Millisecond)
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CastTime {
    try_: bool,
    signature: Signature,
}

impl CastTime {
    fn what(&self) -> &'static str {
        if self.try_ { "TRY_CAST" } else { "CAST" }
    }
}

impl ScalarUDFImpl for CastTime {
    fn name(&self) -> &str {
        if self.try_ {
            TRY_CAST_TO_TIME
        } else {
            CAST_TO_TIME
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!("{}'s type depends on its precision literal", self.name())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let p = precision(args.scalar_arguments.get(1).copied().flatten())?;
        let source = args.arg_fields[0].data_type();
        let ok = matches!(
            source,
            DataType::Null
                | DataType::Utf8
                | DataType::Utf8View
                | DataType::LargeUtf8
                | DataType::Time32(_)
                | DataType::Time64(_)
                | DataType::Timestamp(_, None)
        );
        if !ok {
            return plan_err!(
                "Cast function cannot convert value of type {} to type TIME({p})",
                flink_name(source)
            );
        }
        Ok(Arc::new(Field::new(self.name(), time_type(p), true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let n = if scalar { 1 } else { args.number_rows };
        let a = args.args[0].to_array(n)?;
        let ms: Vec<Option<i64>> = match a.data_type() {
            DataType::Null => vec![None; n],
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => {
                let s = utf8(&a)?;
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    if s.is_null(i) {
                        out.push(None);
                        continue;
                    }
                    match parse_time(s.value(i)) {
                        Some(v) => out.push(Some(v)),
                        None if self.try_ => out.push(None),
                        None => {
                            return exec_err!(
                                "{} to TIME: Invalid time format: '{}'. Expected format: HH:mm:ss[.fff] where HH is 00-23, mm is 00-59, ss is 00-59",
                                self.what(),
                                s.value(i)
                            );
                        }
                    }
                }
                out
            }
            DataType::Timestamp(_, None) => {
                let ms = cast(&a, &DataType::Timestamp(TimeUnit::Millisecond, None))?;
                let ms = ms.as_primitive::<arrow::datatypes::TimestampMillisecondType>();
                ms.iter().map(|v| v.map(|v| v.rem_euclid(DAY_MS))).collect()
            }
            DataType::Time32(_) | DataType::Time64(_) => {
                let ms = cast(&a, &DataType::Time32(TimeUnit::Millisecond))?;
                let ms = ms.as_primitive::<arrow::datatypes::Time32MillisecondType>();
                ms.iter().map(|v| v.map(|v| v as i64)).collect()
            }
            other => return exec_err!("CAST to TIME of {other}"),
        };
        let out: ArrayRef = match args.return_field.data_type() {
            DataType::Time32(TimeUnit::Second) => Arc::new(Time32SecondArray::from(
                ms.iter()
                    .map(|v| v.map(|v| (v / 1000) as i32))
                    .collect::<Vec<_>>(),
            )),
            _ => Arc::new(Time32MillisecondArray::from(
                ms.iter().map(|v| v.map(|v| v as i32)).collect::<Vec<_>>(),
            )),
        };
        Ok(if scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn flinks_time_strings() {
        let t = |h: i64, m: i64, s: i64, ms: i64| Some(((h * 60 + m) * 60 + s) * 1000 + ms);
        assert_eq!(parse_time("03:04:05.678"), t(3, 4, 5, 678));
        assert_eq!(parse_time(" 3:4:5 "), t(3, 4, 5, 0));
        assert_eq!(parse_time("03"), t(3, 0, 0, 0));
        assert_eq!(parse_time("03:04"), t(3, 4, 0, 0));
        assert_eq!(parse_time("03:04:05.678912"), t(3, 4, 5, 679));
        assert_eq!(parse_time("03:04:05.9999"), t(3, 4, 6, 0));
        for bad in [
            "x",
            "24:00:00",
            "03:04:60",
            "-01:00:00",
            "",
            "03:04:05.",
            "1:2:3:4",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
