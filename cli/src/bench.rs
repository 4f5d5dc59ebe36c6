//! `weft bench tpch`: the 22 TPC-H queries over Parquet files, each run through Weft (one
//! local cluster: embedded JobManager + TaskManager processes), through single-process
//! DataFusion with the same parallelism, and through DuckDB with as many threads, warm,
//! timed side by side in one sitting. A query that fails in any engine is reported as a
//! failure and keeps the targets from being met.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Schema};
use arrow::ipc::reader::StreamReader;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use weft_core::config::{self, Configuration};

use crate::local_cluster::LocalCluster;
use crate::run::execute_script;

/// The TPC-H tables, as the `tpch` connector names them.
const TABLES: [&str; 8] = [
    "customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier",
];

/// The 22 TPC-H queries (validation parameters), shared with the integration tests.
const QUERIES: [&str; 22] = [
    include_str!("../../integration/queries/q1.sql"),
    include_str!("../../integration/queries/q2.sql"),
    include_str!("../../integration/queries/q3.sql"),
    include_str!("../../integration/queries/q4.sql"),
    include_str!("../../integration/queries/q5.sql"),
    include_str!("../../integration/queries/q6.sql"),
    include_str!("../../integration/queries/q7.sql"),
    include_str!("../../integration/queries/q8.sql"),
    include_str!("../../integration/queries/q9.sql"),
    include_str!("../../integration/queries/q10.sql"),
    include_str!("../../integration/queries/q11.sql"),
    include_str!("../../integration/queries/q12.sql"),
    include_str!("../../integration/queries/q13.sql"),
    include_str!("../../integration/queries/q14.sql"),
    include_str!("../../integration/queries/q15.sql"),
    include_str!("../../integration/queries/q16.sql"),
    include_str!("../../integration/queries/q17.sql"),
    include_str!("../../integration/queries/q18.sql"),
    include_str!("../../integration/queries/q19.sql"),
    include_str!("../../integration/queries/q20.sql"),
    include_str!("../../integration/queries/q21.sql"),
    include_str!("../../integration/queries/q22.sql"),
];

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// TPC-H over Parquet: each query through Weft and through single-process DataFusion.
    Tpch(TpchBenchArgs),
    /// Remote shuffle throughput through one worker vs raw loopback TCP and disk write.
    Shuffle(crate::bench_shuffle::ShuffleBenchArgs),
    /// CDC ingest from Kafka into Delta vs the broker's own produce / consume rates.
    Cdc(crate::bench_cdc::CdcBenchArgs),
    /// A function-heavy Flink SQL ETL script over TPC-H lineitem CSV through Weft and real
    /// Flink, and each Flink function against the nearest DataFusion built-in.
    Etl(crate::bench_etl::EtlBenchArgs),
}

#[derive(clap::Args, Clone, Debug)]
pub struct TpchBenchArgs {
    /// TPC-H scale factor (1 = about 1 GB of raw data, 6 million lineitem rows).
    #[arg(long, default_value = "1")]
    pub scale: String,
    /// Parallelism of Weft's vertices and DataFusion's target partitions.
    #[arg(short = 'p', long = "parallelism", default_value_t = 2)]
    pub parallelism: usize,
    /// Queries to run, e.g. --queries 1,3,5 (default: all 22).
    #[arg(long, value_delimiter = ',')]
    pub queries: Vec<usize>,
    /// Where the Parquet files live (generated once, reused): default target/tpch-sf<SCALE>.
    #[arg(long = "data-dir")]
    pub data_dir: Option<PathBuf>,
    /// Timed runs per query and engine after the warm-up run; the fastest counts.
    #[arg(long, default_value_t = 1)]
    pub iterations: usize,
    /// Give up on a query's Weft run after this many seconds (the benchmark goes on).
    #[arg(long = "timeout", default_value_t = 600)]
    pub timeout_secs: u64,
    /// Extra Weft configuration, `-D key=value` (repeatable).
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    pub dynamic: Vec<String>,
    /// Only print the eight tables' CREATE TABLE statements (e.g. to `weft explain` a query).
    #[arg(long = "print-ddl")]
    pub print_ddl: bool,
    /// Leave out the DuckDB baseline (PyPI's `duckdb`, installed into ~/.cache/weft-duckdb).
    #[arg(long = "skip-duckdb")]
    pub skip_duckdb: bool,
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Tpch(args) => tpch(args).await,
        BenchCommand::Shuffle(args) => crate::bench_shuffle::run(args).await,
        BenchCommand::Cdc(args) => crate::bench_cdc::run(args).await,
        BenchCommand::Etl(args) => crate::bench_etl::run(args).await,
    }
}

