//! The jobs' views: `/jobs`, `/jobs/overview` (Flink's JobDetails), `/jobs/:jobid` (Flink's
//! JobDetailsInfo with its plan) and `/jobs/:jobid/exceptions`.

use serde_json::{Map, Value, json};
use weft_core::proto::{
    DistributionPattern, JobEdgeProto, JobState, JobStatusProto, ResultPartitionType,
    VertexStatusProto,
};

/// Flink's ExecutionState names, in Flink's order (the keys of every `tasks` count).
pub const EXECUTION_STATES: [&str; 10] = [
    "CREATED",
    "SCHEDULED",
    "DEPLOYING",
    "RUNNING",
    "FINISHED",
    "CANCELING",
    "CANCELED",
    "FAILED",
    "RECONCILING",
    "INITIALIZING",
];

/// Flink's JobStatus names (the keys of `timestamps`).
pub const JOB_STATUSES: [&str; 11] = [
    "INITIALIZING",
    "CREATED",
    "RUNNING",
    "FAILING",
    "FAILED",
    "CANCELLING",
    "CANCELED",
    "FINISHED",
    "RESTARTING",
    "SUSPENDED",
    "RECONCILING",
];

/// Flink's SchedulerType name of how Weft schedules (adaptive batch scheduling).
pub const SCHEDULER_TYPE: &str = "AdaptiveBatch";

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

