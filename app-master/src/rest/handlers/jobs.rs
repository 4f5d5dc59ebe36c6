//! The jobs' reads, cancel and the refused stop-with-savepoint.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Gateway, error, now_ms};
use crate::rest::{auth, views};
use crate::shared::CancelOutcome;

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

fn unknown_job(job_id: &str) -> Response {
    error(StatusCode::NOT_FOUND, &format!("job {job_id} not found"))
}

pub async fn job_details(State(gw): Gateway, Path(job_id): Path<String>) -> Response {
    let Some(status) = gw.job(&job_id) else {
        return unknown_job(&job_id);
    };
    let edges = gw.job_edges(&job_id);
    Json(views::job_details(&status.lock(), &edges, now_ms())).into_response()
}

pub async fn job_exceptions(State(gw): Gateway, Path(job_id): Path<String>) -> Response {
    match gw.job(&job_id) {
        Some(s) => Json(views::job_exceptions(&s.lock(), now_ms())).into_response(),
        None => unknown_job(&job_id),
    }
}

/// Flink's answer to stop-with-savepoint and savepoint triggers, which Weft lacks.
fn savepoints_unsupported() -> Response {
    error(
        StatusCode::NOT_IMPLEMENTED,
        "Weft does not support stop-with-savepoint or savepoints yet: cancel the job, and resume a streaming job from its last checkpoint with weft run -s <state.checkpoints.dir>.",
    )
}

pub async fn stop_with_savepoint(Path(_job_id): Path<String>) -> Response {
    savepoints_unsupported()
}

/// `PATCH /jobs/:jobid?mode=cancel` (Flink's JobCancellationHeaders; no mode means cancel).
pub async fn terminate(
    State(gw): Gateway,
    Path(job_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match query.get("mode").map(String::as_str) {
        None | Some("cancel") => cancel(gw, &job_id, &headers),
        Some("stop") => savepoints_unsupported(),
        Some(other) => error(
            StatusCode::BAD_REQUEST,
            &format!("termination mode '{other}' is not known: use mode=cancel"),
        ),
    }
}

/// Flink's legacy `GET /jobs/:jobid/yarn-cancel`, for clients that cannot send PATCH.
pub async fn yarn_cancel(
    State(gw): Gateway,
    Path(job_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    cancel(gw, &job_id, &headers)
}

fn cancel(
    gw: std::sync::Arc<dyn crate::rest::RestfulGateway>,
    job_id: &str,
    headers: &HeaderMap,
) -> Response {
    let presented = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
    if let Some(why) = auth::refusal(presented, &gw.secret()) {
        tracing::warn!("refused to cancel job {job_id} over REST: {why}");
        return error(StatusCode::UNAUTHORIZED, &why);
    }
    match gw.cancel_job(job_id) {
        CancelOutcome::Requested => (StatusCode::ACCEPTED, Json(json!({}))).into_response(),
        CancelOutcome::UnknownJob => unknown_job(job_id),
        CancelOutcome::AlreadyEnded(state) => error(
            StatusCode::CONFLICT,
            &format!(
                "job {job_id} has already ended ({}); there is nothing to cancel",
                views::state_name(state)
            ),
        ),
    }
}
