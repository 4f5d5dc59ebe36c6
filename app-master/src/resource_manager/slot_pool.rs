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
    pub last_heartbeat: Instant,
    pub registered_at: Instant,
    pub client: TaskExecutorGatewayClient<tonic::transport::Channel>,
}

#[derive(Default)]
pub struct SlotPool {
    pub task_managers: HashMap<String, TaskManagerInfo>,
}

impl SlotPool {
    pub fn register(&mut self, tm: TaskManagerInfo) {
        self.task_managers.insert(tm.resource_id.clone(), tm);
    }

    pub fn remove(&mut self, resource_id: &str) -> Option<TaskManagerInfo> {
        self.task_managers.remove(resource_id)
    }

    /// Take one slot from the TaskManager with the most free slots.
    pub fn allocate(&mut self) -> Option<TaskManagerInfo> {
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
