//! The ResourceManager: the registry of TaskManagers and their slots, heartbeat
//! bookkeeping, and a [`ResourceDriver`] that starts and stops TaskManager processes
//! (local child processes, or YARN containers).

mod driver;
pub mod fair_share;
mod local_driver;
mod slot_pool;
mod yarn_driver;

pub use driver::{LostCallback, ResourceDriver, WorkerSpec};
pub use local_driver::LocalProcessDriver;
pub use slot_pool::{SlotPool, TaskManagerInfo};
pub use yarn_driver::{ContainerTemplate, YarnDriver, container_credentials, shell_quote};
