//! `TpchExec`: partition `i` of `P` runs tpchgen's generator for part `i + 1` of `P` (the
//! same rows dbgen produces), projected and cast to the declared columns.

use std::fmt;
use std::sync::Arc;

use arrow::array::{RecordBatch, RecordBatchOptions};
use arrow::compute::cast;
use arrow::datatypes::SchemaRef;
use datafusion::common::Statistics;
use datafusion::common::stats::Precision;
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use serde::{Deserialize, Serialize};
use tpchgen::generators::{
    CustomerGenerator, LineItemGenerator, NationGenerator, OrderGenerator, PartGenerator,
    PartSuppGenerator, RegionGenerator, SupplierGenerator,
};
use tpchgen_arrow::{
    CustomerArrow, LineItemArrow, NationArrow, OrderArrow, PartArrow, PartSuppArrow,
    RecordBatchIterator, RegionArrow, SupplierArrow,
};

use crate::exec_util::{SerdeField, check_partition, leaf_properties, schema_of};

/// The eight TPC-H tables.
pub const TPCH_TABLES: &[&str] = &[
    "customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier",
];

/// Rows per batch the generators produce.
pub const TPCH_BATCH_SIZE: usize = 8192;

/// An arrow generator for `part` (1-based) of `parts` of a TPC-H table.
pub(crate) fn generator(
    table: &str,
    scale: f64,
    part: i32,
    parts: i32,
) -> Option<Box<dyn RecordBatchIterator>> {
    let b = TPCH_BATCH_SIZE;
    Some(match table {
        "customer" => Box::new(
            CustomerArrow::new(CustomerGenerator::new(scale, part, parts)).with_batch_size(b),
        ),
        "lineitem" => Box::new(
            LineItemArrow::new(LineItemGenerator::new(scale, part, parts)).with_batch_size(b),
        ),
        "nation" => {
            Box::new(NationArrow::new(NationGenerator::new(scale, part, parts)).with_batch_size(b))
        }
        "orders" => {
            Box::new(OrderArrow::new(OrderGenerator::new(scale, part, parts)).with_batch_size(b))
        }
        "part" => {
            Box::new(PartArrow::new(PartGenerator::new(scale, part, parts)).with_batch_size(b))
        }
        "partsupp" => Box::new(
            PartSuppArrow::new(PartSuppGenerator::new(scale, part, parts)).with_batch_size(b),
        ),
        "region" => {
            Box::new(RegionArrow::new(RegionGenerator::new(scale, part, parts)).with_batch_size(b))
        }
        "supplier" => Box::new(
            SupplierArrow::new(SupplierGenerator::new(scale, part, parts)).with_batch_size(b),
        ),
        _ => return None,
    })
}

/// What a `TpchExec` is, as serialized by the codec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TpchExecConfig {
    pub table: String,
    pub scale: f64,
    pub partitions: usize,
    /// For each output column, its index in the generator's schema.
    pub source_columns: Vec<usize>,
    pub(crate) fields: Vec<SerdeField>,
}

#[derive(Debug)]
pub struct TpchExec {
    config: TpchExecConfig,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl TpchExec {
    pub fn try_new(config: TpchExecConfig) -> Result<Self> {
        if !TPCH_TABLES.contains(&config.table.as_str()) {
            return Err(datafusion::error::DataFusionError::Internal(format!(
                "TpchExec: unknown table '{}'",
                config.table
            )));
        }
        let schema = schema_of(&config.fields)?;
        let properties = leaf_properties(schema.clone(), config.partitions);
        Ok(Self {
            config,
            schema,
            properties,
        })
    }

    pub fn config(&self) -> &TpchExecConfig {
        &self.config
    }
}

impl DisplayAs for TpchExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "TpchExec: table={}, scale={}, partitions={}",
            self.config.table, self.config.scale, self.config.partitions
        )
    }
}

/// Rows of a TPC-H table at scale 1 (lineitem varies with the seed: about 6 million).
fn rows_at_scale_1(table: &str) -> f64 {
    match table {
        "nation" => 25.0,
        "region" => 5.0,
        "part" => 200_000.0,
        "supplier" => 10_000.0,
        "partsupp" => 800_000.0,
        "customer" => 150_000.0,
        "orders" => 1_500_000.0,
        _ => 6_001_215.0,
    }
}

impl ExecutionPlan for TpchExec {
    crate::exec_util::leaf_exec_methods!("TpchExec");

    /// Estimated row counts and sizes, so the planner can broadcast small tables: inexact,
    /// never used to answer a query (nation and region do not scale).
    fn partition_statistics(&self, partition: Option<usize>) -> Result<Arc<Statistics>> {
        let c = &self.config;
        let scale = if matches!(c.table.as_str(), "nation" | "region") {
            1.0
        } else {
            c.scale
        };
        let total = (rows_at_scale_1(&c.table) * scale).ceil() as usize;
        let rows = match partition {
            Some(_) => total.div_ceil(c.partitions.max(1)),
            None => total,
        };
        // Strings count as 24 bytes: TPC-H's names, comments and flags average about that.
        let width: usize = self
            .schema
            .fields()
            .iter()
            .map(|f| f.data_type().primitive_width().unwrap_or(24))
            .sum();
        let mut stats = Statistics::new_unknown(&self.schema);
        stats.num_rows = Precision::Inexact(rows);
        stats.total_byte_size = Precision::Inexact(rows * width.max(1));
        Ok(Arc::new(stats))
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        check_partition("TpchExec", partition, self.config.partitions)?;
        let c = &self.config;
        let batches = generator(
            &c.table,
            c.scale,
            partition as i32 + 1,
            c.partitions.max(1) as i32,
        )
        .expect("table checked in try_new");
        let schema = self.schema.clone();
        let source_columns = c.source_columns.clone();
        let stream = futures::stream::iter(batches.map(move |batch| {
            let columns = source_columns
                .iter()
                .zip(schema.fields())
                .map(|(&i, f)| {
                    let col = batch.column(i);
                    if col.data_type() == f.data_type() {
                        Ok(col.clone())
                    } else {
                        Ok(cast(col, f.data_type())?)
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
            Ok(RecordBatch::try_new_with_options(
                schema.clone(),
                columns,
                &options,
            )?)
        }));
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            stream,
        )))
    }
}
