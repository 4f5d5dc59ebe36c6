use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::{EquivalenceProperties, Partitioning};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::{StreamExt, TryStreamExt};

use crate::adaptive::planned_share;
use crate::error::to_datafusion;
use crate::task_runtime::TaskRuntime;

/// How a consumer's partitions map onto its producer's subtasks (Flink's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistributionPattern {
    /// Consumer partition p reads reduce partition p of every producer subtask.
    AllToAll,
    /// Consumer partition p reads the single output of producer subtask p.
    Pointwise,
}

/// Leaf of a consuming vertex: streams its partition's share of the producer vertex's
/// BLOCKING result, wherever the producers' TaskManagers put it.
#[derive(Debug)]
pub struct ShuffleReaderExec {
    schema: SchemaRef,
    source_vertex: u32,
    pattern: DistributionPattern,
    /// Every partition reads the producers' whole (single-partition) result: a small
    /// side copied to each subtask of the consumer.
    replicated: bool,
    /// Subpartitions each producer wrote (at least the partitions read): partition p of
    /// n reads its even share of them, unless the JobManager gave this subtask a range.
    subpartitions: usize,
    properties: Arc<PlanProperties>,
}

impl ShuffleReaderExec {
    pub fn new(
        schema: SchemaRef,
        source_vertex: u32,
        pattern: DistributionPattern,
        num_partitions: usize,
    ) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(num_partitions),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        ShuffleReaderExec {
            schema,
            source_vertex,
            pattern,
            replicated: false,
            subpartitions: num_partitions,
            properties,
        }
    }

    /// A reader of `num_partitions` partitions that each stream all of the producers'
    /// single result partition.
    pub fn replicated(schema: SchemaRef, source_vertex: u32, num_partitions: usize) -> Self {
        ShuffleReaderExec {
            replicated: true,
            ..Self::new(
                schema,
                source_vertex,
                DistributionPattern::AllToAll,
                num_partitions,
            )
        }
    }

    /// This reader with the properties of the exchange it replaces: rows hash-partitioned
    /// on `hash_exprs` (empty: unknown), and the orderings, constants and equal columns of
    /// `eq` (which must hold for each partition this reader streams).
    pub fn with_properties(
        mut self,
        hash_exprs: Vec<Arc<dyn PhysicalExpr>>,
        eq: EquivalenceProperties,
    ) -> Self {
        let n = self.num_partitions();
        let partitioning = if hash_exprs.is_empty() {
            Partitioning::UnknownPartitioning(n)
        } else {
            Partitioning::Hash(hash_exprs, n)
        };
        self.properties = Arc::new(PlanProperties::new(
            eq,
            partitioning,
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        self
    }

    /// Producers wrote `m` subpartitions (for adaptive parallelism, more than this reader
    /// has partitions).
    pub fn with_subpartitions(mut self, m: usize) -> Self {
        self.subpartitions = m.max(self.num_partitions());
        self
    }

    pub fn subpartitions(&self) -> usize {
        self.subpartitions
    }

    /// The expressions the rows are hash-partitioned on (none: unknown partitioning).
    pub fn hash_exprs(&self) -> Option<&[Arc<dyn PhysicalExpr>]> {
        match &self.properties.partitioning {
            Partitioning::Hash(exprs, _) => Some(exprs),
            _ => None,
        }
    }

    pub fn is_replicated(&self) -> bool {
        self.replicated
    }

    pub fn source_vertex(&self) -> u32 {
        self.source_vertex
    }

    pub fn pattern(&self) -> DistributionPattern {
        self.pattern
    }

    pub fn num_partitions(&self) -> usize {
        self.properties.partitioning.partition_count()
    }
}

impl DisplayAs for ShuffleReaderExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "ShuffleReaderExec: source=vertex {}, pattern={:?}{}, partitions={}",
            self.source_vertex,
            self.pattern,
            if self.replicated { " (replicated)" } else { "" },
            self.num_partitions()
        )
    }
}

impl ExecutionPlan for ShuffleReaderExec {
    fn name(&self) -> &str {
        "ShuffleReaderExec"
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
        vec![]
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DFResult<SendableRecordBatchStream> {
        let rt = TaskRuntime::from_ctx(&context)?;
        let producers = rt.inputs.get(&self.source_vertex).ok_or_else(|| {
            DataFusionError::Internal(format!(
                "no input locations for vertex {} in the task descriptor",
                self.source_vertex
            ))
        })?;
        let targets: Vec<_> = match self.pattern {
            DistributionPattern::AllToAll if self.replicated => {
                producers.iter().map(|l| (l.clone(), 0)).collect()
            }
            DistributionPattern::AllToAll => {
                let share: Vec<u32> = match rt.subpartitions.get(&self.source_vertex) {
                    Some(&(start, end)) => (start..end).collect(),
                    None => planned_share(
                        partition as u32,
                        self.num_partitions() as u32,
                        self.subpartitions as u32,
                    ),
                };
                producers
                    .iter()
                    .flat_map(|l| share.iter().map(move |&p| (l.clone(), p as usize)))
                    .collect()
            }
            DistributionPattern::Pointwise => {
                let l = producers.get(partition).ok_or_else(|| {
                    DataFusionError::Internal(format!(
                        "pointwise input partition {partition} has no producer"
                    ))
                })?;
                vec![(l.clone(), 0)]
            }
        };
        if let Some(stream) = rt.shuffle.read_input(&targets, self.schema.clone()) {
            return stream.map_err(to_datafusion);
        }
        let schema = self.schema.clone();
        let shuffle = rt.shuffle.clone();
        let stream = futures::stream::iter(targets)
            .map(move |(loc, part)| {
                shuffle
                    .read_partition(&loc, part, schema.clone())
                    .map_err(to_datafusion)
            })
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            stream,
        )))
    }
}
