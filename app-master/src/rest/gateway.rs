//! What the REST handlers read, behind a seam like Flink's `RestfulGateway`: the JobManager
//! implements it over [`JobManagerShared`]; tests serve a fixed picture.

use std::sync::Arc;

use parking_lot::Mutex;
use weft_core::proto::JobStatusProto;

use super::views::TaskManagerRow;
use crate::shared::JobManagerShared;

/// Read-only view of a JobManager for the REST API.
pub trait RestfulGateway: Send + Sync + 'static {
    /// Every job's status cell, in submission order.
    fn jobs(&self) -> Vec<Arc<Mutex<JobStatusProto>>>;
    /// One job's status cell.
    fn job(&self, job_id: &str) -> Option<Arc<Mutex<JobStatusProto>>>;
    /// The registered TaskManagers, ordered by resource id.
    fn task_managers(&self) -> Vec<TaskManagerRow>;
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
                since_last_heartbeat_ms: t.last_heartbeat.elapsed().as_millis() as u64,
            })
            .collect();
        rows.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        rows
    }
}
