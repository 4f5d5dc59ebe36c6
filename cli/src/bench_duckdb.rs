//! The DuckDB baseline of `weft bench tpch`: the same queries over the same Parquet files
//! in DuckDB (PyPI's `duckdb`, `SET threads` = the parallelism), run after Weft's cluster
//! has stopped so the engines do not share the machine.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

/// The runner, written to a temporary file so the binary needs no source tree.
const SCRIPT: &str = include_str!("../../scripts/duckdb-tpch.py");

/// One query's DuckDB time and row count, or why it failed.
pub type Outcome = Result<(Duration, usize), String>;

/// A Python with `duckdb`: `WEFT_DUCKDB_PYTHON`, else a virtualenv in
/// `~/.cache/weft-duckdb`, created (with `pip install duckdb`) on first use.
fn python() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("WEFT_DUCKDB_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let venv = Path::new(&home).join(".cache/weft-duckdb");
    let py = venv.join("bin/python");
    let has_duckdb = |py: &Path| {
        Command::new(py)
            .args(["-c", "import duckdb"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if py.exists() && has_duckdb(&py) {
        return Ok(py);
    }
    eprintln!(
        "Installing DuckDB (PyPI's duckdb) into {} …",
        venv.display()
    );
    let ok = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "duckdb"])
            .status()
            .is_ok_and(|s| s.success());
    if !ok || !has_duckdb(&py) {
        bail!(
            "cannot install PyPI's duckdb into {} (set WEFT_DUCKDB_PYTHON to a Python that has it, or pass --skip-duckdb)",
            venv.display()
        );
    }
    Ok(py)
}

/// Run `queries` (number, SQL) in DuckDB over the Parquet tables in `data_dir`.
pub fn run(
    data_dir: &Path,
    threads: usize,
    iterations: usize,
    queries: &[(usize, &str)],
) -> anyhow::Result<HashMap<usize, Outcome>> {
    let py = python()?;
    let script = std::env::temp_dir().join(format!("weft-duckdb-tpch-{}.py", std::process::id()));
    std::fs::write(&script, SCRIPT)
        .with_context(|| format!("cannot write {}", script.display()))?;
    let job = serde_json::json!({
        "data_dir": data_dir.display().to_string(),
        "threads": threads,
        "iterations": iterations,
        "queries": queries
            .iter()
            .map(|(q, sql)| serde_json::json!({ "query": q, "sql": sql }))
            .collect::<Vec<_>>(),
    });
    let mut child = Command::new(&py)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", py.display()))?;
    child
        .stdin
        .take()
        .context("no stdin for the DuckDB runner")?
        .write_all(job.to_string().as_bytes())?;
    let out = child.wait_with_output()?;
    let _ = std::fs::remove_file(&script);
    if !out.status.success() {
        bail!("the DuckDB runner exited with {}", out.status);
    }
    parse(&String::from_utf8_lossy(&out.stdout))
}

/// The runner's JSON lines, by query.
fn parse(stdout: &str) -> anyhow::Result<HashMap<usize, Outcome>> {
    let mut results = HashMap::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("bad line from the DuckDB runner: {line}"))?;
        let q = v["query"]
            .as_u64()
            .context("DuckDB runner line without a query")? as usize;
        let outcome = match (v["secs"].as_f64(), v["error"].as_str()) {
            (_, Some(e)) => Err(e.to_string()),
            (Some(s), None) => Ok((
                Duration::from_secs_f64(s),
                v["rows"].as_u64().unwrap_or(0) as usize,
            )),
            _ => Err(format!("no time in {line}")),
        };
        results.insert(q, outcome);
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_lines_become_outcomes() {
        let r = parse(
            "{\"query\": 1, \"secs\": 0.5, \"rows\": 4}\n{\"query\": 2, \"error\": \"Binder Error\"}\n",
        )
        .unwrap();
        assert_eq!(r[&1], Ok((Duration::from_millis(500), 4)));
        assert_eq!(r[&2], Err("Binder Error".to_string()));
        assert!(parse("not json").is_err());
    }
}
