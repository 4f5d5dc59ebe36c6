//! `weft run` into Delta tables: appends, an upsert by PRIMARY KEY (a Delta MERGE), the
//! table read back through Weft, each commit carrying the job's `txn`; a failed job leaves
//! the table as it was.

use std::path::Path;

use weft_integration::local_job::{run_local as run, text};
use weft_integration::tpch::read_csv_dir;

fn delta_table(path: &Path) -> String {
    format!(
        "CREATE TABLE accounts (id BIGINT, balance BIGINT, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'delta', 'path' = 'file://{}');\n",
        path.display()
    )
}

/// Rows `[from, to]` with the balance `balance`.
fn write_job(path: &Path, from: u64, to: u64, balance: u64) -> String {
    format!(
        "CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '{n}',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '{from}', 'fields.id.end' = '{to}');
{}INSERT INTO accounts SELECT id, CAST({balance} AS BIGINT) FROM gen;
",
        delta_table(path),
        n = to - from + 1
    )
}

/// (rows, sum of balance) of the Delta table, read through Weft.
fn read_back(dir: &Path, path: &Path, name: &str) -> (u64, u64) {
    let out = dir.join(format!("read-{name}"));
    let script = format!(
        "{}CREATE TABLE out (n BIGINT, total BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO out SELECT COUNT(*), SUM(balance) FROM accounts;
",
        delta_table(path),
        out.display()
    );
    let o = run(dir, &format!("{name}.sql"), &script);
    assert!(o.status.success(), "{}", text(&o));
    let lines = read_csv_dir(&out).unwrap();
    let f: Vec<u64> = lines[0].split(',').map(|x| x.parse().unwrap()).collect();
    (f[0], f[1])
}

fn log_versions(path: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(path.join("_delta_log"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    v.sort();
    v
}

#[test]
fn inserts_then_an_upsert_by_primary_key_then_a_failed_job_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts");

    // A new table: ids 1..=100 with balance 1.
    let o = run(dir.path(), "first.sql", &write_job(&path, 1, 100, 1));
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(read_back(dir.path(), &path, "first"), (100, 100));

    // Upsert ids 51..=150 with balance 2: 50 updated, 50 inserted.
    let o = run(dir.path(), "upsert.sql", &write_job(&path, 51, 150, 2));
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(read_back(dir.path(), &path, "upsert"), (150, 50 + 100 * 2));

    // Two commits, each with its job's txn.
    let versions = log_versions(&path);
    assert_eq!(versions.len(), 2, "{versions:?}");
    for v in &versions {
        let entry = std::fs::read_to_string(path.join("_delta_log").join(v)).unwrap();
        assert!(
            entry.contains("\"txn\"") && entry.contains("\"appId\":\"weft-"),
            "{v}: {entry}"
        );
    }

    // A job that fails at run time (a malformed input row) commits nothing.
    let input = dir.path().join("input");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("a.csv"), "500,5\n501,oops\n").unwrap();
    let script = format!(
        "CREATE TABLE src (id BIGINT, balance BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
{}INSERT INTO accounts SELECT id, balance FROM src;
",
        input.display(),
        delta_table(&path)
    );
    let o = run(dir.path(), "fail.sql", &script);
    assert!(!o.status.success(), "{}", text(&o));
    assert_eq!(log_versions(&path), versions);
    assert_eq!(read_back(dir.path(), &path, "after-fail"), (150, 250));
    let staging: Vec<_> = std::fs::read_dir(&path)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".staging"))
        .collect();
    assert!(staging.is_empty(), "staging left: {staging:?}");
}

#[test]
fn duplicate_keys_in_one_upsert_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts");
    let o = run(dir.path(), "first.sql", &write_job(&path, 1, 10, 1));
    assert!(o.status.success(), "{}", text(&o));
    let script = format!(
        "CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '20',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20');
{}INSERT INTO accounts SELECT id % 3, CAST(7 AS BIGINT) FROM gen;
",
        delta_table(&path)
    );
    let o = run(dir.path(), "dups.sql", &script);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("several rows with the same PRIMARY KEY"),
        "{out}"
    );
    assert_eq!(read_back(dir.path(), &path, "after-dups"), (10, 10));
}
