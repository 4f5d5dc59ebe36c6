//! Tables declared by `CREATE TABLE … WITH ('connector' = …)` and the connector seam: a
//! [`Connector`] turns a [`TableDef`] into a DataFusion source and into a sink plan whose
//! output is committed (or aborted) by the JobManager when the job ends.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::physical_plan::PhysicalExtensionCodec;
use serde::{Deserialize, Serialize};

use crate::config::Configuration;
use crate::error::{Result, WeftError};

/// A table as declared in the script.
#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: String,
    /// Declared columns; empty when the DDL gave none (generator tables derive theirs).
    pub columns: Vec<Field>,
    pub primary_key: Vec<String>,
    pub partition_keys: Vec<String>,
    /// `WITH (...)` options, keys as written.
    pub options: BTreeMap<String, String>,
    /// Line of the CREATE TABLE statement in the script, for messages.
    pub line: usize,
    /// Computed columns (`total AS price * qty`): not stored, computed when the table is
    /// read, and not written by INSERT. `columns` holds only the physical ones.
    pub computed: Vec<ComputedColumn>,
    /// `METADATA [FROM 'key'] [VIRTUAL]` columns: read from what the connector knows about
    /// a row (a file's path, a Kafka record's offset), not from the row itself.
    pub metadata: Vec<MetadataColumn>,
}

/// A computed column: its name, its SQL expression over the physical columns, and its
/// position among all of the table's columns as declared.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedColumn {
    pub name: String,
    pub expr: String,
    pub position: usize,
}

/// A metadata column (`name TYPE METADATA [FROM 'key'] [VIRTUAL]`): the declared field, the
/// connector's metadata key (the column's name when FROM is absent), whether it is VIRTUAL
/// (read only: not part of what an INSERT writes), and its position among all columns.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataColumn {
    pub field: Field,
    pub key: String,
    pub is_virtual: bool,
    pub position: usize,
}

