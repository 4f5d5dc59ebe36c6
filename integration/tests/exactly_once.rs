//! Exactly-once sinks of a streaming job on a real Kafka broker: one job writes each record
//! to a Kafka topic (`sink.delivery-guarantee = exactly-once`, one transaction per checkpoint
//! and subtask) and to a Delta table. The job process dies in the worst window — after an
//! epoch's sinks committed, before its checkpoint was written — and is resumed; later a
//! TaskManager is killed mid-stream. A `read_committed` consumer then sees every record
//! exactly once, and so does the Delta table.

use std::path::Path;
use std::process::{Child, Command};

use weft_integration::kafka::kafka;
use weft_integration::local_job::{child_taskmanagers, run_local, text};
use weft_integration::streaming_job;
use weft_integration::tpch::read_csv_dir;

const IN: &str = "eo-in";
const OUT: &str = "eo-out";

fn script(dir: &Path) -> String {
    format!(
        "{settings}CREATE TABLE src (id BIGINT, v BIGINT) WITH ('connector' = 'kafka', 'topic' = '{IN}',
  'properties.bootstrap.servers' = '{bootstrap}', 'scan.startup.mode' = 'earliest-offset',
  'format' = 'json');
CREATE TABLE out (id BIGINT, v BIGINT) WITH ('connector' = 'kafka', 'topic' = '{OUT}',
  'properties.bootstrap.servers' = '{bootstrap}', 'format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'weft-eo-test');
CREATE TABLE lake (id BIGINT, v BIGINT) WITH ('connector' = 'delta', 'path' = 'file://{dir}/lake');
INSERT INTO out SELECT id, v FROM src;
INSERT INTO lake SELECT id, v FROM src;
",
        settings = streaming_job::settings(dir),
        dir = dir.display(),
        bootstrap = kafka().bootstrap
    )
}

fn produce(from: u64, to: u64) {
    let values: Vec<String> = (from..=to)
        .map(|i| format!(r#"{{"id": {i}, "v": {}}}"#, i * 2))
        .collect();
    kafka().produce(IN, &values);
}

/// The job, resuming from its checkpoints when `resume`; `crash_after` makes it exit right
/// after that epoch's sinks committed, before its checkpoint is written.
fn start(dir: &Path, resume: bool, crash_after: Option<u64>) -> Child {
    let file = dir.join("eo.sql");
    std::fs::write(&file, script(dir)).unwrap();
    let chk = dir.join("checkpoints");
    let resume = resume.then_some(chk.as_path());
    streaming_job::start_crashing(&file, resume, &dir.join("eo.log"), crash_after)
}

fn wait_for(dir: &Path, n: i64, job: &mut Child) {
    let (chk, log) = (dir.join("checkpoints"), dir.join("eo.log"));
    streaming_job::wait_for_checkpointed(&chk, "src", n, job, &log);
}

/// Ids in the output topic as a read_committed consumer sees them, sorted.
fn committed_ids() -> Vec<u64> {
    let out = kafka()
        .probe(&["consume", OUT, "0", "read_committed"])
        .unwrap();
    let mut ids: Vec<u64> = out
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(
                v["v"].as_u64().unwrap(),
                v["id"].as_u64().unwrap() * 2,
                "{l}"
            );
            v["id"].as_u64().unwrap()
        })
        .collect();
    ids.sort();
    ids
}

fn lake_ids(dir: &Path) -> Vec<u64> {
    let out = dir.join("read");
    let script = format!(
        "CREATE TABLE lake (id BIGINT, v BIGINT) WITH ('connector' = 'delta', 'path' = 'file://{}/lake');
CREATE TABLE o (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO o SELECT id FROM lake;
",
        dir.display(),
        out.display()
    );
    let o = run_local(dir, "read.sql", &script);
    assert!(o.status.success(), "{}", text(&o));
    let mut ids: Vec<u64> = read_csv_dir(&out)
        .unwrap()
        .iter()
        .map(|l| l.parse().unwrap())
        .collect();
    ids.sort();
    ids
}

#[test]
fn kafka_exactly_once_sink_across_a_crash_before_the_checkpoint_and_a_killed_taskmanager() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    kafka().probe(&["create", IN, "2"]).unwrap();
    kafka().probe(&["create", OUT, "2"]).unwrap();
    produce(1, 200);

    // Checkpoint 1 reads 1..=200; the epoch of checkpoint 2 (201..=300) commits its sinks
    // and the process exits before writing the checkpoint.
    let mut job = start(dir, false, Some(2));
    wait_for(dir, 200, &mut job);
    produce(201, 300);
    let status = job.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(70),
        "the job did not exit at the injected crash"
    );
    let log = std::fs::read_to_string(dir.join("eo.log")).unwrap();
    assert!(log.contains("exiting after epoch 2"), "{log}");
    // Checkpoint 2's records (some of 201..=300) are already visible; more arrive while the
    // job is down.
    let mut ids = committed_ids();
    let n = ids.len();
    ids.dedup();
    assert!(
        ids.len() == n && n > 200 && ids.iter().all(|i| *i <= 300),
        "{n} ids visible after the crash ({} distinct), job log:\n{log}",
        ids.len()
    );
    produce(301, 400);

    // Resume: the epoch of checkpoint 2 is replayed with its recorded ranges (its sinks
    // find it committed), then checkpoint 3 reads 301..=400.
    let mut job = start(dir, true, None);
    wait_for(dir, 400, &mut job);
    let log = std::fs::read_to_string(dir.join("eo.log")).unwrap();
    assert!(
        log.contains("Replaying the unfinished epoch of checkpoint 2"),
        "{log}"
    );

    // A TaskManager dies mid-stream.
    produce(401, 500);
    let tms = child_taskmanagers(job.id());
    assert!(!tms.is_empty());
    Command::new("kill")
        .args(["-9", &tms[0].to_string()])
        .status()
        .unwrap();
    produce(501, 600);
    wait_for(dir, 600, &mut job);
    Command::new("kill")
        .args(["-TERM", &job.id().to_string()])
        .status()
        .unwrap();
    assert!(job.wait().unwrap().success());

    let all: Vec<u64> = (1..=600).collect();
    assert_eq!(
        committed_ids(),
        all,
        "the output topic lost or duplicated records"
    );
    assert_eq!(
        lake_ids(dir),
        all,
        "the Delta table lost or duplicated records"
    );
}

#[test]
fn exactly_once_in_a_batch_job_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let script = format!(
        "CREATE TABLE out (id BIGINT) WITH ('connector' = 'kafka', 'topic' = '{OUT}-batch',
  'properties.bootstrap.servers' = '{}', 'format' = 'json', 'sink.delivery-guarantee' = 'exactly-once');
INSERT INTO out SELECT 1;
",
        kafka().bootstrap
    );
    let o = run_local(dir, "batch.sql", &script);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("execution.runtime-mode = streaming"),
        "{}",
        text(&o)
    );
}
