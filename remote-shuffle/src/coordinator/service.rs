//! The coordinator's gRPC service: thin wrappers over [`State`](super::State).

use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};
use weft_core::rpc_error::to_status;

use super::Coordinator;
use crate::auth::{self, app_of};
use crate::proto::shuffle_coordinator_server::ShuffleCoordinator;
use crate::proto::{
    CommitMapRequest, CoordinatorStatus, HeartbeatResponse, ReadPlan, ReadPlanRequest,
    RegisterShuffleRequest, RegisterWorkerResponse, ReportFailedWorkerRequest, ShuffleAck,
    ShufflePlacement, UnregisterJobRequest, WorkerInfo,
};

pub struct CoordinatorService(pub Arc<Coordinator>);

#[tonic::async_trait]
impl ShuffleCoordinator for CoordinatorService {
    async fn register_worker(
        &self,
        request: Request<WorkerInfo>,
    ) -> Result<Response<RegisterWorkerResponse>, Status> {
        let info = request.into_inner();
        tracing::info!(
            "shuffle worker {} registered ({} MiB free)",
            info.address,
            info.disk_free >> 20
        );
        self.0.state.lock().register_worker(info, Instant::now());
        Ok(Response::new(RegisterWorkerResponse {
            heartbeat_interval_ms: self.0.options.heartbeat_interval.as_millis() as u64,
        }))
    }

    async fn heartbeat(
        &self,
        request: Request<WorkerInfo>,
    ) -> Result<Response<HeartbeatResponse>, Status> {
        let r = self
            .0
            .state
            .lock()
            .heartbeat(request.into_inner(), Instant::now());
        Ok(Response::new(match r {
            Some(removed_shuffles) => HeartbeatResponse {
                removed_shuffles,
                reregister: false,
            },
            None => HeartbeatResponse {
                removed_shuffles: Vec::new(),
                reregister: true,
            },
        }))
    }

    async fn register_shuffle(
        &self,
        request: Request<RegisterShuffleRequest>,
    ) -> Result<Response<ShufflePlacement>, Status> {
        let app = app_of(&request);
        let r = request.into_inner();
        self.0
            .owners
            .lock()
            .claim(&r.job_id, &r.shuffle_id, app.as_deref())
            .map_err(|e| auth::to_status(&e))?;
        let partitions = self
            .0
            .state
            .lock()
            .register_shuffle(
                &r.job_id,
                &r.shuffle_id,
                r.num_partitions,
                r.replicas,
                Instant::now(),
            )
            .map_err(|e| to_status(&e))?;
        self.0.metrics.shuffles_registered.add(1);
        Ok(Response::new(ShufflePlacement { partitions }))
    }

    async fn report_failed_worker(
        &self,
        request: Request<ReportFailedWorkerRequest>,
    ) -> Result<Response<ShuffleAck>, Status> {
        let r = request.into_inner();
        self.0.metrics.workers_reported_failed.add(1);
        self.0
            .state
            .lock()
            .lose_worker(&r.address, &format!("reported by a client: {}", r.reason));
        Ok(Response::new(ShuffleAck {}))
    }

    async fn commit_map(
        &self,
        request: Request<CommitMapRequest>,
    ) -> Result<Response<ShuffleAck>, Status> {
        let app = app_of(&request);
        let r = request.into_inner();
        self.0
            .owners
            .lock()
            .check_shuffle(&r.shuffle_id, app.as_deref())
            .map_err(|e| auth::to_status(&e))?;
        self.0
            .state
            .lock()
            .commit_map(
                &r.shuffle_id,
                r.map_id,
                r.attempt,
                r.epochs,
                r.batches,
                Instant::now(),
            )
            .map_err(|e| to_status(&e))?;
        self.0.metrics.maps_committed.add(1);
        Ok(Response::new(ShuffleAck {}))
    }

    async fn get_read_plan(
        &self,
        request: Request<ReadPlanRequest>,
    ) -> Result<Response<ReadPlan>, Status> {
        let app = app_of(&request);
        let r = request.into_inner();
        self.0
            .owners
            .lock()
            .check_shuffle(&r.shuffle_id, app.as_deref())
            .map_err(|e| auth::to_status(&e))?;
        let plan = self
            .0
            .state
            .lock()
            .read_plan(&r.shuffle_id, r.partition, &r.maps, Instant::now())
            .map_err(|e| to_status(&e))?;
        self.0.metrics.read_plans.add(1);
        Ok(Response::new(plan))
    }

    async fn unregister_job(
        &self,
        request: Request<UnregisterJobRequest>,
    ) -> Result<Response<ShuffleAck>, Status> {
        let app = app_of(&request);
        let job = request.into_inner().job_id;
        {
            let mut owners = self.0.owners.lock();
            owners
                .check_job(&job, app.as_deref())
                .map_err(|e| auth::to_status(&e))?;
            owners.forget_job(&job);
        }
        let n = self.0.state.lock().unregister_job(&job);
        if n > 0 {
            tracing::info!("job {job}: {n} shuffle(s) unregistered");
        }
        Ok(Response::new(ShuffleAck {}))
    }

    async fn status(
        &self,
        _request: Request<ShuffleAck>,
    ) -> Result<Response<CoordinatorStatus>, Status> {
        let st = self.0.state.lock();
        Ok(Response::new(CoordinatorStatus {
            live_workers: st.workers.len() as u32,
            shuffles: st.shuffles.len() as u32,
        }))
    }
}
