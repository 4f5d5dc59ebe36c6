//! The ExecutionGraph: one ExecutionVertex per subtask with its current attempt, state and
//! result location. Scheduling and failover are pure decisions over it, tested directly.

use std::collections::BTreeSet;

use weft_core::regions::{VertexTopology, producers_of};
use weft_core::runtime_filter::KeyHashes;
use weft_core::shuffle::PartitionLocation;

#[derive(Debug, Clone, PartialEq)]
pub enum SubtaskState {
    Created,
    /// Deployed to (or running on) a TaskManager.
    Running {
        resource_id: String,
    },
    Finished {
        resource_id: String,
        location: Option<PartitionLocation>,
    },
    /// Failed; waiting for its restart (or the job's end).
    Failed,
}

#[derive(Debug, Clone)]
pub struct ExecutionVertex {
    pub state: SubtaskState,
    pub attempt: u32,
    pub rows: u64,
    pub bytes: u64,
    pub spilled_bytes: u64,
    pub join_fallbacks: u32,
    /// Rows the finished subtask wrote to each subpartition of its result.
    pub subpartition_rows: Vec<u64>,
    /// A runtime filter's build side: the key hashes the finished subtask wrote.
    pub key_hashes: Option<KeyHashes>,
    /// Rows into and kept by the subtask's runtime filters.
    pub filter_rows: (u64, u64),
}

impl ExecutionVertex {
    fn created() -> Self {
        ExecutionVertex {
            state: SubtaskState::Created,
            attempt: 0,
            rows: 0,
            bytes: 0,
            spilled_bytes: 0,
            join_fallbacks: 0,
            subpartition_rows: Vec::new(),
            key_hashes: None,
            filter_rows: (0, 0),
        }
    }
}

#[derive(Debug)]
pub struct ExecutionGraph {
    pub topology: Vec<VertexTopology>,
    /// `subtasks[vertex][subtask]`.
    pub subtasks: Vec<Vec<ExecutionVertex>>,
    /// `waits_for[vertex]`: vertices that must have finished before it starts (the build
    /// sides of its runtime filters), besides its inputs.
    pub waits_for: Vec<Vec<u32>>,
}

pub type Evid = (u32, u32);

impl ExecutionGraph {
    pub fn new(topology: Vec<VertexTopology>) -> Self {
        let subtasks = topology
            .iter()
            .map(|v| {
                (0..v.parallelism)
                    .map(|_| ExecutionVertex::created())
                    .collect()
            })
            .collect();
        let waits_for = vec![Vec::new(); topology.len()];
        ExecutionGraph {
            topology,
            subtasks,
            waits_for,
        }
    }

    /// Give vertex `v`, none of whose subtasks has started, `p` subtasks (an adaptive
    /// parallelism decided when its inputs finished).
    pub fn set_parallelism(&mut self, v: u32, p: u32) {
        let vertex = &mut self.topology[v as usize];
        debug_assert!(
            self.subtasks[v as usize]
                .iter()
                .all(|s| s.state == SubtaskState::Created)
        );
        vertex.parallelism = p;
        self.subtasks[v as usize] = (0..p).map(|_| ExecutionVertex::created()).collect();
    }

    pub fn parallelism(&self, v: u32) -> u32 {
        self.topology[v as usize].parallelism
    }

    pub fn get(&self, id: Evid) -> &ExecutionVertex {
        &self.subtasks[id.0 as usize][id.1 as usize]
    }

    pub fn get_mut(&mut self, id: Evid) -> &mut ExecutionVertex {
        &mut self.subtasks[id.0 as usize][id.1 as usize]
    }

    pub fn total(&self) -> u32 {
        self.subtasks.iter().map(|v| v.len() as u32).sum()
    }

    pub fn finished(&self) -> u32 {
        self.subtasks
            .iter()
            .flatten()
            .filter(|s| matches!(s.state, SubtaskState::Finished { .. }))
            .count() as u32
    }

    /// Every subtask of vertex `v` finished.
    pub fn vertex_finished(&self, v: u32) -> bool {
        self.subtasks[v as usize]
            .iter()
            .all(|s| matches!(s.state, SubtaskState::Finished { .. }))
    }

    pub fn all_finished(&self) -> bool {
        self.finished() == self.total()
    }

