//! The shuffle coordinator (`weft shuffle coordinator`): worker registry, placement, map
//! commits and read plans, unregistration and expiry. State is in memory; a restarted
//! coordinator starts empty (running jobs' reads then fail and their producers rerun).

mod service;
mod state;

use tonic::service::interceptor::InterceptedService;
use weft_core::security::{Authenticate, ClusterSecret};

use crate::auth::Owners;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::net::TcpListener;
use weft_core::config::{self, Configuration};
use weft_core::{Result, WeftError};

use crate::client::conn;
use crate::metrics::{self, Counter, Sample};
use crate::proto::shuffle_coordinator_server::ShuffleCoordinatorServer;
pub use state::State;

#[derive(Debug, Clone)]
pub struct CoordinatorOptions {
    pub worker_timeout: Duration,
    pub heartbeat_interval: Duration,
    pub expiry: Duration,
    pub disk_reserve: u64,
    /// The service's secret: calls without it are refused.
    pub secret: ClusterSecret,
}

impl CoordinatorOptions {
    /// The settings of `conf`, with the secret of `shuffle.remote.secret-file`.
    pub fn from_config(conf: &Configuration) -> Result<Self> {
        Ok(CoordinatorOptions {
            worker_timeout: conf.get_duration(config::SHUFFLE_REMOTE_WORKER_TIMEOUT),
            heartbeat_interval: conf.get_duration(config::SHUFFLE_REMOTE_HEARTBEAT),
            expiry: conf.get_duration(config::SHUFFLE_REMOTE_EXPIRY),
            disk_reserve: conf.get_memory(config::SHUFFLE_REMOTE_DISK_RESERVE),
            secret: crate::auth::load_service_secret(conf)?,
        })
    }
}

#[derive(Debug, Default)]
pub struct CoordinatorMetrics {
    pub shuffles_registered: Counter,
    pub maps_committed: Counter,
    pub read_plans: Counter,
    pub workers_reported_failed: Counter,
}

pub struct Coordinator {
    pub(crate) state: Mutex<State>,
    /// Which application owns each job and shuffle.
    pub(crate) owners: Mutex<Owners>,
    pub(crate) options: CoordinatorOptions,
    pub metrics: CoordinatorMetrics,
}

impl Coordinator {
    pub fn new(options: CoordinatorOptions) -> Arc<Self> {
        Arc::new(Coordinator {
            state: Mutex::new(State {
                disk_reserve: options.disk_reserve,
                ..Default::default()
            }),
            owners: Mutex::new(Owners::default()),
            options,
            metrics: CoordinatorMetrics::default(),
        })
    }

    /// Serve on `listen` (host:port, port 0 for any); returns the bound address. Runs until
    /// the process ends.
    pub async fn start(self: &Arc<Self>, listen: &str) -> Result<SocketAddr> {
        let listener = TcpListener::bind(listen).await.map_err(|e| WeftError::Io {
            message: format!("shuffle coordinator cannot listen on {listen}: {e}"),
        })?;
        let addr = listener.local_addr()?;
        let svc = InterceptedService::new(
            ShuffleCoordinatorServer::new(service::CoordinatorService(self.clone())),
            Authenticate::new(self.options.secret.clone(), "the shuffle coordinator"),
        );
        tokio::spawn(async move {
            if let Err(e) = conn::server()
                .add_service(svc)
                .serve_with_incoming(weft_core::net::incoming(listener))
                .await
            {
                tracing::error!("shuffle coordinator stopped: {e}");
            }
        });
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                let o = &me.options;
                let expired = me
                    .state
                    .lock()
                    .expire(Instant::now(), o.worker_timeout, o.expiry);
                if !expired.is_empty() {
                    me.owners.lock().forget_expired(&expired);
                }
            }
        });
        Ok(addr)
    }

    /// Serve the Prometheus endpoint on `listen`.
    pub async fn serve_metrics(self: &Arc<Self>, listen: &str) -> Result<SocketAddr> {
        let me = self.clone();
        metrics::serve(listen, Arc::new(move || me.samples())).await
    }

    pub fn samples(&self) -> Vec<Sample> {
        let st = self.state.lock();
        let m = &self.metrics;
        vec![
            (
                "weft_shuffle_coordinator_live_workers",
                "Registered live shuffle workers.",
                "gauge",
                st.workers.len() as u64,
            ),
            (
                "weft_shuffle_coordinator_lost_workers_total",
                "Workers declared lost (timeout, restart or failure reports).",
                "counter",
                st.lost_workers,
            ),
            (
                "weft_shuffle_coordinator_shuffles",
                "Registered shuffles.",
                "gauge",
                st.shuffles.len() as u64,
            ),
            (
                "weft_shuffle_coordinator_partitions",
                "Reduce partitions of registered shuffles.",
                "gauge",
                st.shuffles
                    .values()
                    .map(|s| s.placements.len() as u64)
                    .sum(),
            ),
            (
                "weft_shuffle_coordinator_shuffles_registered_total",
                "Shuffle registrations.",
                "counter",
                m.shuffles_registered.get(),
            ),
            (
                "weft_shuffle_coordinator_maps_committed_total",
                "Map commits.",
                "counter",
                m.maps_committed.get(),
            ),
            (
                "weft_shuffle_coordinator_read_plans_total",
                "Read plans served.",
                "counter",
                m.read_plans.get(),
            ),
            (
                "weft_shuffle_coordinator_failure_reports_total",
                "Worker failures reported by clients.",
                "counter",
                m.workers_reported_failed.get(),
            ),
            (
                "weft_shuffle_coordinator_disk_free_bytes",
                "Free disk space over all live workers.",
                "gauge",
                st.workers.values().map(|w| w.info.disk_free).sum(),
            ),
            (
                "weft_shuffle_coordinator_bytes_stored",
                "Shuffle bytes stored over all live workers.",
                "gauge",
                st.workers.values().map(|w| w.info.bytes_stored).sum(),
            ),
        ]
    }
}
