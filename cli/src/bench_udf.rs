//! The function half of `weft bench etl`: each Flink function Weft implements, timed over
//! the first rows of TPC-H lineitem in memory, against the nearest DataFusion built-in over
//! the same rows, in one process, one partition each (throughput of one core). The Flink
//! side is planned as Weft plans Flink SQL (`weft_flink_sql::plan_sql` over a Flink
//! context); the DataFusion side is a plain context. Target: within 1.5× of the built-in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

use crate::bench::tpch_source;

/// The ratio a Flink function may be slower than its nearest built-in.
pub const TARGET_RATIO: f64 = 1.5;

/// (Flink function, its expression in Flink SQL, the nearest DataFusion expression).
const PAIRS: &[(&str, &str, &str)] = &[
    ("UPPER", "UPPER(l_comment)", "upper(l_comment)"),
    ("LOWER", "LOWER(l_comment)", "lower(l_comment)"),
    (
        "SUBSTRING",
        "SUBSTRING(l_comment, 3, 10)",
        "substr(l_comment, 3, 10)",
    ),
    (
        "CONCAT",
        "CONCAT(l_returnflag, l_shipmode, l_comment)",
        "concat(l_returnflag, l_shipmode, l_comment)",
    ),
    (
        "CONCAT_WS",
        "CONCAT_WS('-', l_returnflag, l_shipmode, l_comment)",
        "concat_ws('-', l_returnflag, l_shipmode, l_comment)",
    ),
    ("TRIM", "TRIM(l_comment)", "trim(l_comment)"),
    (
        "REPLACE",
        "REPLACE(l_comment, 'the', 'THE')",
        "replace(l_comment, 'the', 'THE')",
    ),
    (
        "LPAD",
        "LPAD(l_shipmode, 12, '*')",
        "lpad(l_shipmode, 12, '*')",
    ),
    (
        "CHAR_LENGTH",
        "CHAR_LENGTH(l_comment)",
        "character_length(l_comment)",
    ),
    ("INITCAP", "INITCAP(l_comment)", "initcap(l_comment)"),
    (
        "LOCATE",
        "LOCATE('the', l_comment)",
        "strpos(l_comment, 'the')",
    ),
    (
        "SPLIT_INDEX",
        "SPLIT_INDEX(l_comment, ' ', 1)",
        "split_part(l_comment, ' ', 2)",
    ),
    (
        "REGEXP_REPLACE",
        "REGEXP_REPLACE(l_comment, '[aeiou]', '')",
        "regexp_replace(l_comment, '[aeiou]', '', 'g')",
    ),
    (
        "REGEXP_EXTRACT",
        "REGEXP_EXTRACT(l_comment, '([a-z]+)ly', 1)",
        "regexp_match(l_comment, '([a-z]+)ly')[1]",
    ),
    (
        "REGEXP",
        "REGEXP(l_comment, 'fur.*ly')",
        "regexp_like(l_comment, 'fur.*ly')",
    ),
    ("LIKE", "l_comment LIKE '%the%'", "l_comment LIKE '%the%'"),
    ("MD5", "MD5(l_comment)", "md5(l_comment)"),
    (
        "TO_BASE64",
        "TO_BASE64(l_comment)",
        "encode(l_comment, 'base64')",
    ),
    (
        "DATE_FORMAT",
        "DATE_FORMAT(CAST(l_shipdate AS TIMESTAMP(3)), 'yyyy-MM-dd HH:mm')",
        "to_char(CAST(l_shipdate AS TIMESTAMP), '%Y-%m-%d %H:%M')",
    ),
    ("YEAR", "YEAR(l_shipdate)", "date_part('year', l_shipdate)"),
    (
        "DAYOFWEEK",
        "DAYOFWEEK(l_shipdate)",
        "date_part('dow', l_shipdate) + 1",
    ),
    (
        "EXTRACT",
        "EXTRACT(MONTH FROM l_shipdate)",
        "date_part('month', l_shipdate)",
    ),
    (
        "TIMESTAMPADD",
        "TIMESTAMPADD(DAY, 7, CAST(l_shipdate AS TIMESTAMP(3)))",
        "CAST(l_shipdate AS TIMESTAMP) + INTERVAL '7' DAY",
    ),
    (
        "TIMESTAMPDIFF",
        "TIMESTAMPDIFF(DAY, CAST(l_shipdate AS TIMESTAMP(3)), CAST(l_receiptdate AS TIMESTAMP(3)))",
        "date_part('day', CAST(l_receiptdate AS TIMESTAMP) - CAST(l_shipdate AS TIMESTAMP))",
    ),
    ("MOD", "MOD(l_orderkey, 7)", "l_orderkey % 7"),
    (
        "IF",
        "IF(l_quantity > 25, 'big', 'small')",
        "CASE WHEN l_quantity > 25 THEN 'big' ELSE 'small' END",
    ),
    (
        "ROUND",
        "ROUND(l_extendedprice * l_discount, 2)",
        "round(l_extendedprice * l_discount, 2)",
    ),
    (
        "CAST(DECIMAL AS STRING)",
        "CAST(l_extendedprice AS STRING)",
        "CAST(l_extendedprice AS VARCHAR)",
    ),
    (
        "CAST(DATE AS STRING)",
        "CAST(l_shipdate AS STRING)",
        "CAST(l_shipdate AS VARCHAR)",
    ),
];

/// One function's times, or why a side failed.
pub struct UdfRow {
    pub name: &'static str,
    pub rows: usize,
    pub flink: Result<Duration, String>,
    pub datafusion: Result<Duration, String>,
}

