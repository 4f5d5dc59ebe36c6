//! A streaming job on YARN (`-t yarn-application`): the ApplicationMaster drives the
//! checkpointed epochs against its own JobManager and TaskManager containers, keeps the
//! checkpoints on HDFS, and unregisters SUCCEEDED when its bounded Kafka table is read. A
//! local run then resumes from that HDFS checkpoint and reads only what came after it.

use weft_integration::kafka::kafka;
use weft_integration::local_job::run_local;
use weft_integration::minicluster::minicluster;
use weft_integration::tpch::read_csv_dir;
use weft_integration::yarn_job::{SMALL, client, final_report, run_file, submitted_id, text, weft};
use weft_yarn_client::proto::yarn::FinalApplicationStatusProto;

fn produce(topic: &str, from: u64, to: u64) {
    let values: Vec<String> = (from..=to)
        .map(|i| format!(r#"{{"id": {i}, "v": {}}}"#, i % 10))
        .collect();
    let mut args = vec!["produce", topic];
    args.extend(values.iter().map(String::as_str));
    kafka().probe(&args).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_job_runs_in_the_application_master_with_checkpoints_on_hdfs() {
    let mc = minicluster();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let topic = "yarn-stream";
    kafka().probe(&["create", topic, "2"]).unwrap();
    produce(topic, 1, 300);
    let checkpoints = format!(
        "{}/weft-it/yarn-stream-{}/checkpoints",
        mc.hdfs_uri,
        std::process::id()
    );
    let script = format!(
        "SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '500 ms';
SET 'state.checkpoints.dir' = '{checkpoints}';
SET 'parallelism.default' = '2';
CREATE TABLE src (id BIGINT, v BIGINT) WITH ('connector' = 'kafka', 'topic' = '{topic}',
  'properties.bootstrap.servers' = '{bootstrap}', 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE lake (id BIGINT, v BIGINT) WITH ('connector' = 'delta', 'path' = 'file://{lake}');
INSERT INTO lake SELECT id, v FROM src;
",
        bootstrap = kafka().bootstrap,
        lake = dir.join("lake").display()
    );
    let mut args = vec!["-t", "yarn-application"];
    args.extend_from_slice(SMALL);
    let o = run_file(mc, dir, "stream.sql", &script, &args);
    let out = text(&o);
    assert!(
        o.status.success() && out.contains("FINISHED / SUCCEEDED"),
        "{out}"
    );
    let r = final_report(&client(mc), submitted_id(&out)).await;
    assert_eq!(
        r.final_status,
        FinalApplicationStatusProto::AppSucceeded,
        "{out}"
    );

    let lake = |name: &str| {
        let out = dir.join(name);
        let script = format!(
            "CREATE TABLE lake (id BIGINT, v BIGINT) WITH ('connector' = 'delta', 'path' = 'file://{}');
CREATE TABLE o (n BIGINT, d BIGINT, s BIGINT) WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO o SELECT COUNT(*), COUNT(DISTINCT id), SUM(id) FROM lake;
",
            dir.join("lake").display(),
            out.display()
        );
        let o = run_local(dir, &format!("{name}.sql"), &script);
        assert!(o.status.success(), "{}", text(&o));
        read_csv_dir(&out).unwrap()[0].clone()
    };
    assert_eq!(lake("read1"), format!("300,300,{}", 300 * 301 / 2));

    // Resume locally from the HDFS checkpoint the ApplicationMaster wrote: only the new
    // records are read.
    produce(topic, 301, 450);
    let file = dir.join("stream.sql");
    let o = weft(
        mc,
        &["run", "-f", file.to_str().unwrap(), "-s", &checkpoints],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("Resuming") && out.contains("150 record(s)"),
        "{out}"
    );
    assert_eq!(lake("read2"), format!("450,450,{}", 450 * 451 / 2));
}
