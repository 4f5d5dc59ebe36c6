//! Which job gets a free slot when several jobs of a session want slots: each JobMaster
//! declares how many slots it needs now, and a job may take one while it holds fewer than
//! its fair share of the cluster's slots, or when no other waiting job is below its share
//! (so slots never sit idle). A pure decision, tested here.

use std::collections::HashMap;

/// The fair share of `total` slots among `waiting` jobs (at least one slot each).
pub fn fair_share(total: u32, waiting: usize) -> u32 {
    if waiting == 0 {
        return total;
    }
    total.div_ceil(waiting as u32).max(1)
}

/// May `job` take one more slot? `held`: slots each job holds; `wanted`: slots each job
/// declared it needs beyond those; `total`: slots of all TaskManagers.
pub fn may_take(
    job: &str,
    held: &HashMap<String, u32>,
    wanted: &HashMap<String, u32>,
    total: u32,
) -> bool {
    let waiting: Vec<&String> = wanted
        .iter()
        .filter(|(_, w)| **w > 0)
        .map(|(j, _)| j)
        .collect();
    let n = waiting.len() + usize::from(!waiting.iter().any(|j| j.as_str() == job));
    let share = fair_share(total, n);
    let holds = |j: &str| held.get(j).copied().unwrap_or(0);
    holds(job) < share
        || !waiting
            .iter()
            .any(|j| j.as_str() != job && holds(j) < share)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, u32)]) -> HashMap<String, u32> {
        entries.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_lone_job_takes_every_slot() {
        let held = map(&[("a", 7)]);
        assert!(may_take("a", &held, &map(&[("a", 5)]), 8));
    }

    #[test]
    fn a_job_above_its_share_yields_to_a_waiting_one() {
        // a holds 6 of 8, b waits with none: a's share is 4.
        let held = map(&[("a", 6)]);
        let wanted = map(&[("a", 3), ("b", 2)]);
        assert!(!may_take("a", &held, &wanted, 8));
        assert!(may_take("b", &held, &wanted, 8));
    }

    #[test]
    fn spare_slots_go_to_whoever_wants_them() {
        // b holds its share and wants no more: a may go above its share.
        let held = map(&[("a", 4), ("b", 4)]);
        let wanted = map(&[("a", 3), ("b", 0)]);
        assert!(may_take("a", &held, &wanted, 10));
    }

    #[test]
    fn shares_round_up() {
        assert_eq!(fair_share(5, 2), 3);
        assert_eq!(fair_share(1, 3), 1);
        assert_eq!(fair_share(4, 0), 4);
    }
}
