//! The leaves an adaptive join's inner plan reads from: one partition of an input the
//! join was given, and a stream already opened (the build side, read once).

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, Partitioning, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
};
use futures::StreamExt;
use parking_lot::Mutex;

use crate::shuffle::compact::unshare_buffers;

fn single_partition(eq: EquivalenceProperties) -> Arc<PlanProperties> {
    Arc::new(PlanProperties::new(
        eq,
        Partitioning::UnknownPartitioning(1),
        EmissionType::Incremental,
        Boundedness::Bounded,
    ))
}

/// Partition `partition` of `input`, as a plan of one partition.
#[derive(Debug)]
pub(super) struct PartitionOf {
    input: Arc<dyn ExecutionPlan>,
    partition: usize,
    /// Copy each batch into buffers of its own (see [`unshared`]).
    unshare: bool,
    properties: Arc<PlanProperties>,
}

impl PartitionOf {
    pub(super) fn new(input: Arc<dyn ExecutionPlan>, partition: usize, unshare: bool) -> Self {
        // One partition of the input keeps its order and constants.
        let properties = single_partition(input.equivalence_properties().clone());
        PartitionOf {
            input,
            partition,
            unshare,
            properties,
        }
    }
}

/// A stream opened before the plan over it was built, handed out once.
pub(super) struct OpenedStream {
    schema: SchemaRef,
    stream: Mutex<Option<SendableRecordBatchStream>>,
    properties: Arc<PlanProperties>,
}

impl OpenedStream {
    pub(super) fn new(stream: SendableRecordBatchStream) -> Self {
        let schema = stream.schema();
        OpenedStream {
            properties: single_partition(EquivalenceProperties::new(schema.clone())),
            schema,
            stream: Mutex::new(Some(stream)),
        }
    }
}

impl fmt::Debug for OpenedStream {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("OpenedStream")
            .field("schema", &self.schema)
            .finish()
    }
}

impl DisplayAs for PartitionOf {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "PartitionOf: partition={}", self.partition)
    }
}

impl DisplayAs for OpenedStream {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "OpenedStream")
    }
}

macro_rules! leaf_plan {
    ($ty:ty, $name:literal, |$this:ident, $ctx:ident| $execute:expr) => {
        impl ExecutionPlan for $ty {
            fn name(&self) -> &str {
                $name
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
                _partition: usize,
                context: Arc<TaskContext>,
            ) -> DFResult<SendableRecordBatchStream> {
                let $this = self;
                let $ctx = context;
                $execute
            }
        }
    };
}

leaf_plan!(PartitionOf, "PartitionOf", |this, ctx| {
    let stream = this.input.execute(this.partition, ctx)?;
    Ok(if this.unshare {
        unshared(stream)
    } else {
        stream
    })
});

/// `stream` with each batch in buffers of its own (`unshare_buffers`), for sorts: batches
/// read from a shuffle share one allocation over all columns, and a join's output points
/// into its build side's strings, so a sort would count (and reserve) them many times.
pub(super) fn unshared(stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
    let schema = stream.schema();
    Box::pin(RecordBatchStreamAdapter::new(
        schema,
        stream.map(|b| {
            b.and_then(|b| {
                unshare_buffers(b).map_err(|e| DataFusionError::ArrowError(Box::new(e), None))
            })
        }),
    ))
}

leaf_plan!(OpenedStream, "OpenedStream", |this, _ctx| this
    .stream
    .lock()
    .take()
    .ok_or_else(|| DataFusionError::Internal(
        "an opened stream was read twice".into()
    )));
