//! Hive-style partitioned tables with partition commit, against a real Hive Metastore
//! (Hive 3.1.3 from `integration/metastore`): a partitioned INSERT writes `dt=…/`
//! directories, each with `_SUCCESS`, and registers the partitions; the table reads back
//! through the metastore; a failed job leaves neither files nor partitions.

use std::path::{Path, PathBuf};

use weft_integration::local_job::{run_local as run, text};
use weft_integration::metastore::metastore;
use weft_integration::tpch::read_csv_dir;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn a_partitioned_insert_commits_partitions_with_success_files_and_in_the_metastore() {
    let ms = metastore();
    let dir = tempfile::tempdir().unwrap();
    let table_dir = dir.path().join("events");
    let script = format!(
        "CREATE TABLE src (id BIGINT, v INT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '3000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3000',
  'fields.v.min' = '1', 'fields.v.max' = '1');
CREATE TABLE events (id BIGINT, v INT, dt STRING) PARTITIONED BY (dt) WITH (
  'connector' = 'hive', 'hive.metastore.uris' = '{uris}',
  'hive.database' = 'default', 'hive.table' = 'events_commit',
  'path' = 'file://{path}', 'format' = 'parquet',
  'sink.partition-commit.policy.kind' = 'metastore,success-file');
INSERT INTO events SELECT id, v, CONCAT('2026-11-0', CAST(1 + id % 3 AS STRING)) FROM src;
",
        uris = ms.uris,
        path = table_dir.display()
    );
    let o = run(dir.path(), "write.sql", &script);
    assert!(o.status.success(), "{}", text(&o));

    // Three partition directories, each with data files and _SUCCESS.
    for day in 1..=3 {
        let p = table_dir.join(format!("dt=2026-11-0{day}"));
        let files: Vec<String> = std::fs::read_dir(&p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(files.contains(&"_SUCCESS".to_string()), "{p:?}: {files:?}");
        assert!(
            files.iter().any(|f| f.ends_with(".parquet")),
            "{p:?}: {files:?}"
        );
    }
    // The metastore has the table (created at commit) and the three partitions, located
    // in those directories.
    let listed = ms
        .probe(&["list-partitions", "default", "events_commit"])
        .unwrap();
    let parts: Vec<&str> = listed.lines().collect();
    assert_eq!(parts.len(), 3, "{listed}");
    for (i, line) in parts.iter().enumerate() {
        let (name, location) = line.split_once('\t').unwrap();
        assert_eq!(name, format!("dt=2026-11-0{}", i + 1));
        assert!(
            location.ends_with(&format!("events/dt=2026-11-0{}", i + 1)),
            "{line}"
        );
    }

    // Read back through the metastore alone: no columns, no path, no format declared.
    let out = dir.path().join("counts");
    let read = format!(
        "CREATE TABLE events WITH ('connector' = 'hive', 'hive.metastore.uris' = '{uris}',
  'hive.table' = 'events_commit');
CREATE TABLE counts (dt STRING, n BIGINT, total BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{out}', 'format' = 'csv');
INSERT INTO counts SELECT dt, COUNT(*), SUM(v) FROM events GROUP BY dt;
",
        uris = ms.uris,
        out = out.display()
    );
    let o = run(dir.path(), "read.sql", &read);
    assert!(o.status.success(), "{}", text(&o));
    let mut rows = read_csv_dir(&out).unwrap();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            "2026-11-01,1000,1000",
            "2026-11-02,1000,1000",
            "2026-11-03,1000,1000"
        ]
    );
}

#[test]
fn a_failed_job_leaves_neither_files_nor_partitions() {
    let ms = metastore();
    let dir = tempfile::tempdir().unwrap();
    let table_dir = dir.path().join("sales");
    std::fs::create_dir_all(&table_dir).unwrap();
    // A table that exists in the metastore before the job (its columns come from there).
    ms.probe(&[
        "create-table",
        "default",
        "sales_failed",
        &format!("file://{}", table_dir.display()),
        "id:bigint,amount:bigint",
        "dt:string",
    ])
    .unwrap();
    // The input's last row is not a number: the job fails at run time, after other rows
    // were written to the staging area.
    let input = dir.path().join("input");
    std::fs::create_dir_all(&input).unwrap();
    let mut csv: String = (1..=2000).map(|i| format!("{i},{}\n", i * 10)).collect();
    csv.push_str("2001,not-a-number\n");
    std::fs::write(input.join("part-0.csv"), csv).unwrap();
    let script = format!(
        "CREATE TABLE input (id BIGINT, amount BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{input}', 'format' = 'csv');
CREATE TABLE sales WITH ('connector' = 'hive', 'hive.metastore.uris' = '{uris}',
  'hive.table' = 'sales_failed', 'sink.partition-commit.policy.kind' = 'metastore,success-file');
INSERT INTO sales SELECT id, amount, CONCAT('d', CAST(id % 4 AS STRING)) FROM input;
",
        input = input.display(),
        uris = ms.uris
    );
    let o = run(dir.path(), "fail.sql", &script);
    let out = text(&o);
    assert!(!o.status.success(), "the job should fail:\n{out}");
    assert!(out.contains("not-a-number"), "{out}");
    let left = files_under(&table_dir);
    assert!(left.is_empty(), "files left behind: {left:?}");
    let listed = ms
        .probe(&["list-partitions", "default", "sales_failed"])
        .unwrap();
    assert!(listed.trim().is_empty(), "partitions registered: {listed}");
}

