//! TaskManager → JobManager: registration (slots offered to the ResourceManager),
//! heartbeats, and task state updates routed to their JobMaster.

use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};
use weft_core::proto::job_manager_gateway_server::JobManagerGateway;
use weft_core::proto::task_executor_gateway_client::TaskExecutorGatewayClient;
use weft_core::proto::{
    Ack, HeartbeatResponse, RegisterTaskManagerRequest, RegisterTaskManagerResponse,
    TaskExecutionStateProto, TaskManagerHeartbeat,
};
use weft_core::security::Peer;

use crate::job_master::JobEvent;
use crate::resource_manager::TaskManagerInfo;
use crate::shared::JobManagerShared;

pub struct GatewayService {
    pub shared: Arc<JobManagerShared>,
    pub jobmanager_id: String,
}

#[tonic::async_trait]
impl JobManagerGateway for GatewayService {
    async fn register_task_manager(
        &self,
        request: Request<RegisterTaskManagerRequest>,
    ) -> Result<Response<RegisterTaskManagerResponse>, Status> {
        let r = request.into_inner();
        let channel = Peer::new(r.address.clone(), self.shared.secret.clone())
            .lazy_channel()
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let client = TaskExecutorGatewayClient::new(channel)
            .max_decoding_message_size(256 << 20)
            .max_encoding_message_size(256 << 20);
        tracing::info!(
            "TaskManager {} registered at {} with {} slots",
            r.resource_id,
            r.address,
            r.num_slots
        );
        self.shared.pending_workers.lock().remove(&r.resource_id);
        self.shared.slots.lock().register(TaskManagerInfo {
            resource_id: r.resource_id,
            address: r.address,
            host: r.host,
            num_slots: r.num_slots,
            free_slots: r.num_slots,
            managed_memory: r.managed_memory,
            pid: r.pid,
            data_dir: r.data_dir,
            log_dir: r.log_dir,
            last_heartbeat: Instant::now(),
            registered_at: Instant::now(),
            client,
        });
        self.shared.broadcast(|| JobEvent::SlotsAvailable);
        Ok(Response::new(RegisterTaskManagerResponse {
            jobmanager_id: self.jobmanager_id.clone(),
        }))
    }

    async fn heartbeat(
        &self,
        request: Request<TaskManagerHeartbeat>,
    ) -> Result<Response<HeartbeatResponse>, Status> {
        let r = request.into_inner();
        let known = match self
            .shared
            .slots
            .lock()
            .task_managers
            .get_mut(&r.resource_id)
        {
            Some(tm) => {
                tm.last_heartbeat = Instant::now();
                true
            }
            None => false,
        };
        Ok(Response::new(HeartbeatResponse { known }))
    }

    async fn update_task_execution_state(
        &self,
        request: Request<TaskExecutionStateProto>,
    ) -> Result<Response<Ack>, Status> {
        let s = request.into_inner();
        if let Some(job) = self.shared.jobs.lock().get(&s.job_id) {
            let _ = job.tx.send(JobEvent::TaskState(s));
        }
        Ok(Response::new(Ack {}))
    }
}
