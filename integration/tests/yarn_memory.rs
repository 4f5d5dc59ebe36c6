//! TaskManagers stay inside their YARN containers: with a NodeManager that kills containers
//! over their physical memory (the mini cluster's check is on), an aggregation over far more
//! state than a TaskManager's managed memory spills to disk and finishes, and no container is
//! killed and replaced.

use weft_integration::minicluster::minicluster;
use weft_integration::yarn_job::{
    client, final_report, run_file, submitted_id, taskmanager_containers, text,
};
use weft_yarn_client::proto::yarn::FinalApplicationStatusProto;

const ROWS: u64 = 3_000_000;
const CONTAINER_MB: u64 = 512;

/// A number after `prefix` in a log line, e.g. "peak RSS 212 MiB" → 212.
fn number_after(log: &str, prefix: &str) -> Option<u64> {
    let rest = &log[log.find(prefix)? + prefix.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taskmanagers_spill_instead_of_outgrowing_their_containers() {
    let mc = minicluster();
    let dir = tempfile::tempdir().unwrap();
    let out = format!("{}/weft-it/memory/out", mc.hdfs_uri);
    // ~3 M distinct 32-character keys: the final aggregation's state (~250 MiB per subtask)
    // is several times the ~115 MiB a 512 MiB TaskManager gives its one slot.
    let script = format!(
        "SET 'parallelism.default' = '2';
CREATE TABLE events (id BIGINT, s STRING, v INT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '{ROWS}',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '{ROWS}',
  'fields.s.length' = '32', 'fields.v.min' = '1', 'fields.v.max' = '1');
CREATE TABLE totals (keys BIGINT, total_rows BIGINT, total_v BIGINT)
  WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv');
INSERT INTO totals
SELECT COUNT(*), SUM(n), SUM(t) FROM (SELECT s, COUNT(*) AS n, SUM(v) AS t FROM events GROUP BY s);
"
    );
    let container = format!("taskmanager.memory.process.size={CONTAINER_MB}m");
    let o = run_file(
        mc,
        dir.path(),
        "spill.sql",
        &script,
        &[
            "-t",
            "yarn-application",
            "-D",
            "jobmanager.memory.process.size=512m",
            "-D",
            &container,
            "-D",
            "taskmanager.numberOfTaskSlots=1",
            "-D",
            "yarn.heartbeat.interval=1 s",
        ],
    );
    let output = text(&o);
    assert!(o.status.success(), "the job failed:\n{output}");
    let id = submitted_id(&output);
    let report = final_report(&client(mc), id).await;
    assert_eq!(
        report.final_status,
        FinalApplicationStatusProto::AppSucceeded,
        "{}",
        report.diagnostics
    );

    // The result: every row counted once, through the spilled aggregation.
    let local = dir.path().join("totals");
    let fetch = format!(
        "CREATE TABLE src (keys BIGINT, total_rows BIGINT, total_v BIGINT)
  WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv');
CREATE TABLE dst (keys BIGINT, total_rows BIGINT, total_v BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO dst SELECT * FROM src;
",
        local.display()
    );
    let o = run_file(mc, dir.path(), "fetch.sql", &fetch, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let lines = weft_integration::tpch::read_csv_dir(&local).unwrap();
    let fields: Vec<u64> = lines
        .iter()
        .find(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no result row in {lines:?}"))
        .split(',')
        .map(|f| f.trim().parse().unwrap())
        .collect();
    assert_eq!(fields[1], ROWS, "rows counted: {fields:?}");
    assert_eq!(fields[2], ROWS, "sum of v (all 1): {fields:?}");
    assert!(fields[0] > ROWS * 99 / 100, "distinct keys: {fields:?}");

    // Two TaskManager containers, none killed and replaced; each stayed under its size and
    // the aggregation spilled.
    let containers = taskmanager_containers(mc, id);
    assert_eq!(
        containers.len(),
        2,
        "expected exactly the two TaskManager containers the job needs (a killed one is replaced): {containers:?}"
    );
    let mut spilled = 0;
    for c in &containers {
        let log = std::fs::read_to_string(c.join("taskmanager.log")).unwrap();
        let peak = number_after(&log, "peak RSS ")
            .unwrap_or_else(|| panic!("no peak RSS line in {}/taskmanager.log", c.display()));
        assert!(
            peak < CONTAINER_MB,
            "{} peaked at {peak} MiB in a {CONTAINER_MB} MiB container",
            c.display()
        );
        spilled += number_after(&log, "operators spilled ").unwrap_or(0);
        eprintln!("{}: peak RSS {peak} MiB", c.display());
    }
    assert!(
        spilled > 0,
        "no TaskManager spilled: the test's state fit in memory"
    );
}