impl UdfRow {
    /// Both sides ran.
    pub fn ok(&self) -> bool {
        self.flink.is_ok() && self.datafusion.is_ok()
    }

    /// Weft's time over DataFusion's.
    pub fn ratio(&self) -> Option<f64> {
        match (&self.flink, &self.datafusion) {
            (Ok(f), Ok(d)) => Some(f.as_secs_f64() / d.as_secs_f64().max(1e-9)),
            _ => None,
        }
    }
}

/// Time every pair over the first `rows` rows of lineitem at `scale`.
pub async fn run(scale: &str, rows: usize, iterations: usize) -> anyhow::Result<Vec<UdfRow>> {
    let started = Instant::now();
    eprint!("Loading {rows} lineitem rows into memory for the function benchmark … ");
    let table = lineitem_in_memory(scale, rows).await?;
    let loaded: usize = table.1;
    eprintln!("{loaded} rows, {:.1} s", started.elapsed().as_secs_f64());
    let one = || SessionConfig::new().with_target_partitions(1);
    let flink = weft_flink_sql::flink_context(one());
    flink.register_table("lineitem", table.0.clone())?;
    let plain = SessionContext::new_with_config(one());
    plain.register_table("lineitem", table.0)?;

    let mut out = Vec::with_capacity(PAIRS.len());
    for (name, flink_expr, df_expr) in PAIRS {
        let flink_sql = format!("SELECT {flink_expr} FROM lineitem");
        let df_sql = format!("SELECT {df_expr} FROM lineitem");
        let f = fastest(iterations, || run_flink(&flink, &flink_sql)).await;
        let d = fastest(iterations, || run_plain(&plain, &df_sql)).await;
        let row = UdfRow {
            name,
            rows: loaded,
            flink: f.map_err(|e| format!("{e:#}")),
            datafusion: d.map_err(|e| format!("{e:#}")),
        };
        eprintln!("{}", line(&row));
        out.push(row);
    }
    Ok(out)
}

async fn lineitem_in_memory(scale: &str, rows: usize) -> anyhow::Result<(Arc<MemTable>, usize)> {
    let provider = tpch_source("lineitem", scale).await?;
    let ctx = SessionContext::new();
    let batches = ctx
        .read_table(provider.clone())?
        .limit(0, Some(rows))?
        .collect()
        .await?;
    let n = batches.iter().map(|b| b.num_rows()).sum();
    Ok((
        Arc::new(MemTable::try_new(provider.schema(), vec![batches])?),
        n,
    ))
}

async fn fastest<F, Fut>(iterations: usize, mut f: F) -> anyhow::Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    f().await?; // warm-up
    let mut best = Duration::MAX;
    for _ in 0..iterations.max(1) {
        let started = Instant::now();
        f().await?;
        best = best.min(started.elapsed());
    }
    Ok(best)
}

async fn run_flink(ctx: &SessionContext, sql: &str) -> anyhow::Result<usize> {
    let plan = weft_flink_sql::plan_sql(&ctx.state(), sql).await?;
    drain(ctx.execute_logical_plan(plan).await?).await
}

async fn run_plain(ctx: &SessionContext, sql: &str) -> anyhow::Result<usize> {
    drain(ctx.sql(sql).await?).await
}

async fn drain(df: datafusion::dataframe::DataFrame) -> anyhow::Result<usize> {
    let mut stream = df.execute_stream().await?;
    let mut n = 0;
    while let Some(b) = stream.next().await {
        n += b?.num_rows();
    }
    Ok(n)
}

fn mrows(rows: usize, d: &Duration) -> f64 {
    rows as f64 / d.as_secs_f64().max(1e-9) / 1e6
}

fn line(r: &UdfRow) -> String {
    let side = |t: &Result<Duration, String>| match t {
        Ok(d) => format!("{:.1} M rows/s", mrows(r.rows, d)),
        Err(e) => format!("FAILED: {}", e.lines().next().unwrap_or("")),
    };
    format!(
        "{:<24} Weft {:<16} DataFusion {:<16} {}",
        r.name,
        side(&r.flink),
        side(&r.datafusion),
        r.ratio().map_or("-".into(), |x| format!("{x:.2}×"))
    )
}

/// The function table, Markdown, with how many met the target.
pub fn print_table(rows: &[UdfRow]) {
    println!();
    println!(
        "| Flink function | Weft M rows/s | DataFusion built-in M rows/s | Weft / built-in time |"
    );
    println!("|---|---:|---:|---:|");
    for r in rows {
        let cell = |t: &Result<Duration, String>| match t {
            Ok(d) => format!("{:.1}", mrows(r.rows, d)),
            Err(e) => format!(
                "FAILED: {}",
                e.lines().next().unwrap_or("").replace('|', "/")
            ),
        };
        let ratio = r.ratio().map_or("-".into(), |x| {
            let mark = if x <= TARGET_RATIO { "" } else { " (over)" };
            format!("{x:.2}×{mark}")
        });
        println!(
            "| {} | {} | {} | {ratio} |",
            r.name,
            cell(&r.flink),
            cell(&r.datafusion)
        );
    }
    let within = rows
        .iter()
        .filter(|r| r.ratio().is_some_and(|x| x <= TARGET_RATIO))
        .count();
    let failed = rows.iter().filter(|r| !r.ok()).count();
    println!();
    println!(
        "{within} of {} functions within {TARGET_RATIO}× of the nearest DataFusion built-in; {failed} failed.",
        rows.len()
    );
}
