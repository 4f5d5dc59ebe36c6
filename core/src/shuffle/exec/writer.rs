use std::fmt;
use std::sync::Arc;

use arrow::array::UInt64Array;
use arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result as DFResult;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::{EquivalenceProperties, Partitioning};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::metrics::Time;
use datafusion::physical_plan::repartition::BatchPartitioner;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
};
use futures::StreamExt;

use crate::catalog::sink_summary_schema;
use crate::error::to_datafusion;
use crate::runtime_filter::KeyHashes;
use crate::runtime_filter::hash::{key_columns, key_hashes};
use crate::shuffle::WriterSpec;
use crate::shuffle::compact::compact_views;
use crate::task_runtime::TaskRuntime;

/// Root of a producing vertex: partitions its input by `partitioning` (Hash, RoundRobinBatch,
/// or UnknownPartitioning(1) for a single output) into the subtask's result partition.
/// Yields one batch of (rows, bytes) written.
#[derive(Debug)]
pub struct ShuffleWriterExec {
    input: Arc<dyn ExecutionPlan>,
    partitioning: Partitioning,
    properties: Arc<PlanProperties>,
    /// Builds a runtime filter: collects the distinct hashes of its hash keys, at most
    /// this many.
    filter_max_keys: Option<u64>,
}

impl ShuffleWriterExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, partitioning: Partitioning) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(sink_summary_schema()),
            Partitioning::UnknownPartitioning(input.output_partitioning().partition_count()),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        ShuffleWriterExec {
            input,
            partitioning,
            properties,
            filter_max_keys: None,
        }
    }

    /// Also collect the hashes of the (hash-partitioning) keys written, for a runtime
    /// filter of at most `max_keys` distinct keys.
    pub fn with_runtime_filter(mut self, max_keys: u64) -> Self {
        self.filter_max_keys = Some(max_keys);
        self
    }

    pub fn filter_max_keys(&self) -> Option<u64> {
        self.filter_max_keys
    }

    pub fn partitioning(&self) -> &Partitioning {
        &self.partitioning
    }

    pub fn input(&self) -> &Arc<dyn ExecutionPlan> {
        &self.input
    }
}

impl DisplayAs for ShuffleWriterExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ShuffleWriterExec: partitioning={}", self.partitioning)?;
        if self.filter_max_keys.is_some() {
            write!(f, ", builds a runtime filter of its keys")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for ShuffleWriterExec {
    fn name(&self) -> &str {
        "ShuffleWriterExec"
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DFResult<TreeNodeRecursion>,
    ) -> DFResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let mut w = ShuffleWriterExec::new(children[0].clone(), self.partitioning.clone());
        w.filter_max_keys = self.filter_max_keys;
        Ok(Arc::new(w))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DFResult<SendableRecordBatchStream> {
        let rt = TaskRuntime::from_ctx(&context)?;
        let batch_rows = context.session_config().batch_size();
        let mut input = self.input.execute(partition, context)?;
        let schema = self.input.schema();
        let num_outputs = self.partitioning.partition_count();
        let num_inputs = self.input.output_partitioning().partition_count();
        let partitioning = self.partitioning.clone();
        let mut key_hashes = match (&self.partitioning, self.filter_max_keys) {
            (Partitioning::Hash(keys, _), Some(max)) => Some(KeyCollector::new(keys.clone(), max)),
            _ => None,
        };
        let fut = async move {
            let spec = WriterSpec {
                job_id: rt.job_id.clone(),
                vertex: rt.attempt.vertex,
                subtask: rt.attempt.subtask,
                attempt: rt.attempt.attempt,
                parallelism: rt.parallelism,
                num_partitions: num_outputs,
                memory_budget: rt.memory_budget,
                batch_rows,
            };
            let mut writer = rt
                .shuffle
                .create_writer(&spec, schema)
                .map_err(to_datafusion)?;
            let mut partitioner = match partitioning {
                Partitioning::UnknownPartitioning(_) => None,
                p => Some(BatchPartitioner::try_new(
                    p,
                    Time::new(),
                    partition,
                    num_inputs,
                )?),
            };
            let mut rows = 0u64;
            let mut per_subpartition = vec![0u64; num_outputs.max(1)];
            let mut parts = Vec::new();
            while let Some(batch) = input.next().await {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                if let Some(k) = key_hashes.as_mut() {
                    k.add(&batch)?;
                }
                match partitioner.as_mut() {
                    None => {
                        per_subpartition[0] += batch.num_rows() as u64;
                        writer
                            .write(0, compact_views(batch)?)
                            .await
                            .map_err(to_datafusion)?
                    }
                    Some(p) => {
                        p.partition(batch, |i, b| {
                            parts.push((i, b));
                            Ok(())
                        })?;
                        for (i, b) in parts.drain(..) {
                            if let Some(n) = per_subpartition.get_mut(i) {
                                *n += b.num_rows() as u64;
                            }
                            writer
                                .write(i, compact_views(b)?)
                                .await
                                .map_err(to_datafusion)?;
                        }
                    }
                }
            }
            let (location, bytes) = writer.finish().await.map_err(to_datafusion)?;
            *rt.output.lock() = Some(location);
            *rt.subpartition_rows.lock() = per_subpartition;
            if let Some(k) = key_hashes {
                *rt.key_hashes.lock() = Some(k.finish());
            }
            Ok(RecordBatch::try_new(
                sink_summary_schema(),
                vec![
                    Arc::new(UInt64Array::from(vec![rows])),
                    Arc::new(UInt64Array::from(vec![bytes])),
                ],
            )?)
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            sink_summary_schema(),
            futures::stream::once(fut),
        )))
    }
}

/// The distinct key hashes a build side's writer saw, given up past `max` of them.
struct KeyCollector {
    keys: Vec<Arc<dyn PhysicalExpr>>,
    max: usize,
    hashes: Vec<u64>,
    scratch: Vec<u64>,
    too_many: bool,
}

impl KeyCollector {
    fn new(keys: Vec<Arc<dyn PhysicalExpr>>, max: u64) -> Self {
        KeyCollector {
            keys,
            max: max.min(usize::MAX as u64) as usize,
            hashes: Vec::new(),
            scratch: Vec::new(),
            too_many: false,
        }
    }

    fn add(&mut self, batch: &RecordBatch) -> DFResult<()> {
        if self.too_many || batch.num_rows() == 0 {
            return Ok(());
        }
        let columns = key_columns(batch, &self.keys)?;
        match key_hashes(&columns, batch.num_rows(), &mut self.scratch)? {
            // A NULL key matches nothing: it needs no place in the filter.
            Some(valid) => self
                .hashes
                .extend(valid.valid_indices().map(|i| self.scratch[i])),
            None => self.hashes.extend_from_slice(&self.scratch),
        }
        if self.hashes.len() > 2 * self.max.max(1 << 16) {
            self.dedup();
        }
        Ok(())
    }

    fn dedup(&mut self) {
        self.hashes.sort_unstable();
        self.hashes.dedup();
        if self.hashes.len() > self.max {
            self.too_many = true;
            self.hashes = Vec::new();
        }
    }

    fn finish(mut self) -> KeyHashes {
        if !self.too_many {
            self.dedup();
        }
        if self.too_many {
            KeyHashes::TooMany
        } else {
            KeyHashes::Distinct(self.hashes)
        }
    }
}
