//! VAR_POP, VAR_SAMP (VARIANCE), STDDEV_POP and STDDEV_SAMP (STDDEV) as Flink computes them.
//! FLOAT and DOUBLE arguments use DataFusion's accumulators (`floats`). For integers and
//! DECIMALs Flink (Calcite's `AggregateReduceFunctionsRule`) reduces the aggregate to
//! SUM(x * x), SUM(x) and COUNT(x), computed in x's type:
//! `var = (SUM(x * x) - SUM(x) * SUM(x) / COUNT(x)) / d`, `d` = COUNT(x) (POP) or
//! COUNT(x) - 1, NULL for one value (SAMP); STDDEV = POWER(var, 0.5); the result is cast to
//! x's type for integers (integer division truncates at each step, so VAR_POP of 1, 2, 4 is
//! 1) and to DECIMAL(38, max(6, s)) for DECIMAL(p, s), with Flink's DECIMAL arithmetic.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Int64Type};
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, GroupsAccumulator, Operator, Signature, Volatility,
};

use crate::functions::math::decimal::{apply, result_type};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kind {
    /// sample (`COUNT(x) - 1`) rather than population
    pub sample: bool,
    /// the square root (STDDEV)
    pub root: bool,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Variance {
    name: &'static str,
    kind: Kind,
    /// DataFusion's aggregate for FLOAT / DOUBLE arguments, with Flink's result type
    floats: Arc<AggregateUDF>,
    signature: Signature,
}

/// `name` answering as Flink does, `floats` for FLOAT and DOUBLE arguments.
pub fn variance(name: &'static str, kind: Kind, floats: AggregateUDF) -> AggregateUDF {
    AggregateUDF::new_from_impl(Variance {
        name,
        kind,
        floats: Arc::new(floats),
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

fn exact(t: &DataType) -> bool {
    t.is_integer() || matches!(t, DataType::Decimal128(_, _))
}

/// Flink's result type for an exact argument.
fn exact_type(t: &DataType) -> DataType {
    match t {
        DataType::Decimal128(_, s) => DataType::Decimal128(38, (*s).max(6)),
        t => t.clone(),
    }
}

impl Variance {
    fn arg(&self, fields: &[FieldRef]) -> Result<DataType> {
        match fields {
            [f] => Ok(f.data_type().clone()),
            _ => plan_err!("{} takes one argument", self.name.to_uppercase()),
        }
    }

    fn acc(&self, args: &AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ExactAcc::new(
            self.kind,
            self.arg(args.expr_fields)?,
        )))
    }
}

impl AggregateUDFImpl for Variance {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        match t {
            [x] if exact(x) => Ok(t.to_vec()),
            [DataType::Null] => Ok(vec![DataType::Float64]),
            _ => self.floats.coerce_types(t),
        }
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        match t {
            [x] if exact(x) => Ok(exact_type(x)),
            _ => self.floats.return_type(t),
        }
    }
    fn return_field(&self, fields: &[FieldRef]) -> Result<FieldRef> {
        let t = self.arg(fields)?;
        if !exact(&t) {
            return self.floats.return_field(fields);
        }
        Ok(Arc::new(Field::new(self.name, exact_type(&t), true)))
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if exact(&self.arg(args.expr_fields)?) {
            return self.acc(&args);
        }
        self.floats.accumulator(args)
    }
    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if exact(&self.arg(args.expr_fields)?) {
            return self.acc(&args);
        }
        self.floats.create_sliding_accumulator(args)
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let t = self.arg(args.input_fields)?;
        if !exact(&t) {
            return self.floats.state_fields(args);
        }
        let (sq, sum) = state_types(&t);
        let f = |n: &str, t: DataType| Arc::new(Field::new(format!("{}[{n}]", args.name), t, true));
        Ok(vec![
            f("sum_sq", sq),
            f("sum", sum),
            f("count", DataType::Int64),
        ])
    }
    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        match self.arg(args.expr_fields) {
            Ok(t) if !exact(&t) => self.floats.groups_accumulator_supported(args),
            _ => false,
        }
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        self.floats.create_groups_accumulator(args)
    }
    fn default_value(&self, t: &DataType) -> Result<ScalarValue> {
        ScalarValue::try_from(t)
    }
}

/// The types of SUM(x * x) and SUM(x): the integer sums are kept as BIGINT (wrapped to x's
/// width when used), the DECIMAL ones as Flink types them (DECIMAL(38, s) of x * x and x).
fn state_types(t: &DataType) -> (DataType, DataType) {
    match t {
        DataType::Decimal128(p, s) => {
            let (_, ms) = result_type(Operator::Multiply, (*p, *s), (*p, *s)).expect("multiply");
            (DataType::Decimal128(38, ms), DataType::Decimal128(38, *s))
        }
        _ => (DataType::Int64, DataType::Int64),
    }
}

