//! The `delta` connector: Delta Lake tables (the `deltalake` crate) on the local disk or any
//! store Weft has (HDFS, S3).
//!
//! Writes: sink subtasks stage Parquet files under `<path>/.staging_<jobId>/` (the
//! filesystem sink); when the job succeeds the JobManager commits them to the Delta log in
//! one transaction: an append, an overwrite (INSERT OVERWRITE), or, for a table with a
//! `PRIMARY KEY`, a MERGE (upsert by key). Each commit carries a Delta `txn` action (the
//! job's id as application id; a streaming job's name and table with the checkpoint id as
//! version), so a commit retried or replayed after a failure is never applied twice.
//! A failed job commits nothing.
//!
//! Reads: the table's current files, from its log at planning.

pub mod changelog;
pub mod commit;

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::physical_plan::ExecutionPlan;
use serde::{Deserialize, Serialize};
use url::Url;
use weft_core::catalog::{CommitSpec, CommitSummary, Connector, SinkContext, SinkPlan, TableDef};
use weft_core::config::Configuration;
use weft_core::{Result, WeftError};

use crate::filesystem::options::normalize_path;
use crate::filesystem::{CommitPlan, FilesystemConnector};

pub const DELTA_OPTIONS: &[&str] = &["path"];

pub struct DeltaConnector {
    fs: FilesystemConnector,
    object_stores: Arc<dyn ObjectStoreRegistry>,
}

impl DeltaConnector {
    pub fn new(object_stores: Arc<dyn ObjectStoreRegistry>) -> Self {
        Self {
            fs: FilesystemConnector::new(object_stores.clone()),
            object_stores,
        }
    }
}

/// `CommitSpec.spec` of the delta connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeltaCommit {
    /// The staged Parquet files (the filesystem sink's plan).
    pub files: CommitPlan,
    pub table_url: String,
    pub primary_key: Vec<String>,
    pub partition_keys: Vec<String>,
    pub overwrite: bool,
    /// Delta `txn` application id: the job id, or for a streaming job its name and table.
    pub app_id: String,
    /// Delta `txn` version: 1 for a batch job, the checkpoint id for a streaming epoch; a
    /// commit whose application already reached this version is skipped.
    #[serde(default = "first_version")]
    pub txn_version: i64,
}

fn first_version() -> i64 {
    1
}

fn table_url(t: &TableDef) -> Result<Url> {
    t.check_options(DELTA_OPTIONS)?;
    let url =
        normalize_path(t.required("path")?).map_err(|e| WeftError::table_option(&t.name, e))?;
    Url::parse(&url).map_err(|e| WeftError::table_option(&t.name, e.to_string()))
}

/// The filesystem connector's view: Parquet files staged under the table directory.
fn staging_def(t: &TableDef, url: &Url) -> TableDef {
    let mut def = t.clone();
    def.partition_keys.clear();
    def.options.clear();
    def.options.insert("connector".into(), "filesystem".into());
    def.options.insert("path".into(), url.to_string());
    def.options.insert("format".into(), "parquet".into());
    def
}

fn check_keys(t: &TableDef) -> Result<()> {
    for k in t.primary_key.iter().chain(&t.partition_keys) {
        if t.column_type(k).is_none() {
            return Err(WeftError::table_option(
                &t.name,
                format!("key column '{k}' is not a declared column"),
            ));
        }
    }
    Ok(())
}