/// One of a table's columns in declared order (see [`TableDef::declared`]).
#[derive(Debug, Clone, Copy)]
pub enum Declared<'a> {
    Physical(&'a Field),
    Computed(&'a ComputedColumn),
    Metadata(&'a MetadataColumn),
}

impl<'a> Declared<'a> {
    pub fn name(&self) -> &'a str {
        match self {
            Declared::Physical(f) => f.name(),
            Declared::Computed(k) => &k.name,
            Declared::Metadata(m) => m.field.name(),
        }
    }
}

/// The column a source adds for metadata `key`, before the table's view casts and renames
/// it to the declared column.
pub fn metadata_column_name(key: &str) -> String {
    format!("$metadata:{key}")
}

impl TableDef {
    /// Every column in declared order: computed and metadata columns at their positions,
    /// physical ones filling the places between them.
    pub fn declared(&self) -> Vec<Declared<'_>> {
        let mut placed: Vec<(usize, Declared<'_>)> = self
            .computed
            .iter()
            .map(|k| (k.position, Declared::Computed(k)))
            .chain(
                self.metadata
                    .iter()
                    .map(|m| (m.position, Declared::Metadata(m))),
            )
            .collect();
        placed.sort_by_key(|(p, _)| *p);
        let mut placed = placed.into_iter().peekable();
        let mut physical = self.columns.iter();
        let mut out =
            Vec::with_capacity(self.columns.len() + self.computed.len() + self.metadata.len());
        loop {
            let at = out.len();
            if let Some((_, d)) = placed.next_if(|(p, _)| *p <= at) {
                out.push(d);
            } else if let Some(f) = physical.next() {
                out.push(Declared::Physical(f));
            } else if let Some((_, d)) = placed.next() {
                out.push(d);
            } else {
                return out;
            }
        }
    }

    /// Flink's rule that a metadata key is read by one column (others use a computed
    /// column over it).
    pub fn check_metadata_keys_unique(&self) -> std::result::Result<(), String> {
        for (i, a) in self.metadata.iter().enumerate() {
            if let Some(b) = self.metadata[i + 1..].iter().find(|b| b.key == a.key) {
                return Err(format!(
                    "columns `{}` and `{}` of table `{}` both read metadata key '{}'; declare one as the METADATA column and the other as a computed column over it",
                    a.field.name(),
                    b.field.name(),
                    self.name,
                    a.key
                ));
            }
        }
        Ok(())
    }

    /// The distinct metadata keys the table reads, in declared order.
    pub fn metadata_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for m in &self.metadata {
            if !keys.contains(&m.key) {
                keys.push(m.key.clone());
            }
        }
        keys
    }

    /// The table with every TIMESTAMP / TIMESTAMP_LTZ / TIME column in microseconds, for
    /// formats that store them only so (Iceberg's `timestamp` and `time`, Delta's
    /// `timestamp_ntz`): an INSERT casts what it writes to them.
    pub fn with_microsecond_timestamps(mut self) -> TableDef {
        use arrow::datatypes::TimeUnit;
        for f in self.columns.iter_mut() {
            if let DataType::Timestamp(unit, tz) = f.data_type()
                && *unit != TimeUnit::Microsecond
            {
                *f = f
                    .clone()
                    .with_data_type(DataType::Timestamp(TimeUnit::Microsecond, tz.clone()));
            }
            if matches!(f.data_type(), DataType::Time32(_) | DataType::Time64(_))
                && *f.data_type() != DataType::Time64(TimeUnit::Microsecond)
            {
                *f = f
                    .clone()
                    .with_data_type(DataType::Time64(TimeUnit::Microsecond));
            }
        }
        self
    }

    /// A table with only options (no columns or keys), e.g. for checking options in tests.
    pub fn with_options(name: &str, options: &[(&str, &str)]) -> TableDef {
        TableDef {
            name: name.to_string(),
            columns: vec![],
            primary_key: vec![],
            partition_keys: vec![],
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            line: 1,
            computed: vec![],
            metadata: vec![],
        }
    }

    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(self.columns.clone()))
    }

    pub fn connector(&self) -> Option<&str> {
        self.option("connector")
    }

    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }

    /// A required option, or an error naming the table and the option.
    pub fn required(&self, key: &str) -> Result<&str> {
        self.option(key).ok_or_else(|| {
            WeftError::table_option(
                &self.name,
                format!("missing required option '{key}' in WITH (...)"),
            )
        })
    }

    /// Reject options the connector does not know, listing the valid ones. `allowed` entries
    /// may contain `#` as a wildcard for one key segment (e.g. `fields.#.kind`).
    pub fn check_options(&self, allowed: &[&str]) -> Result<()> {
        for key in self.options.keys() {
            if key == "connector" || allowed.iter().any(|a| key_matches(a, key)) {
                continue;
            }
            return Err(WeftError::table_option(
                &self.name,
                format!(
                    "unsupported option '{key}' for connector '{}'; supported options: {}",
                    self.connector().unwrap_or("?"),
                    allowed.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Columns that are not partition keys (what goes into data files).
    pub fn data_columns(&self) -> Vec<Field> {
        self.columns
            .iter()
            .filter(|f| !self.partition_keys.contains(f.name()))
            .cloned()
            .collect()
    }

    pub fn column_type(&self, name: &str) -> Option<&DataType> {
        self.columns
            .iter()
            .find(|f| f.name() == name)
            .map(|f| f.data_type())
    }
}

fn key_matches(pattern: &str, key: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = key.split('.').collect();
    if !pattern.contains('#') {
        return pattern == key;
    }
    p.len() == k.len() && p.iter().zip(&k).all(|(p, k)| *p == "#" || p == k)
}

/// What a sink needs to know about the job writing into it.
#[derive(Debug, Clone)]
pub struct SinkContext {
    pub job_id: String,
    /// `INSERT OVERWRITE` (replace) rather than `INSERT INTO` (append).
    pub overwrite: bool,
    pub config: Configuration,
}

/// A sink plan: `plan` executes per partition, each writing its share into a staging
/// location and yielding one batch of [`sink_summary_schema`]; `commit` tells the JobManager
/// how to publish (or discard) the staged output when the job ends.
pub struct SinkPlan {
    pub plan: Arc<dyn ExecutionPlan>,
    pub commit: CommitSpec,
}

/// Connector-specific description of staged output, carried in the JobGraph to the
/// JobManager, which commits it once every subtask finished, or aborts it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CommitSpec {
    pub connector: String,
    pub table: String,
    pub spec: serde_json::Value,
}

/// What a commit published, for the job summary.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CommitSummary {
    pub files: u64,
    pub partitions: u64,
}

/// The schema of the single batch each sink partition yields: rows and bytes it wrote.
pub fn sink_summary_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("rows", DataType::UInt64, false),
        Field::new("bytes", DataType::UInt64, false),
    ]))
}

