//! JobManager → TaskManager: deploy and cancel subtasks, release result partitions, shut
//! down; and the data service consumers fetch result partitions from.

use std::collections::HashMap;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use parking_lot::Mutex;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use weft_core::WeftError;
use weft_core::catalog::ConnectorRegistry;
use weft_core::config::Configuration;
use weft_core::ids::{is_job_id, parse_result_partition_name};
use weft_core::proto::job_manager_gateway_client::JobManagerGatewayClient;
use weft_core::proto::task_executor_gateway_server::TaskExecutorGateway;
use weft_core::proto::{
    Ack, CancelTaskRequest, DataChunk, FetchPartitionRequest, ReleasePartitionsRequest,
    ShutdownRequest, TaskDeploymentDescriptor,
};
use weft_core::rpc_error::to_status;
use weft_core::security::AuthChannel;
use weft_core::shuffle::local::{
    DEFAULT_CHUNK_BYTES, PartitionChunkReader, data_file_path, index_file_path,
};
use weft_core::shuffle::local_env::LocalShuffleEnvironment;

use crate::task::{TaskEnv, release_job_partitions, run_task};

type AttemptKey = (String, u32, u32, u32);

pub struct TaskExecutorService {
    env: Arc<TaskEnv>,
    shuffle_dir: PathBuf,
    jm: JobManagerGatewayClient<AuthChannel>,
    running: Arc<Mutex<HashMap<AttemptKey, tokio::task::AbortHandle>>>,
    shutdown: tokio::sync::mpsc::Sender<()>,
}

impl TaskExecutorService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        resource_id: String,
        _config: Configuration,
        registry: ConnectorRegistry,
        shuffle: Arc<LocalShuffleEnvironment>,
        jm: JobManagerGatewayClient<AuthChannel>,
        slot_memory: u64,
        data_dir: PathBuf,
        shutdown: tokio::sync::mpsc::Sender<()>,
    ) -> Self {
        let spill_dir = data_dir.join("spill");
        let _ = std::fs::create_dir_all(&spill_dir);
        TaskExecutorService {
            shuffle_dir: shuffle.dir.clone(),
            env: Arc::new(TaskEnv {
                resource_id,
                registry,
                shuffle,
                slot_memory,
                spill_dir,
            }),
            jm,
            running: Arc::new(Mutex::new(HashMap::new())),
            shutdown,
        }
    }
}

#[tonic::async_trait]
impl TaskExecutorGateway for TaskExecutorService {
    async fn submit_task(
        &self,
        request: Request<TaskDeploymentDescriptor>,
    ) -> Result<Response<Ack>, Status> {
        let desc = request.into_inner();
        let key = (
            desc.job_id.clone(),
            desc.vertex_id,
            desc.subtask,
            desc.attempt,
        );
        let env = self.env.clone();
        let mut jm = self.jm.clone();
        let running = self.running.clone();
        let k = key.clone();
        let handle = tokio::spawn(async move {
            let state = run_task(desc, env).await;
            running.lock().remove(&k);
            if let Err(e) = jm.update_task_execution_state(state).await {
                tracing::error!("cannot report task state to the JobManager: {e}");
            }
        });
        self.running.lock().insert(key, handle.abort_handle());
        Ok(Response::new(Ack {}))
    }

    async fn cancel_task(
        &self,
        request: Request<CancelTaskRequest>,
    ) -> Result<Response<Ack>, Status> {
        let r = request.into_inner();
        if let Some(h) = self
            .running
            .lock()
            .remove(&(r.job_id, r.vertex_id, r.subtask, r.attempt))
        {
            h.abort();
        }
        Ok(Response::new(Ack {}))
    }

    async fn release_partitions(
        &self,
        request: Request<ReleasePartitionsRequest>,
    ) -> Result<Response<Ack>, Status> {
        let job_id = request.into_inner().job_id;
        if !is_job_id(&job_id) {
            return Err(to_status(&WeftError::internal(format!(
                "cannot release the partitions of `{job_id}`: not a job id"
            ))));
        }
        let dir = self.shuffle_dir.clone();
        tokio::task::spawn_blocking(move || release_job_partitions(&dir, &job_id));
        Ok(Response::new(Ack {}))
    }

    async fn shutdown(&self, _request: Request<ShutdownRequest>) -> Result<Response<Ack>, Status> {
        let _ = self.shutdown.send(()).await;
        Ok(Response::new(Ack {}))
    }

    type FetchPartitionStream = Pin<Box<dyn Stream<Item = Result<DataChunk, Status>> + Send>>;

    async fn fetch_partition(
        &self,
        request: Request<FetchPartitionRequest>,
    ) -> Result<Response<Self::FetchPartitionStream>, Status> {
        let r = request.into_inner();
        // The request names a result partition; the path is this TaskManager's to choose.
        if parse_result_partition_name(&r.result_partition).is_none() {
            return Err(to_status(&WeftError::PartitionNotFound {
                partition: r.result_partition,
                message: "that is not the name of a result partition; a partition request names \
                          one (`<job>-<vertex>_<subtask>_<attempt>`), never a path"
                    .into(),
            }));
        }
        let reader = PartitionChunkReader::open(
            &data_file_path(&self.shuffle_dir, &r.result_partition),
            &index_file_path(&self.shuffle_dir, &r.result_partition),
            r.partition as usize,
            DEFAULT_CHUNK_BYTES,
        )
        .map_err(|e| to_status(&WeftError::from(e)))?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            for chunk in reader {
                let item = chunk
                    .map(|data| DataChunk {
                        data: data.to_vec(),
                    })
                    .map_err(|e| to_status(&WeftError::from(e)));
                let failed = item.is_err();
                if tx.blocking_send(item).is_err() || failed {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
