//! [`AdaptiveHashJoinExec`]: a hash join that reads its build side first and falls back to
//! a sort-merge join when the build side does not fit in the task's memory.

use std::fmt;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::utils::memory::RecordBatchMemoryCounter;
use datafusion::error::Result as DFResult;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryLimit};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::metrics::{ExecutionPlanMetricsSet, MetricBuilder, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::{StreamExt, TryStreamExt};
use parking_lot::Mutex;

use super::fallback;
use super::leaf::{OpenedStream, PartitionOf, unshared};

/// Bytes a hash join holds once built over `batch_bytes` of build rows (`rows` of them):
/// the rows (concatenated into one batch) and the hash table (about 40 bytes a row at its
/// load factor), as DataFusion's own reservation counts them. While it concatenates, the
/// batches are held twice for a moment: [`peak_fits`].
pub fn build_bytes_needed(batch_bytes: usize, rows: usize) -> usize {
    batch_bytes.saturating_add(rows.saturating_mul(40))
}

/// Whether the pool, with `reserved` bytes held (this build's [`build_bytes_needed`]
/// among them), also has room for the second copy of the build rows (`batch_bytes`) that
/// concatenating them makes for a moment.
pub fn peak_fits(reserved: usize, batch_bytes: usize, limit: Option<usize>) -> bool {
    limit.is_none_or(|limit| reserved.saturating_add(batch_bytes) <= limit)
}

/// Whether a hash table may take the pool to `reserved` bytes of its `limit`: it is not
/// spillable, so it leaves a quarter of the pool to the sorts, aggregations and joins of
/// the same task, which need room for a few batches each.
pub fn leaves_headroom(reserved: usize, limit: Option<usize>) -> bool {
    limit.is_none_or(|limit| reserved <= limit / 4 * 3)
}

/// A `HashJoinExec` (its child) that first reads its build side while reserving what the
/// hash table will need, as the hash join itself would (unspillable). If the whole build
/// side fits, the reservation is released and the hash join runs over the rows read; if
/// not, the same join runs as a sort-merge join whose sorts spill to `io.tmp.dirs`.
/// Plan properties and children are the hash join's.
#[derive(Debug)]
pub struct AdaptiveHashJoinExec {
    join: Arc<dyn ExecutionPlan>,
    /// What each executed partition ran (the hash join or its fallback), for metrics.
    ran: Arc<Mutex<Vec<Arc<dyn ExecutionPlan>>>>,
    metrics: ExecutionPlanMetricsSet,
}

impl AdaptiveHashJoinExec {
    /// `join` must be a `HashJoinExec` for which [`super::can_fall_back`] holds.
    pub fn new(join: Arc<dyn ExecutionPlan>) -> Self {
        AdaptiveHashJoinExec {
            join,
            ran: Arc::default(),
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }

    fn hash_join(&self) -> &HashJoinExec {
        self.join
            .downcast_ref::<HashJoinExec>()
            .expect("AdaptiveHashJoinExec wraps a HashJoinExec")
    }
}

impl DisplayAs for AdaptiveHashJoinExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Adaptive")?;
        self.join.fmt_as(t, f)
    }
}

