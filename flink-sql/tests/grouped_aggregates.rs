//! Flink's AVG over groups (its vectorized groups accumulator) gives what the row-wise
//! accumulator gives for each group alone: integers truncated, DECIMALs rounded half up
//! at scale max(6, s), doubles, NULLs skipped, FILTER honoured.

use datafusion::arrow::util::display::array_value_to_string;
use datafusion::prelude::{SessionConfig, SessionContext};

const DATA: &str = "(VALUES (1, 7, CAST(1.05 AS DECIMAL(10, 2)), 1.5e0), (1, 8, CAST(2.10 AS DECIMAL(10, 2)), 2.5e0), \
    (1, CAST(NULL AS INT), CAST(NULL AS DECIMAL(10, 2)), CAST(NULL AS DOUBLE)), (2, -7, CAST(-1.05 AS DECIMAL(10, 2)), -1.0e0), \
    (2, -8, CAST(0.01 AS DECIMAL(10, 2)), 4.0e0), (3, CAST(NULL AS INT), CAST(NULL AS DECIMAL(10, 2)), CAST(NULL AS DOUBLE))) AS t(k, i, d, f)";

async fn rows(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let mut out = Vec::new();
    for b in &batches {
        for r in 0..b.num_rows() {
            let cells: Vec<String> = (0..b.num_columns())
                .map(|c| array_value_to_string(b.column(c), r).unwrap())
                .collect();
            out.push(cells.join("|"));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn avg_over_groups_matches_avg_of_each_group() {
    // Several partitions, so partial states are merged too.
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(3));
    weft_flink_sql::register_functions(&ctx);
    let aggs = "AVG(i), AVG(d), AVG(f), AVG(i) FILTER (WHERE i > 7)";
    let grouped = rows(&ctx, &format!("SELECT k, {aggs} FROM {DATA} GROUP BY k")).await;
    let mut one_by_one = Vec::new();
    for k in 1..=3 {
        for r in rows(
            &ctx,
            &format!("SELECT {k}, {aggs} FROM {DATA} WHERE k = {k}"),
        )
        .await
        {
            one_by_one.push(r);
        }
    }
    one_by_one.sort();
    assert_eq!(grouped, one_by_one);
    // Flink's answers: INT truncated toward zero, DECIMAL(38, 6) half up.
    assert_eq!(grouped[0], "1|7|1.575000|2.0|8");
    assert_eq!(grouped[1], "2|-7|-0.520000|1.5|");
    assert_eq!(grouped[2], "3||||");
}
