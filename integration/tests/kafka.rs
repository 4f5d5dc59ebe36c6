//! The `kafka` connector in batch jobs against a real Kafka broker (Apache Kafka 4.3, KRaft,
//! from `integration/kafka`): a job writes a topic, another reads it back bounded; startup
//! and bounded offsets; a malformed record fails the read naming its offset, or is skipped.

use std::path::Path;

use weft_integration::kafka::kafka;
use weft_integration::local_job::{run_local as run, text};
use weft_integration::tpch::read_csv_dir;

/// A kafka table over `topic` with extra options.
fn table(name: &str, topic: &str, columns: &str, options: &str) -> String {
    format!(
        "CREATE TABLE {name} ({columns}) WITH ('connector' = 'kafka', 'topic' = '{topic}',
  'properties.bootstrap.servers' = '{}', {options});\n",
        kafka().bootstrap
    )
}

/// `SELECT COUNT(*), SUM(col)` of a read, through a CSV file.
fn count_and_sum(
    dir: &Path,
    name: &str,
    source_ddl: &str,
    sum: &str,
) -> Result<(u64, i64), String> {
    let out = dir.join(format!("out-{name}"));
    let script = format!(
        "{source_ddl}CREATE TABLE out (n BIGINT, s BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO out SELECT COUNT(*), SUM({sum}) FROM src;
",
        out.display()
    );
    let o = run(dir, &format!("{name}.sql"), &script);
    if !o.status.success() {
        return Err(text(&o));
    }
    let lines = read_csv_dir(&out).unwrap();
    let f: Vec<&str> = lines[0].split(',').collect();
    Ok((f[0].parse().unwrap(), f[1].parse().unwrap_or(0)))
}

#[test]
fn a_job_writes_a_topic_and_another_reads_it_back_bounded() {
    let k = kafka();
    let dir = tempfile::tempdir().unwrap();
    k.probe(&["create", "orders", "3"]).unwrap();
    let write =
        format!(
        "CREATE TABLE gen (id BIGINT, amount BIGINT, note STRING) WITH ('connector' = 'datagen',
  'number-of-rows' = '5000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1',
  'fields.id.end' = '5000', 'fields.amount.min' = '1', 'fields.amount.max' = '1',
  'fields.note.length' = '8');
{}INSERT INTO orders SELECT id, amount, note FROM gen;
",
        table("orders", "orders", "id BIGINT, amount BIGINT, note STRING", "'format' = 'json'")
    );
    let o = run(dir.path(), "write.sql", &write);
    assert!(o.status.success(), "{}", text(&o));
    // Independently of Weft: the broker holds 5000 records.
    k.probe(&["consume", "orders", "5000"]).unwrap();

    let src = table(
        "src",
        "orders",
        "id BIGINT, amount BIGINT, note STRING",
        "'format' = 'json', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'",
    );
    assert_eq!(
        count_and_sum(dir.path(), "all", &src, "id").unwrap(),
        (5000, 5000 * 5001 / 2)
    );
}

#[test]
fn startup_and_bounded_offsets_select_the_records() {
    let k = kafka();
    let dir = tempfile::tempdir().unwrap();
    k.probe(&["create", "events", "1"]).unwrap();
    let values: Vec<String> = (0..30).map(|i| format!("{i},{}", i * 10)).collect();
    let mut args = vec!["produce", "events"];
    args.extend(values.iter().map(String::as_str));
    k.probe(&args).unwrap();
    let cols = "id BIGINT, v BIGINT";
    // Offsets [10, 20): ids 10..=19.
    let src = table(
        "src",
        "events",
        cols,
        "'format' = 'csv', 'scan.startup.mode' = 'specific-offsets',
  'scan.startup.specific-offsets' = 'partition:0,offset:10',
  'scan.bounded.mode' = 'specific-offsets', 'scan.bounded.specific-offsets' = 'partition:0,offset:20'",
    );
    assert_eq!(
        count_and_sum(dir.path(), "specific", &src, "id").unwrap(),
        (10, (10..20).sum())
    );
    // A batch job must know where to stop.
    let src = table(
        "src",
        "events",
        cols,
        "'format' = 'csv', 'scan.startup.mode' = 'earliest-offset'",
    );
    let e = count_and_sum(dir.path(), "unbounded", &src, "id").unwrap_err();
    assert!(e.contains("scan.bounded.mode"), "{e}");
}