/// One query's measurements (time, rows), or why the engine failed.
struct Measurement {
    query: usize,
    weft: Result<(Duration, usize), String>,
    datafusion: Result<(Duration, usize), String>,
    /// None when the DuckDB baseline was skipped.
    duckdb: Option<Result<(Duration, usize), String>>,
}

async fn tpch(args: TpchBenchArgs) -> anyhow::Result<ExitCode> {
    let scale = parse_scale(&args.scale)?;
    let parallelism = args.parallelism.max(1);
    let iterations = args.iterations.max(1);
    let queries: Vec<usize> = if args.queries.is_empty() {
        (1..=QUERIES.len()).collect()
    } else {
        args.queries.clone()
    };
    if let Some(q) = queries.iter().find(|q| !(1..=QUERIES.len()).contains(*q)) {
        bail!("--queries: there is no TPC-H query {q}; valid: 1..=22");
    }
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("target/tpch-sf{}", args.scale.trim())));
    let data_dir = std::path::absolute(&data_dir)
        .with_context(|| format!("bad --data-dir {}", data_dir.display()))?;

    generate_parquet(&data_dir, scale, &args.scale, parallelism).await?;

    // DataFusion: single process, same files, same number of partitions, with Flink's
    // functions (the ones Weft runs) in place of DataFusion's.
    let df_ctx =
        SessionContext::new_with_config(SessionConfig::new().with_target_partitions(parallelism));
    weft_flink_sql::register_functions(&df_ctx);
    for t in TABLES {
        df_ctx
            .register_parquet(t, table_url(&data_dir, t), ParquetReadOptions::default())
            .await
            .with_context(|| format!("cannot register {}", data_dir.join(t).display()))?;
    }
    let ddl = weft_ddl(&df_ctx, &data_dir).await?;
    if args.print_ddl {
        print!("{ddl}");
        return Ok(ExitCode::SUCCESS);
    }

    // Weft: one local cluster for the whole benchmark.
    let mut config = Configuration::new();
    config.set(config::PARALLELISM_DEFAULT.key, &parallelism.to_string())?;
    for d in &args.dynamic {
        config.set_pair(d)?;
    }
    eprintln!(
        "TPC-H scale {} from {}, parallelism {parallelism}, {} quer{} (warm, fastest of {iterations})",
        args.scale,
        data_dir.display(),
        queries.len(),
        if queries.len() == 1 { "y" } else { "ies" }
    );
    let cluster = LocalCluster::start(&config, weft_connectors::default_registry()).await?;

    let mut results = Vec::with_capacity(queries.len());
    for &q in &queries {
        let sql = QUERIES[q - 1].trim().trim_end_matches(';');
        let script = format!("{ddl}{sql};\n");
        let name = format!("tpch-q{q}");
        let (c, s, n, cf, ctx) = (&cluster, script.as_str(), name.as_str(), &config, &df_ctx);
        let limit = Duration::from_secs(args.timeout_secs.max(1));
        // The last answer of each engine, compared once both have run.
        let (weft_rows, df_rows) = (Mutex::new(Vec::new()), Mutex::new(Vec::new()));
        let (wr, dr) = (&weft_rows, &df_rows);
        let weft = time_it(iterations, move || async move {
            let status = tokio::time::timeout(limit, execute_script(c, s, n, cf))
                .await
                .map_err(|_| anyhow::anyhow!("no result within {} s", limit.as_secs()))??;
            let batches = decode_ipc(&status.result)?;
            let rows = batches.iter().map(|b| b.num_rows()).sum();
            *wr.lock().unwrap_or_else(|e| e.into_inner()) = batches;
            Ok(rows)
        })
        .await;
        let datafusion = time_it(iterations, move || async move {
            let batches = ctx.sql(sql).await?.collect().await?;
            let rows = batches.iter().map(|b| b.num_rows()).sum();
            *dr.lock().unwrap_or_else(|e| e.into_inner()) = batches;
            Ok(rows)
        })
        .await;
        let mut weft = weft.map_err(|e| format!("{e:#}"));
        if weft.is_ok()
            && datafusion.is_ok()
            && let Err(diff) = crate::bench_answers::compare(
                &weft_rows.lock().unwrap_or_else(|e| e.into_inner()),
                &df_rows.lock().unwrap_or_else(|e| e.into_inner()),
            )
        {
            weft = Err(format!("a different answer from DataFusion's: {diff}"));
        }
        let m = Measurement {
            query: q,
            weft,
            datafusion: datafusion.map_err(|e| format!("{e:#}")),
            duckdb: None,
        };
        eprintln!("{}", row(&m));
        results.push(m);
    }
    let peaks = taskmanager_peak_rss();
    cluster.stop().await;
    for (pid, kib) in &peaks {
        eprintln!(
            "TaskManager pid {pid}: peak RSS {:.0} MiB",
            *kib as f64 / 1024.0
        );
    }

    if !args.skip_duckdb {
        eprintln!("DuckDB, {parallelism} thread(s), same files …");
        let sql: Vec<(usize, &str)> = queries
            .iter()
            .map(|&q| (q, QUERIES[q - 1].trim().trim_end_matches(';')))
            .collect();
        let duck = crate::bench_duckdb::run(&data_dir, parallelism, iterations, &sql)?;
        for m in &mut results {
            m.duckdb = Some(
                duck.get(&m.query)
                    .cloned()
                    .unwrap_or_else(|| Err("the DuckDB runner gave no result".into())),
            );
        }
    }
    print_table(&results);
    let failed = results.iter().any(|m| !m.all_ok());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Peak resident memory (VmHWM, KiB) of this process's TaskManager children.
