//! The job's status snapshot as served by the Dispatcher (and, later, the REST API).

use std::time::Instant;

use weft_core::proto::{JobGraphProto, JobState, JobStatusProto, VertexStatusProto};

use super::{ExecutionGraph, SubtaskState};

pub(super) fn fill(
    st: &mut JobStatusProto,
    state: JobState,
    graph: &JobGraphProto,
    eg: &ExecutionGraph,
    started: Instant,
    restarts: u32,
    decisions: &std::collections::BTreeMap<u32, String>,
) {
    st.state = state as i32;
    st.finished_subtasks = eg.finished();
    st.total_subtasks = eg.total();
    st.duration_ms = started.elapsed().as_millis() as u64;
    st.restarts = restarts;
    st.vertices = graph
        .vertices
        .iter()
        .zip(&eg.subtasks)
        .map(|(v, subs)| VertexStatusProto {
            id: v.id,
            name: v.name.clone(),
            parallelism: eg.parallelism(v.id),
            parallelism_decision: decisions.get(&v.id).cloned().unwrap_or_default(),
            finished: subs
                .iter()
                .filter(|s| matches!(s.state, SubtaskState::Finished { .. }))
                .count() as u32,
            running: subs
                .iter()
                .filter(|s| matches!(s.state, SubtaskState::Running { .. }))
                .count() as u32,
            records_out: subs.iter().map(|s| s.rows).sum(),
            bytes_out: subs.iter().map(|s| s.bytes).sum(),
            spilled_bytes: subs.iter().map(|s| s.spilled_bytes).sum(),
            join_fallbacks: subs.iter().map(|s| s.join_fallbacks).sum(),
            filter_rows_in: subs.iter().map(|s| s.filter_rows.0).sum(),
            filter_rows_kept: subs.iter().map(|s| s.filter_rows.1).sum(),
        })
        .collect();
}
