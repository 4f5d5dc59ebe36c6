//! [`NativeSource`]: the DataFusion `FileSource` of Flink's readers (CSV, JSON). DataFusion's
//! file scan does the rest (file groups, byte-range splits, partition columns, projection,
//! LIMIT); the format opens one file, or one byte range of it, into typed batches.

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileOpener, FileScanConfig, FileSource};
use datafusion::datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result as DfResult;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::DisplayFormatType;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::projection::ProjectionExprs;
use object_store::ObjectStore;

/// A format Flink's reader reads.
pub trait FlinkFormat: fmt::Debug + Clone + Send + Sync + 'static {
    /// `flink-csv`, `flink-json`.
    fn file_type(&self) -> &'static str;
    /// `<format>.ignore-parse-errors`.
    fn lenient(&self) -> bool;
    /// The opener of the file columns `columns` (in the order of `schema`); `store_url`
    /// names files in messages.
    fn opener(
        self: &Arc<Self>,
        store: Arc<dyn ObjectStore>,
        store_url: String,
        columns: Vec<usize>,
        schema: SchemaRef,
        batch_size: usize,
    ) -> Arc<dyn FileOpener>;
}

/// The byte range `[start, end)` of a file split a native reader reads (the whole file
/// without a range), and the file's name for error messages: `<store url>/<path>`.
pub fn split_of(file: &PartitionedFile, store_url: &str) -> (u64, u64, String) {
    let (start, end) = match &file.range {
        Some(r) => (r.start as u64, r.end as u64),
        None => (0, file.object_meta.size),
    };
    (
        start,
        end,
        format!("{store_url}/{}", file.object_meta.location),
    )
}

#[derive(Debug, Clone)]
pub struct NativeSource<F: FlinkFormat> {
    format: Arc<F>,
    table_schema: TableSchema,
    projection: SplitProjection,
    batch_size: Option<usize>,
    metrics: ExecutionPlanMetricsSet,
}

impl<F: FlinkFormat> NativeSource<F> {
    /// `table_schema`'s file schema holds the data columns as the format reads them.
    pub fn new(format: Arc<F>, table_schema: TableSchema) -> Self {
        NativeSource {
            format,
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            batch_size: None,
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }
}

impl<F: FlinkFormat> FileSource for NativeSource<F> {
    fn create_file_opener(
        &self,
        object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        _partition: usize,
    ) -> DfResult<Arc<dyn FileOpener>> {
        let file_schema = self.table_schema.file_schema();
        let opener = self.format.opener(
            object_store,
            base_config
                .object_store_url
                .as_str()
                .trim_end_matches('/')
                .to_string(),
            self.projection.file_indices.clone(),
            Arc::new(file_schema.project(&self.projection.file_indices)?),
            self.batch_size.unwrap_or(8192),
        );
        ProjectionOpener::try_new(self.projection.clone(), opener, file_schema)
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        let mut s = self.clone();
        s.batch_size = Some(batch_size);
        Arc::new(s)
    }

    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> DfResult<Option<Arc<dyn FileSource>>> {
        let mut s = self.clone();
        let merged = self.projection.source.try_merge(projection)?;
        s.projection = SplitProjection::new(self.table_schema.file_schema(), &merged);
        Ok(Some(Arc::new(s)))
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        Some(&self.projection.source)
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        self.format.file_type()
    }

    fn fmt_extra(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        if self.format.lenient() {
            write!(f, ", ignore-parse-errors")?;
        }
        Ok(())
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        datafusion::physical_plan::apply_expression_roots(self.projection.source.iter(), f)
    }
}

/// A format's declared columns as they travel in plans: each type as Arrow's type text
/// (`#[serde(with = "types_as_text")]`).
pub mod types_as_text {
    use arrow::datatypes::DataType;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(types: &[(String, DataType)], s: S) -> Result<S::Ok, S::Error> {
        types
            .iter()
            .map(|(n, t)| (n.as_str(), t.to_string()))
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, DataType)>, D::Error> {
        Vec::<(String, String)>::deserialize(d)?
            .into_iter()
            .map(|(n, t)| {
                t.parse::<DataType>()
                    .map(|t| (n, t))
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    }
}
