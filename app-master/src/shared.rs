//! State shared by the JobManager's components: the slot pool, the running JobMasters, the
//! resource driver that keeps the wanted number of TaskManagers alive.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use parking_lot::Mutex;
use tokio::sync::mpsc::UnboundedSender;
use weft_core::catalog::ConnectorRegistry;
use weft_core::config::Configuration;
use weft_core::proto::{JobEdgeProto, JobStatusProto, ReleasePartitionsRequest};

use crate::job_master::JobEvent;
use crate::resource_manager::{ResourceDriver, SlotPool, WorkerSpec};

pub struct JobEntry {
    pub tx: UnboundedSender<JobEvent>,
    pub status: Arc<Mutex<JobStatusProto>>,
    /// The JobGraph's edges as `(consumer vertex id, edge)`, for the REST API's plan.
    pub edges: Arc<Vec<(u32, JobEdgeProto)>>,
}

/// What a cancel request found (the gRPC Dispatcher and the REST API cancel alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The JobMaster was told to cancel.
    Requested,
    /// The job had already ended in this state (a `JobState` value).
    AlreadyEnded(i32),
    /// No job of that id.
    UnknownJob,
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
    /// The application's secret (see `weft_core::security`).
    pub secret: weft_core::security::ClusterSecret,
    /// How many TaskManagers the ResourceManager keeps alive.
    pub wanted_workers: AtomicU32,
    /// Worker starts in flight (asked of the driver, no resource id yet).
    pub starting: AtomicU32,
    /// Started but not yet registered.
    pub pending_workers: Mutex<HashSet<String>>,
    pub shutting_down: std::sync::atomic::AtomicBool,
    /// TaskManagers come and go with demand (YARN): started when a job needs slots,
    /// released after `resourcemanager.taskmanager-timeout` without work.
    pub elastic: bool,
    /// When a job last ran (for idle release).
    pub last_busy: Mutex<std::time::Instant>,
    /// Woken whenever a job reaches a final state (status long polls wait on it).
    pub job_ended: tokio::sync::Notify,
}

impl JobManagerShared {
    /// Ask a job's JobMaster to cancel it: the one cancel path of the JobManager.
    pub fn cancel_job(&self, job_id: &str) -> CancelOutcome {
        use weft_core::proto::JobState;
        let jobs = self.jobs.lock();
        let Some(job) = jobs.get(job_id) else {
            return CancelOutcome::UnknownJob;
        };
        let state = job.status.lock().state;
        if matches!(
            JobState::try_from(state),
            Ok(JobState::Finished | JobState::Failed | JobState::Canceled)
        ) {
            return CancelOutcome::AlreadyEnded(state);
        }
        let _ = job.tx.send(JobEvent::Cancel);
        tracing::info!("job {job_id}: cancel requested");
        CancelOutcome::Requested
    }

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

    /// Start TaskManagers until the wanted number are registered or starting. Starts run
    /// in the background (a YARN container takes a while to be allocated).
    pub async fn ensure_workers(self: &Arc<Self>) {
        if self.shutting_down.load(Ordering::SeqCst) {
            return;
        }
        let have = self.slots.lock().task_managers.len() as u32
            + self.pending_workers.lock().len() as u32
            + self.starting.load(Ordering::SeqCst);
        let wanted = self.wanted_workers.load(Ordering::SeqCst);
        for _ in have..wanted {
            self.starting.fetch_add(1, Ordering::SeqCst);
            let shared = self.clone();
            tokio::spawn(async move {
                let started = shared.driver.start_worker(&shared.worker_spec).await;
                match started {
                    Ok(rid) => {
                        shared.pending_workers.lock().insert(rid);
                    }
                    Err(e) => tracing::error!("cannot start a TaskManager: {e}"),
                }
                shared.starting.fetch_sub(1, Ordering::SeqCst);
            });
        }
    }

    /// Keep at least `n` TaskManagers (a job needs them).
    pub async fn want_at_least(self: &Arc<Self>, n: u32) {
        self.wanted_workers.fetch_max(n, Ordering::SeqCst);
        self.ensure_workers().await;
    }

    /// Is any job not yet in a terminal state?
    pub fn has_active_jobs(&self) -> bool {
        use weft_core::proto::JobState;
        self.jobs.lock().values().any(|j| {
            !matches!(
                JobState::try_from(j.status.lock().state),
                Ok(JobState::Finished | JobState::Failed | JobState::Canceled)
            )
        })
    }

    /// Elastic mode: with no job for `timeout`, release every TaskManager.
    pub async fn release_idle_workers(self: &Arc<Self>, timeout: std::time::Duration) {
        if !self.elastic {
            return;
        }
        if self.has_active_jobs() {
            *self.last_busy.lock() = std::time::Instant::now();
            return;
        }
        if self.last_busy.lock().elapsed() < timeout {
            return;
        }
        let idle: Vec<String> = self.slots.lock().task_managers.keys().cloned().collect();
        if idle.is_empty() {
            return;
        }
        self.wanted_workers.store(0, Ordering::SeqCst);
        for rid in idle {
            tracing::info!("releasing idle TaskManager {rid}");
            self.slots.lock().remove(&rid);
            self.driver.stop_worker(&rid).await;
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
