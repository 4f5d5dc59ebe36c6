//! The JobManager: Dispatcher (job submission), ResourceManager (TaskManagers and their
//! slots, through a pluggable [`resource_manager::ResourceDriver`]), and one JobMaster per
//! job (ExecutionGraph, region scheduling, region failover, sink commit). Runs embedded in
//! the client for local runs, or inside the YARN ApplicationMaster.

pub mod job_master;
pub mod resource_manager;
pub mod rest;
pub mod services;
pub mod shared;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use tonic::service::interceptor::InterceptedService;
use weft_core::catalog::ConnectorRegistry;
use weft_core::config::{self, Configuration};
use weft_core::proto::dispatcher_server::DispatcherServer;
use weft_core::proto::job_manager_gateway_server::JobManagerGatewayServer;
use weft_core::security::{Authenticate, ClusterSecret, Peer};
use weft_core::{Result, WeftError};

use resource_manager::{ResourceDriver, SlotPool, WorkerSpec};
use shared::JobManagerShared;

pub struct JobManagerOptions {
    pub config: Configuration,
    pub registry: ConnectorRegistry,
    pub driver: Arc<dyn ResourceDriver>,
    /// Host to bind the gRPC endpoint to (and advertise to TaskManagers).
    pub bind_host: String,
    /// TaskManagers the ResourceManager keeps alive.
    pub workers: u32,
    /// Start TaskManagers as jobs need them and release idle ones (YARN), instead of
    /// keeping `workers` alive.
    pub elastic: bool,
    /// The application's secret: every call to the JobManager must carry it, and the
    /// JobManager's calls to TaskManagers carry it.
    pub secret: ClusterSecret,
}

/// A running JobManager.
pub struct JobManagerHandle {
    /// gRPC address (host:port) of the Dispatcher and the TaskManager gateway.
    pub address: String,
    pub shared: Arc<JobManagerShared>,
    server: tokio::task::JoinHandle<()>,
    monitor: tokio::task::JoinHandle<()>,
}

impl JobManagerHandle {
    pub async fn start(opts: JobManagerOptions) -> Result<JobManagerHandle> {
        let listener = tokio::net::TcpListener::bind((opts.bind_host.as_str(), 0))
            .await
            .map_err(|e| {
                WeftError::io(format!(
                    "cannot bind the JobManager on {}: {e}",
                    opts.bind_host
                ))
            })?;
        let local: SocketAddr = listener.local_addr()?;
        let address = format!("{}:{}", opts.bind_host, local.port());
        let slots_per_tm = opts.config.get_int(config::NUM_TASK_SLOTS).max(1) as u32;
        let managed_memory = opts.config.managed_memory()?;
        let shared = Arc::new(JobManagerShared {
            job_ended: tokio::sync::Notify::new(),
            worker_spec: WorkerSpec {
                jobmanager_address: address.clone(),
                num_slots: slots_per_tm,
                managed_memory,
                dynamic_properties: opts
                    .config
                    .entries()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                secret: opts.secret.clone(),
                shuffle_secret: weft_remote_shuffle::auth::service_secret(),
            },
            secret: opts.secret.clone(),
            config: opts.config.clone(),
            registry: opts.registry,
            slots: Mutex::new(SlotPool::default()),
            jobs: Mutex::new(HashMap::new()),
            job_order: Mutex::new(Vec::new()),
            driver: opts.driver.clone(),
            wanted_workers: std::sync::atomic::AtomicU32::new(opts.workers),
            starting: std::sync::atomic::AtomicU32::new(0),
            pending_workers: Mutex::new(HashSet::new()),
            shutting_down: std::sync::atomic::AtomicBool::new(false),
            elastic: opts.elastic,
            last_busy: Mutex::new(Instant::now()),
        });
        {
            let weak = Arc::downgrade(&shared);
            opts.driver.set_lost_listener(Arc::new(move |rid: String| {
                if let Some(shared) = weak.upgrade() {
                    tokio::spawn(async move {
                        shared.task_manager_lost(&rid, "its process exited").await;
                    });
                }
            }));
        }
        let jobmanager_id = uuid::Uuid::new_v4().simple().to_string();
        // Calls about this application's shuffles name it to the remote shuffle service.
        weft_remote_shuffle::auth::set_application(&opts.secret);
        let auth = Authenticate::new(opts.secret.clone(), "the JobManager");
        let server = tonic::transport::Server::builder()
            .add_service(InterceptedService::new(
                DispatcherServer::new(services::dispatcher::DispatcherService {
                    shared: shared.clone(),
                })
                .max_decoding_message_size(256 << 20)
                .max_encoding_message_size(256 << 20),
                auth.clone(),
            ))
            .add_service(InterceptedService::new(
                JobManagerGatewayServer::new(services::gateway::GatewayService {
                    shared: shared.clone(),
                    jobmanager_id,
                })
                .max_decoding_message_size(256 << 20)
                .max_encoding_message_size(256 << 20),
                auth,
            ))
            .serve_with_incoming(weft_core::net::incoming(listener));
        let server = tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::error!("JobManager gRPC server stopped: {e}");
            }
        });
        let monitor = tokio::spawn(heartbeat_monitor(shared.clone()));
        shared.ensure_workers().await;
        Ok(JobManagerHandle {
            address,
            shared,
            server,
            monitor,
        })
    }

    /// The Dispatcher as a client reaches it: its address and the application's secret.
    pub fn peer(&self) -> Peer {
        Peer::new(self.address.clone(), self.shared.secret.clone())
    }

    /// Wait until `n` TaskManagers are registered (or the timeout passes).
    pub async fn wait_for_task_managers(
        &self,
        n: usize,
        timeout: std::time::Duration,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.shared.slots.lock().task_managers.len() >= n {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(WeftError::internal(format!(
                    "only {} of {n} TaskManagers registered within {timeout:?}; see the TaskManager logs",
                    self.shared.slots.lock().task_managers.len()
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub async fn shutdown(self) {
        self.shared
            .shutting_down
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.shared.driver.shutdown().await;
        self.monitor.abort();
        self.server.abort();
    }
}

/// Declares TaskManagers lost when their heartbeats stop.
async fn heartbeat_monitor(shared: Arc<JobManagerShared>) {
    let interval = shared.config.get_duration(config::HEARTBEAT_INTERVAL);
    let timeout = shared.config.get_duration(config::HEARTBEAT_TIMEOUT);
    loop {
        tokio::time::sleep(interval).await;
        let silent: Vec<String> = shared
            .slots
            .lock()
            .task_managers
            .values()
            .filter(|t| t.last_heartbeat.elapsed() > timeout)
            .map(|t| t.resource_id.clone())
            .collect();
        for rid in silent {
            shared.task_manager_lost(&rid, "heartbeat timed out").await;
        }
        shared
            .release_idle_workers(shared.config.get_duration(config::TM_IDLE_TIMEOUT))
            .await;
    }
}
