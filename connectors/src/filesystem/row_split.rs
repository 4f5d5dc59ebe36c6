//! Scans finer than a row group. DataFusion splits a Parquet scan by byte ranges, and a
//! row group is read by the partition whose range holds its middle: a table of a few row
//! groups (one file written in one go) is read by a few subtasks while the others idle.
//! When a table has fewer row groups than partitions, [`RowSplitScanExec`] gives every
//! partition an equal, contiguous share of the rows instead, read through Parquet row
//! selections (whole pages are skipped where the file has a page index).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use datafusion::catalog::Session;
use datafusion::common::Statistics;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::ParquetRowSelection;
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::datasource::physical_plan::{
    FileGroup, FileScanConfig, FileScanConfigBuilder, ParquetSource,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, Partitioning, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::statistics::{ChildStats, StatisticsArgs};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use object_store::ObjectStore;
use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
use serde::{Deserialize, Serialize};

/// Rows `[start, start + len)` of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRows {
    pub path: String,
    pub start: u64,
    pub len: u64,
    /// Rows in the whole file.
    pub total: u64,
}

/// Every partition's share of the rows of `files` (path, rows), in file order: contiguous,
/// sizes differing by at most one row.
pub fn split_rows(files: &[(String, u64)], partitions: usize) -> Vec<Vec<FileRows>> {
    let n = partitions.max(1) as u64;
    let total: u64 = files.iter().map(|(_, r)| r).sum();
    (0..n)
        .map(|j| {
            let (lo, hi) = (j * total / n, (j + 1) * total / n);
            let mut share = Vec::new();
            let mut offset = 0;
            for (path, rows) in files {
                let (a, b) = (lo.max(offset), hi.min(offset + rows));
                if a < b {
                    share.push(FileRows {
                        path: path.clone(),
                        start: a - offset,
                        len: b - a,
                        total: *rows,
                    });
                }
                offset += rows;
            }
            share
        })
        .collect()
}

/// `plan` (a Parquet `DataSourceExec`) split by rows into `partitions` when its files
/// have fewer row groups than that; otherwise `plan` itself.
pub async fn split_small_scan(
    plan: Arc<dyn ExecutionPlan>,
    state: &dyn Session,
    partitions: usize,
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let Some(ds) = plan.downcast_ref::<DataSourceExec>() else {
        return Ok(plan);
    };
    let Some((config, _)) = ds.downcast_to_file_source::<ParquetSource>() else {
        return Ok(plan);
    };
    let files = distinct_files(config);
    if partitions <= 1 || files.is_empty() || files.len() >= partitions {
        return Ok(plan);
    }
    let store = state
        .runtime_env()
        .object_store(config.object_store_url.clone())?;
    let mut rows = Vec::with_capacity(files.len());
    let mut row_groups = 0;
    for f in files.values() {
        let (n, groups) = row_counts(store.clone(), f).await?;
        rows.push((f.object_meta.location.to_string(), n));
        row_groups += groups;
    }
    if row_groups >= partitions || rows.iter().all(|(_, n)| *n == 0) {
        return Ok(plan);
    }
    Ok(Arc::new(RowSplitScanExec::new(
        plan.clone(),
        split_rows(&rows, partitions),
    )))
}

/// The files of a scan, once each (byte-range repartitioning lists a file once per range).
pub(crate) fn distinct_files(config: &FileScanConfig) -> BTreeMap<String, PartitionedFile> {
    let mut out = BTreeMap::new();
    for group in &config.file_groups {
        for f in group.iter() {
            out.entry(f.object_meta.location.to_string())
                .or_insert_with(|| {
                    let mut f = f.clone();
                    f.range = None;
                    f
                });
        }
    }
    out
}

/// (rows, row groups) of a Parquet file, from its footer.
async fn row_counts(store: Arc<dyn ObjectStore>, f: &PartitionedFile) -> DfResult<(u64, usize)> {
    let meta = DFParquetMetadata::new(store.as_ref(), &f.object_meta)
        .fetch_metadata()
        .await?;
    Ok((
        meta.file_metadata().num_rows().max(0) as u64,
        meta.num_row_groups(),
    ))
}