/// SUM(x * x), SUM(x) (unscaled for DECIMALs; None once a DECIMAL sum overflowed, as
/// Flink's SUM gives NULL) and COUNT(x).
#[derive(Debug)]
struct ExactAcc {
    kind: Kind,
    t: DataType,
    sum_sq: Option<i128>,
    sum: Option<i128>,
    count: i64,
}

const DEC_LIMIT: i128 = 10i128.pow(38);

impl ExactAcc {
    fn new(kind: Kind, t: DataType) -> Self {
        ExactAcc {
            kind,
            t,
            sum_sq: Some(0),
            sum: Some(0),
            count: 0,
        }
    }

    /// x wrapped to the argument's integer width (Java's int / short / byte arithmetic).
    fn wrap(&self, v: i128) -> i128 {
        match self.t {
            DataType::Int8 => v as i8 as i128,
            DataType::Int16 => v as i16 as i128,
            DataType::Int32 => v as i32 as i128,
            _ => v as i64 as i128,
        }
    }

    fn decimal(&self) -> Option<(u8, i8)> {
        match self.t {
            DataType::Decimal128(p, s) => Some((p, s)),
            _ => None,
        }
    }

    /// One value's x * x, in x's type.
    fn square(&self, v: i128) -> Result<Option<i128>> {
        match self.decimal() {
            Some((p, s)) => {
                let (mp, ms) = result_type(Operator::Multiply, (p, s), (p, s)).expect("multiply");
                apply(
                    Operator::Multiply,
                    (v, s as i32),
                    (v, s as i32),
                    (mp, ms as i32),
                )
            }
            None => Ok(Some(self.wrap(v * v))),
        }
    }

    fn add(&self, acc: Option<i128>, v: Option<i128>, sign: i128) -> Option<i128> {
        let (acc, v) = (acc?, v?);
        if self.decimal().is_some() {
            acc.checked_add(sign * v).filter(|r| r.abs() < DEC_LIMIT)
        } else {
            // integer sums wrap; kept in 64 bits, wrapped to the width when used
            Some((acc as i64).wrapping_add((sign * v) as i64) as i128)
        }
    }

    fn values(values: &ArrayRef) -> Result<Vec<Option<i128>>> {
        Ok(match values.data_type() {
            DataType::Decimal128(_, _) => values.as_primitive::<Decimal128Type>().iter().collect(),
            _ => cast(values, &DataType::Int64)?
                .as_primitive::<Int64Type>()
                .iter()
                .map(|v| v.map(i128::from))
                .collect(),
        })
    }

    fn update(&mut self, values: &[ArrayRef], sign: i128) -> Result<()> {
        for v in Self::values(&values[0])?.into_iter().flatten() {
            let sq = self.square(v)?;
            self.sum_sq = self.add(self.sum_sq, sq, sign);
            self.sum = self.add(self.sum, Some(v), sign);
            self.count += sign as i64;
        }
        Ok(())
    }

    fn integer_result(&self, ssq: i128, sum: i128) -> ScalarValue {
        let (ssq, sum) = (self.wrap(ssq) as i64, self.wrap(sum) as i64);
        let squared = self.wrap((sum as i128) * (sum as i128)) as i64;
        let d = if self.kind.sample {
            self.count - 1
        } else {
            self.count
        };
        if d == 0 {
            return ScalarValue::try_from(&self.t).unwrap_or(ScalarValue::Null);
        }
        let var = ssq.wrapping_sub(squared / self.count) / d;
        let v: i128 = if self.kind.root {
            // DOUBLE -> integer: saturating at INT / BIGINT, wrapping below INT
            let f = (var as f64).powf(0.5);
            match self.t {
                DataType::Int64 => f as i64 as i128,
                _ => f as i32 as i128,
            }
        } else {
            var as i128
        };
        let v = self.wrap(v);
        match self.t {
            DataType::Int8 => ScalarValue::Int8(Some(v as i8)),
            DataType::Int16 => ScalarValue::Int16(Some(v as i16)),
            DataType::Int32 => ScalarValue::Int32(Some(v as i32)),
            _ => ScalarValue::Int64(Some(v as i64)),
        }
    }

