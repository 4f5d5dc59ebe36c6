//! [`RuntimeFilterExec`]: the probe side of a runtime filter. It keeps the rows whose join
//! keys may occur on the build side (the Bloom filter the JobMaster sent with the
//! subtask), and passes everything once it sees that the filter keeps nearly every row.

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

/// Rows seen before the filter judges whether it is worth its cost.
const TRIAL_ROWS: u64 = 128 * 1024;
/// A filter that keeps more than this share of the trial rows stops filtering.
const USELESS_KEEP_RATIO: f64 = 0.9;

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
    counts: Arc<FilterCounts>,
}

impl RuntimeFilterExec {
    pub fn new(
        input: Arc<dyn ExecutionPlan>,
        keys: Vec<Arc<dyn PhysicalExpr>>,
        build_vertex: u32,
    ) -> Self {
        RuntimeFilterExec {
            input,
            keys,
            build_vertex,
            counts: Arc::default(),
        }
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
        let mut state = Probe {
            filter,
            keys: self.keys.clone(),
            counts: self.counts.clone(),
            hashes: Vec::new(),
            passing: false,
        };
        let stream = input.map(move |b| state.apply(b?));
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }
}

struct Probe {
    filter: Arc<BloomFilter>,
    keys: Vec<Arc<dyn PhysicalExpr>>,
    counts: Arc<FilterCounts>,
    hashes: Vec<u64>,
    /// The trial showed the filter keeps nearly everything: pass batches unchanged.
    passing: bool,
}

impl Probe {
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
        if seen >= TRIAL_ROWS && total_kept as f64 > USELESS_KEEP_RATIO * seen as f64 {
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
