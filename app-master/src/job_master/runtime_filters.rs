//! Runtime filters in the JobMaster: the subtasks of a build-side vertex report the key
//! hashes they wrote; once all of them have finished, the vertex's filter is one Bloom
//! filter over those hashes (`weft_core::runtime_filter::merge`), built once and sent with
//! every subtask of the vertices that apply it.

use std::collections::BTreeMap;
use std::sync::Arc;

use weft_core::proto::RuntimeFilterProto;
use weft_core::runtime_filter::{self, KeyHashes};

use super::ExecutionGraph;

#[derive(Debug)]
pub struct RuntimeFilters {
    max_keys: u64,
    /// Filters built, by build vertex: Bloom filter bytes, empty when the build side wrote
    /// too many keys (its probe sides then filter nothing).
    built: BTreeMap<u32, Arc<Vec<u8>>>,
}

impl RuntimeFilters {
    pub fn new(max_keys: u64) -> Self {
        RuntimeFilters {
            max_keys,
            built: BTreeMap::new(),
        }
    }

    /// The filters for a subtask of a vertex applying those of `sources` (every one of
    /// which has finished: the scheduler waits for them).
    pub fn for_subtask(&mut self, sources: &[u32], eg: &ExecutionGraph) -> Vec<RuntimeFilterProto> {
        sources
            .iter()
            .map(|&v| {
                let bloom = self
                    .built
                    .entry(v)
                    .or_insert_with(|| {
                        let parts: Vec<&KeyHashes> = eg.subtasks[v as usize]
                            .iter()
                            .map(|s| s.key_hashes.as_ref().unwrap_or(&KeyHashes::TooMany))
                            .collect();
                        let filter = runtime_filter::merge(&parts, self.max_keys);
                        match &filter {
                            Some(f) => tracing::info!(
                                "runtime filter of vertex {v}: {} KiB",
                                f.byte_size() >> 10
                            ),
                            None => tracing::info!(
                                "vertex {v} wrote more keys than a runtime filter holds (at most {}); its probe sides are not filtered",
                                self.max_keys
                            ),
                        }
                        Arc::new(filter.map(|f| f.to_bytes()).unwrap_or_default())
                    })
                    .clone();
                RuntimeFilterProto {
                    build_vertex: v,
                    bloom: bloom.as_ref().clone(),
                }
            })
            .collect()
    }
}
