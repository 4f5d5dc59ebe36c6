//! The REST API: the JSON views as pure functions, then the routes over a real TCP server
//! fed by a fixed [`RestfulGateway`].

use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use weft_app_master::rest::views::{self, LogLocation, TaskManagerRow};
use weft_app_master::rest::{RestfulGateway, serve_gateway};
use weft_app_master::shared::CancelOutcome;
use weft_core::proto::{ErrorProto, JobState, JobStatusProto, SinkSummaryProto, VertexStatusProto};
use weft_core::security::ClusterSecret;

fn vertex(id: u32, name: &str, parallelism: u32, finished: u32, running: u32) -> VertexStatusProto {
    VertexStatusProto {
        id,
        name: name.into(),
        parallelism,
        finished,
        running,
        records_out: finished as u64 * 100,
        bytes_out: finished as u64 * 4096,
        ..Default::default()
    }
}

/// A job of two vertices: the source (p=2) finished, the sink (p=2) has one subtask running.
fn running_job() -> JobStatusProto {
    JobStatusProto {
        job_id: "j-running".into(),
        name: "INSERT INTO out SELECT * FROM src".into(),
        state: JobState::Running as i32,
        finished_subtasks: 2,
        total_subtasks: 4,
        vertices: vec![
            vertex(0, "Source: src", 2, 2, 0),
            vertex(1, "Sink: out", 2, 0, 1),
        ],
        start_time_ms: 1_000,
        duration_ms: 5,
        restarts: 1,
        ..Default::default()
    }
}

fn failed_job() -> JobStatusProto {
    JobStatusProto {
        job_id: "j-failed".into(),
        name: "SELECT 1/0".into(),
        state: JobState::Failed as i32,
        error: Some(ErrorProto {
            kind: "JobFailed".into(),
            message: "division by zero".into(),
            ..Default::default()
        }),
        finished_subtasks: 0,
        total_subtasks: 1,
        vertices: vec![vertex(0, "Source: values", 1, 0, 0)],
        start_time_ms: 2_000,
        duration_ms: 300,
        ..Default::default()
    }
}

fn finished_job() -> JobStatusProto {
    JobStatusProto {
        job_id: "j-finished".into(),
        name: "copy".into(),
        state: JobState::Finished as i32,
        finished_subtasks: 1,
        total_subtasks: 1,
        vertices: vec![vertex(0, "Source: a -> Sink: b", 1, 1, 0)],
        sinks: vec![SinkSummaryProto {
            table: "b".into(),
            rows: 100,
            bytes: 4096,
            files: 1,
            partitions: 0,
        }],
        result: vec![vec![0u8; 16]],
        start_time_ms: 3_000,
        duration_ms: 700,
        ..Default::default()
    }
}

fn task_manager(id: &str, slots: u32, free: u32) -> TaskManagerRow {
    TaskManagerRow {
        resource_id: id.into(),
        address: format!("127.0.0.1:{}", 6000 + slots),
        host: "127.0.0.1".into(),
        num_slots: slots,
        free_slots: free,
        managed_memory: 64 << 20,
        pid: 4242,
        data_dir: "/tmp/weft".into(),
        log_dir: String::new(),
        since_last_heartbeat_ms: 150,
    }
}

#[test]
fn rest_view_state_names_are_flinks() {
    assert_eq!(views::state_name(JobState::Running as i32), "RUNNING");
    assert_eq!(views::state_name(JobState::Canceled as i32), "CANCELED");
    assert_eq!(views::state_name(JobState::Cancelling as i32), "CANCELLING");
    assert_eq!(views::state_name(99), "UNKNOWN");
    assert!(!views::is_terminal(JobState::Failing as i32));
    assert!(views::is_terminal(JobState::Failed as i32));
}

#[test]
fn rest_view_running_job_overview_counts_subtasks_and_has_no_end() {
    let v = views::job_overview(&running_job(), 4_000);
    assert_eq!(v["jid"], "j-running");
    assert_eq!(v["state"], "RUNNING");
    assert_eq!(v["start-time"], 1_000);
    assert_eq!(v["end-time"], -1);
    // Running: measured against now, not the last published snapshot.
    assert_eq!(v["duration"], 3_000);
    assert_eq!(v["restarts"], 1);
    let t = &v["tasks"];
    assert_eq!(
        (&t["total"], &t["finished"], &t["running"], &t["created"]),
        (&4.into(), &2.into(), &1.into(), &1.into())
    );
}

