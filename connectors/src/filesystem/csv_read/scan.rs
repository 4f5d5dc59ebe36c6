//! [`FlinkScanExec`]: a CSV or JSON table's scan, read by Flink's reader for the format
//! ([`FlinkCsvSource`], [`FlinkJsonSource`]). Its child is the `DataSourceExec` DataFusion
//! planned with its own CSV or JSON source (files, byte ranges, partition values,
//! projection, LIMIT); partition `j` runs that configuration with Flink's reader in its
//! place, so the output has the declared types.

use std::fmt;
use std::sync::{Arc, OnceLock};

use arrow::datatypes::{Field, Schema};
use datafusion::common::Statistics;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::physical_plan::{
    CsvSource, FileScanConfigBuilder, FileSource, JsonSource,
};
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

use super::{FlinkCsvFormat, FlinkCsvSource};
use crate::filesystem::json_read::{FlinkJsonFormat, FlinkJsonSource};

/// The format a [`FlinkScanExec`] reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum NativeFormat {
    Csv(FlinkCsvFormat),
    Json(FlinkJsonFormat),
}

impl NativeFormat {
    fn table(&self) -> &str {
        match self {
            NativeFormat::Csv(f) => &f.table,
            NativeFormat::Json(f) => &f.table,
        }
    }

    fn lenient(&self) -> bool {
        match self {
            NativeFormat::Csv(f) => f.lenient,
            NativeFormat::Json(f) => f.lenient,
        }
    }

    /// The type column `name` is read as, when it is a data column.
    fn read_type(&self, name: &str) -> Option<arrow::datatypes::DataType> {
        match self {
            NativeFormat::Csv(f) => f
                .types
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| super::columns::read_type(t)),
            NativeFormat::Json(f) => f
                .types
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| crate::filesystem::json_read::columns::read_type(t)),
        }
    }
}

#[derive(Debug)]
pub struct FlinkScanExec {
    input: Arc<dyn ExecutionPlan>,
    format: Arc<NativeFormat>,
    properties: Arc<PlanProperties>,
    /// The scan every partition executes: one instance, so that partitions share its
    /// execution state (DataFusion's file work stealing hands a file to one of them).
    scan: OnceLock<Arc<dyn ExecutionPlan>>,
}

impl FlinkScanExec {
    /// `input`: DataFusion's CSV or JSON scan of the table's files.
    pub fn try_new(input: Arc<dyn ExecutionPlan>, format: NativeFormat) -> DfResult<Self> {
        let schema = Arc::new(typed(&input.schema(), &format));
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema),
            input.output_partitioning().clone(),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Ok(FlinkScanExec {
            input,
            format: Arc::new(format),
            properties,
            scan: OnceLock::new(),
        })
    }

    pub fn format(&self) -> &NativeFormat {
        &self.format
    }

    /// The inner scan's configuration with Flink's reader as its source.
    fn scan(&self) -> DfResult<Arc<dyn ExecutionPlan>> {
        let ds = self.input.downcast_ref::<DataSourceExec>();
        let inner: Option<(
            &datafusion::datasource::physical_plan::FileScanConfig,
            &dyn FileSource,
        )> = match self.format.as_ref() {
            NativeFormat::Csv(_) => ds
                .and_then(|ds| ds.downcast_to_file_source::<CsvSource>())
                .map(|(c, s)| (c, s as &dyn FileSource)),
            NativeFormat::Json(_) => ds
                .and_then(|ds| ds.downcast_to_file_source::<JsonSource>())
                .map(|(c, s)| (c, s as &dyn FileSource)),
        };
        let (config, planned) = inner.ok_or_else(|| {
            DataFusionError::Internal("FlinkScanExec over a scan of another format".into())
        })?;
        let text = planned.table_schema();
        let file_schema = Arc::new(typed(text.file_schema(), &self.format));
        let table_schema = TableSchema::builder(file_schema)
            .with_table_partition_cols(text.table_partition_cols().clone())
            .build();
        let mut source: Arc<dyn FileSource> = match self.format.as_ref() {
            NativeFormat::Csv(f) => {
                Arc::new(FlinkCsvSource::new(Arc::new(f.clone()), table_schema))
            }
            NativeFormat::Json(f) => {
                Arc::new(FlinkJsonSource::new(Arc::new(f.clone()), table_schema))
            }
        };
        if let Some(p) = planned.projection()
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
fn typed(schema: &Schema, format: &NativeFormat) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match format.read_type(f.name()) {
            Some(t) => f.as_ref().clone().with_data_type(t),
            None => f.as_ref().clone(),
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

impl DisplayAs for FlinkScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let name = match self.format.as_ref() {
            NativeFormat::Csv(_) => "FlinkCsvScanExec",
            NativeFormat::Json(_) => "FlinkJsonScanExec",
        };
        write!(f, "{name}: table={}", self.format.table())?;
        if self.format.lenient() {
            write!(f, ", ignore-parse-errors")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for FlinkScanExec {
    fn name(&self) -> &str {
        "FlinkScanExec"
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
                "FlinkScanExec has one child".into(),
            ));
        };
        Ok(Arc::new(FlinkScanExec::try_new(
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
