//! The REST API's JSON bodies, built from status snapshots by pure functions (no locks, no
//! I/O) so they can be tested directly. Field names follow Flink's REST API where Flink has
//! the same thing (`jid`, `start-time`, `slots-total`, `write-records`, ...).

use serde_json::{Value, json};
use weft_core::proto::{JobState, JobStatusProto, VertexStatusProto};

/// What the REST API shows of one registered TaskManager (a copy taken under the slot
/// pool's lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskManagerRow {
    pub resource_id: String,
    /// gRPC address (host:port) of its TaskExecutorGateway.
    pub address: String,
    pub host: String,
    pub num_slots: u32,
    pub free_slots: u32,
    pub managed_memory: u64,
    pub pid: u32,
    pub data_dir: String,
    pub since_last_heartbeat_ms: u64,
}

/// Flink's name of a job state (`RUNNING`, `CANCELED`, ...).
pub fn state_name(state: i32) -> &'static str {
    JobState::try_from(state)
        .map(|s| s.as_str_name())
        .unwrap_or("UNKNOWN")
}

/// A globally terminal state: the job will not change any more.
pub fn is_terminal(state: i32) -> bool {
    matches!(
        JobState::try_from(state),
        Ok(JobState::Finished | JobState::Failed | JobState::Canceled)
    )
}

/// `-1` until the job ended, as Flink reports `end-time`.
fn end_time(st: &JobStatusProto) -> i64 {
    if is_terminal(st.state) {
        (st.start_time_ms + st.duration_ms) as i64
    } else {
        -1
    }
}

/// Ended jobs report the JobMaster's measured duration; running ones the time since
/// submission (the snapshot is only refreshed on job events).
fn duration(st: &JobStatusProto, now_ms: u64) -> u64 {
    if is_terminal(st.state) {
        st.duration_ms
    } else {
        now_ms.saturating_sub(st.start_time_ms)
    }
}

/// Where the subtasks neither running nor finished are counted: `created` while the job
/// runs (not deployed yet, or waiting for a restart), and under the job's end state once it
/// ended without finishing them.
fn pending_state(job_state: i32) -> &'static str {
    match JobState::try_from(job_state) {
        Ok(JobState::Failed) => "FAILED",
        Ok(JobState::Canceled) => "CANCELED",
        _ => "CREATED",
    }
}

/// `GET /jobs` entry: `{"id", "status"}`.
pub fn job_id_and_status(st: &JobStatusProto) -> Value {
    json!({ "id": st.job_id, "status": state_name(st.state) })
}

/// Subtask counts per state over the whole job, Flink's `tasks` object of `/jobs/overview`.
pub fn task_counts(st: &JobStatusProto) -> Value {
    let running: u32 = st.vertices.iter().map(|v| v.running).sum();
    let finished = st.finished_subtasks;
    let pending = st.total_subtasks.saturating_sub(finished + running);
    let mut counts = json!({
        "total": st.total_subtasks,
        "created": 0,
        "running": running,
        "finished": finished,
        "canceled": 0,
        "failed": 0,
    });
    counts[pending_state(st.state).to_ascii_lowercase()] = json!(pending);
    counts
}

/// `GET /jobs/overview` entry.
pub fn job_overview(st: &JobStatusProto, now_ms: u64) -> Value {
    json!({
        "jid": st.job_id,
        "name": st.name,
        "state": state_name(st.state),
        "start-time": st.start_time_ms,
        "end-time": end_time(st),
        "duration": duration(st, now_ms),
        "restarts": st.restarts,
        "tasks": task_counts(st),
    })
}

/// A vertex's state the way Flink aggregates it: FINISHED when every subtask finished,
/// RUNNING while any runs, otherwise CREATED (or the job's end state once it ended).
pub fn vertex_status(v: &VertexStatusProto, job_state: i32) -> &'static str {
    if v.finished >= v.parallelism {
        "FINISHED"
    } else if v.running > 0 {
        "RUNNING"
    } else {
        pending_state(job_state)
    }
}

