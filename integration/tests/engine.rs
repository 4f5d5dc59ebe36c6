//! End-to-end tests of `weft run` as a real process: bad inputs fail with one clear message,
//! a non-zero exit and no output; a killed TaskManager does not change the result.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use weft_integration::local_job::child_taskmanagers;
use weft_integration::weft_bin::weft_bin;

fn run_script(dir: &Path, script: &str, extra: &[&str]) -> Output {
    let file = dir.join("job.sql");
    std::fs::write(&file, script).unwrap();
    let mut cmd = Command::new(weft_bin());
    cmd.arg("run").arg("-f").arg(&file);
    for e in extra {
        cmd.arg(e);
    }
    cmd.output().expect("weft runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every data file under `dir` (hidden and `_` files excluded).
fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                out.extend(data_files(&p));
            } else if !name.starts_with('.') && !name.starts_with('_') {
                out.push(p);
            }
        }
    }
    out
}

fn assert_failed_cleanly(o: &Output, out_dir: &Path, needles: &[&str]) {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr should mention {n:?}:\n{err}");
    }
    let left: Vec<_> = walk_all(out_dir);
    assert!(left.is_empty(), "output left behind: {left:?}");
}

fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            out.push(e.path());
            if e.path().is_dir() {
                out.extend(walk_all(&e.path()));
            }
        }
    }
    out
}

const SOURCE: &str = "CREATE TABLE src (id BIGINT, name STRING) WITH (\n  'connector' = 'datagen',\n  'number-of-rows' = '100',\n  'fields.id.kind' = 'sequence',\n  'fields.id.start' = '1',\n  'fields.id.end' = '100'\n);\n";

fn sink(out: &Path) -> String {
    format!(
        "CREATE TABLE out (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\n",
        out.display()
    )
}

#[test]
fn sql_syntax_error_names_statement_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = format!(
        "{SOURCE}{}INSERT INTO out SELEC id, name FROM src;\n",
        sink(&out)
    );
    let o = run_script(dir.path(), &script, &[]);
    assert_failed_cleanly(&o, &out, &["statement 3", "line 9"]);
}

#[test]
fn unknown_connector_lists_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = format!(
        "CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafkaa');\n{}INSERT INTO out SELECT id, 'x' FROM src;\n",
        sink(&out)
    );
    let o = run_script(dir.path(), &script, &[]);
    assert_failed_cleanly(
        &o,
        &out,
        &[
            "unknown connector 'kafkaa'",
            "datagen",
            "filesystem",
            "tpch",
        ],
    );
}

#[test]
fn unknown_option_lists_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = format!(
        "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5', 'rows' = '3');\n{}INSERT INTO out SELECT id, 'x' FROM src;\n",
        sink(&out)
    );
    let o = run_script(dir.path(), &script, &[]);
    assert_failed_cleanly(&o, &out, &["'rows'", "number-of-rows"]);
}

#[test]
fn missing_input_path_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let missing = dir.path().join("no-such-dir");
    let script = format!(
        "CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'parquet');\n{}INSERT INTO out SELECT id, name FROM src;\n",
        missing.display(),
        sink(&out)
    );
    let o = run_script(dir.path(), &script, &[]);
    assert_failed_cleanly(&o, &out, &[missing.to_str().unwrap(), "does not exist"]);
}

#[test]
fn insert_type_mismatch_names_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = format!(
        "{SOURCE}{}INSERT INTO out SELECT name, id FROM src;\n",
        sink(&out)
    );
    let o = run_script(dir.path(), &script, &[]);
    assert_failed_cleanly(&o, &out, &["column 'id'", "add a CAST"]);
    let script = format!(
        "{SOURCE}{}INSERT INTO out SELECT id FROM src;\n",
        sink(&out)
    );
    let o = run_script(dir.path(), &script, &[]);
    assert_failed_cleanly(&o, &out, &["returns 1 column(s) but the target expects 2"]);
    // a BIGINT into an INT column narrows, which Flink refuses without a CAST
    let narrow = format!(
        "{SOURCE}CREATE TABLE out (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\nINSERT INTO out SELECT id, name FROM src;\n",
        out.display()
    );
    let o = run_script(dir.path(), &narrow, &[]);
    assert_failed_cleanly(
        &o,
        &out,
        &[
            "column 'id' has type INT but the query gives BIGINT",
            "add a CAST",
        ],
    );
}