/// A Parquet scan whose partition j reads `splits[j]`: row ranges of the files of its
/// child (the `DataSourceExec` DataFusion planned, which keeps the projection, filters
/// and limit).
#[derive(Debug)]
pub struct RowSplitScanExec {
    input: Arc<dyn ExecutionPlan>,
    splits: Vec<Vec<FileRows>>,
    properties: Arc<PlanProperties>,
}

impl RowSplitScanExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, splits: Vec<Vec<FileRows>>) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(input.schema()),
            Partitioning::UnknownPartitioning(splits.len()),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        RowSplitScanExec {
            input,
            splits,
            properties,
        }
    }

    pub fn splits(&self) -> &[Vec<FileRows>] {
        &self.splits
    }

    /// The scan of partition `j`: the child's configuration over its share of rows.
    fn partition_scan(&self, j: usize) -> DfResult<Option<Arc<dyn ExecutionPlan>>> {
        let share = self.splits.get(j).map(Vec::as_slice).unwrap_or_default();
        if share.is_empty() {
            return Ok(None);
        }
        let (config, _) = self
            .input
            .downcast_ref::<DataSourceExec>()
            .and_then(|ds| ds.downcast_to_file_source::<ParquetSource>())
            .ok_or_else(|| {
                DataFusionError::Internal("RowSplitScanExec over a non-Parquet scan".into())
            })?;
        let files = distinct_files(config);
        let group = share
            .iter()
            .map(|r| {
                let f = files.get(&r.path).cloned().ok_or_else(|| {
                    DataFusionError::Internal(format!("{} is not in the scan", r.path))
                })?;
                let selection = RowSelection::from(vec![
                    RowSelector::skip(r.start as usize),
                    RowSelector::select(r.len as usize),
                    RowSelector::skip((r.total - r.start - r.len) as usize),
                ]);
                Ok(f.with_extension(ParquetRowSelection::new(selection)))
            })
            .collect::<DfResult<Vec<_>>>()?;
        let config = FileScanConfigBuilder::from(config.clone())
            .with_file_groups(vec![FileGroup::new(group)])
            .build();
        Ok(Some(DataSourceExec::from_data_source(config)))
    }
}

impl DisplayAs for RowSplitScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let rows: Vec<String> = self
            .splits
            .iter()
            .map(|s| s.iter().map(|r| r.len).sum::<u64>().to_string())
            .collect();
        write!(
            f,
            "RowSplitScanExec: rows per partition=[{}]",
            rows.join(", ")
        )
    }
}

impl ExecutionPlan for RowSplitScanExec {
    fn name(&self) -> &str {
        "RowSplitScanExec"
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
                "RowSplitScanExec has one child".into(),
            ));
        };
        Ok(Arc::new(RowSplitScanExec::new(
            input.clone(),
            self.splits.clone(),
        )))
    }

    // The whole scan's statistics are the child's (join planning reads them); one
    // partition's are unknown.
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
        match (args.partition(), input_stats.first()) {
            (None, Some(s)) => Ok(s.clone()),
            _ => Ok(Arc::new(Statistics::new_unknown(&self.schema()))),
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        match self.partition_scan(partition)? {
            Some(scan) => scan.execute(0, context),
            None => Ok(Box::pin(RecordBatchStreamAdapter::new(
                self.schema(),
                futures::stream::empty(),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_shared_evenly_and_contiguously() {
        let files = vec![("a".to_string(), 10), ("b".to_string(), 5)];
        let s = split_rows(&files, 4);
        let lens: Vec<u64> = s.iter().map(|p| p.iter().map(|r| r.len).sum()).collect();
        assert_eq!(lens, vec![3, 4, 4, 4]);
        // Partition 2 spans the end of a and the start of b.
        assert_eq!(
            s[2],
            vec![
                FileRows {
                    path: "a".into(),
                    start: 7,
                    len: 3,
                    total: 10
                },
                FileRows {
                    path: "b".into(),
                    start: 0,
                    len: 1,
                    total: 5
                },
            ]
        );
        // Every row exactly once.
        let mut seen = vec![0u32; 15];
        for p in &s {
            for r in p {
                let base = if r.path == "a" { 0 } else { 10 };
                for i in r.start..r.start + r.len {
                    seen[(base + i) as usize] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&c| c == 1));
    }

    #[test]
    fn more_partitions_than_rows_leaves_some_empty() {
        let s = split_rows(&[("a".to_string(), 2)], 4);
        assert_eq!(s.iter().filter(|p| p.is_empty()).count(), 2);
    }
}
