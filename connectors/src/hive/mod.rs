//! The `hive` connector: tables registered in a Hive Metastore, read and written as files
//! at the table's location (through the filesystem connector), with partitions committed to
//! the metastore when the job's output is published.
//!
//! ```sql
//! CREATE TABLE events (id BIGINT, msg STRING, dt STRING) PARTITIONED BY (dt) WITH (
//!   'connector' = 'hive', 'hive.metastore.uris' = 'thrift://metastore:9083',
//!   'hive.database' = 'default', 'hive.table' = 'events',
//!   'sink.partition-commit.policy.kind' = 'metastore,success-file');
//! ```
//!
//! A table the metastore knows needs no columns: they, the partition keys, the location and
//! the format come from the metastore. A table it does not know yet is declared in full
//! (columns, `path`, `format`) and is created in the metastore, as an external table, when
//! the first job writing it commits. Partition commit policies default to `metastore`.

pub mod metastore;
pub mod types;

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::physical_plan::ExecutionPlan;
use serde::{Deserialize, Serialize};
use url::Url;
use weft_core::catalog::{CommitSpec, CommitSummary, Connector, SinkContext, SinkPlan, TableDef};
use weft_core::config::Configuration;
use weft_core::error::unwrap_datafusion;
use weft_core::{Result, WeftError};

use crate::filesystem::{
    CommitPlan, FILESYSTEM_OPTIONS, FilesystemConnector, PartitionCommit, commit,
};
use metastore::{Metastore, field};
use types::{HiveFormat, arrow_type, hive_type};

/// Options of the `hive` connector beyond the filesystem connector's.
pub const HIVE_OPTIONS: &[&str] = &["hive.metastore.uris", "hive.database", "hive.table"];

pub struct HiveConnector {
    fs: FilesystemConnector,
    object_stores: Arc<dyn ObjectStoreRegistry>,
}

impl HiveConnector {
    pub fn new(object_stores: Arc<dyn ObjectStoreRegistry>) -> Self {
        Self {
            fs: FilesystemConnector::new(object_stores.clone()),
            object_stores,
        }
    }
}

/// Where a table lives in the metastore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HiveTarget {
    pub uris: String,
    pub database: String,
    pub table: String,
}

impl HiveTarget {
    fn of(t: &TableDef) -> Result<Self> {
        let mut allowed: Vec<&str> = FILESYSTEM_OPTIONS.to_vec();
        allowed.extend_from_slice(HIVE_OPTIONS);
        t.check_options(&allowed)?;
        Ok(HiveTarget {
            uris: t.required("hive.metastore.uris")?.trim().to_string(),
            database: t
                .option("hive.database")
                .unwrap_or("default")
                .trim()
                .to_string(),
            table: t.option("hive.table").unwrap_or(&t.name).trim().to_string(),
        })
    }

    fn name(&self) -> String {
        format!("{}.{}", self.database, self.table)
    }
}

/// A table the job creates in the metastore when it commits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTable {
    /// (name, Hive type) of the data columns, then of the partition keys.
    pub columns: Vec<(String, String)>,
    pub partition_keys: Vec<(String, String)>,
    pub location: String,
    pub format: String,
    pub field_delimiter: Option<String>,
}

/// `CommitSpec.spec` of the hive connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HiveCommit {
    pub files: CommitPlan,
    pub target: HiveTarget,
    /// Register written partitions (policy `metastore`).
    pub metastore: bool,
    pub create: Option<NewTable>,
}

/// The filesystem connector's view of a hive table.
fn fs_def(t: &TableDef) -> TableDef {
    let mut def = t.clone();
    def.options.retain(|k, _| {
        !HIVE_OPTIONS.contains(&k.as_str()) && k != "sink.partition-commit.policy.kind"
    });
    def.options.insert("connector".into(), "filesystem".into());
    def
}

/// `file:/x` (how the metastore returns local locations) as `file:///x`.
fn normalize_location(l: &str) -> String {
    match l.strip_prefix("file:") {
        Some(rest) if !rest.starts_with("//") => format!("file://{rest}"),
        _ => l.to_string(),
    }
}

