//! What a running subtask knows about itself, handed to its operators through DataFusion's
//! session-config extensions: its attempt, its inputs' locations, the shuffle environment.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::execution::TaskContext;
use parking_lot::Mutex;

use crate::ids::ExecutionAttemptId;
use crate::runtime_filter::{BloomFilter, KeyHashes};
use crate::shuffle::{PartitionLocation, ShuffleEnvironment};

#[derive(Debug)]
pub struct TaskRuntime {
    pub job_id: String,
    pub attempt: ExecutionAttemptId,
    /// Subtasks of this subtask's vertex.
    pub parallelism: u32,
    /// Producer locations per input vertex, in producer-subtask order.
    pub inputs: HashMap<u32, Vec<PartitionLocation>>,
    /// Per input vertex, the subpartitions `[start, end)` this subtask reads of each
    /// producer, when the JobManager decided them (an adaptively scaled vertex).
    pub subpartitions: HashMap<u32, (u32, u32)>,
    pub shuffle: Arc<dyn ShuffleEnvironment>,
    /// Bytes the subtask's shuffle writer may buffer before spilling.
    pub memory_budget: usize,
    /// Set by the shuffle writer when the subtask's result partition is sealed.
    pub output: Mutex<Option<PartitionLocation>>,
    /// Rows the shuffle writer wrote to each subpartition (for balancing the consumers'
    /// subpartition ranges).
    pub subpartition_rows: Mutex<Vec<u64>>,
    /// Runtime filters this subtask applies, by the vertex whose keys they hold.
    pub runtime_filters: HashMap<u32, Arc<BloomFilter>>,
    /// Set by a shuffle writer that builds a runtime filter: the key hashes it wrote.
    pub key_hashes: Mutex<Option<KeyHashes>>,
}

impl TaskRuntime {
    pub fn from_ctx(ctx: &TaskContext) -> DFResult<Arc<TaskRuntime>> {
        ctx.session_config()
            .get_extension::<TaskRuntime>()
            .ok_or_else(|| {
                DataFusionError::Internal(
                    "shuffle operators run only inside a Weft TaskManager".to_string(),
                )
            })
    }
}
