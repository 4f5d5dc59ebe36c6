//! ROUND(x [, d]) and TRUNCATE(x [, d]) as Flink computes them (`SqlFunctionUtils.sround`,
//! `struncate`): on the decimal value, HALF_UP (ROUND) or DOWN (TRUNCATE) at `d` digits
//! after the point (before it when `d` is negative).
//! - DOUBLE / FLOAT: the number's shortest decimal text (Java's `BigDecimal.valueOf`), so
//!   `ROUND(1.45e0, 1)` is 1.5, not the 1.4 of the binary value; the type is kept;
//! - integers: the type is kept and an overflow wraps (Java's `intValue()`);
//! - DECIMAL(p, s): Flink's `findRoundDecimalType` — DECIMAL(p, s) when `d >= s`,
//!   DECIMAL(1 + p - s, 0) when `d < 0`, else DECIMAL(1 + p - s + d, d) (rounding may add
//!   a digit); `d` must be a constant then.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Decimal128Array, Int64Array, PrimitiveArray};
use arrow::compute::cast;
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Decimal128Type, Field, FieldRef, Float32Type, Float64Type,
    Int8Type, Int16Type, Int32Type, Int64Type,
};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::functions::args::{arrays, eval_rows, result};

#[derive(Debug, PartialEq, Eq, Hash)]
struct Round {
    name: &'static str,
    /// TRUNCATE (rounding DOWN) rather than ROUND (HALF_UP)
    truncate: bool,
    signature: Signature,
}

pub fn functions() -> Vec<ScalarUDF> {
    [("round", false), ("truncate", true)]
        .into_iter()
        .map(|(name, truncate)| {
            ScalarUDF::new_from_impl(Round {
                name,
                truncate,
                signature: Signature::user_defined(Volatility::Immutable),
            })
        })
        .collect()
}

/// Flink's `LogicalTypeMerging.findRoundDecimalType`.
pub fn round_decimal_type(precision: u8, scale: i8, digits: i64) -> (u8, i8) {
    let (p, s) = (precision as i64, scale as i64);
    if digits >= s {
        (precision, scale)
    } else if digits < 0 {
        ((1 + p - s).clamp(1, 38) as u8, 0)
    } else {
        ((1 + p - s + digits).clamp(1, 38) as u8, digits as i8)
    }
}

fn constant_digits(v: Option<&ScalarValue>) -> Option<Option<i64>> {
    let v = v?;
    if v.is_null() {
        return Some(None);
    }
    match v.cast_to(&DataType::Int64).ok()? {
        ScalarValue::Int64(d) => Some(d),
        _ => None,
    }
}

