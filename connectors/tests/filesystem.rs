//! filesystem sink → commit → source round trips, overwrite, abort and errors, on local disk.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow::array::AsArray;
use arrow::datatypes::{DataType, Int64Type, UInt64Type};
use common::*;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;
use weft_connectors::default_registry;
use weft_core::catalog::{ConnectorRegistry, SinkContext, SinkPlan, TableDef};
use weft_core::config::Configuration;

fn gen_def(rows: u64) -> TableDef {
    let rows = rows.to_string();
    table(
        "gen",
        &[("id", DataType::Int64), ("name", DataType::Utf8)],
        &[],
        &[
            ("connector", "datagen"),
            ("number-of-rows", &rows),
            ("fields.id.kind", "sequence"),
            ("fields.id.start", "1"),
            ("fields.id.end", "1000000"),
            ("fields.name.length", "6"),
            ("fields.name.null-rate", "0.1"),
        ],
    )
}

fn fs_def(path: &Path, format: &str, partitioned: bool) -> TableDef {
    let p = path.to_str().unwrap();
    table(
        "t",
        &[
            ("id", DataType::Int64),
            ("name", DataType::Utf8),
            ("dt", DataType::Utf8),
        ],
        if partitioned { &["dt"] } else { &[] },
        &[
            ("connector", "filesystem"),
            ("path", p),
            ("format", format),
            ("csv.null-literal", "\\N"),
        ],
    )
}

/// Plan `SELECT ... FROM gen` into the sink of `t`, run every partition, return the sink
/// plan and the total rows the subtasks reported.
async fn write(
    reg: &ConnectorRegistry,
    ctx: &SessionContext,
    t: &TableDef,
    select: &str,
    job: &str,
    overwrite: bool,
) -> (SinkPlan, u64) {
    let input = plan(ctx, select).await;
    let sink = reg
        .for_table(t)
        .unwrap()
        .create_sink(
            t,
            input,
            &SinkContext {
                job_id: job.into(),
                overwrite,
                config: Configuration::new(),
            },
        )
        .await
        .unwrap();
    let mut rows = 0;
    for part in run_partitions(ctx, &sink.plan).await {
        assert_eq!(part.len(), 1, "one summary batch per subtask");
        rows += part[0].column(0).as_primitive::<UInt64Type>().value(0);
    }
    (sink, rows)
}

async fn read_count_sum(reg: &ConnectorRegistry, t: &TableDef, filter: &str) -> (i64, i64) {
    let ctx = session(reg, 2);
    ctx.register_table("t", source(reg, t).await).unwrap();
    let b = query(
        &ctx,
        &format!("SELECT count(*), coalesce(sum(id), 0) FROM t {filter}"),
    )
    .await;
    (
        b.column(0).as_primitive::<Int64Type>().value(0),
        b.column(1).as_primitive::<Int64Type>().value(0),
    )
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p.to_string_lossy().into_owned());
            }
        }
    }
    out
}

const SELECT: &str = "SELECT id, name, CAST(id % 3 AS VARCHAR) AS dt FROM gen";

