//! Flink's bitmap aggregates. `BITMAP_BUILD_AGG(int)` collects the non-NULL values and is
//! NULL when there are none; `BITMAP_AND_AGG` / `OR` / `XOR` (bitmap) fold the non-NULL
//! bitmaps and are NULL only when there are none (an empty intersection is `{}`). Each has a
//! `…_CARDINALITY_AGG` form returning the BIGINT count of the result.
//!
//! The partial state is the serialized set (NULL: nothing seen), so two-phase aggregation
//! merges with the same operation (BUILD merges by OR).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Int32Type};
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

use super::format::{self, bitmap_type, is_bitmap};
use crate::types::flink_name;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fold {
    Build,
    And,
    Or,
    Xor,
}

pub fn aggregates() -> Vec<AggregateUDF> {
    let mut out = Vec::new();
    for (fold, name, card_name) in [
        (
            Fold::Build,
            "bitmap_build_agg",
            "bitmap_build_cardinality_agg",
        ),
        (Fold::And, "bitmap_and_agg", "bitmap_and_cardinality_agg"),
        (Fold::Or, "bitmap_or_agg", "bitmap_or_cardinality_agg"),
        (Fold::Xor, "bitmap_xor_agg", "bitmap_xor_cardinality_agg"),
    ] {
        for (name, cardinality) in [(name, false), (card_name, true)] {
            out.push(AggregateUDF::new_from_impl(BitmapAgg {
                name,
                fold,
                cardinality,
                signature: Signature::user_defined(Volatility::Immutable),
            }));
        }
    }
    out
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct BitmapAgg {
    name: &'static str,
    fold: Fold,
    cardinality: bool,
    signature: Signature,
}

impl AggregateUDFImpl for BitmapAgg {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        let upper = self.name.to_ascii_uppercase();
        match (self.fold, t) {
            (
                Fold::Build,
                [DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Null],
            ) => Ok(vec![DataType::Int32]),
            (Fold::Build, [other]) => plan_err!(
                "{upper} takes INT values, not {} (Flink: Expected type root 'INTEGER')",
                flink_name(other)
            ),
            (_, [b]) if is_bitmap(b) => Ok(vec![b.clone()]),
            (_, [other]) => plan_err!(
                "{upper} takes BITMAP values, not {} (Flink: Invalid input arguments)",
                flink_name(other)
            ),
            _ => plan_err!("{upper} takes one argument"),
        }
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(if self.cardinality {
            DataType::Int64
        } else {
            bitmap_type()
        })
    }
    fn state_fields(&self, _: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new("bitmap", DataType::Binary, true))])
    }
    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(BitmapAcc {
            fold: self.fold,
            cardinality: self.cardinality,
            set: None,
            pending: Vec::new(),
        }))
    }
}

#[derive(Debug)]
struct BitmapAcc {
    fold: Fold,
    cardinality: bool,
    /// The folded set, ascending; None when nothing has been seen.
    set: Option<Vec<u32>>,
    /// BUILD and OR: values not yet merged into `set` (sorted in batches, not per row).
    pending: Vec<u32>,
}

impl BitmapAcc {
    fn settle(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut all = std::mem::take(&mut self.pending);
        all.extend(self.set.take().unwrap_or_default());
        format::normalize(&mut all);
        self.set = Some(all);
    }

    /// BUILD and OR: `values` join the pending ones, merged once they outgrow the set.
    fn add_pending(&mut self, values: impl IntoIterator<Item = u32>) {
        self.pending.extend(values);
        let settled = self.set.get_or_insert_with(Vec::new).len();
        if self.pending.len() > 1024 + 2 * settled {
            self.settle();
        }
    }

    fn fold_set(&mut self, s: Vec<u32>) {
        match self.fold {
            Fold::Build | Fold::Or => self.add_pending(s),
            Fold::And => {
                self.set = Some(match self.set.take() {
                    Some(acc) => format::and(&acc, &s),
                    None => s,
                });
            }
            Fold::Xor => {
                self.set = Some(match self.set.take() {
                    Some(acc) => format::xor(&acc, &s),
                    None => s,
                });
            }
        }
    }

    fn fold_bytes(&mut self, a: &ArrayRef) -> Result<()> {
        let b = a.as_binary::<i32>();
        for i in 0..b.len() {
            if b.is_null(i) {
                continue;
            }
            let s = format::decode(b.value(i)).map_err(|e| {
                DataFusionError::Execution(format!("a BITMAP value is damaged: {e}"))
            })?;
            self.fold_set(s);
        }
        Ok(())
    }

    /// The result set: BUILD is NULL when empty, the folds when nothing was seen.
    fn result(&mut self) -> Option<&Vec<u32>> {
        self.settle();
        match (&self.set, self.fold) {
            (Some(s), Fold::Build) if s.is_empty() => None,
            (s, _) => s.as_ref(),
        }
    }
}

impl Accumulator for BitmapAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let a = &values[0];
        if self.fold == Fold::Build {
            let ints = cast(a, &DataType::Int32)?;
            let ints = ints.as_primitive::<Int32Type>();
            self.add_pending(ints.iter().flatten().map(|v| v as u32));
            return Ok(());
        }
        let Some(s) = a.as_struct_opt() else {
            return Err(DataFusionError::Execution(format!(
                "{:?} aggregate got {} instead of a BITMAP",
                self.fold,
                a.data_type()
            )));
        };
        let bytes = s.column(0).clone();
        let masked = match s.nulls() {
            Some(n) => {
                let b = bytes.as_binary::<i32>();
                Arc::new(arrow::array::BinaryArray::new(
                    b.offsets().clone(),
                    b.values().clone(),
                    arrow::buffer::NullBuffer::union(Some(n), b.nulls()),
                )) as ArrayRef
            }
            None => bytes,
        };
        self.fold_bytes(&masked)
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.fold_bytes(&states[0])
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.settle();
        Ok(vec![ScalarValue::Binary(
            self.set.as_ref().map(|s| format::encode(s)),
        )])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let cardinality = self.cardinality;
        let r = self.result();
        if cardinality {
            return Ok(ScalarValue::Int64(r.map(|s| s.len() as i64)));
        }
        let array = super::bitmap_array([r.map(|s| format::encode(s))]);
        ScalarValue::try_from_array(&array, 0)
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + 4 * (self.pending.capacity() + self.set.as_ref().map_or(0, |s| s.capacity()))
    }
}
