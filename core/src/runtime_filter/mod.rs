//! Runtime filters across stages (Flink's `table.optimizer.runtime-filter.*`): for a
//! partitioned hash join with one side small and reduced (filtered), the *source*, and the
//! other large, the *target*, whose unmatched rows the join drops, the source's shuffle
//! writer also collects the hashes of the join keys it writes; the stages of the target
//! side that hold the filter are scheduled after the source's, and drop every row whose
//! keys the source never wrote, as early in the target's plan as they can. Rows the join
//! would drop are not shuffled at all. The source is usually the join's build side; for a
//! RIGHT SEMI / ANTI join it is the probe side, and the build side is filtered.
//!
//! - `bloom.rs` — the split-block Bloom filter the JobMaster builds from the build side's
//!   key hashes and ships to every probe subtask.
//! - `hash.rs` — the key hash both sides agree on.
//! - `exec.rs` — [`RuntimeFilterExec`], the probe side's filter.
//! - `pushdown.rs` — where in the probe side's plan the filter goes (as deep as it keeps
//!   its meaning: below projections, filters, aggregations on the keys, joins).
//! - here — the settings and the planning decision (pure, unit-tested).

pub mod bloom;
pub mod exec;
pub mod hash;
pub mod pushdown;

use datafusion::common::JoinType;

pub use bloom::BloomFilter;
pub use exec::RuntimeFilterExec;

use crate::config::{
    Configuration, RUNTIME_FILTER_ENABLED, RUNTIME_FILTER_MAX_BUILD, RUNTIME_FILTER_MIN_PROBE,
    RUNTIME_FILTER_MIN_RATIO,
};

/// Bytes of `max-build-data-size` per distinct key a filter may hold (150 MB: 2.4 M keys,
/// a 3.6 MB Bloom filter; a source subtask buffers at most twice that many hashes).
const BUILD_BYTES_PER_KEY: u64 = 64;

/// How far over `max-build-data-size` a source side's estimate may be and still get a
/// filter planned (its real size is checked when it has run).
pub const ESTIMATE_SLACK: u64 = 8;

/// The runtime-filter settings of one job.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuntimeFilterSettings {
    pub enabled: bool,
    pub max_build_bytes: u64,
    pub min_probe_bytes: u64,
    pub min_filter_ratio: f64,
}

impl RuntimeFilterSettings {
    pub fn from_config(conf: &Configuration) -> Self {
        RuntimeFilterSettings {
            enabled: conf.get_bool(RUNTIME_FILTER_ENABLED),
            max_build_bytes: conf.get_memory(RUNTIME_FILTER_MAX_BUILD),
            min_probe_bytes: conf.get_memory(RUNTIME_FILTER_MIN_PROBE),
            min_filter_ratio: conf.get_fraction(RUNTIME_FILTER_MIN_RATIO),
        }
    }

    /// Most distinct keys a filter holds; a build side with more gives no filter.
    pub fn max_keys(&self) -> u64 {
        (self.max_build_bytes / BUILD_BYTES_PER_KEY).max(1)
    }
}

/// A side of a join: DataFusion's left (the build side) or right (the probe side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// What the planner knows of a partitioned hash join when deciding on a runtime filter of
/// its `target` side by the other side's keys.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinFacts {
    pub join_type: JoinType,
    pub target: Side,
    /// NOT IN semantics: a NULL probe key changes the answer.
    pub null_aware: bool,
    /// NULL keys match each other.
    pub nulls_equal: bool,
    /// The two sides' keys have the same types (their hashes then agree).
    pub key_types_match: bool,
    /// The source side has a filter below it, so it likely holds a fraction of the keys.
    pub source_reduced: bool,
    pub source_bytes: Option<u64>,
    pub target_bytes: Option<u64>,
}

/// Whether a join of type `t` drops the rows of `side` that no row of the other side
/// matches (then they may be dropped before the join).
pub fn drops_unmatched(t: JoinType, side: Side) -> bool {
    match side {
        Side::Right => matches!(
            t,
            JoinType::Inner
                | JoinType::Left
                | JoinType::LeftSemi
                | JoinType::LeftAnti
                | JoinType::LeftMark
                | JoinType::RightSemi
        ),
        Side::Left => matches!(
            t,
            JoinType::Inner
                | JoinType::Right
                | JoinType::RightSemi
                | JoinType::RightAnti
                | JoinType::RightMark
                | JoinType::LeftSemi
        ),
    }
}

/// Whether the join gets a runtime filter; Err says why not.
pub fn decide(s: &RuntimeFilterSettings, j: &JoinFacts) -> Result<(), String> {
    if !s.enabled {
        return Err("table.optimizer.runtime-filter.enabled is false".into());
    }
    if !drops_unmatched(j.join_type, j.target) {
        return Err(format!(
            "a {} join keeps the unmatched rows of its {:?} side",
            j.join_type, j.target
        ));
    }
    if j.null_aware || j.nulls_equal {
        return Err("NULL keys take part in the join".into());
    }
    if !j.key_types_match {
        return Err("the two sides' keys differ in type".into());
    }
    if !j.source_reduced {
        return Err("the filter's source side is not filtered".into());
    }
    // Estimates of a filtered side are rough (DataFusion assumes a filter keeps 20 %): the
    // source's real size decides when it has run (the JobMaster sends no filter for a
    // source over max-build-data-size); only an estimate far over it refuses here.
    let Some(build) = j.source_bytes else {
        return Err("the filter's source side's size is unknown".into());
    };
    if build > s.max_build_bytes.saturating_mul(ESTIMATE_SLACK) {
        return Err(format!(
            "the filter's source side (~{build} bytes) is estimated at more than {ESTIMATE_SLACK} times table.optimizer.runtime-filter.max-build-data-size"
        ));
    }
    let Some(probe) = j.target_bytes else {
        return Err("the filtered side's size is unknown".into());
    };
    if probe < s.min_probe_bytes {
        return Err(format!(
            "the filtered side (~{probe} bytes) is under table.optimizer.runtime-filter.min-probe-data-size"
        ));
    }
    // Flink also estimates the share of rows the filter drops (min-filter-ratio); from
    // DataFusion's estimates that share is mostly guessed, so the filter measures it on
    // its first rows instead and stops if it drops too little (`exec.rs`).
    Ok(())
}

