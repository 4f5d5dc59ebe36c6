//! `FileSinkExec`: each input partition writes its own files into the job's staging
//! directory `<path>/.staging_<jobId>/` (under `k=v/` directories for partition columns, which
//! are dropped from the data like Hive does), then records them in a manifest
//! `_manifests/subtask-<i>.json` and yields one summary batch (rows, bytes).
//!
//! File names follow Flink: `part-<uuid>-<subtask>-<n>.<ext>`; the uuid is new for every
//! execution, and only the files in the manifest the last successful attempt wrote are
//! published by the commit, so a re-executed partition (failover) never duplicates rows.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, UInt32Array, UInt64Array};
use arrow::compute::{cast, take_record_batch};
use arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use futures::StreamExt;
use object_store::path::{Path, PathPart};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use url::Url;
use weft_core::catalog::sink_summary_schema;

use super::options::FsOptions;
use super::writer::FileWriter;
use crate::object_stores::store_path;

/// Directory (inside the staging directory) holding one manifest per subtask.
pub const MANIFEST_DIR: &str = "_manifests";

/// What a `FileSinkExec` is, as serialized by the codec (its input travels separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSinkConfig {
    pub table: String,
    pub options: FsOptions,
    /// `<path>/.staging_<jobId>/`
    pub staging_url: String,
    pub partition_keys: Vec<String>,
    /// The data columns (not partition keys) in the table's declared order: the column
    /// order of the files written.
    pub data_columns: Vec<String>,
    /// Parquet field ids of `data_columns` (Iceberg readers match columns by id); empty for
    /// none.
    #[serde(default)]
    pub field_ids: Vec<i64>,
}

/// A file a subtask staged, relative to the staging directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StagedFile {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
}

/// What one subtask wrote; the commit publishes exactly these files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub subtask: usize,
    pub files: Vec<StagedFile>,
}

#[derive(Debug)]
pub struct FileSinkExec {
    input: Arc<dyn ExecutionPlan>,
    config: FileSinkConfig,
    properties: Arc<PlanProperties>,
}

impl FileSinkExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, config: FileSinkConfig) -> Self {
        let properties = crate::exec_util::sink_properties(&input);
        Self {
            input,
            config,
            properties,
        }
    }

    pub fn config(&self) -> &FileSinkConfig {
        &self.config
    }

    pub fn input(&self) -> &Arc<dyn ExecutionPlan> {
        &self.input
    }
}

impl DisplayAs for FileSinkExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "FileSinkExec: table={}, format={:?}, staging={}",
            self.config.table, self.config.options.format, self.config.staging_url
        )
    }
}

impl ExecutionPlan for FileSinkExec {
    crate::exec_util::sink_exec_methods!("FileSinkExec");

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context.clone())?;
        let staging = Url::parse(&self.config.staging_url)
            .map_err(|e| DataFusionError::Internal(format!("bad staging url: {e}")))?;
        let store_url = ObjectStoreUrl::parse(crate::object_stores::store_key(&staging))?;
        let store = context.runtime_env().object_store(&store_url)?;
        let config = self.config.clone();
        let fut = async move {
            let mut writer =
                PartitionedWriter::new(config, store, &staging, partition, input.schema())?;
            let mut input = input;
            while let Some(batch) = input.next().await {
                writer.write(&batch?).await?;
            }
            writer.finish().await
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            sink_summary_schema(),
            futures::stream::once(fut),
        )))
    }
}

/// Writes one subtask's rows: one open file per partition directory, rolled by size.
struct PartitionedWriter {
    config: FileSinkConfig,
    store: Arc<dyn ObjectStore>,
    staging: Path,
    subtask: usize,
    attempt: String,
    key_columns: Vec<(String, usize)>,
    data_columns: Vec<usize>,
    data_schema: SchemaRef,
    open: HashMap<String, (FileWriter, StagedFile)>,
    counters: HashMap<String, usize>,
    manifest: Manifest,
}

