//! The Iceberg commit is exactly-once: committing the same job's staged files twice (a
//! retried commit, or a replayed checkpoint) adds one snapshot; another application appends.
//! Real files, real Iceberg metadata and Avro manifests.

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use weft_connectors::filesystem::{CommitPlan, Manifest, StagedFile};
use weft_connectors::iceberg::IcebergCommit;
use weft_connectors::iceberg::commit::{commit, live_files, load};
use weft_connectors::iceberg::metadata::{Metadata, new_schema, new_spec};
use weft_core::catalog::TableDef;

/// Stage one Parquet file per partition value of `ids` (partitioned by `dt`).
fn stage(dir: &std::path::Path, ids: std::ops::Range<i64>, dt: &str) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("dt", DataType::Utf8, true),
    ]));
    let n = ids.end - ids.start;
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from_iter_values(ids)),
            Arc::new(StringArray::from(vec![dt; n as usize])),
        ],
    )
    .unwrap();
    let rel = format!("dt={dt}/part-{dt}.parquet");
    std::fs::create_dir_all(dir.join(format!("dt={dt}"))).unwrap();
    std::fs::create_dir_all(dir.join("_manifests")).unwrap();
    let file = std::fs::File::create(dir.join(&rel)).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let manifest = Manifest {
        subtask: 0,
        files: vec![StagedFile {
            path: rel,
            rows: n as u64,
            bytes: 0,
        }],
    };
    std::fs::write(
        dir.join("_manifests/subtask-0.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
}

#[tokio::test]
async fn a_replayed_checkpoint_is_committed_once() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t");
    let staging = table.join(".staging_job1");
    let url = url::Url::from_directory_path(&table).unwrap();
    let mut def = TableDef::with_options("t", &[]);
    def.columns = vec![
        Field::new("id", DataType::Int64, false),
        Field::new("dt", DataType::Utf8, true),
    ];
    let (schema, name_mapping) = new_schema(&def).unwrap();
    let spec = IcebergCommit {
        files: CommitPlan {
            url: url.to_string(),
            staging_url: url::Url::from_directory_path(&staging).unwrap().to_string(),
            overwrite: false,
            partition_keys: vec!["dt".into()],
            format: "parquet".into(),
            success_file: None,
            deferred: None,
        },
        location: url.to_string(),
        spec: new_spec(&schema, &["dt".into()]).unwrap(),
        schema,
        name_mapping,
        overwrite: false,
        app_id: "weft-ingest-t".into(),
        checkpoint_id: 1,
        job_id: "job1".into(),
        default_partition_name: "__DEFAULT_PARTITION__".into(),
    };
    let registry = weft_connectors::default_registry();
    let store = registry.object_stores.get_store(&url).unwrap();
    let store = store.as_ref();
    let total = |files: Vec<(String, i64)>| files.iter().map(|f| f.1).sum::<i64>();

    stage(&staging, 0..100, "2024-01-01");
    commit(store, &spec).await.unwrap();
    let cur = load(store, &url).await.unwrap().unwrap();
    assert_eq!(cur.version, 1);
    assert_eq!(
        total(live_files(store, &url, &cur.metadata).await.unwrap()),
        100
    );
    assert!(!staging.exists(), "the staging directory was not removed");
    assert!(
        table
            .join("data/dt=2024-01-01/part-2024-01-01.parquet")
            .is_file()
    );

    // The same checkpoint again (the job died after the commit, before its checkpoint
    // was recorded): nothing is added, the staged files are discarded.
    stage(&staging, 0..100, "2024-01-01");
    commit(store, &spec).await.unwrap();
    let cur = load(store, &url).await.unwrap().unwrap();
    assert_eq!(cur.version, 1);
    assert!(!staging.exists());

    // The next checkpoint appends: two snapshots, the second one's parent the first.
    let next = IcebergCommit {
        checkpoint_id: 2,
        ..spec.clone()
    };
    stage(&staging, 100..150, "2024-01-02");
    commit(store, &next).await.unwrap();
    let cur = load(store, &url).await.unwrap().unwrap();
    assert_eq!(cur.version, 2);
    let files = live_files(store, &url, &cur.metadata).await.unwrap();
    assert_eq!((files.len(), total(files)), (2, 150));
    let history = Metadata(&cur.metadata).ancestry();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["summary"]["weft.checkpoint-id"], "2");
    assert_eq!(history[0]["summary"]["total-records"], "150");
    assert_eq!(cur.metadata["last-sequence-number"], 2);

    // A stale hint: readers still find the newest version.
    std::fs::write(table.join("metadata/version-hint.text"), "1").unwrap();
    assert_eq!(load(store, &url).await.unwrap().unwrap().version, 2);

    // INSERT OVERWRITE from another job replaces the table's files.
    let over = IcebergCommit {
        overwrite: true,
        app_id: "weft-job3".into(),
        ..spec.clone()
    };
    stage(&staging, 500..510, "2024-01-03");
    commit(store, &over).await.unwrap();
    let cur = load(store, &url).await.unwrap().unwrap();
    assert_eq!(
        total(live_files(store, &url, &cur.metadata).await.unwrap()),
        10
    );
    assert_eq!(
        Metadata(&cur.metadata).current_snapshot().unwrap()["summary"]["operation"],
        "overwrite"
    );
}
