//! `weft run -t yarn-application` and `weft yarn-session` on the real Hadoop mini cluster
//! (YARN ResourceManager + NodeManager, HDFS): the JobManager runs in the ApplicationMaster
//! container, TaskManagers in containers it requests, data is read from and written to HDFS.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use weft_integration::minicluster::{MiniCluster, minicluster};
use weft_integration::shuffle_service::ShuffleService;
use weft_integration::tpch::read_csv_dir;
use weft_integration::yarn_job::{
    SMALL, client, final_report, run_file, submitted_id, taskmanager_containers, text, weft,
};
use weft_yarn_client::ApplicationId;
use weft_yarn_client::proto::yarn::FinalApplicationStatusProto;
use weft_yarn_client::records::YarnApplicationState;
use weft_yarn_client::staging::StagingDir;

/// Small containers: the mini cluster's one NodeManager has 8 GiB for every test at once.

/// `weft run -t yarn-application -d` with small containers; the application id.
fn submit_detached(
    mc: &MiniCluster,
    dir: &Path,
    name: &str,
    script: &str,
    extra: &[&str],
) -> ApplicationId {
    let mut args = vec!["-t", "yarn-application", "-d"];
    args.extend_from_slice(SMALL);
    args.extend_from_slice(extra);
    let o = run_file(mc, dir, name, script, &args);
    assert!(o.status.success(), "{}", text(&o));
    submitted_id(&text(&o))
}

/// Write TPC-H orders and lineitem (scale 0.01) as Parquet on HDFS, with a local run.
fn stage_inputs(mc: &MiniCluster, dir: &Path, base: &str) {
    let script = format!(
        "CREATE TABLE orders WITH ('connector' = 'tpch', 'table' = 'orders', 'scale' = '0.01');
CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '0.01');
CREATE TABLE orders_pq (o_orderkey BIGINT, o_orderpriority STRING, o_orderstatus STRING)
  WITH ('connector' = 'filesystem', 'path' = '{base}/orders', 'format' = 'parquet');
CREATE TABLE lineitem_pq (l_orderkey BIGINT, l_extendedprice DECIMAL(15, 2), l_discount DECIMAL(15, 2))
  WITH ('connector' = 'filesystem', 'path' = '{base}/lineitem', 'format' = 'parquet');
INSERT INTO orders_pq SELECT o_orderkey, o_orderpriority, o_orderstatus FROM orders;
INSERT INTO lineitem_pq SELECT l_orderkey, l_extendedprice, l_discount FROM lineitem;
"
    );
    let o = run_file(
        mc,
        dir,
        "stage.sql",
        &script,
        &["-D", "parallelism.default=2"],
    );
    assert!(
        o.status.success(),
        "staging the inputs failed:\n{}",
        text(&o)
    );
}

/// The mini cluster, a scratch directory, and `hdfs://…/weft-it/<name>` with the Parquet
/// inputs staged under `input/`.
fn with_inputs(name: &str) -> (&'static MiniCluster, tempfile::TempDir, String) {
    let mc = minicluster();
    let dir = tempfile::tempdir().unwrap();
    let base = format!("{}/weft-it/{name}", mc.hdfs_uri);
    stage_inputs(mc, dir.path(), &format!("{base}/input"));
    (mc, dir, base)
}

/// A two-stage job (join + aggregation) over the Parquet inputs, writing CSV to `out`.
fn revenue_job(base: &str, out: &str, parallelism: u32) -> String {
    format!(
        "SET 'parallelism.default' = '{parallelism}';
CREATE TABLE orders_pq (o_orderkey BIGINT, o_orderpriority STRING, o_orderstatus STRING)
  WITH ('connector' = 'filesystem', 'path' = '{base}/orders', 'format' = 'parquet');
CREATE TABLE lineitem_pq (l_orderkey BIGINT, l_extendedprice DECIMAL(15, 2), l_discount DECIMAL(15, 2))
  WITH ('connector' = 'filesystem', 'path' = '{base}/lineitem', 'format' = 'parquet');
CREATE TABLE revenue (o_orderpriority STRING, o_orderstatus STRING, lines BIGINT, revenue DECIMAL(38, 4))
  WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv');
INSERT INTO revenue
SELECT o_orderpriority, o_orderstatus, COUNT(*), SUM(l_extendedprice * (1 - l_discount))
FROM orders_pq JOIN lineitem_pq ON l_orderkey = o_orderkey
GROUP BY o_orderpriority, o_orderstatus;
"
    )
}