fn taskmanager_peak_rss() -> Vec<(u32, u64)> {
    let me = std::process::id();
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in entries.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let field = |name: &str| crate::proc_status::field(&pid.to_string(), name);
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if field("PPid:") == Some(me as u64)
            && String::from_utf8_lossy(&cmd).contains("taskmanager")
            && let Some(hwm) = field("VmHWM:")
        {
            out.push((pid, hwm));
        }
    }
    out.sort();
    out
}

/// Run `f` once to warm up, then `iterations` times; the fastest time and the row count.
async fn time_it<F, Fut>(iterations: usize, f: F) -> anyhow::Result<(Duration, usize)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    f().await?;
    let mut best: Option<(Duration, usize)> = None;
    for _ in 0..iterations {
        let start = Instant::now();
        let rows = f().await?;
        let took = start.elapsed();
        if best.is_none_or(|(b, _)| took < b) {
            best = Some((took, rows));
        }
    }
    Ok(best.expect("at least one iteration"))
}

fn decode_ipc(results: &[Vec<u8>]) -> anyhow::Result<Vec<RecordBatch>> {
    let mut batches = Vec::new();
    for bytes in results.iter().filter(|b| !b.is_empty()) {
        for batch in StreamReader::try_new(std::io::Cursor::new(bytes), None)? {
            batches.push(batch?);
        }
    }
    Ok(batches)
}

/// `file:///…/<table>/` (a directory URL, so DataFusion lists every file in it).
fn table_url(dir: &Path, table: &str) -> String {
    format!("{}/", dir.join(table).display())
}

