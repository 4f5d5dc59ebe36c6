//! Flink's catalogs in a script: `CREATE CATALOG c WITH ('type' = 'hive',
//! 'hive.metastore.uris' = 'thrift://…', 'default-database' = '…')`, `USE CATALOG c`,
//! `USE db`. A Hive catalog's tables are the metastore's: `c.db.t` (or `db.t` / `t` after
//! `USE`) reads and writes them through the `hive` connector, with the columns, partition
//! keys, location and format the metastore holds. `default_catalog` (database
//! `default_database`) is where the script's CREATE TABLEs live.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, SchemaProvider, TableProvider};
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::prelude::SessionContext;

use crate::catalog::{ConnectorRegistry, TableDef};
use crate::config::Configuration;
use crate::error::{Result, WeftError, to_datafusion};

pub const DEFAULT_CATALOG: &str = "default_catalog";
const CATALOG_OPTIONS: &[&str] = &[
    "type",
    "hive.metastore.uris",
    "default-database",
    "hive-conf-dir",
    "hive-version",
];

#[derive(Debug, Clone)]
struct HiveCatalogDef {
    uris: String,
    default_database: String,
}

/// The catalogs a script created and the current catalog / database.
#[derive(Default)]
pub struct Catalogs {
    defs: BTreeMap<String, HiveCatalogDef>,
    current: Option<String>,
    database: Option<String>,
}

fn err(message: impl Into<String>) -> WeftError {
    WeftError::config("CREATE CATALOG", message.into())
}

/// A metastore table as the `hive` connector declares it.
fn hive_table(name: &str, def: &HiveCatalogDef, database: &str, table: &str) -> TableDef {
    TableDef::with_options(
        name,
        &[
            ("connector", "hive"),
            ("hive.metastore.uris", &def.uris),
            ("hive.database", database),
            ("hive.table", table),
        ],
    )
}

impl Catalogs {
    pub fn create(
        &mut self,
        ctx: &SessionContext,
        registry: &ConnectorRegistry,
        config: &Configuration,
        name: &str,
        options: &BTreeMap<String, String>,
    ) -> Result<()> {
        if name.eq_ignore_ascii_case(DEFAULT_CATALOG) || self.defs.contains_key(name) {
            return Err(err(format!("catalog `{name}` already exists")));
        }
        for k in options.keys() {
            if !CATALOG_OPTIONS.contains(&k.as_str()) {
                return Err(err(format!(
                    "unknown catalog option '{k}'; valid: {}",
                    CATALOG_OPTIONS.join(", ")
                )));
            }
        }
        match options.get("type").map(String::as_str) {
            Some("hive") => {}
            Some(other) => {
                return Err(err(format!(
                    "catalog type '{other}': Weft has 'hive' catalogs (Iceberg and Delta tables are declared with CREATE TABLE)"
                )));
            }
            None => return Err(err("missing option 'type' (Weft has 'hive' catalogs)")),
        }
        let uris = options.get("hive.metastore.uris").ok_or_else(|| {
            err("a hive catalog needs 'hive.metastore.uris' (thrift://host:9083); Weft does not read hive-conf-dir")
        })?;
        if registry.get("hive").is_none() {
            return Err(err("this build has no hive connector"));
        }
        let def = HiveCatalogDef {
            uris: uris.clone(),
            default_database: options
                .get("default-database")
                .cloned()
                .unwrap_or_else(|| "default".into()),
        };
        ctx.register_catalog(
            name,
            Arc::new(HiveCatalog {
                name: name.to_string(),
                def: def.clone(),
                registry: registry.clone(),
                config: config.clone(),
            }),
        );
        self.defs.insert(name.to_string(), def);
        Ok(())
    }

