//! A DataFusion window function whose unsigned result is Flink's BIGINT.

use std::ops::Range;
use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::compute::SortOptions;
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::ExpressionArgs;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::window_state::WindowAggState;
use datafusion::logical_expr::{
    LimitEffect, PartitionEvaluator, ReversedUDWF, Signature, WindowUDF, WindowUDFImpl,
};
use datafusion::physical_expr::PhysicalExpr;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BigInt {
    inner: Arc<WindowUDF>,
}

/// `inner` (under its own name) answering BIGINT.
pub fn bigint(inner: Arc<WindowUDF>) -> WindowUDF {
    WindowUDF::new_from_impl(BigInt { inner })
}

impl WindowUDFImpl for BigInt {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn signature(&self) -> &Signature {
        self.inner.signature()
    }
    fn expressions(&self, expr_args: ExpressionArgs) -> Vec<Arc<dyn PhysicalExpr>> {
        self.inner.expressions(expr_args)
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }
    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(BigIntEvaluator {
            inner: self.inner.partition_evaluator_factory(args)?,
        }))
    }
    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let inner = self.inner.field(field_args)?;
        Ok(Arc::new(Field::new(
            inner.name(),
            DataType::Int64,
            inner.is_nullable(),
        )))
    }
    fn sort_options(&self) -> Option<SortOptions> {
        self.inner.sort_options()
    }
    fn reverse_expr(&self) -> ReversedUDWF {
        match self.inner.reverse_expr() {
            ReversedUDWF::Identical => ReversedUDWF::Identical,
            _ => ReversedUDWF::NotSupported,
        }
    }
    fn limit_effect(&self, args: &[Arc<dyn PhysicalExpr>]) -> LimitEffect {
        self.inner.inner().limit_effect(args)
    }
}

#[derive(Debug)]
struct BigIntEvaluator {
    inner: Box<dyn PartitionEvaluator>,
}

fn to_i64(a: ArrayRef) -> Result<ArrayRef> {
    Ok(arrow::compute::cast(&a, &DataType::Int64)?)
}

fn scalar_i64(v: ScalarValue) -> Result<ScalarValue> {
    v.cast_to(&DataType::Int64)
}

impl PartitionEvaluator for BigIntEvaluator {
    fn memoize(&mut self, state: &mut WindowAggState) -> Result<()> {
        self.inner.memoize(state)
    }
    fn get_range(&self, idx: usize, n_rows: usize) -> Result<Range<usize>> {
        self.inner.get_range(idx, n_rows)
    }
    fn is_causal(&self) -> bool {
        self.inner.is_causal()
    }
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        to_i64(self.inner.evaluate_all(values, num_rows)?)
    }
    fn evaluate(&mut self, values: &[ArrayRef], range: &Range<usize>) -> Result<ScalarValue> {
        scalar_i64(self.inner.evaluate(values, range)?)
    }
    fn evaluate_all_with_rank(
        &self,
        num_rows: usize,
        ranks_in_partition: &[Range<usize>],
    ) -> Result<ArrayRef> {
        to_i64(
            self.inner
                .evaluate_all_with_rank(num_rows, ranks_in_partition)?,
        )
    }
    fn supports_bounded_execution(&self) -> bool {
        self.inner.supports_bounded_execution()
    }
    fn uses_window_frame(&self) -> bool {
        self.inner.uses_window_frame()
    }
    fn include_rank(&self) -> bool {
        self.inner.include_rank()
    }
}
