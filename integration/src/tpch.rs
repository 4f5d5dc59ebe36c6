//! TPC-H helpers for the end-to-end tests: the 22 queries (`integration/queries/qN.sql`), a
//! single-process DataFusion reference run over the `tpch` connector's tables, Flink DDL for
//! CSV sinks shaped like a query's output, reading a sink's CSV part files back, and an
//! order-insensitive comparison with a readable diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow::datatypes::{DataType, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use datafusion::prelude::{SessionConfig, SessionContext};
use weft_connectors::filesystem::csv_write;
use weft_connectors::filesystem::options::CsvOptions;
use weft_core::catalog::TableDef;
use weft_core::config::Configuration;

/// Errors of these helpers (DataFusion, Weft, I/O, Arrow), boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The eight TPC-H tables, as the `tpch` connector names them.
pub const TPCH_TABLES: [&str; 8] = [
    "customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier",
];

/// Number of TPC-H queries.
pub const QUERY_COUNT: usize = 22;

/// `integration/queries`.
pub fn queries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")
}

/// The text of TPC-H query `n` (1..=22), without a trailing semicolon.
///
/// # Panics
/// If the file cannot be read.
pub fn query_sql(n: usize) -> String {
    let path = queries_dir().join(format!("q{n}.sql"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.trim().trim_end_matches(';').trim_end().to_string()
}

/// A `tpch` connector table definition with its columns resolved by the connector.
pub fn tpch_table_def(table: &str, scale: &str) -> Result<TableDef, BoxError> {
    let registry = weft_connectors::default_registry();
    let connector = registry
        .get("tpch")
        .ok_or("the tpch connector is not registered")?;
    let mut def = TableDef {
        name: table.to_string(),
        columns: vec![],
        primary_key: vec![],
        partition_keys: vec![],
        options: BTreeMap::from([
            ("connector".to_string(), "tpch".to_string()),
            ("table".to_string(), table.to_string()),
            ("scale".to_string(), scale.to_string()),
        ]),
        line: 1,
        computed: vec![],
        metadata: vec![],
    };
    let schema = connector.resolve_schema(&def)?;
    def.columns = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    Ok(def)
}

/// `CREATE TABLE <t> WITH ('connector'='tpch', …);` for all eight tables, one per line.
pub fn tpch_source_ddl(scale: &str) -> String {
    TPCH_TABLES
        .iter()
        .map(|t| {
            format!(
                "CREATE TABLE {t} WITH ('connector' = 'tpch', 'table' = '{t}', 'scale' = '{scale}');\n"
            )
        })
        .collect()
}

/// A single-process DataFusion session with the eight `tpch` connector tables registered,
/// planning with `partitions` target partitions. Identifiers are case-sensitive, as in Weft.
pub async fn reference_context(scale: &str, partitions: usize) -> Result<SessionContext, BoxError> {
    let mut config = SessionConfig::new().with_target_partitions(partitions.max(1));
    config.options_mut().sql_parser.enable_ident_normalization = false;
    let ctx = SessionContext::new_with_config(config);
    // The reference answers with Flink's functions, as Weft does.
    weft_flink_sql::register_functions(&ctx);
    let registry = weft_connectors::default_registry();
    let connector = registry
        .get("tpch")
        .ok_or("the tpch connector is not registered")?;
    for table in TPCH_TABLES {
        let def = tpch_table_def(table, scale)?;
        let provider = connector.create_source(&def, &Configuration::new()).await?;
        ctx.register_table(table, provider)?;
    }
    Ok(ctx)
}

/// A query's result: its output schema and its rows as CSV lines (no header).
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub lines: Vec<String>,
}

/// Run `sql` in `ctx` and render the result as CSV lines with arrow's CSV writer (no header),
/// the way Weft's `filesystem` CSV sink writes rows.
pub async fn run_query(ctx: &SessionContext, sql: &str) -> Result<QueryResult, BoxError> {
    let df = ctx.sql(sql).await?;
    let schema: SchemaRef = df.schema().inner().clone();
    let batches = df.collect().await?;
    Ok(QueryResult {
        schema,
        lines: batches_to_csv_lines(&batches)?,
    })
}

/// Run TPC-H query `n` single-process on DataFusion over the `tpch` connector tables at
/// `scale`, returning its CSV lines.
pub async fn reference_query(
    n: usize,
    scale: &str,
    partitions: usize,
) -> Result<QueryResult, BoxError> {
    let ctx = reference_context(scale, partitions).await?;
    run_query(&ctx, &query_sql(n)).await
}

/// Batches as CSV lines, as Weft's (and Flink's) CSV sink writes them.
pub fn batches_to_csv_lines(batches: &[RecordBatch]) -> Result<Vec<String>, BoxError> {
    let mut buf = Vec::new();
    for b in batches {
        buf.extend(csv_write::encode(b, &CsvOptions::default())?);
    }
    Ok(String::from_utf8(buf)?
        .lines()
        .map(str::to_string)
        .collect())
}

/// The records of CSV `text`: its lines, a quoted field's line ends kept inside its record
/// (a record ends where its count of `"` is even).
fn records(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for line in text.lines() {
        let record = match open.take() {
            Some(mut r) => {
                r.push('\n');
                r.push_str(line);
                r
            }
            None => line.to_string(),
        };
        match record.bytes().filter(|&b| b == b'"').count() % 2 {
            0 => out.push(record),
            _ => open = Some(record),
        }
    }
    out.extend(open);
    out
}

/// Every record of every CSV part file under `dir`, recursively (see `records`), skipping
/// files and directories whose names start with `.` or `_` (staging, success markers). A
/// missing directory has no records.
pub fn read_csv_dir(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut lines = Vec::new();
    if !dir.exists() {
        return Ok(lines);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let path = e.path();
            if e.file_type()?.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path)?;
                lines.extend(records(&text));
            }
        }
    }
    Ok(lines)
}

