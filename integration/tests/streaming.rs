//! A streaming job (`execution.runtime-mode = streaming`) ingests a Kafka topic into a Delta
//! table through checkpointed epochs, on a real Kafka broker: a TaskManager killed
//! mid-stream, a graceful stop, a restart from the checkpoint (`-s`), a hard kill of the
//! job and another restart — and the table holds every record exactly once.

use std::path::Path;
use std::process::{Child, Command};

use weft_integration::kafka::kafka;
use weft_integration::local_job::{child_taskmanagers, run_local, text};
use weft_integration::streaming_job;
use weft_integration::tpch::read_csv_dir;

fn script(dir: &Path) -> String {
    format!(
        "{settings}CREATE TABLE src (id BIGINT, v BIGINT) WITH ('connector' = 'kafka', 'topic' = 'stream-in',
  'properties.bootstrap.servers' = '{bootstrap}', 'scan.startup.mode' = 'earliest-offset',
  'format' = 'json');
CREATE TABLE lake (id BIGINT, v BIGINT) WITH ('connector' = 'delta', 'path' = 'file://{dir}/lake');
INSERT INTO lake SELECT id, v FROM src;
",
        settings = streaming_job::settings(dir),
        dir = dir.display(),
        bootstrap = kafka().bootstrap
    )
}

fn start(dir: &Path, resume: bool) -> Child {
    let file = dir.join("stream.sql");
    std::fs::write(&file, script(dir)).unwrap();
    let chk = dir.join("checkpoints");
    streaming_job::start(
        &file,
        resume.then_some(chk.as_path()),
        &dir.join("stream.log"),
    )
}

