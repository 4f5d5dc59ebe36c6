//! The `filesystem` connector (Flink's): Parquet / CSV / JSON files under a directory on the
//! local disk, HDFS or S3, optionally Hive-partitioned (`k=v/` directories).
//!
//! ```sql
//! CREATE TABLE events (id BIGINT, msg STRING, dt STRING) PARTITIONED BY (dt) WITH (
//!   'connector' = 'filesystem', 'path' = 'hdfs:///warehouse/events', 'format' = 'parquet');
//! ```
//!
//! Writes are staged in `<path>/.staging_<jobId>/` and published by [`commit`] (moves, and
//! for INSERT OVERWRITE first deletes the table's files or the partitions written), or
//! discarded by [`abort`]: a failed job leaves no output.

pub mod commit;
pub mod csv_read;
mod csv_text;
pub mod csv_write;
pub mod file_metadata;
pub mod json_read;
pub mod json_write;
pub mod native_source;
pub mod options;
pub mod parquet_types;
pub mod partition_commit;
pub mod partition_trigger;
pub mod row_split;
pub mod sink;
pub mod source;
mod writer;

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::physical_plan::ExecutionPlan;
use object_store::ObjectStore;
use url::Url;
use weft_core::catalog::{CommitSpec, CommitSummary, Connector, SinkContext, SinkPlan, TableDef};
use weft_core::config::Configuration;
use weft_core::error::unwrap_datafusion;
use weft_core::{Result, WeftError};

pub use commit::CommitPlan;
pub use options::{FILESYSTEM_OPTIONS, FORMATS, Format, FsOptions};
pub use partition_commit::PartitionCommit;
pub use sink::{FileSinkConfig, FileSinkExec, Manifest, StagedFile};
pub use source::FilesystemTable;

pub struct FilesystemConnector {
    object_stores: Arc<dyn ObjectStoreRegistry>,
}

impl FilesystemConnector {
    pub fn new(object_stores: Arc<dyn ObjectStoreRegistry>) -> Self {
        Self { object_stores }
    }

    fn store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.object_stores.get_store(url).map_err(unwrap_datafusion)
    }

    fn plan_of(&self, spec: &CommitSpec) -> Result<(CommitPlan, Arc<dyn ObjectStore>)> {
        let plan: CommitPlan = serde_json::from_value(spec.spec.clone()).map_err(|e| {
            WeftError::internal(format!(
                "bad filesystem commit spec for `{}`: {e}",
                spec.table
            ))
        })?;
        let url = Url::parse(&plan.url).map_err(|e| WeftError::internal(e.to_string()))?;
        let store = self.store(&url)?;
        Ok((plan, store))
    }
}

/// Partition keys must be declared columns.
fn check_partition_keys(table: &TableDef) -> Result<()> {
    for k in &table.partition_keys {
        if table.column_type(k).is_none() {
            return Err(WeftError::table_option(
                &table.name,
                format!(
                    "PARTITIONED BY column '{k}' is not a declared column; columns: {}",
                    table
                        .columns
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if !table.partition_keys.is_empty() && table.data_columns().is_empty() {
        return Err(WeftError::table_option(
            &table.name,
            "every column is a partition key; a filesystem table needs at least one data column",
        ));
    }
    Ok(())
}

#[async_trait]
impl Connector for FilesystemConnector {
    fn identifier(&self) -> &'static str {
        "filesystem"
    }

    fn resolve_schema(&self, table: &TableDef) -> Result<arrow::datatypes::SchemaRef> {
        FsOptions::from_table(table)?;
        if table.columns.is_empty() {
            return Err(WeftError::table_option(
                &table.name,
                "connector 'filesystem' needs declared columns",
            ));
        }
        check_partition_keys(table)?;
        Ok(table.schema())
    }

    fn readable_metadata(&self) -> Vec<(&'static str, arrow::datatypes::DataType)> {
        file_metadata::readable()
    }

    async fn create_source(
        &self,
        table: &TableDef,
        _config: &Configuration,
    ) -> Result<Arc<dyn TableProvider>> {
        let options = FsOptions::from_table(table)?;
        check_partition_keys(table)?;
        source::create_source(table, &options, self.object_stores.as_ref()).await
    }

    async fn create_sink(
        &self,
        table: &TableDef,
        input: Arc<dyn ExecutionPlan>,
        ctx: &SinkContext,
    ) -> Result<SinkPlan> {
        let options = FsOptions::from_table(table)?;
        check_partition_keys(table)?;
        if let Some(e) = options.csv.escape.filter(|&e| e != b'\\')
            && options.format == options::Format::Csv
        {
            return Err(WeftError::table_option(
                &table.name,
                format!(
                    "writing CSV with 'csv.escape-character' = '{}' is not supported yet (only '\\' is); read the table, or write it without the option",
                    char::from(e).escape_default()
                ),
            ));
        }
        let input_schema = input.schema();
        for f in table.columns.iter() {
            if input_schema.index_of(f.name()).is_err() {
                return Err(WeftError::table_option(
                    &table.name,
                    format!("the query writing into it has no column '{}'", f.name()),
                ));
            }
        }
        // Validate the store now (unknown scheme, bad S3 config) rather than in a subtask.
        self.store(&options.url())?;
        let staging_url = options
            .url()
            .join(&format!(".staging_{}/", ctx.job_id))
            .map_err(|e| WeftError::internal(e.to_string()))?
            .to_string();
        let commit = PartitionCommit::from_table(table, "")?;
        if commit.metastore {
            return Err(WeftError::table_option(
                &table.name,
                "sink.partition-commit.policy.kind 'metastore' needs a table in a Hive Metastore: use 'connector' = 'hive'",
            ));
        }
        let plan = CommitPlan {
            url: options.url.clone(),
            staging_url: staging_url.clone(),
            overwrite: ctx.overwrite,
            partition_keys: table.partition_keys.clone(),
            format: options.format.extension().to_string(),
            success_file: commit.success_file,
            deferred: match ctx.config.raw(weft_core::config::STREAMING_CHECKPOINT_ID) {
                Some(_) => Some(PartitionCommit::deferred(table)?),
                None => None,
            },
        };
        let config = FileSinkConfig {
            table: table.name.clone(),
            options,
            staging_url,
            partition_keys: table.partition_keys.clone(),
            data_columns: table
                .data_columns()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
            field_ids: vec![],
        };
        Ok(SinkPlan {
            plan: Arc::new(FileSinkExec::new(input, config)),
            commit: CommitSpec {
                connector: self.identifier().to_string(),
                table: table.name.clone(),
                spec: serde_json::to_value(&plan)
                    .map_err(|e| WeftError::internal(e.to_string()))?,
            },
        })
    }

    async fn commit(&self, spec: &CommitSpec) -> Result<CommitSummary> {
        let (plan, store) = self.plan_of(spec)?;
        commit::commit(store.as_ref(), &plan).await
    }

    async fn abort(&self, spec: &CommitSpec) -> Result<()> {
        let (plan, store) = self.plan_of(spec)?;
        commit::abort(store.as_ref(), &plan).await
    }
}
