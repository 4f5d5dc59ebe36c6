//! PERCENTILE(x, p [, frequency]) and PERCENTILE(x, ARRAY[p, …] [, frequency]): the exact
//! percentile of the values as DOUBLEs (DECIMALs too), interpolated linearly between the two
//! values around the 1-based position `p * (count - 1) + 1`, as Flink's
//! `PercentileAggFunction` computes it: DOUBLE (ARRAY<DOUBLE> for an array of percentages);
//! NULL when there are no values. NULL values are skipped, as are rows whose frequency is
//! NULL or not positive; the percentages are the first row's and must lie in [0, 1].

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

#[derive(Debug, PartialEq, Eq, Hash)]
struct Percentile {
    signature: Signature,
}

pub fn percentile() -> AggregateUDF {
    AggregateUDF::new_from_impl(Percentile {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

fn doubles() -> DataType {
    DataType::new_list(DataType::Float64, true)
}

impl AggregateUDFImpl for Percentile {
    fn name(&self) -> &str {
        "percentile"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.len() != 2 && t.len() != 3 {
            return plan_err!("PERCENTILE takes a value, a percentage and an optional frequency");
        }
        let value = match &t[0] {
            v if v.is_numeric() || *v == DataType::Null => DataType::Float64,
            v => {
                return plan_err!(
                    "PERCENTILE takes a numeric value, got {}",
                    crate::types::flink_name(v)
                );
            }
        };
        let p = match &t[1] {
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)
                if f.data_type().is_numeric() =>
            {
                doubles()
            }
            p if p.is_numeric() => DataType::Float64,
            p => {
                return plan_err!(
                    "PERCENTILE's percentage must be a number or an ARRAY of numbers, got {}",
                    crate::types::flink_name(p)
                );
            }
        };
        let mut out = vec![value, p];
        if let Some(f) = t.get(2) {
            if !(f.is_integer() || *f == DataType::Null) {
                return plan_err!(
                    "PERCENTILE's frequency must be an integer, got {}",
                    crate::types::flink_name(f)
                );
            }
            out.push(DataType::Int64);
        }
        Ok(out)
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        Ok(match &t[1] {
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => doubles(),
            _ => DataType::Float64,
        })
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(PercentileAcc {
            many: matches!(args.return_type(), DataType::List(_)),
            percentages: None,
            counts: HashMap::new(),
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f = |n: &str, t: DataType| Arc::new(Field::new(format!("{}[{n}]", args.name), t, true));
        Ok(vec![
            f("percentages", doubles()),
            f("values", doubles()),
            f("counts", DataType::new_list(DataType::Int64, true)),
        ])
    }
}

#[derive(Debug)]
struct PercentileAcc {
    many: bool,
    percentages: Option<Vec<f64>>,
    /// value (its bits, so -0.0 and 0.0 stay apart as Java's Double keys) -> count
    counts: HashMap<u64, i64>,
}

/// The percentages of row `i` of a percentage argument (a number or a list of them).
fn percentages_of(p: &ArrayRef, i: usize) -> Result<Option<Vec<f64>>> {
    if p.is_null(i) {
        return Ok(None);
    }
    let values: Vec<f64> = match p.data_type() {
        DataType::List(_) => {
            let l = p.as_list::<i32>().value(i);
            let l = cast(&l, &DataType::Float64)?;
            l.as_primitive::<Float64Type>().iter().flatten().collect()
        }
        _ => vec![p.as_primitive::<Float64Type>().value(i)],
    };
    if let Some(bad) = values.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return exec_err!(
            "Percentage of PERCENTILE should be between [0.0, 1.0], but was '{bad}'."
        );
    }
    Ok(Some(values))
}

/// The percentiles of `sorted` (value, count) pairs, `total` the sum of the counts.
pub fn percentiles(sorted: &[(f64, i64)], total: i64, percentages: &[f64]) -> Vec<f64> {
    percentages
        .iter()
        .map(|p| {
            let position = p * (total - 1) as f64 + 1.0;
            let (lower, higher) = (position.floor() as i64, position.ceil() as i64);
            // the first value whose cumulative count reaches `lower`
            let mut j = 0;
            let mut cumulative = sorted[0].1;
            while cumulative < lower && j + 1 < sorted.len() {
                j += 1;
                cumulative += sorted[j].1;
            }
            if cumulative >= higher || j + 1 >= sorted.len() {
                sorted[j].0
            } else {
                (higher as f64 - position) * sorted[j].0
                    + (position - lower as f64) * sorted[j + 1].0
            }
        })
        .collect()
}

impl PercentileAcc {
    fn add(&mut self, v: f64, n: i64) {
        let c = self.counts.entry(v.to_bits()).or_insert(0);
        *c += n;
        if *c == 0 {
            self.counts.remove(&v.to_bits());
        }
    }

    fn update(&mut self, values: &[ArrayRef], sign: i64) -> Result<()> {
        let v = values[0].as_primitive::<Float64Type>();
        let freq = values.get(2).map(|f| f.as_primitive::<Int64Type>());
        for i in 0..v.len() {
            if self.percentages.is_none() && sign > 0 {
                self.percentages = percentages_of(&values[1], i)?;
            }
            let n = match freq {
                None => 1,
                Some(f) if f.is_valid(i) && f.value(i) > 0 => f.value(i),
                Some(_) => continue,
            };
            if v.is_valid(i) {
                self.add(v.value(i), sign * n);
            }
        }
        Ok(())
    }
}

impl Accumulator for PercentileAcc {
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
        let (ps, vs, cs) = (
            states[0].as_list::<i32>(),
            states[1].as_list::<i32>(),
            states[2].as_list::<i32>(),
        );
        for i in 0..ps.len() {
            if self.percentages.is_none() && ps.is_valid(i) {
                let p = ps.value(i);
                self.percentages = Some(p.as_primitive::<Float64Type>().iter().flatten().collect());
            }
            if vs.is_null(i) {
                continue;
            }
            let (v, c) = (vs.value(i), cs.value(i));
            let (v, c) = (
                v.as_primitive::<Float64Type>(),
                c.as_primitive::<Int64Type>(),
            );
            for k in 0..v.len() {
                self.add(v.value(k), c.value(k));
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = |v: Vec<ScalarValue>, t: &DataType| {
            ScalarValue::List(ScalarValue::new_list_nullable(&v, t))
        };
        let percentages = match &self.percentages {
            Some(p) => list(
                p.iter().map(|p| ScalarValue::Float64(Some(*p))).collect(),
                &DataType::Float64,
            ),
            None => ScalarValue::try_from(&doubles())?,
        };
        let (values, counts): (Vec<_>, Vec<_>) = self
            .counts
            .iter()
            .map(|(v, c)| {
                (
                    ScalarValue::Float64(Some(f64::from_bits(*v))),
                    ScalarValue::Int64(Some(*c)),
                )
            })
            .unzip();
        Ok(vec![
            percentages,
            list(values, &DataType::Float64),
            list(counts, &DataType::Int64),
        ])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let none = || {
            if self.many {
                ScalarValue::try_from(&doubles())
            } else {
                Ok(ScalarValue::Float64(None))
            }
        };
        let Some(percentages) = &self.percentages else {
            return none();
        };
        let total: i64 = self.counts.values().sum();
        if total <= 0 || (self.many && percentages.is_empty()) {
            return none();
        }
        let mut sorted: Vec<(f64, i64)> = self
            .counts
            .iter()
            .map(|(v, c)| (f64::from_bits(*v), *c))
            .collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let out = percentiles(&sorted, total, percentages);
        if self.many {
            let a: ArrayRef = Arc::new(Float64Array::from(out));
            Ok(ScalarValue::List(Arc::new(arrow::array::ListArray::new(
                Arc::new(Field::new_list_field(DataType::Float64, true)),
                arrow::buffer::OffsetBuffer::from_lengths([a.len()]),
                a,
                None,
            ))))
        } else {
            Ok(ScalarValue::Float64(out.first().copied()))
        }
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.counts.len() * 24
    }
}
