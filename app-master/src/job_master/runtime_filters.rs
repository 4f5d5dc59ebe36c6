//! Runtime filters in the JobMaster: the subtasks of a build-side vertex report the key
//! hashes they wrote; once all of them have finished, the vertex's filter is one Bloom
//! filter over those hashes (`weft_core::runtime_filter::merge`), built once and sent with
//! every subtask of the vertices that apply it.

use std::collections::BTreeMap;
use std::sync::Arc;

use weft_core::proto::RuntimeFilterProto;
use weft_core::runtime_filter::{self, KeyHashes, RuntimeFilterSettings};

use super::ExecutionGraph;
use super::execution_graph::ExecutionVertex;

#[derive(Debug)]
pub struct RuntimeFilters {
    max_keys: u64,
    /// `table.optimizer.runtime-filter.max-build-data-size`: a source that wrote more
    /// gives no filter.
    max_bytes: u64,
    /// Filters built, by build vertex: Bloom filter bytes, empty when the build side wrote
    /// too many keys (its probe sides then filter nothing).
    built: BTreeMap<u32, Arc<Vec<u8>>>,
}

impl RuntimeFilters {
    pub fn new(settings: &RuntimeFilterSettings) -> Self {
        RuntimeFilters {
            max_keys: settings.max_keys(),
            max_bytes: settings.max_build_bytes,
            built: BTreeMap::new(),
        }
    }

    /// The filters for a subtask of a vertex applying those of `sources` (every one of
    /// which has finished: the scheduler waits for them). A source's key hashes are let go
    /// once its filter is built.
    pub fn for_subtask(
        &mut self,
        sources: &[u32],
        eg: &mut ExecutionGraph,
    ) -> Vec<RuntimeFilterProto> {
        sources
            .iter()
            .map(|&v| {
                if !self.built.contains_key(&v) {
                    let bloom = self.build(v, &mut eg.subtasks[v as usize]);
                    self.built.insert(v, Arc::new(bloom));
                }
                RuntimeFilterProto {
                    build_vertex: v,
                    bloom: self.built[&v].as_ref().clone(),
                }
            })
            .collect()
    }

    /// The Bloom filter bytes of source vertex `v` from its finished subtasks (empty: no
    /// filter), letting their key hashes go.
    fn build(&self, v: u32, subtasks: &mut [ExecutionVertex]) -> Vec<u8> {
        let written: u64 = subtasks.iter().map(|s| s.bytes).sum();
        let parts: Vec<KeyHashes> = subtasks
            .iter_mut()
            .map(|s| s.key_hashes.take().unwrap_or(KeyHashes::TooMany))
            .collect();
        if written > self.max_bytes {
            tracing::info!(
                "vertex {v} wrote {written} bytes, over table.optimizer.runtime-filter.max-build-data-size ({}): no runtime filter",
                self.max_bytes
            );
            return Vec::new();
        }
        match runtime_filter::merge(&parts, self.max_keys) {
            Some(f) => {
                tracing::info!("runtime filter of vertex {v}: {} KiB", f.byte_size() >> 10);
                f.to_bytes()
            }
            None => {
                tracing::info!(
                    "vertex {v} wrote more keys than a runtime filter holds (at most {}): no runtime filter",
                    self.max_keys
                );
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_core::regions::VertexTopology;
    use weft_core::runtime_filter::BloomFilter;

    fn source(hashes: &[&[u64]], bytes: u64) -> ExecutionGraph {
        let mut g = ExecutionGraph::new(vec![VertexTopology {
            id: 0,
            parallelism: hashes.len() as u32,
            inputs: vec![],
        }]);
        for (s, h) in g.subtasks[0].iter_mut().zip(hashes) {
            s.key_hashes = Some(KeyHashes::Distinct(h.to_vec()));
            s.bytes = bytes;
        }
        g
    }

    fn settings(max_build_bytes: u64) -> RuntimeFilterSettings {
        RuntimeFilterSettings {
            enabled: true,
            max_build_bytes,
            min_probe_bytes: 0,
            min_filter_ratio: 0.0,
        }
    }

    #[test]
    fn a_source_under_the_limits_gives_one_filter_of_all_its_subtasks_keys() {
        let mut g = source(&[&[1, 2], &[2, 3]], 100);
        let mut f = RuntimeFilters::new(&settings(1 << 20));
        let sent = f.for_subtask(&[0], &mut g);
        assert_eq!(sent.len(), 1);
        let bloom = BloomFilter::from_bytes(&sent[0].bloom).unwrap();
        assert!([1, 2, 3].iter().all(|&h| bloom.may_contain(h)));
        // Built once: the same bytes for the next subtask.
        assert_eq!(f.for_subtask(&[0], &mut g)[0].bloom, sent[0].bloom);
    }

    #[test]
    fn a_source_that_wrote_more_than_max_build_data_size_or_too_many_keys_gives_none() {
        // 2 × 600 bytes written, over a 1000-byte limit.
        let mut g = source(&[&[1], &[2]], 600);
        let sent = RuntimeFilters::new(&settings(1000)).for_subtask(&[0], &mut g);
        assert!(sent[0].bloom.is_empty());
        // 1 MiB allows 16384 keys; a subtask that gave up, or 20000 keys together, too many.
        let mut g = source(&[&[1], &[2]], 1);
        g.subtasks[0][1].key_hashes = Some(KeyHashes::TooMany);
        assert!(
            RuntimeFilters::new(&settings(1 << 20)).for_subtask(&[0], &mut g)[0]
                .bloom
                .is_empty()
        );
        let many: Vec<u64> = (0..20_000).collect();
        let mut g = source(&[&many], 1);
        assert!(
            RuntimeFilters::new(&settings(1 << 20)).for_subtask(&[0], &mut g)[0]
                .bloom
                .is_empty()
        );
    }
}
