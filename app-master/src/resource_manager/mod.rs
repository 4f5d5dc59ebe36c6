//! The ResourceManager: the registry of TaskManagers and their slots, heartbeat
//! bookkeeping, and a [`ResourceDriver`] that starts and stops TaskManager processes
//! (local child processes, or YARN containers later).

mod driver;
mod local_driver;
mod slot_pool;

pub use driver::{LostCallback, ResourceDriver, WorkerSpec};
pub use local_driver::LocalProcessDriver;
pub use slot_pool::{SlotPool, TaskManagerInfo};
