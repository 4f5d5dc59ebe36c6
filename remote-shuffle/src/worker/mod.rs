//! A shuffle worker (`weft shuffle worker`): registers with the coordinator, heartbeats its
//! disk space and load, stores pushed batches per reduce partition ([`store`]), forwards
//! them to replicas and serves credit-based reads ([`service`]).

mod service;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use weft_core::rpc_error::from_peer_status;
use weft_core::{Result, WeftError};

use crate::auth::Owners;
use crate::client::conn;
use crate::metrics::{self, Counter, Sample};
use crate::proto::WorkerInfo;
use crate::proto::shuffle_worker_server::ShuffleWorkerServer;
use store::Store;
use tonic::service::interceptor::InterceptedService;
use weft_core::security::{Authenticate, ClusterSecret};

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub coordinator: String,
    /// host:port to listen on (port 0 for any).
    pub listen: String,
    pub data_dirs: Vec<PathBuf>,
    pub disk_reserve: u64,
    /// The service's secret: calls without it are refused, and the worker's own calls to
    /// the coordinator and to replicas carry it.
    pub secret: ClusterSecret,
}

#[derive(Debug, Default)]
pub struct WorkerMetrics {
    pub bytes_pushed: Counter,
    pub batches_pushed: Counter,
    pub bytes_replicated: Counter,
    pub pushes_rejected: Counter,
    pub bytes_read: Counter,
    pub replica_bytes_read: Counter,
    /// Bytes same-host readers read from this worker's files directly.
    pub local_bytes_located: Counter,
    pub reads: Counter,
    pub shuffles_deleted: Counter,
}

pub struct Worker {
    pub id: String,
    pub address: String,
    pub coordinator: String,
    pub store: Arc<Store>,
    pub metrics: WorkerMetrics,
    /// Which application owns each shuffle this worker holds.
    pub(crate) owners: parking_lot::Mutex<Owners>,
}

impl Worker {
    /// Open the data dirs (removing orphans), serve, and register with the coordinator.
    pub async fn start(opts: WorkerOptions) -> Result<Arc<Worker>> {
        if opts.data_dirs.is_empty() {
            return Err(WeftError::config(
                "--data-dirs",
                "a shuffle worker needs at least one data directory",
            ));
        }
        let (store, orphans) = Store::open(&opts.data_dirs, opts.disk_reserve)?;
        if orphans > 0 {
            tracing::info!(
                "removed {orphans} orphaned shuffle(s) left by an earlier worker process"
            );
        }
        let listener = TcpListener::bind(&opts.listen)
            .await
            .map_err(|e| WeftError::Io {
                message: format!("shuffle worker cannot listen on {}: {e}", opts.listen),
            })?;
        let bound = listener.local_addr()?;
        let worker = Arc::new(Worker {
            id: uuid::Uuid::new_v4().simple().to_string(),
            address: advertised(&opts.listen, bound),
            coordinator: opts.coordinator.clone(),
            store: Arc::new(store),
            metrics: WorkerMetrics::default(),
            owners: parking_lot::Mutex::new(Owners::default()),
        });
        crate::auth::set_service_secret(opts.secret.clone());
        let svc = InterceptedService::new(
            ShuffleWorkerServer::new(service::WorkerService(worker.clone()))
                .max_decoding_message_size(256 << 20)
                .max_encoding_message_size(256 << 20),
            Authenticate::new(opts.secret.clone(), "the shuffle worker"),
        );
        tokio::spawn(async move {
            if let Err(e) = conn::server()
                .add_service(svc)
                .serve_with_incoming(weft_core::net::incoming(listener))
                .await
            {
                tracing::error!("shuffle worker stopped: {e}");
            }
        });
        let interval = worker.register(Duration::from_secs(30)).await?;
        let w = worker.clone();
        tokio::spawn(async move { w.heartbeat_loop(interval).await });
        Ok(worker)
    }

    fn info(&self) -> WorkerInfo {
        let (disk_free, disk_total) = self.store.disk_space();
        WorkerInfo {
            worker_id: self.id.clone(),
            address: self.address.clone(),
            disk_free,
            disk_total,
            active_partitions: self.store.active_partitions() as u32,
            bytes_stored: self.store.bytes_stored(),
        }
    }