#[tokio::test]
async fn round_trip_partitioned_all_formats() {
    for format in ["parquet", "csv", "json"] {
        let dir = tempfile::tempdir().unwrap();
        let reg = default_registry();
        let ctx = session(&reg, 3);
        ctx.register_table("gen", source(&reg, &gen_def(300)).await)
            .unwrap();
        let t = fs_def(dir.path(), format, true);
        let (sink, rows) = write(&reg, &ctx, &t, SELECT, "job1", false).await;
        assert_eq!(rows, 300, "{format}");
        assert!(dir.path().join(".staging_job1/dt=0").is_dir(), "{format}");
        let c = reg.for_table(&t).unwrap();
        let summary = c.commit(&sink.commit).await.unwrap();
        assert_eq!(summary.partitions, 3);
        assert!(summary.files >= 3);
        assert!(
            !dir.path().join(".staging_job1").exists(),
            "{format}: staging left"
        );
        for k in 0..3 {
            let d = dir.path().join(format!("dt={k}"));
            assert!(d.is_dir(), "{format}: {d:?}");
            let names: Vec<_> = std::fs::read_dir(&d)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            assert!(
                names
                    .iter()
                    .all(|n| n.starts_with("part-") && n.ends_with(format)),
                "{names:?}"
            );
        }
        // Hidden files are not read.
        std::fs::write(dir.path().join("_SUCCESS"), b"garbage").unwrap();
        std::fs::write(dir.path().join("dt=0/.part-x.crc"), b"garbage").unwrap();
        assert_eq!(
            read_count_sum(&reg, &t, "").await,
            (300, 300 * 301 / 2),
            "{format}"
        );
        assert_eq!(read_count_sum(&reg, &t, "WHERE dt = '1'").await.0, 100);
        // Nulls survive (name has a null rate).
        let ctx2 = session(&reg, 2);
        ctx2.register_table("t", source(&reg, &t).await).unwrap();
        let back = query(&ctx2, "SELECT id, name, dt FROM t ORDER BY id").await;
        let orig = query(
            &ctx,
            "SELECT id, name, CAST(id % 3 AS VARCHAR) AS dt FROM gen ORDER BY id",
        )
        .await;
        assert_eq!(lines(&[back]), lines(&[orig]), "{format}");
    }
}

#[tokio::test]
async fn unpartitioned_overwrite_replaces_and_rolls_files() {
    let dir = tempfile::tempdir().unwrap();
    let reg = default_registry();
    // Small batches: files roll between batches.
    let ctx = session_with_batch_size(&reg, 2, 100);
    ctx.register_table("gen", source(&reg, &gen_def(1000)).await)
        .unwrap();
    let mut t = fs_def(dir.path(), "csv", false);
    t.options
        .insert("sink.rolling-policy.file-size".into(), "1kb".into());
    let c = reg.for_table(&t).unwrap().clone();
    let (sink, _) = write(&reg, &ctx, &t, SELECT, "a", false).await;
    let s = c.commit(&sink.commit).await.unwrap();
    assert!(s.files > 4, "rolling by size gave only {} files", s.files);
    let (sink, _) = write(&reg, &ctx, &t, SELECT, "b", false).await;
    c.commit(&sink.commit).await.unwrap();
    assert_eq!(read_count_sum(&reg, &t, "").await.0, 2000);
    let (sink, _) = write(
        &reg,
        &ctx,
        &t,
        "SELECT id, name, 'x' AS dt FROM gen WHERE id <= 10",
        "c",
        true,
    )
    .await;
    c.commit(&sink.commit).await.unwrap();
    assert_eq!(read_count_sum(&reg, &t, "").await, (10, 55));
}

#[tokio::test]
async fn partitioned_overwrite_is_dynamic() {
    let dir = tempfile::tempdir().unwrap();
    let reg = default_registry();
    let ctx = session(&reg, 2);
    ctx.register_table("gen", source(&reg, &gen_def(30)).await)
        .unwrap();
    let t = fs_def(dir.path(), "parquet", true);
    let c = reg.for_table(&t).unwrap().clone();
    let (sink, _) = write(&reg, &ctx, &t, SELECT, "a", false).await;
    c.commit(&sink.commit).await.unwrap();
    // Overwrite only partition dt=1, with 2 rows.
    let (sink, _) = write(
        &reg,
        &ctx,
        &t,
        "SELECT id, name, '1' AS dt FROM gen WHERE id <= 2",
        "b",
        true,
    )
    .await;
    c.commit(&sink.commit).await.unwrap();
    assert_eq!(read_count_sum(&reg, &t, "WHERE dt = '1'").await, (2, 3));
    assert_eq!(read_count_sum(&reg, &t, "WHERE dt <> '1'").await.0, 20);
}