/// The Flink SQL type name for an Arrow type of a query's output, for sink DDL.
pub fn flink_type_name(t: &DataType) -> Option<String> {
    Some(match t {
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p}, {s})"),
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => "STRING".into(),
        DataType::Date32 => "DATE".into(),
        _ => return None,
    })
}

/// Sink column names for a query's output: its field names where they are plain lowercase
/// identifiers (`sum(lineitem.l_quantity)` is not), else `col<i>`; unique.
pub fn sink_column_names(schema: &Schema) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        let n = f.name();
        let plain = n
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let mut name = if plain {
            n.clone()
        } else {
            format!("col{}", i + 1)
        };
        while names.contains(&name) {
            name.push('_');
        }
        names.push(name);
    }
    names
}

/// `CREATE TABLE <table> (<columns typed like schema>) WITH ('connector'='filesystem',
/// 'path'='<path>', 'format'='csv');`
pub fn csv_sink_ddl(table: &str, schema: &Schema, path: &Path) -> Result<String, BoxError> {
    let names = sink_column_names(schema);
    let mut cols = Vec::new();
    for (name, f) in names.iter().zip(schema.fields()) {
        // integers as BIGINT: the reference's types are DataFusion's (EXTRACT gives INT),
        // Weft's Flink's (BIGINT), and an INSERT may widen but not narrow
        let widened = match f.data_type() {
            DataType::Int8 | DataType::Int16 | DataType::Int32 => DataType::Int64,
            t => t.clone(),
        };
        let ty = flink_type_name(&widened).ok_or_else(|| {
            format!(
                "no Flink type for column '{}' of type {} (table {table})",
                f.name(),
                f.data_type()
            )
        })?;
        cols.push(format!("  {name} {ty}"));
    }
    Ok(format!(
        "CREATE TABLE {table} (\n{}\n) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\n",
        cols.join(",\n"),
        path.display()
    ))
}

/// Indices of floating-point columns, whose text may differ in the last digits with the
/// order of summation.
pub fn float_columns(schema: &Schema) -> Vec<usize> {
    schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.data_type(), DataType::Float32 | DataType::Float64))
        .map(|(i, _)| i)
        .collect()
}

