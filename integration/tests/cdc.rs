//! CDC into a lake: Debezium JSON inserts, updates and deletes go into Kafka; a streaming
//! job upserts them into a Delta table by primary key; a TaskManager is killed mid-stream;
//! the table ends equal to the source table's final state — no lost, no duplicate rows.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command};

use weft_integration::kafka::kafka;
use weft_integration::local_job::{child_taskmanagers, run_local, text};
use weft_integration::streaming_job;
use weft_integration::tpch::read_csv_dir;

const TOPIC: &str = "dbserver1.inventory.customers";

/// The source table, as the events change it, and the events.
#[derive(Default)]
struct Source {
    rows: BTreeMap<i64, (String, i64)>,
    events: Vec<String>,
}

impl Source {
    fn row(id: i64, r: &(String, i64)) -> String {
        format!(r#"{{"id": {id}, "name": "{}", "balance": {}}}"#, r.0, r.1)
    }

    fn insert(&mut self, id: i64, name: &str, balance: i64) {
        let r = (name.to_string(), balance);
        self.events.push(format!(
            r#"{{"before": null, "after": {}, "op": "c", "ts_ms": 1}}"#,
            Self::row(id, &r)
        ));
        self.rows.insert(id, r);
    }

    fn update(&mut self, id: i64, balance: i64) {
        let before = self.rows[&id].clone();
        let after = (before.0.clone(), balance);
        self.events.push(format!(
            r#"{{"before": {}, "after": {}, "op": "u", "ts_ms": 2}}"#,
            Self::row(id, &before),
            Self::row(id, &after)
        ));
        self.rows.insert(id, after);
    }

    fn delete(&mut self, id: i64) {
        let before = self.rows.remove(&id).unwrap();
        self.events.push(format!(
            r#"{{"before": {}, "after": null, "op": "d", "ts_ms": 3}}"#,
            Self::row(id, &before)
        ));
    }

    /// Send the events so far.
    fn flush(&mut self) {
        let events = std::mem::take(&mut self.events);
        let mut args = vec!["produce", TOPIC];
        args.extend(events.iter().map(String::as_str));
        kafka().probe(&args).unwrap();
    }

    fn expected(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|(id, (name, balance))| format!("{id},{name},{balance}"))
            .collect()
    }
}

fn start(dir: &Path) -> Child {
    let script = format!(
        "{settings}CREATE TABLE customers_cdc (id BIGINT, name STRING, balance BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '{TOPIC}', 'properties.bootstrap.servers' = '{bootstrap}',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'debezium-json');
CREATE TABLE customers (id BIGINT, name STRING, balance BIGINT, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'delta', 'path' = 'file://{dir}/lake/customers');
INSERT INTO customers SELECT id, name, balance FROM customers_cdc;
",
        settings = streaming_job::settings(dir),
        dir = dir.display(),
        bootstrap = kafka().bootstrap
    );
    let file = dir.join("cdc.sql");
    std::fs::write(&file, script).unwrap();
    streaming_job::start(&file, None, &dir.join("cdc.log"))
}

fn wait_for(dir: &Path, n: i64, job: &mut Child) {
    let (chk, log) = (dir.join("checkpoints"), dir.join("cdc.log"));
    streaming_job::wait_for_checkpointed(&chk, "customers_cdc", n, job, &log);
}

fn lake_rows(dir: &Path) -> Vec<String> {
    let out = dir.join("read");
    let script = format!(
        "CREATE TABLE customers (id BIGINT, name STRING, balance BIGINT, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'delta', 'path' = 'file://{}/lake/customers');
CREATE TABLE out (id BIGINT, name STRING, balance BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO out SELECT * FROM customers;
",
        dir.display(),
        out.display()
    );
    let o = run_local(dir, "read.sql", &script);
    assert!(o.status.success(), "{}", text(&o));
    let mut rows = read_csv_dir(&out).unwrap();
    rows.sort_by_key(|r| r.split(',').next().unwrap().parse::<i64>().unwrap());
    rows
}

#[test]
fn debezium_changes_upsert_into_delta_exactly_across_a_killed_taskmanager() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    kafka().probe(&["create", TOPIC, "1"]).unwrap();
    let mut src = Source::default();
    for id in 1..=40 {
        src.insert(id, &format!("c{id}"), id * 10);
    }
    src.flush();
    let mut job = start(dir);
    wait_for(dir, 40, &mut job);

    // Updates, deletes and inserts; a TaskManager dies while they stream in.
    for id in 1..=20 {
        src.update(id, id * 10 + 100);
    }
    for id in 31..=40 {
        src.delete(id);
    }
    src.flush();
    let tms = child_taskmanagers(job.id());
    assert!(!tms.is_empty());
    Command::new("kill")
        .args(["-9", &tms[0].to_string()])
        .status()
        .unwrap();
    for id in 41..=60 {
        src.insert(id, &format!("c{id}"), id);
    }
    for id in 41..=50 {
        src.update(id, id + 1);
        src.update(id, id + 2);
    }
    for id in 1..=5 {
        src.delete(id);
    }
    for id in 31..=35 {
        src.insert(id, &format!("again{id}"), 7);
    }
    src.flush();
    // 40 creates + 20 updates + 10 deletes + 20 creates + 20 updates + 5 deletes + 5 creates.
    wait_for(dir, 120, &mut job);
    Command::new("kill")
        .args(["-TERM", &job.id().to_string()])
        .status()
        .unwrap();
    assert!(job.wait().unwrap().success());

    assert_eq!(lake_rows(dir), src.expected());
}
