//! The script's tables and views as a DataFusion schema. A table's source is created only
//! when a query reads it, so a sink-only table (whose path may not exist yet) is never
//! validated as a source.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::error::{DataFusionError, Result as DFResult};
use parking_lot::RwLock;

use crate::catalog::{ConnectorRegistry, TableDef};
use crate::config::Configuration;
use crate::error::to_datafusion;

#[derive(Clone)]
enum Entry {
    Table(TableDef),
    View(Arc<dyn TableProvider>),
}

pub struct ScriptSchema {
    registry: ConnectorRegistry,
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

    pub fn add_table(&self, def: TableDef) {
        self.sources.write().remove(&def.name);
        self.entries
            .write()
            .insert(def.name.clone(), Entry::Table(def));
    }

    pub fn add_view(&self, name: &str, view: Arc<dyn TableProvider>) {
        self.entries
            .write()
            .insert(name.to_string(), Entry::View(view));
    }

    pub fn table_def(&self, name: &str) -> Option<TableDef> {
        match self.entries.read().get(name) {
            Some(Entry::Table(t)) => Some(t.clone()),
            _ => None,
        }
    }
}

#[async_trait]
impl SchemaProvider for ScriptSchema {
    fn table_names(&self) -> Vec<String> {
        self.entries.read().keys().cloned().collect()
    }

    async fn table(&self, name: &str) -> DFResult<Option<Arc<dyn TableProvider>>> {
        let entry = self.entries.read().get(name).cloned();
        match entry {
            None => Ok(None),
            Some(Entry::View(v)) => Ok(Some(v)),
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
