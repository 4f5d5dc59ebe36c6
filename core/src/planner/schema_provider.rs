//! The script's tables and views as a DataFusion schema. A table's source is created only
//! when a query reads it, so a sink-only table (whose path may not exist yet) is never
//! validated as a source.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::error::{DataFusionError, Result as DFResult};
use parking_lot::RwLock;

use arrow::datatypes::DataType;

use crate::catalog::{ConnectorRegistry, Declared, TableDef, metadata_column_name};
use crate::config::Configuration;
use crate::error::to_datafusion;

#[derive(Clone)]
enum Entry {
    Table(TableDef),
    View(Arc<dyn TableProvider>),
    /// A table with computed or metadata columns: read through a view (planned on first
    /// read) over its physical columns and the source's metadata columns, registered under
    /// [`physical_name`]; written as `def` (physical columns only).
    Computed(TableDef),
}

/// The hidden name under which a table with computed columns keeps its physical columns.
pub fn physical_name(table: &str) -> String {
    format!("{table}$physical")
}

/// The view that reads a table with computed or metadata columns: every column in declared
/// order. A metadata column is the source's column for its key (typed `readable`), cast to
/// the declared type where that differs; computed columns may read metadata columns, so
/// those are named in an inner SELECT first.
fn computed_view_sql(def: &TableDef, readable: &[(&str, DataType)]) -> String {
    let hidden = format!("`{}`", physical_name(&def.name));
    let from = match def.metadata.is_empty() {
        true => hidden,
        false => {
            let mut inner: Vec<String> = def
                .columns
                .iter()
                .map(|f| format!("`{}`", f.name()))
                .collect();
            for m in &def.metadata {
                let column = format!("`{}`", metadata_column_name(&m.key));
                let read = readable.iter().find(|(k, _)| *k == m.key).map(|(_, t)| t);
                inner.push(match read {
                    Some(t) if t.equals_datatype(m.field.data_type()) => {
                        format!("{column} AS `{}`", m.field.name())
                    }
                    _ => format!(
                        "CAST({column} AS {}) AS `{}`",
                        weft_flink_sql::types::flink_name(m.field.data_type()),
                        m.field.name()
                    ),
                });
            }
            format!("(SELECT {} FROM {hidden})", inner.join(", "))
        }
    };
    let items: Vec<String> = def
        .declared()
        .into_iter()
        .map(|c| match c {
            Declared::Computed(k) => format!("({}) AS `{}`", k.expr, k.name),
            other => format!("`{}`", other.name()),
        })
        .collect();
    format!("SELECT {} FROM {from}", items.join(", "))
}

/// Flink's check of a table's metadata keys against what its connector can read.
fn check_metadata_keys(def: &TableDef, readable: &[(&str, DataType)]) -> crate::Result<()> {
    for m in &def.metadata {
        if !readable.iter().any(|(k, _)| *k == m.key) {
            let keys: Vec<&str> = readable.iter().map(|(k, _)| *k).collect();
            let supported = if keys.is_empty() {
                format!(
                    "the '{}' connector has no metadata to read",
                    def.connector().unwrap_or("?")
                )
            } else {
                format!(
                    "the '{}' connector can read: {}",
                    def.connector().unwrap_or("?"),
                    keys.join(", ")
                )
            };
            return Err(crate::WeftError::table_option(
                &def.name,
                format!(
                    "invalid metadata key '{}' in column `{}` (declared at line {}); {supported}",
                    m.key,
                    m.field.name(),
                    def.line
                ),
            ));
        }
    }
    Ok(())
}

pub struct ScriptSchema {
    registry: ConnectorRegistry,
    /// The planning session, for the views of tables with computed columns.
    session:
        RwLock<Option<std::sync::Weak<parking_lot::RwLock<datafusion::execution::SessionState>>>>,
    config: RwLock<Configuration>,
    entries: RwLock<HashMap<String, Entry>>,
    sources: RwLock<HashMap<String, Arc<dyn TableProvider>>>,
}

impl std::fmt::Debug for ScriptSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptSchema").finish_non_exhaustive()
    }
}

impl ScriptSchema {
    pub fn new(registry: ConnectorRegistry, config: Configuration) -> Self {
        ScriptSchema {
            registry,
            session: RwLock::new(None),
            config: RwLock::new(config),
            entries: RwLock::new(HashMap::new()),
            sources: RwLock::new(HashMap::new()),
        }
    }

    pub fn set_config(&self, config: Configuration) {
        *self.config.write() = config;
    }

    pub fn has(&self, name: &str) -> bool {
        self.entries.read().contains_key(name)
    }

