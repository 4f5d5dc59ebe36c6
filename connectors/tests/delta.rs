//! The Delta commit is exactly-once: committing the same job's staged files twice (a retried
//! commit after a JobManager failure) adds the rows once. Real files, a real Delta log.

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use weft_connectors::delta::DeltaCommit;
use weft_connectors::delta::commit::{commit, open};
use weft_connectors::filesystem::{CommitPlan, Manifest, StagedFile};

fn stage(dir: &std::path::Path, ids: std::ops::Range<i64>) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("v", DataType::Int64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from_iter_values(ids.clone())),
            Arc::new(Int64Array::from_iter_values(ids.clone().map(|i| i * 10))),
        ],
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("_manifests")).unwrap();
    let file = std::fs::File::create(dir.join("part-0.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let manifest = Manifest {
        subtask: 0,
        files: vec![StagedFile {
            path: "part-0.parquet".into(),
            rows: batch.num_rows() as u64,
            bytes: 0,
        }],
    };
    std::fs::write(
        dir.join("_manifests/subtask-0.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
}

async fn rows(url: &url::Url) -> usize {
    let registry = weft_connectors::default_registry();
    let t = open(registry.object_stores.as_ref(), url).await.unwrap();
    let ctx = datafusion::prelude::SessionContext::new();
    let files: Vec<String> = t.get_file_uris().unwrap().collect();
    let df = ctx
        .read_parquet(files, datafusion::prelude::ParquetReadOptions::default())
        .await
        .unwrap();
    df.count().await.unwrap()
}

#[tokio::test]
async fn a_retried_commit_adds_the_rows_once() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t");
    let staging = table.join(".staging_job1");
    let url = url::Url::from_directory_path(&table).unwrap();
    let spec = DeltaCommit {
        files: CommitPlan {
            url: url.to_string(),
            staging_url: url::Url::from_directory_path(&staging).unwrap().to_string(),
            overwrite: false,
            partition_keys: vec![],
            format: "parquet".into(),
            success_file: None,
            deferred: None,
        },
        table_url: url.to_string(),
        primary_key: vec![],
        partition_keys: vec![],
        overwrite: false,
        app_id: "weft-job1".into(),
        txn_version: 1,
    };
    let registry = weft_connectors::default_registry();
    let stores = registry.object_stores.as_ref();
    stage(&staging, 0..100);
    commit(stores, &spec).await.unwrap();
    assert_eq!(rows(&url).await, 100);
    assert!(!staging.exists(), "the staging directory was not removed");

    // The JobManager died after the Delta commit but before it recorded it, and commits
    // again with the same staged files: the job's txn in the log makes it a no-op.
    stage(&staging, 0..100);
    commit(stores, &spec).await.unwrap();
    assert_eq!(rows(&url).await, 100);
    assert!(!staging.exists());

    // Another job appends.
    let other = DeltaCommit {
        app_id: "weft-job2".into(),
        ..spec.clone()
    };
    stage(&staging, 100..150);
    commit(stores, &other).await.unwrap();
    assert_eq!(rows(&url).await, 150);
}
