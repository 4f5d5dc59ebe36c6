//! The `iceberg` connector: Apache Iceberg tables (format version 2) in a Hadoop catalog —
//! a table is a directory with `metadata/v<N>.metadata.json` — on the local disk, HDFS or S3.
//!
//! Options: `path` (the table directory), or Flink's Hadoop-catalog options
//! `catalog-type` = `hadoop`, `warehouse`, `catalog-database` (default `default`) and
//! `catalog-table` (default: the table's name), the table then being
//! `<warehouse>/<database>/<table>`.
//!
//! Writes: sink subtasks stage Parquet files (every column, partition keys included, as
//! Iceberg expects) under `<table>/.staging_<jobId>/`; when the job succeeds the JobManager
//! commits them as one snapshot (`commit.rs`): an append, or for INSERT OVERWRITE an
//! overwrite. A new table is created by the first commit from the declared columns, with an
//! identity partition per PARTITIONED BY key. The snapshot summary records the application
//! (job, or streaming job + table) and checkpoint id, so a replayed checkpoint is never
//! committed twice. Row-level changes (a CDC changelog) are refused: use the delta connector.
//!
//! Reads: the current snapshot's data files, from its manifests, at planning.

pub mod avro;
pub mod commit;
pub mod metadata;

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::physical_plan::ExecutionPlan;
use object_store::ObjectStore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;
use weft_core::catalog::{CommitSpec, CommitSummary, Connector, SinkContext, SinkPlan, TableDef};
use weft_core::config::Configuration;
use weft_core::error::unwrap_datafusion;
use weft_core::{Result, WeftError};

use crate::filesystem::options::normalize_path;
use crate::filesystem::{CommitPlan, FileSinkExec, FilesystemConnector};
use metadata::Metadata;

pub const ICEBERG_OPTIONS: &[&str] = &[
    "path",
    "catalog-name",
    "catalog-type",
    "warehouse",
    "catalog-database",
    "catalog-table",
    "format-version",
    "write.format.default",
    "partition.default-name",
];

pub struct IcebergConnector {
    fs: FilesystemConnector,
    object_stores: Arc<dyn ObjectStoreRegistry>,
}

impl IcebergConnector {
    pub fn new(object_stores: Arc<dyn ObjectStoreRegistry>) -> Self {
        Self {
            fs: FilesystemConnector::new(object_stores.clone()),
            object_stores,
        }
    }

    fn store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.object_stores.get_store(url).map_err(unwrap_datafusion)
    }
}

/// `CommitSpec.spec` of the iceberg connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IcebergCommit {
    /// The staged Parquet files (the filesystem sink's plan).
    pub files: CommitPlan,
    /// The table directory URL.
    pub location: String,
    /// For a table the commit creates: schema 0, partition spec 0 and the name mapping.
    pub schema: Value,
    pub spec: Value,
    pub name_mapping: Value,
    pub overwrite: bool,
    /// Recorded in the snapshot summary: the job, or a streaming job's name and table.
    pub app_id: String,
    /// 1 for a batch job, the checkpoint id for a streaming epoch.
    pub checkpoint_id: i64,
    pub job_id: String,
    /// The directory name of a null partition value.
    pub default_partition_name: String,
}

/// The table directory from `path` or the Hadoop-catalog options.
fn location(t: &TableDef) -> Result<Url> {
    t.check_options(ICEBERG_OPTIONS)?;
    let bad = |m: String| WeftError::table_option(&t.name, m);
    if let Some(v) = t.option("format-version")
        && v.trim() != "2"
    {
        return Err(bad(format!(
            "'format-version' = '{v}': Weft writes Iceberg format version 2"
        )));
    }
    if let Some(v) = t.option("write.format.default")
        && !v.eq_ignore_ascii_case("parquet")
    {
        return Err(bad(format!(
            "'write.format.default' = '{v}': Weft writes Parquet data files"
        )));
    }
    let path = match (t.option("path"), t.option("warehouse")) {
        (Some(p), None) => p.to_string(),
        (None, Some(w)) => {
            match t.option("catalog-type").unwrap_or("hadoop") {
                "hadoop" => {}
                other => {
                    return Err(bad(format!(
                        "'catalog-type' = '{other}': Weft reads and writes Hadoop-catalog tables ('catalog-type' = 'hadoop')"
                    )));
                }
            }
            let db = t.option("catalog-database").unwrap_or("default");
            let table = t.option("catalog-table").unwrap_or(&t.name);
            format!("{}/{db}/{table}", w.trim_end_matches('/'))
        }
        (Some(_), Some(_)) => {
            return Err(bad("give either 'path' or 'warehouse' (with 'catalog-database' and 'catalog-table'), not both".into()));
        }
        (None, None) => {
            return Err(bad("missing option 'path' (the table directory), or 'warehouse' with 'catalog-type' = 'hadoop'".into()));
        }
    };
    let url = normalize_path(&path).map_err(bad)?;
    Url::parse(&url).map_err(|e| bad(e.to_string()))
}