pub(crate) fn unescape_partition_value(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&v[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Partition values, in key order, of a `k1=v1/k2=v2` directory.
fn partition_values(dir: &str, keys: &[String]) -> Option<Vec<String>> {
    let segs: Vec<(&str, &str)> = dir
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.split_once('='))
        .collect::<Option<_>>()?;
    keys.iter()
        .map(|k| {
            segs.iter()
                .find(|(sk, _)| sk.eq_ignore_ascii_case(k))
                .map(|(_, v)| unescape_partition_value(v))
        })
        .collect()
}

#[async_trait]
impl Connector for HiveConnector {
    fn identifier(&self) -> &'static str {
        "hive"
    }

    async fn resolve(&self, t: &TableDef) -> Result<TableDef> {
        let target = HiveTarget::of(t)?;
        let ms = Metastore::connect(&target.uris).await?;
        let Some(ht) = ms.get_table(&target.database, &target.table).await? else {
            if t.columns.is_empty() || t.option("path").is_none() || t.option("format").is_none() {
                return Err(WeftError::table_option(
                    &t.name,
                    format!(
                        "table {} does not exist in the Hive Metastore at {}; create it there, or declare its columns, 'path' and 'format' and the first job writing it creates it",
                        target.name(),
                        target.uris
                    ),
                ));
            }
            return self.fs.resolve(&fs_def(t)).await.map(|mut d| {
                d.options = t.options.clone();
                d
            });
        };
        let sd = ht.sd.clone().unwrap_or_default();
        let lib = sd
            .serde_info
            .as_ref()
            .and_then(|s| s.serialization_lib.as_ref())
            .map(|s| s.to_string())
            .unwrap_or_default();
        let format = HiveFormat::from_serde(&lib).ok_or_else(|| {
            WeftError::table_option(
                &t.name,
                format!(
                    "table {} is stored with SerDe '{lib}', which Weft cannot read or write; supported: Parquet, TEXTFILE (LazySimpleSerDe), JSON",
                    target.name()
                ),
            )
        })?;
        let to_field = |f: &hive_metastore::FieldSchema| -> Result<arrow::datatypes::Field> {
            let name = f.name.as_ref().map(|s| s.to_string()).unwrap_or_default();
            let ty = f.r#type.as_ref().map(|s| s.to_string()).unwrap_or_default();
            let dt = arrow_type(&ty).ok_or_else(|| {
                WeftError::table_option(
                    &t.name,
                    format!(
                        "column '{name}' of {} has Hive type '{ty}', which Weft does not support",
                        target.name()
                    ),
                )
            })?;
            Ok(arrow::datatypes::Field::new(name, dt, true))
        };
        let mut columns = Vec::new();
        for f in sd.cols.iter().flatten() {
            columns.push(to_field(f)?);
        }
        let mut partition_keys = Vec::new();
        for f in ht.partition_keys.iter().flatten() {
            let field = to_field(f)?;
            partition_keys.push(field.name().clone());
            columns.push(field);
        }
        if !t.columns.is_empty() {
            let declared: Vec<String> = t
                .columns
                .iter()
                .map(|f| format!("{} {}", f.name().to_lowercase(), f.data_type()))
                .collect();
            let known: Vec<String> = columns
                .iter()
                .map(|f| format!("{} {}", f.name().to_lowercase(), f.data_type()))
                .collect();
            if declared != known {
                return Err(WeftError::table_option(
                    &t.name,
                    format!(
                        "the declared columns ({}) differ from {}'s in the Hive Metastore ({}); declare none to use the metastore's",
                        declared.join(", "),
                        target.name(),
                        known.join(", ")
                    ),
                ));
            }
        }
        let location = normalize_location(
            &sd.location
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
        );
        let mut def = t.clone();
        def.columns = columns;
        def.partition_keys = partition_keys;
        def.options.insert("path".into(), location);
        def.options.insert("format".into(), format.format().into());
        if format == HiveFormat::Text {
            let delim = sd
                .serde_info
                .as_ref()
                .and_then(|s| s.parameters.as_ref())
                .and_then(|p| {
                    p.get("field.delim")
                        .or_else(|| p.get("serialization.format"))
                })
                .map(|s| s.to_string())
                .unwrap_or_else(|| "\u{1}".into());
            def.options.insert("csv.field-delimiter".into(), delim);
        }
        Ok(def)
    }

    async fn create_source(
        &self,
        table: &TableDef,
        config: &Configuration,
    ) -> Result<Arc<dyn TableProvider>> {
        self.fs.create_source(&fs_def(table), config).await
    }

    async fn create_sink(
        &self,
        table: &TableDef,
        input: Arc<dyn ExecutionPlan>,
        ctx: &SinkContext,
    ) -> Result<SinkPlan> {
        let target = HiveTarget::of(table)?;
        let policies = PartitionCommit::from_table(table, "metastore")?;
        let mut sink = self.fs.create_sink(&fs_def(table), input, ctx).await?;
        let mut files: CommitPlan = serde_json::from_value(sink.commit.spec.clone())
            .map_err(|e| WeftError::internal(e.to_string()))?;
        files.success_file = policies.success_file.clone();
        // Created at commit when the metastore does not know the table (resolve checked).
        let ms = Metastore::connect(&target.uris).await?;
        let create = match ms.get_table(&target.database, &target.table).await? {
            Some(_) => None,
            None => {
                let hive = |f: &arrow::datatypes::Field| -> Result<(String, String)> {
                    hive_type(f.data_type())
                        .map(|h| (f.name().clone(), h))
                        .ok_or_else(|| {
                            WeftError::table_option(
                                &table.name,
                                format!(
                                    "column '{}' has type {}, which has no Hive type",
                                    f.name(),
                                    f.data_type()
                                ),
                            )
                        })
                };
                let format = HiveFormat::from_format(&files.format).unwrap_or(HiveFormat::Parquet);
                Some(NewTable {
                    columns: table
                        .data_columns()
                        .iter()
                        .map(|f| hive(f))
                        .collect::<Result<_>>()?,
                    partition_keys: table
                        .partition_keys
                        .iter()
                        .map(|k| {
                            table
                                .columns
                                .iter()
                                .find(|f| f.name() == k)
                                .map(hive)
                                .unwrap_or_else(|| Ok((k.clone(), "string".into())))
                        })
                        .collect::<Result<_>>()?,
                    location: files.url.clone(),
                    format: format.format().into(),
                    field_delimiter: table.option("csv.field-delimiter").map(str::to_string),
                })
            }
        };
        let spec = HiveCommit {
            files,
            target,
            metastore: policies.metastore,
            create,
        };
        sink.commit = CommitSpec {
            connector: self.identifier().to_string(),
            table: table.name.clone(),
            spec: serde_json::to_value(&spec).map_err(|e| WeftError::internal(e.to_string()))?,
        };
        Ok(sink)
    }

    async fn commit(&self, spec: &CommitSpec) -> Result<CommitSummary> {
        let c = parse(spec)?;
        let url = Url::parse(&c.files.url).map_err(|e| WeftError::internal(e.to_string()))?;
        let store = self
            .object_stores
            .get_store(&url)
            .map_err(unwrap_datafusion)?;
        // Reach the metastore (and create the table) before publishing anything, so a
        // metastore that is down fails the job with its output unpublished.
        let table = if c.metastore || c.create.is_some() {
            let ms = Metastore::connect(&c.target.uris).await?;
            if let Some(new) = &c.create {
                ms.create_table(new_table(&c.target, new)).await?;
            }
            let table = ms.get_table(&c.target.database, &c.target.table).await?.ok_or_else(|| {
                WeftError::io(format!(
                    "table {} disappeared from the Hive Metastore at {} before the job committed",
                    c.target.name(),
                    c.target.uris
                ))
            })?;
            Some((ms, table))
        } else {
            None
        };
        let (summary, partitions) = commit::publish(store.as_ref(), &c.files).await?;
        if c.metastore
            && let Some((ms, table)) = table
            && !c.files.partition_keys.is_empty()
        {
            let base = table
                .sd
                .as_ref()
                .and_then(|sd| sd.location.as_ref())
                .map(|l| l.to_string())
                .unwrap_or_else(|| c.files.url.clone());
            let base = base.trim_end_matches('/').to_string();
            let mut added = 0;
            for dir in partitions.iter().filter(|d| !d.is_empty()) {
                let values = partition_values(dir, &c.files.partition_keys).ok_or_else(|| {
                    WeftError::internal(format!(
                        "partition directory '{dir}' does not name every partition key"
                    ))
                })?;
                if ms
                    .add_partition(&table, values, &format!("{base}/{dir}"))
                    .await?
                {
                    added += 1;
                }
            }
            tracing::info!(
                table = %c.target.name(),
                "registered {added} new partition(s) of {} written in the Hive Metastore",
                partitions.len()
            );
        }
        Ok(summary)
    }

    async fn abort(&self, spec: &CommitSpec) -> Result<()> {
        let c = parse(spec)?;
        let url = Url::parse(&c.files.url).map_err(|e| WeftError::internal(e.to_string()))?;
        let store = self
            .object_stores
            .get_store(&url)
            .map_err(unwrap_datafusion)?;
        commit::abort(store.as_ref(), &c.files).await
    }
}