#[test]
fn an_unknown_table_without_a_schema_and_an_unreachable_metastore_are_named() {
    let ms = metastore();
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "CREATE TABLE t WITH ('connector' = 'hive', 'hive.metastore.uris' = '{}', 'hive.table' = 'no_such_table');
CREATE TABLE out (x BIGINT) WITH ('connector' = 'filesystem', 'path' = 'file://{}/out', 'format' = 'csv');
INSERT INTO out SELECT 1;
",
        ms.uris,
        dir.path().display()
    );
    let o = run(dir.path(), "unknown.sql", &script);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("default.no_such_table does not exist in the Hive Metastore"),
        "{out}"
    );

    let script = script.replace(&ms.uris, "thrift://127.0.0.1:1");
    let o = run(dir.path(), "down.sql", &script);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(out.contains("thrift://127.0.0.1:1"), "{out}");
}

/// A Hive catalog (`CREATE CATALOG … WITH ('type' = 'hive', …)`, `USE CATALOG`): the
/// metastore's tables are read and written by name, with their columns and locations from
/// the metastore, next to the script's own tables.
#[test]
fn a_hive_catalog_reads_and_writes_metastore_tables_by_name() {
    let ms = metastore();
    let dir = tempfile::tempdir().unwrap();
    // catalog_src: written by a job through the hive connector (created in the metastore);
    // catalog_dst: created empty in the metastore by the harness.
    let src = dir.path().join("catalog_src");
    let o = run(
        dir.path(),
        "setup.sql",
        &format!(
            "CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '50',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '50');
CREATE TABLE catalog_src (id BIGINT, v INT) WITH ('connector' = 'hive', 'hive.metastore.uris' = '{}',
  'hive.table' = 'catalog_src', 'path' = 'file://{}', 'format' = 'parquet');
INSERT INTO catalog_src SELECT id, CAST(id % 3 AS INT) FROM gen;
",
            ms.uris,
            src.display()
        ),
    );
    assert!(o.status.success(), "{}", text(&o));
    let dst = dir.path().join("catalog_dst");
    std::fs::create_dir_all(&dst).unwrap();
    ms.probe(&[
        "create-table",
        "default",
        "catalog_dst",
        &format!("file://{}", dst.display()),
        "id:bigint,v:int",
        "",
    ])
    .unwrap();
    let catalog = format!(
        "CREATE CATALOG lake WITH ('type' = 'hive', 'hive.metastore.uris' = '{}', 'default-database' = 'default');",
        ms.uris
    );
    let o = run(
        dir.path(),
        "write.sql",
        &format!(
            "{catalog}\nUSE CATALOG lake;\nINSERT INTO catalog_dst SELECT id, v + 10 FROM catalog_src WHERE id <= 10;\n"
        ),
    );
    assert!(o.status.success(), "{}", text(&o));

    let out = dir.path().join("out");
    let o = run(
        dir.path(),
        "read.sql",
        &format!(
            "CREATE TABLE out (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
{catalog}
USE CATALOG lake;
INSERT INTO out SELECT id, v FROM catalog_dst;
",
            out.display()
        ),
    );
    assert!(o.status.success(), "{}", text(&o));
    let mut rows = read_csv_dir(&out).unwrap();
    rows.sort_by_key(|r| r.split(',').next().unwrap().parse::<i64>().unwrap());
    let want: Vec<String> = (1..=10).map(|i| format!("{i},{}", i % 3 + 10)).collect();
    assert_eq!(rows, want);

    // Mistakes: an unknown catalog type, a catalog never created, a table the metastore lacks.
    let e = run(
        dir.path(),
        "bad1.sql",
        "CREATE CATALOG c WITH ('type' = 'jdbc');\n",
    );
    assert!(
        !e.status.success() && text(&e).contains("catalog type 'jdbc'"),
        "{}",
        text(&e)
    );
    let e = run(dir.path(), "bad2.sql", "USE CATALOG nope;\n");
    assert!(
        !e.status.success() && text(&e).contains("USE CATALOG nope: no such catalog"),
        "{}",
        text(&e)
    );
    let e = run(
        dir.path(),
        "bad3.sql",
        &format!(
            "{catalog}\nUSE CATALOG lake;\nINSERT INTO catalog_dst SELECT id, v FROM no_such_table;\n"
        ),
    );
    assert!(
        !e.status.success() && text(&e).contains("no_such_table"),
        "{}",
        text(&e)
    );
}
