//! DECIMAL arithmetic with Flink's result types (`LogicalTypeMerging`: the SQL standard's
//! precision/scale rules, then at most 38 digits keeping at least 6 of scale) and Flink's
//! values: exact, rounded HALF_UP to the result scale, NULL when the result does not fit.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Decimal128Builder};
use arrow::datatypes::{DataType, Decimal128Type, i256};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Operator, ScalarUDF, Signature, Volatility};

use crate::functions::args::{arrays, eval_rows, result};
use crate::functions::scalar;

pub const MAX_PRECISION: u8 = 38;

/// Flink's `adjustPrecisionScale`: a precision over 38 gives up scale, keeping at least
/// `min(scale, 6)` fraction digits.
pub fn adjust(precision: i32, scale: i32) -> (u8, i8) {
    if precision <= MAX_PRECISION as i32 {
        return (precision.max(1) as u8, scale as i8);
    }
    let int_digits = precision - scale;
    let min_scale = scale.min(6);
    let scale = (MAX_PRECISION as i32 - int_digits).max(min_scale);
    (MAX_PRECISION, scale as i8)
}

/// Flink's result type of `a op b` on DECIMAL(p1, s1) and DECIMAL(p2, s2).
pub fn result_type(op: Operator, (p1, s1): (u8, i8), (p2, s2): (u8, i8)) -> Option<(u8, i8)> {
    let (p1, s1, p2, s2) = (p1 as i32, s1 as i32, p2 as i32, s2 as i32);
    Some(match op {
        Operator::Plus | Operator::Minus => {
            let s = s1.max(s2);
            adjust((p1 - s1).max(p2 - s2) + s + 1, s)
        }
        Operator::Multiply => adjust(p1 + p2 + 1, s1 + s2),
        Operator::Divide => {
            let s = 6.max(s1 + p2 + 1);
            adjust(p1 - s1 + s2 + s, s)
        }
        Operator::Modulo => {
            let s = s1.max(s2);
            adjust((p1 - s1).min(p2 - s2) + s, s)
        }
        _ => return None,
    })
}

fn pow10(n: u32) -> i256 {
    i256::from_i128(10).wrapping_pow(n)
}

/// `v` (at scale `from`) at scale `to`, HALF_UP.
pub fn rescale(v: i256, from: i32, to: i32) -> Option<i256> {
    if to >= from {
        v.checked_mul(pow10((to - from) as u32))
    } else {
        div_half_up(v, pow10((from - to) as u32))
    }
}

/// `a / b` rounded HALF_UP (away from zero on ties).
pub fn div_half_up(a: i256, b: i256) -> Option<i256> {
    let q = a.checked_div(b)?;
    let r = a.checked_rem(b)?;
    let two_r = r.checked_mul(i256::from_i128(2))?.wrapping_abs();
    if two_r >= b.wrapping_abs() {
        let neg = (a < i256::ZERO) != (b < i256::ZERO);
        Some(if neg {
            q.wrapping_sub(i256::ONE)
        } else {
            q.wrapping_add(i256::ONE)
        })
    } else {
        Some(q)
    }
}

fn fits(v: i256, precision: u8) -> Option<i128> {
    let limit = pow10(precision as u32);
    if v.wrapping_abs() >= limit {
        return None;
    }
    v.to_i128()
}

fn op_of(name: &str) -> Operator {
    match name {
        NAME_PLUS => Operator::Plus,
        NAME_MINUS => Operator::Minus,
        NAME_TIMES => Operator::Multiply,
        NAME_DIVIDE => Operator::Divide,
        _ => Operator::Modulo,
    }
}

pub const NAME_PLUS: &str = "flink_decimal_plus";
pub const NAME_MINUS: &str = "flink_decimal_minus";
pub const NAME_TIMES: &str = "flink_decimal_times";
pub const NAME_DIVIDE: &str = "flink_decimal_divide";
pub const NAME_MOD: &str = "flink_decimal_mod";

/// The UDF name for an arithmetic operator on decimals.
pub fn udf_name(op: Operator) -> Option<&'static str> {
    Some(match op {
        Operator::Plus => NAME_PLUS,
        Operator::Minus => NAME_MINUS,
        Operator::Multiply => NAME_TIMES,
        Operator::Divide => NAME_DIVIDE,
        Operator::Modulo => NAME_MOD,
        _ => return None,
    })
}

pub fn dec(t: &DataType) -> Option<(u8, i8)> {
    match t {
        DataType::Decimal128(p, s) => Some((*p, *s)),
        DataType::Int8 => Some((3, 0)),
        DataType::Int16 => Some((5, 0)),
        DataType::Int32 => Some((10, 0)),
        DataType::Int64 => Some((19, 0)),
        _ => None,
    }
}

fn coerce(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 2 {
        return plan_err!("decimal arithmetic takes 2 arguments");
    }
    t.iter()
        .map(|t| match dec(t) {
            Some((p, s)) => Ok(DataType::Decimal128(p, s)),
            None if *t == DataType::Null => Ok(DataType::Decimal128(1, 0)),
            None => plan_err!("decimal arithmetic on {t}"),
        })
        .collect()
}