fn parse(spec: &CommitSpec) -> Result<HiveCommit> {
    serde_json::from_value(spec.spec.clone())
        .map_err(|e| WeftError::internal(format!("bad hive commit spec for `{}`: {e}", spec.table)))
}

/// The metastore's description of a table the job creates.
fn new_table(target: &HiveTarget, new: &NewTable) -> hive_metastore::Table {
    let format = HiveFormat::from_format(&new.format).unwrap_or(HiveFormat::Parquet);
    let (serde_lib, input, output) = format.classes();
    let mut serde_params = pilota::AHashMap::default();
    if format == HiveFormat::Text {
        let d = new.field_delimiter.clone().unwrap_or_else(|| ",".into());
        serde_params.insert("field.delim".into(), d.clone().into());
        serde_params.insert("serialization.format".into(), d.into());
    }
    let mut params = pilota::AHashMap::default();
    params.insert("EXTERNAL".into(), "TRUE".into());
    hive_metastore::Table {
        table_name: Some(target.table.clone().into()),
        db_name: Some(target.database.clone().into()),
        owner: Some(
            std::env::var("HADOOP_USER_NAME")
                .or_else(|_| std::env::var("USER"))
                .unwrap_or_else(|_| "weft".into())
                .into(),
        ),
        sd: Some(hive_metastore::StorageDescriptor {
            cols: Some(new.columns.iter().map(|(n, t)| field(n, t)).collect()),
            location: Some(new.location.trim_end_matches('/').to_string().into()),
            input_format: Some(input.into()),
            output_format: Some(output.into()),
            compressed: Some(false),
            num_buckets: Some(-1),
            serde_info: Some(hive_metastore::SerDeInfo {
                name: None,
                serialization_lib: Some(serde_lib.into()),
                parameters: Some(serde_params),
            }),
            bucket_cols: Some(vec![]),
            sort_cols: Some(vec![]),
            parameters: Some(Default::default()),
            ..Default::default()
        }),
        partition_keys: Some(
            new.partition_keys
                .iter()
                .map(|(n, t)| field(n, t))
                .collect(),
        ),
        parameters: Some(params),
        table_type: Some("EXTERNAL_TABLE".into()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_and_partition_dirs() {
        assert_eq!(normalize_location("file:/tmp/w/t"), "file:///tmp/w/t");
        assert_eq!(
            normalize_location("hdfs://nn:8020/w/t"),
            "hdfs://nn:8020/w/t"
        );
        let keys = vec!["dt".to_string(), "hr".to_string()];
        assert_eq!(
            partition_values("hr=7/dt=2024-01-01", &keys),
            Some(vec!["2024-01-01".into(), "7".into()])
        );
        assert_eq!(
            partition_values("dt=a%2Fb/hr=1", &keys),
            Some(vec!["a/b".into(), "1".into()])
        );
        assert_eq!(partition_values("dt=x", &keys), None);
    }
}
