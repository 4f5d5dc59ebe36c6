//! Pluggable shuffle, after Flink's FLIP-31: the JobManager side ([`ShuffleMaster`]) tracks
//! and releases result partitions, the TaskManager side ([`ShuffleEnvironment`]) writes a map
//! subtask's result partition and reads reduce partitions of its producers. The built-in
//! implementation is the local sort-based blocking shuffle ([`local`], [`local_env`]).

pub mod compact;
pub mod exec;
pub mod local;
pub mod local_env;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::execution::SendableRecordBatchStream;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::proto::PartitionLocationProto;

/// Where a finished result partition can be read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLocation {
    /// The producing TaskManager's resource id.
    pub resource_id: String,
    /// Its data service address (host:port).
    pub address: String,
    pub host: String,
    pub data_path: String,
    pub index_path: String,
}

impl From<&PartitionLocationProto> for PartitionLocation {
    fn from(p: &PartitionLocationProto) -> Self {
        PartitionLocation {
            resource_id: p.resource_id.clone(),
            address: p.address.clone(),
            host: p.host.clone(),
            data_path: p.data_path.clone(),
            index_path: p.index_path.clone(),
        }
    }
}

impl From<&PartitionLocation> for PartitionLocationProto {
    fn from(p: &PartitionLocation) -> Self {
        PartitionLocationProto {
            resource_id: p.resource_id.clone(),
            address: p.address.clone(),
            host: p.host.clone(),
            data_path: p.data_path.clone(),
            index_path: p.index_path.clone(),
        }
    }
}

/// Writes one map subtask's result partition (all its reduce partitions).
#[async_trait]
pub trait ResultPartitionWriter: Send {
    async fn write(&mut self, partition: usize, batch: RecordBatch) -> Result<()>;
    /// Seal the output; returns where it can be read and the bytes written.
    async fn finish(self: Box<Self>) -> Result<(PartitionLocation, u64)>;
}

/// Which subtask attempt a result partition belongs to, and its shape.
#[derive(Debug, Clone)]
pub struct WriterSpec {
    pub job_id: String,
    pub vertex: u32,
    pub subtask: u32,
    pub attempt: u32,
    /// Subtasks of the producing vertex.
    pub parallelism: u32,
    /// Reduce partitions this subtask writes (1 for a pointwise / single output).
    pub num_partitions: usize,
    /// Bytes the writer may buffer.
    pub memory_budget: usize,
    /// Rows a written batch is coalesced up to (`execution.batch-size`): readers get
    /// batches no larger than the operators' own.
    pub batch_rows: usize,
}

/// TaskManager side of the shuffle.
pub trait ShuffleEnvironment: Send + Sync + std::fmt::Debug {
    fn create_writer(
        &self,
        spec: &WriterSpec,
        schema: SchemaRef,
    ) -> Result<Box<dyn ResultPartitionWriter>>;

    /// Stream one reduce partition of one producer's result partition.
    fn read_partition(
        &self,
        location: &PartitionLocation,
        partition: usize,
        schema: SchemaRef,
    ) -> Result<SendableRecordBatchStream>;

    /// Stream everything a consumer subtask reads from one input at once: `(producer
    /// location, reduce partition)` pairs in producer order. A shuffle that merges
    /// partitions across producers (the remote service) serves them together; `None` means
    /// read them one by one with [`read_partition`](Self::read_partition).
    fn read_input(
        &self,
        _targets: &[(PartitionLocation, usize)],
        _schema: SchemaRef,
    ) -> Option<Result<SendableRecordBatchStream>> {
        None
    }
}

/// JobManager side of the shuffle: frees result partitions once their job is done.
#[async_trait]
pub trait ShuffleMaster: Send + Sync {
    async fn release_partitions(&self, job_id: &str, locations: &[PartitionLocation]);
}
