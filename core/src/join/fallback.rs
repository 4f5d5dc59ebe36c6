//! The sort-merge plan a hash join falls back to when its build side does not fit, and
//! which hash joins can fall back at all.

use std::sync::Arc;

use arrow::compute::SortOptions;
use datafusion::common::JoinType;
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{LexOrdering, PhysicalExprRef, PhysicalSortExpr};
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode, SortMergeJoinExec};
use datafusion::physical_plan::limit::GlobalLimitExec;
use datafusion::physical_plan::projection::{ProjectionExec, ProjectionExpr};
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};

/// Whether `join` can run as a sort-merge join over one task's share of its inputs.
/// Not: a null-aware anti join (NOT IN, which a sort-merge join does not know), a right
/// mark join (which DataFusion's sort-merge join does not support), and a collect-left
/// join whose build rows are emitted after all of several probe partitions (its match
/// state spans tasks; the stage cutter never leaves one in a plan).
pub fn can_fall_back(join: &HashJoinExec) -> bool {
    let join_type = *join.join_type();
    if join.null_aware || join_type == JoinType::RightMark {
        return false;
    }
    match join.partition_mode() {
        PartitionMode::Partitioned => true,
        PartitionMode::CollectLeft => {
            !emits_unmatched_build_rows(join_type)
                || join.right().output_partitioning().partition_count() <= 1
        }
        PartitionMode::Auto => false,
    }
}

fn emits_unmatched_build_rows(t: JoinType) -> bool {
    matches!(
        t,
        JoinType::Left
            | JoinType::LeftAnti
            | JoinType::LeftSemi
            | JoinType::LeftMark
            | JoinType::Full
    )
}

/// `join` as a sort-merge join of `build` and `probe` (each one partition): both sides
/// sorted on the join keys by spilling sorts, then the hash join's projection, fetch and
/// output ordering restored, so the rows and schema are the hash join's.
pub(super) fn sort_merge(
    join: &HashJoinExec,
    build: Arc<dyn ExecutionPlan>,
    probe: Arc<dyn ExecutionPlan>,
) -> DFResult<Arc<dyn ExecutionPlan>> {
    let options = SortOptions::default();
    let (left_keys, right_keys): (Vec<_>, Vec<_>) = join.on().iter().cloned().unzip();
    let smj = SortMergeJoinExec::try_new(
        sorted(build, left_keys, options)?,
        sorted(probe, right_keys, options)?,
        join.on().to_vec(),
        join.filter().cloned(),
        *join.join_type(),
        vec![options; join.on().len()],
        join.null_equality(),
    )?;
    let mut plan: Arc<dyn ExecutionPlan> = Arc::new(smj);
    if let Some(projection) = &join.projection {
        let schema = plan.schema();
        let exprs: Vec<ProjectionExpr> = projection
            .iter()
            .map(|&i| {
                let name = schema.field(i).name().clone();
                ProjectionExpr {
                    expr: Arc::new(Column::new(&name, i)),
                    alias: name,
                }
            })
            .collect();
        plan = Arc::new(ProjectionExec::try_new(exprs, plan)?);
    }
    if let Some(fetch) = join.fetch() {
        plan = Arc::new(GlobalLimitExec::new(plan, 0, Some(fetch)));
    }
    // A hash join keeps its probe side's order; operators above may rely on it.
    if let Some(ordering) = join.properties().output_ordering() {
        plan = Arc::new(SortExec::new(ordering.clone(), plan));
    }
    Ok(plan)
}

fn sorted(
    input: Arc<dyn ExecutionPlan>,
    keys: Vec<PhysicalExprRef>,
    options: SortOptions,
) -> DFResult<Arc<dyn ExecutionPlan>> {
    let ordering = LexOrdering::new(
        keys.into_iter()
            .map(|expr| PhysicalSortExpr { expr, options }),
    )
    .ok_or_else(|| DataFusionError::Internal("hash join without keys".into()))?;
    Ok(Arc::new(SortExec::new(ordering, input)))
}
