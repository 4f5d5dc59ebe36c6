//! The JobManager's REST API and web UI, shaped like Flink's REST API v1: every route
//! answers at `/v1/...` and at the unversioned path, with Flink's JSON. Reads are open, as
//! in Flink; cancel must carry the application's secret (`auth.rs`). A path Weft does not
//! serve answers Flink's error body with 404, a wrong method with 405. `GET /` serves a
//! self-contained page (no external assets) that polls the endpoints.
//!
//! - `gateway.rs` — [`RestfulGateway`], what the handlers read and cancel through;
//!   implemented by [`JobManagerShared`].
//! - `views/` — the JSON bodies, pure functions over status snapshots.
//! - `handlers/` — axum handlers: read the gateway, render a view.
//! - `auth.rs` — the bearer-token check of control requests.

pub mod auth;
pub mod gateway;
pub mod handlers;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::routing::{MethodRouter, get, post};
use weft_core::{Result, WeftError};

pub use gateway::RestfulGateway;

use crate::shared::JobManagerShared;
use handlers::{cluster, jobs, logs};

type Routes = Vec<(&'static str, MethodRouter<Arc<dyn RestfulGateway>>)>;

/// The API's routes, each served at `/v1<path>` and at `<path>`.
fn api_routes() -> Routes {
    vec![
        ("/config", get(cluster::config)),
        ("/overview", get(cluster::overview)),
        ("/jobs", get(jobs::jobs)),
        ("/jobs/overview", get(jobs::jobs_overview)),
        (
            "/jobs/{jobid}",
            get(jobs::job_details).patch(jobs::terminate),
        ),
        ("/jobs/{jobid}/exceptions", get(jobs::job_exceptions)),
        ("/jobs/{jobid}/yarn-cancel", get(jobs::yarn_cancel)),
        ("/jobs/{jobid}/stop", post(jobs::stop_with_savepoint)),
        ("/jobs/{jobid}/savepoints", post(jobs::stop_with_savepoint)),
        ("/taskmanagers", get(cluster::taskmanagers)),
        ("/taskmanagers/{id}", get(cluster::taskmanager)),
        ("/taskmanagers/{id}/logs", get(logs::taskmanager_logs)),
        ("/taskmanagers/{id}/logs/{name}", get(logs::taskmanager_log)),
        ("/jobmanager/config", get(cluster::jobmanager_config)),
        ("/jobmanager/logs", get(logs::jobmanager_logs)),
        ("/jobmanager/logs/{name}", get(logs::jobmanager_log)),
    ]
}

/// The REST routes over a gateway.
pub fn router(gateway: Arc<dyn RestfulGateway>) -> Router {
    let mut router = Router::new().route("/", get(handlers::page));
    for (path, route) in api_routes() {
        router = router
            .route(&format!("/v1{path}"), route.clone())
            .route(path, route);
    }
    router
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
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