#[test]
fn unreachable_hdfs_is_named_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Nothing listens on port 1.
    let script = format!(
        "CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'hdfs://127.0.0.1:1/data/src', 'format' = 'parquet');\n{}INSERT INTO out SELECT id, name FROM src;\n",
        sink(&out)
    );
    let start = Instant::now();
    let o = run_script(dir.path(), &script, &[]);
    assert_failed_cleanly(&o, &out, &["127.0.0.1:1"]);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn statement_set_writes_partitioned_output_and_overwrite_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("by_bucket");
    let counts = dir.path().join("counts");
    let script = |n: u32| {
        format!(
            "SET 'parallelism.default' = '3';\n\
             CREATE TABLE src (id BIGINT, v DOUBLE) WITH ('connector' = 'datagen', 'number-of-rows' = '{n}', 'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '{}');\n\
             CREATE TABLE by_bucket (id BIGINT, v DOUBLE, bucket BIGINT) PARTITIONED BY (bucket) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'parquet');\n\
             CREATE TABLE counts (bucket BIGINT, n BIGINT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\n\
             INSERT OVERWRITE by_bucket SELECT id, v, id % 4 FROM src;\n\
             INSERT OVERWRITE counts SELECT id % 4, COUNT(*) FROM src GROUP BY id % 4;\n",
            n - 1,
            out.display(),
            counts.display()
        )
    };
    let o = run_script(
        dir.path(),
        &script(1000),
        &["-D", "local.number-taskmanager=2"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for b in 0..4 {
        assert!(
            out.join(format!("bucket={b}")).is_dir(),
            "bucket={b} missing"
        );
    }
    let mut lines = read_csv_lines(&counts);
    lines.sort();
    assert_eq!(lines, vec!["0,250", "1,250", "2,250", "3,250"]);
    // Overwrite with fewer rows: the counts table is replaced, not appended to.
    let o = run_script(dir.path(), &script(8), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut lines = read_csv_lines(&counts);
    lines.sort();
    assert_eq!(lines, vec!["0,2", "1,2", "2,2", "3,2"]);
    // Read the partitioned table back through Weft: a bare SELECT prints its rows.
    let read_back = format!(
        "CREATE TABLE by_bucket (id BIGINT, v DOUBLE, bucket BIGINT) PARTITIONED BY (bucket) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'parquet');\n\
         SELECT bucket, COUNT(*) AS n, SUM(id) AS s FROM by_bucket GROUP BY bucket ORDER BY bucket;\n",
        out.display()
    );
    let o = run_script(dir.path(), &read_back, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = String::from_utf8_lossy(&o.stdout);
    for row in ["| 0      | 2 | 4 |", "| 3      | 2 | 10 |"] {
        let squeezed: String = printed.split_whitespace().collect::<Vec<_>>().join(" ");
        let want: String = row.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed.contains(&want), "missing {row} in:\n{printed}");
    }
}

fn read_csv_lines(dir: &Path) -> Vec<String> {
    data_files(dir)
        .into_iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

const KILL_JOB: &str = "SET 'parallelism.default' = '4';\n\
SET 'restart-strategy.type' = 'fixed-delay';\n\
SET 'restart-strategy.fixed-delay.attempts' = '5';\n\
SET 'restart-strategy.fixed-delay.delay' = '200 ms';\n\
CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '0.3');\n\
CREATE TABLE orders WITH ('connector' = 'tpch', 'table' = 'orders', 'scale' = '0.3');\n\
CREATE TABLE out (o_orderpriority STRING, n BIGINT, qty DECIMAL(38, 2)) WITH ('connector' = 'filesystem', 'path' = '__OUT__', 'format' = 'csv');\n\
INSERT INTO out SELECT o_orderpriority, COUNT(*), SUM(l_quantity) FROM lineitem JOIN orders ON l_orderkey = o_orderkey GROUP BY o_orderpriority;\n";

#[test]
fn killed_taskmanager_mid_job_still_gives_the_correct_result() {
    let dir = tempfile::tempdir().unwrap();
    // Reference run, undisturbed.
    let reference = dir.path().join("reference");
    let o = run_script(
        dir.path(),
        &KILL_JOB.replace("__OUT__", reference.to_str().unwrap()),
        &["-D", "local.number-taskmanager=2"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut expected = read_csv_lines(&reference);
    expected.sort();
    assert_eq!(expected.len(), 5, "five order priorities");

    let out = dir.path().join("out");
    let file = dir.path().join("kill.sql");
    std::fs::write(&file, KILL_JOB.replace("__OUT__", out.to_str().unwrap())).unwrap();
    let mut child = Command::new(weft_bin())
        .args(["run", "-f"])
        .arg(&file)
        .args(["-D", "local.number-taskmanager=2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let err = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    let mut killed = None;
    for line in err.lines() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if killed.is_none() {
            if let Some(done) = finished_subtasks(&line) {
                if done.0 >= 1 && done.0 < done.1 {
                    let tms = child_taskmanagers(pid);
                    if let Some(&tm) = tms.first() {
                        Command::new("kill")
                            .arg("-9")
                            .arg(tm.to_string())
                            .status()
                            .unwrap();
                        killed = Some((tm, line.clone()));
                    }
                }
            }
        }
    }
    let status = child.wait().unwrap();
    assert!(
        killed.is_some(),
        "the job ended before a TaskManager could be killed:\n{log}"
    );
    assert!(
        status.success(),
        "job failed after the kill {killed:?}:\n{log}"
    );
    assert!(
        log.contains("restart"),
        "the summary should report the restart:\n{log}"
    );
    let mut got = read_csv_lines(&out);
    got.sort();
    assert_eq!(got, expected);
}

/// `(finished, total)` from a progress line `… subtasks 3/9 finished …`.
fn finished_subtasks(line: &str) -> Option<(u32, u32)> {
    let i = line.find("subtasks ")?;
    let rest = &line[i + 9..];
    let frac = rest.split_whitespace().next()?;
    let (a, b) = frac.split_once('/')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}
