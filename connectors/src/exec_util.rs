//! Small pieces shared by the connectors' execution-plan nodes: plan properties for a leaf
//! with N independent partitions and for a sink, and a serde form of Arrow fields for the
//! codec.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::error::{DataFusionError, Result};
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::{
    ExecutionPlan, ExecutionPlanProperties, Partitioning, PlanProperties,
};
use serde::{Deserialize, Serialize};

/// Properties of a bounded node whose `partitions` partitions are independent of each other.
pub(crate) fn leaf_properties(schema: SchemaRef, partitions: usize) -> Arc<PlanProperties> {
    Arc::new(PlanProperties::new(
        EquivalenceProperties::new(schema),
        Partitioning::UnknownPartitioning(partitions.max(1)),
        EmissionType::Incremental,
        Boundedness::Bounded,
    ))
}

/// Plan properties of a sink node: one summary row stream per input partition, emitted
/// when the input is done.
pub(crate) fn sink_properties(input: &Arc<dyn ExecutionPlan>) -> Arc<PlanProperties> {
    Arc::new(PlanProperties::new(
        EquivalenceProperties::new(weft_core::catalog::sink_summary_schema()),
        Partitioning::UnknownPartitioning(input.output_partitioning().partition_count()),
        EmissionType::Final,
        Boundedness::Bounded,
    ))
}

/// The one input a sink node is rebuilt with.
pub(crate) fn only_child(
    name: &str,
    mut children: Vec<Arc<dyn ExecutionPlan>>,
) -> Result<Arc<dyn ExecutionPlan>> {
    if children.len() != 1 {
        return Err(DataFusionError::Internal(format!(
            "{name} has exactly one input, got {}",
            children.len()
        )));
    }
    Ok(children.swap_remove(0))
}

/// An Arrow field as it travels inside a serialized plan node (the type in Arrow's own
/// textual form, which `DataType::from_str` parses back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SerdeField {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
}

impl SerdeField {
    pub fn from_field(f: &Field) -> Self {
        Self {
            name: f.name().clone(),
            data_type: f.data_type().to_string(),
            nullable: f.is_nullable(),
        }
    }

    pub fn to_field(&self) -> Result<Field> {
        let dt: DataType = self.data_type.parse().map_err(|e| {
            DataFusionError::Internal(format!(
                "cannot decode type '{}' of column {}: {e}",
                self.data_type, self.name
            ))
        })?;
        Ok(Field::new(&self.name, dt, self.nullable))
    }
}

pub(crate) fn schema_of(fields: &[SerdeField]) -> Result<SchemaRef> {
    Ok(Arc::new(Schema::new(
        fields
            .iter()
            .map(SerdeField::to_field)
            .collect::<Result<Vec<_>>>()?,
    )))
}