#[tokio::test]
async fn abort_leaves_nothing_and_nulls_go_to_default_partition() {
    let dir = tempfile::tempdir().unwrap();
    let reg = default_registry();
    let ctx = session(&reg, 2);
    ctx.register_table("gen", source(&reg, &gen_def(50)).await)
        .unwrap();
    let t = fs_def(dir.path(), "json", true);
    let c = reg.for_table(&t).unwrap().clone();
    let (sink, _) = write(
        &reg,
        &ctx,
        &t,
        "SELECT id, name, name AS dt FROM gen",
        "a",
        false,
    )
    .await;
    assert!(
        dir.path()
            .join(".staging_a/dt=__DEFAULT_PARTITION__")
            .is_dir()
    );
    c.abort(&sink.commit).await.unwrap();
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn scan_plan_survives_serialization() {
    let dir = tempfile::tempdir().unwrap();
    let reg = default_registry();
    let ctx = session(&reg, 2);
    ctx.register_table("gen", source(&reg, &gen_def(100)).await)
        .unwrap();
    let t = fs_def(dir.path(), "parquet", true);
    let (sink, _) = write(&reg, &ctx, &t, SELECT, "a", false).await;
    reg.for_table(&t)
        .unwrap()
        .commit(&sink.commit)
        .await
        .unwrap();

    let ctx2 = session(&reg, 2);
    ctx2.register_table("t", source(&reg, &t).await).unwrap();
    let p = plan(&ctx2, "SELECT dt, id FROM t WHERE dt = '2'").await;
    let bytes = datafusion_proto::bytes::physical_plan_to_bytes_with_extension_codec(
        p.clone(),
        reg.codec.as_ref(),
    )
    .unwrap();
    let decoded: Arc<dyn ExecutionPlan> =
        datafusion_proto::bytes::physical_plan_from_bytes_with_extension_codec(
            &bytes,
            &ctx2.task_ctx(),
            reg.codec.as_ref(),
        )
        .unwrap();
    let a: Vec<_> = run_partitions(&ctx2, &p)
        .await
        .into_iter()
        .flatten()
        .collect();
    let b: Vec<_> = run_partitions(&ctx2, &decoded)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(lines(&a), lines(&b));
    assert_eq!(lines(&a).len(), 33);
}

#[tokio::test]
async fn option_and_path_errors() {
    let reg = default_registry();
    let cfg = Configuration::new();
    let dir = tempfile::tempdir().unwrap();
    let c = reg.get("filesystem").unwrap();

    let missing = dir.path().join("nope");
    let t = fs_def(&missing, "csv", false);
    let e = c.create_source(&t, &cfg).await.unwrap_err();
    assert!(matches!(e, weft_core::WeftError::Io { .. }), "{e:?}");
    let e = e.to_string();
    assert!(
        e.contains("input path") && e.contains("of table `t` does not exist"),
        "{e}"
    );

    let t = fs_def(dir.path(), "orc", false);
    let e = c.create_source(&t, &cfg).await.unwrap_err().to_string();
    assert!(e.contains("parquet, csv, json"), "{e}");

    let mut t = fs_def(dir.path(), "csv", false);
    t.options.insert("csv.delimiter".into(), ";".into());
    let e = c.create_source(&t, &cfg).await.unwrap_err().to_string();
    assert!(
        e.contains("'csv.delimiter'") && e.contains("csv.field-delimiter"),
        "{e}"
    );

    let t = table(
        "t",
        &[("id", DataType::Int64)],
        &[],
        &[("connector", "filesystem"), ("format", "csv")],
    );
    let e = c.create_source(&t, &cfg).await.unwrap_err().to_string();
    assert!(e.contains("'path'"), "{e}");
}

#[tokio::test]
async fn unreachable_namenode_fails_fast() {
    let reg = default_registry();
    let c = reg.get("filesystem").unwrap();
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = table(
        "t",
        &[("id", DataType::Int64)],
        &[],
        &[
            ("connector", "filesystem"),
            ("format", "csv"),
            ("path", &format!("hdfs://127.0.0.1:{port}/data/t")),
        ],
    );
    let start = std::time::Instant::now();
    let e = c
        .create_source(&t, &Configuration::new())
        .await
        .unwrap_err()
        .to_string();
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    eprintln!("{e}");
    assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
}

#[tokio::test]
async fn re_executed_subtask_is_published_once() {
    let dir = tempfile::tempdir().unwrap();
    let reg = default_registry();
    let ctx = session(&reg, 2);
    ctx.register_table("gen", source(&reg, &gen_def(100)).await)
        .unwrap();
    let t = fs_def(dir.path(), "parquet", true);
    let input = plan(&ctx, SELECT).await;
    let sink = reg
        .for_table(&t)
        .unwrap()
        .create_sink(
            &t,
            input,
            &SinkContext {
                job_id: "f".into(),
                overwrite: false,
                config: Configuration::new(),
            },
        )
        .await
        .unwrap();
    // Subtask 0 runs twice (failover), subtask 1 once.
    for p in [0, 0, 1] {
        let s = sink.plan.execute(p, ctx.task_ctx()).unwrap();
        let _: Vec<_> = futures::TryStreamExt::try_collect(s).await.unwrap();
    }
    reg.for_table(&t)
        .unwrap()
        .commit(&sink.commit)
        .await
        .unwrap();
    assert_eq!(read_count_sum(&reg, &t, "").await, (100, 5050));
}

#[tokio::test]
async fn hdfs_without_default_fs_names_the_problem() {
    let reg = default_registry();
    let c = reg.get("filesystem").unwrap();
    let t = table(
        "t",
        &[("id", DataType::Int64)],
        &[],
        &[
            ("connector", "filesystem"),
            ("format", "csv"),
            ("path", "hdfs:///data/t"),
        ],
    );
    let e = c
        .create_source(&t, &Configuration::new())
        .await
        .unwrap_err()
        .to_string();
    eprintln!("{e}");
    assert!(
        e.contains("fs.defaultFS") && e.contains("HADOOP_CONF_DIR"),
        "{e}"
    );
}

/// Parquet and CSV tables read their STRING data columns as views (no per-scan cast);
/// partition columns and JSON keep `Utf8`. Rows read as views are written back into a
/// `Utf8` table and read again unchanged.
#[tokio::test]
async fn strings_are_read_as_views_and_written_back_as_strings() {
    let dir = tempfile::tempdir().unwrap();
    let reg = default_registry();
    let ctx = session(&reg, 2);
    ctx.register_table("gen", source(&reg, &gen_def(50)).await)
        .unwrap();
    let t = fs_def(&dir.path().join("a"), "parquet", true);
    let (sink, _) = write(&reg, &ctx, &t, SELECT, "job1", false).await;
    reg.for_table(&t)
        .unwrap()
        .commit(&sink.commit)
        .await
        .unwrap();

    let read = source(&reg, &t).await.schema();
    assert_eq!(
        read.field_with_name("name").unwrap().data_type(),
        &DataType::Utf8View
    );
    assert_eq!(
        read.field_with_name("dt").unwrap().data_type(),
        &DataType::Utf8
    );
    assert_eq!(
        read.field_with_name("id").unwrap().data_type(),
        &DataType::Int64
    );
    let csv = fs_def(&dir.path().join("c"), "csv", false);
    std::fs::create_dir_all(dir.path().join("c")).unwrap();
    let csv_schema = source(&reg, &csv).await.schema();
    assert_eq!(
        csv_schema.field_with_name("name").unwrap().data_type(),
        &DataType::Utf8View,
        "Flink's CSV reader reads strings as views too"
    );

    // Views into a Utf8 table: same rows back.
    ctx.register_table("a", source(&reg, &t).await).unwrap();
    let copy = fs_def(&dir.path().join("b"), "parquet", false);
    let (sink, rows) = write(
        &reg,
        &ctx,
        &copy,
        "SELECT id, name, dt FROM a",
        "job2",
        false,
    )
    .await;
    assert_eq!(rows, 50);
    reg.for_table(&copy)
        .unwrap()
        .commit(&sink.commit)
        .await
        .unwrap();
    let ctx2 = session(&reg, 2);
    ctx2.register_table("a", source(&reg, &t).await).unwrap();
    ctx2.register_table("b", source(&reg, &copy).await).unwrap();
    let q = |t: &str| format!("SELECT id, name, dt FROM {t} ORDER BY id");
    assert_eq!(
        lines(&[query(&ctx2, &q("a")).await]),
        lines(&[query(&ctx2, &q("b")).await])
    );
}

#[tokio::test]
async fn a_path_may_name_a_single_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, "1,ann\n2,bob\n3,cy\n").unwrap();
    // A sibling that a directory path would also read: a file path must not.
    std::fs::write(dir.path().join("other.csv"), "9,zed\n").unwrap();
    let reg = default_registry();
    let ctx = session(&reg, 2);
    let t = table(
        "people",
        &[("id", DataType::Int64), ("name", DataType::Utf8)],
        &[],
        &[
            ("connector", "filesystem"),
            ("path", file.to_str().unwrap()),
            ("format", "csv"),
        ],
    );
    ctx.register_table("people", source(&reg, &t).await)
        .unwrap();
    let b = query(&ctx, "SELECT COUNT(*) AS n, SUM(id) AS s FROM people").await;
    let n = b
        .column(0)
        .as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .unwrap()
        .value(0);
    let s = b
        .column(1)
        .as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .unwrap()
        .value(0);
    assert_eq!((n, s), (3, 6));
}