/// The distinct key hashes one build subtask wrote, or that it wrote more than a filter
/// holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHashes {
    Distinct(Vec<u64>),
    TooMany,
}

/// The filter of a source side from its subtasks' key hashes: None when one wrote too many
/// (or all together hold more than `max_keys`).
pub fn merge(parts: &[KeyHashes], max_keys: u64) -> Option<BloomFilter> {
    let mut all = Vec::new();
    for p in parts {
        match p {
            KeyHashes::Distinct(h) => all.extend_from_slice(h),
            KeyHashes::TooMany => return None,
        }
    }
    all.sort_unstable();
    all.dedup();
    (all.len() as u64 <= max_keys).then(|| BloomFilter::from_hashes(&all))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RuntimeFilterSettings {
        RuntimeFilterSettings {
            enabled: true,
            max_build_bytes: 150 << 20,
            min_probe_bytes: 64 << 20,
            min_filter_ratio: 0.5,
        }
    }

    fn facts() -> JoinFacts {
        JoinFacts {
            join_type: JoinType::Inner,
            target: Side::Right,
            null_aware: false,
            nulls_equal: false,
            key_types_match: true,
            source_reduced: true,
            source_bytes: Some(10 << 20),
            target_bytes: Some(1 << 30),
        }
    }

    #[test]
    fn a_small_filtered_build_side_and_a_large_probe_side_get_a_filter() {
        assert_eq!(decide(&settings(), &facts()), Ok(()));
        for t in [
            JoinType::LeftSemi,
            JoinType::RightSemi,
            JoinType::LeftAnti,
            JoinType::Left,
        ] {
            let j = JoinFacts {
                join_type: t,
                ..facts()
            };
            assert_eq!(decide(&settings(), &j), Ok(()), "{t}");
        }
    }

    #[test]
    fn joins_that_keep_unmatched_probe_rows_or_match_nulls_get_none() {
        for t in [
            JoinType::Right,
            JoinType::Full,
            JoinType::RightAnti,
            JoinType::RightMark,
        ] {
            let j = JoinFacts {
                join_type: t,
                ..facts()
            };
            assert!(decide(&settings(), &j).unwrap_err().contains("unmatched"));
        }
        let aware = JoinFacts {
            null_aware: true,
            ..facts()
        };
        assert!(decide(&settings(), &aware).unwrap_err().contains("NULL"));
        let eq = JoinFacts {
            nulls_equal: true,
            ..facts()
        };
        assert!(decide(&settings(), &eq).is_err());
        let types = JoinFacts {
            key_types_match: false,
            ..facts()
        };
        assert!(decide(&settings(), &types).unwrap_err().contains("type"));
    }

    #[test]
    fn sizes_and_settings_decide() {
        let off = RuntimeFilterSettings {
            enabled: false,
            ..settings()
        };
        assert!(decide(&off, &facts()).unwrap_err().contains("enabled"));
        // An estimate over max-build-data-size is a hint only (the real size decides at run
        // time), unless it is far over.
        let over = JoinFacts {
            source_bytes: Some(200 << 20),
            ..facts()
        };
        assert_eq!(decide(&settings(), &over), Ok(()));
        let far_over = JoinFacts {
            source_bytes: Some(2 << 30),
            ..facts()
        };
        assert!(
            decide(&settings(), &far_over)
                .unwrap_err()
                .contains("max-build")
        );
        let small_probe = JoinFacts {
            target_bytes: Some(1 << 20),
            ..facts()
        };
        assert!(
            decide(&settings(), &small_probe)
                .unwrap_err()
                .contains("min-probe")
        );
        let unknown = JoinFacts {
            source_bytes: None,
            ..facts()
        };
        assert!(
            decide(&settings(), &unknown)
                .unwrap_err()
                .contains("unknown")
        );
        let unfiltered = JoinFacts {
            source_reduced: false,
            ..facts()
        };
        assert!(
            decide(&settings(), &unfiltered)
                .unwrap_err()
                .contains("not filtered")
        );
    }

    #[test]
    fn merged_filters_hold_every_subtasks_keys_unless_one_wrote_too_many() {
        let a = KeyHashes::Distinct(vec![1, 5, 9]);
        let b = KeyHashes::Distinct(vec![5, 7]);
        let f = merge(&[a.clone(), b.clone()], 100).unwrap();
        assert!([1, 5, 7, 9].iter().all(|&h| f.may_contain(h)));
        assert!(merge(&[a.clone(), KeyHashes::TooMany], 100).is_none());
        // Four distinct keys together, over a cap of three.
        assert!(merge(&[a, b], 3).is_none());
    }
}