/// Indices of DECIMAL columns with more than 6 fraction digits: Flink's division keeps 6
/// digits of scale past 38 digits of precision (rounded HALF_UP) where DataFusion keeps
/// more, so Weft (Flink's types) and the DataFusion reference agree to 6 digits there.
pub fn decimal_columns(schema: &Schema) -> Vec<usize> {
    schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.data_type(), DataType::Decimal128(_, s) if *s > 6))
        .map(|(i, _)| i)
        .collect()
}

/// Java's `BigDecimal` text (`1.5E+3`, `2E-7`) in plain digits (None if it is not one).
fn plain_decimal(text: &str) -> Option<String> {
    let Some((mant, exp)) = text.split_once('E') else {
        return Some(text.to_string());
    };
    let exp: i64 = exp.parse().ok()?;
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = format!("{int}{frac}");
    // the point sits after `point` digits
    let point = int.len() as i64 + exp;
    let mut out = String::from(if neg { "-" } else { "" });
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else if point as usize >= digits.len() {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    }
    Some(out)
}

/// A decimal's text rounded HALF_UP to 6 fraction digits (None if it is not a decimal).
fn round_decimal6(text: &str) -> Option<String> {
    let plain = plain_decimal(text)?;
    let text = plain.as_str();
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut frac: Vec<u8> = frac.bytes().map(|b| b - b'0').collect();
    let up = frac.get(6).is_some_and(|d| *d >= 5);
    frac.resize(6, 0);
    let mut all: Vec<u8> = int.bytes().map(|b| b - b'0').chain(frac).collect();
    if up {
        let mut i = all.len();
        loop {
            if i == 0 {
                all.insert(0, 1);
                break;
            }
            i -= 1;
            if all[i] == 9 {
                all[i] = 0;
            } else {
                all[i] += 1;
                break;
            }
        }
    }
    let split = all.len() - 6;
    let int: String = all[..split].iter().map(|d| (b'0' + d) as char).collect();
    let int = int.trim_start_matches('0');
    let frac: String = all[split..].iter().map(|d| (b'0' + d) as char).collect();
    let zero = int.is_empty() && frac.bytes().all(|b| b == b'0');
    let sign = if neg && !zero { "-" } else { "" };
    Some(format!(
        "{sign}{}.{frac}",
        if int.is_empty() { "0" } else { int }
    ))
}

/// One CSV line with its quoting removed: the fields joined by `,` as a Java reader that
/// prints values (the Iceberg and Hive probes) shows them.
pub fn csv_values(line: &str) -> String {
    split_csv(line).join(",")
}

