//! Hash joins in bounded memory. DataFusion's `HashJoinExec` holds its whole build side
//! and cannot spill, so a build side larger than the slot's managed memory failed the
//! task. Every hash join a TaskManager runs is wrapped in an [`AdaptiveHashJoinExec`]:
//! it reads the build side first and, if it fits, hands it to the hash join unchanged;
//! otherwise it falls back to a sort-merge join over spilling sorts (as Flink's hash join
//! falls back to sort-merge), which gives the same rows in bounded memory.

mod adaptive;
mod fallback;
mod leaf;

pub use adaptive::AdaptiveHashJoinExec;
pub use fallback::can_fall_back;

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result as DFResult;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::joins::HashJoinExec;

/// `plan` with every hash join that can fall back wrapped in an [`AdaptiveHashJoinExec`].
pub fn make_adaptive(plan: Arc<dyn ExecutionPlan>) -> DFResult<Arc<dyn ExecutionPlan>> {
    plan.transform_up(|node| {
        let Some(join) = node.downcast_ref::<HashJoinExec>() else {
            return Ok(Transformed::no(node));
        };
        if !can_fall_back(join) {
            return Ok(Transformed::no(node));
        }
        Ok(Transformed::yes(
            Arc::new(AdaptiveHashJoinExec::new(node.clone())) as _,
        ))
    })
    .map(|t| t.data)
}
