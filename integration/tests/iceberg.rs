//! Iceberg tables written by Weft and read by the Apache Iceberg Java library (the
//! `integration/iceberg` harness), and the other way round: batch appends, overwrites and
//! partitions; a streaming Kafka → Iceberg append across a killed TaskManager with every
//! event once; and the errors a user sees.

use std::path::Path;
use std::process::Command;

use weft_integration::iceberg::probe;
use weft_integration::kafka::kafka;
use weft_integration::local_job::{child_taskmanagers, run_local, text};
use weft_integration::streaming_job;
use weft_integration::tpch::{csv_values, read_csv_dir};

fn lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(str::to_string).collect();
    v.sort();
    v
}

/// The rows of the CSV files under `dir`, unquoted and sorted, to compare with what Java
/// Iceberg prints.
fn csv_rows(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = read_csv_dir(dir)
        .unwrap()
        .iter()
        .map(|l| csv_values(l))
        .collect();
    v.sort();
    v
}

fn ice(dir: &Path) -> String {
    format!("file://{}/wh/sales/nation", dir.display())
}

/// Run a script that must succeed.
fn run_ok(dir: &Path, name: &str, script: &str) {
    let o = run_local(dir, name, script);
    assert!(o.status.success(), "{name} failed:\n{}", text(&o));
}

const NATION: &str =
    "CREATE TABLE tpch_nation WITH ('connector' = 'tpch', 'table' = 'nation', 'scale' = '0.01');";

fn ice_table() -> &'static str {
    "CREATE TABLE nation (n_nationkey BIGINT, n_name STRING, n_regionkey BIGINT)
  PARTITIONED BY (n_regionkey)
  WITH ('connector' = 'iceberg', 'catalog-type' = 'hadoop', 'warehouse' = '{wh}', 'catalog-database' = 'sales');"
}

#[test]
fn batch_appends_and_overwrites_are_iceberg_snapshots_java_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let wh = format!("file://{}/wh", dir.display());
    let table = ice_table().replace("{wh}", &wh);
    let expected_dir = dir.join("expected");
    run_ok(
        dir,
        "write.sql",
        &format!(
            "{NATION}
{table}
CREATE TABLE expected (k BIGINT, n STRING, r BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO nation SELECT n_nationkey, n_name, n_regionkey FROM tpch_nation;
INSERT INTO expected SELECT n_nationkey, n_name, n_regionkey FROM tpch_nation;
",
            expected_dir.display()
        ),
    );
    let expected = csv_rows(&expected_dir);
    assert_eq!(expected.len(), 25);
    let loc = ice(dir);

    // Java Iceberg sees the rows, five identity partitions and one append snapshot.
    assert_eq!(probe("count", &[&loc]).unwrap().trim(), "25");
    let rows = probe("rows", &[&loc, "n_nationkey,n_name,n_regionkey"]).unwrap();
    assert_eq!(lines(&rows), expected);
    let files = probe("files", &[&loc]).unwrap();
    let mut parts: Vec<&str> = files.lines().filter_map(|l| l.split(' ').nth(2)).collect();
    parts.sort();
    parts.dedup();
    assert_eq!(
        parts,
        [
            "n_regionkey=0",
            "n_regionkey=1",
            "n_regionkey=2",
            "n_regionkey=3",
            "n_regionkey=4"
        ]
    );
    let snaps = probe("snapshots", &[&loc]).unwrap();
    assert_eq!(snaps.lines().count(), 1, "{snaps}");
    assert!(
        snaps.contains(" append ")
            && snaps.contains("weft.checkpoint-id=1")
            && snaps.contains("total-records=25"),
        "{snaps}"
    );

    // A second job appends; a third overwrites.
    let append = format!(
        "{NATION}\n{table}\nINSERT INTO nation SELECT n_nationkey, n_name, n_regionkey FROM tpch_nation WHERE n_regionkey = 1;\n"
    );
    run_ok(dir, "append.sql", &append);
    assert_eq!(probe("count", &[&loc]).unwrap().trim(), "30");
    let over = format!(
        "{NATION}\n{table}\nINSERT OVERWRITE nation SELECT n_nationkey, n_name, n_regionkey FROM tpch_nation WHERE n_regionkey < 2;\n"
    );
    run_ok(dir, "overwrite.sql", &over);
    assert_eq!(probe("count", &[&loc]).unwrap().trim(), "10");
    let snaps = probe("snapshots", &[&loc]).unwrap();
    let ops: Vec<&str> = snaps.lines().filter_map(|l| l.split(' ').nth(1)).collect();
    assert_eq!(ops, ["append", "append", "overwrite"], "{snaps}");

    // Weft reads it back declared without columns (they come from the table's metadata).
    let out = dir.join("read");
    run_ok(
        dir,
        "read.sql",
        &format!(
            "CREATE TABLE nation WITH ('connector' = 'iceberg', 'path' = '{loc}');
CREATE TABLE out (k BIGINT, n STRING, r BIGINT) WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO out SELECT n_nationkey, n_name, n_regionkey FROM nation;
",
            out.display()
        ),
    );
    let read = csv_rows(&out);
    let want: Vec<String> = expected
        .iter()
        .filter(|l| l.ends_with(",0") || l.ends_with(",1"))
        .cloned()
        .collect();
    assert_eq!(read, want);
}