/// A vertex's id as Flink writes a JobVertexID (32 hex digits): Weft's vertex index,
/// zero-padded, so Flink's clients can parse it and it still reads as the index.
pub fn vertex_id(index: u32) -> String {
    format!("{index:032x}")
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

/// When the job last changed, as far as the JobManager records it: its end, or now.
fn last_modification(st: &JobStatusProto, now_ms: u64) -> u64 {
    match end_time(st) {
        -1 => now_ms,
        end => end as u64,
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

/// Counts per Flink ExecutionState, every state present (zero when none), keys cased by
/// `key`.
fn state_counts(
    running: u32,
    finished: u32,
    pending: u32,
    job_state: i32,
    key: fn(&str) -> String,
) -> Map<String, Value> {
    let mut counts = Map::new();
    for s in EXECUTION_STATES {
        let n = match s {
            "RUNNING" => running,
            "FINISHED" => finished,
            _ if s == pending_state(job_state) => pending,
            _ => 0,
        };
        counts.insert(key(s), json!(n));
    }
    counts
}

/// `GET /jobs` entry: `{"id", "status"}`.
pub fn job_id_and_status(st: &JobStatusProto) -> Value {
    json!({ "id": st.job_id, "status": state_name(st.state) })
}

/// Subtask counts per state over the whole job, Flink's `tasks` object of `/jobs/overview`
/// (lowercase states and `total`).
pub fn task_counts(st: &JobStatusProto) -> Value {
    let running: u32 = st.vertices.iter().map(|v| v.running).sum();
    let finished = st.finished_subtasks;
    let pending = st.total_subtasks.saturating_sub(finished + running);
    let mut counts = state_counts(running, finished, pending, st.state, |s| {
        s.to_ascii_lowercase()
    });
    counts.insert("total".into(), json!(st.total_subtasks));
    Value::Object(counts)
}

/// `GET /jobs/overview` entry (Flink's JobDetails).
pub fn job_overview(st: &JobStatusProto, now_ms: u64) -> Value {
    json!({
        "jid": st.job_id,
        "name": st.name,
        "state": state_name(st.state),
        "start-time": st.start_time_ms,
        "end-time": end_time(st),
        "duration": duration(st, now_ms),
        "last-modification": last_modification(st, now_ms),
        "jobType": "BATCH",
        "schedulerType": SCHEDULER_TYPE,
        "pending-operators": 0,
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

/// One vertex of `GET /jobs/{jobid}` (Flink's JobVertexDetailsInfo). The records and
/// bytes are what the vertex's finished subtasks wrote (TaskManagers report them when a
/// subtask finishes), so they are complete only once the vertex finished. Weft does not
/// time vertices: `start-time` is the job's, `end-time` -1 and `duration` -1.
pub fn vertex_view(v: &VertexStatusProto, st: &JobStatusProto) -> Value {
    let pending = v.parallelism.saturating_sub(v.finished + v.running);
    let complete = v.finished >= v.parallelism;
    json!({
        "id": vertex_id(v.id),
        "index": v.id,
        "slotSharingGroupId": vertex_id(0),
        "name": v.name,
        "maxParallelism": v.parallelism,
        "parallelism": v.parallelism,
        "parallelism-decision": v.parallelism_decision,
        "status": vertex_status(v, st.state),
        "start-time": st.start_time_ms,
        "end-time": -1,
        "duration": -1,
        "tasks": state_counts(v.running, v.finished, pending, st.state, str::to_string),
        "metrics": {
            "read-bytes": 0,
            "read-bytes-complete": false,
            "write-bytes": v.bytes_out,
            "write-bytes-complete": complete,
            "read-records": 0,
            "read-records-complete": false,
            "write-records": v.records_out,
            "write-records-complete": complete,
            "accumulated-backpressured-time": 0,
            "accumulated-idle-time": 0,
            "accumulated-busy-time": 0.0,
            "spilled-bytes": v.spilled_bytes,
            "join-fallbacks": v.join_fallbacks,
            "runtime-filter-rows-in": v.filter_rows_in,
            "runtime-filter-rows-kept": v.filter_rows_kept,
        },
    })
}

/// Flink's name of how an edge's records are shipped.
fn ship_strategy(e: &JobEdgeProto) -> &'static str {
    match DistributionPattern::try_from(e.pattern) {
        Ok(DistributionPattern::Pointwise) => "FORWARD",
        _ => "HASH",
    }
}

fn exchange(e: &JobEdgeProto) -> &'static str {
    match ResultPartitionType::try_from(e.partition_type) {
        Ok(ResultPartitionType::Pipelined) => "pipelined",
        _ => "blocking",
    }
}

/// Flink's JobPlanInfo: one node per vertex, its inputs with their ship strategy and
/// exchange (`blocking` / `pipelined`). `edges` are `(consumer vertex id, edge)`.
pub fn job_plan(st: &JobStatusProto, edges: &[(u32, JobEdgeProto)]) -> Value {
    let nodes: Vec<Value> = st
        .vertices
        .iter()
        .map(|v| {
            let inputs: Vec<Value> = edges
                .iter()
                .filter(|(consumer, _)| *consumer == v.id)
                .enumerate()
                .map(|(num, (_, e))| {
                    json!({
                        "num": num,
                        "id": vertex_id(e.source),
                        "ship_strategy": ship_strategy(e),
                        "exchange": exchange(e),
                    })
                })
                .collect();
            json!({
                "id": vertex_id(v.id),
                "parallelism": v.parallelism,
                "operator": "",
                "operator_strategy": "",
                "description": v.name,
                "inputs": inputs,
                "optimizer_properties": {},
            })
        })
        .collect();
    json!({ "jid": st.job_id, "name": st.name, "type": "BATCH", "nodes": nodes })
}

/// `timestamps`: when the job entered each state, 0 for states it has not been in. Weft
/// records the submission and the end.
fn timestamps(st: &JobStatusProto) -> Value {
    let mut t = Map::new();
    for s in JOB_STATUSES {
        t.insert(s.into(), json!(0));
    }
    t.insert("INITIALIZING".into(), json!(st.start_time_ms));
    t.insert("CREATED".into(), json!(st.start_time_ms));
    if st.state != JobState::Created as i32 {
        t.insert("RUNNING".into(), json!(st.start_time_ms));
    }
    if is_terminal(st.state) {
        t.insert(state_name(st.state).into(), json!(end_time(st)));
    }
    Value::Object(t)
}

/// `GET /jobs/{jobid}` (Flink's JobDetailsInfo).
pub fn job_details(st: &JobStatusProto, edges: &[(u32, JobEdgeProto)], now_ms: u64) -> Value {
    let finished_vertices = st
        .vertices
        .iter()
        .filter(|v| v.finished >= v.parallelism)
        .count() as u32;
    let running_vertices = st
        .vertices
        .iter()
        .filter(|v| v.finished < v.parallelism && v.running > 0)
        .count() as u32;
    let pending_vertices = (st.vertices.len() as u32) - finished_vertices - running_vertices;
    json!({
        "jid": st.job_id,
        "name": st.name,
        "isStoppable": false,
        "state": state_name(st.state),
        "job-type": "BATCH",
        "schedulerType": SCHEDULER_TYPE,
        "pending-operators": 0,
        "start-time": st.start_time_ms,
        "end-time": end_time(st),
        "duration": duration(st, now_ms),
        "maxParallelism": st.vertices.iter().map(|v| v.parallelism).max().unwrap_or(0),
        "now": now_ms,
        "timestamps": timestamps(st),
        "vertices": st
            .vertices
            .iter()
            .map(|v| vertex_view(v, st))
            .collect::<Vec<_>>(),
        // Flink counts vertices per state here.
        "status-counts": state_counts(
            running_vertices,
            finished_vertices,
            pending_vertices,
            st.state,
            str::to_string,
        ),
        "plan": job_plan(st, edges),
        "restarts": st.restarts,
        "subtask-counts": task_counts(st),
        "error": st.error.as_ref().map(|e| e.message.clone()),
        "error-kind": st.error.as_ref().map(|e| e.kind.clone()),
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

/// `GET /jobs/{jobid}/exceptions` (Flink's JobExceptionsInfoWithHistory, with the 1.x
/// `root-exception` / `timestamp` fields beside it). Weft keeps the failure that ended the
/// job, not each restarted one, so the history holds at most that one entry.
pub fn job_exceptions(st: &JobStatusProto, now_ms: u64) -> Value {
    let Some(e) = &st.error else {
        return json!({
            "root-exception": null,
            "timestamp": null,
            "all-exceptions": [],
            "truncated": false,
            "exceptionHistory": { "entries": [], "truncated": false },
        });
    };
    let timestamp = match end_time(st) {
        -1 => now_ms,
        end => end as u64,
    };
    let trace = format!("{}: {}", e.kind, e.message);
    json!({
        "root-exception": trace,
        "timestamp": timestamp,
        "all-exceptions": [],
        "truncated": false,
        "exceptionHistory": {
            "entries": [{
                "exceptionName": e.kind,
                "stacktrace": trace,
                "timestamp": timestamp,
                "taskName": null,
                "endpoint": null,
                "taskManagerId": null,
                "failureLabels": {},
                "concurrentExceptions": [],
            }],
            "truncated": false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_core::proto::ErrorProto;

    fn job(state: JobState) -> JobStatusProto {
        JobStatusProto {
            job_id: "0123456789abcdef0123456789abcdef".into(),
            name: "join".into(),
            state: state as i32,
            total_subtasks: 4,
            finished_subtasks: 2,
            vertices: vec![
                VertexStatusProto {
                    id: 0,
                    name: "Source: a".into(),
                    parallelism: 2,
                    finished: 2,
                    ..Default::default()
                },
                VertexStatusProto {
                    id: 1,
                    name: "Sink: b".into(),
                    parallelism: 2,
                    running: 1,
                    ..Default::default()
                },
            ],
            start_time_ms: 1_000,
            duration_ms: 500,
            ..Default::default()
        }
    }

    #[test]
    fn overview_has_every_field_flinks_job_details_needs() {
        let v = job_overview(&job(JobState::Running), 3_000);
        for key in [
            "jid",
            "name",
            "state",
            "start-time",
            "end-time",
            "duration",
            "last-modification",
            "jobType",
            "schedulerType",
            "pending-operators",
            "tasks",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
        assert_eq!(v["last-modification"], 3_000);
        let tasks = v["tasks"].as_object().unwrap();
        // Every ExecutionState, lowercased, and the total.
        assert_eq!(tasks.len(), EXECUTION_STATES.len() + 1);
        assert_eq!(tasks["scheduled"], 0);
        assert_eq!(tasks["created"], 1);
        assert_eq!(tasks["total"], 4);
    }

    #[test]
    fn vertex_ids_are_flink_job_vertex_ids() {
        assert_eq!(vertex_id(0), "0".repeat(32));
        assert_eq!(vertex_id(26), format!("{}1a", "0".repeat(30)));
    }

    #[test]
    fn details_count_vertices_per_state_and_carry_the_plan() {
        let edges = vec![(
            1,
            JobEdgeProto {
                source: 0,
                pattern: DistributionPattern::AllToAll as i32,
                partition_type: ResultPartitionType::Blocking as i32,
            },
        )];
        let d = job_details(&job(JobState::Running), &edges, 2_000);
        assert_eq!(d["status-counts"]["FINISHED"], 1);
        assert_eq!(d["status-counts"]["RUNNING"], 1);
        assert_eq!(d["status-counts"]["CREATED"], 0);
        assert_eq!(d["vertices"][1]["id"], vertex_id(1));
        assert_eq!(d["vertices"][1]["tasks"]["CREATED"], 1);
        assert_eq!(d["timestamps"]["RUNNING"], 1_000);
        assert_eq!(d["timestamps"]["FINISHED"], 0);
        assert_eq!(d["maxParallelism"], 2);
        let nodes = d["plan"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0]["inputs"].as_array().unwrap().len(), 0);
        let input = &nodes[1]["inputs"][0];
        assert_eq!(input["id"], vertex_id(0));
        assert_eq!(input["ship_strategy"], "HASH");
        assert_eq!(input["exchange"], "blocking");

        let ended = job_details(&job(JobState::Canceled), &[], 9_000);
        assert_eq!(ended["end-time"], 1_500);
        assert_eq!(ended["timestamps"]["CANCELED"], 1_500);
        assert_eq!(ended["status-counts"]["CANCELED"], 0);
        assert_eq!(ended["vertices"][1]["status"], "RUNNING");
    }

    #[test]
    fn exceptions_name_the_failure_that_ended_the_job() {
        let none = job_exceptions(&job(JobState::Running), 5);
        assert_eq!(none["root-exception"], Value::Null);
        assert_eq!(
            none["exceptionHistory"]["entries"]
                .as_array()
                .unwrap()
                .len(),
            0
        );

        let mut failed = job(JobState::Failed);
        failed.error = Some(ErrorProto {
            kind: "TaskFailed".into(),
            message: "division by zero".into(),
            ..Default::default()
        });
        let v = job_exceptions(&failed, 9_000);
        assert_eq!(v["root-exception"], "TaskFailed: division by zero");
        assert_eq!(v["timestamp"], 1_500);
        let entry = &v["exceptionHistory"]["entries"][0];
        assert_eq!(entry["exceptionName"], "TaskFailed");
        assert_eq!(entry["timestamp"], 1_500);
        assert_eq!(v["exceptionHistory"]["truncated"], false);
    }
}
