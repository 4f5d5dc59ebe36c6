//! A Flink-CDC-style pipeline file (`weft run -f pipeline.yaml`) on a real Kafka broker:
//! Debezium topics of three tables (two shards of one) routed and transformed into two Delta
//! tables, then a new column appears in the source records — `lenient` adds it to the lake
//! table, `exception` stops the pipeline before that epoch commits anything.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use weft_integration::kafka::kafka;
use weft_integration::local_job::{run_local, text};
use weft_integration::streaming_job;
use weft_integration::tpch::read_csv_dir;
use weft_integration::weft_bin::weft_bin;

/// A source table: its rows as the events change them (column → JSON value), and the
/// events not yet sent.
#[derive(Default)]
struct Table {
    topic: String,
    rows: BTreeMap<i64, BTreeMap<String, serde_json::Value>>,
    events: Vec<String>,
    sent: i64,
}

impl Table {
    fn new(topic: &str) -> Self {
        kafka().probe(&["create", topic, "1"]).unwrap();
        Table {
            topic: topic.into(),
            ..Default::default()
        }
    }

    fn image(row: &BTreeMap<String, serde_json::Value>) -> String {
        serde_json::to_string(row).unwrap()
    }

    fn upsert(&mut self, key: &str, id: i64, row: &[(&str, serde_json::Value)]) {
        let mut after: BTreeMap<String, serde_json::Value> = row
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        after.insert(key.into(), id.into());
        let event = match self.rows.get(&id) {
            Some(before) => format!(
                r#"{{"before": {}, "after": {}, "op": "u"}}"#,
                Self::image(before),
                Self::image(&after)
            ),
            None => format!(
                r#"{{"before": null, "after": {}, "op": "c"}}"#,
                Self::image(&after)
            ),
        };
        self.events.push(event);
        self.rows.insert(id, after);
    }

    fn delete(&mut self, id: i64) {
        let before = self.rows.remove(&id).unwrap();
        self.events.push(format!(
            r#"{{"before": {}, "after": null, "op": "d"}}"#,
            Self::image(&before)
        ));
    }

    fn flush(&mut self) {
        let events = std::mem::take(&mut self.events);
        self.sent += events.len() as i64;
        let mut args = vec!["produce", self.topic.as_str()];
        args.extend(events.iter().map(String::as_str));
        kafka().probe(&args).unwrap();
    }
}

fn customer(t: &mut Table, id: i64, name: &str, balance: i64) {
    t.upsert(
        "id",
        id,
        &[("name", name.into()), ("balance", balance.into())],
    );
}

fn order(t: &mut Table, id: i64, amount: i64) {
    t.upsert(
        "order_id",
        id,
        &[("customer_id", (id % 7).into()), ("amount", amount.into())],
    );
}

fn pipeline_file(dir: &Path, prefix: &str, behavior: &str) -> std::path::PathBuf {
    let yaml = format!(
        r#"source:
  type: kafka
  properties.bootstrap.servers: {bootstrap}
  topic-prefix: {prefix}
  tables: inventory\.customers, inventory\.orders_\d+
  value.format: debezium-json
sink:
  type: delta
  warehouse: file://{dir}/lake
route:
  - source-table: inventory\.orders_\d+
    sink-table: lake.orders
  - source-table: inventory\.customers
    sink-table: lake.customers
transform:
  - source-table: inventory\.customers
    projection: "*, UPPER(name) AS name_upper"
    filter: id < 1000
    primary-keys: id
  - source-table: inventory\.orders_\d+
    primary-keys: order_id
pipeline:
  name: inventory sync
  parallelism: 2
  schema.change.behavior: {behavior}
  execution.checkpointing.interval: 300 ms
  state.checkpoints.dir: {dir}/checkpoints
  restart-strategy.type: fixed-delay
  restart-strategy.fixed-delay.attempts: 3
"#,
        bootstrap = kafka().bootstrap,
        dir = dir.display()
    );
    let file = dir.join("pipeline.yaml");
    std::fs::write(&file, yaml).unwrap();
    file
}

fn start(file: &Path, log: &Path) -> Child {
    Command::new(weft_bin())
        .args(["run", "-f"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()))
        .spawn()
        .unwrap()
}

fn wait_for(dir: &Path, table: &str, n: i64, job: &mut Child) {
    streaming_job::wait_for_checkpointed(
        &dir.join("checkpoints"),
        table,
        n,
        job,
        &dir.join("pipeline.log"),
    );
}

/// A lake table's rows as CSV lines, sorted, read with a batch job.
fn lake(dir: &Path, table: &str, columns: &str, key: &str) -> Vec<String> {
    let out = dir.join(format!("read-{table}"));
    let _ = std::fs::remove_dir_all(&out);
    let names: Vec<&str> = columns
        .split(',')
        .map(|c| c.split_whitespace().next().unwrap())
        .collect();
    let script = format!(
        "CREATE TABLE t ({columns}, PRIMARY KEY ({key}) NOT ENFORCED) WITH ('connector' = 'delta', 'path' = 'file://{}/lake/lake/{table}');
CREATE TABLE o ({columns}) WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO o SELECT {} FROM t;
",
        dir.display(),
        out.display(),
        names.join(", ")
    );
    let o = run_local(dir, &format!("read-{table}.sql"), &script);
    assert!(o.status.success(), "{}", text(&o));
    let mut rows = read_csv_dir(&out).unwrap();
    rows.sort();
    rows
}