    async fn register(&self, patience: Duration) -> Result<Duration> {
        let deadline = Instant::now() + patience;
        loop {
            let r = async {
                let mut c = conn::coordinator(&self.coordinator).await?;
                c.register_worker(self.info())
                    .await
                    .map_err(|s| from_peer_status(&s, "shuffle coordinator", &self.coordinator))
            }
            .await;
            match r {
                Ok(r) => {
                    return Ok(Duration::from_millis(
                        r.into_inner().heartbeat_interval_ms.max(100),
                    ));
                }
                Err(e) if Instant::now() > deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    async fn heartbeat_loop(self: Arc<Self>, interval: Duration) {
        loop {
            tokio::time::sleep(interval).await;
            let r = async {
                let mut c = conn::coordinator(&self.coordinator).await?;
                c.heartbeat(self.info())
                    .await
                    .map_err(|s| from_peer_status(&s, "shuffle coordinator", &self.coordinator))
            }
            .await;
            match r {
                Ok(r) => {
                    let r = r.into_inner();
                    for s in r.removed_shuffles {
                        let n = self.store.drop_shuffle(&s);
                        self.owners.lock().forget_shuffle(&s);
                        self.metrics.shuffles_deleted.add(1);
                        tracing::info!("deleted shuffle {s} ({n} partition file(s))");
                    }
                    if r.reregister {
                        tracing::warn!(
                            "the coordinator does not know this worker; registering again"
                        );
                        let _ = self.register(Duration::from_secs(5)).await;
                    }
                }
                Err(e) => tracing::warn!("heartbeat to the shuffle coordinator failed: {e}"),
            }
        }
    }

    pub async fn serve_metrics(self: &Arc<Self>, listen: &str) -> Result<SocketAddr> {
        let me = self.clone();
        metrics::serve(listen, Arc::new(move || me.samples())).await
    }

    pub fn samples(&self) -> Vec<Sample> {
        let m = &self.metrics;
        let (free, total) = self.store.disk_space();
        vec![
            (
                "weft_shuffle_worker_bytes_pushed_total",
                "Bytes of pushed batches stored (primary and replica copies).",
                "counter",
                m.bytes_pushed.get(),
            ),
            (
                "weft_shuffle_worker_batches_pushed_total",
                "Pushed batches stored.",
                "counter",
                m.batches_pushed.get(),
            ),
            (
                "weft_shuffle_worker_bytes_replicated_total",
                "Bytes forwarded to replicas.",
                "counter",
                m.bytes_replicated.get(),
            ),
            (
                "weft_shuffle_worker_pushes_rejected_total",
                "Pushes refused (CRC mismatch, disk nearly full, replica failure).",
                "counter",
                m.pushes_rejected.get(),
            ),
            (
                "weft_shuffle_worker_bytes_read_total",
                "Bytes served to reducers.",
                "counter",
                m.bytes_read.get(),
            ),
            (
                "weft_shuffle_worker_replica_bytes_read_total",
                "Bytes served to reducers from replica copies.",
                "counter",
                m.replica_bytes_read.get(),
            ),
            (
                "weft_shuffle_worker_reads_total",
                "Reads served.",
                "counter",
                m.reads.get(),
            ),
            (
                "weft_shuffle_worker_partitions",
                "Partition files held.",
                "gauge",
                self.store.active_partitions() as u64,
            ),
            (
                "weft_shuffle_worker_files",
                "Data files held.",
                "gauge",
                self.store.file_count() as u64,
            ),
            (
                "weft_shuffle_worker_bytes_stored",
                "Bytes held in partition files.",
                "gauge",
                self.store.bytes_stored(),
            ),
            (
                "weft_shuffle_worker_disk_free_bytes",
                "Free space of the fullest data dir.",
                "gauge",
                free,
            ),
            (
                "weft_shuffle_worker_disk_total_bytes",
                "Size of the fullest data dir's file system.",
                "gauge",
                total,
            ),
            (
                "weft_shuffle_worker_shuffles_deleted_total",
                "Shuffles deleted (unregistered or expired).",
                "counter",
                m.shuffles_deleted.get(),
            ),
        ]
    }
}

/// The address others reach this worker at: the listen host, unless it is a wildcard.
fn advertised(listen: &str, bound: SocketAddr) -> String {
    let host = listen.rsplit_once(':').map(|(h, _)| h).unwrap_or("");
    if host.is_empty() || host == "0.0.0.0" || host == "[::]" {
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        format!("{name}:{}", bound.port())
    } else {
        format!("{host}:{}", bound.port())
    }
}