#[tokio::test]
async fn csv_comment_lines_are_skipped_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("people.csv"),
        "# exported 2026-12-01\n1,ann\n# a note\n2,bob\n",
    )
    .unwrap();
    let reg = default_registry();
    let ctx = session(&reg, 1);
    let t = table(
        "people",
        &[("id", DataType::Int64), ("name", DataType::Utf8)],
        &[],
        &[
            ("connector", "filesystem"),
            ("path", dir.path().to_str().unwrap()),
            ("format", "csv"),
            ("csv.allow-comments", "true"),
        ],
    );
    ctx.register_table("people", source(&reg, &t).await)
        .unwrap();
    let b = query(&ctx, "SELECT COUNT(*) AS n, SUM(id) AS s FROM people").await;
    let col = |i: usize| {
        b.column(i)
            .as_any()
            .downcast_ref::<arrow::array::Int64Array>()
            .unwrap()
            .value(0)
    };
    assert_eq!((col(0), col(1)), (2, 3));
}

/// A Parquet column held in a type the declared one cannot take is refused when the scan is
/// planned, naming the table, the file and the column; a wider declared type reads.
#[tokio::test]
async fn parquet_column_types_are_checked_against_the_files_at_planning() {
    let dir = tempfile::tempdir().unwrap();
    let reg = default_registry();
    let ctx = session(&reg, 2);
    ctx.register_table("gen", source(&reg, &gen_def(20)).await)
        .unwrap();
    let t = fs_def(&dir.path().join("p"), "parquet", false);
    let (sink, _) = write(&reg, &ctx, &t, SELECT, "job1", false).await;
    reg.for_table(&t)
        .unwrap()
        .commit(&sink.commit)
        .await
        .unwrap();
    let declared = |id: DataType, name: DataType| {
        let mut d = fs_def(&dir.path().join("p"), "parquet", false);
        d.columns[0] = arrow::datatypes::Field::new("id", id, true);
        d.columns[1] = arrow::datatypes::Field::new("name", name, true);
        d
    };
    for (d, column, held) in [
        (declared(DataType::Int64, DataType::Int32), "name", "STRING"),
        (declared(DataType::Int32, DataType::Utf8), "id", "BIGINT"),
    ] {
        let ctx = session(&reg, 2);
        ctx.register_table("t", source(&reg, &d).await).unwrap();
        let err = ctx
            .sql("SELECT * FROM t")
            .await
            .unwrap()
            .create_physical_plan()
            .await
            .unwrap_err()
            .to_string();
        for needle in [
            format!("column `{column}` of table `t`"),
            "the Parquet file".to_string(),
            format!("holds it as {held}"),
        ] {
            assert!(err.contains(&needle), "{needle:?} not in {err}");
        }
    }
    // widening reads
    let ctx = session(&reg, 2);
    let wide = declared(DataType::Decimal128(25, 0), DataType::Utf8);
    ctx.register_table("t", source(&reg, &wide).await).unwrap();
    let b = query(&ctx, "SELECT COUNT(*) FROM t WHERE id > 0").await;
    assert_eq!(b.num_rows(), 1);
}