    fn decimal_result(&self, p: u8, s: i8, ssq: i128, sum: i128) -> Result<Option<i128>> {
        let (_, ms) = result_type(Operator::Multiply, (p, s), (p, s)).expect("multiply");
        let (ms, s) = (ms as i32, s as i32);
        let count = (self.count as i128, 0);
        let count_t = (19u8, 0i8);
        let d = if self.kind.sample {
            self.count - 1
        } else {
            self.count
        };
        if d == 0 {
            return Ok(None);
        }
        let t = |op, a: (u8, i8), b: (u8, i8)| result_type(op, a, b).expect("decimal op");
        let sq_t = t(Operator::Multiply, (38, s as i8), (38, s as i8));
        let Some(sq) = apply(
            Operator::Multiply,
            (sum, s),
            (sum, s),
            (sq_t.0, sq_t.1 as i32),
        )?
        else {
            return Ok(None);
        };
        let avg_t = t(Operator::Divide, sq_t, count_t);
        let Some(avg) = apply(
            Operator::Divide,
            (sq, sq_t.1 as i32),
            count,
            (avg_t.0, avg_t.1 as i32),
        )?
        else {
            return Ok(None);
        };
        let diff_t = t(Operator::Minus, (38, ms as i8), avg_t);
        let Some(diff) = apply(
            Operator::Minus,
            (ssq, ms),
            (avg, avg_t.1 as i32),
            (diff_t.0, diff_t.1 as i32),
        )?
        else {
            return Ok(None);
        };
        let var_t = t(Operator::Divide, diff_t, count_t);
        let Some(var) = apply(
            Operator::Divide,
            (diff, diff_t.1 as i32),
            (d as i128, 0),
            (var_t.0, var_t.1 as i32),
        )?
        else {
            return Ok(None);
        };
        let out_s = s.max(6);
        if self.kind.root {
            let f = (var as f64 / 10f64.powi(var_t.1 as i32)).powf(0.5);
            return Ok(double_to_decimal(f, out_s));
        }
        // CAST(var AS DECIMAL(38, out_s)), HALF_UP
        apply(Operator::Plus, (var, var_t.1 as i32), (0, 0), (38, out_s))
    }
}

/// A DOUBLE as a DECIMAL at `scale`, HALF_UP on its shortest decimal text (as Flink casts).
pub fn double_to_decimal(f: f64, scale: i32) -> Option<i128> {
    if !f.is_finite() {
        return None;
    }
    let text = format!("{f:e}");
    let (mantissa, exp) = text.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // value = digits * 10^(exp - (len - 1)); unscaled at `scale`
    let shift = scale + exp - (digits.len() as i32 - 1);
    let n: i128 = digits.parse().ok()?;
    let v = if shift >= 0 {
        n.checked_mul(10i128.checked_pow(shift as u32)?)?
    } else if -shift > 38 {
        0
    } else {
        let f = 10i128.pow((-shift) as u32);
        let (q, r) = (n / f, n % f);
        if r * 2 >= f { q + 1 } else { q }
    };
    let v = if negative { -v } else { v };
    (v.abs() < DEC_LIMIT).then_some(v)
}

impl Accumulator for ExactAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.update(values, 1)
    }
    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.update(values, -1)
    }
    fn supports_retract_batch(&self) -> bool {
        true
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (sq, sum) = (Self::values(&states[0])?, Self::values(&states[1])?);
        let counts = states[2].as_primitive::<Int64Type>();
        for i in 0..counts.len() {
            if counts.is_null(i) {
                continue;
            }
            // a NULL sum is an overflowed DECIMAL sum: the result is NULL
            self.sum_sq = self.add(self.sum_sq, sq[i], 1);
            self.sum = self.add(self.sum, sum[i], 1);
            self.count += counts.value(i);
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let (sq_t, sum_t) = state_types(&self.t);
        let value = |v: Option<i128>, t: &DataType| match t {
            DataType::Decimal128(p, s) => ScalarValue::Decimal128(v, *p, *s),
            _ => ScalarValue::Int64(v.map(|v| v as i64)),
        };
        Ok(vec![
            value(self.sum_sq, &sq_t),
            value(self.sum, &sum_t),
            ScalarValue::Int64(Some(self.count)),
        ])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let out = exact_type(&self.t);
        let (Some(ssq), Some(sum)) = (self.sum_sq, self.sum) else {
            return ScalarValue::try_from(&out);
        };
        if self.count == 0 {
            return ScalarValue::try_from(&out);
        }
        match self.decimal() {
            None => Ok(self.integer_result(ssq, sum)),
            Some((p, s)) => {
                let DataType::Decimal128(op, os) = out else {
                    unreachable!("a DECIMAL argument has a DECIMAL result")
                };
                Ok(ScalarValue::Decimal128(
                    self.decimal_result(p, s, ssq, sum)?,
                    op,
                    os,
                ))
            }
        }
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}
