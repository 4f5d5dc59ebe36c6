//! Flink's AVG over many groups at once (DataFusion's vectorized `GroupsAccumulator`): the
//! same sums, counts and results as the row-wise accumulator, kept in vectors indexed by
//! group, so a GROUP BY over millions of keys does not build one accumulator per key.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array};
use arrow::datatypes::{DataType, Decimal128Type, Float64Type, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};

use super::{DEC_LIMIT, Sum, avg_result, zero};

#[derive(Debug)]
pub(super) struct AvgGroups {
    input: DataType,
    sum_type: DataType,
    ret: DataType,
    sums: Vec<Sum>,
    counts: Vec<i64>,
}

impl AvgGroups {
    pub(super) fn new(input: DataType, sum_type: DataType, ret: DataType) -> Self {
        AvgGroups {
            input,
            sum_type,
            ret,
            sums: Vec::new(),
            counts: Vec::new(),
        }
    }

    fn resize(&mut self, groups: usize) {
        let zero = zero(&self.input);
        self.sums.resize(groups, zero);
        self.counts.resize(groups, 0);
    }

    /// Add row i of `values` (already of the sum's type) to group `groups[i]`, counting
    /// `counts[i]` values (None: one), for rows the filter keeps.
    fn add(
        &mut self,
        values: &ArrayRef,
        counts: Option<&Int64Array>,
        groups: &[usize],
        filter: Option<&BooleanArray>,
    ) {
        for (i, &g) in groups.iter().enumerate() {
            if values.is_null(i) || filter.is_some_and(|f| !f.value(i) || f.is_null(i)) {
                continue;
            }
            self.counts[g] += counts.map_or(1, |c| c.value(i));
            self.sums[g] = match self.sums[g] {
                Sum::Int(s) => {
                    Sum::Int(s.wrapping_add(values.as_primitive::<Int64Type>().value(i)))
                }
                Sum::Float(s) => Sum::Float(s + values.as_primitive::<Float64Type>().value(i)),
                Sum::Dec(s) => {
                    let v = values.as_primitive::<Decimal128Type>().value(i);
                    Sum::Dec(
                        s.and_then(|s| s.checked_add(v))
                            .filter(|s| s.abs() < DEC_LIMIT),
                    )
                }
            };
        }
    }
}

impl GroupsAccumulator for AvgGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.resize(total_num_groups);
        let values = arrow::compute::cast(&values[0], &self.sum_type)?;
        self.add(&values, None, group_indices, opt_filter);
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let opt_filter: Option<&BooleanArray> = None;
        self.resize(total_num_groups);
        let (sums, counts) = (&values[0], values[1].as_primitive::<Int64Type>());
        // A decimal sum that overflowed in a partial state is NULL with a non-zero count.
        for (i, &g) in group_indices.iter().enumerate() {
            if sums.is_null(i)
                && !counts.is_null(i)
                && counts.value(i) > 0
                && opt_filter.is_none_or(|f| f.is_valid(i) && f.value(i))
            {
                self.sums[g] = Sum::Dec(None);
                self.counts[g] += counts.value(i);
            }
        }
        self.add(sums, Some(counts), group_indices, opt_filter);
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let sums = emit_to.take_needed(&mut self.sums);
        let counts = emit_to.take_needed(&mut self.counts);
        let results = sums
            .into_iter()
            .zip(counts)
            .map(|(s, n)| avg_result(&self.ret, &self.sum_type, s, n))
            .collect::<Result<Vec<_>>>()?;
        if results.is_empty() {
            return Ok(arrow::array::new_empty_array(&self.ret));
        }
        ScalarValue::iter_to_array(results)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let sums = emit_to.take_needed(&mut self.sums);
        let counts = emit_to.take_needed(&mut self.counts);
        let sums: ArrayRef = match &self.sum_type {
            DataType::Decimal128(p, s) => Arc::new(
                arrow::array::Decimal128Array::from_iter(sums.iter().map(|v| match v {
                    Sum::Dec(d) => *d,
                    _ => None,
                }))
                .with_precision_and_scale(*p, *s)?,
            ),
            DataType::Float64 => Arc::new(arrow::array::Float64Array::from_iter_values(
                sums.iter().map(|v| match v {
                    Sum::Float(f) => *f,
                    _ => 0.0,
                }),
            )),
            _ => Arc::new(Int64Array::from_iter_values(sums.iter().map(|v| match v {
                Sum::Int(i) => *i,
                _ => 0,
            }))),
        };
        Ok(vec![sums, Arc::new(Int64Array::from(counts))])
    }

    /// Each input row as its own partial state: the value (NULL when filtered out or NULL)
    /// and a count of 1 or 0.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let sums = arrow::compute::cast(&values[0], &self.sum_type)?;
        let sums = match opt_filter {
            // A NULL filter value drops the row, as false does.
            Some(f) => {
                let keep = arrow::compute::prep_null_mask_filter(f);
                arrow::compute::nullif(&sums, &arrow::compute::not(&keep)?)?
            }
            None => sums,
        };
        let counts =
            Int64Array::from_iter_values((0..sums.len()).map(|i| i64::from(sums.is_valid(i))));
        Ok(vec![sums, Arc::new(counts)])
    }

    fn size(&self) -> usize {
        self.sums.capacity() * std::mem::size_of::<Sum>() + self.counts.capacity() * 8
    }
}
