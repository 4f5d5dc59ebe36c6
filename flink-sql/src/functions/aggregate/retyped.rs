//! A DataFusion aggregate with Flink's result type: DataFusion's accumulators do the work
//! (grouped, sliding and retracting ones included), and only the final values change type.

use std::fmt::Debug;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::utils::AggregateOrderSensitivity;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

/// Flink's result type from the (coerced) argument types.
pub type ReturnFn = fn(&[DataType]) -> Result<DataType>;
/// DataFusion's final values, as Flink's result type (the second argument).
pub type FinishFn = fn(ArrayRef, &DataType) -> Result<ArrayRef>;

#[derive(Debug)]
pub struct Retyped {
    name: &'static str,
    inner: Arc<AggregateUDF>,
    signature: Signature,
    ret: ReturnFn,
    finish: FinishFn,
    /// Flink's FIRST_VALUE / LAST_VALUE skip NULLs.
    pub ignore_nulls: bool,
    /// Flink types the result NOT NULL when the argument is: no rows then fail as Flink's
    /// NOT NULL check does (ARRAY_AGG over an empty input).
    pub not_null: bool,
}

impl PartialEq for Retyped {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.inner == other.inner
    }
}
impl Eq for Retyped {}
impl Hash for Retyped {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.inner.hash(state);
    }
}

/// `inner` under `name`, answering `ret`'s type with values converted by `finish`.
/// Arguments keep their types (`ret` decides which it accepts, failing planning for the
/// rest) and are cast to what `inner` takes when the accumulator sees them.
pub fn retyped(
    name: &'static str,
    inner: Arc<AggregateUDF>,
    ret: ReturnFn,
    finish: FinishFn,
) -> Retyped {
    Retyped {
        name,
        inner,
        signature: Signature::user_defined(Volatility::Immutable),
        ret,
        finish,
        ignore_nulls: false,
        not_null: false,
    }
}

impl Retyped {
    pub fn build(self) -> AggregateUDF {
        AggregateUDF::new_from_impl(self)
    }
}

/// Final values cast to the result type (arrow's cast; NULL where a value does not fit).
pub fn cast_finish(a: ArrayRef, t: &DataType) -> Result<ArrayRef> {
    if a.data_type() == t {
        return Ok(a);
    }
    Ok(arrow::compute::cast(&a, t)?)
}

impl Retyped {
    /// The argument fields as `inner` takes them.
    fn inner_inputs(&self, arg_fields: &[FieldRef]) -> Result<Vec<FieldRef>> {
        fields_with_udf(arg_fields, self.inner.as_ref())
    }

    fn inner_field(&self, arg_fields: &[FieldRef]) -> Result<FieldRef> {
        self.inner.return_field(&self.inner_inputs(arg_fields)?)
    }

    /// Run `f` with the accumulator arguments as `inner` takes them.
    fn with_inner_args<T>(
        &self,
        args: &AccumulatorArgs,
        f: impl FnOnce(AccumulatorArgs) -> Result<T>,
    ) -> Result<T> {
        let inputs = self.inner_inputs(args.expr_fields)?;
        f(AccumulatorArgs {
            return_field: self.inner.return_field(&inputs)?,
            schema: args.schema,
            ignore_nulls: args.ignore_nulls || self.ignore_nulls,
            order_bys: args.order_bys,
            is_reversed: args.is_reversed,
            name: args.name,
            is_distinct: args.is_distinct,
            exprs: args.exprs,
            expr_fields: &inputs,
        })
    }

    fn casts(&self, args: &AccumulatorArgs) -> Result<Casts> {
        let inputs = self.inner_inputs(args.expr_fields)?;
        Ok(Casts(
            inputs.iter().map(|f| f.data_type().clone()).collect(),
        ))
    }

    fn strict(&self, args: &AccumulatorArgs) -> bool {
        self.not_null && args.expr_fields.iter().all(|f| !f.is_nullable())
    }
}

/// The input types `inner` takes: values are cast to them before `inner` sees them.
#[derive(Debug, Clone)]
struct Casts(Vec<DataType>);

impl Casts {
    fn apply(&self, values: &[ArrayRef]) -> Result<Vec<ArrayRef>> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| match self.0.get(i) {
                Some(t) if t != v.data_type() => Ok(arrow::compute::cast(v, t)?),
                _ => Ok(v.clone()),
            })
            .collect()
    }
}

