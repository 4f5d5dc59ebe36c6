//! Flink's string functions read Utf8View arguments (what Weft's sources give) in place:
//! each expression must give the same rows over a Utf8View column as over a Utf8 one,
//! including the fast paths (LIKE through Arrow's kernel, one-pattern regexes, ASCII case
//! mapping, EXTRACT of a DATE, pieces of long values returned as views into the input). Runs with `cargo test --workspace --test string_views`.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, RecordBatch, StringArray, StringViewArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::util::display::array_value_to_string;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionConfig;

const TEXT: [Option<&str>; 8] = [
    Some("  carefully final deposits  "),
    Some("a_c"),
    Some("abc"),
    Some("line\nbreak"),
    Some("Ünïcödé straße"),
    Some(""),
    None,
    Some("furiously ironic, the packages sleep"),
];

const EXPRESSIONS: &[&str] = &[
    "UPPER(s)",
    "LOWER(s)",
    "INITCAP(s)",
    "TRIM(s)",
    "LTRIM(s)",
    "RTRIM(s)",
    "SUBSTRING(s, 3, 4)",
    "SUBSTRING(s, -3)",
    "SUBSTRING(s, 2)",
    "SUBSTRING(s, 3, 20)",
    "LEFT(s, 15)",
    "RIGHT(s, 14)",
    "TRIM(BOTH ' af' FROM s)",
    "SPLIT_INDEX(s, ',', 0)",
    "SPLIT_INDEX(s, ',', 1)",
    "CHAR_LENGTH(s)",
    "CONCAT(s, '|', s)",
    "CONCAT_WS('-', s, 'x', s)",
    "REPLACE(s, 'e', 'E')",
    "LPAD(s, 12, '*')",
    "RPAD(s, 5, 'ab')",
    "LOCATE('e', s)",
    "SPLIT_INDEX(s, ' ', 1)",
    "REGEXP_REPLACE(s, '[aeiou]', '')",
    "REGEXP_EXTRACT(s, '([a-z]+)ly', 1)",
    "REGEXP(s, 'fur.*ly')",
    "s LIKE '%the%'",
    "s LIKE 'a_c'",
    "s LIKE 'line%'",
    "s LIKE '%break'",
    "s LIKE 'line_break'",
    "s NOT LIKE '%a%'",
    "s SIMILAR TO '(a|b)%'",
    "MD5(s)",
    "TO_BASE64(s)",
    "REVERSE(s)",
    "PRINTF('%s!', s)",
    "EXTRACT(YEAR FROM d)",
    "DAYOFWEEK(d)",
    "QUARTER(d)",
];

fn table(view: bool) -> Arc<MemTable> {
    let strings: ArrayRef = if view {
        Arc::new(StringViewArray::from(TEXT.to_vec()))
    } else {
        Arc::new(StringArray::from(TEXT.to_vec()))
    };
    let days: ArrayRef = Arc::new(Date32Array::from(vec![
        Some(0),
        Some(-1),
        Some(10_000),
        Some(19_000),
        None,
        Some(-719_162),
        Some(2_932_896),
        Some(9_862),
    ]));
    let t = if view {
        DataType::Utf8View
    } else {
        DataType::Utf8
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("s", t, true),
        Field::new("d", DataType::Date32, true),
    ]));
    let batch = RecordBatch::try_new(schema.clone(), vec![strings, days]).unwrap();
    Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap())
}

/// `SELECT <expr> FROM t` over the view (or Utf8) table, as Weft plans Flink SQL.
async fn select(view: bool, expr: &str) -> Vec<RecordBatch> {
    let ctx = weft_flink_sql::flink_context(SessionConfig::new().with_target_partitions(1));
    ctx.register_table("t", table(view)).unwrap();
    let sql = format!("SELECT {expr} FROM t");
    let plan = weft_flink_sql::plan_sql(&ctx.state(), &sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    ctx.execute_logical_plan(plan)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql} (views: {view}): {e}"))
}

async fn rows(view: bool, expr: &str) -> Vec<String> {
    let batches = select(view, expr).await;
    let mut out = Vec::new();
    for b in batches {
        for i in 0..b.num_rows() {
            let c = b.column(0);
            out.push(if c.is_null(i) {
                "NULL".to_string()
            } else {
                array_value_to_string(c, i).unwrap()
            });
        }
    }
    out
}

#[tokio::test]
async fn string_functions_answer_the_same_over_views_and_utf8() {
    for expr in EXPRESSIONS {
        let plain = rows(false, expr).await;
        let views = rows(true, expr).await;
        assert_eq!(plain.len(), TEXT.len(), "{expr}");
        assert_eq!(plain, views, "{expr}");
    }
}

#[tokio::test]
async fn like_fast_path_keeps_flinks_meaning() {
    // `_` is Java's `.`: no line terminator; `%` is anything, line breaks too.
    assert_eq!(
        rows(true, "s LIKE 'line_break'").await[3],
        "false",
        "`_` must not match a newline"
    );
    assert_eq!(rows(true, "s LIKE 'line%'").await[3], "true");
    assert_eq!(rows(true, "s LIKE 'a_c'").await[1..3], ["true", "true"]);
    // `\` is no escape character without ESCAPE.
    assert_eq!(rows(true, "s LIKE 'a\\_c'").await[1], "false");
    assert_eq!(rows(true, "s LIKE '%the%'").await[6], "NULL");
}

#[tokio::test]
async fn pieces_of_views_are_views() {
    for expr in [
        "SUBSTRING(s, 2)",
        "TRIM(s)",
        "SPLIT_INDEX(s, ' ', 1)",
        "LEFT(s, 15)",
    ] {
        let batches = select(true, expr).await;
        assert_eq!(
            batches[0].column(0).data_type(),
            &DataType::Utf8View,
            "{expr}"
        );
    }
}