    pub fn use_catalog(&mut self, ctx: &SessionContext, name: &str) -> Result<()> {
        if name.eq_ignore_ascii_case(DEFAULT_CATALOG) {
            self.current = None;
            self.database = None;
        } else if let Some(def) = self.defs.get(name) {
            self.current = Some(name.to_string());
            self.database = Some(def.default_database.clone());
        } else {
            return Err(err(format!(
                "USE CATALOG {name}: no such catalog; create it with CREATE CATALOG {name} WITH ('type' = 'hive', …)"
            )));
        }
        self.apply(ctx);
        Ok(())
    }

    pub fn use_database(&mut self, ctx: &SessionContext, name: &str) -> Result<()> {
        match name.split_once('.') {
            Some((catalog, db)) => {
                self.use_catalog(ctx, catalog)?;
                self.database = Some(db.to_string());
            }
            None if self.current.is_some() => self.database = Some(name.to_string()),
            None if name.eq_ignore_ascii_case("default_database") => {}
            None => {
                return Err(err(format!(
                    "USE {name}: the default catalog has one database, default_database; USE CATALOG a hive catalog first"
                )));
            }
        }
        self.apply(ctx);
        Ok(())
    }

    /// Point unqualified names at the current catalog and database.
    fn apply(&self, ctx: &SessionContext) {
        let state = ctx.state_ref();
        let mut state = state.write();
        let opts = state.config_mut().options_mut();
        match &self.current {
            Some(c) => {
                opts.catalog.default_catalog = c.clone();
                opts.catalog.default_schema =
                    self.database.clone().unwrap_or_else(|| "default".into());
            }
            None => {
                opts.catalog.default_catalog = "datafusion".into();
                opts.catalog.default_schema = "public".into();
            }
        }
    }

    /// The table an INSERT names, when it is a catalog table: `c.db.t`, or `db.t` / `t` in
    /// the current catalog.
    pub fn table_def(&self, name: &str) -> Option<TableDef> {
        let parts: Vec<&str> = name.split('.').collect();
        let (catalog, db, table) = match parts.as_slice() {
            [c, d, t] => (c.to_string(), d.to_string(), *t),
            [d, t] => (self.current.clone()?, d.to_string(), *t),
            [t] => (self.current.clone()?, self.database.clone()?, *t),
            _ => return None,
        };
        let def = self.defs.get(&catalog)?;
        Some(hive_table(name, def, &db, table))
    }
}

struct HiveCatalog {
    name: String,
    def: HiveCatalogDef,
    registry: ConnectorRegistry,
    config: Configuration,
}

impl std::fmt::Debug for HiveCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HiveCatalog({})", self.name)
    }
}

impl CatalogProvider for HiveCatalog {
    fn schema_names(&self) -> Vec<String> {
        vec![self.def.default_database.clone()]
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        Some(Arc::new(HiveDatabase {
            catalog: self.name.clone(),
            database: name.to_string(),
            def: self.def.clone(),
            registry: self.registry.clone(),
            config: self.config.clone(),
        }))
    }
}

struct HiveDatabase {
    catalog: String,
    database: String,
    def: HiveCatalogDef,
    registry: ConnectorRegistry,
    config: Configuration,
}

impl std::fmt::Debug for HiveDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HiveDatabase({}.{})", self.catalog, self.database)
    }
}

#[async_trait]
impl SchemaProvider for HiveDatabase {
    fn table_names(&self) -> Vec<String> {
        vec![]
    }

    async fn table(&self, name: &str) -> DFResult<Option<Arc<dyn TableProvider>>> {
        let qualified = format!("{}.{}.{name}", self.catalog, self.database);
        let def = hive_table(&qualified, &self.def, &self.database, name);
        let connector = self
            .registry
            .get("hive")
            .ok_or_else(|| DataFusionError::Plan("no hive connector".into()))?;
        let def = connector.resolve(&def).await.map_err(to_datafusion)?;
        let source = connector
            .create_source(&def, &self.config)
            .await
            .map_err(to_datafusion)?;
        Ok(Some(source))
    }

    fn table_exist(&self, _name: &str) -> bool {
        false
    }
}
