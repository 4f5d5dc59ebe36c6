//! Adaptive batch parallelism (Flink's AdaptiveBatchScheduler): a vertex that only reads
//! shuffled data gets its parallelism when its inputs have finished, from the bytes they
//! produced. Every shuffle writes `max-parallelism` subpartitions, and each subtask of the
//! consumer reads a contiguous range of them. Pure decisions, tested here.

use crate::config::{
    ADAPTIVE_AVG_DATA_VOLUME, ADAPTIVE_ENABLED, ADAPTIVE_MAX_PARALLELISM, ADAPTIVE_MIN_PARALLELISM,
    Configuration, PARALLELISM_DEFAULT, SHUFFLE_MODE,
};

/// The adaptive settings of one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdaptiveSettings {
    pub enabled: bool,
    pub min_parallelism: u32,
    pub max_parallelism: u32,
    pub avg_bytes_per_task: u64,
}

impl AdaptiveSettings {
    pub fn from_config(conf: &Configuration) -> Self {
        let default = conf.get_int(PARALLELISM_DEFAULT).max(1) as u32;
        let max = match conf.get_int(ADAPTIVE_MAX_PARALLELISM) {
            n if n > 0 => n as u32,
            _ => default,
        };
        // The remote shuffle service buffers a push per subpartition: it keeps the
        // planned parallelism.
        let remote = conf.get_string(SHUFFLE_MODE).eq_ignore_ascii_case("remote");
        AdaptiveSettings {
            enabled: conf.get_bool(ADAPTIVE_ENABLED) && !remote,
            min_parallelism: (conf.get_int(ADAPTIVE_MIN_PARALLELISM).max(1) as u32).min(max),
            max_parallelism: max,
            avg_bytes_per_task: conf.get_memory(ADAPTIVE_AVG_DATA_VOLUME).max(1),
        }
    }

    /// Subpartitions a hash shuffle planned with `planned` partitions writes: a multiple
    /// of `planned`, so that partition j of the plan (subpartitions j, j + planned, …)
    /// holds exactly the rows DataFusion's own hash repartitioning gives partition j.
    pub fn subpartitions(&self, planned: usize) -> usize {
        let m = self.max_parallelism as usize;
        if self.enabled && planned > 0 && m > planned && m % planned == 0 {
            m
        } else {
            planned
        }
    }
}

/// The parallelism for a vertex whose inputs produced `input_bytes`, at most
/// `subpartitions` (one subpartition is the smallest share), and why.
pub fn decide_parallelism(
    input_bytes: u64,
    subpartitions: u32,
    s: &AdaptiveSettings,
) -> (u32, String) {
    let wanted = input_bytes.div_ceil(s.avg_bytes_per_task).max(1);
    let max = s.max_parallelism.min(subpartitions).max(1);
    let p = (wanted.min(u32::MAX as u64) as u32).clamp(s.min_parallelism.min(max), max);
    let reason = format!(
        "decided at run time: {} of input / {} per subtask = {wanted}, within [{}, {max}]",
        human(input_bytes),
        human(s.avg_bytes_per_task),
        s.min_parallelism.min(max)
    );
    (p, reason)
}

/// The subpartitions of the `m` a producer wrote that partition `j` of a `n`-partition
/// plan reads when nobody decided otherwise: j, j + n, j + 2n, … (the rows DataFusion's
/// hash repartitioning into `n` would give partition j).
pub fn planned_share(j: u32, n: u32, m: u32) -> Vec<u32> {
    (j..m).step_by(n.max(1) as usize).collect()
}

/// The subpartitions `[start, end)` subtask `k` of `p` reads out of `m` when the
/// JobManager decided `p`: contiguous, disjoint, covering all, sizes differing by at most
/// one.
pub fn subpartition_range(k: u32, p: u32, m: u32) -> (u32, u32) {
    let (k, p, m) = (k as u64, p.max(1) as u64, m as u64);
    ((k * m / p) as u32, ((k + 1) * m / p) as u32)
}