#[test]
fn a_malformed_record_fails_the_read_with_its_offset_or_is_skipped() {
    let k = kafka();
    let dir = tempfile::tempdir().unwrap();
    k.probe(&["create", "dirty", "1"]).unwrap();
    k.probe(&[
        "produce",
        "dirty",
        r#"{"id": 1, "v": 5}"#,
        r#"{"id": 2, "v": 7}"#,
        "{this is not json",
        r#"{"id": 4, "v": 11}"#,
    ])
    .unwrap();
    let bounds = "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'";
    let src = table(
        "src",
        "dirty",
        "id BIGINT, v BIGINT",
        &format!("'format' = 'json', {bounds}"),
    );
    let e = count_and_sum(dir.path(), "strict", &src, "v").unwrap_err();
    assert!(e.contains("partition 0 offset 2"), "{e}");
    assert!(e.contains("{this is not json"), "{e}");
    assert!(e.contains("json.ignore-parse-errors"), "{e}");

    let src = table(
        "src",
        "dirty",
        "id BIGINT, v BIGINT",
        &format!("'format' = 'json', 'json.ignore-parse-errors' = 'true', {bounds}"),
    );
    assert_eq!(
        count_and_sum(dir.path(), "lenient", &src, "v").unwrap(),
        (3, 23)
    );
}

#[test]
fn cdc_formats_in_a_batch_job_and_an_unreachable_broker_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let src = table(
        "src",
        "cdc",
        "id BIGINT, v BIGINT",
        "'format' = 'debezium-json', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'",
    );
    let e = count_and_sum(dir.path(), "cdc", &src, "v").unwrap_err();
    assert!(
        e.contains("format 'debezium-json' produces a changelog"),
        "{e}"
    );

    let src = src
        .replace(&kafka().bootstrap, "127.0.0.1:1")
        .replace("debezium-json", "json");
    let e = count_and_sum(dir.path(), "down", &src, "v").unwrap_err();
    assert!(e.contains("127.0.0.1:1"), "{e}");
}

/// Flink's Kafka METADATA columns: a record's topic, partition, offset, timestamp and its
/// type, headers (a repeated key keeps its last value, a bare key a NULL value) and leader
/// epoch, next to its payload; a malformed record skipped takes its metadata with it. The
/// records are written by the Java client, with a timestamp and headers of its own.
#[test]
fn metadata_columns_read_each_records_topic_partition_offset_timestamp_and_headers() {
    let k = kafka();
    let dir = tempfile::tempdir().unwrap();
    k.probe(&["create", "meta", "2"]).unwrap();
    let ts = "1700000000123";
    for (value, headers) in [
        (r#"{"id": 1}"#, vec!["trace=t1", "trace=t2", "none"]),
        ("{broken", vec![]),
        (r#"{"id": 3}"#, vec!["trace=t3"]),
    ] {
        let mut args = vec!["produce-meta", "meta", "1", ts, value];
        args.extend(headers);
        k.probe(&args).unwrap();
    }
    let src = table(
        "src",
        "meta",
        "id BIGINT, `topic` STRING METADATA VIRTUAL, part INT METADATA FROM 'partition' VIRTUAL,
  off BIGINT METADATA FROM 'offset' VIRTUAL, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  tstype STRING METADATA FROM 'timestamp-type' VIRTUAL,
  hs MAP<STRING, BYTES> METADATA FROM 'headers' VIRTUAL, epoch INT METADATA FROM 'leader-epoch' VIRTUAL",
        "'format' = 'json', 'json.ignore-parse-errors' = 'true', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'",
    );
    let out = dir.path().join("out");
    let script = format!(
        "{src}CREATE TABLE out (id BIGINT, t STRING, p INT, o BIGINT, ts STRING, tt STRING, n INT, trace STRING, none_null BOOLEAN, epoch INT)
  WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');
INSERT INTO out SELECT id, `topic`, part, off, CAST(ts AS STRING), tstype, CARDINALITY(hs),
  CAST(hs['trace'] AS STRING), hs['none'] IS NULL, epoch FROM src;
",
        out.display()
    );
    let o = run(dir.path(), "meta.sql", &script);
    assert!(o.status.success(), "{}", text(&o));
    let mut rows = read_csv_dir(&out).unwrap();
    rows.sort();
    assert_eq!(
        rows,
        [
            // (Flink's CSV writer quotes text with a blank)
            "1,meta,1,0,\"2023-11-14 22:13:20.123\",CreateTime,2,t2,true,0",
            "3,meta,1,2,\"2023-11-14 22:13:20.123\",CreateTime,1,t3,true,0",
        ]
    );

    // Weft's sinks write no metadata: a persisted (not VIRTUAL) column is refused by name.
    let sink = table(
        "snk",
        "meta",
        "id BIGINT, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'",
        "'format' = 'json'",
    );
    let o = run(
        dir.path(),
        "write.sql",
        &format!("{sink}INSERT INTO snk SELECT 1, TO_TIMESTAMP_LTZ(0, 3);\n"),
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("METADATA column `ts`") && t.contains("VIRTUAL"),
        "{t}"
    );
}
