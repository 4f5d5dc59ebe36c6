//! A streaming aggregation (GROUP BY with SUM / COUNT / MAX / MIN into a Delta table keyed by
//! the group) keeps its state in the checkpoints: a TaskManager killed mid-stream, a graceful
//! stop and a resume, a crash right after an epoch committed (before its checkpoint) and
//! another resume — and the table holds the exact aggregates of every record once.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command};

use weft_integration::kafka::kafka;
use weft_integration::local_job::{child_taskmanagers, run_local, text};
use weft_integration::streaming_job;
use weft_integration::tpch::read_csv_dir;

const TOPIC: &str = "agg-in";

fn script(dir: &Path) -> String {
    format!(
        "{settings}CREATE TABLE src (account STRING, amount BIGINT) WITH ('connector' = 'kafka', 'topic' = '{TOPIC}',
  'properties.bootstrap.servers' = '{bootstrap}', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE totals (account STRING, total BIGINT, n BIGINT, biggest BIGINT, smallest BIGINT,
  PRIMARY KEY (account) NOT ENFORCED) WITH ('connector' = 'delta', 'path' = 'file://{dir}/lake');
INSERT INTO totals SELECT account, SUM(amount) AS total, COUNT(*) AS n, MAX(amount) AS biggest,
  MIN(amount) AS smallest FROM src WHERE amount <> 13 GROUP BY account;
",
        settings = streaming_job::settings(dir),
        dir = dir.display(),
        bootstrap = kafka().bootstrap
    )
}

fn produce(from: i64, to: i64) {
    let values: Vec<String> = (from..=to)
        .map(|i| format!(r#"{{"account": "a{}", "amount": {i}}}"#, i % 5))
        .collect();
    kafka().produce(TOPIC, &values);
}

fn start(dir: &Path, resume: bool, crash_after: Option<u64>) -> Child {
    let file = dir.join("agg.sql");
    std::fs::write(&file, script(dir)).unwrap();
    let chk = dir.join("checkpoints");
    let resume = resume.then_some(chk.as_path());
    streaming_job::start_crashing(&file, resume, &dir.join("agg.log"), crash_after)
}

fn wait_for(dir: &Path, n: i64, job: &mut Child) {
    streaming_job::wait_for_checkpointed(
        &dir.join("checkpoints"),
        "src",
        n,
        job,
        &dir.join("agg.log"),
    );
}

/// The id of the latest completed checkpoint.
fn latest_checkpoint(dir: &Path) -> u64 {
    std::fs::read_dir(dir.join("checkpoints"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("_metadata").is_file())
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix("chk-")?
                .parse()
                .ok()
        })
        .max()
        .unwrap()
}

fn expected(to: i64) -> Vec<String> {
    let mut acc: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
    for i in (1..=to).filter(|i| *i != 13) {
        let e = acc
            .entry(format!("a{}", i % 5))
            .or_insert((0, 0, i64::MIN, i64::MAX));
        *e = (e.0 + i, e.1 + 1, e.2.max(i), e.3.min(i));
    }
    acc.iter()
        .map(|(k, (s, n, mx, mn))| format!("{k},{s},{n},{mx},{mn}"))
        .collect()
}

fn lake(dir: &Path) -> Vec<String> {
    let out = dir.join("read");
    let _ = std::fs::remove_dir_all(&out);
    let script = format!(
        "CREATE TABLE totals (account STRING, total BIGINT, n BIGINT, biggest BIGINT, smallest BIGINT,
  PRIMARY KEY (account) NOT ENFORCED) WITH ('connector' = 'delta', 'path' = 'file://{}/lake');
CREATE TABLE o (account STRING, total BIGINT, n BIGINT, biggest BIGINT, smallest BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO o SELECT * FROM totals;
",
        dir.display(),
        out.display()
    );
    let o = run_local(dir, "read.sql", &script);
    assert!(o.status.success(), "{}", text(&o));
    let mut rows = read_csv_dir(&out).unwrap();
    rows.sort();
    rows
}

fn signal(job: &Child, sig: &str) {
    Command::new("kill")
        .args([sig, &job.id().to_string()])
        .status()
        .unwrap();
}

#[test]
fn a_streaming_aggregation_keeps_its_state_across_failures_and_restarts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    kafka().probe(&["create", TOPIC, "2"]).unwrap();
    produce(1, 200);
    let mut job = start(dir, false, None);
    wait_for(dir, 200, &mut job);
    assert_eq!(lake(dir), expected(200));

    // A TaskManager dies mid-stream.
    produce(201, 300);
    let tms = child_taskmanagers(job.id());
    assert!(!tms.is_empty());
    Command::new("kill")
        .args(["-9", &tms[0].to_string()])
        .status()
        .unwrap();
    produce(301, 400);
    wait_for(dir, 400, &mut job);
    signal(&job, "-TERM");
    assert!(job.wait().unwrap().success());

    // Resume; the next epoch commits and the process dies before its checkpoint.
    let last = latest_checkpoint(dir);
    produce(401, 500);
    let mut job = start(dir, true, Some(last + 1));
    let status = job.wait().unwrap();
    let log = std::fs::read_to_string(dir.join("agg.log")).unwrap();
    assert_eq!(status.code(), Some(70), "{log}");

    // Resume again: that epoch is replayed from the state of the checkpoint before it.
    produce(501, 600);
    let mut job = start(dir, true, None);
    wait_for(dir, 600, &mut job);
    signal(&job, "-TERM");
    assert!(job.wait().unwrap().success());
    assert_eq!(lake(dir), expected(600));
    let log = std::fs::read_to_string(dir.join("agg.log")).unwrap();
    assert!(log.contains("Replaying the unfinished epoch"), "{log}");
}

#[test]
fn an_aggregation_streaming_cannot_keep_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = script(dir).replace("MIN(amount) AS smallest", "AVG(amount) AS smallest");
    let o = run_local(dir, "avg.sql", &s);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("`AVG(amount)` is neither a GROUP BY key nor SUM, COUNT, MIN or MAX"),
        "{}",
        text(&o)
    );
}
