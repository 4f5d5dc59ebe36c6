//! Broadcast joins: a join whose build side is estimated below
//! `table.optimizer.join.broadcast-threshold` reads the whole build side in every probe
//! subtask instead of shuffling both sides, and gives the same rows as the shuffled plan.
//! An outer join that emits unmatched build rows at the end stays partitioned, so its probe
//! side keeps its parallelism.

use std::path::Path;
use std::process::{Command, Output};

use weft_integration::tpch::read_csv_dir;
use weft_integration::weft_bin::weft_bin;

fn weft(dir: &Path, verb: &str, script: &str, extra: &[&str]) -> Output {
    let file = dir.join(format!("{verb}.sql"));
    std::fs::write(&file, script).unwrap();
    let o = Command::new(weft_bin())
        .arg(verb)
        .arg("-f")
        .arg(&file)
        .args(["-D", "parallelism.default=4"])
        .args(extra.iter().flat_map(|e| ["-D", e]))
        .output()
        .expect("weft runs");
    assert!(
        o.status.success(),
        "weft {verb} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Nations joined with the suppliers of a few of them: the inner join counts per nation,
/// the LEFT join keeps the nations without a supplier (their build rows are emitted once,
/// after every probe row was seen).
fn script(out: &Path) -> String {
    format!(
        "CREATE TABLE nation WITH ('connector' = 'tpch', 'table' = 'nation', 'scale' = '0.01');\n\
         CREATE TABLE supplier WITH ('connector' = 'tpch', 'table' = 'supplier', 'scale' = '0.01');\n\
         CREATE TABLE inner_out (n_name STRING, n BIGINT) WITH ('connector' = 'filesystem', 'path' = '{0}/inner', 'format' = 'csv');\n\
         CREATE TABLE left_out (n_name STRING, n BIGINT) WITH ('connector' = 'filesystem', 'path' = '{0}/left', 'format' = 'csv');\n\
         INSERT INTO inner_out SELECT n_name, COUNT(*) FROM supplier JOIN nation ON s_nationkey = n_nationkey GROUP BY n_name;\n\
         INSERT INTO left_out SELECT n_name, COUNT(s_suppkey) FROM nation LEFT JOIN (SELECT * FROM supplier WHERE s_nationkey < 5) s ON s.s_nationkey = n_nationkey GROUP BY n_name;\n",
        out.display()
    )
}

fn sorted_lines(dir: &Path) -> Vec<String> {
    let mut lines = read_csv_dir(dir).unwrap();
    lines.sort();
    lines
}

#[test]
fn small_build_sides_are_broadcast_and_give_the_shuffled_plans_rows() {
    let dir = tempfile::tempdir().unwrap();
    let broadcast_out = dir.path().join("broadcast");
    let shuffled_out = dir.path().join("shuffled");

    let plan = weft(dir.path(), "explain", &script(&broadcast_out), &[]);
    let plan = String::from_utf8_lossy(&plan.stdout).into_owned();
    assert!(
        plan.contains("mode=CollectLeft, join_type=Inner"),
        "the inner join with 25 nations is not broadcast:\n{plan}"
    );
    assert!(
        plan.contains("mode=Partitioned, join_type=Left"),
        "the LEFT join must be partitioned, not run in one task:\n{plan}"
    );
    let off = ["table.optimizer.join.broadcast-threshold=0"];
    let shuffled = weft(dir.path(), "explain", &script(&shuffled_out), &off);
    let shuffled = String::from_utf8_lossy(&shuffled.stdout).into_owned();
    assert!(
        !shuffled.contains("CollectLeft") && shuffled.contains("mode=Partitioned"),
        "with the threshold at 0 a join is still broadcast:\n{shuffled}"
    );

    weft(dir.path(), "run", &script(&broadcast_out), &[]);
    weft(dir.path(), "run", &script(&shuffled_out), &off);
    for table in ["inner", "left"] {
        let b = sorted_lines(&broadcast_out.join(table));
        let s = sorted_lines(&shuffled_out.join(table));
        assert_eq!(b, s, "{table} join: broadcast and shuffled plans disagree");
        assert_eq!(
            b.len(),
            25,
            "{table} join: one row per nation expected: {b:?}"
        );
    }
    // Suppliers of nations 0..4 only: 20 nations have none, and each appears exactly once.
    let left = sorted_lines(&broadcast_out.join("left"));
    assert_eq!(
        left.iter().filter(|l| l.ends_with(",0")).count(),
        20,
        "{left:?}"
    );
    let total: u64 = sorted_lines(&broadcast_out.join("inner"))
        .iter()
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 100, "scale 0.01 has 100 suppliers");
}

/// Joins that emit build rows at the end with a small probe side: NOT IN (null-aware anti),
/// NOT EXISTS-like LEFT ANTI, and a LEFT join. The big build side keeps its partitions and
/// every subtask reads the whole small side, so each build row's match state is final in
/// the one subtask that holds it; a NULL in the NOT IN list empties the result everywhere.
fn small_probe_script(out: &Path) -> String {
    format!(
        "CREATE TABLE partsupp WITH ('connector' = 'tpch', 'table' = 'partsupp', 'scale' = '0.01');\n\
         CREATE TABLE supplier WITH ('connector' = 'tpch', 'table' = 'supplier', 'scale' = '0.01');\n\
         CREATE TABLE not_in_out (ps_partkey BIGINT, ps_suppkey BIGINT) WITH ('connector' = 'filesystem', 'path' = '{0}/not_in', 'format' = 'csv');\n\
         CREATE TABLE null_in_out (ps_partkey BIGINT, ps_suppkey BIGINT) WITH ('connector' = 'filesystem', 'path' = '{0}/null_in', 'format' = 'csv');\n\
         CREATE TABLE left_out (ps_partkey BIGINT, ps_suppkey BIGINT, s_name STRING) WITH ('connector' = 'filesystem', 'path' = '{0}/left', 'format' = 'csv');\n\
         INSERT INTO not_in_out SELECT ps_partkey, ps_suppkey FROM partsupp WHERE ps_suppkey NOT IN (SELECT s_suppkey FROM supplier WHERE s_nationkey < 3);\n\
         INSERT INTO null_in_out SELECT ps_partkey, ps_suppkey FROM partsupp WHERE ps_suppkey NOT IN (SELECT CASE WHEN s_suppkey = 7 THEN NULL ELSE s_suppkey END FROM supplier WHERE s_nationkey < 3 OR s_suppkey = 7);\n\
         INSERT INTO left_out SELECT ps_partkey, ps_suppkey, s_name FROM partsupp LEFT JOIN (SELECT * FROM supplier WHERE s_nationkey < 3) s ON ps_suppkey = s_suppkey;\n",
        out.display()
    )
}

#[test]
fn a_small_probe_side_is_replicated_instead_of_merging_the_join_into_one_task() {
    let dir = tempfile::tempdir().unwrap();
    let replicated_out = dir.path().join("replicated");
    let shuffled_out = dir.path().join("shuffled");
    let off = ["table.optimizer.join.broadcast-threshold=0"];

    let plan = weft(
        dir.path(),
        "explain",
        &small_probe_script(&replicated_out),
        &[],
    );
    let plan = String::from_utf8_lossy(&plan.stdout).into_owned();
    assert!(
        plan.contains("null_aware") && plan.contains("(replicated), partitions=4"),
        "the NOT IN join does not read its small side replicated in 4 subtasks:\n{plan}"
    );
    assert!(
        !plan.contains("[parallelism 1]"),
        "a join still runs in one task:\n{plan}"
    );

    weft(dir.path(), "run", &small_probe_script(&replicated_out), &[]);
    weft(dir.path(), "run", &small_probe_script(&shuffled_out), &off);
    for table in ["not_in", "null_in", "left"] {
        let r = sorted_lines(&replicated_out.join(table));
        let s = sorted_lines(&shuffled_out.join(table));
        assert_eq!(r, s, "{table}: replicated and shuffled plans disagree");
    }
    // Scale 0.01: 8000 partsupp rows, each in the LEFT join's output exactly once.
    assert_eq!(sorted_lines(&replicated_out.join("left")).len(), 8000);
    let not_in = sorted_lines(&replicated_out.join("not_in")).len();
    assert!(
        not_in > 0 && not_in < 8000,
        "NOT IN keeps the other suppliers' rows: {not_in}"
    );
    assert!(
        sorted_lines(&replicated_out.join("null_in")).is_empty(),
        "a NULL in the NOT IN list must empty the result in every subtask"
    );
}
