//! The JobManager's REST API and web UI, shaped like Flink's (`/overview`, `/jobs`,
//! `/jobs/overview`, `/jobs/{jobid}`, `/taskmanagers`, `/config`), read-only. `GET /`
//! serves a self-contained page (no external assets) that polls those endpoints.
//!
//! - `gateway.rs` — [`RestfulGateway`], what the handlers read; implemented by
//!   [`JobManagerShared`].
//! - `views.rs` — the JSON bodies, pure functions over status snapshots.
//! - `handlers.rs` — axum handlers: read the gateway, render a view.

pub mod gateway;
pub mod handlers;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use weft_core::{Result, WeftError};

pub use gateway::RestfulGateway;

use crate::shared::JobManagerShared;

/// The REST routes over a gateway.
pub fn router(gateway: Arc<dyn RestfulGateway>) -> Router {
    Router::new()
        .route("/", get(handlers::page))
        .route("/config", get(handlers::config))
        .route("/overview", get(handlers::overview))
        .route("/jobs", get(handlers::jobs))
        .route("/jobs/overview", get(handlers::jobs_overview))
        .route("/jobs/{jobid}", get(handlers::job_details))
        .route("/taskmanagers", get(handlers::taskmanagers))
        .fallback(handlers::fallback)
        .with_state(gateway)
}

/// Serve the REST API and web UI on bind_host:port (port 0 = any free port). Returns the
/// bound "host:port" and the server task.
pub async fn serve(
    shared: Arc<JobManagerShared>,
    bind_host: &str,
    port: u16,
) -> Result<(String, tokio::task::JoinHandle<()>)> {
    serve_gateway(shared, bind_host, port).await
}

/// [`serve`] over any [`RestfulGateway`].
pub async fn serve_gateway(
    gateway: Arc<dyn RestfulGateway>,
    bind_host: &str,
    port: u16,
) -> Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind((bind_host, port))
        .await
        .map_err(|e| {
            WeftError::io(format!(
                "cannot bind the REST API on {bind_host}:{port}: {e}; choose another rest.port or rest.bind-address"
            ))
        })?;
    let address = format!("{bind_host}:{}", listener.local_addr()?.port());
    tracing::info!("REST API and web UI at http://{address}/");
    let app = router(gateway);
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("REST server stopped: {e}");
        }
    });
    Ok((address, server))
}