/// A source/sink implementation selected by `'connector' = '<identifier>'`.
#[async_trait]
pub trait Connector: Send + Sync {
    fn identifier(&self) -> &'static str;

    /// Resolve the table's full schema; generator connectors fill in undeclared columns,
    /// and validate declared ones.
    fn resolve_schema(&self, table: &TableDef) -> Result<SchemaRef> {
        Ok(table.schema())
    }

    /// The table as the job uses it: its full schema (see [`Connector::resolve_schema`]) and,
    /// for catalog-backed connectors (Hive), what the catalog knows (location, format,
    /// partition keys). Runs once, at planning.
    async fn resolve(&self, table: &TableDef) -> Result<TableDef> {
        let schema = self.resolve_schema(table)?;
        let mut def = table.clone();
        def.columns = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        Ok(def)
    }

    /// The metadata keys the source can read and their types (Flink's
    /// `SupportsReadingMetadata#listReadableMetadata`). `create_source` adds a column
    /// [`metadata_column_name`]`(key)` after the physical ones for every key of
    /// [`TableDef::metadata_keys`].
    fn readable_metadata(&self) -> Vec<(&'static str, DataType)> {
        vec![]
    }

    /// Validate options and build the scan side.
    async fn create_source(
        &self,
        table: &TableDef,
        config: &Configuration,
    ) -> Result<Arc<dyn TableProvider>>;

    /// Build the write side over `input`, whose schema equals the table's schema.
    async fn create_sink(
        &self,
        table: &TableDef,
        input: Arc<dyn ExecutionPlan>,
        ctx: &SinkContext,
    ) -> Result<SinkPlan> {
        let _ = (input, ctx);
        Err(WeftError::table_option(
            &table.name,
            format!(
                "connector '{}' can only be read, not written",
                self.identifier()
            ),
        ))
    }

    /// Publish staged output atomically (job succeeded).
    async fn commit(&self, spec: &CommitSpec) -> Result<CommitSummary> {
        let _ = spec;
        Ok(CommitSummary::default())
    }

    /// Discard staged output (job failed or was cancelled).
    async fn abort(&self, spec: &CommitSpec) -> Result<()> {
        let _ = spec;
        Ok(())
    }
}

/// All connectors a process knows, the codec for their execution-plan nodes, and the object
/// stores they read and write through.
#[derive(Clone)]
pub struct ConnectorRegistry {
    pub connectors: Vec<Arc<dyn Connector>>,
    pub codec: Arc<dyn PhysicalExtensionCodec>,
    pub object_stores: Arc<dyn ObjectStoreRegistry>,
}

impl ConnectorRegistry {
    pub fn get(&self, identifier: &str) -> Option<&Arc<dyn Connector>> {
        self.connectors
            .iter()
            .find(|c| c.identifier() == identifier)
    }

    /// The connector of a table, or an error listing the known connectors.
    pub fn for_table(&self, table: &TableDef) -> Result<&Arc<dyn Connector>> {
        let names = || {
            self.connectors
                .iter()
                .map(|c| c.identifier())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let id = table.connector().ok_or_else(|| {
            WeftError::table_option(
                &table.name,
                format!(
                    "missing option 'connector' in WITH (...); available connectors: {}",
                    names()
                ),
            )
        })?;
        self.get(id).ok_or_else(|| {
            WeftError::table_option(
                &table.name,
                format!(
                    "unknown connector '{id}'; available connectors: {}",
                    names()
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(opts: &[(&str, &str)]) -> TableDef {
        TableDef::with_options("t", opts)
    }

    #[test]
    fn option_patterns() {
        let t = table(&[("connector", "datagen"), ("fields.id.kind", "sequence")]);
        t.check_options(&["number-of-rows", "fields.#.kind"])
            .unwrap();
        let t = table(&[("connector", "datagen"), ("rows", "1")]);
        let e = t
            .check_options(&["number-of-rows", "fields.#.kind"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("'rows'") && e.contains("number-of-rows"), "{e}");
    }
}
