//! Flink's literal types must not break DataFusion's matching of expressions: a GROUP BY
//! expression with a literal matches the same SELECT expression (`GROUP BY id % 4`), and
//! every TPC-H query (`integration/queries`) plans and runs through Flink's layer. Typing
//! GROUP BY literals twice (`CAST(CAST(4 AS INT) AS INT)`) once failed both.

use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

fn context() -> SessionContext {
    weft_flink_sql::flink_context(SessionConfig::new().with_target_partitions(2))
}

async fn run(
    ctx: &SessionContext,
    sql: &str,
) -> datafusion::error::Result<Vec<arrow::array::RecordBatch>> {
    let plan = weft_flink_sql::plan_sql(&ctx.state(), sql).await?;
    ctx.execute_logical_plan(plan).await?.collect().await
}

#[tokio::test]
async fn group_by_expressions_with_literals_match_the_select_list() {
    let ctx = context();
    let b = run(
        &ctx,
        "SELECT id % 4, COUNT(*), id + 1 FROM (VALUES (1), (5), (2)) AS t(id) GROUP BY id % 4, id + 1 HAVING COUNT(*) > 0 ORDER BY 1, 3",
    )
    .await
    .unwrap();
    assert_eq!(b[0].schema().field(0).data_type(), &DataType::Int32);
    let k = b[0].column(0).as_primitive::<Int32Type>();
    let n = b[0].column(1).as_primitive::<Int64Type>();
    assert_eq!((k.value(0), n.value(0)), (1, 1));
    assert_eq!(k.len(), 3);
}

// the columns of the TPC-H tables, as weft-connectors' generator gives them:
// I = BIGINT, i = INT, S = STRING, M = DECIMAL(15, 2), D = DATE
const TABLES: &[(&str, &str)] = &[
    (
        "customer",
        "c_custkey I,c_name S,c_address S,c_nationkey I,c_phone S,c_acctbal M,c_mktsegment S,c_comment S",
    ),
    (
        "lineitem",
        "l_orderkey I,l_partkey I,l_suppkey I,l_linenumber i,l_quantity M,l_extendedprice M,l_discount M,l_tax M,l_returnflag S,l_linestatus S,l_shipdate D,l_commitdate D,l_receiptdate D,l_shipinstruct S,l_shipmode S,l_comment S",
    ),
    ("nation", "n_nationkey I,n_name S,n_regionkey I,n_comment S"),
    (
        "orders",
        "o_orderkey I,o_custkey I,o_orderstatus S,o_totalprice M,o_orderdate D,o_orderpriority S,o_clerk S,o_shippriority i,o_comment S",
    ),
    (
        "part",
        "p_partkey I,p_name S,p_mfgr S,p_brand S,p_type S,p_size i,p_container S,p_retailprice M,p_comment S",
    ),
    (
        "partsupp",
        "ps_partkey I,ps_suppkey I,ps_availqty i,ps_supplycost M,ps_comment S",
    ),
    ("region", "r_regionkey I,r_name S,r_comment S"),
    (
        "supplier",
        "s_suppkey I,s_name S,s_address S,s_nationkey I,s_phone S,s_acctbal M,s_comment S",
    ),
];

#[tokio::test]
async fn tpch_queries_plan_and_run() {
    let ctx = context();
    for (table, columns) in TABLES {
        let fields: Vec<Field> = columns
            .split(',')
            .map(|c| {
                let (name, kind) = c.split_once(' ').unwrap();
                let t = match kind {
                    "I" => DataType::Int64,
                    "i" => DataType::Int32,
                    "S" => DataType::Utf8View,
                    "M" => DataType::Decimal128(15, 2),
                    _ => DataType::Date32,
                };
                Field::new(name, t, false)
            })
            .collect();
        let empty = MemTable::try_new(Arc::new(Schema::new(fields)), vec![vec![]]).unwrap();
        ctx.register_table(*table, Arc::new(empty)).unwrap();
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../integration/queries");
    let mut failed = Vec::new();
    for q in 1..=22 {
        let sql = std::fs::read_to_string(format!("{dir}/q{q}.sql")).unwrap();
        if let Err(e) = run(&ctx, &sql).await {
            failed.push(format!("q{q}: {}", e.strip_backtrace()));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
