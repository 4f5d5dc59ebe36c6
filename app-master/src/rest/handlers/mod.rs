//! The axum handlers: copy what a view needs from the [`RestfulGateway`] (holding each
//! status lock only while rendering) and answer with [`super::views`]' JSON, or Flink's
//! error body (`{"errors": [...]}`) with the status Flink uses.
//!
//! - `jobs.rs` — the jobs' reads, cancel (`PATCH /jobs/:jobid?mode=cancel`, the legacy
//!   `GET /jobs/:jobid/yarn-cancel`) and the refused stop-with-savepoint.
//! - `cluster.rs` — `/config`, `/overview`, `/taskmanagers[/:id]`, `/jobmanager/config`.
//! - `logs.rs` — log lists and log files of the JobManager and the TaskManagers.

pub mod cluster;
pub mod jobs;
pub mod logs;

use std::sync::Arc;

use axum::Json;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

use super::gateway::RestfulGateway;
use super::views;

pub(crate) type Gateway = axum::extract::State<Arc<dyn RestfulGateway>>;

/// The web UI polls this often (ms); served in `/config` as Flink's `refresh-interval`.
pub const REFRESH_INTERVAL_MS: u64 = 2000;

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Flink's error body with `code`.
pub(crate) fn error(code: StatusCode, message: &str) -> Response {
    (code, Json(views::error_body(message))).into_response()
}

pub async fn page() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(include_str!("../page.html")),
    )
}

/// A path Weft does not serve.
pub async fn not_found(uri: Uri) -> Response {
    error(StatusCode::NOT_FOUND, &format!("Not found: {}", uri.path()))
}

/// A path Weft serves, asked with a method it does not answer there.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "{} is not allowed on {}: Weft's REST API answers it with GET (and cancels with PATCH /jobs/<jobid>?mode=cancel).",
            method,
            uri.path()
        ),
    )
}
