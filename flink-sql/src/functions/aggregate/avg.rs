//! Flink's AVG: the argument's type for integers (the BIGINT sum divided by the count,
//! truncated toward zero, as Java's integer division), FLOAT / DOUBLE over a DOUBLE sum,
//! and DECIMAL(38, max(6, s)) for DECIMAL(p, s): the exact sum divided by the count,
//! rounded half up (the sum of a DECIMAL(38, s), NULL once it overflows).

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListArray};
use arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Float64Type, Int64Type, i256};
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, GroupsAccumulator, Signature, Volatility,
};

use groups::AvgGroups;

#[path = "avg_groups.rs"]
mod groups;

pub fn avg() -> AggregateUDF {
    AggregateUDF::new_from_impl(Avg {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Avg {
    signature: Signature,
}

/// Flink's AVG result type for an argument type.
pub fn avg_type(t: &DataType) -> Result<DataType> {
    Ok(match t {
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => t.clone(),
        DataType::Float32 | DataType::Float64 => t.clone(),
        DataType::Decimal128(_, s) => DataType::Decimal128(38, (*s).max(6)),
        other => return plan_err!("Flink's AVG does not take {other}"),
    })
}

impl AggregateUDFImpl for Avg {
    fn name(&self) -> &str {
        "avg"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.len() != 1 {
            return plan_err!("AVG takes one argument");
        }
        avg_type(&t[0])?;
        Ok(t.to_vec())
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        avg_type(&t[0])
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let input = args.input_fields[0].data_type().clone();
        if args.is_distinct {
            return Ok(vec![Arc::new(Field::new_list(
                "values",
                Field::new_list_field(input, true),
                true,
            ))]);
        }
        Ok(vec![
            Arc::new(Field::new("sum", sum_type(&input), true)),
            Arc::new(Field::new("count", DataType::Int64, true)),
        ])
    }
    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        !args.is_distinct
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        let input = args.expr_fields[0].data_type().clone();
        Ok(Box::new(AvgGroups::new(
            input.clone(),
            sum_type(&input),
            args.return_type().clone(),
        )))
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let input = args.expr_fields[0].data_type().clone();
        Ok(Box::new(AvgAcc {
            ret: args.return_type().clone(),
            sum_type: sum_type(&input),
            sum: zero(&input),
            input,
            count: 0,
            distinct: args.is_distinct.then(HashSet::new),
        }))
    }
}

fn sum_type(input: &DataType) -> DataType {
    match input {
        DataType::Decimal128(_, s) => DataType::Decimal128(38, *s),
        DataType::Float32 | DataType::Float64 => DataType::Float64,
        _ => DataType::Int64,
    }
}

fn zero(input: &DataType) -> Sum {
    match sum_type(input) {
        DataType::Decimal128(..) => Sum::Dec(Some(0)),
        DataType::Float64 => Sum::Float(0.0),
        _ => Sum::Int(0),
    }
}

#[derive(Debug, Clone, Copy)]
enum Sum {
    Int(i64),
    Dec(Option<i128>),
    Float(f64),
}

#[derive(Debug)]
struct AvgAcc {
    input: DataType,
    sum_type: DataType,
    ret: DataType,
    sum: Sum,
    count: i64,
    distinct: Option<HashSet<ScalarValue>>,
}

const DEC_LIMIT: i128 = 10i128.pow(38);

impl AvgAcc {
    /// Add the values of `a` (cast to the sum's type) and `counts` (None: one per value).
    fn add(&mut self, a: &ArrayRef, counts: Option<&ArrayRef>) -> Result<()> {
        let a = arrow::compute::cast(a, &self.sum_type)?;
        for i in 0..a.len() {
            if a.is_null(i) {
                continue;
            }
            self.count += counts
                .map(|c| c.as_primitive::<Int64Type>().value(i))
                .unwrap_or(1);
            self.sum = match self.sum {
                Sum::Int(s) => Sum::Int(s.wrapping_add(a.as_primitive::<Int64Type>().value(i))),
                Sum::Float(s) => Sum::Float(s + a.as_primitive::<Float64Type>().value(i)),
                Sum::Dec(s) => {
                    let v = a.as_primitive::<Decimal128Type>().value(i);
                    Sum::Dec(
                        s.and_then(|s| s.checked_add(v))
                            .filter(|s| s.abs() < DEC_LIMIT),
                    )
                }
            };
        }
        Ok(())
    }

    fn result(&self) -> Result<ScalarValue> {
        avg_result(&self.ret, &self.sum_type, self.sum, self.count)
    }
}

/// Flink's AVG of `count` values summing to `sum` (NULL for none).
fn avg_result(ret: &DataType, sum_type: &DataType, sum: Sum, count: i64) -> Result<ScalarValue> {
    {
        if count == 0 {
            return ScalarValue::try_from(ret);
        }
        let n = count;
        Ok(match (ret, sum) {
            (DataType::Int8, Sum::Int(s)) => ScalarValue::Int8(Some((s / n) as i8)),
            (DataType::Int16, Sum::Int(s)) => ScalarValue::Int16(Some((s / n) as i16)),
            (DataType::Int32, Sum::Int(s)) => ScalarValue::Int32(Some((s / n) as i32)),
            (DataType::Int64, Sum::Int(s)) => ScalarValue::Int64(Some(s.wrapping_div(n))),
            (DataType::Float32, Sum::Float(s)) => ScalarValue::Float32(Some((s / n as f64) as f32)),
            (DataType::Float64, Sum::Float(s)) => ScalarValue::Float64(Some(s / n as f64)),
            (DataType::Decimal128(p, t), Sum::Dec(s)) => {
                let from = match sum_type {
                    DataType::Decimal128(_, s) => *s,
                    _ => 0,
                };
                ScalarValue::Decimal128(s.and_then(|s| divide_half_up(s, from, n, *t)), *p, *t)
            }
            (t, _) => ScalarValue::try_from(t)?,
        })
    }
}

/// `sum` (scale `from`) / `n`, rounded half up (away from zero) to scale `to`; None when
/// the result needs more than 38 digits.
pub fn divide_half_up(sum: i128, from: i8, n: i64, to: i8) -> Option<i128> {
    let ten = i256::from_i128(10);
    let mut num = i256::from_i128(sum);
    for _ in from..to {
        num = num.wrapping_mul(ten);
    }
    let den = i256::from_i128(n as i128);
    let q = num.wrapping_div(den);
    let r = num.wrapping_rem(den);
    let two_r = r.wrapping_mul(i256::from_i128(2));
    let q = if two_r.wrapping_abs() >= den.wrapping_abs() {
        if (num < i256::ZERO) != (den < i256::ZERO) {
            q.wrapping_sub(i256::ONE)
        } else {
            q.wrapping_add(i256::ONE)
        }
    } else {
        q
    };
    q.to_i128().filter(|v| v.abs() < DEC_LIMIT)
}

impl Accumulator for AvgAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if let Some(seen) = &mut self.distinct {
            for i in 0..values[0].len() {
                if !values[0].is_null(i) {
                    seen.insert(ScalarValue::try_from_array(&values[0], i)?);
                }
            }
            return Ok(());
        }
        self.add(&values[0], None)
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        if let Some(seen) = &self.distinct {
            let mut fresh = AvgAcc {
                input: self.input.clone(),
                sum_type: self.sum_type.clone(),
                ret: self.ret.clone(),
                sum: zero(&self.input),
                count: 0,
                distinct: None,
            };
            if !seen.is_empty() {
                let a = ScalarValue::iter_to_array(seen.iter().cloned())?;
                fresh.add(&a, None)?;
            }
            return fresh.result();
        }
        self.result()
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.distinct.as_ref().map_or(0, |s| s.len() * 48)
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        if let Some(seen) = &self.distinct {
            let values: Vec<ScalarValue> = seen.iter().cloned().collect();
            return Ok(vec![ScalarValue::List(ScalarValue::new_list_nullable(
                &values,
                &self.input,
            ))]);
        }
        let sum = match (self.sum, &self.sum_type) {
            (Sum::Int(s), _) => ScalarValue::Int64(Some(s)),
            (Sum::Float(s), _) => ScalarValue::Float64(Some(s)),
            (Sum::Dec(s), DataType::Decimal128(p, sc)) => ScalarValue::Decimal128(s, *p, *sc),
            (_, t) => ScalarValue::try_from(t)?,
        };
        Ok(vec![sum, ScalarValue::Int64(Some(self.count))])
    }
    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let a = arrow::compute::cast(&values[0], &self.sum_type)?;
        for i in 0..a.len() {
            if a.is_null(i) {
                continue;
            }
            self.count -= 1;
            self.sum = match self.sum {
                Sum::Int(s) => Sum::Int(s.wrapping_sub(a.as_primitive::<Int64Type>().value(i))),
                Sum::Float(s) => Sum::Float(s - a.as_primitive::<Float64Type>().value(i)),
                Sum::Dec(s) => Sum::Dec(s.map(|s| s - a.as_primitive::<Decimal128Type>().value(i))),
            };
        }
        Ok(())
    }
    fn supports_retract_batch(&self) -> bool {
        self.distinct.is_none()
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if self.distinct.is_some() {
            let lists = states[0]
                .as_any()
                .downcast_ref::<ListArray>()
                .expect("a list state");
            for i in 0..lists.len() {
                if !lists.is_null(i) {
                    self.update_batch(&[lists.value(i)])?;
                }
            }
            return Ok(());
        }
        // A decimal sum that overflowed in a partial state is NULL with a non-zero count.
        let (sums, counts) = (&states[0], &states[1]);
        for i in 0..sums.len() {
            if sums.is_null(i)
                && !counts.is_null(i)
                && counts.as_primitive::<Int64Type>().value(i) > 0
            {
                self.sum = Sum::Dec(None);
                self.count += counts.as_primitive::<Int64Type>().value(i);
            }
        }
        self.add(sums, Some(counts))
    }
}
