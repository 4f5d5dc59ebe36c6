//! Client → JobManager: job submission, status, cancellation. Each submitted job gets its
//! own JobMaster.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tonic::{Request, Response, Status};
use weft_core::WeftError;
use weft_core::proto::dispatcher_server::Dispatcher;
use weft_core::proto::{
    CancelJobRequest, CancelJobResponse, GetJobStatusRequest, JobEdgeProto, JobState,
    JobStatusProto, ListJobsRequest, ListJobsResponse, SubmitJobRequest, SubmitJobResponse,
};
use weft_core::rpc_error::to_status;

use crate::job_master::JobMaster;
use crate::shared::{CancelOutcome, JobEntry, JobManagerShared};

pub struct DispatcherService {
    pub shared: Arc<JobManagerShared>,
}

#[tonic::async_trait]
impl Dispatcher for DispatcherService {
    async fn submit_job(
        &self,
        request: Request<SubmitJobRequest>,
    ) -> Result<Response<SubmitJobResponse>, Status> {
        let graph = request
            .into_inner()
            .job_graph
            .ok_or_else(|| to_status(&WeftError::internal("submission without a JobGraph")))?;
        let job_id = graph.job_id.clone();
        if self.shared.jobs.lock().contains_key(&job_id) {
            return Err(to_status(&WeftError::internal(format!(
                "job {job_id} was already submitted"
            ))));
        }
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let status = Arc::new(Mutex::new(JobStatusProto {
            job_id: job_id.clone(),
            name: graph.name.clone(),
            state: JobState::Created as i32,
            start_time_ms: now_ms,
            ..Default::default()
        }));
        if self.shared.elastic {
            // Start the TaskManagers the job needs (YARN: containers on demand).
            let slots = self.shared.worker_spec.num_slots.max(1);
            let p = graph
                .vertices
                .iter()
                .map(|v| v.parallelism)
                .max()
                .unwrap_or(1);
            self.shared.want_at_least(p.div_ceil(slots)).await;
        }
        let edges: Vec<(u32, JobEdgeProto)> = graph
            .vertices
            .iter()
            .flat_map(|v| v.inputs.iter().map(|e| (v.id, *e)))
            .collect();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let master = JobMaster::new(self.shared.clone(), graph, status.clone(), tx.clone())
            .map_err(|e| to_status(&e))?;
        self.shared.jobs.lock().insert(
            job_id.clone(),
            JobEntry {
                tx,
                status,
                edges: Arc::new(edges),
            },
        );
        self.shared.job_order.lock().push(job_id.clone());
        tracing::info!("job {job_id} submitted");
        tokio::spawn(master.run(rx));
        Ok(Response::new(SubmitJobResponse { job_id }))
    }

    async fn get_job_status(
        &self,
        request: Request<GetJobStatusRequest>,
    ) -> Result<Response<JobStatusProto>, Status> {
        let r = request.into_inner();
        let status = {
            let jobs = self.shared.jobs.lock();
            let job = jobs.get(&r.job_id).ok_or_else(|| {
                Status::not_found(format!("job {} is not known to this JobManager", r.job_id))
            })?;
            job.status.clone()
        };
        let ended = || {
            matches!(
                JobState::try_from(status.lock().state),
                Ok(JobState::Finished | JobState::Failed | JobState::Canceled)
            )
        };
        let deadline = tokio::time::Instant::now() + Duration::from_millis(r.wait_ms.into());
        while r.wait_ms > 0 && !ended() {
            let notified = self.shared.job_ended.notified();
            tokio::pin!(notified);
            // Registered before the check below, so an end in between still wakes us.
            notified.as_mut().enable();
            if ended() || tokio::time::timeout_at(deadline, notified).await.is_err() {
                break;
            }
        }
        let mut st = status.lock().clone();
        if !r.include_result {
            st.result.clear();
        }
        Ok(Response::new(st))
    }

    async fn cancel_job(
        &self,
        request: Request<CancelJobRequest>,
    ) -> Result<Response<CancelJobResponse>, Status> {
        let r = request.into_inner();
        match self.shared.cancel_job(&r.job_id) {
            CancelOutcome::UnknownJob => Err(Status::not_found(format!(
                "job {} is not known to this JobManager",
                r.job_id
            ))),
            // Cancelling an ended job changes nothing.
            CancelOutcome::Requested | CancelOutcome::AlreadyEnded(_) => {
                Ok(Response::new(CancelJobResponse {}))
            }
        }
    }

    async fn list_jobs(
        &self,
        _request: Request<ListJobsRequest>,
    ) -> Result<Response<ListJobsResponse>, Status> {
        let jobs = self.shared.jobs.lock();
        let order = self.shared.job_order.lock();
        Ok(Response::new(ListJobsResponse {
            jobs: order
                .iter()
                .filter_map(|id| jobs.get(id))
                .map(|j| {
                    let mut s = j.status.lock().clone();
                    s.result.clear();
                    s
                })
                .collect(),
        }))
    }
}
