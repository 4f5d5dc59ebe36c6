//! `/config`, `/overview`, `/taskmanagers[/:id]` and `/jobmanager/config`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Gateway, REFRESH_INTERVAL_MS, error};
use crate::rest::views;

pub async fn config() -> Json<Value> {
    Json(views::dashboard_config(REFRESH_INTERVAL_MS))
}

pub async fn overview(State(gw): Gateway) -> Json<Value> {
    let tms = gw.task_managers();
    let states: Vec<i32> = gw.jobs().iter().map(|s| s.lock().state).collect();
    Json(views::cluster_overview(&tms, &states))
}

pub async fn taskmanagers(State(gw): Gateway) -> Json<Value> {
    let tms: Vec<Value> = gw
        .task_managers()
        .iter()
        .map(views::task_manager_view)
        .collect();
    Json(json!({ "taskmanagers": tms }))
}

pub async fn taskmanager(State(gw): Gateway, Path(id): Path<String>) -> Response {
    match gw.task_managers().iter().find(|t| t.resource_id == id) {
        Some(tm) => Json(views::task_manager_details(tm)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            &format!("TaskManager {id} not found"),
        ),
    }
}

pub async fn jobmanager_config(State(gw): Gateway) -> Json<Value> {
    Json(views::jobmanager_config(&gw.config_entries()))
}
