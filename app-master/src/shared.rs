//! State shared by the JobManager's components: the slot pool, the running JobMasters, the
//! resource driver that keeps the wanted number of TaskManagers alive.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::mpsc::UnboundedSender;
use weft_core::catalog::ConnectorRegistry;
use weft_core::config::Configuration;
use weft_core::proto::{JobStatusProto, ReleasePartitionsRequest};

use crate::job_master::JobEvent;
use crate::resource_manager::{ResourceDriver, SlotPool, WorkerSpec};

pub struct JobEntry {
    pub tx: UnboundedSender<JobEvent>,
    pub status: Arc<Mutex<JobStatusProto>>,
}

pub struct JobManagerShared {
    pub config: Configuration,
    pub registry: ConnectorRegistry,
    pub slots: Mutex<SlotPool>,
    pub jobs: Mutex<HashMap<String, JobEntry>>,
    /// Job ids in submission order (for listings).
    pub job_order: Mutex<Vec<String>>,
    pub driver: Arc<dyn ResourceDriver>,
    pub worker_spec: WorkerSpec,
    /// How many TaskManagers the ResourceManager keeps alive.
    pub wanted_workers: u32,
    /// Started but not yet registered.
    pub pending_workers: Mutex<HashSet<String>>,
    pub shutting_down: std::sync::atomic::AtomicBool,
}

impl JobManagerShared {
    /// Tell every running JobMaster.
    pub fn broadcast(&self, make: impl Fn() -> JobEvent) {
        for entry in self.jobs.lock().values() {
            let _ = entry.tx.send(make());
        }
    }

    /// A TaskManager is gone (process exited, heartbeat timed out, or unreachable): drop its
    /// slots, tell the JobMasters, and start a replacement.
    pub async fn task_manager_lost(self: &Arc<Self>, resource_id: &str, reason: &str) {
        let removed = self.slots.lock().remove(resource_id);
        self.pending_workers.lock().remove(resource_id);
        if removed.is_some() {
            tracing::warn!("TaskManager {resource_id} lost: {reason}");
            let rid = resource_id.to_string();
            self.broadcast(|| JobEvent::TaskManagerLost(rid.clone()));
            self.driver.stop_worker(resource_id).await;
        }
        self.ensure_workers().await;
    }

    /// Start TaskManagers until the wanted number are registered or starting.
    pub async fn ensure_workers(self: &Arc<Self>) {
        if self.shutting_down.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        loop {
            let have = self.slots.lock().task_managers.len() + self.pending_workers.lock().len();
            if have as u32 >= self.wanted_workers {
                return;
            }
            match self.driver.start_worker(&self.worker_spec).await {
                Ok(rid) => {
                    self.pending_workers.lock().insert(rid);
                }
                Err(e) => {
                    tracing::error!("cannot start a TaskManager: {e}");
                    return;
                }
            }
        }
    }

    /// Ask every TaskManager to delete a job's result partitions.
    pub fn release_partitions(&self, job_id: &str) {
        let clients: Vec<_> = self
            .slots
            .lock()
            .task_managers
            .values()
            .map(|t| t.client.clone())
            .collect();
        for mut c in clients {
            let job_id = job_id.to_string();
            tokio::spawn(async move {
                let _ = c
                    .release_partitions(ReleasePartitionsRequest { job_id })
                    .await;
            });
        }
    }
}
