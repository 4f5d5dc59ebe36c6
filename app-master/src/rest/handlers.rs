//! The axum handlers: copy what a view needs from the [`RestfulGateway`] (holding each
//! status lock only while rendering) and answer with [`super::views`]' JSON.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::gateway::RestfulGateway;
use super::views;

type Gateway = State<Arc<dyn RestfulGateway>>;

/// The web UI polls this often (ms); served in `/config` as Flink's `refresh-interval`.
pub const REFRESH_INTERVAL_MS: u64 = 2000;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub async fn page() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(include_str!("page.html")),
    )
}

pub async fn config() -> Json<Value> {
    Json(json!({
        "refresh-interval": REFRESH_INTERVAL_MS,
        "weft-version": env!("CARGO_PKG_VERSION"),
    }))
}

pub async fn overview(State(gw): Gateway) -> Json<Value> {
    let tms = gw.task_managers();
    let states: Vec<i32> = gw.jobs().iter().map(|s| s.lock().state).collect();
    Json(views::cluster_overview(&tms, &states))
}

pub async fn jobs(State(gw): Gateway) -> Json<Value> {
    let jobs: Vec<Value> = gw
        .jobs()
        .iter()
        .map(|s| views::job_id_and_status(&s.lock()))
        .collect();
    Json(json!({ "jobs": jobs }))
}

pub async fn jobs_overview(State(gw): Gateway) -> Json<Value> {
    let now = now_ms();
    let jobs: Vec<Value> = gw
        .jobs()
        .iter()
        .map(|s| views::job_overview(&s.lock(), now))
        .collect();
    Json(json!({ "jobs": jobs }))
}

pub async fn job_details(State(gw): Gateway, Path(job_id): Path<String>) -> Response {
    match gw.job(&job_id) {
        Some(s) => Json(views::job_details(&s.lock(), now_ms())).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(views::not_found(&format!("job {job_id}"))),
        )
            .into_response(),
    }
}

pub async fn taskmanagers(State(gw): Gateway) -> Json<Value> {
    let tms: Vec<Value> = gw
        .task_managers()
        .iter()
        .map(views::task_manager_view)
        .collect();
    Json(json!({ "taskmanagers": tms }))
}

pub async fn fallback(uri: Uri) -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(views::not_found(&format!("REST resource {}", uri.path()))),
    )
}
