//! Weft against real Flink: every case recorded by `conformance/record.py` (from Apache
//! Flink 2.3, batch mode) runs through Weft's Flink layer and must give Flink's answer —
//! the same column names, types and rows — or be refused at planning. Weft giving rows
//! where Flink gives other rows or an error fails the test, unless the case is listed in
//! `conformance/known-differences/<family>.txt` (each entry must still differ, so a fixed case
//! leaves the list). The test prints the coverage: how many of the functions that Flink's
//! `SHOW FUNCTIONS` lists have cases that all pass, and fails if that drops below
//! `conformance/coverage-floor.txt`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use datafusion::prelude::SessionConfig;
use serde::Deserialize;
use weft_flink_sql::cast_text::{Style, Zone, value_text};
use weft_flink_sql::types::{flink_name, normalize};

#[derive(Deserialize)]
struct Case {
    line: usize,
    sql: String,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    set: BTreeMap<String, String>,
    #[serde(default)]
    columns: Vec<(String, String)>,
    #[serde(default)]
    rows: Vec<Vec<Option<String>>>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

enum Outcome {
    Pass,
    /// Weft refused a query Flink answers: a gap, not a wrong answer.
    Refused(String),
    /// Weft answered differently from Flink (or answered where Flink failed).
    Differs(String),
}

struct Answer {
    columns: Vec<(String, String)>,
    rows: Vec<Vec<Option<String>>>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

async fn run_weft(case: &Case) -> Result<Answer, String> {
    let config = SessionConfig::new().with_target_partitions(2);
    let ctx = weft_flink_sql::flink_context(config);
    let tz = case
        .set
        .get("table.local-time-zone")
        .cloned()
        .unwrap_or_else(|| "UTC".into());
    ctx.state_ref()
        .write()
        .config_mut()
        .options_mut()
        .execution
        .time_zone = Some(tz.clone());
    let zone = Zone::parse(&tz).map_err(|e| e.to_string())?;
    let plan = weft_flink_sql::plan_sql(&ctx.state(), &case.sql)
        .await
        .map_err(|e| format!("planning: {}", e.strip_backtrace()))?;
    let df = ctx
        .execute_logical_plan(plan)
        .await
        .map_err(|e| format!("planning: {}", e.strip_backtrace()))?;
    // the analyzed plan's schema: Flink's rewrites (after type coercion) set the types
    let analyzed = df
        .clone()
        .into_optimized_plan()
        .map_err(|e| format!("planning: {}", e.strip_backtrace()))?;
    let schema = analyzed.schema().as_arrow().clone();
    let batches: Vec<RecordBatch> = df
        .collect()
        .await
        .map_err(|e| format!("runtime: {}", e.strip_backtrace()))?;
    let columns = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), flink_name(f.data_type())))
        .collect();
    let mut rows = Vec::new();
    for b in &batches {
        for r in 0..b.num_rows() {
            let mut row = Vec::new();
            for c in b.columns() {
                row.push(
                    value_text(c, r, Style::Print, &zone).map_err(|e| format!("rendering: {e}"))?,
                );
            }
            rows.push(row);
        }
    }
    Ok(Answer { columns, rows })
}

fn floats_equal(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y || ((x - y).abs() <= 1e-12 * x.abs().max(y.abs())),
        _ => false,
    }
}

fn compare(case: &Case, weft: Result<Answer, String>) -> Outcome {
    let answer = match (case.error.as_deref(), weft) {
        (Some(_), Err(_)) => return Outcome::Pass,
        (Some(stage), Ok(a)) => {
            return Outcome::Differs(format!(
                "Flink fails ({stage}: {}) but Weft answers {} rows",
                case.message.as_deref().unwrap_or(""),
                a.rows.len()
            ));
        }
        (None, Err(e)) => {
            if e.starts_with("planning:") {
                return Outcome::Refused(e);
            }
            return Outcome::Differs(format!("Weft fails where Flink answers: {e}"));
        }
        (None, Ok(a)) => a,
    };
    let want_names: Vec<&str> = case.columns.iter().map(|(n, _)| n.as_str()).collect();
    let got_names: Vec<&str> = answer.columns.iter().map(|(n, _)| n.as_str()).collect();
    if want_names != got_names {
        return Outcome::Differs(format!(
            "column names: Flink {want_names:?}, Weft {got_names:?}"
        ));
    }
    let want_types: Vec<String> = case.columns.iter().map(|(_, t)| normalize(t)).collect();
    let got_types: Vec<String> = answer.columns.iter().map(|(_, t)| t.clone()).collect();
    if want_types != got_types {
        return Outcome::Differs(format!(
            "column types: Flink {want_types:?}, Weft {got_types:?}"
        ));
    }
    let mut want = case.rows.clone();
    let mut got = answer.rows;
    want.sort();
    got.sort();
    if want.len() != got.len() {
        return Outcome::Differs(format!(
            "{} rows from Flink, {} from Weft: Flink {want:?}, Weft {got:?}",
            want.len(),
            got.len()
        ));
    }
    for (w, g) in want.iter().zip(&got) {
        for (c, (wv, gv)) in w.iter().zip(g).enumerate() {
            let same = match (wv, gv) {
                (Some(a), Some(b)) => {
                    a == b
                        || (matches!(want_types[c].as_str(), "DOUBLE" | "FLOAT")
                            && floats_equal(a, b))
                }
                (None, None) => true,
                _ => false,
            };
            if !same {
                return Outcome::Differs(format!("rows: Flink {want:?}, Weft {got:?}"));
            }
        }
    }
    Outcome::Pass
}

