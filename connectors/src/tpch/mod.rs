//! The `tpch` connector: the eight TPC-H tables generated on the fly by tpchgen (the same
//! rows as dbgen), split into one generator part per partition.
//!
//! ```sql
//! CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '10');
//! ```

mod exec;
mod schema;

use std::sync::Arc;

use arrow::compute::can_cast_types;
use arrow::datatypes::{Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use weft_core::catalog::{Connector, TableDef};
use weft_core::config::Configuration;
use weft_core::{Result, WeftError};

use crate::exec_util::SerdeField;
pub use exec::{TPCH_BATCH_SIZE, TPCH_TABLES, TpchExec, TpchExecConfig};
pub use schema::generator_schema;

/// Options the `tpch` connector accepts.
pub const TPCH_OPTIONS: &[&str] = &["table", "scale"];

pub struct TpchConnector;

/// A `tpch` table's options, checked.
#[derive(Debug, Clone)]
struct TpchOptions {
    table: String,
    scale: f64,
    /// Output columns: (index in the generator's schema, declared field).
    columns: Vec<(usize, Field)>,
}

impl TpchOptions {
    fn from_table(t: &TableDef) -> Result<Self> {
        t.check_options(TPCH_OPTIONS)?;
        let err = |m: String| WeftError::table_option(&t.name, m);
        let table = t.required("table")?.trim().to_ascii_lowercase();
        let gen_schema = generator_schema(&table).ok_or_else(|| {
            err(format!(
                "unknown TPC-H table '{table}' in option 'table'; valid tables: {}",
                TPCH_TABLES.join(", ")
            ))
        })?;
        let scale = match t.option("scale") {
            None => 1.0,
            Some(s) => match s.trim().parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => v,
                _ => {
                    return Err(err(format!(
                        "option 'scale' must be a positive number, got '{s}'"
                    )));
                }
            },
        };
        let columns = if t.columns.is_empty() {
            gen_schema
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| (i, f.as_ref().clone()))
                .collect()
        } else {
            let mut cols = Vec::with_capacity(t.columns.len());
            for f in &t.columns {
                let (i, g) = gen_schema.column_with_name(f.name()).ok_or_else(|| {
                    err(format!(
                        "column '{}' is not a column of TPC-H table '{table}'; its columns: {}",
                        f.name(),
                        gen_schema
                            .fields()
                            .iter()
                            .map(|f| f.name().as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                if !can_cast_types(g.data_type(), f.data_type()) {
                    return Err(err(format!(
                        "column '{}' is declared {} but TPC-H generates {}, which cannot be cast",
                        f.name(),
                        f.data_type(),
                        g.data_type()
                    )));
                }
                cols.push((i, f.clone()));
            }
            cols
        };
        Ok(Self {
            table,
            scale,
            columns,
        })
    }

    fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|(_, f)| f.clone())
                .collect::<Vec<_>>(),
        ))
    }
}

#[async_trait]
impl Connector for TpchConnector {
    fn identifier(&self) -> &'static str {
        "tpch"
    }

    fn resolve_schema(&self, table: &TableDef) -> Result<SchemaRef> {
        Ok(TpchOptions::from_table(table)?.schema())
    }

    async fn create_source(
        &self,
        table: &TableDef,
        _config: &Configuration,
    ) -> Result<Arc<dyn TableProvider>> {
        let options = TpchOptions::from_table(table)?;
        Ok(Arc::new(TpchTable {
            schema: options.schema(),
            options,
        }))
    }
}

/// The scan side of a `tpch` table.
#[derive(Debug)]
pub struct TpchTable {
    options: TpchOptions,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for TpchTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let all: Vec<usize> = (0..self.options.columns.len()).collect();
        let selected = projection.unwrap_or(&all);
        let columns: Vec<&(usize, Field)> =
            selected.iter().map(|&i| &self.options.columns[i]).collect();
        let partitions = match self.options.table.as_str() {
            "nation" | "region" => 1,
            _ => state.config().target_partitions().max(1),
        };
        let config = TpchExecConfig {
            table: self.options.table.clone(),
            scale: self.options.scale,
            partitions,
            source_columns: columns.iter().map(|(i, _)| *i).collect(),
            fields: columns
                .iter()
                .map(|(_, f)| SerdeField::from_field(f))
                .collect(),
        };
        Ok(Arc::new(TpchExec::try_new(config)?))
    }
}
