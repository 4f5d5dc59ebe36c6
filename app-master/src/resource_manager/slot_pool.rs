//! Registered TaskManagers and their free slots. Allocation spreads subtasks over
//! TaskManagers (most free slots first).

use std::collections::HashMap;
use std::time::Instant;

use weft_core::proto::task_executor_gateway_client::TaskExecutorGatewayClient;

#[derive(Debug, Clone)]
pub struct TaskManagerInfo {
    pub resource_id: String,
    pub address: String,
    pub host: String,
    pub num_slots: u32,
    pub free_slots: u32,
    pub managed_memory: u64,
    pub pid: u32,
    pub data_dir: String,
    /// A YARN TaskManager's container log directory; empty for a local one.
    pub log_dir: String,
    pub last_heartbeat: Instant,
    pub registered_at: Instant,
    pub client: TaskExecutorGatewayClient<weft_core::security::AuthChannel>,
}

#[derive(Default)]
pub struct SlotPool {
    pub task_managers: HashMap<String, TaskManagerInfo>,
    /// Slots each job holds.
    held: HashMap<String, u32>,
    /// Slots each job declared it needs now, beyond those it holds.
    wanted: HashMap<String, u32>,
}

impl SlotPool {
    pub fn register(&mut self, tm: TaskManagerInfo) {
        self.task_managers.insert(tm.resource_id.clone(), tm);
    }

    pub fn remove(&mut self, resource_id: &str) -> Option<TaskManagerInfo> {
        self.task_managers.remove(resource_id)
    }

    /// `job` needs `n` more slots now (its subtasks ready to run).
    pub fn declare(&mut self, job: &str, n: u32) {
        self.wanted.insert(job.to_string(), n);
    }

    /// A slot for `job`, if one is free and the job is within its fair share of a
    /// session's slots ([`super::fair_share`]).
    pub fn allocate_for(&mut self, job: &str) -> Option<TaskManagerInfo> {
        if !super::fair_share::may_take(job, &self.held, &self.wanted, self.total_slots()) {
            return None;
        }
        let tm = self.allocate()?;
        *self.held.entry(job.to_string()).or_default() += 1;
        if let Some(w) = self.wanted.get_mut(job) {
            *w = w.saturating_sub(1);
        }
        Some(tm)
    }

    /// `job` gives back a slot of TaskManager `resource_id`.
    pub fn free_for(&mut self, job: &str, resource_id: &str) {
        if let Some(h) = self.held.get_mut(job) {
            *h = h.saturating_sub(1);
        }
        self.free(resource_id);
    }

    /// `job` ended: it holds and wants nothing.
    pub fn forget_job(&mut self, job: &str) {
        self.held.remove(job);
        self.wanted.remove(job);
    }

    /// Take one slot from the TaskManager with the most free slots.
    fn allocate(&mut self) -> Option<TaskManagerInfo> {
        let tm = self
            .task_managers
            .values_mut()
            .filter(|t| t.free_slots > 0)
            .max_by(|a, b| {
                a.free_slots
                    .cmp(&b.free_slots)
                    .then_with(|| b.resource_id.cmp(&a.resource_id))
            })?;
        tm.free_slots -= 1;
        Some(tm.clone())
    }

    pub fn free(&mut self, resource_id: &str) {
        if let Some(t) = self.task_managers.get_mut(resource_id) {
            t.free_slots = (t.free_slots + 1).min(t.num_slots);
        }
    }

    pub fn total_slots(&self) -> u32 {
        self.task_managers.values().map(|t| t.num_slots).sum()
    }

    pub fn free_slots(&self) -> u32 {
        self.task_managers.values().map(|t| t.free_slots).sum()
    }
}