impl ScalarUDFImpl for Round {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        let upper = self.name.to_uppercase();
        if t.is_empty() || t.len() > 2 {
            return plan_err!("{upper} takes 1 or 2 arguments, got {}", t.len());
        }
        let x = match &t[0] {
            DataType::Null => DataType::Int32,
            x if x.is_integer() || x.is_floating() || matches!(x, DataType::Decimal128(_, _)) => {
                x.clone()
            }
            x => {
                return plan_err!(
                    "Cannot apply '{upper}' to arguments of type '{upper}({})'. Supported form(s): '{upper}(<NUMERIC>, <INTEGER>)'",
                    crate::types::flink_name(x)
                );
            }
        };
        let mut out = vec![x];
        if let Some(d) = t.get(1) {
            // an integer `d` keeps its type, so a constant stays a literal for the DECIMAL
            // result type (a cast would hide it)
            out.push(match d {
                DataType::Null => DataType::Int32,
                d if d.is_integer() => d.clone(),
                d => {
                    return plan_err!(
                        "Cannot apply '{upper}': its second argument must be an integer, got {}",
                        crate::types::flink_name(d)
                    );
                }
            });
        }
        Ok(out)
    }

    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        // DECIMAL needs the constant `d`: return_field_from_args answers
        Ok(t[0].clone())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let t = args.arg_fields[0].data_type();
        let ret = match t {
            DataType::Decimal128(p, s) => {
                let d = if args.arg_fields.len() < 2 {
                    Some(0)
                } else {
                    match constant_digits(args.scalar_arguments.get(1).copied().flatten()) {
                        Some(d) => d,
                        None => {
                            return plan_err!(
                                "{} of a DECIMAL takes a constant number of digits",
                                self.name.to_uppercase()
                            );
                        }
                    }
                };
                let (rp, rs) = round_decimal_type(*p, *s, d.unwrap_or(0));
                DataType::Decimal128(rp, rs)
            }
            DataType::Null => DataType::Int32,
            t => t.clone(),
        };
        Ok(Arc::new(Field::new(self.name, ret, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        eval(
            self.truncate,
            &args.args,
            args.number_rows,
            args.return_field.data_type(),
        )
    }
}

fn eval(
    truncate: bool,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let digits: Int64Array = match a.get(1) {
        Some(d) => cast(d, &DataType::Int64)?
            .as_primitive::<Int64Type>()
            .clone(),
        None => Int64Array::from_value(0, n),
    };
    let x = &a[0];
    let d = |i: usize| digits.is_valid(i).then(|| digits.value(i));
    fn ints<T: ArrowPrimitiveType>(
        x: &ArrayRef,
        d: impl Fn(usize) -> Option<i64>,
        truncate: bool,
        wrap: fn(i128) -> T::Native,
        from: fn(T::Native) -> i128,
    ) -> ArrayRef {
        let x = x.as_primitive::<T>();
        let out: PrimitiveArray<T> = (0..x.len())
            .map(|i| {
                let (v, d) = (x.is_valid(i).then(|| x.value(i))?, d(i)?);
                Some(wrap(round_int(from(v), d, truncate)))
            })
            .collect();
        Arc::new(out)
    }
    let out: ArrayRef = match x.data_type() {
        DataType::Int8 => ints::<Int8Type>(x, d, truncate, |v| v as i8, |v| v as i128),
        DataType::Int16 => ints::<Int16Type>(x, d, truncate, |v| v as i16, |v| v as i128),
        DataType::Int32 => ints::<Int32Type>(x, d, truncate, |v| v as i32, |v| v as i128),
        DataType::Int64 => ints::<Int64Type>(x, d, truncate, |v| v as i64, |v| v as i128),
        DataType::Float64 => {
            let x = x.as_primitive::<Float64Type>();
            let out: PrimitiveArray<Float64Type> = (0..n)
                .map(|i| {
                    let (v, d) = (x.is_valid(i).then(|| x.value(i))?, d(i)?);
                    Some(round_text(v, &format!("{v:e}"), d, truncate))
                })
                .collect();
            Arc::new(out)
        }
        DataType::Float32 => {
            let x = x.as_primitive::<Float32Type>();
            let out: PrimitiveArray<Float32Type> = (0..n)
                .map(|i| {
                    let (v, d) = (x.is_valid(i).then(|| x.value(i))?, d(i)?);
                    Some(round_text(v, &format!("{v:e}"), d, truncate))
                })
                .collect();
            Arc::new(out)
        }
        DataType::Decimal128(_, s) => {
            let DataType::Decimal128(rp, rs) = ret else {
                return exec_err!("a DECIMAL result was expected, got {ret}");
            };
            let x = x.as_primitive::<Decimal128Type>();
            let limit = 10i128.pow(*rp as u32);
            let out: Decimal128Array = (0..n)
                .map(|i| {
                    let (v, d) = (x.is_valid(i).then(|| x.value(i))?, d(i)?);
                    round_decimal(v, *s, d, *rs, truncate).filter(|v| v.abs() < limit)
                })
                .collect();
            Arc::new(out.with_precision_and_scale(*rp, *rs)?)
        }
        DataType::Null => x.clone(),
        other => return exec_err!("a numeric argument was expected, got {other}"),
    };
    let out = if out.data_type() != ret {
        cast(&out, ret)?
    } else {
        out
    };
    result(args, out)
}

/// `v / f` rounded HALF_UP (away from zero on a tie) or DOWN (toward zero).
fn div_round(v: i128, f: i128, truncate: bool) -> i128 {
    let (q, r) = (v / f, v % f);
    if !truncate && r.abs() * 2 >= f {
        q + v.signum()
    } else {
        q
    }
}

fn pow10(e: i64) -> Option<i128> {
    (0..=38).contains(&e).then(|| 10i128.pow(e as u32))
}

/// An integer rounded (or truncated) at `d` digits (only a negative `d` changes it).
pub fn round_int(v: i128, d: i64, truncate: bool) -> i128 {
    if d >= 0 {
        return v;
    }
    match pow10(-d) {
        Some(f) => div_round(v, f, truncate) * f,
        None => 0,
    }
}

/// A DECIMAL's unscaled `v` at `scale`, rounded at `d` digits, as unscaled at `out_scale`
/// (None when it does not fit in 128 bits).
pub fn round_decimal(v: i128, scale: i8, d: i64, out_scale: i8, truncate: bool) -> Option<i128> {
    let s = scale as i64;
    if d >= s {
        return Some(v);
    }
    let q = match pow10(s - d) {
        Some(f) => div_round(v, f, truncate),
        None => 0,
    };
    // q counts units of 10^-d; the result counts units of 10^-out_scale
    let shift = out_scale as i64 - d;
    if shift >= 0 {
        q.checked_mul(pow10(shift)?)
    } else {
        Some(q / pow10(-shift)?)
    }
}

/// A DOUBLE rounded (or truncated) at `d` digits on its shortest decimal text.
pub fn round_double(v: f64, d: i64, truncate: bool) -> f64 {
    round_text(v, &format!("{v:e}"), d, truncate)
}

/// A float rounded on its shortest decimal text `sci` (`{:e}` form, e.g. `1.45e0`).
fn round_text<F: std::str::FromStr + Copy + Default>(v: F, sci: &str, d: i64, truncate: bool) -> F {
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return v; // NaN, inf
    };
    let Ok(exp) = exp.parse::<i64>() else {
        return v;
    };
    let negative = mantissa.starts_with('-');
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // digit i stands for 10^(exp - i); keep those down to 10^-d
    let keep = exp + 1 + d;
    if keep >= digits.len() as i64 {
        return v;
    }
    let round_up = !truncate && keep >= 0 && digits[keep as usize] >= 5;
    let mut kept: Vec<u8> = digits[..keep.max(0) as usize].to_vec();
    if round_up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    if kept.iter().all(|&k| k == 0) {
        // BigDecimal has no negative zero
        return "0".parse().unwrap_or_default();
    }
    let text: String = kept.iter().map(|k| (b'0' + k) as char).collect();
    let sign = if negative { "-" } else { "" };
    format!("{sign}{text}e{}", -d).parse().unwrap_or(v)
}
