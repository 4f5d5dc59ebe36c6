//! Every connector plan node survives encode → decode and executes to the same rows.

mod common;

use std::sync::Arc;

use arrow::array::AsArray;
use arrow::datatypes::{DataType, UInt64Type};
use common::*;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::bytes::{
    physical_plan_from_bytes_with_extension_codec, physical_plan_to_bytes_with_extension_codec,
};
use weft_connectors::{FileSinkExec, default_registry};
use weft_core::catalog::{ConnectorRegistry, SinkContext};
use weft_core::config::Configuration;

fn roundtrip(
    reg: &ConnectorRegistry,
    ctx: &datafusion::prelude::SessionContext,
    p: &Arc<dyn ExecutionPlan>,
) -> Arc<dyn ExecutionPlan> {
    let bytes = physical_plan_to_bytes_with_extension_codec(p.clone(), reg.codec.as_ref()).unwrap();
    physical_plan_from_bytes_with_extension_codec(&bytes, &ctx.task_ctx(), reg.codec.as_ref())
        .unwrap()
}

fn gen_table() -> weft_core::catalog::TableDef {
    table(
        "gen",
        &[
            ("id", DataType::Int64),
            ("name", DataType::Utf8),
            ("d", DataType::Decimal128(8, 3)),
        ],
        &[],
        &[
            ("connector", "datagen"),
            ("number-of-rows", "100"),
            ("fields.id.kind", "sequence"),
            ("fields.id.start", "1"),
            ("fields.id.end", "100"),
        ],
    )
}

#[tokio::test]
async fn generators_roundtrip() {
    let reg = default_registry();
    let ctx = session(&reg, 3);
    ctx.register_table("gen", source(&reg, &gen_table()).await)
        .unwrap();
    let lineitem = table(
        "lineitem",
        &[],
        &[],
        &[
            ("connector", "tpch"),
            ("table", "supplier"),
            ("scale", "0.01"),
        ],
    );
    ctx.register_table("supplier", source(&reg, &lineitem).await)
        .unwrap();
    for (sql, node) in [
        ("SELECT * FROM gen", "DatagenExec"),
        ("SELECT s_name, s_suppkey FROM supplier", "TpchExec"),
    ] {
        let p = plan(&ctx, sql).await;
        let shown = |p: &Arc<dyn ExecutionPlan>| {
            datafusion::physical_plan::displayable(p.as_ref())
                .indent(false)
                .to_string()
        };
        assert!(shown(&p).contains(node), "{}", shown(&p));
        let decoded = roundtrip(&reg, &ctx, &p);
        assert_eq!(shown(&p), shown(&decoded));
        let a: Vec<_> = run_partitions(&ctx, &p)
            .await
            .into_iter()
            .flatten()
            .collect();
        let b: Vec<_> = run_partitions(&ctx, &decoded)
            .await
            .into_iter()
            .flatten()
            .collect();
        assert!(!a.is_empty());
        assert_eq!(lines(&a), lines(&b), "{sql}");
    }
}

#[tokio::test]
async fn file_sink_roundtrip() {
    let reg = default_registry();
    let ctx = session(&reg, 2);
    ctx.register_table("gen", source(&reg, &gen_table()).await)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = table(
        "t",
        &[
            ("id", DataType::Int64),
            ("name", DataType::Utf8),
            ("d", DataType::Decimal128(8, 3)),
        ],
        &[],
        &[
            ("connector", "filesystem"),
            ("path", dir.path().to_str().unwrap()),
            ("format", "parquet"),
        ],
    );
    let input = plan(&ctx, "SELECT * FROM gen").await;
    let c = reg.for_table(&t).unwrap();
    let sink = c
        .create_sink(
            &t,
            input,
            &SinkContext {
                job_id: "j".into(),
                overwrite: false,
                config: Configuration::new(),
            },
        )
        .await
        .unwrap();
    let decoded = roundtrip(&reg, &ctx, &sink.plan);
    assert!(decoded.as_ref().is::<FileSinkExec>());
    let mut rows = 0;
    for b in run_partitions(&ctx, &decoded).await.into_iter().flatten() {
        rows += b.column(0).as_primitive::<UInt64Type>().value(0);
    }
    assert_eq!(rows, 100);
    c.commit(&sink.commit).await.unwrap();
    let ctx2 = session(&reg, 2);
    ctx2.register_table("t", source(&reg, &t).await).unwrap();
    let back = query(&ctx2, "SELECT * FROM t").await;
    let orig = query(&ctx, "SELECT * FROM gen").await;
    assert_eq!(lines(&[back]), lines(&[orig]));
}
