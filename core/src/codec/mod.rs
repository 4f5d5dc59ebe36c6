//! Serialization of Weft's own plan nodes for datafusion-proto, delegating connector nodes
//! to the connectors' codec. A JobVertex's operator chain travels to TaskManagers as bytes.

use std::sync::Arc;

use arrow::datatypes::Schema;
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::Partitioning;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::physical_plan::from_proto::parse_physical_expr;
use datafusion_proto::physical_plan::to_proto::serialize_physical_expr;
use datafusion_proto::physical_plan::{
    AsExecutionPlan, PhysicalExtensionCodec, PhysicalProtoConverterExtension,
};
use datafusion_proto::protobuf::{self, PhysicalPlanNode};
use prost::Message;

use crate::runtime_filter::RuntimeFilterExec;
use crate::shuffle::exec::{DistributionPattern, ShuffleReaderExec, ShuffleWriterExec};

mod properties;

const TAG_WRITER: u8 = 1;
const TAG_READER: u8 = 2;
const TAG_CONNECTOR: u8 = 3;
const TAG_RUNTIME_FILTER: u8 = 4;

#[derive(Clone, PartialEq, Message)]
struct WriterNode {
    /// 0 = single output, 1 = hash, 2 = round robin.
    #[prost(uint32, tag = "1")]
    kind: u32,
    #[prost(message, repeated, tag = "2")]
    hash_exprs: Vec<protobuf::PhysicalExprNode>,
    #[prost(uint64, tag = "3")]
    num_partitions: u64,
    /// Builds a runtime filter of at most this many keys (0: builds none).
    #[prost(uint64, tag = "4")]
    filter_max_keys: u64,
}

#[derive(Clone, PartialEq, Message)]
struct RuntimeFilterNode {
    #[prost(message, repeated, tag = "1")]
    keys: Vec<protobuf::PhysicalExprNode>,
    #[prost(uint32, tag = "2")]
    build_vertex: u32,
    #[prost(double, tag = "3")]
    min_filter_ratio: f64,
}

#[derive(Clone, PartialEq, Message)]
struct ReaderNode {
    #[prost(message, optional, tag = "1")]
    schema: Option<protobuf::Schema>,
    #[prost(uint32, tag = "2")]
    source_vertex: u32,
    /// 0 = all-to-all, 1 = pointwise, 2 = all-to-all replicated (every partition reads all).
    #[prost(uint32, tag = "3")]
    pattern: u32,
    #[prost(uint64, tag = "4")]
    num_partitions: u64,
    #[prost(message, optional, tag = "5")]
    properties: Option<properties::PropertiesNode>,
    /// Subpartitions each producer wrote (0: as many as the reader has partitions).
    #[prost(uint64, tag = "6")]
    subpartitions: u64,
}

/// The codec of every Weft process: shuffle nodes here, connector nodes delegated.
#[derive(Debug, Clone)]
pub struct WeftCodec {
    connectors: Arc<dyn PhysicalExtensionCodec>,
}

impl WeftCodec {
    pub fn new(connectors: Arc<dyn PhysicalExtensionCodec>) -> Self {
        WeftCodec { connectors }
    }

    pub fn encode_plan(&self, plan: Arc<dyn ExecutionPlan>) -> DFResult<Vec<u8>> {
        let node = PhysicalPlanNode::try_from_physical_plan(plan, self)?;
        Ok(node.encode_to_vec())
    }

    pub fn decode_plan(&self, bytes: &[u8], ctx: &TaskContext) -> DFResult<Arc<dyn ExecutionPlan>> {
        let node = PhysicalPlanNode::decode(bytes)
            .map_err(|e| DataFusionError::Internal(format!("corrupt plan bytes: {e}")))?;
        node.try_into_physical_plan(ctx, self)
    }
}

fn err(msg: impl Into<String>) -> DataFusionError {
    DataFusionError::Internal(msg.into())
}