/// Split one CSV line (Flink's quoting: `"` quotes, `""` escapes) into raw fields.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                fields.last_mut().unwrap().push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// `line` with its floating-point fields rounded to 6 fraction digits and 10 significant
/// digits and its
/// [`decimal_columns`] to 6 fraction digits.
fn round_inexact(line: &str, float_cols: &[usize], decimal_cols: &[usize]) -> String {
    if float_cols.is_empty() && decimal_cols.is_empty() {
        return line.to_string();
    }
    split_csv(line)
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            if decimal_cols.contains(&i) {
                return round_decimal6(&f).unwrap_or(f);
            }
            match f.parse::<f64>() {
                // 6 fraction digits first: where DataFusion computes a DOUBLE from decimal
                // literals (`100.00 * … / …`), Weft computes Flink's DECIMAL of scale 6
                Ok(v) if float_cols.contains(&i) => {
                    let v = (v * 1e6).round() / 1e6;
                    format!("{v:.9e}")
                }
                _ => f,
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Compare two results as sorted lines (floating-point columns rounded to 6 fraction and 10
/// significant digits, long-scale decimals to 6 fraction digits). On a difference, a readable report: row counts and the first lines only in one
/// side.
pub fn compare_lines(
    expected: &[String],
    actual: &[String],
    float_cols: &[usize],
    decimal_cols: &[usize],
) -> Result<(), String> {
    let norm = |v: &[String]| {
        let mut v: Vec<String> = v
            .iter()
            .map(|l| round_inexact(l, float_cols, decimal_cols))
            .collect();
        v.sort();
        v
    };
    let (e, a) = (norm(expected), norm(actual));
    if e == a {
        return Ok(());
    }
    // Multiset difference of the sorted lines.
    let (mut only_e, mut only_a) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < e.len() || j < a.len() {
        match (e.get(i), a.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                only_e.push(x.clone());
                i += 1;
            }
            (Some(_), Some(y)) => {
                only_a.push(y.clone());
                j += 1;
            }
            (Some(x), None) => {
                only_e.push(x.clone());
                i += 1;
            }
            (None, Some(y)) => {
                only_a.push(y.clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    const SHOW: usize = 5;
    let mut msg = format!(
        "expected {} row(s), got {}; {} expected row(s) missing, {} unexpected row(s)",
        e.len(),
        a.len(),
        only_e.len(),
        only_a.len()
    );
    for l in only_e.iter().take(SHOW) {
        msg.push_str(&format!("\n    - {l}"));
    }
    if only_e.len() > SHOW {
        msg.push_str(&format!("\n    - … {} more", only_e.len() - SHOW));
    }
    for l in only_a.iter().take(SHOW) {
        msg.push_str(&format!("\n    + {l}"));
    }
    if only_a.len() > SHOW {
        msg.push_str(&format!("\n    + … {} more", only_a.len() - SHOW));
    }
    Err(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::Field;

    #[test]
    fn csv_split_and_rounding() {
        assert_eq!(split_csv(r#"a,"b,c","d""e""#), vec!["a", "b,c", r#"d"e"#]);
        assert_eq!(
            round_inexact("x,0.30000000000000004", &[1], &[]),
            round_inexact("x,0.3", &[1], &[])
        );
        assert_eq!(
            round_inexact("15.486546", &[0], &[]),
            round_inexact("15.48654581", &[0], &[])
        );
        // Flink's q14 answer (6 digits of scale) and DataFusion's (more), as sink text
        assert_eq!(
            round_inexact("28.931498000000000000", &[], &[0]),
            round_inexact("28.931497762301455000", &[], &[0])
        );
        assert_eq!(round_decimal6("-0.0000004").unwrap(), "0.000000");
        assert_eq!(round_decimal6("9.9999995").unwrap(), "10.000000");
        assert_eq!(round_decimal6("-12.5").unwrap(), "-12.500000");
        assert_eq!(round_decimal6("abc"), None);
        // Java's BigDecimal text, as Flink's CSV writer prints a DECIMAL
        assert_eq!(round_decimal6("1.5E+3").unwrap(), "1500.000000");
        assert_eq!(round_decimal6("-1E+2").unwrap(), "-100.000000");
        assert_eq!(round_decimal6("2.5E-7").unwrap(), "0.000000");
        assert_eq!(round_decimal6("1.23456789E-3").unwrap(), "0.001235");
    }

    #[test]
    fn diff_reports_both_sides() {
        let e = vec!["1,a".to_string(), "2,b".to_string()];
        let a = vec!["2,b".to_string(), "3,c".to_string()];
        let m = compare_lines(&e, &a, &[], &[]).unwrap_err();
        assert!(m.contains("- 1,a") && m.contains("+ 3,c"), "{m}");
        assert!(compare_lines(&e, &[e[1].clone(), e[0].clone()], &[], &[]).is_ok());
    }

    #[test]
    fn sink_names() {
        let s = Schema::new(vec![
            Field::new("c_name", DataType::Utf8, true),
            Field::new(
                "sum(lineitem.l_quantity)",
                DataType::Decimal128(25, 2),
                true,
            ),
        ]);
        assert_eq!(sink_column_names(&s), vec!["c_name", "col2"]);
        let ddl = csv_sink_ddl("q18_out", &s, Path::new("/tmp/q18")).unwrap();
        assert!(ddl.contains("col2 DECIMAL(25, 2)"), "{ddl}");
    }
}
