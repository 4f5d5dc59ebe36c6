//! `DatagenExec`: a leaf whose partition `i` generates rows `[i*N/P, (i+1)*N/P)`.

use std::fmt;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use serde::{Deserialize, Serialize};

use super::generator::generate_column;
use super::spec::DatagenSpec;
use crate::exec_util::{check_partition, leaf_properties, schema_of};

/// What a `DatagenExec` is, as serialized by the codec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatagenExecConfig {
    /// Only the projected columns (each keeps its declared index for seeding).
    pub spec: DatagenSpec,
    pub partitions: usize,
    pub batch_size: usize,
}

#[derive(Debug)]
pub struct DatagenExec {
    config: DatagenExecConfig,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl DatagenExec {
    pub fn try_new(config: DatagenExecConfig) -> Result<Self> {
        let fields: Vec<_> = config
            .spec
            .columns
            .iter()
            .map(|c| c.field.clone())
            .collect();
        let schema = schema_of(&fields)?;
        let properties = leaf_properties(schema.clone(), config.partitions);
        Ok(Self {
            config,
            schema,
            properties,
        })
    }

    pub fn config(&self) -> &DatagenExecConfig {
        &self.config
    }

    /// The row range of one partition.
    pub fn partition_rows(&self, partition: usize) -> (u64, u64) {
        let n = self.config.spec.rows as u128;
        let p = self.config.partitions.max(1) as u128;
        let i = partition as u128;
        ((i * n / p) as u64, ((i + 1) * n / p) as u64)
    }
}

impl DisplayAs for DatagenExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "DatagenExec: table={}, rows={}, partitions={}",
            self.config.spec.table, self.config.spec.rows, self.config.partitions
        )
    }
}

impl ExecutionPlan for DatagenExec {
    crate::exec_util::leaf_exec_methods!("DatagenExec");

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        check_partition("DatagenExec", partition, self.config.partitions)?;
        let (start, end) = self.partition_rows(partition);
        let batch_size = if self.config.batch_size > 0 {
            self.config.batch_size
        } else {
            context.session_config().batch_size()
        } as u64;
        let spec = Arc::new(self.config.spec.clone());
        let schema = self.schema.clone();
        let starts = (start..end).step_by(batch_size.max(1) as usize);
        let stream = futures::stream::iter(starts.map(move |first| {
            let len = (end - first).min(batch_size) as usize;
            let columns = spec
                .columns
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| generate_column(c, f.data_type(), spec.seed, first, len))
                .collect::<Result<Vec<_>>>()?;
            let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(len));
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