/// The case ids listed in `known-differences/<family>.txt` (`family:line  reason`).
fn known_differences(family: &str) -> BTreeSet<String> {
    std::fs::read_to_string(
        dir()
            .join("known-differences")
            .join(format!("{family}.txt")),
    )
    .unwrap_or_default()
    .lines()
    .map(|l| l.split('#').next().unwrap().trim().to_string())
    .filter(|l| !l.is_empty())
    .map(|l| l.split_whitespace().next().unwrap().to_string())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weft_answers_as_flink_does() {
    // WEFT_CONFORMANCE=string,temporal runs only those families (and skips the coverage floor).
    let only: Option<Vec<String>> = std::env::var("WEFT_CONFORMANCE")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let mut families: Vec<PathBuf> = std::fs::read_dir(dir().join("expected"))
        .expect("conformance/expected")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .filter(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            only.as_ref().is_none_or(|o| o.contains(&stem))
        })
        .collect();
    let mut known = BTreeSet::new();
    for p in &families {
        known.extend(known_differences(&p.file_stem().unwrap().to_string_lossy()));
    }
    families.sort();
    assert!(
        !families.is_empty(),
        "no recorded cases under conformance/expected"
    );

    let mut failures = Vec::new();
    let mut still_known = BTreeSet::new();
    let (mut pass, mut refused, mut total) = (0, 0, 0);
    // function -> (cases, passing cases)
    let mut by_function: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for path in &families {
        let family = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Case = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: bad record: {e}", path.display()));
            total += 1;
            let id = format!("{family}:{}", case.line);
            let outcome = compare(&case, run_weft(&case).await);
            let passed = matches!(outcome, Outcome::Pass);
            if let Some(f) = &case.function {
                let e = by_function.entry(f.clone()).or_default();
                e.0 += 1;
                e.1 += passed as usize;
            }
            match outcome {
                Outcome::Pass => {
                    pass += 1;
                    if known.contains(&id) {
                        failures.push(format!(
                            "{id}: now passes; remove it from known-differences/{family}.txt"
                        ));
                    }
                }
                Outcome::Refused(e) => {
                    refused += 1;
                    println!("refused {id}: {e}\n    {}", case.sql);
                }
                Outcome::Differs(d) => {
                    if known.contains(&id) {
                        still_known.insert(id.clone());
                        println!("known difference {id}: {d}");
                    } else {
                        failures.push(format!("{id}: {d}\n    {}", case.sql));
                    }
                }
            }
        }
    }
    for k in &known {
        if !still_known.contains(k) && !failures.iter().any(|f| f.starts_with(k.as_str())) {
            failures.push(format!(
                "{k}: listed in known-differences/ but no case by that id differs"
            ));
        }
    }
    let catalog = weft_flink_sql::catalog::FLINK_FUNCTIONS;
    let covered: Vec<&str> = catalog
        .iter()
        .filter(|(show, _)| {
            by_function
                .get(*show)
                .is_some_and(|(n, p)| n == p && *n > 0)
        })
        .map(|(show, _)| *show)
        .collect();
    println!(
        "Flink conformance: {pass} of {total} cases pass, {refused} refused at planning, {} known differences",
        still_known.len()
    );
    println!(
        "coverage: {} of {} functions that Flink lists are implemented with Flink's semantics (all their recorded cases pass)",
        covered.len(),
        catalog.len()
    );
    for f in by_function.keys() {
        if !catalog.iter().any(|(s, _)| s == f) {
            failures.push(format!(
                "`-- function: {f}` is not a name that Flink's SHOW FUNCTIONS lists"
            ));
        }
    }
    let floor: usize = std::fs::read_to_string(dir().join("coverage-floor.txt"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    if only.is_none() && covered.len() < floor {
        failures.push(format!(
            "coverage {} fell below the floor {floor} (coverage-floor.txt)",
            covered.len()
        ));
    }
    assert!(
        failures.is_empty(),
        "{} conformance failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
