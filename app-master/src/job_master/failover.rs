//! The failover decision: which subtasks a failure restarts, whether it spends one of the
//! restart strategy's attempts, or whether the job gives up. A pure function of the
//! failure, the execution graph and the failovers so far, tested without I/O.

use std::collections::{BTreeMap, BTreeSet};

use weft_core::WeftError;

use super::execution_graph::{Evid, ExecutionGraph};

/// What the JobMaster remembers of past failovers.
#[derive(Debug, Default)]
pub struct FailoverHistory {
    /// Failovers so far (restart attempts spent).
    pub restarts: u32,
    /// `restart-strategy.fixed-delay.attempts` (0 for `none`).
    pub max_restarts: u32,
    /// TaskManagers already failed over: later failures they cause (subtasks that were
    /// running or being deployed there) restart without counting as another restart.
    pub lost_tms: BTreeSet<String>,
    /// Result partitions whose loss already caused a failover that is still rerunning their
    /// producers, with the restart count that failover started: more consumers failing on
    /// the same loss do not count again.
    pub rerunning: BTreeMap<String, u32>,
}

/// A failure reported to the JobMaster.
pub struct Failure<'a> {
    /// The subtasks that failed.
    pub failed: Vec<Evid>,
    pub error: &'a WeftError,
    /// The TaskManager that was lost, when that is the failure.
    pub lost_tm: Option<&'a str>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Rerun `subtasks` (the failed ones and the producers of results they lost);
    /// `counted` when this is a new failover that spent a restart attempt.
    Restart {
        subtasks: BTreeSet<Evid>,
        counted: bool,
    },
    /// The restart strategy has no attempts left.
    NoRestartsLeft,
    /// The failure would repeat on every attempt (the job's own mistake, or a subtask
    /// needing more memory than its slot has): fail now.
    NotRecoverable,
}

/// Errors that running the same subtask again cannot cure.
fn recoverable(e: &WeftError) -> bool {
    !matches!(
        e,
        WeftError::OutOfMemory { .. }
            | WeftError::Unauthenticated { .. }
            | WeftError::Sql { .. }
            | WeftError::TableOption { .. }
            | WeftError::Config { .. }
    )
}

/// Decide what `failure` restarts; `history` records the failover.
/// `deployed_at` holds the restart count at each subtask's last deployment.
pub fn decide(
    failure: Failure<'_>,
    eg: &ExecutionGraph,
    history: &mut FailoverHistory,
    deployed_at: &BTreeMap<Evid, u32>,
) -> Decision {
    if !recoverable(failure.error) {
        return Decision::NotRecoverable;
    }
    let mut ids: BTreeSet<Evid> = failure.failed.into_iter().collect();
    if let WeftError::PartitionNotFound { partition, .. } = failure.error {
        ids.extend(eg.lost_results(&|_, loc| {
            loc.is_some_and(|l| &l.data_path == partition || &l.index_path == partition)
        }));
    }
    if let Some(tm) = failure.lost_tm {
        ids.extend(eg.lost_results(&|rid, _| rid == tm));
    }
    // One lost TaskManager (or one lost result partition) is one failover, however many
    // subtasks report it.
    let counted = match (failure.lost_tm, failure.error) {
        (Some(tm), _) => history.lost_tms.insert(tm.to_string()),
        (None, WeftError::PartitionNotFound { partition, .. }) => {
            // Subtasks deployed before that failover report the same loss; a subtask
            // deployed after it failing again is a new failure.
            let before_failover = match history.rerunning.get(partition) {
                Some(&at) => deployed_before(deployed_at, &ids, at),
                None => false,
            };
            if !before_failover {
                history
                    .rerunning
                    .insert(partition.clone(), history.restarts + 1);
            }
            !before_failover
        }
        _ => true,
    };
    if counted {
        if history.restarts >= history.max_restarts {
            return Decision::NoRestartsLeft;
        }
        history.restarts += 1;
    }
    Decision::Restart {
        subtasks: ids,
        counted,
    }
}