macro_rules! decimal_udf {
    ($name:expr) => {{
        fn ret(t: &[DataType]) -> Result<DataType> {
            let (Some(a), Some(b)) = (dec(&t[0]), dec(&t[1])) else {
                return plan_err!("decimal arithmetic on {} and {}", t[0], t[1]);
            };
            let (p, s) = result_type(op_of($name), a, b).expect("arithmetic operator");
            Ok(DataType::Decimal128(p, s))
        }
        fn eval(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
            eval_decimal(op_of($name), args, rows, ret)
        }
        scalar(
            $name,
            Signature::user_defined(Volatility::Immutable),
            ret,
            eval,
        )
        .coerced(coerce)
        .build()
    }};
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        decimal_udf!(NAME_PLUS),
        decimal_udf!(NAME_MINUS),
        decimal_udf!(NAME_TIMES),
        decimal_udf!(NAME_DIVIDE),
        decimal_udf!(NAME_MOD),
    ]
}

pub fn eval_decimal(
    op: Operator,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let (DataType::Decimal128(_, s1), DataType::Decimal128(_, s2), DataType::Decimal128(rp, rs)) = (
        a[0].data_type().clone(),
        a[1].data_type().clone(),
        ret.clone(),
    ) else {
        return exec_err!(
            "decimal arithmetic on {} and {}",
            a[0].data_type(),
            a[1].data_type()
        );
    };
    let (x, y) = (
        a[0].as_primitive::<Decimal128Type>(),
        a[1].as_primitive::<Decimal128Type>(),
    );
    let (s1, s2, rs) = (s1 as i32, s2 as i32, rs as i32);
    let mut out = Decimal128Builder::with_capacity(n);
    for i in 0..n {
        if x.is_null(i) || y.is_null(i) {
            out.append_null();
            continue;
        }
        match apply(op, (x.value(i), s1), (y.value(i), s2), (rp, rs))? {
            Some(r) => out.append_value(r),
            None => out.append_null(),
        }
    }
    let arr: ArrayRef = Arc::new(out.finish().with_precision_and_scale(rp, rs as i8)?);
    result(args, arr)
}

/// `u op v` (unscaled values at scales `s1`, `s2`) at the result type `(rp, rs)`: exact,
/// rounded HALF_UP to `rs`, None when it does not fit; division by zero is an error.
pub fn apply(
    op: Operator,
    (u, s1): (i128, i32),
    (v, s2): (i128, i32),
    (rp, rs): (u8, i32),
) -> Result<Option<i128>> {
    let x = u;
    let (u, v) = (i256::from_i128(u), i256::from_i128(v));
    let exact: Option<i256> = match op {
        Operator::Plus | Operator::Minus | Operator::Modulo => {
            let s = s1.max(s2);
            let (u, v) = (rescale(u, s1, s).unwrap(), rescale(v, s2, s).unwrap());
            match op {
                Operator::Plus => u.checked_add(v).and_then(|r| rescale(r, s, rs)),
                Operator::Minus => u.checked_sub(v).and_then(|r| rescale(r, s, rs)),
                _ => {
                    if v == i256::ZERO {
                        return exec_err!(
                            "MOD: division by zero ({} % 0)",
                            crate::cast_text::decimal_text(x, s1 as i8)
                        );
                    }
                    u.checked_rem(v).and_then(|r| rescale(r, s, rs))
                }
            }
        }
        Operator::Multiply => u.checked_mul(v).and_then(|r| rescale(r, s1 + s2, rs)),
        _ => {
            if v == i256::ZERO {
                return exec_err!(
                    "divide: division by zero ({} / 0)",
                    crate::cast_text::decimal_text(x, s1 as i8)
                );
            }
            // u / 10^s1 / (v / 10^s2) at scale rs = u * 10^(rs - s1 + s2) / v
            let shift = rs - s1 + s2;
            if shift >= 0 {
                u.checked_mul(pow10(shift as u32))
                    .and_then(|n| div_half_up(n, v))
            } else {
                v.checked_mul(pow10((-shift) as u32))
                    .and_then(|d| div_half_up(u, d))
            }
        }
    };
    Ok(exact.and_then(|r| fits(r, rp)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_decimal_result_types() {
        assert_eq!(result_type(Operator::Plus, (5, 2), (10, 3)), Some((11, 3)));
        assert_eq!(
            result_type(Operator::Multiply, (5, 2), (10, 3)),
            Some((16, 5))
        );
        assert_eq!(
            result_type(Operator::Multiply, (38, 10), (20, 2)),
            Some((38, 6))
        );
        assert_eq!(adjust(40, 10), (38, 8));
    }

    #[test]
    fn half_up() {
        let d = |a: i128, b: i128| {
            div_half_up(i256::from_i128(a), i256::from_i128(b))
                .unwrap()
                .to_i128()
                .unwrap()
        };
        assert_eq!(d(5, 2), 3);
        assert_eq!(d(-5, 2), -3);
        assert_eq!(d(4, 3), 1);
        assert_eq!(d(-7, 3), -2);
    }
}