    fn input_ready(&self, id: Evid) -> bool {
        let v = &self.topology[id.0 as usize];
        if !self.waits_for[id.0 as usize]
            .iter()
            .all(|&w| self.vertex_finished(w))
        {
            return false;
        }
        v.inputs.iter().all(|&(src, pattern, _)| {
            let pp = self.topology[src as usize].parallelism;
            producers_of(id.1, pattern, pp, v.parallelism)
                .into_iter()
                .all(|p| matches!(self.get((src, p)).state, SubtaskState::Finished { .. }))
        })
    }

    /// Subtasks that can be deployed now: created, with every input partition available
    /// (all edges are BLOCKING in batch), in topological order.
    pub fn schedulable(&self) -> Vec<Evid> {
        let mut out = Vec::new();
        for v in &self.topology {
            for s in 0..v.parallelism {
                let id = (v.id, s);
                if self.get(id).state == SubtaskState::Created && self.input_ready(id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// Consumers of a subtask's result: (vertex, subtask) pairs reading it.
    fn consumers_of(&self, id: Evid) -> Vec<Evid> {
        let mut out = Vec::new();
        for v in &self.topology {
            for &(src, pattern, _) in &v.inputs {
                if src != id.0 {
                    continue;
                }
                for s in 0..v.parallelism {
                    if producers_of(
                        s,
                        pattern,
                        self.topology[src as usize].parallelism,
                        v.parallelism,
                    )
                    .contains(&id.1)
                    {
                        out.push((v.id, s));
                    }
                }
            }
        }
        out
    }

    /// Is a finished subtask's result still needed by some consumer that has not finished?
    fn result_needed(&self, id: Evid) -> bool {
        self.consumers_of(id)
            .into_iter()
            .any(|c| !matches!(self.get(c).state, SubtaskState::Finished { .. }))
    }

    /// Subtasks whose finished results lived on a lost TaskManager (or at a lost path) and
    /// are still needed: they must run again.
    pub fn lost_results(
        &self,
        lost: &dyn Fn(&str, Option<&PartitionLocation>) -> bool,
    ) -> Vec<Evid> {
        let mut out = Vec::new();
        for v in &self.topology {
            for s in 0..v.parallelism {
                let id = (v.id, s);
                if let SubtaskState::Finished {
                    resource_id,
                    location,
                } = &self.get(id).state
                {
                    if location.is_some()
                        && lost(resource_id, location.as_ref())
                        && self.result_needed(id)
                    {
                        out.push(id);
                    }
                }
            }
        }
        out
    }

    /// The TaskManager whose data service at `address` holds a finished result, if any.
    pub fn producer_at(&self, address: &str) -> Option<String> {
        self.subtasks
            .iter()
            .flatten()
            .find_map(|sv| match &sv.state {
                SubtaskState::Finished {
                    resource_id,
                    location: Some(l),
                } if l.address == address => Some(resource_id.clone()),
                _ => None,
            })
    }

    /// `(data-service address, resource id)` of every finished result.
    pub fn result_addresses(&self) -> Vec<(String, String)> {
        self.subtasks
            .iter()
            .flatten()
            .filter_map(|sv| match &sv.state {
                SubtaskState::Finished {
                    resource_id,
                    location: Some(l),
                } => Some((l.address.clone(), resource_id.clone())),
                _ => None,
            })
            .collect()
    }

    /// How many subtasks are deployed or running.
    pub fn running_count(&self) -> usize {
        self.subtasks
            .iter()
            .flatten()
            .filter(|s| matches!(s.state, SubtaskState::Running { .. }))
            .count()
    }

    /// Running subtasks on a TaskManager.
    pub fn running_on(&self, resource_id: &str) -> Vec<Evid> {
        let mut out = Vec::new();
        for v in &self.topology {
            for s in 0..v.parallelism {
                if let SubtaskState::Running { resource_id: r } = &self.get((v.id, s)).state {
                    if r == resource_id {
                        out.push((v.id, s));
                    }
                }
            }
        }
        out
    }

    /// Reset subtasks for a restart: a new attempt in state Created. Their regions are single
    /// subtasks in batch (all edges BLOCKING), so this is region failover.
    pub fn reset(&mut self, ids: &BTreeSet<Evid>) {
        for &id in ids {
            let sv = self.get_mut(id);
            sv.state = SubtaskState::Created;
            sv.attempt += 1;
            sv.rows = 0;
            sv.bytes = 0;
            sv.spilled_bytes = 0;
            sv.join_fallbacks = 0;
            sv.key_hashes = None;
            sv.filter_rows = (0, 0);
        }
    }

    /// Locations of a vertex's result partitions in subtask order (default where not finished).
    pub fn locations(&self, vertex: u32) -> Vec<PartitionLocation> {
        self.subtasks[vertex as usize]
            .iter()
            .map(|s| match &s.state {
                SubtaskState::Finished {
                    location: Some(l), ..
                } => l.clone(),
                _ => PartitionLocation {
                    resource_id: String::new(),
                    address: String::new(),
                    host: String::new(),
                    data_path: String::new(),
                    index_path: String::new(),
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_core::jobgraph::{DistributionPattern, ResultPartitionType};

    fn graph() -> ExecutionGraph {
        ExecutionGraph::new(vec![
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
        ])
    }

    fn finish(g: &mut ExecutionGraph, id: Evid, tm: &str) {
        g.get_mut(id).state = SubtaskState::Finished {
            resource_id: tm.into(),
            location: Some(PartitionLocation {
                resource_id: tm.into(),
                address: String::new(),
                host: String::new(),
                data_path: format!("{tm}/{}_{}", id.0, id.1),
                index_path: String::new(),
            }),
        };
    }

    #[test]
    fn consumers_wait_for_all_producers() {
        let mut g = graph();
        assert_eq!(g.schedulable(), vec![(0, 0), (0, 1)]);
        finish(&mut g, (0, 0), "a");
        g.get_mut((0, 1)).state = SubtaskState::Running {
            resource_id: "b".into(),
        };
        assert!(g.schedulable().is_empty());
        finish(&mut g, (0, 1), "b");
        assert_eq!(g.schedulable(), vec![(1, 0), (1, 1)]);
    }

    #[test]
    fn a_runtime_filters_probe_side_waits_for_its_build_side() {
        // Vertices 0 (build) and 1 (probe) both feed 2; 1 filters by what 0 wrote.
        let mut g = ExecutionGraph::new(vec![
            VertexTopology {
                id: 0,
                parallelism: 2,
                inputs: vec![],
            },
            VertexTopology {
                id: 1,
                parallelism: 1,
                inputs: vec![],
            },
            VertexTopology {
                id: 2,
                parallelism: 1,
                inputs: vec![
                    (
                        0,
                        DistributionPattern::AllToAll,
                        ResultPartitionType::Blocking,
                    ),
                    (
                        1,
                        DistributionPattern::AllToAll,
                        ResultPartitionType::Blocking,
                    ),
                ],
            },
        ]);
        g.waits_for[1] = vec![0];
        assert_eq!(g.schedulable(), vec![(0, 0), (0, 1)]);
        finish(&mut g, (0, 0), "a");
        assert_eq!(g.schedulable(), vec![(0, 1)]);
        finish(&mut g, (0, 1), "a");
        assert_eq!(g.schedulable(), vec![(1, 0)]);
        // A build subtask restarted (its result lost): the probe side waits again.
        g.reset(&BTreeSet::from([(0, 1)]));
        assert_eq!(g.schedulable(), vec![(0, 1)]);
    }

    #[test]
    fn lost_taskmanager_reruns_only_needed_producers() {
        let mut g = graph();
        finish(&mut g, (0, 0), "a");
        finish(&mut g, (0, 1), "b");
        finish(&mut g, (1, 0), "a");
        g.get_mut((1, 1)).state = SubtaskState::Running {
            resource_id: "b".into(),
        };
        // b dies: its running consumer fails, and producer (0,1) is still needed by (1,1).
        assert_eq!(g.running_on("b"), vec![(1, 1)]);
        let lost = g.lost_results(&|rid, _| rid == "b");
        assert_eq!(lost, vec![(0, 1)]);
        let ids: BTreeSet<_> = lost.into_iter().chain([(1, 1)]).collect();
        g.reset(&ids);
        assert_eq!(g.get((0, 1)).attempt, 1);
        assert_eq!(g.schedulable(), vec![(0, 1)]);
        // Producer (0,0) on the healthy TaskManager is reused, not recomputed.
        assert!(matches!(g.get((0, 0)).state, SubtaskState::Finished { .. }));
    }
}