impl PartitionedWriter {
    fn new(
        config: FileSinkConfig,
        store: Arc<dyn ObjectStore>,
        staging: &Url,
        subtask: usize,
        schema: SchemaRef,
    ) -> Result<Self> {
        let mut key_columns = Vec::new();
        for k in &config.partition_keys {
            key_columns.push((k.clone(), schema.index_of(k)?));
        }
        let data_columns: Vec<usize> = config
            .data_columns
            .iter()
            .map(|c| schema.index_of(c))
            .collect::<std::result::Result<_, _>>()?;
        let data_schema = schema.project(&data_columns)?;
        let fields: Vec<_> = data_schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| match config.field_ids.get(i) {
                Some(id) => Arc::new(f.as_ref().clone().with_metadata(HashMap::from([(
                    parquet::arrow::PARQUET_FIELD_ID_META_KEY.to_string(),
                    id.to_string(),
                )]))),
                None => f.clone(),
            })
            .collect();
        Ok(Self {
            staging: store_path(staging)?,
            config,
            store,
            subtask,
            attempt: uuid::Uuid::new_v4().to_string(),
            key_columns,
            data_columns,
            data_schema: Arc::new(Schema::new(fields)),
            open: HashMap::new(),
            counters: HashMap::new(),
            manifest: Manifest {
                subtask,
                files: vec![],
            },
        })
    }

    async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let data = batch.project(&self.data_columns)?;
        if self.key_columns.is_empty() {
            return self.write_to(String::new(), &data).await;
        }
        let keys: Vec<ArrayRef> = self
            .key_columns
            .iter()
            .map(|(_, i)| cast(batch.column(*i), &DataType::Utf8))
            .collect::<std::result::Result<_, _>>()?;
        let keys: Vec<&arrow::array::StringArray> = keys
            .iter()
            .map(arrow::array::AsArray::as_string::<i32>)
            .collect();
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, Vec<u32>> = HashMap::new();
        for row in 0..batch.num_rows() {
            let dir = self
                .key_columns
                .iter()
                .zip(&keys)
                .map(|((name, _), values)| {
                    let v = if arrow::array::Array::is_null(values, row)
                        || values.value(row).is_empty()
                    {
                        self.config.options.default_partition_name.clone()
                    } else {
                        escape_partition_value(values.value(row))
                    };
                    format!("{name}={v}")
                })
                .collect::<Vec<_>>()
                .join("/");
            groups
                .entry(dir)
                .or_insert_with_key(|d| {
                    order.push(d.clone());
                    Vec::new()
                })
                .push(row as u32);
        }
        for dir in order {
            let rows = groups.remove(&dir).unwrap_or_default();
            let part = if rows.len() == data.num_rows() {
                data.clone()
            } else {
                take_record_batch(&data, &UInt32Array::from(rows))?
            };
            self.write_to(dir, &part).await?;
        }
        Ok(())
    }

    async fn write_to(&mut self, dir: String, batch: &RecordBatch) -> Result<()> {
        if !self.open.contains_key(&dir) {
            let n = self.counters.entry(dir.clone()).or_insert(0);
            let name = format!(
                "part-{}-{}-{}.{}",
                self.attempt,
                self.subtask,
                *n,
                self.config.options.format.extension()
            );
            *n += 1;
            let mut path = self.staging.clone();
            let mut rel = Vec::new();
            for seg in dir.split('/').filter(|s| !s.is_empty()) {
                path = path.join(PathPart::from(seg));
                rel.push(seg.to_string());
            }
            path = path.join(name.as_str());
            rel.push(name);
            let writer = FileWriter::open(
                self.store.clone(),
                path,
                self.data_schema.clone(),
                &self.config.options,
            )?;
            let file = StagedFile {
                path: rel.join("/"),
                rows: 0,
                bytes: 0,
            };
            self.open.insert(dir.clone(), (writer, file));
        }
        let (writer, file) = self.open.get_mut(&dir).expect("opened above");
        writer.write(batch, &self.config.options).await?;
        file.rows += batch.num_rows() as u64;
        if let Some(limit) = self.config.options.rolling_file_size
            && writer.size() >= limit
        {
            let (writer, file) = self.open.remove(&dir).expect("present");
            self.close(writer, file).await?;
        }
        Ok(())
    }

    async fn close(&mut self, writer: FileWriter, mut file: StagedFile) -> Result<()> {
        file.bytes = writer.close().await?;
        self.manifest.files.push(file);
        Ok(())
    }

    async fn finish(mut self) -> Result<RecordBatch> {
        let mut open: Vec<_> = self.open.drain().collect();
        open.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, (writer, file)) in open {
            self.close(writer, file).await?;
        }
        let rows: u64 = self.manifest.files.iter().map(|f| f.rows).sum();
        let bytes: u64 = self.manifest.files.iter().map(|f| f.bytes).sum();
        let manifest_path = self
            .staging
            .clone()
            .join(MANIFEST_DIR)
            .join(format!("subtask-{}.json", self.subtask).as_str());
        let json = serde_json::to_vec(&self.manifest)
            .map_err(|e| DataFusionError::Internal(format!("manifest: {e}")))?;
        self.store
            .put(&manifest_path, PutPayload::from(json))
            .await
            .map_err(|e| DataFusionError::ObjectStore(Box::new(e)))?;
        Ok(RecordBatch::try_new(
            sink_summary_schema(),
            vec![
                Arc::new(UInt64Array::from(vec![rows])),
                Arc::new(UInt64Array::from(vec![bytes])),
            ],
        )?)
    }
}

/// Hive's `escapePathName`: characters that are special in paths become `%XX`.
pub fn escape_partition_value(v: &str) -> String {
    if v.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        let special = (c as u32) < 0x20 || c == '\u{7f}' || "\"#%'*/:=?\\{[]^".contains(c);
        if special {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}
