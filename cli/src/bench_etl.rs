//! `weft bench etl`: a function-heavy Flink SQL ETL script (`cli/bench/etl.sql`) over
//! TPC-H's lineitem as CSV, run unchanged through Weft (one local cluster) and through
//! real Apache Flink (PyPI's apache-flink, batch mode, same parallelism) in one sitting.
//! Both write CSV; the two outputs must hold the same lines (order aside), or the run is a
//! failure whatever the times. Then each Flink function against the nearest DataFusion
//! built-in (`bench_udf`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use weft_core::config::{self, Configuration};

use crate::bench::{flink_type, parse_scale, tpch_source};
use crate::local_cluster::LocalCluster;
use crate::run::execute_script;

/// The ETL script, Flink SQL, with `${OUT}` for the sink's directory.
const ETL_SQL: &str = include_str!("../bench/etl.sql");
/// The Flink side: runs a script in PyFlink and prints `FLINK_SECONDS <s>`.
const FLINK_RUNNER: &str = include_str!("../../scripts/flink-etl.py");

#[derive(clap::Args, Clone, Debug)]
pub struct EtlBenchArgs {
    /// TPC-H scale factor of the lineitem CSV (1 = 6 million lines, about 750 MB).
    #[arg(long, default_value = "1")]
    pub scale: String,
    /// Parallelism of Weft and of Flink.
    #[arg(short = 'p', long = "parallelism", default_value_t = 2)]
    pub parallelism: usize,
    /// Where the CSV input (generated once, reused) and both outputs go: default
    /// target/etl-sf<SCALE>.
    #[arg(long = "data-dir")]
    pub data_dir: Option<PathBuf>,
    /// The Python that has PyPI's apache-flink (default: $WEFT_PYFLINK_VENV/bin/python,
    /// else ~/.cache/weft-pyflink/bin/python, as `.ci/setup-flink.sh` installs it).
    #[arg(long = "flink-python")]
    pub flink_python: Option<PathBuf>,
    /// Run only Weft (no ratio, no output comparison).
    #[arg(long = "skip-flink")]
    pub skip_flink: bool,
    /// Rows each function is timed over in the function benchmark (0 skips it).
    #[arg(long = "udf-rows", default_value_t = 1_000_000)]
    pub udf_rows: usize,
    /// Timed runs per function and engine; the fastest counts.
    #[arg(long, default_value_t = 3)]
    pub iterations: usize,
    /// Extra Weft configuration, `-D key=value` (repeatable).
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    pub dynamic: Vec<String>,
}

