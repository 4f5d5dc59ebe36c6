//! [`ConnectorCodec`]: datafusion-proto's `PhysicalExtensionCodec` for the connectors' plan
//! nodes. Each node is encoded as JSON `{"node": "...", "config": {...}}`; a sink's input
//! plan travels as the node's input, encoded by datafusion-proto itself.

use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use serde::{Deserialize, Serialize};

use crate::datagen::{DatagenExec, DatagenExecConfig};
use crate::filesystem::csv_read::{FlinkScanExec, NativeFormat};
use crate::filesystem::row_split::{FileRows, RowSplitScanExec};
use crate::filesystem::{FileSinkConfig, FileSinkExec};
use crate::kafka::{KafkaScanConfig, KafkaScanExec, KafkaSinkConfig, KafkaSinkExec};
use crate::tpch::{TpchExec, TpchExecConfig};

#[derive(Debug, Default, Clone, Copy)]
pub struct ConnectorCodec;

#[derive(Serialize, Deserialize)]
#[serde(tag = "node", content = "config")]
enum EncodedNode {
    Datagen(DatagenExecConfig),
    Tpch(TpchExecConfig),
    FileSink(FileSinkConfig),
    KafkaScan(KafkaScanConfig),
    KafkaSink(KafkaSinkConfig),
    /// A Parquet scan split by rows; its `DataSourceExec` travels as the input.
    RowSplitScan(Vec<Vec<FileRows>>),
    /// A CSV table's scan read by Flink's reader; DataFusion's CSV scan travels as the input.
    FlinkScan(NativeFormat),
}

fn codec_err(e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Internal(format!("ConnectorCodec: {e}"))
}

impl PhysicalExtensionCodec for ConnectorCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        _ctx: &TaskContext,
        _proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let node: EncodedNode = serde_json::from_slice(buf).map_err(codec_err)?;
        Ok(match node {
            EncodedNode::Datagen(c) => Arc::new(DatagenExec::try_new(c)?),
            EncodedNode::Tpch(c) => Arc::new(TpchExec::try_new(c)?),
            EncodedNode::FileSink(c) => {
                let [input] = inputs else {
                    return Err(codec_err(format!(
                        "FileSinkExec needs one input, got {}",
                        inputs.len()
                    )));
                };
                Arc::new(FileSinkExec::new(input.clone(), c))
            }
            EncodedNode::KafkaScan(c) => Arc::new(KafkaScanExec::try_new(c)?),
            EncodedNode::KafkaSink(c) => {
                let [input] = inputs else {
                    return Err(codec_err(format!(
                        "KafkaSinkExec needs one input, got {}",
                        inputs.len()
                    )));
                };
                Arc::new(KafkaSinkExec::new(input.clone(), c))
            }
            EncodedNode::RowSplitScan(splits) => {
                let [input] = inputs else {
                    return Err(codec_err(format!(
                        "RowSplitScanExec needs one input, got {}",
                        inputs.len()
                    )));
                };
                Arc::new(RowSplitScanExec::new(input.clone(), splits))
            }
            EncodedNode::FlinkScan(format) => {
                let [input] = inputs else {
                    return Err(codec_err(format!(
                        "FlinkScanExec needs one input, got {}",
                        inputs.len()
                    )));
                };
                Arc::new(FlinkScanExec::try_new(input.clone(), format)?)
            }
        })
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        _proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let plan = node.as_ref();
        let encoded = if let Some(e) = plan.downcast_ref::<DatagenExec>() {
            EncodedNode::Datagen(e.config().clone())
        } else if let Some(e) = plan.downcast_ref::<TpchExec>() {
            EncodedNode::Tpch(e.config().clone())
        } else if let Some(e) = plan.downcast_ref::<FileSinkExec>() {
            EncodedNode::FileSink(e.config().clone())
        } else if let Some(e) = plan.downcast_ref::<KafkaScanExec>() {
            EncodedNode::KafkaScan(e.config().clone())
        } else if let Some(e) = plan.downcast_ref::<KafkaSinkExec>() {
            EncodedNode::KafkaSink(e.config().clone())
        } else if let Some(e) = plan.downcast_ref::<RowSplitScanExec>() {
            EncodedNode::RowSplitScan(e.splits().to_vec())
        } else if let Some(e) = plan.downcast_ref::<FlinkScanExec>() {
            EncodedNode::FlinkScan(e.format().clone())
        } else {
            return Err(DataFusionError::NotImplemented(format!(
                "ConnectorCodec cannot encode {}",
                node.name()
            )));
        };
        serde_json::to_writer(buf, &encoded).map_err(codec_err)
    }
}
