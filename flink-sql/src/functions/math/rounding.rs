//! ABS, SIGN, CEIL / CEILING and FLOOR on every numeric type, keeping Flink's types: the
//! argument's type, except that CEIL / FLOOR of DECIMAL(p, s) is DECIMAL(p, 0).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use crate::functions::args::{arrays, eval_rows, result};
use crate::functions::scalar;

/// What one of these functions does to each kind of number.
pub struct Ops {
    int: fn(i64) -> i64,
    float: fn(f64) -> f64,
    /// (unscaled value, scale) -> unscaled value at the result scale
    dec: fn(i128, i8) -> i128,
    /// whether the DECIMAL result has scale 0 (CEIL, FLOOR)
    dec_scale0: bool,
}

fn coerce(name: &str, t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 1 {
        return plan_err!(
            "{} takes one numeric argument, got {}",
            name.to_uppercase(),
            t.len()
        );
    }
    match &t[0] {
        DataType::Null => Ok(vec![DataType::Int32]),
        t if t.is_integer() || t.is_floating() || matches!(t, DataType::Decimal128(_, _)) => {
            Ok(vec![t.clone()])
        }
        t => plan_err!(
            "Cannot apply '{}' to arguments of type '{}({})'. Supported form(s): '{}(<NUMERIC>)'",
            name.to_uppercase(),
            name.to_uppercase(),
            crate::types::flink_name(t),
            name.to_uppercase()
        ),
    }
}

fn ret_type(t: &[DataType], scale0: bool) -> Result<DataType> {
    Ok(match &t[0] {
        DataType::Decimal128(p, _) if scale0 => DataType::Decimal128(*p, 0),
        DataType::Null => DataType::Int32,
        t => t.clone(),
    })
}

pub fn eval(
    ops: &Ops,
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let a = &a[0];
    macro_rules! ints {
        ($t:ty, $n:ty) => {{
            let out: arrow::array::PrimitiveArray<$t> =
                a.as_primitive::<$t>().unary(|v| (ops.int)(v as i64) as $n);
            Arc::new(out) as ArrayRef
        }};
    }
    let out: ArrayRef = match a.data_type() {
        DataType::Int8 => ints!(Int8Type, i8),
        DataType::Int16 => ints!(Int16Type, i16),
        DataType::Int32 => ints!(Int32Type, i32),
        DataType::Int64 => ints!(Int64Type, i64),
        DataType::Float32 => {
            let out: arrow::array::Float32Array = a
                .as_primitive::<Float32Type>()
                .unary(|v| (ops.float)(v as f64) as f32);
            Arc::new(out)
        }
        DataType::Float64 => {
            let out: arrow::array::Float64Array = a.as_primitive::<Float64Type>().unary(ops.float);
            Arc::new(out)
        }
        DataType::Decimal128(_, s) => {
            let s = *s;
            let DataType::Decimal128(rp, rs) = ret else {
                return exec_err!("decimal result expected, got {ret}");
            };
            let limit = 10i128.pow(*rp as u32);
            let src = a.as_primitive::<Decimal128Type>();
            let out: arrow::array::Decimal128Array = src
                .iter()
                .map(|v| v.map(|v| (ops.dec)(v, s)).filter(|v| v.abs() < limit))
                .collect();
            Arc::new(out.with_precision_and_scale(*rp, *rs)?)
        }
        DataType::Null => a.clone(),
        other => return exec_err!("numeric argument expected, got {other}"),
    };
    let out = if out.data_type() != ret {
        cast(&out, ret)?
    } else {
        out
    };
    let _ = out.len();
    result(args, out)
}

macro_rules! numeric1 {
    ($name:literal, $ops:expr) => {{
        const OPS: Ops = $ops;
        fn ev(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
            eval(&OPS, args, rows, ret)
        }
        fn rt(t: &[DataType]) -> Result<DataType> {
            ret_type(t, OPS.dec_scale0)
        }
        scalar(
            $name,
            Signature::user_defined(Volatility::Immutable),
            rt,
            ev,
        )
        .coerced(|t| coerce($name, t))
        .build()
    }};
}

fn pow10(s: i8) -> i128 {
    10i128.pow(s.max(0) as u32)
}

fn dec_ceil(v: i128, s: i8) -> i128 {
    let p = pow10(s);
    let q = v.div_euclid(p);
    if v.rem_euclid(p) == 0 { q } else { q + 1 }
}

fn dec_floor(v: i128, s: i8) -> i128 {
    v.div_euclid(pow10(s))
}

/// Java's Math.signum: NaN and ±0.0 are returned as they are.
fn signum(v: f64) -> f64 {
    if v == 0.0 || v.is_nan() {
        v
    } else {
        v.signum()
    }
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        numeric1!(
            "abs",
            Ops {
                int: i64::wrapping_abs,
                float: f64::abs,
                dec: |v, _| v.abs(),
                dec_scale0: false
            }
        ),
        numeric1!(
            "sign",
            Ops {
                int: i64::signum,
                float: signum,
                dec: |v, s| v.signum() * pow10(s),
                dec_scale0: false
            }
        ),
        numeric1!(
            "ceil",
            Ops {
                int: |v| v,
                float: f64::ceil,
                dec: dec_ceil,
                dec_scale0: true
            }
        ),
        numeric1!(
            "ceiling",
            Ops {
                int: |v| v,
                float: f64::ceil,
                dec: dec_ceil,
                dec_scale0: true
            }
        ),
        numeric1!(
            "floor",
            Ops {
                int: |v| v,
                float: f64::floor,
                dec: dec_floor,
                dec_scale0: true
            }
        ),
    ]
}
