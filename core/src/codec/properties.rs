//! What a shuffle reader knows of its rows, on the wire: the hash partitioning and the
//! equivalence properties (orderings, constants, equal columns) of the exchange it replaced.
//! Operators above a reader check them again when a TaskManager decodes the plan: a UNION
//! (`InterleaveExec`) needs its inputs' hash partitioning, a window over a sorted input its
//! PARTITION BY columns' order, which a filter's constants may provide.

use std::sync::Arc;

use arrow::compute::SortOptions;
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{
    AcrossPartitions, ConstExpr, EquivalenceProperties, PhysicalExpr, PhysicalSortExpr,
};
use datafusion_proto::physical_plan::PhysicalExtensionCodec;
use datafusion_proto::physical_plan::from_proto::parse_physical_expr;
use datafusion_proto::physical_plan::to_proto::serialize_physical_expr;
use datafusion_proto::protobuf;
use prost::Message;

use arrow::datatypes::SchemaRef;

#[derive(Clone, PartialEq, Message)]
pub(super) struct PropertiesNode {
    /// Empty: the partitioning is unknown.
    #[prost(message, repeated, tag = "1")]
    hash_exprs: Vec<protobuf::PhysicalExprNode>,
    #[prost(message, repeated, tag = "2")]
    orderings: Vec<OrderingNode>,
    #[prost(message, repeated, tag = "3")]
    constants: Vec<ConstantNode>,
    /// Classes of expressions known equal (two or more each).
    #[prost(message, repeated, tag = "4")]
    classes: Vec<ExprListNode>,
}

#[derive(Clone, PartialEq, Message)]
struct OrderingNode {
    #[prost(message, repeated, tag = "1")]
    exprs: Vec<SortExprNode>,
}

#[derive(Clone, PartialEq, Message)]
struct SortExprNode {
    #[prost(message, optional, tag = "1")]
    expr: Option<protobuf::PhysicalExprNode>,
    #[prost(bool, tag = "2")]
    descending: bool,
    #[prost(bool, tag = "3")]
    nulls_first: bool,
}

#[derive(Clone, PartialEq, Message)]
struct ConstantNode {
    #[prost(message, optional, tag = "1")]
    expr: Option<protobuf::PhysicalExprNode>,
    /// The same value in every partition.
    #[prost(bool, tag = "2")]
    uniform: bool,
    #[prost(message, optional, tag = "3")]
    value: Option<protobuf::ScalarValue>,
}

#[derive(Clone, PartialEq, Message)]
struct ExprListNode {
    #[prost(message, repeated, tag = "1")]
    exprs: Vec<protobuf::PhysicalExprNode>,
}

/// The properties a reader carries: its hash partitioning (if any) and equivalences.
pub(super) fn encode(
    hash_exprs: Option<&[Arc<dyn PhysicalExpr>]>,
    eq: &EquivalenceProperties,
    codec: &dyn PhysicalExtensionCodec,
) -> DFResult<PropertiesNode> {
    let expr = |e: &Arc<dyn PhysicalExpr>| serialize_physical_expr(e, codec);
    Ok(PropertiesNode {
        hash_exprs: hash_exprs
            .unwrap_or_default()
            .iter()
            .map(expr)
            .collect::<DFResult<_>>()?,
        orderings: eq
            .oeq_class()
            .iter()
            .map(|o| {
                Ok(OrderingNode {
                    exprs: o
                        .iter()
                        .map(|s| {
                            Ok(SortExprNode {
                                expr: Some(expr(&s.expr)?),
                                descending: s.options.descending,
                                nulls_first: s.options.nulls_first,
                            })
                        })
                        .collect::<DFResult<_>>()?,
                })
            })
            .collect::<DFResult<_>>()?,
        constants: eq
            .constants()
            .iter()
            .map(|c| {
                let (uniform, value) = match &c.across_partitions {
                    AcrossPartitions::Uniform(v) => (
                        true,
                        v.as_ref()
                            .and_then(|v| protobuf::ScalarValue::try_from(v).ok()),
                    ),
                    AcrossPartitions::Heterogeneous => (false, None),
                };
                Ok(ConstantNode {
                    expr: Some(expr(&c.expr)?),
                    uniform,
                    value,
                })
            })
            .collect::<DFResult<_>>()?,
        classes: eq
            .eq_group()
            .iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                Ok(ExprListNode {
                    exprs: c.iter().map(expr).collect::<DFResult<_>>()?,
                })
            })
            .collect::<DFResult<_>>()?,
    })
}

/// The hash expressions (empty: unknown partitioning) and equivalences of `node`.
pub(super) fn decode(
    node: &PropertiesNode,
    schema: &SchemaRef,
    ctx: &TaskContext,
    codec: &dyn PhysicalExtensionCodec,
) -> DFResult<(Vec<Arc<dyn PhysicalExpr>>, EquivalenceProperties)> {
    let expr = |e: &protobuf::PhysicalExprNode| parse_physical_expr(e, ctx, schema, codec);
    let missing = || DataFusionError::Internal("shuffle reader property without expression".into());
    let hash = node.hash_exprs.iter().map(expr).collect::<DFResult<_>>()?;
    let orderings = node
        .orderings
        .iter()
        .map(|o| {
            o.exprs
                .iter()
                .map(|s| {
                    Ok(PhysicalSortExpr {
                        expr: expr(s.expr.as_ref().ok_or_else(missing)?)?,
                        options: SortOptions {
                            descending: s.descending,
                            nulls_first: s.nulls_first,
                        },
                    })
                })
                .collect::<DFResult<Vec<_>>>()
        })
        .collect::<DFResult<Vec<_>>>()?;
    let mut eq = EquivalenceProperties::new_with_orderings(schema.clone(), orderings);
    for class in &node.classes {
        let exprs = class.exprs.iter().map(expr).collect::<DFResult<Vec<_>>>()?;
        for pair in exprs.windows(2) {
            eq.add_equal_conditions(pair[0].clone(), pair[1].clone())?;
        }
    }
    let constants = node
        .constants
        .iter()
        .map(|c| {
            let across = match (c.uniform, &c.value) {
                (false, _) => AcrossPartitions::Heterogeneous,
                (true, None) => AcrossPartitions::Uniform(None),
                (true, Some(v)) => AcrossPartitions::Uniform(ScalarValue::try_from(v).ok()),
            };
            Ok(ConstExpr::new(
                expr(c.expr.as_ref().ok_or_else(missing)?)?,
                across,
            ))
        })
        .collect::<DFResult<Vec<_>>>()?;
    eq.add_constants(constants)?;
    Ok((hash, eq))
}
