//! The `datagen` connector (Flink's): a bounded table of generated rows.
//!
//! ```sql
//! CREATE TABLE orders (id BIGINT, amount DECIMAL(10, 2), note STRING) WITH (
//!   'connector' = 'datagen', 'number-of-rows' = '1000000',
//!   'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000000',
//!   'fields.amount.min' = '0', 'fields.amount.max' = '500', 'fields.note.length' = '20');
//! ```

mod exec;
mod generator;
mod spec;

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use weft_core::Result;
use weft_core::catalog::{Connector, TableDef};
use weft_core::config::Configuration;

pub use exec::{DatagenExec, DatagenExecConfig};
pub use spec::{ColumnSpec, DATAGEN_OPTIONS, DatagenSpec, Generator};

pub struct DatagenConnector;

#[async_trait]
impl Connector for DatagenConnector {
    fn identifier(&self) -> &'static str {
        "datagen"
    }

    fn resolve_schema(&self, table: &TableDef) -> Result<SchemaRef> {
        DatagenSpec::from_table(table)?;
        Ok(table.schema())
    }

    async fn create_source(
        &self,
        table: &TableDef,
        _config: &Configuration,
    ) -> Result<Arc<dyn TableProvider>> {
        Ok(Arc::new(DatagenTable {
            spec: DatagenSpec::from_table(table)?,
            schema: table.schema(),
        }))
    }
}

/// The scan side of a `datagen` table.
#[derive(Debug)]
pub struct DatagenTable {
    spec: DatagenSpec,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for DatagenTable {
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
        let mut spec = self.spec.clone();
        if let Some(p) = projection {
            spec.columns = p.iter().map(|&i| self.spec.columns[i].clone()).collect();
        }
        let config = DatagenExecConfig {
            spec,
            partitions: state.config().target_partitions().max(1),
            batch_size: state.config().batch_size(),
        };
        Ok(Arc::new(DatagenExec::try_new(config)?))
    }
}