pub async fn run(args: EtlBenchArgs) -> anyhow::Result<ExitCode> {
    parse_scale(&args.scale)?;
    let parallelism = args.parallelism.max(1);
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("target/etl-sf{}", args.scale.trim())));
    let data_dir = std::path::absolute(&data_dir)
        .with_context(|| format!("bad --data-dir {}", data_dir.display()))?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;

    let mut config = Configuration::new();
    config.set(config::PARALLELISM_DEFAULT.key, &parallelism.to_string())?;
    for d in &args.dynamic {
        config.set_pair(d)?;
    }
    let cluster = LocalCluster::start(&config, weft_connectors::default_registry()).await?;
    let outcome = etl(&cluster, &config, &args, &data_dir, parallelism).await;
    cluster.stop().await;
    let mut ok = outcome?;

    if args.udf_rows > 0 {
        let rows = crate::bench_udf::run(&args.scale, args.udf_rows, args.iterations).await?;
        ok &= rows.iter().all(|r| r.ok());
        crate::bench_udf::print_table(&rows);
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Generate the input, run both engines, compare and print; whether everything ran and
/// agreed.
async fn etl(
    cluster: &LocalCluster,
    config: &Configuration,
    args: &EtlBenchArgs,
    data_dir: &Path,
    parallelism: usize,
) -> anyhow::Result<bool> {
    let source = generate_lineitem_csv(cluster, config, data_dir, &args.scale).await?;
    let lines = count_lines(&data_dir.join("lineitem"))?;
    eprintln!(
        "ETL over lineitem at scale {} ({lines} lines of CSV), parallelism {parallelism}",
        args.scale
    );

    let weft_out = data_dir.join("out-weft");
    let _ = std::fs::remove_dir_all(&weft_out);
    let script = format!("{source}{}", etl_script(&weft_out));
    let started = Instant::now();
    let weft = execute_script(cluster, &script, "bench-etl", config)
        .await
        .map(|_| started.elapsed())
        .map_err(|e| format!("{e:#}"));
    let weft_rows = weft
        .as_ref()
        .ok()
        .map(|_| read_lines(&weft_out))
        .transpose()?;
    match (&weft, &weft_rows) {
        (Ok(d), Some(r)) => eprintln!("Weft:  {:>8.2} s, {} rows", d.as_secs_f64(), r.len()),
        (Err(e), _) => eprintln!("Weft:  FAILED: {e}"),
        _ => {}
    }
    if args.skip_flink {
        return Ok(weft.is_ok());
    }

    let flink_out = data_dir.join("out-flink");
    let _ = std::fs::remove_dir_all(&flink_out);
    let flink_script = data_dir.join("flink-etl.sql");
    std::fs::write(&flink_script, format!("{source}{}", etl_script(&flink_out)))?;
    let flink = run_flink(args, data_dir, &flink_script, parallelism);
    let flink_rows = flink
        .as_ref()
        .ok()
        .map(|_| read_lines(&flink_out))
        .transpose()?;
    match (&flink, &flink_rows) {
        (Ok(d), Some(r)) => eprintln!("Flink: {:>8.2} s, {} rows", d.as_secs_f64(), r.len()),
        (Err(e), _) => eprintln!("Flink: FAILED: {e}"),
        _ => {}
    }

    let same = match (&weft_rows, &flink_rows) {
        (Some(w), Some(f)) => match first_difference(w, f) {
            None => {
                eprintln!("Outputs: the same {} lines", w.len());
                true
            }
            Some(diff) => {
                eprintln!("Outputs DIFFER: {diff}");
                false
            }
        },
        _ => false,
    };
    println!();
    println!("| Engine | Seconds | Rows |");
    println!("|---|---:|---:|");
    for (name, t, rows) in [("Weft", &weft, &weft_rows), ("Flink", &flink, &flink_rows)] {
        match t {
            Ok(d) => println!(
                "| {name} | {:.2} | {} |",
                d.as_secs_f64(),
                rows.as_ref().map_or(0, Vec::len)
            ),
            Err(e) => println!("| {name} | FAILED: {} | |", one_line(e)),
        }
    }
    match (&weft, &flink) {
        (Ok(w), Ok(f)) if same => {
            let ratio = f.as_secs_f64() / w.as_secs_f64().max(1e-9);
            println!();
            println!(
                "Weft is {ratio:.1}× faster than Flink (target ≥ 10×: {}).",
                if ratio >= 10.0 { "met" } else { "not met" }
            );
        }
        _ => {
            println!();
            println!("No ratio: an engine failed or the outputs differ (target not met).");
        }
    }
    Ok(weft.is_ok() && flink.is_ok() && same)
}

/// `etl.sql` writing to `out`.
fn etl_script(out: &Path) -> String {
    ETL_SQL.replace("${OUT}", &out.display().to_string())
}

/// Write lineitem at `scale` as CSV under `<dir>/lineitem/` with Weft's filesystem sink
/// (Flink's CSV format), unless it is there already; the `CREATE TABLE lineitem` that
/// reads it.
async fn generate_lineitem_csv(
    cluster: &LocalCluster,
    config: &Configuration,
    dir: &Path,
    scale: &str,
) -> anyhow::Result<String> {
    let provider = tpch_source("lineitem", scale).await?;
    let columns = provider
        .schema()
        .fields()
        .iter()
        .map(|f| Ok(format!("{} {}", f.name(), flink_type(f.data_type())?)))
        .collect::<anyhow::Result<Vec<_>>>()?
        .join(", ");
    let table = |name: &str, path: &Path| {
        format!(
            "CREATE TABLE {name} ({columns}) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\n",
            path.display()
        )
    };
    let final_dir = dir.join("lineitem");
    if !final_dir.is_dir() {
        let started = Instant::now();
        eprint!(
            "Generating TPC-H lineitem at scale {scale} as CSV into {} … ",
            final_dir.display()
        );
        // Stage under a dot-directory, then publish with one rename.
        let staging = dir.join(".lineitem.tmp");
        let _ = std::fs::remove_dir_all(&staging);
        let script = format!(
            "CREATE TABLE gen WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '{}');\n{}INSERT INTO staged SELECT * FROM gen;\n",
            scale.trim(),
            table("staged", &staging)
        );
        execute_script(cluster, &script, "bench-etl-generate", config).await?;
        std::fs::rename(&staging, &final_dir).with_context(|| {
            format!(
                "cannot move {} to {}",
                staging.display(),
                final_dir.display()
            )
        })?;
        eprintln!("{:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(table("lineitem", &final_dir))
}

/// The Python with PyFlink: `--flink-python`, else the venv `.ci/setup-flink.sh` makes.
fn flink_python(args: &EtlBenchArgs) -> PathBuf {
    if let Some(p) = &args.flink_python {
        return p.clone();
    }
    let venv = std::env::var_os("WEFT_PYFLINK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/weft-pyflink")
        });
    venv.join("bin/python")
}

/// Run the script in PyFlink; the time of its INSERT as Flink measured it.
fn run_flink(
    args: &EtlBenchArgs,
    dir: &Path,
    script: &Path,
    parallelism: usize,
) -> Result<Duration, String> {
    let python = flink_python(args);
    if !python.exists() {
        return Err(format!(
            "no PyFlink at {}: run .ci/setup-flink.sh or pass --flink-python",
            python.display()
        ));
    }
    let runner = dir.join("flink-etl.py");
    std::fs::write(&runner, FLINK_RUNNER).map_err(|e| format!("{}: {e}", runner.display()))?;
    eprintln!(
        "Flink: running {} with {} …",
        script.display(),
        python.display()
    );
    let out = std::process::Command::new(&python)
        .arg(&runner)
        .arg(script)
        .arg(parallelism.to_string())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(err) = stdout.lines().find_map(|l| l.strip_prefix("FLINK_ERROR ")) {
        return Err(err.to_string());
    }
    let secs: Vec<f64> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FLINK_SECONDS "))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    if !out.status.success() || secs.is_empty() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!("PyFlink exited with {} ({last})", out.status));
    }
    Ok(Duration::from_secs_f64(secs.iter().sum()))
}

