//! Changelog input for a Delta table with a PRIMARY KEY: a changelog scan (a Kafka CDC
//! format in a streaming job) appends each row's kind and order after its columns; the
//! projections and filters between it and the sink are rewritten to carry them, and the
//! commit applies the latest change per key (MERGE: delete, update or insert).

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::DataFusionError;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::projection::ProjectionExec;
use weft_core::Result;
use weft_core::error::unwrap_datafusion;

use crate::formats::{ROW_KIND_COLUMN, SEQ_COLUMN};

fn carries(p: &Arc<dyn ExecutionPlan>) -> bool {
    p.schema().index_of(ROW_KIND_COLUMN).is_ok()
}

/// Whether any node of `plan` produces changelog rows.
pub fn reads_changelog(plan: &Arc<dyn ExecutionPlan>) -> bool {
    carries(plan) || plan.children().into_iter().any(reads_changelog)
}

/// `plan` with the row kind and order columns carried up to its output.
pub fn carry(plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
    plan.transform_up(|node| {
        if carries(&node) || !node.children().into_iter().any(carries) {
            return Ok(Transformed::no(node));
        }
        if let Some(p) = node.as_ref().downcast_ref::<ProjectionExec>() {
            let input = p.input().clone();
            let schema = input.schema();
            let mut exprs: Vec<(Arc<dyn PhysicalExpr>, String)> = p
                .expr()
                .iter()
                .map(|e| (e.expr.clone(), e.alias.clone()))
                .collect();
            for c in [ROW_KIND_COLUMN, SEQ_COLUMN] {
                let i = schema.index_of(c)?;
                exprs.push((Arc::new(Column::new(c, i)), c.to_string()));
            }
            return Ok(Transformed::yes(Arc::new(ProjectionExec::try_new(
                exprs, input,
            )?)));
        }
        if let Some(f) = node.as_ref().downcast_ref::<FilterExec>()
            && let Some(proj) = f.projection()
        {
            let n = f.input().schema().fields().len();
            let mut p: Vec<usize> = proj.iter().copied().collect();
            p.extend([n - 2, n - 1]);
            let filter = FilterExecBuilder::new(f.predicate().clone(), f.input().clone())
                .apply_projection(Some(p))?
                .build()?;
            return Ok(Transformed::yes(Arc::new(filter)));
        }
        Err(DataFusionError::Plan(format!(
            "a changelog (a CDC format's inserts, updates and deletes) can only pass through projections and filters on its way to the sink, not through {}",
            node.name()
        )))
    })
    .map(|t| t.data)
    .map_err(unwrap_datafusion)
}