    /// The session that plans the views of tables with computed columns.
    pub fn set_session(&self, ctx: &datafusion::prelude::SessionContext) {
        *self.session.write() = Some(ctx.state_weak_ref());
    }

    pub fn add_table(&self, def: TableDef) {
        self.sources.write().remove(&def.name);
        if def.computed.is_empty() && def.metadata.is_empty() {
            self.entries
                .write()
                .insert(def.name.clone(), Entry::Table(def));
            return;
        }
        let hidden = physical_name(&def.name);
        self.sources.write().remove(&hidden);
        let mut entries = self.entries.write();
        entries.insert(hidden, Entry::Table(def.clone()));
        entries.insert(def.name.clone(), Entry::Computed(def));
    }

    pub fn add_view(&self, name: &str, view: Arc<dyn TableProvider>) {
        self.entries
            .write()
            .insert(name.to_string(), Entry::View(view));
    }

    /// The names of the tables and views declared so far (not the hidden physical ones).
    pub fn table_names_declared(&self) -> Vec<String> {
        self.entries
            .read()
            .keys()
            .filter(|k| !k.ends_with("$physical"))
            .cloned()
            .collect()
    }

    /// A view's columns.
    pub fn view_columns(&self, name: &str) -> Option<Vec<arrow::datatypes::Field>> {
        match self.entries.read().get(name) {
            Some(Entry::View(v)) => Some(
                v.schema()
                    .fields()
                    .iter()
                    .map(|f| f.as_ref().clone())
                    .collect(),
            ),
            _ => None,
        }
    }

    pub fn table_def(&self, name: &str) -> Option<TableDef> {
        match self.entries.read().get(name) {
            Some(Entry::Table(t)) | Some(Entry::Computed(t)) => Some(t.clone()),
            _ => None,
        }
    }
}

#[async_trait]
impl SchemaProvider for ScriptSchema {
    fn table_names(&self) -> Vec<String> {
        self.entries
            .read()
            .keys()
            .filter(|k| !k.ends_with("$physical"))
            .cloned()
            .collect()
    }

    async fn table(&self, name: &str) -> DFResult<Option<Arc<dyn TableProvider>>> {
        let entry = self.entries.read().get(name).cloned();
        match entry {
            None => Ok(None),
            Some(Entry::View(v)) => Ok(Some(v)),
            Some(Entry::Computed(def)) => {
                if let Some(s) = self.sources.read().get(name) {
                    return Ok(Some(s.clone()));
                }
                let readable = if def.metadata.is_empty() {
                    vec![]
                } else {
                    let connector = self.registry.for_table(&def).map_err(to_datafusion)?;
                    connector.readable_metadata()
                };
                check_metadata_keys(&def, &readable).map_err(to_datafusion)?;
                let view_sql = computed_view_sql(&def, &readable);
                let state = self
                    .session
                    .read()
                    .as_ref()
                    .and_then(|w| w.upgrade())
                    .ok_or_else(|| {
                        DataFusionError::Internal("no planning session for computed columns".into())
                    })?;
                let state = state.read().clone();
                let plan = weft_flink_sql::plan_sql(&state, &view_sql).await.map_err(|e| {
                    DataFusionError::Plan(format!(
                        "a computed or metadata column of table `{}` (declared at line {}) does not plan: {}",
                        def.name,
                        def.line,
                        e.strip_backtrace()
                    ))
                })?;
                let view: Arc<dyn TableProvider> =
                    Arc::new(datafusion::datasource::ViewTable::new(plan, Some(view_sql)));
                self.sources.write().insert(name.to_string(), view.clone());
                Ok(Some(view))
            }
            Some(Entry::Table(def)) => {
                if let Some(s) = self.sources.read().get(name) {
                    return Ok(Some(s.clone()));
                }
                let connector = self.registry.for_table(&def).map_err(to_datafusion)?;
                let config = self.config.read().clone();
                let source = connector
                    .create_source(&def, &config)
                    .await
                    .map_err(to_datafusion)?;
                self.sources
                    .write()
                    .insert(name.to_string(), source.clone());
                Ok(Some(source))
            }
        }
    }

    fn register_table(
        &self,
        name: String,
        table: Arc<dyn TableProvider>,
    ) -> DFResult<Option<Arc<dyn TableProvider>>> {
        self.add_view(&name, table);
        Ok(None)
    }

    fn deregister_table(&self, name: &str) -> DFResult<Option<Arc<dyn TableProvider>>> {
        Err(DataFusionError::NotImplemented(format!(
            "dropping table {name} is not supported"
        )))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.has(name)
    }
}