#[async_trait]
impl Connector for IcebergConnector {
    fn identifier(&self) -> &'static str {
        "iceberg"
    }

    fn resolve_schema(&self, t: &TableDef) -> Result<arrow::datatypes::SchemaRef> {
        location(t)?;
        Ok(t.schema())
    }

    /// An existing table gives its columns and partition keys to a declaration without
    /// them; declared ones must match it. A new table needs declared columns.
    async fn resolve(&self, t: &TableDef) -> Result<TableDef> {
        // Iceberg's timestamps are microseconds whatever the declared precision
        let t = &t.clone().with_microsecond_timestamps();
        let url = location(t)?;
        let bad = |m: String| WeftError::table_option(&t.name, m);
        let current = commit::load(self.store(&url)?.as_ref(), &url).await?;
        let mut def = t.clone();
        let Some(current) = current else {
            if t.columns.is_empty() {
                return Err(bad(format!(
                    "there is no Iceberg table at {url}; declare its columns to create it with an INSERT"
                )));
            }
            let (schema, _) = metadata::new_schema(t).map_err(bad)?;
            metadata::new_spec(&schema, &t.partition_keys).map_err(bad)?;
            return Ok(def);
        };
        let (columns, keys) = Metadata(&current.metadata)
            .columns()
            .map_err(|e| bad(format!("Iceberg table {url}: {e}")))?;
        if t.columns.is_empty() {
            def.columns = columns;
        } else {
            for f in &t.columns {
                if !columns.iter().any(|c| c.name() == f.name()) {
                    let names: Vec<&str> = columns.iter().map(|c| c.name().as_str()).collect();
                    return Err(bad(format!(
                        "column '{}' is not in the Iceberg table at {url} (its columns: {})",
                        f.name(),
                        names.join(", ")
                    )));
                }
            }
        }
        if t.partition_keys.is_empty() {
            def.partition_keys = keys;
        } else if t.partition_keys != keys {
            return Err(bad(format!(
                "PARTITIONED BY ({}) differs from the Iceberg table's partitioning ({}) at {url}",
                t.partition_keys.join(", "),
                keys.join(", ")
            )));
        }
        Ok(def)
    }

    async fn create_source(
        &self,
        t: &TableDef,
        _config: &Configuration,
    ) -> Result<Arc<dyn TableProvider>> {
        let url = location(t)?;
        let store = self.store(&url)?;
        let current = commit::load(store.as_ref(), &url).await?.ok_or_else(|| {
            WeftError::table_option(
                &t.name,
                format!("there is no Iceberg table at {url}; write it first"),
            )
        })?;
        let files = commit::live_files(store.as_ref(), &url, &current.metadata).await?;
        let schema = t.schema();
        if files.is_empty() {
            return Ok(Arc::new(datafusion::datasource::empty::EmptyTable::new(
                schema,
            )));
        }
        // Iceberg data files hold every column, partition keys included.
        let files: Vec<String> = files.into_iter().map(|(f, _)| f).collect();
        crate::exec_util::parquet_files_table(&files, schema, vec![])
    }

    async fn create_sink(
        &self,
        t: &TableDef,
        input: Arc<dyn ExecutionPlan>,
        ctx: &SinkContext,
    ) -> Result<SinkPlan> {
        let url = location(t)?;
        let bad = |m: String| WeftError::table_option(&t.name, m);
        if crate::delta::changelog::reads_changelog(&input) {
            return Err(bad(
                "the query writes a changelog (a CDC source) and the iceberg sink appends rows: use 'connector' = 'delta' with a PRIMARY KEY to apply updates and deletes".into(),
            ));
        }
        let (schema, name_mapping) = metadata::new_schema(t).map_err(bad)?;
        let spec = metadata::new_spec(&schema, &t.partition_keys).map_err(bad)?;
        // The filesystem sink stages the Parquet files; Iceberg files keep partition columns.
        let mut staging = t.clone();
        staging.options.clear();
        staging
            .options
            .insert("connector".into(), "filesystem".into());
        staging.options.insert("path".into(), url.to_string());
        staging.options.insert("format".into(), "parquet".into());
        if let Some(d) = t.option("partition.default-name") {
            staging
                .options
                .insert("partition.default-name".into(), d.into());
        }
        let sink = self.fs.create_sink(&staging, input.clone(), ctx).await?;
        let file_sink = sink
            .plan
            .downcast_ref::<FileSinkExec>()
            .ok_or_else(|| WeftError::internal("the filesystem sink is not a FileSinkExec"))?;
        let mut config = file_sink.config().clone();
        config.data_columns = t.columns.iter().map(|f| f.name().clone()).collect();
        // Iceberg readers match Parquet columns by field id: the table's, or a new table's.
        let existing = commit::load(self.store(&url)?.as_ref(), &url).await?;
        let table_schema = existing
            .as_ref()
            .and_then(|c| Metadata(&c.metadata).current_schema().cloned())
            .unwrap_or_else(|| schema.clone());
        config.field_ids = t
            .columns
            .iter()
            .map(|f| {
                metadata::schema_fields(&table_schema)
                    .iter()
                    .find(|c| c["name"].as_str() == Some(f.name()))
                    .and_then(|c| c["id"].as_i64())
                    .ok_or_else(|| {
                        bad(format!(
                            "column '{}' is not in the Iceberg table at {url}",
                            f.name()
                        ))
                    })
            })
            .collect::<Result<_>>()?;
        let default_partition_name = config.options.default_partition_name.clone();
        let files: CommitPlan = serde_json::from_value(sink.commit.spec.clone())
            .map_err(|e| WeftError::internal(e.to_string()))?;
        let (app_id, checkpoint_id) = crate::exec_util::commit_identity(ctx, &t.name);
        let spec = IcebergCommit {
            files,
            location: url.to_string(),
            schema,
            spec,
            name_mapping,
            overwrite: ctx.overwrite,
            app_id,
            checkpoint_id,
            job_id: ctx.job_id.clone(),
            default_partition_name,
        };
        Ok(SinkPlan {
            plan: Arc::new(FileSinkExec::new(input, config)),
            commit: CommitSpec {
                connector: self.identifier().to_string(),
                table: t.name.clone(),
                spec: serde_json::to_value(&spec)
                    .map_err(|e| WeftError::internal(e.to_string()))?,
            },
        })
    }

    async fn commit(&self, spec: &CommitSpec) -> Result<CommitSummary> {
        let c = parse(spec)?;
        let url = Url::parse(&c.location).map_err(|e| WeftError::internal(e.to_string()))?;
        commit::commit(self.store(&url)?.as_ref(), &c).await
    }

    async fn abort(&self, spec: &CommitSpec) -> Result<()> {
        let c = parse(spec)?;
        let url = Url::parse(&c.location).map_err(|e| WeftError::internal(e.to_string()))?;
        crate::filesystem::commit::abort(self.store(&url)?.as_ref(), &c.files).await
    }
}

