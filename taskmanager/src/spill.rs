//! How much the operators of this TaskManager spilled to disk (sorts, aggregations, joins
//! over their memory budget), from DataFusion's per-operator metrics.

use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::physical_plan::ExecutionPlan;

static SPILLED_BYTES: AtomicU64 = AtomicU64::new(0);
static SPILL_FILES: AtomicU64 = AtomicU64::new(0);

/// Spill files and bytes of every operator of an executed plan.
pub fn plan_spills(plan: &dyn ExecutionPlan) -> (u64, u64) {
    let (mut files, mut bytes) = plan
        .metrics()
        .map(|m| {
            (
                m.spill_count().unwrap_or(0) as u64,
                m.spilled_bytes().unwrap_or(0) as u64,
            )
        })
        .unwrap_or((0, 0));
    for child in plan.children() {
        let (f, b) = plan_spills(child.as_ref());
        files += f;
        bytes += b;
    }
    (files, bytes)
}

/// Hash joins of an executed plan that fell back to sort-merge (`weft_core::join`).
pub fn join_fallbacks(plan: &dyn ExecutionPlan) -> u32 {
    let own = plan
        .metrics()
        .and_then(|m| m.sum_by_name("sort_merge_fallbacks"))
        .map(|v| v.as_usize() as u32)
        .unwrap_or(0);
    own + plan
        .children()
        .into_iter()
        .map(|c| join_fallbacks(c.as_ref()))
        .sum::<u32>()
}

/// Add a finished subtask's spills to the TaskManager's totals.
pub fn record(files: u64, bytes: u64) {
    SPILL_FILES.fetch_add(files, Ordering::Relaxed);
    SPILLED_BYTES.fetch_add(bytes, Ordering::Relaxed);
}

/// (spill files, bytes spilled) by this TaskManager's subtasks so far.
pub fn totals() -> (u64, u64) {
    (
        SPILL_FILES.load(Ordering::Relaxed),
        SPILLED_BYTES.load(Ordering::Relaxed),
    )
}