fn produce(from: u64, to: u64) {
    let values: Vec<String> = (from..=to)
        .map(|i| format!(r#"{{"id": {i}, "v": 1}}"#))
        .collect();
    kafka().produce("stream-in", &values);
}

fn wait_for_checkpointed(dir: &Path, n: i64, job: &mut Child) {
    let (chk, log) = (dir.join("checkpoints"), dir.join("stream.log"));
    streaming_job::wait_for_checkpointed(&chk, "src", n, job, &log);
}

fn signal(job: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &job.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// (rows, distinct ids, sum of ids) of the Delta table, read with a batch job.
fn lake(dir: &Path) -> (u64, u64, u64) {
    let out = dir.join(format!("read-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let script = format!(
        "CREATE TABLE lake (id BIGINT, v BIGINT) WITH ('connector' = 'delta', 'path' = 'file://{}/lake');
CREATE TABLE out (n BIGINT, d BIGINT, s BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO out SELECT COUNT(*), COUNT(DISTINCT id), SUM(id) FROM lake;
",
        dir.display(),
        out.display()
    );
    let o = run_local(dir, "read.sql", &script);
    assert!(o.status.success(), "{}", text(&o));
    let lines = read_csv_dir(&out).unwrap();
    let f: Vec<u64> = lines[0].split(',').map(|x| x.parse().unwrap()).collect();
    (f[0], f[1], f[2])
}

#[test]
fn kafka_to_delta_exactly_once_across_a_killed_taskmanager_a_stop_and_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    kafka().probe(&["create", "stream-in", "2"]).unwrap();
    produce(1, 200);

    let mut job = start(dir, false);
    wait_for_checkpointed(dir, 200, &mut job);

    // A TaskManager dies; the epochs go on (region failover inside an epoch).
    let tms = child_taskmanagers(job.id());
    assert!(
        !tms.is_empty(),
        "no TaskManager processes under {}",
        job.id()
    );
    produce(201, 300);
    Command::new("kill")
        .args(["-9", &tms[0].to_string()])
        .status()
        .unwrap();
    produce(301, 400);
    wait_for_checkpointed(dir, 400, &mut job);

    // A graceful stop, then a restart from the checkpoint.
    signal(&job, "-TERM");
    let status = job.wait().unwrap();
    assert!(status.success(), "graceful stop failed: {status}");
    produce(401, 500);
    let mut job = start(dir, true);
    wait_for_checkpointed(dir, 500, &mut job);

    // A crash (no chance to finish anything), more records, a restart.
    produce(501, 600);
    signal(&job, "-KILL");
    let _ = job.wait();
    let mut job = start(dir, true);
    wait_for_checkpointed(dir, 600, &mut job);
    signal(&job, "-TERM");
    assert!(job.wait().unwrap().success());

    assert_eq!(lake(dir), (600, 600, 600 * 601 / 2));
    let log = std::fs::read_to_string(dir.join("stream.log")).unwrap();
    assert!(log.contains("Resuming"), "{log}");
}

#[test]
fn a_bounded_streaming_job_stops_at_the_offsets_it_started_with() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    kafka().probe(&["create", "bounded-in", "1"]).unwrap();
    let batch = |from: u64, to: u64| {
        let values: Vec<String> = (from..=to)
            .map(|i| format!(r#"{{"id": {i}, "v": 1}}"#))
            .collect();
        let mut args = vec!["produce", "bounded-in"];
        args.extend(values.iter().map(String::as_str));
        kafka().probe(&args).unwrap();
    };
    batch(1, 50);
    let script = script(dir)
        .replace("'stream-in'", "'bounded-in'")
        .replace("'300 ms'", "'3 s'")
        .replace(
            "'format' = 'json'",
            "'format' = 'json', 'scan.bounded.mode' = 'latest-offset'",
        );
    let file = dir.join("bounded.sql");
    std::fs::write(&file, script).unwrap();
    let log = dir.join("bounded.log");
    let mut job = streaming_job::start(&file, None, &log);
    streaming_job::wait_for_checkpointed(&dir.join("checkpoints"), "src", 50, &mut job, &log);
    // Arrives after the job started: beyond its bound.
    batch(51, 80);
    let status = job.wait().unwrap();
    let out = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "{out}");
    assert!(out.contains("reached its bound"), "{out}");
    assert_eq!(lake(dir), (50, 50, 50 * 51 / 2));
}

/// Streaming partition commit: files are published with every checkpoint, `_SUCCESS` only when
/// the partition's trigger fires — partition-time (the partition's date + delay has passed)
/// and process-time (delay after the partition was first written).
#[test]
fn streaming_partitions_are_committed_when_their_trigger_fires() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let topic = "partition-commit-in";
    kafka().probe(&["create", topic, "1"]).unwrap();
    let send = |from: u64, to: u64| {
        let values: Vec<String> = (from..=to)
            .map(|i| {
                let dt = if i % 2 == 0 {
                    "2020-01-01"
                } else {
                    "2999-01-01"
                };
                format!(r#"{{"id": {i}, "dt": "{dt}"}}"#)
            })
            .collect();
        kafka().produce(topic, &values);
    };
    let script = format!(
        "{settings}CREATE TABLE src (id BIGINT, dt STRING) WITH ('connector' = 'kafka', 'topic' = '{topic}',
  'properties.bootstrap.servers' = '{bootstrap}', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE by_time (id BIGINT, dt STRING) PARTITIONED BY (dt) WITH ('connector' = 'filesystem',
  'path' = 'file://{dir}/by_time', 'format' = 'csv', 'sink.partition-commit.policy.kind' = 'success-file',
  'sink.partition-commit.trigger' = 'partition-time', 'partition.time-extractor.timestamp-pattern' = '$dt',
  'sink.partition-commit.delay' = '1 h');
CREATE TABLE by_delay (id BIGINT, dt STRING) PARTITIONED BY (dt) WITH ('connector' = 'filesystem',
  'path' = 'file://{dir}/by_delay', 'format' = 'csv', 'sink.partition-commit.policy.kind' = 'success-file',
  'sink.partition-commit.trigger' = 'process-time', 'sink.partition-commit.delay' = '5 s');
INSERT INTO by_time SELECT id, dt FROM src;
INSERT INTO by_delay SELECT id, dt FROM src;
",
        settings = streaming_job::settings(dir),
        dir = dir.display(),
        bootstrap = kafka().bootstrap
    );
    let file = dir.join("pc.sql");
    std::fs::write(&file, script).unwrap();
    let log = dir.join("pc.log");
    let chk = dir.join("checkpoints");
    send(1, 10);
    let mut job = streaming_job::start(&file, None, &log);
    streaming_job::wait_for_checkpointed(&chk, "src", 10, &mut job, &log);
    let success = |table: &str, dt: &str| dir.join(format!("{table}/dt={dt}/_SUCCESS")).is_file();
    let data = |table: &str, dt: &str| {
        read_csv_dir(&dir.join(format!("{table}/dt={dt}")))
            .map(|r| r.len())
            .unwrap_or(0)
    };
    // Every record is published at once; only the past partition is committed.
    assert_eq!(
        (data("by_time", "2020-01-01"), data("by_time", "2999-01-01")),
        (5, 5)
    );
    assert!(success("by_time", "2020-01-01"));
    assert!(!success("by_time", "2999-01-01"));
    assert!(!success("by_delay", "2020-01-01") && !success("by_delay", "2999-01-01"));

    // After the delay, the next checkpoint commits the process-time partitions.
    std::thread::sleep(std::time::Duration::from_millis(5500));
    send(11, 12);
    streaming_job::wait_for_checkpointed(&chk, "src", 12, &mut job, &log);
    assert!(success("by_delay", "2020-01-01") && success("by_delay", "2999-01-01"));
    assert!(!success("by_time", "2999-01-01"));
    signal(&job, "-TERM");
    assert!(job.wait().unwrap().success());
}