fn parse(spec: &CommitSpec) -> Result<IcebergCommit> {
    serde_json::from_value(spec.spec.clone()).map_err(|e| {
        WeftError::internal(format!("bad iceberg commit spec for `{}`: {e}", spec.table))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_from_path_or_hadoop_catalog() {
        let t = TableDef::with_options(
            "orders",
            &[("connector", "iceberg"), ("path", "/tmp/ice/orders")],
        );
        assert_eq!(location(&t).unwrap().as_str(), "file:///tmp/ice/orders/");
        let t = TableDef::with_options(
            "orders",
            &[
                ("connector", "iceberg"),
                ("catalog-type", "hadoop"),
                ("warehouse", "hdfs://nn:8020/wh"),
                ("catalog-database", "sales"),
            ],
        );
        assert_eq!(
            location(&t).unwrap().as_str(),
            "hdfs://nn:8020/wh/sales/orders/"
        );
        let t = TableDef::with_options(
            "o",
            &[
                ("connector", "iceberg"),
                ("catalog-type", "hive"),
                ("warehouse", "/w"),
            ],
        );
        assert!(
            location(&t)
                .unwrap_err()
                .to_string()
                .contains("catalog-type")
        );
        let t = TableDef::with_options("o", &[("connector", "iceberg")]);
        assert!(
            location(&t)
                .unwrap_err()
                .to_string()
                .contains("missing option 'path'")
        );
        let t = TableDef::with_options(
            "o",
            &[
                ("connector", "iceberg"),
                ("path", "/x"),
                ("format-version", "3"),
            ],
        );
        assert!(
            location(&t)
                .unwrap_err()
                .to_string()
                .contains("format version 2")
        );
    }
}