fn expected(
    t: &Table,
    columns: &[&str],
    derive: impl Fn(&BTreeMap<String, serde_json::Value>) -> Vec<String>,
) -> Vec<String> {
    let mut rows: Vec<String> = t
        .rows
        .values()
        .map(|r| {
            let mut cells: Vec<String> = columns
                .iter()
                .map(|c| match r.get(*c) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                })
                .collect();
            cells.extend(derive(r));
            cells.join(",")
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn a_pipeline_routes_transforms_and_evolves_a_lenient_schema_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut customers = Table::new("p1.inventory.customers");
    let mut shards = [
        Table::new("p1.inventory.orders_1"),
        Table::new("p1.inventory.orders_2"),
    ];
    for id in 1..=20 {
        customer(&mut customers, id, &format!("c{id}"), id * 10);
    }
    customer(&mut customers, 5000, "filtered out", 1);
    for id in 1..=5 {
        customer(&mut customers, id, &format!("c{id}"), id * 10 + 1);
    }
    customers.delete(20);
    for (i, s) in shards.iter_mut().enumerate() {
        for id in 1..=10 {
            order(s, i as i64 * 100 + id, id);
        }
        order(s, i as i64 * 100 + 1, 99);
        s.delete(i as i64 * 100 + 2);
    }
    customers.flush();
    shards.iter_mut().for_each(Table::flush);

    let file = pipeline_file(dir, "p1", "lenient");
    let log = dir.join("pipeline.log");
    let mut job = start(&file, &log);
    wait_for(dir, "src_inventory_customers", customers.sent, &mut job);
    wait_for(dir, "src_inventory_orders_2", shards[1].sent, &mut job);

    // A new column in the customers' records: inserts and an update carry it.
    for id in 21..=25 {
        customers.upsert(
            "id",
            id,
            &[
                ("name", format!("c{id}").into()),
                ("balance", id.into()),
                ("email", format!("c{id}@x").into()),
            ],
        );
    }
    customers.upsert(
        "id",
        1,
        &[
            ("name", "c1".into()),
            ("balance", 7.into()),
            ("email", "one@x".into()),
        ],
    );
    customers.flush();
    wait_for(dir, "src_inventory_customers", customers.sent, &mut job);
    Command::new("kill")
        .args(["-TERM", &job.id().to_string()])
        .status()
        .unwrap();
    let status = job.wait().unwrap();
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "{log_text}");
    assert!(
        log_text.contains("schema change in source table inventory.customers")
            && log_text.contains("column(s) added: email"),
        "{log_text}"
    );

    customers.rows.remove(&5000);
    let got = lake(
        dir,
        "customers",
        "id BIGINT, name STRING, balance BIGINT, name_upper STRING, email STRING",
        "id",
    );
    let want = expected(&customers, &["id", "name", "balance"], |r| {
        let email = r
            .get("email")
            .and_then(|e| e.as_str())
            .unwrap_or_default()
            .to_string();
        vec![r["name"].as_str().unwrap().to_uppercase(), email]
    });
    assert_eq!(got, want);

    let got = lake(
        dir,
        "orders",
        "order_id BIGINT, customer_id BIGINT, amount BIGINT",
        "order_id",
    );
    let mut want = expected(
        &shards[0],
        &["order_id", "customer_id", "amount"],
        |_| vec![],
    );
    want.extend(expected(
        &shards[1],
        &["order_id", "customer_id", "amount"],
        |_| vec![],
    ));
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn with_schema_change_behavior_exception_the_pipeline_stops_before_the_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut customers = Table::new("p2.inventory.customers");
    let mut shard = Table::new("p2.inventory.orders_1");
    for id in 1..=10 {
        customer(&mut customers, id, &format!("c{id}"), id);
        order(&mut shard, id, id);
    }
    customers.flush();
    shard.flush();
    let file = pipeline_file(dir, "p2", "exception");
    let log = dir.join("pipeline.log");
    let mut job = start(&file, &log);
    wait_for(dir, "src_inventory_customers", customers.sent, &mut job);
    let before = expected(&customers, &["id", "name", "balance"], |r| {
        vec![r["name"].as_str().unwrap().to_uppercase()]
    });

    customers.upsert(
        "id",
        3,
        &[
            ("name", "c3".into()),
            ("balance", 3.into()),
            ("email", "three@x".into()),
        ],
    );
    customers.flush();
    let status = job.wait().unwrap();
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(!status.success(), "{log_text}");
    assert!(
        log_text.contains("schema change in source table inventory.customers (topic p2.inventory.customers partition 0 offset 10): column(s) added: email")
            && log_text.contains("schema.change.behavior = exception"),
        "{log_text}"
    );
    assert_eq!(
        lake(
            dir,
            "customers",
            "id BIGINT, name STRING, balance BIGINT, name_upper STRING",
            "id"
        ),
        before
    );
}

#[test]
fn pipeline_file_mistakes_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let run = |yaml: &str| {
        let file = dir.join("bad.yaml");
        std::fs::write(&file, yaml).unwrap();
        let o = Command::new(weft_bin())
            .args(["run", "-f"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = run(
        "source: {type: kafka, tables: a}\nsink: {type: delta, warehouse: /tmp/l}\nroutes: []\n",
    );
    assert!(
        e.contains("bad.yaml") && e.contains("unknown section 'routes'"),
        "{e}"
    );
    let e = run(&format!(
        "source: {{type: kafka, tables: nothing\\.here, properties.bootstrap.servers: '{}'}}\nsink: {{type: delta, warehouse: /tmp/l}}\n",
        kafka().bootstrap
    ));
    assert!(
        e.contains("no topic at") && e.contains("nothing\\.here"),
        "{e}"
    );
}
