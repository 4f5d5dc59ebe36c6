//! The client side: [`RemoteShuffleEnvironment`] (TaskManagers: push map output, read reduce
//! partitions) and [`RemoteShuffleMaster`] (JobManager: unregister a finished job's shuffles).

pub mod conn;
mod reader;
mod writer;

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::execution::SendableRecordBatchStream;
use weft_core::config::{self, Configuration};
use weft_core::rpc_error::from_peer_status;
use weft_core::shuffle::local::CompressionCodec;
use weft_core::shuffle::{
    PartitionLocation, ResultPartitionWriter, ShuffleEnvironment, ShuffleMaster, WriterSpec,
};
use weft_core::{Result, WeftError};

use crate::location::RemoteLocation;
use crate::proto::{ShuffleAck, UnregisterJobRequest};

/// Settings a TaskManager's remote shuffle client runs with.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub coordinator: String,
    pub replicas: u32,
    pub codec: CompressionCodec,
    pub push_buffer: usize,
    /// Read a same-host worker's files directly.
    pub local_read: bool,
}

impl ClientOptions {
    pub fn from_config(conf: &Configuration) -> Result<Self> {
        let coordinator = conf.get_string(config::SHUFFLE_REMOTE_COORDINATOR);
        if coordinator.trim().is_empty() {
            return Err(WeftError::config(
                config::SHUFFLE_REMOTE_COORDINATOR.key,
                "shuffle.mode = remote needs the coordinator's host:port, e.g. SET 'shuffle.remote.coordinator' = 'shuffle-host:9870' (start it with `weft shuffle coordinator --listen …`)",
            ));
        }
        let replicas = conf.get_int(config::SHUFFLE_REMOTE_REPLICAS);
        if !(1..=2).contains(&replicas) {
            return Err(WeftError::config(
                config::SHUFFLE_REMOTE_REPLICAS.key,
                format!("must be 1 or 2, got {replicas}"),
            ));
        }
        crate::auth::load_service_secret(conf)?;
        let codec = conf
            .get_string(config::SHUFFLE_COMPRESSION)
            .parse()
            .map_err(|e| WeftError::config(config::SHUFFLE_COMPRESSION.key, format!("{e}")))?;
        Ok(ClientOptions {
            coordinator: coordinator.trim().to_string(),
            replicas: replicas as u32,
            codec,
            push_buffer: conf.get_memory(config::SHUFFLE_REMOTE_PUSH_BUFFER) as usize,
            local_read: conf.get_bool(config::SHUFFLE_REMOTE_LOCAL_READ),
        })
    }
}

/// TaskManager side of the remote shuffle.
#[derive(Debug, Clone)]
pub struct RemoteShuffleEnvironment {
    pub options: Arc<ClientOptions>,
}

impl RemoteShuffleEnvironment {
    pub fn new(options: ClientOptions) -> Self {
        RemoteShuffleEnvironment {
            options: Arc::new(options),
        }
    }
}

impl ShuffleEnvironment for RemoteShuffleEnvironment {
    fn create_writer(
        &self,
        spec: &WriterSpec,
        schema: SchemaRef,
    ) -> Result<Box<dyn ResultPartitionWriter>> {
        Ok(Box::new(writer::RemoteWriter::new(
            self.options.clone(),
            spec.clone(),
            schema,
        )))
    }

    fn read_partition(
        &self,
        location: &PartitionLocation,
        partition: usize,
        schema: SchemaRef,
    ) -> Result<SendableRecordBatchStream> {
        match self.read_input(&[(location.clone(), partition)], schema) {
            Some(s) => s,
            None => Err(not_remote(location)),
        }
    }

    fn read_input(
        &self,
        targets: &[(PartitionLocation, usize)],
        schema: SchemaRef,
    ) -> Option<Result<SendableRecordBatchStream>> {
        let mut parsed = Vec::with_capacity(targets.len());
        for (loc, p) in targets {
            match RemoteLocation::parse(loc) {
                Some(r) => parsed.push((r, *p)),
                None if parsed.is_empty() => return None,
                None => return Some(Err(not_remote(loc))),
            }
        }
        Some(Ok(reader::read(self.options.clone(), parsed, schema)))
    }
}

fn not_remote(loc: &PartitionLocation) -> WeftError {
    WeftError::internal(format!(
        "result partition {} was not written by the remote shuffle service",
        loc.data_path
    ))
}

/// JobManager side: a finished job's shuffles are unregistered (workers delete them).
#[derive(Debug, Clone)]
pub struct RemoteShuffleMaster {
    pub coordinator: String,
}

#[async_trait]
impl ShuffleMaster for RemoteShuffleMaster {
    async fn release_partitions(&self, job_id: &str, _locations: &[PartitionLocation]) {
        let r = async {
            let mut c = conn::coordinator(&self.coordinator).await?;
            c.unregister_job(UnregisterJobRequest {
                job_id: job_id.to_string(),
            })
            .await
            .map_err(|s| from_peer_status(&s, "shuffle coordinator", &self.coordinator))
        }
        .await;
        if let Err(e) = r {
            tracing::warn!(
                "job {job_id}: cannot unregister its shuffles ({e}); the coordinator expires them after shuffle.remote.expiry"
            );
        }
    }
}

/// Fail fast before a job runs: the coordinator answers and has enough live workers.
pub async fn check_coordinator(conf: &Configuration) -> Result<()> {
    let o = ClientOptions::from_config(conf)?;
    let mut c = conn::coordinator(&o.coordinator).await?;
    let st = c
        .status(ShuffleAck {})
        .await
        .map_err(|s| from_peer_status(&s, "shuffle coordinator", &o.coordinator))?
        .into_inner();
    if st.live_workers < o.replicas {
        return Err(WeftError::Unreachable {
            what: "shuffle workers".into(),
            address: o.coordinator.clone(),
            message: format!(
                "the coordinator has {} live worker(s), shuffle.remote.replicas = {} needs at least that many; start workers with `weft shuffle worker --coordinator {}`",
                st.live_workers, o.replicas, o.coordinator
            ),
        });
    }
    Ok(())
}
