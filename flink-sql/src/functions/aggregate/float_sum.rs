//! SUM of FLOAT adds in FLOAT precision, as Flink does (a Java `float` running sum); other
//! types go to `others` (DataFusion's SUM with Flink's result types, which has no FLOAT sum:
//! it would add in DOUBLE).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, FieldRef, Float32Type, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, GroupsAccumulator, Signature, Volatility,
};

#[derive(Debug, PartialEq, Eq, Hash)]
struct Sum {
    others: Arc<AggregateUDF>,
    signature: Signature,
}

/// SUM: FLOAT here, every other type by `others`.
pub fn sum(others: AggregateUDF) -> AggregateUDF {
    AggregateUDF::new_from_impl(Sum {
        others: Arc::new(others),
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

fn float(fields: &[FieldRef]) -> bool {
    matches!(fields, [f] if *f.data_type() == DataType::Float32)
}

impl AggregateUDFImpl for Sum {
    fn name(&self) -> &str {
        "sum"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        match t {
            [DataType::Float32] => Ok(t.to_vec()),
            _ => self.others.coerce_types(t),
        }
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        match t {
            [DataType::Float32] => Ok(DataType::Float32),
            _ => self.others.return_type(t),
        }
    }
    fn return_field(&self, fields: &[FieldRef]) -> Result<FieldRef> {
        if float(fields) {
            return Ok(Arc::new(Field::new("sum", DataType::Float32, true)));
        }
        self.others.return_field(fields)
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if float(args.expr_fields) {
            return Ok(Box::new(FloatSum::default()));
        }
        self.others.accumulator(args)
    }
    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if float(args.expr_fields) {
            return Ok(Box::new(FloatSum::default()));
        }
        self.others.create_sliding_accumulator(args)
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        if !float(args.input_fields) {
            return self.others.state_fields(args);
        }
        Ok(vec![
            Arc::new(Field::new(
                format!("{}[sum]", args.name),
                DataType::Float32,
                true,
            )),
            Arc::new(Field::new(
                format!("{}[count]", args.name),
                DataType::Int64,
                true,
            )),
        ])
    }
    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        !float(args.expr_fields) && self.others.groups_accumulator_supported(args)
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        self.others.create_groups_accumulator(args)
    }
    fn default_value(&self, t: &DataType) -> Result<ScalarValue> {
        ScalarValue::try_from(t)
    }
}

/// The running FLOAT sum and the count of values in it (no values: NULL).
#[derive(Debug, Default)]
struct FloatSum {
    sum: f32,
    count: i64,
}

impl Accumulator for FloatSum {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for v in values[0].as_primitive::<Float32Type>().iter().flatten() {
            self.sum += v;
            self.count += 1;
        }
        Ok(())
    }
    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for v in values[0].as_primitive::<Float32Type>().iter().flatten() {
            self.sum -= v;
            self.count -= 1;
        }
        Ok(())
    }
    fn supports_retract_batch(&self) -> bool {
        true
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (s, c) = (
            states[0].as_primitive::<Float32Type>(),
            states[1].as_primitive::<Int64Type>(),
        );
        for i in 0..s.len() {
            if c.is_valid(i) && c.value(i) > 0 {
                self.sum += s.value(i);
                self.count += c.value(i);
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Float32(Some(self.sum)),
            ScalarValue::Int64(Some(self.count)),
        ])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float32((self.count > 0).then_some(self.sum)))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}
