//! [`FlinkCsvScanExec`]: a CSV table's scan, read by [`FlinkCsvSource`]. Its child is the
//! `DataSourceExec` DataFusion planned with its own CSV source (files, byte ranges,
//! partition values, projection, LIMIT); partition `j` runs that configuration with
//! Flink's reader in its place, so the output has the declared types.

use std::fmt;
use std::sync::{Arc, OnceLock};

use arrow::datatypes::{Field, Schema};
use datafusion::common::Statistics;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::physical_plan::{CsvSource, FileScanConfigBuilder, FileSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::statistics::{ChildStats, StatisticsArgs};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
};

use super::columns::read_type;
use super::{FlinkCsvFormat, FlinkCsvSource};

#[derive(Debug)]
pub struct FlinkCsvScanExec {
    input: Arc<dyn ExecutionPlan>,
    format: Arc<FlinkCsvFormat>,
    properties: Arc<PlanProperties>,
    /// The scan every partition executes: one instance, so that partitions share its
    /// execution state (DataFusion's file work stealing hands a file to one of them).
    scan: OnceLock<Arc<dyn ExecutionPlan>>,
}

impl FlinkCsvScanExec {
    /// `input`: DataFusion's CSV scan of the table's files, every data column as text.
    pub fn try_new(input: Arc<dyn ExecutionPlan>, format: FlinkCsvFormat) -> DfResult<Self> {
        let schema = Arc::new(typed(&input.schema(), &format));
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema),
            input.output_partitioning().clone(),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Ok(FlinkCsvScanExec {
            input,
            format: Arc::new(format),
            properties,
            scan: OnceLock::new(),
        })
    }

    pub fn format(&self) -> &FlinkCsvFormat {
        &self.format
    }

    /// The inner scan's configuration with Flink's reader as its source.
    fn scan(&self) -> DfResult<Arc<dyn ExecutionPlan>> {
        let (config, csv) = self
            .input
            .downcast_ref::<DataSourceExec>()
            .and_then(|ds| ds.downcast_to_file_source::<CsvSource>())
            .ok_or_else(|| {
                DataFusionError::Internal("FlinkCsvScanExec over a non-CSV scan".into())
            })?;
        let text = csv.table_schema();
        let file_schema = Arc::new(typed(text.file_schema(), &self.format));
        let table_schema = TableSchema::builder(file_schema)
            .with_table_partition_cols(text.table_partition_cols().clone())
            .build();
        let mut source: Arc<dyn FileSource> =
            Arc::new(FlinkCsvSource::new(self.format.clone(), table_schema));
        if let Some(p) = csv.projection()
            && let Some(projected) = source.try_pushdown_projection(p)?
        {
            source = projected;
        }
        let config = FileScanConfigBuilder::from(config.clone())
            .with_source(source)
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}

/// `schema` with the table's data columns as they are read.
fn typed(schema: &Schema, format: &FlinkCsvFormat) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match format.types.iter().find(|(n, _)| n == f.name()) {
            Some((_, t)) => f.as_ref().clone().with_data_type(read_type(t)),
            None => f.as_ref().clone(),
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

impl DisplayAs for FlinkCsvScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "FlinkCsvScanExec: table={}", self.format.table)?;
        if self.format.lenient {
            write!(f, ", ignore-parse-errors")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for FlinkCsvScanExec {
    fn name(&self) -> &str {
        "FlinkCsvScanExec"
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [input] = children.as_slice() else {
            return Err(DataFusionError::Internal(
                "FlinkCsvScanExec has one child".into(),
            ));
        };
        Ok(Arc::new(FlinkCsvScanExec::try_new(
            input.clone(),
            self.format.as_ref().clone(),
        )?))
    }

    // The whole scan's row count and size are the child's (join planning reads them), not
    // its column statistics (the types differ); one partition's are unknown.
    fn child_stats_requests(&self, partition: Option<usize>) -> Vec<ChildStats> {
        vec![match partition {
            None => ChildStats::At(None),
            Some(_) => ChildStats::Skip,
        }]
    }

    fn statistics_from_inputs(
        &self,
        input_stats: &[Arc<Statistics>],
        args: &StatisticsArgs,
    ) -> DfResult<Arc<Statistics>> {
        let mut out = Statistics::new_unknown(&self.schema());
        if let (None, Some(s)) = (args.partition(), input_stats.first()) {
            out.num_rows = s.num_rows;
            out.total_byte_size = s.total_byte_size;
        }
        Ok(Arc::new(out))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        let scan = match self.scan.get() {
            Some(s) => s.clone(),
            None => {
                let built = self.scan()?;
                self.scan.get_or_init(|| built).clone()
            }
        };
        scan.execute(partition, context)
    }
}
