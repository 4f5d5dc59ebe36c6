//! Plan shapes that the stage cutter once broke, run through the real `weft` binary at
//! parallelism 2 and checked against answers computed here. Each relies on a shuffle
//! reader keeping what the exchange it replaced knew: the hash partitioning a UNION ALL's
//! `InterleaveExec` needs, and the constants from a filter that stand in for a window's
//! PARTITION BY ordering.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use weft_integration::weft_bin::weft_bin;

const ROWS: i64 = 20_000;

/// id, a = id % 7, b = id % 13, v = id % 101, as one CSV file.
fn write_table(dir: &Path) -> String {
    let data = dir.join("t");
    std::fs::create_dir_all(&data).unwrap();
    let mut text = String::new();
    for id in 0..ROWS {
        text.push_str(&format!("{id},{},{},{}\n", id % 7, id % 13, id % 101));
    }
    std::fs::write(data.join("part-0.csv"), text).unwrap();
    format!(
        "CREATE TABLE t (id BIGINT, a BIGINT, b BIGINT, v BIGINT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\n",
        data.display()
    )
}

/// Run `query` into a CSV sink of `columns` and return its rows, sorted.
fn run(dir: &Path, name: &str, columns: &str, query: &str) -> Vec<String> {
    let source = write_table(dir);
    let out = dir.join(format!("{name}-out"));
    let script = format!(
        "{source}CREATE TABLE out ({columns}) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\nINSERT INTO out {query};\n",
        out.display()
    );
    let file = dir.join(format!("{name}.sql"));
    std::fs::write(&file, script).unwrap();
    let o = Command::new(weft_bin())
        .args(["run", "-f"])
        .arg(&file)
        .args(["-D", "parallelism.default=2"])
        .output()
        .expect("weft runs");
    assert!(
        o.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut rows = Vec::new();
    for e in std::fs::read_dir(&out).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if !n.starts_with('.') && !n.starts_with('_') {
            rows.extend(
                std::fs::read_to_string(e.path())
                    .unwrap()
                    .lines()
                    .map(str::to_string),
            );
        }
    }
    rows.sort();
    rows
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn union_all_of_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    let got = run(
        dir.path(),
        "union",
        "k BIGINT, s BIGINT",
        "SELECT a, SUM(v) FROM t GROUP BY a UNION ALL SELECT b, SUM(v) FROM t GROUP BY b",
    );
    let mut by_a = BTreeMap::new();
    let mut by_b = BTreeMap::new();
    for id in 0..ROWS {
        *by_a.entry(id % 7).or_insert(0) += id % 101;
        *by_b.entry(id % 13).or_insert(0) += id % 101;
    }
    let want: Vec<String> = by_a
        .iter()
        .chain(by_b.iter())
        .map(|(k, s)| format!("{k},{s}"))
        .collect();
    assert_eq!(got, sorted(want));
}

#[test]
fn window_partitioned_on_a_filtered_constant() {
    let dir = tempfile::tempdir().unwrap();
    let got = run(
        dir.path(),
        "window",
        "a BIGINT, id BIGINT, rn BIGINT",
        "SELECT a, id, ROW_NUMBER() OVER (PARTITION BY a ORDER BY id) FROM t WHERE a = 3 AND id < 400",
    );
    let want: Vec<String> = (0..400)
        .filter(|id| id % 7 == 3)
        .enumerate()
        .map(|(i, id)| format!("3,{id},{}", i + 1))
        .collect();
    assert_eq!(got, sorted(want));
}

#[test]
fn running_sum_partitioned_on_a_constant_and_a_column() {
    let dir = tempfile::tempdir().unwrap();
    let got = run(
        dir.path(),
        "running",
        "a BIGINT, id BIGINT, s BIGINT",
        "SELECT a, id, SUM(v) OVER (PARTITION BY a, b ORDER BY id) FROM (SELECT * FROM t WHERE b = 5) WHERE id < 2000",
    );
    let mut running: BTreeMap<i64, i64> = BTreeMap::new();
    let want: Vec<String> = (0..2000)
        .filter(|id| id % 13 == 5)
        .map(|id| {
            let s = running.entry(id % 7).or_insert(0);
            *s += id % 101;
            format!("{},{id},{s}", id % 7)
        })
        .collect();
    assert_eq!(got, sorted(want));
}

/// One Parquet file of one row group, scanned at parallelism 4: DataFusion's byte ranges
/// would give it to one subtask; the scan is split by rows instead, a quarter each, and
/// the answer is unchanged.
#[test]
fn a_single_row_group_is_split_by_rows() {
    use datafusion::dataframe::DataFrameWriteOptions;
    use datafusion::prelude::SessionContext;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("p");
    std::fs::create_dir_all(&data).unwrap();
    let file = data.join("one.parquet");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let ctx = SessionContext::new();
        ctx.sql("SELECT value AS id, value % 7 AS a FROM generate_series(0, 99999)")
            .await
            .unwrap()
            .write_parquet(
                &file.display().to_string(),
                DataFrameWriteOptions::new().with_single_file_output(true),
                None,
            )
            .await
            .unwrap();
    });
    let source = format!(
        "CREATE TABLE p (id BIGINT, a BIGINT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'parquet');\n",
        data.display()
    );
    let query = "SELECT a, COUNT(*), SUM(id) FROM p GROUP BY a";
    let script = dir.path().join("split.sql");
    std::fs::write(&script, format!("{source}{query};\n")).unwrap();
    let explain = Command::new(weft_bin())
        .args(["explain", "-f"])
        .arg(&script)
        .args(["-D", "parallelism.default=4"])
        .output()
        .expect("weft explain runs");
    let plan = String::from_utf8_lossy(&explain.stdout);
    assert!(
        plan.contains("RowSplitScanExec: rows per partition=[25000, 25000, 25000, 25000]"),
        "{plan}"
    );

    let out = dir.path().join("split-out");
    let script = dir.path().join("split-run.sql");
    std::fs::write(
        &script,
        format!(
            "{source}CREATE TABLE out (a BIGINT, n BIGINT, s BIGINT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\nINSERT INTO out {query};\n",
            out.display()
        ),
    )
    .unwrap();
    let o = Command::new(weft_bin())
        .args(["run", "-f"])
        .arg(&script)
        .args(["-D", "parallelism.default=4"])
        .output()
        .expect("weft runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut got = Vec::new();
    for e in std::fs::read_dir(&out).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if !n.starts_with('.') && !n.starts_with('_') {
            got.extend(
                std::fs::read_to_string(e.path())
                    .unwrap()
                    .lines()
                    .map(str::to_string),
            );
        }
    }
    let mut want: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for id in 0..100_000i64 {
        let e = want.entry(id % 7).or_default();
        e.0 += 1;
        e.1 += id;
    }
    let want: Vec<String> = want
        .iter()
        .map(|(a, (n, s))| format!("{a},{n},{s}"))
        .collect();
    assert_eq!(sorted(got), sorted(want));
}