#[async_trait]
impl Connector for DeltaConnector {
    fn identifier(&self) -> &'static str {
        "delta"
    }

    fn resolve_schema(&self, t: &TableDef) -> Result<arrow::datatypes::SchemaRef> {
        table_url(t)?;
        if t.columns.is_empty() {
            return Err(WeftError::table_option(
                &t.name,
                "connector 'delta' needs declared columns",
            ));
        }
        check_keys(t)?;
        Ok(t.schema())
    }

    /// Delta's timestamps are microseconds whatever the declared precision.
    async fn resolve(&self, t: &TableDef) -> Result<TableDef> {
        let t = t.clone().with_microsecond_timestamps();
        self.resolve_schema(&t)?;
        Ok(t)
    }

    async fn create_source(
        &self,
        t: &TableDef,
        _config: &Configuration,
    ) -> Result<Arc<dyn TableProvider>> {
        let url = table_url(t)?;
        let table = commit::open(self.object_stores.as_ref(), &url).await?;
        if table.version().is_none() {
            return Err(WeftError::table_option(
                &t.name,
                format!("{url} is not a Delta table (no _delta_log); write it first"),
            ));
        }
        let files: Vec<String> = table
            .get_file_uris()
            .map_err(|e| WeftError::io(format!("reading the Delta log of {url}: {e}")))?
            .collect();
        let schema = t.schema();
        if files.is_empty() {
            return Ok(Arc::new(datafusion::datasource::empty::EmptyTable::new(
                schema,
            )));
        }
        let data_schema = Arc::new(arrow::datatypes::Schema::new(t.data_columns()));
        let partition_cols = t
            .partition_keys
            .iter()
            .map(|k| {
                (
                    k.clone(),
                    t.column_type(k)
                        .cloned()
                        .unwrap_or(arrow::datatypes::DataType::Utf8),
                )
            })
            .collect();
        crate::exec_util::parquet_files_table(&files, data_schema, partition_cols)
    }

    async fn create_sink(
        &self,
        t: &TableDef,
        input: Arc<dyn ExecutionPlan>,
        ctx: &SinkContext,
    ) -> Result<SinkPlan> {
        let url = table_url(t)?;
        check_keys(t)?;
        if ctx.overwrite && !t.primary_key.is_empty() {
            return Err(WeftError::table_option(
                &t.name,
                "INSERT OVERWRITE into a table with a PRIMARY KEY: use INSERT INTO (it upserts by key)",
            ));
        }
        // Reach the table (and its store) now: a bad path fails planning, not the commit.
        commit::open(self.object_stores.as_ref(), &url).await?;
        let mut staging = staging_def(t, &url);
        let input = if changelog::reads_changelog(&input) {
            if t.primary_key.is_empty() {
                return Err(WeftError::table_option(
                    &t.name,
                    "the query writes a changelog (a CDC source): declare the table's PRIMARY KEY so updates and deletes apply by key",
                ));
            }
            // Stage the row kinds and order with the rows.
            staging
                .columns
                .extend(crate::kafka::source::changelog_fields());
            changelog::carry(input)?
        } else {
            input
        };
        // Staged under `.staging_<job>_<table>/`: several sinks of one job may write one
        // Delta table (a pipeline routing sharded tables into one), each committing its own.
        let staging_ctx = SinkContext {
            job_id: format!("{}_{}", ctx.job_id, t.name),
            ..ctx.clone()
        };
        let mut sink = self.fs.create_sink(&staging, input, &staging_ctx).await?;
        let files: CommitPlan = serde_json::from_value(sink.commit.spec.clone())
            .map_err(|e| WeftError::internal(e.to_string()))?;
        let (app_id, txn_version) = crate::exec_util::commit_identity(ctx, &t.name);
        let spec = DeltaCommit {
            files,
            table_url: url.to_string(),
            primary_key: t.primary_key.clone(),
            partition_keys: t.partition_keys.clone(),
            overwrite: ctx.overwrite,
            app_id,
            txn_version,
        };
        sink.commit = CommitSpec {
            connector: self.identifier().to_string(),
            table: t.name.clone(),
            spec: serde_json::to_value(&spec).map_err(|e| WeftError::internal(e.to_string()))?,
        };
        Ok(sink)
    }

    async fn commit(&self, spec: &CommitSpec) -> Result<CommitSummary> {
        let c: DeltaCommit = parse(spec)?;
        commit::commit(self.object_stores.as_ref(), &c).await
    }

    async fn abort(&self, spec: &CommitSpec) -> Result<()> {
        let c: DeltaCommit = parse(spec)?;
        commit::discard(self.object_stores.as_ref(), &c).await
    }
}

fn parse(spec: &CommitSpec) -> Result<DeltaCommit> {
    serde_json::from_value(spec.spec.clone()).map_err(|e| {
        WeftError::internal(format!("bad delta commit spec for `{}`: {e}", spec.table))
    })
}