fn not_null_violation() -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(
        "the aggregate's result is NOT NULL (its argument is), however, a null value is being written (Flink: EnforcerException)".into(),
    )
}

impl AggregateUDFImpl for Retyped {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        (self.ret)(arg_types)?;
        Ok(arg_types.to_vec())
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        (self.ret)(arg_types)
    }
    fn return_field(&self, arg_fields: &[FieldRef]) -> Result<FieldRef> {
        let types: Vec<DataType> = arg_fields.iter().map(|f| f.data_type().clone()).collect();
        let inner = self.inner_field(arg_fields)?;
        Ok(Arc::new(Field::new(
            self.name,
            (self.ret)(&types)?,
            inner.is_nullable(),
        )))
    }
    fn is_nullable(&self) -> bool {
        self.inner.is_nullable()
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let acc = self.with_inner_args(&args, |a| self.inner.accumulator(a))?;
        Ok(Box::new(RetypedAcc {
            inner: acc,
            casts: self.casts(&args)?,
            ret: args.return_type().clone(),
            finish: self.finish,
            strict: self.strict(&args),
        }))
    }
    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let acc = self.with_inner_args(&args, |a| self.inner.create_sliding_accumulator(a))?;
        Ok(Box::new(RetypedAcc {
            inner: acc,
            casts: self.casts(&args)?,
            ret: args.return_type().clone(),
            finish: self.finish,
            strict: self.strict(&args),
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let inputs = self.inner_inputs(args.input_fields)?;
        let inner = StateFieldsArgs {
            name: args.name,
            input_fields: &inputs,
            return_field: self.inner.return_field(&inputs)?,
            ordering_fields: args.ordering_fields,
            is_distinct: args.is_distinct,
        };
        self.inner.state_fields(inner)
    }
    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        !self.strict(&args)
            && self
                .with_inner_args(&args, |a| Ok(self.inner.groups_accumulator_supported(a)))
                .unwrap_or(false)
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        let acc = self.with_inner_args(&args, |a| self.inner.create_groups_accumulator(a))?;
        Ok(Box::new(RetypedGroups {
            inner: acc,
            casts: self.casts(&args)?,
            ret: args.return_type().clone(),
            finish: self.finish,
        }))
    }
    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        match self.inner.inner().order_sensitivity() {
            AggregateOrderSensitivity::Beneficial => AggregateOrderSensitivity::Insensitive,
            o => o,
        }
    }
    fn supports_null_handling_clause(&self) -> bool {
        self.inner.inner().supports_null_handling_clause()
    }
    fn default_value(&self, data_type: &DataType) -> Result<ScalarValue> {
        let inner = self.inner.inner().default_value(data_type)?;
        if inner.is_null() {
            ScalarValue::try_from(data_type)
        } else {
            Ok(inner)
        }
    }
}

#[derive(Debug)]
struct RetypedAcc {
    inner: Box<dyn Accumulator>,
    casts: Casts,
    ret: DataType,
    finish: FinishFn,
    strict: bool,
}

impl Accumulator for RetypedAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.inner.update_batch(&self.casts.apply(values)?)
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let v = self.inner.evaluate()?;
        if self.strict && v.is_null() {
            return Err(not_null_violation());
        }
        ScalarValue::try_from_array(&(self.finish)(v.to_array()?, &self.ret)?, 0)
    }
    fn size(&self) -> usize {
        self.inner.size()
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.inner.state()
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.inner.merge_batch(states)
    }
    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.inner.retract_batch(&self.casts.apply(values)?)
    }
    fn supports_retract_batch(&self) -> bool {
        self.inner.supports_retract_batch()
    }
}

struct RetypedGroups {
    inner: Box<dyn GroupsAccumulator>,
    casts: Casts,
    ret: DataType,
    finish: FinishFn,
}

impl GroupsAccumulator for RetypedGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.inner.update_batch(
            &self.casts.apply(values)?,
            group_indices,
            opt_filter,
            total_num_groups,
        )
    }
    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        (self.finish)(self.inner.evaluate(emit_to)?, &self.ret)
    }
    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        self.inner.state(emit_to)
    }
    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.inner
            .merge_batch(values, group_indices, total_num_groups)
    }
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        self.inner
            .convert_to_state(&self.casts.apply(values)?, opt_filter)
    }
    fn size(&self) -> usize {
        self.inner.size()
    }
}
