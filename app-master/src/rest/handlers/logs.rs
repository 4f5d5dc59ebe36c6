//! Log lists and log files: only files a log list shows are served, by plain name.

use std::path::PathBuf;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Gateway, error};
use crate::rest::views::{self, LogFile, LogLocation};

/// The log files at `location` that exist now, with their paths.
fn list(location: &LogLocation) -> Vec<(LogFile, PathBuf)> {
    let paths: Vec<PathBuf> = match location {
        LogLocation::Nowhere => Vec::new(),
        LogLocation::File(p) => vec![p.clone()],
        LogLocation::Dir(d) => std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .collect(),
    };
    paths
        .into_iter()
        .filter_map(|p| {
            let meta = std::fs::metadata(&p).ok().filter(|m| m.is_file())?;
            let mtime_ms = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis() as u64);
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((
                LogFile {
                    name,
                    size: meta.len(),
                    mtime_ms,
                },
                p,
            ))
        })
        .collect()
}

fn list_view(location: &LogLocation) -> Response {
    let files: Vec<LogFile> = list(location).into_iter().map(|(f, _)| f).collect();
    Json(views::log_list(&files)).into_response()
}

/// One listed file, as text.
async fn serve(location: &LogLocation, name: &str, whose: &str) -> Response {
    if let Err(why) = views::check_log_name(name) {
        return error(StatusCode::BAD_REQUEST, &why);
    }
    let Some((_, path)) = list(location).into_iter().find(|(f, _)| f.name == name) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("log {name} of {whose} not found"),
        );
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot read log {name} of {whose}: {e}"),
        ),
    }
}

fn task_manager_logs(gw: &Gateway, id: &str) -> Option<LogLocation> {
    gw.task_managers()
        .iter()
        .find(|t| t.resource_id == id)
        .map(views::task_manager_logs)
}

pub async fn jobmanager_logs(State(gw): Gateway) -> Response {
    list_view(&gw.jobmanager_logs())
}

pub async fn jobmanager_log(State(gw): Gateway, Path(name): Path<String>) -> Response {
    serve(&gw.jobmanager_logs(), &name, "the JobManager").await
}

pub async fn taskmanager_logs(gw: Gateway, Path(id): Path<String>) -> Response {
    match task_manager_logs(&gw, &id) {
        Some(location) => list_view(&location),
        None => error(
            StatusCode::NOT_FOUND,
            &format!("TaskManager {id} not found"),
        ),
    }
}

pub async fn taskmanager_log(gw: Gateway, Path((id, name)): Path<(String, String)>) -> Response {
    match task_manager_logs(&gw, &id) {
        Some(location) => serve(&location, &name, &format!("TaskManager {id}")).await,
        None => error(
            StatusCode::NOT_FOUND,
            &format!("TaskManager {id} not found"),
        ),
    }
}
