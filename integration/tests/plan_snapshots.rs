//! Approved plans: `weft explain` of each TPC-H query (the `tpch` connector at scale 0.01,
//! parallelism 4, default settings) must match `integration/plans/tpch/qN.txt`. A change
//! of plan shows up here as a diff to look at; when it is intended, re-approve with
//! `WEFT_APPROVE_PLANS=1 cargo test -j2 --workspace --test plan_snapshots`.

use std::path::PathBuf;
use std::process::Command;

use weft_integration::tpch::{QUERY_COUNT, query_sql, tpch_source_ddl};
use weft_integration::weft_bin::weft_bin;

fn plans_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plans/tpch")
}

/// `weft explain` of query `n`, without its first line (the job's name and random id).
fn explain(n: usize, dir: &std::path::Path) -> String {
    let script = dir.join(format!("q{n}.sql"));
    std::fs::write(
        &script,
        format!("{}{};\n", tpch_source_ddl("0.01"), query_sql(n)),
    )
    .unwrap();
    let o = Command::new(weft_bin())
        .args(["explain", "-f"])
        .arg(&script)
        .args(["-D", "parallelism.default=4"])
        .output()
        .expect("weft explain runs");
    assert!(
        o.status.success(),
        "explain of q{n} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    text.lines().skip(1).map(|l| format!("{l}\n")).collect()
}

#[test]
fn tpch_plans_match_the_approved_ones() {
    let dir = tempfile::tempdir().unwrap();
    let approve = std::env::var_os("WEFT_APPROVE_PLANS").is_some();
    let mut changed = Vec::new();
    for n in 1..=QUERY_COUNT {
        let plan = explain(n, dir.path());
        let path = plans_dir().join(format!("q{n}.txt"));
        if approve {
            std::fs::create_dir_all(plans_dir()).unwrap();
            std::fs::write(&path, &plan).unwrap();
            continue;
        }
        let approved = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no approved plan {}: {e}", path.display()));
        if approved != plan {
            let first = approved
                .lines()
                .zip(plan.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(approved.lines().count().min(plan.lines().count()));
            changed.push(format!(
                "q{n}: line {}: approved {:?}, now {:?}",
                first + 1,
                approved.lines().nth(first).unwrap_or(""),
                plan.lines().nth(first).unwrap_or("")
            ));
        }
    }
    assert!(
        changed.is_empty(),
        "plans changed (re-approve with WEFT_APPROVE_PLANS=1 if intended):\n{}",
        changed.join("\n")
    );
}