/// Write the eight tables as Parquet, one file per table in `<dir>/<table>/`, unless the
/// table's directory exists already (then it is reused as is).
async fn generate_parquet(
    dir: &Path,
    scale: f64,
    scale_text: &str,
    partitions: usize,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ctx =
        SessionContext::new_with_config(SessionConfig::new().with_target_partitions(partitions));
    for t in TABLES {
        let final_dir = dir.join(t);
        if final_dir.is_dir() {
            continue;
        }
        let started = Instant::now();
        eprint!(
            "Generating TPC-H {t} at scale {scale} into {} … ",
            final_dir.display()
        );
        let df = ctx.read_table(tpch_source(t, scale_text).await?)?;
        // Stage under a dot-directory (ignored by readers), then publish with one rename.
        let staging = dir.join(format!(".{t}.tmp"));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        let file = staging.join(format!("{t}.parquet"));
        df.write_parquet(
            &file.display().to_string(),
            DataFrameWriteOptions::new().with_single_file_output(true),
            None,
        )
        .await
        .with_context(|| format!("cannot write {}", file.display()))?;
        std::fs::rename(&staging, &final_dir).with_context(|| {
            format!(
                "cannot move {} to {}",
                staging.display(),
                final_dir.display()
            )
        })?;
        eprintln!("{:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// `CREATE TABLE <t> (<columns of its Parquet schema>) WITH ('connector'='filesystem', …);`
/// for the eight tables.
async fn weft_ddl(ctx: &SessionContext, dir: &Path) -> anyhow::Result<String> {
    let mut ddl = String::new();
    for t in TABLES {
        let schema: Schema = ctx.table(t).await?.schema().as_arrow().clone();
        let cols = schema
            .fields()
            .iter()
            .map(|f| Ok(format!("{} {}", f.name(), flink_type(f.data_type())?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        ddl.push_str(&format!(
            "CREATE TABLE {t} ({}) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'parquet');\n",
            cols.join(", "),
            dir.join(t).display()
        ));
    }
    Ok(ddl)
}

/// `--scale` as a positive number.
pub(crate) fn parse_scale(text: &str) -> anyhow::Result<f64> {
    text.trim()
        .parse()
        .ok()
        .filter(|s: &f64| *s > 0.0 && s.is_finite())
        .with_context(|| format!("--scale must be a positive number, got '{text}'"))
}

/// The `tpch` connector's table `t` at scale `scale_text`, columns derived.
pub(crate) fn tpch_table(t: &str, scale_text: &str) -> weft_core::catalog::TableDef {
    weft_core::catalog::TableDef {
        name: t.to_string(),
        columns: vec![],
        primary_key: vec![],
        partition_keys: vec![],
        options: [
            ("connector", "tpch"),
            ("table", t),
            ("scale", scale_text.trim()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        line: 1,
        computed: vec![],
        metadata: vec![],
    }
}

/// The `tpch` connector's table `t` at scale `scale_text` as a table provider.
pub(crate) async fn tpch_source(
    t: &str,
    scale_text: &str,
) -> anyhow::Result<Arc<dyn datafusion::datasource::TableProvider>> {
    let registry = weft_connectors::default_registry();
    let connector = registry
        .get("tpch")
        .context("the tpch connector is not registered")?;
    Ok(connector
        .create_source(&tpch_table(t, scale_text), &Configuration::new())
        .await?)
}

/// The Flink SQL type of a column of the TPC-H tables.
pub(crate) fn flink_type(t: &DataType) -> anyhow::Result<String> {
    Ok(match t {
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p}, {s})"),
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => "STRING".into(),
        DataType::Date32 => "DATE".into(),
        other => bail!("no Flink type for the Parquet column type {other}"),
    })
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl Measurement {
    fn all_ok(&self) -> bool {
        self.weft.is_ok()
            && self.datafusion.is_ok()
            && self.duckdb.as_ref().is_none_or(|d| d.is_ok())
    }
}

fn time_of(r: &Result<(Duration, usize), String>) -> Option<Duration> {
    r.as_ref().ok().map(|(d, _)| *d)
}

fn ratio_cell(w: Option<Duration>, base: Option<Duration>) -> String {
    match (w, base) {
        (Some(w), Some(b)) if !b.is_zero() => format!("{:>8.2}", secs(w) / secs(b)),
        _ => format!("{:>8}", "-"),
    }
}

fn row(m: &Measurement) -> String {
    let cell = |r: Option<&Result<(Duration, usize), String>>| match r {
        Some(Ok((d, _))) => format!("{:>10.3}", secs(*d)),
        Some(Err(_)) => format!("{:>10}", "FAILED"),
        None => format!("{:>10}", "-"),
    };
    let w = time_of(&m.weft);
    let duck = m.duckdb.as_ref().and_then(time_of);
    let mut line = format!(
        "q{:<4} {} {} {} {} {}",
        m.query,
        cell(Some(&m.weft)),
        cell(Some(&m.datafusion)),
        cell(m.duckdb.as_ref()),
        ratio_cell(w, time_of(&m.datafusion)),
        ratio_cell(w, duck),
    );
    let rows = |r: &Result<(Duration, usize), String>| r.as_ref().ok().map(|(_, n)| *n);
    let counts = [
        ("weft", rows(&m.weft)),
        ("DataFusion", rows(&m.datafusion)),
        ("DuckDB", m.duckdb.as_ref().and_then(rows)),
    ];
    let known: Vec<(&str, usize)> = counts
        .iter()
        .filter_map(|(e, n)| n.map(|n| (*e, n)))
        .collect();
    if known.windows(2).any(|w| w[0].1 != w[1].1) {
        let text: Vec<String> = known.iter().map(|(e, n)| format!("{e} {n}")).collect();
        line.push_str(&format!("   ROWS DIFFER: {}", text.join(", ")));
    } else if let Some((_, n)) = known.first() {
        line.push_str(&format!("   {n} rows"));
    }
    let failures = [
        ("weft", Some(&m.weft)),
        ("DataFusion", Some(&m.datafusion)),
        ("DuckDB", m.duckdb.as_ref()),
    ];
    for (engine, r) in failures {
        if let Some(Err(e)) = r {
            line.push_str(&format!("\n      {engine} failed: {e}"));
        }
    }
    line
}

fn print_table(results: &[Measurement]) {
    println!();
    println!(
        "{:<5} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "query", "weft (s)", "DF (s)", "DuckDB (s)", "w/DF", "w/DuckDB"
    );
    for m in results {
        println!("{}", row(m));
    }
    let with_duckdb = results.iter().any(|m| m.duckdb.is_some());
    let ok: Vec<&Measurement> = results.iter().filter(|m| m.all_ok()).collect();
    let total = |f: &dyn Fn(&Measurement) -> Option<Duration>| {
        ok.iter().filter_map(|m| f(m)).sum::<Duration>()
    };
    let tw = total(&|m| time_of(&m.weft));
    let td = total(&|m| time_of(&m.datafusion));
    let tk = total(&|m| m.duckdb.as_ref().and_then(time_of));
    println!(
        "{:<5} {:>10.3} {:>10.3} {} {} {}   (the {} of {} queries every engine finished)",
        "total",
        secs(tw),
        secs(td),
        if with_duckdb {
            format!("{:>10.3}", secs(tk))
        } else {
            format!("{:>10}", "-")
        },
        ratio_cell(Some(tw), Some(td)),
        ratio_cell(Some(tw), with_duckdb.then_some(tk)),
        ok.len(),
        results.len(),
    );
    let failed = results.len() - ok.len();
    let weft_failed = results.iter().filter(|m| m.weft.is_err()).count();
    let ratio = |base: Duration| (!base.is_zero()).then(|| secs(tw) / secs(base));
    let verdict = |name: &str, r: Option<f64>| match r {
        _ if failed > 0 => format!("{name}: NOT met ({failed} quer{} failed)", plural(failed)),
        Some(r) if r <= 1.0 => format!("{name}: met ({r:.2}x)"),
        Some(r) => format!("{name}: NOT met ({r:.2}x)"),
        None => format!("{name}: not measured"),
    };
    println!(
        "weft finished {} of {} queries; target weft <= 1.0x DataFusion: {}; weft <= 1.0x DuckDB: {}",
        results.len() - weft_failed,
        results.len(),
        verdict("", ratio(td)).trim_start_matches(": "),
        if with_duckdb {
            verdict("", ratio(tk)).trim_start_matches(": ").to_string()
        } else {
            "not measured (--skip-duckdb)".to_string()
        },
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}