/// The partition index is in range, or an internal error naming the node.
pub(crate) fn check_partition(node: &str, partition: usize, partitions: usize) -> Result<()> {
    if partition >= partitions {
        return Err(DataFusionError::Internal(format!(
            "{node}: partition {partition} out of range (it has {partitions})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::TimeUnit;

    #[test]
    fn types_survive_the_codec_form() {
        for dt in [
            DataType::Int8,
            DataType::UInt64,
            DataType::Float32,
            DataType::Decimal128(15, 2),
            DataType::Utf8,
            DataType::Utf8View,
            DataType::Date32,
            DataType::Boolean,
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            DataType::Timestamp(TimeUnit::Microsecond, Some("+08:00".into())),
        ] {
            let f = Field::new("c", dt.clone(), true);
            assert_eq!(SerdeField::from_field(&f).to_field().unwrap(), f, "{dt}");
        }
    }
}

/// A sink's exactly-once identity: the application id recorded with its commits (the job,
/// or a streaming job's name and table) and the version (1 for a batch job, the checkpoint
/// id for a streaming epoch). A commit whose application already reached the version is
/// skipped.
pub fn commit_identity(ctx: &weft_core::catalog::SinkContext, table: &str) -> (String, i64) {
    let app = match ctx.config.raw(weft_core::config::STREAMING_APP_ID) {
        Some(app) => format!("weft-{app}-{table}"),
        None => format!("weft-{}", ctx.job_id),
    };
    let version = ctx
        .config
        .raw(weft_core::config::STREAMING_CHECKPOINT_ID)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    (app, version)
}

/// A Parquet table over exactly these files (a lake table's live files).
pub fn parquet_files_table(
    files: &[String],
    schema: arrow::datatypes::SchemaRef,
    partition_cols: Vec<(String, arrow::datatypes::DataType)>,
) -> weft_core::Result<std::sync::Arc<dyn datafusion::catalog::TableProvider>> {
    use datafusion::datasource::file_format::parquet::ParquetFormat;
    use datafusion::datasource::listing::{
        ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
    };
    use weft_core::error::unwrap_datafusion;
    let options = ListingOptions::new(std::sync::Arc::new(ParquetFormat::default()))
        .with_file_extension("")
        .with_table_partition_cols(partition_cols);
    let urls = files
        .iter()
        .map(|f| ListingTableUrl::parse(f).map_err(unwrap_datafusion))
        .collect::<weft_core::Result<Vec<_>>>()?;
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(std::sync::Arc::new(
        ListingTable::try_new(config).map_err(unwrap_datafusion)?,
    ))
}

/// The `ExecutionPlan` methods every leaf node of the connectors has alike: its name, its
/// stored `properties`, no children, no expressions. Use inside `impl ExecutionPlan for …`.
macro_rules! leaf_exec_methods {
    ($name:literal) => {
        fn name(&self) -> &str {
            $name
        }

        fn properties(&self) -> &std::sync::Arc<datafusion::physical_plan::PlanProperties> {
            &self.properties
        }

        fn children(&self) -> Vec<&std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
            vec![]
        }

        fn apply_expressions(
            &self,
            _f: &mut dyn FnMut(
                &std::sync::Arc<dyn datafusion::physical_expr::PhysicalExpr>,
            ) -> datafusion::error::Result<
                datafusion::common::tree_node::TreeNodeRecursion,
            >,
        ) -> datafusion::error::Result<datafusion::common::tree_node::TreeNodeRecursion> {
            Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
        }

        fn replace_children(
            self: std::sync::Arc<Self>,
            _children: Vec<std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>>,
            _options: datafusion::physical_plan::ReplaceChildrenOptions,
        ) -> datafusion::error::Result<std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>>
        {
            Ok(self)
        }

        fn with_new_children(
            self: std::sync::Arc<Self>,
            _children: Vec<std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>>,
        ) -> datafusion::error::Result<std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>>
        {
            Ok(self)
        }
    };
}
pub(crate) use leaf_exec_methods;

/// The `ExecutionPlan` methods every sink node of the connectors has alike: one `input`, its
/// stored `properties`, input order and partitioning irrelevant, rebuilt with
/// `Self::new(input, self.config.clone())`. Use inside `impl ExecutionPlan for …`.
macro_rules! sink_exec_methods {
    ($name:literal) => {
        fn name(&self) -> &str {
            $name
        }

        fn properties(&self) -> &std::sync::Arc<datafusion::physical_plan::PlanProperties> {
            &self.properties
        }

        fn children(&self) -> Vec<&std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
            vec![&self.input]
        }

        fn apply_expressions(
            &self,
            _f: &mut dyn FnMut(
                &std::sync::Arc<dyn datafusion::physical_expr::PhysicalExpr>,
            ) -> datafusion::error::Result<
                datafusion::common::tree_node::TreeNodeRecursion,
            >,
        ) -> datafusion::error::Result<datafusion::common::tree_node::TreeNodeRecursion> {
            Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
        }

        fn maintains_input_order(&self) -> Vec<bool> {
            vec![false]
        }

        fn benefits_from_input_partitioning(&self) -> Vec<bool> {
            vec![false]
        }

        fn replace_children(
            self: std::sync::Arc<Self>,
            children: Vec<std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>>,
            _options: datafusion::physical_plan::ReplaceChildrenOptions,
        ) -> datafusion::error::Result<std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>>
        {
            let input = crate::exec_util::only_child($name, children)?;
            Ok(std::sync::Arc::new(Self::new(input, self.config.clone())))
        }

        fn with_new_children(
            self: std::sync::Arc<Self>,
            children: Vec<std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>>,
        ) -> datafusion::error::Result<std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>>
        {
            self.replace_children(
                children,
                datafusion::physical_plan::ReplaceChildrenOptions::new(
                    datafusion::physical_plan::ChildrenPropertiesMode::Recompute,
                ),
            )
        }
    };
}
pub(crate) use sink_exec_methods;
