//! [`RuntimeFilterExec`]: the probe side of a runtime filter. It keeps the rows whose join
//! keys may occur on the source side (the Bloom filter the JobMaster sent with the
//! subtask), and passes everything once it has seen that the filter drops less than
//! `table.optimizer.runtime-filter.min-filter-ratio` of its rows (Flink estimates that
//! share at planning; here it is measured).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::{BooleanArray, RecordBatch};
use arrow::buffer::BooleanBuffer;
use arrow::compute::filter_record_batch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result as DFResult;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::StreamExt;

use super::BloomFilter;
use super::hash::{key_columns, key_hashes};
use crate::task_runtime::TaskRuntime;

/// Rows seen before the filter judges whether it drops enough.
const TRIAL_ROWS: u64 = 128 * 1024;

/// Rows in and kept, for the subtask's report.
#[derive(Debug, Default)]
pub struct FilterCounts {
    pub rows_in: AtomicU64,
    pub rows_kept: AtomicU64,
}

#[derive(Debug)]
pub struct RuntimeFilterExec {
    input: Arc<dyn ExecutionPlan>,
    /// The probe-side join keys, over the input's schema.
    keys: Vec<Arc<dyn PhysicalExpr>>,
    /// The vertex whose written keys the filter holds.
    build_vertex: u32,
    /// The share of rows the filter must drop to stay on.
    min_filter_ratio: f64,
    counts: Arc<FilterCounts>,
}

impl RuntimeFilterExec {
    pub fn new(
        input: Arc<dyn ExecutionPlan>,
        keys: Vec<Arc<dyn PhysicalExpr>>,
        build_vertex: u32,
        min_filter_ratio: f64,
    ) -> Self {
        RuntimeFilterExec {
            input,
            keys,
            build_vertex,
            min_filter_ratio,
            counts: Arc::default(),
        }
    }

    pub fn min_filter_ratio(&self) -> f64 {
        self.min_filter_ratio
    }

    pub fn keys(&self) -> &[Arc<dyn PhysicalExpr>] {
        &self.keys
    }

    pub fn build_vertex(&self) -> u32 {
        self.build_vertex
    }

    pub fn input(&self) -> &Arc<dyn ExecutionPlan> {
        &self.input
    }

    /// (rows in, rows kept) so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.counts.rows_in.load(Ordering::Relaxed),
            self.counts.rows_kept.load(Ordering::Relaxed),
        )
    }
}

impl DisplayAs for RuntimeFilterExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let keys: Vec<String> = self.keys.iter().map(|k| k.to_string()).collect();
        write!(
            f,
            "RuntimeFilterExec: keys=[{}], from vertex {}",
            keys.join(", "),
            self.build_vertex
        )
    }
}

