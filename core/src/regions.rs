//! Pipeline regions (Flink's scheduling and failover unit): subtasks connected by PIPELINED
//! edges form one region; BLOCKING edges separate regions. Pure functions over the topology.

use std::collections::BTreeMap;

use crate::jobgraph::{DistributionPattern, ResultPartitionType};

/// A subtask: (vertex id, subtask index).
pub type ExecutionVertexId = (u32, u32);

#[derive(Debug, Clone)]
pub struct VertexTopology {
    pub id: u32,
    pub parallelism: u32,
    pub inputs: Vec<(u32, DistributionPattern, ResultPartitionType)>,
}

/// The producer subtasks whose result a consumer subtask reads. Pointwise follows Flink:
/// with more producers than consumers each consumer reads a contiguous range of producers
/// (one consumer reads them all); with fewer, each producer feeds a contiguous range of
/// consumers.
pub fn producers_of(
    consumer_subtask: u32,
    pattern: DistributionPattern,
    producer_parallelism: u32,
    consumer_parallelism: u32,
) -> Vec<u32> {
    let (p, c) = (
        producer_parallelism as u64,
        consumer_parallelism.max(1) as u64,
    );
    match pattern {
        DistributionPattern::AllToAll => (0..producer_parallelism).collect(),
        DistributionPattern::Pointwise if p >= c => {
            let s = consumer_subtask as u64;
            ((s * p / c) as u32..((s + 1) * p / c) as u32).collect()
        }
        DistributionPattern::Pointwise => {
            let s = consumer_subtask as u64;
            // The producer whose consumer range [i*c/p, (i+1)*c/p) holds s.
            (0..producer_parallelism)
                .filter(|&i| {
                    let i = i as u64;
                    i * c / p <= s && s < (i + 1) * c / p
                })
                .collect()
        }
    }
}

/// Group subtasks into pipeline regions, each sorted, regions in order of their first subtask.
pub fn pipeline_regions(topology: &[VertexTopology]) -> Vec<Vec<ExecutionVertexId>> {
    let mut parent: BTreeMap<ExecutionVertexId, ExecutionVertexId> = BTreeMap::new();
    fn find(
        p: &mut BTreeMap<ExecutionVertexId, ExecutionVertexId>,
        x: ExecutionVertexId,
    ) -> ExecutionVertexId {
        let mut root = x;
        while p[&root] != root {
            root = p[&root];
        }
        let mut cur = x;
        while p[&cur] != root {
            let next = p[&cur];
            p.insert(cur, root);
            cur = next;
        }
        root
    }
    for v in topology {
        for s in 0..v.parallelism {
            parent.insert((v.id, s), (v.id, s));
        }
    }
    let parallelism: BTreeMap<u32, u32> = topology.iter().map(|v| (v.id, v.parallelism)).collect();
    for v in topology {
        for &(src, pattern, kind) in &v.inputs {
            if kind != ResultPartitionType::Pipelined {
                continue;
            }
            for s in 0..v.parallelism {
                for p in producers_of(s, pattern, parallelism[&src], v.parallelism) {
                    let a = find(&mut parent, (v.id, s));
                    let b = find(&mut parent, (src, p));
                    if a != b {
                        parent.insert(a, b);
                    }
                }
            }
        }
    }
    let mut groups: BTreeMap<ExecutionVertexId, Vec<ExecutionVertexId>> = BTreeMap::new();
    let keys: Vec<_> = parent.keys().copied().collect();
    for k in keys {
        let r = find(&mut parent, k);
        groups.entry(r).or_default().push(k);
    }
    let mut regions: Vec<_> = groups.into_values().collect();
    regions.sort();
    regions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topo(kind: ResultPartitionType) -> Vec<VertexTopology> {
        vec![
            VertexTopology {
                id: 0,
                parallelism: 2,
                inputs: vec![],
            },
            VertexTopology {
                id: 1,
                parallelism: 2,
                inputs: vec![(0, DistributionPattern::Pointwise, kind)],
            },
            VertexTopology {
                id: 2,
                parallelism: 3,
                inputs: vec![(1, DistributionPattern::AllToAll, kind)],
            },
        ]
    }

    #[test]
    fn pointwise_maps_ranges_like_flink() {
        use DistributionPattern::Pointwise;
        assert_eq!(producers_of(0, Pointwise, 4, 1), vec![0, 1, 2, 3]);
        assert_eq!(producers_of(1, Pointwise, 4, 2), vec![2, 3]);
        assert_eq!(producers_of(2, Pointwise, 3, 3), vec![2]);
        assert_eq!(producers_of(3, Pointwise, 2, 4), vec![1]);
        assert_eq!(producers_of(0, Pointwise, 2, 4), vec![0]);
    }

    #[test]
    fn blocking_edges_make_one_region_per_subtask() {
        assert_eq!(
            pipeline_regions(&topo(ResultPartitionType::Blocking)).len(),
            7
        );
    }

    #[test]
    fn pipelined_edges_join_regions() {
        let r = pipeline_regions(&topo(ResultPartitionType::Pipelined));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].len(), 7);
        let mut t = topo(ResultPartitionType::Pipelined);
        t[2].inputs[0].2 = ResultPartitionType::Blocking;
        // 0.i -> 1.i pointwise pipelined: two regions of two, plus three consumers alone.
        assert_eq!(pipeline_regions(&t).len(), 5);
    }
}