fn deployed_before(deployed_at: &BTreeMap<Evid, u32>, ids: &BTreeSet<Evid>, at: u32) -> bool {
    ids.iter()
        .filter_map(|id| deployed_at.get(id))
        .all(|&d| d < at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job_master::execution_graph::SubtaskState;
    use weft_core::jobgraph::{DistributionPattern, ResultPartitionType};
    use weft_core::regions::VertexTopology;
    use weft_core::shuffle::PartitionLocation;

    /// Two producers (vertex 0) on TaskManagers a and b, feeding two consumers (vertex 1).
    fn graph() -> ExecutionGraph {
        let mut g = ExecutionGraph::new(vec![
            VertexTopology {
                id: 0,
                parallelism: 2,
                inputs: vec![],
            },
            VertexTopology {
                id: 1,
                parallelism: 2,
                inputs: vec![(
                    0,
                    DistributionPattern::AllToAll,
                    ResultPartitionType::Blocking,
                )],
            },
        ]);
        for (s, tm) in [(0, "a"), (1, "b")] {
            g.get_mut((0, s)).state = SubtaskState::Finished {
                resource_id: tm.into(),
                location: Some(PartitionLocation {
                    resource_id: tm.into(),
                    address: String::new(),
                    host: String::new(),
                    data_path: format!("{tm}/data"),
                    index_path: format!("{tm}/index"),
                }),
            };
        }
        g
    }

    fn history(max_restarts: u32) -> FailoverHistory {
        FailoverHistory {
            max_restarts,
            ..Default::default()
        }
    }

    fn lost(partition: &str) -> WeftError {
        WeftError::PartitionNotFound {
            partition: partition.into(),
            message: "gone".into(),
        }
    }

    /// `decide` for subtasks `failed` reporting `error` (from TaskManager `lost_tm`).
    fn fail(
        g: &ExecutionGraph,
        h: &mut FailoverHistory,
        failed: Evid,
        error: &WeftError,
        lost_tm: Option<&str>,
        deployed: &BTreeMap<Evid, u32>,
    ) -> Decision {
        decide(
            Failure {
                failed: vec![failed],
                error,
                lost_tm,
            },
            g,
            h,
            deployed,
        )
    }

    #[test]
    fn a_task_failure_restarts_that_task_and_spends_an_attempt() {
        let (g, mut h) = (graph(), history(2));
        let e = WeftError::internal("boom");
        let d = fail(&g, &mut h, (1, 0), &e, None, &BTreeMap::new());
        assert_eq!(
            d,
            Decision::Restart {
                subtasks: [(1, 0)].into(),
                counted: true
            }
        );
        assert_eq!(h.restarts, 1);
    }

    #[test]
    fn a_lost_partition_reruns_its_producer_once_for_all_consumers() {
        let (g, mut h) = (graph(), history(3));
        let e = lost("a/data");
        let deployed: BTreeMap<Evid, u32> = [((1, 0), 0), ((1, 1), 0)].into();
        let first = fail(&g, &mut h, (1, 0), &e, None, &deployed);
        assert_eq!(
            first,
            Decision::Restart {
                subtasks: [(0, 0), (1, 0)].into(),
                counted: true
            }
        );
        // The other consumer, deployed before that failover, reports the same loss.
        let second = fail(&g, &mut h, (1, 1), &e, None, &deployed);
        assert_eq!(
            second,
            Decision::Restart {
                subtasks: [(0, 0), (1, 1)].into(),
                counted: false
            }
        );
        assert_eq!(h.restarts, 1);
    }

    #[test]
    fn a_lost_taskmanager_reruns_what_it_held_and_counts_once() {
        let (g, mut h) = (graph(), history(3));
        let e = WeftError::internal("TaskManager b lost");
        for (failed, counted) in [((1, 1), true), ((1, 0), false)] {
            let d = fail(&g, &mut h, failed, &e, Some("b"), &BTreeMap::new());
            assert_eq!(
                d,
                Decision::Restart {
                    subtasks: [(0, 1), failed].into(),
                    counted
                }
            );
        }
        assert_eq!(h.restarts, 1);
    }

    #[test]
    fn no_attempts_left_gives_up() {
        let (g, mut h) = (graph(), history(0));
        let e = WeftError::internal("boom");
        let d = fail(&g, &mut h, (1, 0), &e, None, &BTreeMap::new());
        assert_eq!(d, Decision::NoRestartsLeft);
    }

    #[test]
    fn running_out_of_memory_is_not_retried() {
        let (g, mut h) = (graph(), history(5));
        let e = WeftError::OutOfMemory {
            message: "a subtask ran out of managed memory".into(),
        };
        let d = fail(&g, &mut h, (1, 0), &e, None, &BTreeMap::new());
        assert_eq!(d, Decision::NotRecoverable);
        assert_eq!(h.restarts, 0);
    }
}
