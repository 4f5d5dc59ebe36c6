//! What the REST handlers read and do, behind a seam like Flink's `RestfulGateway`: the
//! JobManager implements it over [`JobManagerShared`]; tests serve a fixed picture.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use weft_core::proto::{JobEdgeProto, JobStatusProto};
use weft_core::security::ClusterSecret;

use super::views::{LogLocation, TaskManagerRow};
use crate::shared::{CancelOutcome, JobManagerShared};

/// A view of a JobManager for the REST API: reads, and the one control it offers (cancel).
pub trait RestfulGateway: Send + Sync + 'static {
    /// Every job's status cell, in submission order.
    fn jobs(&self) -> Vec<Arc<Mutex<JobStatusProto>>>;
    /// One job's status cell.
    fn job(&self, job_id: &str) -> Option<Arc<Mutex<JobStatusProto>>>;
    /// A job's JobGraph edges as `(consumer vertex id, edge)`.
    fn job_edges(&self, _job_id: &str) -> Vec<(u32, JobEdgeProto)> {
        Vec::new()
    }
    /// The registered TaskManagers, ordered by resource id.
    fn task_managers(&self) -> Vec<TaskManagerRow>;
    /// The JobManager's configuration, `(key, value)`.
    fn config_entries(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Where the JobManager's own logs are.
    fn jobmanager_logs(&self) -> LogLocation {
        LogLocation::Nowhere
    }
    /// The application's secret, which a cancel request must present.
    fn secret(&self) -> ClusterSecret;
    /// Cancel a job (what the gRPC Dispatcher's `cancel_job` does).
    fn cancel_job(&self, job_id: &str) -> CancelOutcome;
}

impl RestfulGateway for JobManagerShared {
    /// The job table's lock is released before any status is locked, so a JobMaster
    /// publishing its status never waits for a REST request.
    fn jobs(&self) -> Vec<Arc<Mutex<JobStatusProto>>> {
        let jobs = self.jobs.lock();
        let order = self.job_order.lock();
        order
            .iter()
            .filter_map(|id| jobs.get(id))
            .map(|j| j.status.clone())
            .collect()
    }

    fn job(&self, job_id: &str) -> Option<Arc<Mutex<JobStatusProto>>> {
        self.jobs.lock().get(job_id).map(|j| j.status.clone())
    }

    fn job_edges(&self, job_id: &str) -> Vec<(u32, JobEdgeProto)> {
        self.jobs
            .lock()
            .get(job_id)
            .map(|j| j.edges.as_ref().clone())
            .unwrap_or_default()
    }

    fn task_managers(&self) -> Vec<TaskManagerRow> {
        let mut rows: Vec<TaskManagerRow> = self
            .slots
            .lock()
            .task_managers
            .values()
            .map(|t| TaskManagerRow {
                resource_id: t.resource_id.clone(),
                address: t.address.clone(),
                host: t.host.clone(),
                num_slots: t.num_slots,
                free_slots: t.free_slots,
                managed_memory: t.managed_memory,
                pid: t.pid,
                data_dir: t.data_dir.clone(),
                log_dir: t.log_dir.clone(),
                since_last_heartbeat_ms: t.last_heartbeat.elapsed().as_millis() as u64,
            })
            .collect();
        rows.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        rows
    }

    fn config_entries(&self) -> Vec<(String, String)> {
        self.config
            .entries()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// In a YARN container (the ApplicationMaster) the NodeManager's `LOG_DIRS`, where
    /// the container's command writes `jobmanager.log`; a local JobManager logs to the
    /// terminal.
    fn jobmanager_logs(&self) -> LogLocation {
        match std::env::var("LOG_DIRS") {
            Ok(dirs) if !dirs.is_empty() => {
                LogLocation::Dir(PathBuf::from(dirs.split(',').next().unwrap_or(&dirs)))
            }
            _ => LogLocation::Nowhere,
        }
    }

    fn secret(&self) -> ClusterSecret {
        self.secret.clone()
    }

    fn cancel_job(&self, job_id: &str) -> CancelOutcome {
        JobManagerShared::cancel_job(self, job_id)
    }
}
