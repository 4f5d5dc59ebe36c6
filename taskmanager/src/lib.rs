//! The TaskManager: registers with the JobManager's ResourceManager and offers its slots,
//! heartbeats, runs subtasks (DataFusion plan fragments) with a memory budget per slot, and
//! serves its blocking result partitions to consumers (the local shuffle's data service).

mod service;
pub mod spill;
mod task;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tonic::service::interceptor::InterceptedService;
use weft_core::catalog::ConnectorRegistry;
use weft_core::config::{self, Configuration};
use weft_core::proto::job_manager_gateway_client::JobManagerGatewayClient;
use weft_core::proto::task_executor_gateway_server::TaskExecutorGatewayServer;
use weft_core::proto::{RegisterTaskManagerRequest, TaskManagerHeartbeat};
use weft_core::security::{AuthChannel, Authenticate, ClusterSecret, Peer};
use weft_core::shuffle::local::CompressionCodec;
use weft_core::shuffle::local_env::LocalShuffleEnvironment;
use weft_core::{Result, WeftError};

pub struct TaskManagerOptions {
    pub jobmanager_address: String,
    pub resource_id: String,
    pub num_slots: u32,
    pub managed_memory: u64,
    pub data_dir: PathBuf,
    pub bind_host: String,
    pub config: Configuration,
    pub registry: ConnectorRegistry,
    /// The application's secret: calls to this TaskManager must carry it, and its calls
    /// to the JobManager and to other TaskManagers carry it.
    pub secret: ClusterSecret,
}

/// Run a TaskManager until the JobManager goes away or asks it to shut down.
pub async fn run_taskmanager(opts: TaskManagerOptions) -> Result<()> {
    std::fs::create_dir_all(&opts.data_dir)?;
    // Calls about this application's shuffles name it to the remote shuffle service.
    weft_remote_shuffle::auth::set_application(&opts.secret);
    let listener = tokio::net::TcpListener::bind((opts.bind_host.as_str(), 0))
        .await
        .map_err(|e| {
            WeftError::io(format!(
                "cannot bind the TaskManager on {}: {e}",
                opts.bind_host
            ))
        })?;
    let address = format!("{}:{}", opts.bind_host, listener.local_addr()?.port());
    let codec: CompressionCodec = opts
        .config
        .get_string(config::SHUFFLE_COMPRESSION)
        .parse()
        .map_err(|e: weft_core::shuffle::local::ShuffleError| {
            WeftError::config(config::SHUFFLE_COMPRESSION.key, e.to_string())
        })?;
    let shuffle = Arc::new(LocalShuffleEnvironment {
        resource_id: opts.resource_id.clone(),
        address: address.clone(),
        host: opts.bind_host.clone(),
        dir: opts.data_dir.join("shuffle"),
        codec,
        secret: opts.secret.clone(),
    });
    std::fs::create_dir_all(&shuffle.dir)?;
    let channel = Peer::new(opts.jobmanager_address.clone(), opts.secret.clone()).lazy_channel()?;
    let jm = JobManagerGatewayClient::new(channel).max_encoding_message_size(256 << 20);
    let (shutdown_tx, mut shutdown_rx) = tokio::sync::mpsc::channel::<()>(1);
    let service = service::TaskExecutorService::new(
        opts.resource_id.clone(),
        opts.config.clone(),
        opts.registry.clone(),
        shuffle,
        jm.clone(),
        opts.managed_memory / opts.num_slots.max(1) as u64,
        opts.data_dir.clone(),
        shutdown_tx,
    );
    let server = tonic::transport::Server::builder()
        .add_service(InterceptedService::new(
            TaskExecutorGatewayServer::new(service)
                .max_decoding_message_size(256 << 20)
                .max_encoding_message_size(256 << 20),
            Authenticate::new(opts.secret.clone(), "this TaskManager"),
        ))
        .serve_with_incoming(weft_core::net::incoming(listener));
    let server = tokio::spawn(server);

    register(&jm, &opts, &address).await?;
    tracing::info!(
        "TaskManager {} registered at {}",
        opts.resource_id,
        opts.jobmanager_address
    );

    let interval = opts.config.get_duration(config::HEARTBEAT_INTERVAL);
    let timeout = opts.config.get_duration(config::HEARTBEAT_TIMEOUT);
    let mut last_ok = Instant::now();
    loop {
        tokio::select! {
            _ = shutdown_rx.recv() => break,
            _ = tokio::time::sleep(interval) => {}
        }
        let mut c = jm.clone();
        match c
            .heartbeat(TaskManagerHeartbeat {
                resource_id: opts.resource_id.clone(),
                running_attempts: vec![],
            })
            .await
        {
            Ok(r) if r.get_ref().known => last_ok = Instant::now(),
            Ok(_) => {
                tracing::warn!("the JobManager no longer knows this TaskManager; exiting");
                break;
            }
            Err(e) if last_ok.elapsed() > timeout => {
                tracing::warn!("JobManager unreachable for {timeout:?} ({e}); exiting");
                break;
            }
            Err(_) => {}
        }
    }
    server.abort();
    let _ = std::fs::remove_dir_all(opts.data_dir.join("shuffle"));
    Ok(())
}

async fn register(
    jm: &JobManagerGatewayClient<AuthChannel>,
    opts: &TaskManagerOptions,
    address: &str,
) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut c = jm.clone();
        let req = RegisterTaskManagerRequest {
            resource_id: opts.resource_id.clone(),
            address: address.to_string(),
            host: opts.bind_host.clone(),
            num_slots: opts.num_slots,
            managed_memory: opts.managed_memory,
            pid: std::process::id(),
            data_dir: opts.data_dir.to_string_lossy().into_owned(),
            log_dir: container_log_dir(),
        };
        match c.register_task_manager(req).await {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() > deadline => {
                return Err(WeftError::Unreachable {
                    what: "JobManager".into(),
                    address: opts.jobmanager_address.clone(),
                    message: e.message().to_string(),
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// The YARN container's log directory (the NodeManager's `LOG_DIRS`, first entry), where
/// the container's command writes `taskmanager.log`; empty outside YARN.
fn container_log_dir() -> String {
    std::env::var("LOG_DIRS")
        .ok()
        .and_then(|d| d.split(',').next().map(str::to_string))
        .unwrap_or_default()
}
