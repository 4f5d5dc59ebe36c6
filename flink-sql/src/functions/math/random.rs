//! RAND([seed]) and RAND_INTEGER([seed,] bound) as Flink computes them, with
//! `java.util.Random`: RAND is `nextDouble()` (DOUBLE in [0, 1)), RAND_INTEGER is
//! `nextInt(bound)` (INT in [0, bound)). A constant seed gives the sequence of one
//! `new Random(seed)` over the rows (Flink keeps one per operator instance; Weft starts it
//! again for each batch); a seed from a column seeds each row's own `Random`. Without a
//! seed, the generator is seeded at random.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int32Type, Int64Type};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use crate::functions::scalar;

/// `java.util.Random`'s 48-bit linear congruential generator.
pub struct JavaRandom(u64);

const MULTIPLIER: u64 = 0x5DEECE66D;
const MASK: u64 = (1 << 48) - 1;

impl JavaRandom {
    pub fn new(seed: i64) -> Self {
        JavaRandom((seed as u64 ^ MULTIPLIER) & MASK)
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.0 = (self.0.wrapping_mul(MULTIPLIER).wrapping_add(0xB)) & MASK;
        (self.0 >> (48 - bits)) as i64 as i32
    }

    pub fn next_double(&mut self) -> f64 {
        let hi = (self.next(26) as i64) << 27;
        let lo = self.next(27) as i64;
        (hi + lo) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `nextInt(bound)`, `bound` > 0.
    pub fn next_int(&mut self, bound: i32) -> i32 {
        if bound & (bound - 1) == 0 {
            return ((bound as i64 * self.next(31) as i64) >> 31) as i32;
        }
        loop {
            let bits = self.next(31);
            let val = bits % bound;
            if bits.wrapping_sub(val).wrapping_add(bound - 1) >= 0 {
                return val;
            }
        }
    }
}

fn integer_args(
    name: &str,
    t: &[DataType],
    n: std::ops::RangeInclusive<usize>,
) -> Result<Vec<DataType>> {
    if !n.contains(&t.len()) {
        return plan_err!("{name} takes {n:?} integer argument(s), got {}", t.len());
    }
    t.iter()
        .map(|t| {
            if t.is_integer() || *t == DataType::Null {
                Ok(DataType::Int64)
            } else {
                plan_err!(
                    "Cannot apply '{name}' to an argument of type {}",
                    crate::types::flink_name(t)
                )
            }
        })
        .collect()
}

/// The seed of each row: one generator for a constant seed (or none), one per row for a
/// column. `draw` takes a generator and the row's other argument.
fn generate<T>(
    seed: Option<&ColumnarValue>,
    rows: usize,
    mut draw: impl FnMut(&mut JavaRandom, usize) -> Option<T>,
) -> Result<Vec<Option<T>>> {
    match seed {
        None => {
            let mut r = JavaRandom::new(rand::random::<i64>());
            Ok((0..rows).map(|i| draw(&mut r, i)).collect())
        }
        Some(ColumnarValue::Scalar(s)) => {
            let s = s.cast_to(&DataType::Int64)?;
            let datafusion::common::ScalarValue::Int64(s) = s else {
                return exec_err!("an integer seed was expected");
            };
            // Flink: a NULL seed is seed 0
            let mut r = JavaRandom::new(s.unwrap_or(0));
            Ok((0..rows).map(|i| draw(&mut r, i)).collect())
        }
        Some(ColumnarValue::Array(a)) => {
            let a = cast(a, &DataType::Int64)?;
            let a = a.as_primitive::<Int64Type>();
            Ok((0..rows)
                .map(|i| {
                    let mut r = JavaRandom::new(if a.is_valid(i) { a.value(i) } else { 0 });
                    draw(&mut r, i)
                })
                .collect())
        }
    }
}

fn eval_rand(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let out = generate(args.first(), rows, |r, _| Some(r.next_double()))?;
    Ok(ColumnarValue::Array(
        Arc::new(Float64Array::from(out)) as ArrayRef
    ))
}

fn eval_rand_integer(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let bound = cast(&args[args.len() - 1].to_array(rows)?, &DataType::Int32)?;
    let bound = bound.as_primitive::<Int32Type>().clone();
    if let Some(b) = bound.iter().flatten().find(|b| *b <= 0) {
        return exec_err!("RAND_INTEGER: bound must be positive, got {b}");
    }
    let seed = (args.len() == 2).then(|| &args[0]);
    let out = generate(seed, rows, |r, i| {
        bound.is_valid(i).then(|| r.next_int(bound.value(i)))
    })?;
    Ok(ColumnarValue::Array(
        Arc::new(Int32Array::from(out)) as ArrayRef
    ))
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            "rand",
            Signature::user_defined(Volatility::Volatile),
            |_| Ok(DataType::Float64),
            eval_rand,
        )
        .coerced(|t| integer_args("RAND", t, 0..=1))
        .volatile()
        .build(),
        scalar(
            "rand_integer",
            Signature::user_defined(Volatility::Volatile),
            |_| Ok(DataType::Int32),
            eval_rand_integer,
        )
        .coerced(|t| integer_args("RAND_INTEGER", t, 1..=2))
        .volatile()
        .build(),
    ]
}