/// Every line of the data files under `dir` (recursively; names starting with `.` or `_`
/// are staging files and markers), sorted.
fn read_lines(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for file in data_files(dir)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        lines.extend(text.lines().map(str::to_string));
    }
    lines.sort_unstable();
    Ok(lines)
}

fn count_lines(dir: &Path) -> anyhow::Result<usize> {
    let mut n = 0;
    for file in data_files(dir)? {
        let bytes =
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        n += bytes.iter().filter(|b| **b == b'\n').count();
    }
    Ok(n)
}

fn data_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))? {
            let e = e?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            if e.file_type()?.is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    Ok(files)
}

/// Where two sorted outputs first differ, in words; None when they are the same.
fn first_difference(weft: &[String], flink: &[String]) -> Option<String> {
    if let Some((w, f)) = weft.iter().zip(flink).find(|(w, f)| w != f) {
        return Some(format!(
            "in sorted order Weft has `{w}` where Flink has `{f}`"
        ));
    }
    (weft.len() != flink.len())
        .then(|| format!("Weft wrote {} lines, Flink {}", weft.len(), flink.len()))
}

fn one_line(e: &str) -> String {
    e.lines().next().unwrap_or("").replace('|', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn outputs_are_compared_line_by_line_and_by_count() {
        assert_eq!(first_difference(&v(&["a", "b"]), &v(&["a", "b"])), None);
        let diff = first_difference(&v(&["a", "b"]), &v(&["a", "c"])).unwrap();
        assert!(diff.contains("`b`") && diff.contains("`c`"), "{diff}");
        let diff = first_difference(&v(&["a"]), &v(&["a", "b"])).unwrap();
        assert!(diff.contains("1 lines, Flink 2"), "{diff}");
    }

    #[test]
    fn the_script_names_the_sink_directory() {
        let s = etl_script(Path::new("/x/out"));
        assert!(s.contains("'path' = '/x/out'") && !s.contains("${OUT}"));
    }
}