#[test]
fn a_table_java_wrote_is_read_and_appended_by_weft() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let loc = dir.join("sample");
    let loc = loc.to_str().unwrap();
    probe("create-sample", &[loc]).unwrap();
    let out = dir.join("read");
    run_ok(
        dir,
        "append.sql",
        &format!(
            "CREATE TABLE sample WITH ('connector' = 'iceberg', 'path' = '{loc}');
CREATE TABLE out (id BIGINT, name STRING, dt STRING) WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO out SELECT id, name, dt FROM sample;
INSERT INTO sample SELECT id + 10, CONCAT('w', name), '2024-01-03' FROM sample WHERE name IS NOT NULL;
",
            out.display()
        ),
    );
    let read = lines(&read_csv_dir(&out).unwrap().join("\n"));
    assert_eq!(read, ["1,a,2024-01-01", "2,,2024-01-01", "3,c,2024-01-02"]);
    // Java reads Weft's append on top of its own snapshot (Weft's version hint replaced
    // the one Java wrote, checksum and all).
    let rows = probe("rows", &[loc, "id,name,dt"]).unwrap();
    assert_eq!(
        lines(&rows),
        [
            "1,a,2024-01-01",
            "11,wa,2024-01-03",
            "13,wc,2024-01-03",
            "2,\\N,2024-01-01",
            "3,c,2024-01-02"
        ]
    );
    assert_eq!(probe("snapshots", &[loc]).unwrap().lines().count(), 2);
}

#[test]
fn iceberg_mistakes_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let loc = format!("file://{}/none", dir.display());
    let o = run_local(
        dir,
        "missing.sql",
        &format!(
            "CREATE TABLE t WITH ('connector' = 'iceberg', 'path' = '{loc}');
CREATE TABLE out (a BIGINT) WITH ('connector' = 'filesystem', 'path' = 'file://{}/o', 'format' = 'csv');
INSERT INTO out SELECT 1;
",
            dir.display()
        ),
    );
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("table `t`")
            && msg.contains("no Iceberg table at")
            && msg.contains("declare its columns"),
        "{msg}"
    );

    // A declared column the existing table lacks; nothing is committed.
    let sample = dir.join("sample");
    let sample = sample.to_str().unwrap();
    probe("create-sample", &[sample]).unwrap();
    let o = run_local(
        dir,
        "column.sql",
        &format!(
            "CREATE TABLE t (id BIGINT, amount DOUBLE) WITH ('connector' = 'iceberg', 'path' = '{sample}');
INSERT INTO t SELECT 1, 2.0;
"
        ),
    );
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("column 'amount' is not in the Iceberg table") && msg.contains("id, name, dt"),
        "{msg}"
    );
    assert_eq!(probe("snapshots", &[sample]).unwrap().lines().count(), 1);
}

/// Kafka JSON events → a streaming job appending to Iceberg; a TaskManager is killed
/// mid-stream; Java Iceberg then counts every event exactly once.
#[test]
fn streaming_append_into_iceberg_has_every_event_once_across_a_killed_taskmanager() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let topic = "iceberg-events";
    kafka().probe(&["create", topic, "2"]).unwrap();
    let produce = |from: u64, to: u64| {
        let values: Vec<String> = (from..=to)
            .map(|i| {
                format!(
                    r#"{{"event_id": {i}, "account": "a{}", "amount": {}}}"#,
                    i % 7,
                    i * 3
                )
            })
            .collect();
        kafka().produce(topic, &values);
    };
    let loc = format!("{}/lake/events", dir.display());
    let script = format!(
        "{settings}CREATE TABLE events_in (event_id BIGINT, account STRING, amount BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '{topic}', 'properties.bootstrap.servers' = '{bootstrap}',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE events (event_id BIGINT, account STRING, amount BIGINT) PARTITIONED BY (account)
  WITH ('connector' = 'iceberg', 'path' = 'file://{loc}');
INSERT INTO events SELECT event_id, account, amount FROM events_in;
",
        settings = streaming_job::settings(dir),
        bootstrap = kafka().bootstrap
    );
    let file = dir.join("ingest.sql");
    std::fs::write(&file, script).unwrap();
    let log = dir.join("ingest.log");
    let chk = dir.join("checkpoints");
    produce(1, 300);
    let mut job = streaming_job::start(&file, None, &log);
    streaming_job::wait_for_checkpointed(&chk, "events_in", 300, &mut job, &log);
    let tms = child_taskmanagers(job.id());
    assert!(!tms.is_empty());
    produce(301, 600);
    Command::new("kill")
        .args(["-9", &tms[0].to_string()])
        .status()
        .unwrap();
    produce(601, 900);
    streaming_job::wait_for_checkpointed(&chk, "events_in", 900, &mut job, &log);
    Command::new("kill")
        .args(["-TERM", &job.id().to_string()])
        .status()
        .unwrap();
    assert!(job.wait().unwrap().success());

    assert_eq!(probe("count", &[&loc]).unwrap().trim(), "900");
    let ids = probe("rows", &[&loc, "event_id"]).unwrap();
    let mut ids: Vec<u64> = ids.lines().map(|l| l.parse().unwrap()).collect();
    ids.sort();
    assert_eq!(
        ids,
        (1..=900).collect::<Vec<_>>(),
        "lost or duplicated events"
    );
    // One snapshot per checkpoint that read something, each recording its checkpoint id.
    let snaps = probe("snapshots", &[&loc]).unwrap();
    let chks: Vec<i64> = snaps
        .lines()
        .filter_map(|l| {
            l.split(' ')
                .find_map(|kv| kv.strip_prefix("weft.checkpoint-id="))
        })
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(
        !chks.is_empty() && chks.windows(2).all(|w| w[0] < w[1]),
        "{snaps}"
    );
}