/// Contiguous ranges of subpartitions for `p` subtasks, each non-empty, cut where the
/// running total of `weights` (estimated bytes of each subpartition over all producers)
/// crosses k/p of the whole: a subpartition with much data gets a subtask (nearly) to
/// itself instead of a fixed share of subpartitions.
pub fn balanced_ranges(weights: &[u64], p: u32) -> Vec<(u32, u32)> {
    let m = weights.len();
    let p = (p as usize).clamp(1, m.max(1));
    if m == 0 {
        return vec![(0, 0)];
    }
    let total: u128 = weights.iter().map(|&w| w as u128).sum();
    let mut cuts = vec![0usize];
    let (mut acc, mut i) = (0u128, 0usize);
    for k in 1..p {
        let target = total * k as u128 / p as u128;
        // Take at least one subpartition; leave one for each range still to come.
        while i < m - (p - k) && (cuts.last() == Some(&i) || acc + weights[i] as u128 <= target) {
            acc += weights[i] as u128;
            i += 1;
        }
        cuts.push(i);
    }
    cuts.push(m);
    cuts.windows(2)
        .map(|w| (w[0] as u32, w[1] as u32))
        .collect()
}

fn human(bytes: u64) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(min: u32, max: u32, avg: u64) -> AdaptiveSettings {
        AdaptiveSettings {
            enabled: true,
            min_parallelism: min,
            max_parallelism: max,
            avg_bytes_per_task: avg,
        }
    }

    #[test]
    fn parallelism_follows_the_input_volume_within_bounds() {
        let s = settings(1, 8, 100);
        assert_eq!(decide_parallelism(0, 8, &s).0, 1);
        assert_eq!(decide_parallelism(100, 8, &s).0, 1);
        assert_eq!(decide_parallelism(101, 8, &s).0, 2);
        assert_eq!(decide_parallelism(10_000, 8, &s).0, 8);
        // Never more subtasks than subpartitions to read.
        assert_eq!(decide_parallelism(10_000, 4, &s).0, 4);
        assert_eq!(decide_parallelism(0, 8, &settings(3, 8, 100)).0, 3);
        let (_, why) = decide_parallelism(150, 8, &s);
        assert!(why.contains("= 2, within [1, 8]"), "{why}");
    }

    #[test]
    fn subpartition_ranges_cover_everything_once() {
        for (p, m) in [(1, 8), (3, 8), (8, 8), (5, 128), (7, 3)] {
            let mut next = 0;
            for k in 0..p {
                let (a, b) = subpartition_range(k, p, m);
                assert_eq!(a, next, "p={p} m={m} k={k}");
                assert!(b >= a && b - a <= m / p + 1);
                next = b;
            }
            assert_eq!(next, m);
        }
    }

    #[test]
    fn balanced_ranges_follow_the_data() {
        // Uniform data: equal shares.
        assert_eq!(
            balanced_ranges(&[1; 8], 4),
            vec![(0, 2), (2, 4), (4, 6), (6, 8)]
        );
        // One heavy subpartition gets a subtask to itself.
        assert_eq!(balanced_ranges(&[100, 1, 1, 1], 2), vec![(0, 1), (1, 4)]);
        assert_eq!(balanced_ranges(&[1, 1, 1, 100], 2), vec![(0, 3), (3, 4)]);
        // Never an empty range, whatever the weights.
        for weights in [vec![0u64; 5], vec![9, 0, 0, 0, 0], vec![0, 0, 0, 0, 9]] {
            let r = balanced_ranges(&weights, 5);
            assert_eq!(r.len(), 5);
            assert!(r.iter().all(|(a, b)| b > a), "{r:?}");
            assert_eq!(r.last().unwrap().1, 5);
        }
        // More subtasks than subpartitions: one each.
        assert_eq!(balanced_ranges(&[3, 3], 4), vec![(0, 1), (1, 2)]);
    }

    #[test]
    fn the_planned_share_is_what_a_hash_repartition_into_n_gives() {
        assert_eq!(planned_share(1, 4, 8), vec![1, 5]);
        assert_eq!(planned_share(0, 2, 2), vec![0]);
        for h in 0u32..64 {
            let (n, m) = (4, 16);
            assert!(planned_share(h % n, n, m).contains(&(h % m)));
        }
    }

    #[test]
    fn the_maximum_defaults_to_the_default_parallelism() {
        let mut c = Configuration::new();
        c.set("parallelism.default", "4").unwrap();
        let s = AdaptiveSettings::from_config(&c);
        assert_eq!(
            (s.enabled, s.max_parallelism, s.min_parallelism),
            (true, 4, 1)
        );
        assert_eq!(s.subpartitions(2), 4);
        assert_eq!(s.subpartitions(3), 3, "not a multiple: planned");
        assert_eq!(s.avg_bytes_per_task, 16 << 20);
        c.set("shuffle.mode", "remote").unwrap();
        assert!(!AdaptiveSettings::from_config(&c).enabled);
    }
}
