use std::sync::Arc;

use async_trait::async_trait;
use weft_core::Result;

/// What a new TaskManager needs to know to start and register.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    /// The JobManager's gRPC address (host:port) TaskManagers register with.
    pub jobmanager_address: String,
    pub num_slots: u32,
    pub managed_memory: u64,
    /// `-D key=value` settings passed on to the TaskManager.
    pub dynamic_properties: Vec<(String, String)>,
    /// The application's secret, which the driver hands to the TaskManager in a file only
    /// it can read (never on its command line).
    pub secret: weft_core::security::ClusterSecret,
    /// The remote shuffle service's secret, when this JobManager has one: YARN containers
    /// get it in their credentials (local TaskManagers read `shuffle.remote.secret-file`).
    pub shuffle_secret: Option<weft_core::security::ClusterSecret>,
}

/// Called with a resource id when a worker the driver started terminates.
pub type LostCallback = Arc<dyn Fn(String) + Send + Sync>;

/// Starts and stops TaskManagers. One implementation per deployment target.
#[async_trait]
pub trait ResourceDriver: Send + Sync {
    /// Start one TaskManager; returns its resource id. The driver reports the worker's
    /// termination through the callback given at construction.
    /// Where worker terminations are reported (set once by the JobManager at start).
    fn set_lost_listener(&self, f: LostCallback);
    async fn start_worker(&self, spec: &WorkerSpec) -> Result<String>;
    /// Stop a TaskManager (idempotent).
    async fn stop_worker(&self, resource_id: &str);
    /// Stop every worker this driver started.
    async fn shutdown(&self);
}