/// One vertex of `GET /jobs/{jobid}`. The records and bytes are what the vertex's finished
/// subtasks wrote (TaskManagers report them when a subtask finishes), so they are complete
/// only once the vertex finished.
pub fn vertex_view(v: &VertexStatusProto, job_state: i32) -> Value {
    let pending = v.parallelism.saturating_sub(v.finished + v.running);
    let complete = v.finished >= v.parallelism;
    json!({
        "id": v.id,
        "name": v.name,
        "parallelism": v.parallelism,
        "parallelism-decision": v.parallelism_decision,
        "status": vertex_status(v, job_state),
        "tasks": {
            "CREATED": if pending_state(job_state) == "CREATED" { pending } else { 0 },
            "RUNNING": v.running,
            "FINISHED": v.finished,
            "CANCELED": if pending_state(job_state) == "CANCELED" { pending } else { 0 },
            "FAILED": if pending_state(job_state) == "FAILED" { pending } else { 0 },
        },
        "metrics": {
            "write-records": v.records_out,
            "write-records-complete": complete,
            "write-bytes": v.bytes_out,
            "write-bytes-complete": complete,
            "spilled-bytes": v.spilled_bytes,
            "join-fallbacks": v.join_fallbacks,
        },
    })
}

/// `GET /jobs/{jobid}`.
pub fn job_details(st: &JobStatusProto, now_ms: u64) -> Value {
    json!({
        "jid": st.job_id,
        "name": st.name,
        "state": state_name(st.state),
        "start-time": st.start_time_ms,
        "end-time": end_time(st),
        "duration": duration(st, now_ms),
        "now": now_ms,
        "restarts": st.restarts,
        "error": st.error.as_ref().map(|e| e.message.clone()),
        "error-kind": st.error.as_ref().map(|e| e.kind.clone()),
        "status-counts": task_counts(st),
        "vertices": st
            .vertices
            .iter()
            .map(|v| vertex_view(v, st.state))
            .collect::<Vec<_>>(),
        "sinks": st
            .sinks
            .iter()
            .map(|s| json!({
                "table": s.table,
                "rows": s.rows,
                "bytes": s.bytes,
                "files": s.files,
                "partitions": s.partitions,
            }))
            .collect::<Vec<_>>(),
    })
}

/// `GET /jobs/{jobid}` for an id the JobManager does not know, Flink's error body.
pub fn not_found(what: &str) -> Value {
    json!({ "errors": [format!("{what} not found")] })
}

/// `GET /taskmanagers` entry.
pub fn task_manager_view(tm: &TaskManagerRow) -> Value {
    json!({
        "id": tm.resource_id,
        "address": tm.address,
        "host": tm.host,
        "slotsNumber": tm.num_slots,
        "freeSlots": tm.free_slots,
        "managedMemory": tm.managed_memory,
        "pid": tm.pid,
        "dataDir": tm.data_dir,
        "timeSinceLastHeartbeat": tm.since_last_heartbeat_ms,
    })
}

/// `GET /overview`: the cluster at a glance. `jobs-running` counts every job that has not
/// ended (created, running, failing, cancelling), as Flink does.
pub fn cluster_overview(tms: &[TaskManagerRow], job_states: &[i32]) -> Value {
    let count = |s: JobState| job_states.iter().filter(|&&x| x == s as i32).count();
    json!({
        "taskmanagers": tms.len(),
        "slots-total": tms.iter().map(|t| t.num_slots).sum::<u32>(),
        "slots-available": tms.iter().map(|t| t.free_slots).sum::<u32>(),
        "jobs-running": job_states.iter().filter(|&&s| !is_terminal(s)).count(),
        "jobs-finished": count(JobState::Finished),
        "jobs-failed": count(JobState::Failed),
        "jobs-cancelled": count(JobState::Canceled),
        "weft-version": env!("CARGO_PKG_VERSION"),
    })
}