impl PhysicalExtensionCodec for WeftCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let (tag, body) = buf
            .split_first()
            .ok_or_else(|| err("empty extension node"))?;
        match *tag {
            TAG_WRITER => {
                let node = WriterNode::decode(body).map_err(|e| err(e.to_string()))?;
                let input = inputs
                    .first()
                    .ok_or_else(|| err("shuffle writer without input"))?
                    .clone();
                let n = node.num_partitions as usize;
                let partitioning = match node.kind {
                    0 => Partitioning::UnknownPartitioning(1),
                    1 => {
                        let schema = input.schema();
                        let exprs = node
                            .hash_exprs
                            .iter()
                            .map(|e| parse_physical_expr(e, ctx, &schema, self))
                            .collect::<DFResult<Vec<_>>>()?;
                        Partitioning::Hash(exprs, n)
                    }
                    _ => Partitioning::RoundRobinBatch(n),
                };
                let writer = ShuffleWriterExec::new(input, partitioning);
                Ok(Arc::new(match node.filter_max_keys {
                    0 => writer,
                    max => writer.with_runtime_filter(max),
                }))
            }
            TAG_RUNTIME_FILTER => {
                let node = RuntimeFilterNode::decode(body).map_err(|e| err(e.to_string()))?;
                let input = inputs
                    .first()
                    .ok_or_else(|| err("runtime filter without input"))?
                    .clone();
                let schema = input.schema();
                let keys = node
                    .keys
                    .iter()
                    .map(|e| parse_physical_expr(e, ctx, &schema, self))
                    .collect::<DFResult<Vec<_>>>()?;
                Ok(Arc::new(RuntimeFilterExec::new(
                    input,
                    keys,
                    node.build_vertex,
                    node.min_filter_ratio,
                )))
            }
            TAG_READER => {
                let node = ReaderNode::decode(body).map_err(|e| err(e.to_string()))?;
                let schema: Schema = node
                    .schema
                    .as_ref()
                    .ok_or_else(|| err("shuffle reader without schema"))?
                    .try_into()
                    .map_err(|e| err(format!("{e}")))?;
                let (schema, n) = (Arc::new(schema), node.num_partitions as usize);
                let reader = match node.pattern {
                    1 => ShuffleReaderExec::new(
                        schema.clone(),
                        node.source_vertex,
                        DistributionPattern::Pointwise,
                        n,
                    ),
                    2 => ShuffleReaderExec::replicated(schema.clone(), node.source_vertex, n),
                    _ => ShuffleReaderExec::new(
                        schema.clone(),
                        node.source_vertex,
                        DistributionPattern::AllToAll,
                        n,
                    ),
                };
                let reader = reader.with_subpartitions(node.subpartitions as usize);
                Ok(Arc::new(match &node.properties {
                    Some(p) => {
                        let (hash, eq) = properties::decode(p, &schema, ctx, self)?;
                        reader.with_properties(hash, eq)
                    }
                    None => reader,
                }))
            }
            TAG_CONNECTOR => self
                .connectors
                .try_decode(body, inputs, ctx, proto_converter),
            t => Err(err(format!("unknown extension node tag {t}"))),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> DFResult<()> {
        if let Some(w) = node.downcast_ref::<ShuffleWriterExec>() {
            let (kind, hash_exprs, n) = match w.partitioning() {
                Partitioning::UnknownPartitioning(_) => (0, vec![], 1),
                Partitioning::Hash(exprs, n) => (
                    1,
                    exprs
                        .iter()
                        .map(|e| serialize_physical_expr(e, self))
                        .collect::<DFResult<Vec<_>>>()?,
                    *n,
                ),
                Partitioning::RoundRobinBatch(n) => (2, vec![], *n),
                other => return Err(err(format!("unsupported shuffle partitioning {other}"))),
            };
            buf.push(TAG_WRITER);
            WriterNode {
                kind,
                hash_exprs,
                num_partitions: n as u64,
                filter_max_keys: w.filter_max_keys().unwrap_or(0),
            }
            .encode(buf)
            .map_err(|e| err(e.to_string()))?;
            return Ok(());
        }
        if let Some(f) = node.downcast_ref::<RuntimeFilterExec>() {
            buf.push(TAG_RUNTIME_FILTER);
            RuntimeFilterNode {
                keys: f
                    .keys()
                    .iter()
                    .map(|e| serialize_physical_expr(e, self))
                    .collect::<DFResult<Vec<_>>>()?,
                build_vertex: f.build_vertex(),
                min_filter_ratio: f.min_filter_ratio(),
            }
            .encode(buf)
            .map_err(|e| err(e.to_string()))?;
            return Ok(());
        }
        if let Some(r) = node.downcast_ref::<ShuffleReaderExec>() {
            buf.push(TAG_READER);
            ReaderNode {
                schema: Some(
                    r.schema()
                        .as_ref()
                        .try_into()
                        .map_err(|e| err(format!("{e}")))?,
                ),
                source_vertex: r.source_vertex(),
                pattern: match r.pattern() {
                    _ if r.is_replicated() => 2,
                    DistributionPattern::AllToAll => 0,
                    DistributionPattern::Pointwise => 1,
                },
                num_partitions: r.num_partitions() as u64,
                subpartitions: r.subpartitions() as u64,
                properties: Some(properties::encode(
                    r.hash_exprs(),
                    r.properties().equivalence_properties(),
                    self,
                )?),
            }
            .encode(buf)
            .map_err(|e| err(e.to_string()))?;
            return Ok(());
        }
        buf.push(TAG_CONNECTOR);
        self.connectors.try_encode(node, buf, proto_converter)
    }
}