impl ExecutionPlan for AdaptiveHashJoinExec {
    fn name(&self) -> &str {
        "AdaptiveHashJoinExec"
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DFResult<TreeNodeRecursion>,
    ) -> DFResult<TreeNodeRecursion> {
        self.join.apply_expressions(f)
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.join.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        self.join.children()
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        use datafusion::physical_plan::execution_plan::{
            ChildrenPropertiesMode, ReplaceChildrenOptions,
        };
        let join = self.join.clone().replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )?;
        Ok(Arc::new(AdaptiveHashJoinExec::new(join)))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        let mut set = self.metrics.clone_inner();
        for plan in self.ran.lock().iter() {
            add_metrics(plan.as_ref(), &mut set);
        }
        Some(set)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DFResult<SendableRecordBatchStream> {
        let join = self.hash_join();
        let build_partition = match join.partition_mode() {
            PartitionMode::CollectLeft => 0,
            _ => partition,
        };
        let build = join.left().execute(build_partition, context.clone())?;
        let plan = self.join.clone();
        let ran = self.ran.clone();
        let fallbacks =
            MetricBuilder::new(&self.metrics).counter("sort_merge_fallbacks", partition);
        let opened = async move {
            let join = plan
                .downcast_ref::<HashJoinExec>()
                .expect("AdaptiveHashJoinExec wraps a HashJoinExec");
            let schema = build.schema();
            let (rows, rest) = read_build_side(build, &context, partition).await?;
            let read = futures::stream::iter(rows.into_iter().map(Ok));
            let inner = match rest {
                None => {
                    let probe = Arc::new(PartitionOf::new(join.right().clone(), partition, false));
                    let build = Arc::new(OpenedStream::new(Box::pin(
                        RecordBatchStreamAdapter::new(schema, read),
                    )));
                    join.builder()
                        .with_partition_mode(PartitionMode::Partitioned)
                        .with_new_children(vec![build, probe])?
                        .reset_state()
                        .recompute_properties()
                        .build_exec()?
                }
                Some(rest) => {
                    fallbacks.add(1);
                    tracing::info!(
                        "hash join partition {partition}: the build side does not fit in \
                         managed memory; joining by sort-merge, spilling to disk"
                    );
                    let build = Arc::new(OpenedStream::new(unshared(Box::pin(
                        RecordBatchStreamAdapter::new(schema, read.chain(rest)),
                    ))));
                    let probe = Arc::new(PartitionOf::new(join.right().clone(), partition, true));
                    fallback::sort_merge(join, build, probe)?
                }
            };
            ran.lock().push(inner.clone());
            inner.execute(0, context)
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema(),
            futures::stream::once(opened).try_flatten(),
        )))
    }
}

/// Read `build` while its hash table would fit: all of it (`None` rest), or the rows read
/// up to the first that did not fit and the unread rest.
async fn read_build_side(
    mut build: SendableRecordBatchStream,
    context: &TaskContext,
    partition: usize,
) -> DFResult<(Vec<RecordBatch>, Option<SendableRecordBatchStream>)> {
    // Unspillable, as the hash join's own reservation: it succeeds exactly when the hash
    // join's would. Dropped (released) on return, before the hash join reserves.
    let reservation = MemoryConsumer::new(format!("HashJoinBuildSide[{partition}]"))
        .register(context.memory_pool());
    let limit = match context.memory_pool().memory_limit() {
        MemoryLimit::Finite(n) => Some(n),
        _ => None,
    };
    // Counted as the hash join counts: each shared allocation once (batches read from a
    // shuffle share one per message).
    let mut counter = RecordBatchMemoryCounter::new();
    let mut rows = Vec::new();
    let mut batch_bytes = 0usize;
    while let Some(batch) = build.next().await {
        let batch = batch?;
        let counted = counter.count_batch(&batch);
        batch_bytes = batch_bytes.saturating_add(counted);
        let needed = build_bytes_needed(counted, batch.num_rows());
        let reserved = || context.memory_pool().reserved();
        let fits = reservation.try_grow(needed).is_ok()
            && leaves_headroom(reserved(), limit)
            && peak_fits(reserved(), batch_bytes, limit);
        rows.push(batch);
        if !fits {
            return Ok((rows, Some(build)));
        }
    }
    Ok((rows, None))
}

/// Every metric of `plan`'s operators, down to the leaves the adaptive join read from.
fn add_metrics(plan: &dyn ExecutionPlan, out: &mut MetricsSet) {
    if let Some(m) = plan.metrics() {
        for metric in m.iter() {
            out.push(metric.clone());
        }
    }
    for child in plan.children() {
        add_metrics(child.as_ref(), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_side_holds_its_rows_and_a_hash_table_and_briefly_its_rows_twice() {
        assert_eq!(build_bytes_needed(1000, 10), 1400);
        assert_eq!(build_bytes_needed(0, 0), 0);
        assert_eq!(build_bytes_needed(usize::MAX, 1), usize::MAX);
        // 1400 held of a 2000-byte pool: the second copy of 1000 bytes does not fit.
        assert!(!peak_fits(1400, 1000, Some(2000)));
        assert!(peak_fits(1400, 600, Some(2000)));
        assert!(peak_fits(usize::MAX, 1, None));
    }

    #[test]
    fn a_hash_table_leaves_a_quarter_of_the_pool() {
        assert!(leaves_headroom(750, Some(1000)));
        assert!(!leaves_headroom(751, Some(1000)));
        assert!(leaves_headroom(usize::MAX, None));
    }
}