/// Copy a CSV table from HDFS to a local directory (a local run) and return its lines, sorted.
fn fetch_csv(mc: &MiniCluster, dir: &Path, from: &str, name: &str) -> Vec<String> {
    let local = dir.join(format!("fetched-{name}"));
    let script = format!(
        "CREATE TABLE src (o_orderpriority STRING, o_orderstatus STRING, lines BIGINT, revenue DECIMAL(38, 4))
  WITH ('connector' = 'filesystem', 'path' = '{from}', 'format' = 'csv');
CREATE TABLE dst (o_orderpriority STRING, o_orderstatus STRING, lines BIGINT, revenue DECIMAL(38, 4))
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO dst SELECT * FROM src;
",
        local.display()
    );
    let o = run_file(mc, dir, &format!("fetch-{name}.sql"), &script, &[]);
    assert!(o.status.success(), "reading {from} failed:\n{}", text(&o));
    let mut lines = read_csv_dir(&local).unwrap();
    lines.sort();
    lines
}

/// Is the application's staging directory still there 30 s after the application ended?
/// (A detached application's ApplicationMaster removes it just after unregistering.)
async fn staging_exists(mc: &MiniCluster, id: ApplicationId) -> bool {
    let dir =
        StagingDir::for_application(&mc.hdfs_uri, &weft_yarn_client::conf::current_user(), id)
            .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while dir.exists().await.unwrap() {
        if Instant::now() > deadline {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// The revenue job (4 subtasks) through `weft run -t yarn-application` with `settings`, and
/// the same job locally; asserts both give the same 15 rows and returns the YARN run's output.
fn on_yarn_and_locally(
    mc: &'static MiniCluster,
    dir: &Path,
    base: &str,
    name: &str,
    settings: &[String],
) -> String {
    let yarn_out = format!("{base}/out-{name}");
    let mut args = vec!["-t", "yarn-application"];
    args.extend_from_slice(SMALL);
    for s in settings {
        args.extend_from_slice(&["-D", s.as_str()]);
    }
    let job = |out: &str| revenue_job(&format!("{base}/input"), out, 4);
    let o = run_file(mc, dir, &format!("{name}.sql"), &job(&yarn_out), &args);
    let out = text(&o);
    assert!(o.status.success(), "yarn-application run failed:\n{out}");
    let local_out = format!("{base}/out-{name}-local");
    let o = run_file(mc, dir, &format!("{name}-local.sql"), &job(&local_out), &[]);
    assert!(o.status.success(), "local run failed:\n{}", text(&o));
    let on_yarn = fetch_csv(mc, dir, &yarn_out, name);
    let local = fetch_csv(mc, dir, &local_out, &format!("{name}-local"));
    assert_eq!(on_yarn.len(), 15, "5 priorities x 3 statuses: {on_yarn:?}");
    assert_eq!(on_yarn, local);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_mode_runs_a_multi_stage_job_from_hdfs_to_hdfs() {
    let (mc, dir, base) = with_inputs("app-mode");
    // On YARN: 4 subtasks, 2 slots per TaskManager (two containers); the same rows as locally.
    // Every vertex keeps its 4 subtasks (adaptive parallelism would shrink the small
    // consumers to 1, and the job could end before the second container starts).
    let fixed = ["execution.batch.adaptive.auto-parallelism.enabled=false".to_string()];
    let out = on_yarn_and_locally(mc, dir.path(), &base, "yarn", &fixed);
    let id = submitted_id(&out);
    assert!(out.contains("FINISHED / SUCCEEDED"), "{out}");

    let c = client(mc);
    let r = final_report(&c, id).await;
    assert_eq!(r.state, YarnApplicationState::Finished);
    assert_eq!(r.final_status, FinalApplicationStatusProto::AppSucceeded);
    assert_eq!(r.application_type, "Weft");
    let tms = taskmanager_containers(mc, id);
    assert!(
        tms.len() >= 2,
        "expected two TaskManager containers, saw {tms:?}"
    );
    assert!(
        !staging_exists(mc, id).await,
        "the staging directory of {id} was not removed"
    );
}

/// TaskManagers in YARN containers push their blocking results to the remote shuffle
/// service (a coordinator and two workers outside YARN, two copies) and read them back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_mode_with_the_remote_shuffle_service() {
    let (mc, dir, base) = with_inputs("app-mode-rss");
    let service = ShuffleService::start(2);
    on_yarn_and_locally(mc, dir.path(), &base, "yarn-rss", &service.job_settings(2));
    for w in &service.workers {
        assert!(
            w.metric("weft_shuffle_worker_bytes_pushed_total") > 0,
            "worker {} got nothing from the YARN TaskManagers",
            w.address
        );
    }
    assert_eq!(
        service
            .coordinator
            .metric("weft_shuffle_coordinator_shuffles"),
        0,
        "the job's shuffles were not unregistered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_unregisters_failed_with_the_reason() {
    let mc = minicluster();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = format!("{}/weft-it/failing/out", mc.hdfs_uri);
    // Plans fine; fails at run time in a TaskManager (the priorities are not numbers).
    let script = format!(
        "SET 'parallelism.default' = '2';
CREATE TABLE orders WITH ('connector' = 'tpch', 'table' = 'orders', 'scale' = '0.01');
CREATE TABLE bad (n INT) WITH ('connector' = 'filesystem', 'path' = '{out_dir}', 'format' = 'csv');
INSERT INTO bad SELECT CAST(o_orderpriority AS INT) FROM orders;
"
    );
    let mut args = vec!["-t", "yarn-application"];
    args.extend_from_slice(SMALL);
    let o = run_file(mc, dir.path(), "failing.sql", &script, &args);
    let out = text(&o);
    assert!(!o.status.success(), "the job should fail:\n{out}");
    assert!(
        out.contains("FAILED"),
        "the client names the outcome:\n{out}"
    );
    assert!(
        out.to_lowercase().contains("cast"),
        "the client gives the reason:\n{out}"
    );
    let id = submitted_id(&out);
    let c = client(mc);
    let r = final_report(&c, id).await;
    assert_eq!(
        r.final_status,
        FinalApplicationStatusProto::AppFailed,
        "{r:?}"
    );
    assert!(
        r.diagnostics.to_lowercase().contains("cast"),
        "diagnostics should give the reason: {}",
        r.diagnostics
    );
    let status = weft(mc, &["yarn", "status", &id.to_string()]);
    let st = text(&status);
    assert!(st.contains("FAILED"), "{st}");
    assert!(st.to_lowercase().contains("cast"), "{st}");
    assert!(!staging_exists(mc, id).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_two_jobs_and_is_killed() {
    let (mc, dir, base) = with_inputs("session");

    let mut args = vec!["yarn-session", "-d"];
    args.extend_from_slice(SMALL);
    args.extend_from_slice(&["-D", "resourcemanager.taskmanager-timeout=3 s"]);
    let o = weft(mc, &args);
    let out = text(&o);
    assert!(o.status.success(), "yarn-session failed:\n{out}");
    let id = submitted_id(&out);
    let session = format!("yarn.application.id={id}");
    // The running session's staging directory is its owner's only.
    let staging =
        StagingDir::for_application(&mc.hdfs_uri, &weft_yarn_client::conf::current_user(), id)
            .unwrap();
    assert_eq!(staging.permission().await.unwrap(), 0o700);
    // Its secret is in the owner's session properties file (default location), until killed.
    let properties = std::env::temp_dir().join(format!(
        ".yarn-properties-{}",
        weft_yarn_client::conf::current_user()
    ));
    let entry = format!("weft.secret.{id}=");
    let recorded = std::fs::read_to_string(&properties).unwrap_or_default();
    assert!(
        recorded.contains(&entry),
        "{}: {recorded}",
        properties.display()
    );

    for (i, p) in [(1, 2), (2, 4)] {
        let job_out = format!("{base}/out-{i}");
        let o = run_file(
            mc,
            dir.path(),
            &format!("job{i}.sql"),
            &revenue_job(&format!("{base}/input"), &job_out, p),
            &["-t", "yarn-session", "-D", &session],
        );
        assert!(
            o.status.success(),
            "job {i} in the session failed:\n{}",
            text(&o)
        );
        let lines = fetch_csv(mc, dir.path(), &job_out, &format!("s{i}"));
        assert_eq!(lines.len(), 15, "{lines:?}");
    }
    let c = client(mc);
    let r = c.get_application_report(id).await.unwrap();
    assert_eq!(
        r.state,
        YarnApplicationState::Running,
        "the session ends only when killed"
    );
    // Idle TaskManagers are released after resourcemanager.taskmanager-timeout.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let tms = http_get(&r.tracking_url, "/taskmanagers");
        if !tms.contains("container_") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "idle TaskManagers were kept: {tms}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let k = weft(mc, &["yarn", "kill", &id.to_string()]);
    assert!(k.status.success(), "{}", text(&k));
    let r = final_report(&c, id).await;
    assert_eq!(r.state, YarnApplicationState::Killed);
    assert!(!staging_exists(mc, id).await);
    let left = std::fs::read_to_string(&properties).unwrap_or_default();
    assert!(
        !left.contains(&entry),
        "a killed session's secret stayed: {left}"
    );
}

/// GET a path from an HTTP server (`http://host:port/…` base), returning the body.
fn http_get(base: &str, path: &str) -> String {
    use std::io::{Read, Write};
    // The tracking URL may go through YARN's web proxy: http://rm/proxy/<app>/.
    let rest = base.trim_start_matches("http://").trim_end_matches('/');
    let (authority, prefix) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let path = format!("{prefix}{path}");
    let mut s = std::net::TcpStream::connect(authority).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "GET {path}: {head}"
    );
    body.to_string()
}

/// TaskManager processes of an application (their command lines name their container).
fn taskmanager_pids(app: ApplicationId) -> Vec<u32> {
    // container_<ts>_<app>_<attempt>_<n>: the app part of the id.
    let needle = app.to_string().replace("application_", "container_");
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.starts_with("./weft taskmanager") && cmd.contains(&needle) {
            out.push(pid);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_taskmanager_container_is_replaced_and_the_job_succeeds() {
    let mc = minicluster();
    let dir = tempfile::tempdir().unwrap();
    let base = format!("{}/weft-it/tm-kill", mc.hdfs_uri);
    let out_dir = format!("{base}/out");
    // Big enough to still be running when a TaskManager dies.
    let script = format!(
        "SET 'parallelism.default' = '4';
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '3';
CREATE TABLE orders WITH ('connector' = 'tpch', 'table' = 'orders', 'scale' = '0.2');
CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '0.2');
CREATE TABLE revenue (o_orderpriority STRING, o_orderstatus STRING, lines BIGINT, revenue DECIMAL(38, 4))
  WITH ('connector' = 'filesystem', 'path' = '{out_dir}', 'format' = 'csv');
INSERT INTO revenue
SELECT o_orderpriority, o_orderstatus, COUNT(*), SUM(l_extendedprice * (1 - l_discount))
FROM orders JOIN lineitem ON l_orderkey = o_orderkey
GROUP BY o_orderpriority, o_orderstatus;
"
    );
    let id = submit_detached(mc, dir.path(), "kill.sql", &script, &[]);

    // Wait for the job to run on two TaskManagers; look at the REST API meanwhile.
    let c = client(mc);
    let deadline = Instant::now() + Duration::from_secs(120);
    let (web, job) = loop {
        let r = c.get_application_report(id).await.unwrap();
        assert!(
            !matches!(
                r.state,
                YarnApplicationState::Finished
                    | YarnApplicationState::Failed
                    | YarnApplicationState::Killed
            ),
            "{id} ended before a TaskManager could be killed: {r:?}"
        );
        if r.state == YarnApplicationState::Running && !r.tracking_url.is_empty() {
            let jobs = http_get(&r.tracking_url, "/jobs/overview");
            if let Some(at) = jobs.find("\"jid\":\"") {
                let jid = jobs[at + 7..at + 7 + 32].to_string();
                if taskmanager_pids(id).len() >= 2 {
                    break (r.tracking_url.clone(), jid);
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "the job never ran on two TaskManagers"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let details = http_get(&web, &format!("/jobs/{job}"));
    assert!(details.contains("\"vertices\""), "{details}");
    assert!(details.contains("HashJoin"), "{details}");
    assert!(details.contains("\"parallelism\":4"), "{details}");
    let tms = http_get(&web, "/taskmanagers");
    assert!(tms.matches("container_").count() >= 2, "{tms}");
    let page = http_get(&web, "/");
    assert!(
        page.contains("<html") || page.contains("<!DOCTYPE"),
        "{page}"
    );

    let victim = taskmanager_pids(id)[0];
    assert!(
        Command::new("kill")
            .arg("-9")
            .arg(victim.to_string())
            .status()
            .unwrap()
            .success()
    );

    let r = final_report(&c, id).await;
    assert_eq!(
        r.final_status,
        FinalApplicationStatusProto::AppSucceeded,
        "{}",
        r.diagnostics
    );
    let lines = fetch_csv(mc, dir.path(), &out_dir, "tm-kill");
    assert_eq!(lines.len(), 15, "{lines:?}");
    // The replacement ran in a new container: three TaskManager containers in all.
    let tms = taskmanager_containers(mc, id);
    assert!(tms.len() >= 3, "no replacement container: {tms:?}");
}

/// The ApplicationMaster process of an application (its environment names the staging dir).
fn app_master_pid(app: ApplicationId) -> Option<u32> {
    let needle = format!("/.weft/{app}");
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmd).starts_with("./weft\0app-master") {
            continue;
        }
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if String::from_utf8_lossy(&env).contains(&needle) {
            return Some(pid);
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_application_master_is_retried_and_the_job_succeeds() {
    let (mc, dir, base) = with_inputs("am-retry");
    let out_dir = format!("{base}/out");
    let id = submit_detached(
        mc,
        dir.path(),
        "retry.sql",
        &revenue_job(&format!("{base}/input"), &out_dir, 2),
        &["-D", "yarn.application-attempts=2"],
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let pid = loop {
        if let Some(pid) = app_master_pid(id) {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "no ApplicationMaster process for {id}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        Command::new("kill")
            .arg("-9")
            .arg(pid.to_string())
            .status()
            .unwrap()
            .success()
    );

    let c = client(mc);
    let r = final_report(&c, id).await;
    assert_eq!(
        r.final_status,
        FinalApplicationStatusProto::AppSucceeded,
        "{}",
        r.diagnostics
    );
    assert_eq!(
        r.current_attempt.map(|a| a.attempt_id),
        Some(2),
        "the second attempt should have run the job"
    );
    let lines = fetch_csv(mc, dir.path(), &out_dir, "am-retry");
    assert_eq!(lines.len(), 15, "{lines:?}");
    assert!(!staging_exists(mc, id).await);
}