#[test]
fn rest_view_ended_job_reports_end_time_and_counts_unfinished_under_its_state() {
    let v = views::job_overview(&failed_job(), 1_000_000);
    assert_eq!(v["end-time"], 2_300);
    assert_eq!(v["duration"], 300);
    assert_eq!(v["tasks"]["failed"], 1);
    assert_eq!(v["tasks"]["created"], 0);
}

#[test]
fn rest_view_job_details_show_vertices_metrics_and_error() {
    let v = views::job_details(&running_job(), &[], 4_000);
    assert_eq!(v["error"], Value::Null);
    let vs = v["vertices"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    assert_eq!(vs[0]["name"], "Source: src");
    assert_eq!(vs[0]["status"], "FINISHED");
    assert_eq!(vs[0]["parallelism"], 2);
    assert_eq!(vs[0]["metrics"]["write-records"], 200);
    assert_eq!(vs[0]["metrics"]["write-bytes"], 8192);
    assert_eq!(vs[0]["metrics"]["write-records-complete"], true);
    assert_eq!(vs[1]["status"], "RUNNING");
    assert_eq!(vs[1]["tasks"]["RUNNING"], 1);
    assert_eq!(vs[1]["tasks"]["CREATED"], 1);
    assert_eq!(vs[1]["metrics"]["write-records-complete"], false);

    let f = views::job_details(&failed_job(), &[], 4_000);
    assert_eq!(f["state"], "FAILED");
    assert_eq!(f["error"], "division by zero");
    assert_eq!(f["error-kind"], "JobFailed");
    assert_eq!(f["vertices"][0]["status"], "FAILED");

    let d = views::job_details(&finished_job(), &[], 4_000);
    assert_eq!(d["sinks"][0]["table"], "b");
    assert_eq!(d["sinks"][0]["rows"], 100);
    // Collected result rows are not part of the REST view.
    assert!(d.get("result").is_none());
}

#[test]
fn rest_view_cluster_overview_sums_slots_and_counts_jobs_by_state() {
    let tms = [task_manager("tm-a", 4, 1), task_manager("tm-b", 2, 2)];
    let states = [
        JobState::Running as i32,
        JobState::Created as i32,
        JobState::Finished as i32,
        JobState::Failed as i32,
        JobState::Canceled as i32,
        JobState::Canceled as i32,
    ];
    let v = views::cluster_overview(&tms, &states);
    assert_eq!(v["taskmanagers"], 2);
    assert_eq!(v["slots-total"], 6);
    assert_eq!(v["slots-available"], 3);
    assert_eq!(v["jobs-running"], 2);
    assert_eq!(v["jobs-finished"], 1);
    assert_eq!(v["jobs-failed"], 1);
    assert_eq!(v["jobs-cancelled"], 2);
    assert_eq!(v["weft-version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["flink-version"], "2.3.0");
}

struct FixedGateway {
    jobs: Vec<Arc<Mutex<JobStatusProto>>>,
    tms: Vec<TaskManagerRow>,
    secret: ClusterSecret,
    jobmanager_logs: LogLocation,
    /// Job ids cancel was asked for.
    cancelled: Mutex<Vec<String>>,
}

impl FixedGateway {
    fn new(jobs: Vec<JobStatusProto>, tms: Vec<TaskManagerRow>) -> FixedGateway {
        FixedGateway {
            jobs: jobs.into_iter().map(|j| Arc::new(Mutex::new(j))).collect(),
            tms,
            secret: ClusterSecret::generate(),
            jobmanager_logs: LogLocation::Nowhere,
            cancelled: Mutex::new(Vec::new()),
        }
    }
}

impl RestfulGateway for FixedGateway {
    fn jobs(&self) -> Vec<Arc<Mutex<JobStatusProto>>> {
        self.jobs.clone()
    }
    fn job(&self, job_id: &str) -> Option<Arc<Mutex<JobStatusProto>>> {
        self.jobs
            .iter()
            .find(|j| j.lock().job_id == job_id)
            .cloned()
    }
    fn task_managers(&self) -> Vec<TaskManagerRow> {
        self.tms.clone()
    }
    fn jobmanager_logs(&self) -> LogLocation {
        self.jobmanager_logs.clone()
    }
    fn secret(&self) -> ClusterSecret {
        self.secret.clone()
    }
    fn cancel_job(&self, job_id: &str) -> CancelOutcome {
        let Some(job) = self.job(job_id) else {
            return CancelOutcome::UnknownJob;
        };
        let state = job.lock().state;
        if views::is_terminal(state) {
            return CancelOutcome::AlreadyEnded(state);
        }
        self.cancelled.lock().push(job_id.to_string());
        CancelOutcome::Requested
    }
}

/// A plain HTTP/1.1 GET; returns the status code, the content type and the body.
async fn get(address: &str, path: &str) -> (u16, String, String) {
    request(address, "GET", path, &[]).await
}

/// A plain HTTP/1.1 request with extra header lines (`Name: value`).
async fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[&str],
) -> (u16, String, String) {
    let mut conn = tokio::net::TcpStream::connect(address).await.unwrap();
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    conn.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    (code, content_type, body.to_string())
}

async fn get_json(address: &str, path: &str) -> (u16, Value) {
    let (code, content_type, body) = get(address, path).await;
    assert!(
        content_type.starts_with("application/json"),
        "{path}: {content_type}"
    );
    (code, serde_json::from_str(&body).unwrap())
}

#[tokio::test]
async fn rest_server_serves_flink_shaped_json_and_the_page() {
    let gateway = Arc::new(FixedGateway::new(
        vec![running_job(), failed_job()],
        vec![task_manager("tm-a", 2, 1)],
    ));
    let running = gateway.jobs[0].clone();
    let (address, server) = serve_gateway(gateway, "127.0.0.1", 0).await.unwrap();
    assert!(address.starts_with("127.0.0.1:") && !address.ends_with(":0"));

    let (code, v) = get_json(&address, "/overview").await;
    assert_eq!(code, 200);
    assert_eq!(
        (&v["taskmanagers"], &v["slots-total"], &v["slots-available"]),
        (&1.into(), &2.into(), &1.into())
    );
    assert_eq!(
        (&v["jobs-running"], &v["jobs-failed"]),
        (&1.into(), &1.into())
    );

    let (_, v) = get_json(&address, "/jobs").await;
    assert_eq!(v["jobs"][0]["id"], "j-running");
    assert_eq!(v["jobs"][0]["status"], "RUNNING");
    assert_eq!(v["jobs"][1]["status"], "FAILED");

    let (_, v) = get_json(&address, "/jobs/overview").await;
    assert_eq!(v["jobs"].as_array().unwrap().len(), 2);
    assert_eq!(v["jobs"][0]["jid"], "j-running");
    assert_eq!(v["jobs"][0]["tasks"]["total"], 4);

    let (code, v) = get_json(&address, "/jobs/j-running").await;
    assert_eq!(code, 200);
    assert_eq!(v["vertices"][1]["name"], "Sink: out");
    assert_eq!(v["vertices"][1]["status"], "RUNNING");

    // The status cell is read per request: a JobMaster's update shows up at once.
    {
        let mut st = running.lock();
        st.state = JobState::Finished as i32;
        st.finished_subtasks = 4;
        st.vertices[1] = vertex(1, "Sink: out", 2, 2, 0);
    }
    let (_, v) = get_json(&address, "/jobs/j-running").await;
    assert_eq!(v["state"], "FINISHED");
    assert_eq!(v["vertices"][1]["metrics"]["write-records"], 200);

    let (code, v) = get_json(&address, "/jobs/nope").await;
    assert_eq!(code, 404);
    assert_eq!(v["errors"][0], "job nope not found");

    let (_, v) = get_json(&address, "/taskmanagers").await;
    let tm = &v["taskmanagers"][0];
    assert_eq!(tm["id"], "tm-a");
    assert_eq!(tm["slotsNumber"], 2);
    assert_eq!(tm["freeSlots"], 1);
    assert_eq!(tm["timeSinceLastHeartbeat"], 150);

    let (code, v) = get_json(&address, "/no/such/thing").await;
    assert_eq!(code, 404);
    assert_eq!(v["errors"][0], "Not found: /no/such/thing");

    let (code, content_type, body) = get(&address, "/").await;
    assert_eq!(code, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    for endpoint in ["/overview", "/jobs/overview", "/jobs/", "/taskmanagers"] {
        assert!(
            body.contains(&format!("\"{endpoint}")),
            "page fetches {endpoint}"
        );
    }
    // Self-contained: the machines have no network.
    assert!(!body.contains("http://") && !body.contains("https://"));

    server.abort();
}

/// `v` without the fields whose values are read from the clock at answer time.
fn without_clock_fields(mut v: Value) -> Value {
    const CLOCK: [&str; 5] = ["duration", "last-modification", "now", "timestamp", "time"];
    match &mut v {
        Value::Object(map) => {
            map.retain(|key, _| !CLOCK.contains(&key.as_str()));
            for value in map.values_mut() {
                *value = without_clock_fields(value.take());
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = without_clock_fields(item.take());
            }
        }
        _ => {}
    }
    v
}

#[tokio::test]
async fn rest_server_answers_flinks_v1_paths_and_errors() {
    let gateway = Arc::new(FixedGateway::new(
        vec![running_job(), failed_job()],
        vec![task_manager("tm-a", 2, 1)],
    ));
    let (address, server) = serve_gateway(gateway, "127.0.0.1", 0).await.unwrap();
    for path in [
        "/config",
        "/overview",
        "/jobs",
        "/jobs/overview",
        "/jobs/j-running",
        "/jobs/j-failed/exceptions",
        "/taskmanagers",
        "/taskmanagers/tm-a",
        "/taskmanagers/tm-a/logs",
        "/jobmanager/config",
        "/jobmanager/logs",
    ] {
        let (unversioned, a) = get_json(&address, path).await;
        let (versioned, b) = get_json(&address, &format!("/v1{path}")).await;
        assert_eq!((unversioned, versioned), (200, 200), "{path}");
        // A running job's duration and last-modification come from the clock, so the two
        // answers are compared without the fields that move between the two requests.
        assert_eq!(without_clock_fields(a), without_clock_fields(b), "{path}");
    }
    let (_, v) = get_json(&address, "/v1/config").await;
    assert_eq!(v["flink-version"], "2.3.0");
    let (_, v) = get_json(&address, "/v1/jobs/j-failed/exceptions").await;
    assert_eq!(v["root-exception"], "JobFailed: division by zero");
    let (_, v) = get_json(&address, "/v1/taskmanagers/tm-a").await;
    assert_eq!(v["slotsNumber"], 2);
    let (code, v) = get_json(&address, "/v1/taskmanagers/tm-z").await;
    assert_eq!(code, 404);
    assert_eq!(v["errors"][0], "TaskManager tm-z not found");

    let (code, _, body) = request(&address, "DELETE", "/v1/jobs/j-running", &[]).await;
    assert_eq!(code, 405);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["errors"][0]
            .as_str()
            .unwrap()
            .contains("DELETE is not allowed"),
        "{v}"
    );
    let (code, _, body) = request(&address, "POST", "/v1/jobs/j-running/stop", &[]).await;
    assert_eq!(code, 501);
    assert!(
        body.contains("does not support stop-with-savepoint"),
        "{body}"
    );
    let (code, _, body) = request(&address, "PATCH", "/v1/jobs/j-running?mode=stop", &[]).await;
    assert_eq!(code, 501, "{body}");
    let (code, v) = get_json(&address, "/v1/no/such/thing").await;
    assert_eq!(code, 404);
    assert_eq!(v["errors"][0], "Not found: /v1/no/such/thing");
    server.abort();
}

#[tokio::test]
async fn rest_cancel_needs_the_applications_secret() {
    let gateway = Arc::new(FixedGateway::new(vec![running_job(), failed_job()], vec![]));
    let bearer = format!("Authorization: Bearer {}", gateway.secret.as_str());
    let (address, server) = serve_gateway(gateway.clone(), "127.0.0.1", 0)
        .await
        .unwrap();

    let (code, _, body) = request(&address, "PATCH", "/v1/jobs/j-running?mode=cancel", &[]).await;
    assert_eq!(code, 401);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["errors"][0]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer"),
        "{v}"
    );
    let wrong = format!(
        "Authorization: Bearer {}",
        ClusterSecret::generate().as_str()
    );
    let (code, _, _) = request(
        &address,
        "PATCH",
        "/v1/jobs/j-running?mode=cancel",
        &[&wrong],
    )
    .await;
    assert_eq!(code, 401);
    let (code, _, _) = request(&address, "GET", "/jobs/j-running/yarn-cancel", &[]).await;
    assert_eq!(code, 401);
    assert!(gateway.cancelled.lock().is_empty());

    let (code, _, body) = request(
        &address,
        "PATCH",
        "/v1/jobs/j-running?mode=cancel",
        &[&bearer],
    )
    .await;
    assert_eq!((code, body.as_str()), (202, "{}"));
    let (code, _, _) = request(&address, "GET", "/jobs/j-running/yarn-cancel", &[&bearer]).await;
    assert_eq!(code, 202);
    assert_eq!(*gateway.cancelled.lock(), ["j-running", "j-running"]);
    let (code, _, body) = request(&address, "PATCH", "/v1/jobs/j-failed", &[&bearer]).await;
    assert_eq!(code, 409);
    assert!(body.contains("already ended (FAILED)"), "{body}");
    let (code, _, _) = request(&address, "PATCH", "/v1/jobs/nope?mode=cancel", &[&bearer]).await;
    assert_eq!(code, 404);
    server.abort();
}

#[tokio::test]
async fn rest_serves_listed_log_files_by_plain_name_only() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("container");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("jobmanager.log"), "started\n").unwrap();
    std::fs::write(dir.path().join("secret"), "do not serve").unwrap();
    std::fs::write(dir.path().join("tm-a.log"), "tm line\n").unwrap();
    let mut tm = task_manager("tm-a", 1, 1);
    tm.data_dir = dir.path().join("tm-a").to_string_lossy().into_owned();
    let mut gateway = FixedGateway::new(vec![], vec![tm]);
    gateway.jobmanager_logs = LogLocation::Dir(logs.clone());
    let (address, server) = serve_gateway(Arc::new(gateway), "127.0.0.1", 0)
        .await
        .unwrap();

    let (_, v) = get_json(&address, "/v1/jobmanager/logs").await;
    assert_eq!(v["logs"][0]["name"], "jobmanager.log");
    assert_eq!(v["logs"][0]["size"], 8);
    let (code, content_type, body) = get(&address, "/v1/jobmanager/logs/jobmanager.log").await;
    assert_eq!((code, body.as_str()), (200, "started\n"));
    assert!(content_type.starts_with("text/plain"), "{content_type}");

    let (_, v) = get_json(&address, "/v1/taskmanagers/tm-a/logs").await;
    assert_eq!(v["logs"][0]["name"], "tm-a.log");
    let (code, _, body) = get(&address, "/v1/taskmanagers/tm-a/logs/tm-a.log").await;
    assert_eq!((code, body.as_str()), (200, "tm line\n"));

    // Names that leave the log directory are refused, or are not routes at all.
    let (code, v) = get_json(&address, "/v1/jobmanager/logs/..").await;
    assert_eq!(code, 400, "{v}");
    let (code, v) = get_json(&address, "/v1/jobmanager/logs/..%2Fsecret").await;
    assert!(code == 400 || code == 404, "{code} {v}");
    let (code, _) = get_json(&address, "/v1/jobmanager/logs/../secret").await;
    assert_eq!(code, 404);
    let (code, v) = get_json(&address, "/v1/taskmanagers/tm-a/logs/secret").await;
    assert_eq!(code, 404);
    assert_eq!(v["errors"][0], "log secret of TaskManager tm-a not found");
    server.abort();
}