impl ExecutionPlan for RuntimeFilterExec {
    fn name(&self) -> &str {
        "RuntimeFilterExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        // Dropping rows keeps every property of the input: partitioning, orderings,
        // constants.
        self.input.properties()
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DFResult<TreeNodeRecursion>,
    ) -> DFResult<TreeNodeRecursion> {
        for k in &self.keys {
            if f(k)? == TreeNodeRecursion::Stop {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(RuntimeFilterExec::new(
            children[0].clone(),
            self.keys.clone(),
            self.build_vertex,
            self.min_filter_ratio,
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DFResult<SendableRecordBatchStream> {
        let filter = TaskRuntime::from_ctx(&context)?
            .runtime_filters
            .get(&self.build_vertex)
            .cloned();
        let input = self.input.execute(partition, context)?;
        let schema = input.schema();
        let Some(filter) = filter else {
            // The build side wrote more keys than a filter holds: nothing is dropped.
            return Ok(input);
        };
        let mut state = Probe::new(
            filter,
            self.keys.clone(),
            self.counts.clone(),
            self.min_filter_ratio,
        );
        let stream = input.map(move |b| state.apply(b?));
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }
}

struct Probe {
    filter: Arc<BloomFilter>,
    keys: Vec<Arc<dyn PhysicalExpr>>,
    counts: Arc<FilterCounts>,
    hashes: Vec<u64>,
    min_filter_ratio: f64,
    /// The trial showed the filter drops too little: pass batches unchanged.
    passing: bool,
}

impl Probe {
    fn new(
        filter: Arc<BloomFilter>,
        keys: Vec<Arc<dyn PhysicalExpr>>,
        counts: Arc<FilterCounts>,
        min_filter_ratio: f64,
    ) -> Self {
        Probe {
            filter,
            keys,
            counts,
            hashes: Vec::new(),
            min_filter_ratio,
            passing: false,
        }
    }

    fn apply(&mut self, batch: RecordBatch) -> DFResult<RecordBatch> {
        let n = batch.num_rows();
        let seen = self.counts.rows_in.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if self.passing || n == 0 {
            self.counts.rows_kept.fetch_add(n as u64, Ordering::Relaxed);
            return Ok(batch);
        }
        let columns = key_columns(&batch, &self.keys)?;
        let valid = key_hashes(&columns, n, &mut self.hashes)?;
        let f = &self.filter;
        let keep = match &valid {
            None => BooleanBuffer::collect_bool(n, |i| f.may_contain(self.hashes[i])),
            Some(v) => {
                BooleanBuffer::collect_bool(n, |i| v.is_valid(i) && f.may_contain(self.hashes[i]))
            }
        };
        let kept = keep.count_set_bits() as u64;
        let total_kept = self.counts.rows_kept.fetch_add(kept, Ordering::Relaxed) + kept;
        if seen >= TRIAL_ROWS && total_kept as f64 > (1.0 - self.min_filter_ratio) * seen as f64 {
            self.passing = true;
        }
        if kept == n as u64 {
            return Ok(batch);
        }
        Ok(filter_record_batch(&batch, &BooleanArray::new(keep, None))?)
    }
}

/// Rows into and kept by the runtime filters of an executed plan.
pub fn plan_filter_rows(plan: &dyn ExecutionPlan) -> (u64, u64) {
    let own = plan
        .downcast_ref::<RuntimeFilterExec>()
        .map_or((0, 0), RuntimeFilterExec::counts);
    plan.children().into_iter().fold(own, |(i, k), c| {
        let (ci, ck) = plan_filter_rows(c.as_ref());
        (i + ci, k + ck)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::physical_expr::expressions::Column;

    use crate::runtime_filter::hash::key_hashes;

    fn batch(values: impl IntoIterator<Item = i64>) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true)]));
        RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from_iter_values(values))]).unwrap()
    }

    fn probe(source_keys: &[i64], min_filter_ratio: f64) -> Probe {
        let keys = batch(source_keys.iter().copied());
        let mut h = Vec::new();
        key_hashes(&[keys.column(0).clone()], keys.num_rows(), &mut h).unwrap();
        Probe::new(
            Arc::new(BloomFilter::from_hashes(&h)),
            vec![Arc::new(Column::new("k", 0))],
            Arc::default(),
            min_filter_ratio,
        )
    }

    #[test]
    fn keeps_the_rows_whose_keys_the_source_wrote_and_drops_nulls() {
        let mut p = probe(&[2, 4], 0.5);
        let out = p.apply(batch(0..6)).unwrap();
        let k = out.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(k.values().to_vec(), vec![2, 4]);
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true)]));
        let nulls = RecordBatch::try_new(
            schema,
            vec![Arc::new(Int64Array::from(vec![None, Some(2)]))],
        )
        .unwrap();
        let out = p.apply(nulls).unwrap();
        assert_eq!(out.num_rows(), 1);
        assert!(out.column(0).is_valid(0));
        assert_eq!(p.counts.rows_in.load(Ordering::Relaxed), 8);
        assert_eq!(p.counts.rows_kept.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn stops_once_it_drops_less_than_the_min_filter_ratio() {
        // The source holds 3 of every 4 keys: the filter drops 25 %, under 50 %.
        let source: Vec<i64> = (0..200_000).filter(|k| k % 4 != 0).collect();
        let mut p = probe(&source, 0.5);
        let first = p.apply(batch(0..150_000)).unwrap();
        assert!(first.num_rows() < 150_000);
        assert!(p.passing, "past the trial rows, dropping 25 % < 50 %");
        assert_eq!(p.apply(batch(0..1000)).unwrap().num_rows(), 1000);
        // Dropping 75 % is enough: it keeps filtering.
        let source: Vec<i64> = (0..200_000).filter(|k| k % 4 == 0).collect();
        let mut p = probe(&source, 0.5);
        p.apply(batch(0..150_000)).unwrap();
        assert!(!p.passing);
        // 250 of the keys, and a few Bloom false positives.
        let kept = p.apply(batch(0..1000)).unwrap().num_rows();
        assert!((250..=265).contains(&kept), "{kept}");
    }
}
