//! Flink's filesystem METADATA columns (`file.path`, `file.name`, `file.size`,
//! `file.modification-time`): values of the file a row was read from. They ride on
//! DataFusion's per-file constants: each key becomes one more table partition column of the
//! scan, whose value every `PartitionedFile` carries, so they work for every format, with
//! byte-range splits, and through the plan codec.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, FieldRef, TimeUnit};
use datafusion::common::stats::Precision;
use datafusion::common::{ColumnStatistics, ScalarValue};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig, FileScanConfigBuilder};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::projection::{ProjectionExpr, ProjectionExprs};
use datafusion::physical_plan::ExecutionPlan;
use weft_core::catalog::metadata_column_name;

/// The keys Flink's filesystem source reads, with Flink's types (`STRING NOT NULL`,
/// `BIGINT NOT NULL`, `TIMESTAMP_LTZ(3) NOT NULL`).
pub fn readable() -> Vec<(&'static str, DataType)> {
    vec![
        ("file.path", DataType::Utf8),
        ("file.name", DataType::Utf8),
        ("file.size", DataType::Int64),
        (
            "file.modification-time",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        ),
    ]
}

/// The scan column of metadata `key`.
pub fn field(key: &str) -> Field {
    let t = readable()
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| t)
        .unwrap_or(DataType::Utf8);
    Field::new(metadata_column_name(key), t, false)
}

/// Flink's `file.path`: the path part of the file's URI (`Path#getPath`), without scheme
/// or authority, whatever the table's 'path' was written with.
pub fn path_text(f: &PartitionedFile) -> String {
    format!("/{}", f.object_meta.location.as_ref())
}

/// The value of `key` for file `f`.
pub fn value(key: &str, f: &PartitionedFile) -> ScalarValue {
    let meta = &f.object_meta;
    match key {
        "file.path" => ScalarValue::Utf8(Some(path_text(f))),
        "file.name" => ScalarValue::Utf8(Some(
            meta.location.filename().unwrap_or_default().to_string(),
        )),
        "file.size" => ScalarValue::Int64(Some(meta.size as i64)),
        "file.modification-time" => ScalarValue::TimestampMillisecond(
            Some(meta.last_modified.timestamp_millis()),
            Some("UTC".into()),
        ),
        _ => ScalarValue::Utf8(None),
    }
}

/// `plan` (the `DataSourceExec` of a filesystem table's scan) with the metadata columns of
/// `keys` appended to its output, after the columns it already returns. `format` makes the
/// file source again, over the table schema that has them as partition columns.
pub fn append(
    plan: Arc<dyn ExecutionPlan>,
    format: &dyn FileFormat,
    keys: &[String],
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let config = plan
        .downcast_ref::<DataSourceExec>()
        .and_then(|ds| ds.data_source().downcast_ref::<FileScanConfig>())
        .ok_or_else(|| {
            DataFusionError::Internal("file metadata over a scan that is not of files".into())
        })?;
    let old = config.file_source().table_schema();
    let mut partition_cols: Vec<FieldRef> = old.table_partition_cols().iter().cloned().collect();
    let first = old.table_schema().fields().len();
    partition_cols.extend(keys.iter().map(|k| Arc::new(field(k))));
    let table_schema = TableSchema::builder(old.file_schema().clone())
        .with_table_partition_cols(partition_cols)
        .build();
    let all = table_schema.table_schema().clone();
    let mut exprs: Vec<ProjectionExpr> = match config.file_source().projection() {
        Some(p) => p.iter().cloned().collect(),
        None => ProjectionExprs::from_indices(&(0..first).collect::<Vec<_>>(), &all)
            .iter()
            .cloned()
            .collect(),
    };
    for (i, k) in keys.iter().enumerate() {
        let name = metadata_column_name(k);
        exprs.push(ProjectionExpr::new(
            Arc::new(Column::new(&name, first + i)),
            name,
        ));
    }
    let source = format
        .file_source(table_schema)
        .try_pushdown_projection(&ProjectionExprs::new(exprs))?
        .ok_or_else(|| DataFusionError::Internal("the file source takes no projection".into()))?;
    let groups: Vec<FileGroup> = config
        .file_groups
        .iter()
        .map(|g| {
            FileGroup::new(
                g.iter()
                    .map(|f| {
                        let mut f = f.clone();
                        f.statistics = None;
                        for k in keys {
                            f.partition_values.push(value(k, &f));
                        }
                        f
                    })
                    .collect(),
            )
        })
        .collect();
    let mut statistics = config.statistics();
    statistics
        .column_statistics
        .extend(keys.iter().map(|_| ColumnStatistics {
            null_count: Precision::Exact(0),
            ..ColumnStatistics::new_unknown()
        }));
    let config = FileScanConfigBuilder::from(config.clone())
        .with_source(source)
        .with_file_groups(groups)
        .with_statistics(statistics)
        .build();
    Ok(DataSourceExec::from_data_source(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_values_are_flinks() {
        let f = PartitionedFile::new("data/t/part-0.csv", 10);
        assert_eq!(path_text(&f), "/data/t/part-0.csv");
        assert_eq!(
            value("file.name", &f),
            ScalarValue::Utf8(Some("part-0.csv".into()))
        );
        assert_eq!(value("file.size", &f), ScalarValue::Int64(Some(10)));
    }
}
