//! The coordinator's bookkeeping, free of I/O: live workers, shuffles with their placement
//! history (one entry per epoch and reduce partition) and map commits.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use weft_core::{Result, WeftError};

use crate::location::job_of;
use crate::proto::{EpochRead, MapAttempt, PartitionPlacement, ReadPlan, WorkerInfo};

#[derive(Debug)]
pub struct WorkerEntry {
    pub info: WorkerInfo,
    pub last_seen: Instant,
    /// Partitions placed on it since its last heartbeat (its reported load lags behind).
    pub assigned: u32,
    /// Shuffles it must delete, told on its next heartbeat.
    pub to_delete: Vec<String>,
}

#[derive(Debug)]
pub struct ShuffleEntry {
    pub job_id: String,
    pub replicas: u32,
    /// `placements[partition]`: every epoch's placement, oldest first.
    pub placements: Vec<Vec<PartitionPlacement>>,
    /// `(map, attempt)` → per reduce partition (epoch, batches).
    pub commits: HashMap<(u32, u32), (Vec<u32>, Vec<u32>)>,
    pub last_activity: Instant,
}

#[derive(Debug, Default)]
pub struct State {
    /// By address.
    pub workers: BTreeMap<String, WorkerEntry>,
    pub shuffles: BTreeMap<String, ShuffleEntry>,
    pub disk_reserve: u64,
    /// Workers declared lost, with when (for metrics and logs).
    pub lost_workers: u64,
}

fn unavailable(message: String) -> WeftError {
    WeftError::Unreachable {
        what: "shuffle workers".into(),
        address: "coordinator".into(),
        message,
    }
}

impl State {
    /// A worker (re)registers. A different process at a known address replaces the old one,
    /// whose partitions move elsewhere.
    pub fn register_worker(&mut self, info: WorkerInfo, now: Instant) {
        if let Some(old) = self.workers.get(&info.address)
            && old.info.worker_id != info.worker_id
        {
            let addr = info.address.clone();
            self.lose_worker(&addr, "it restarted");
        }
        self.workers.insert(
            info.address.clone(),
            WorkerEntry {
                info,
                last_seen: now,
                assigned: 0,
                to_delete: Vec::new(),
            },
        );
    }

    /// A heartbeat: `None` if the worker is unknown (it must register again).
    pub fn heartbeat(&mut self, info: WorkerInfo, now: Instant) -> Option<Vec<String>> {
        let w = self.workers.get_mut(&info.address)?;
        if w.info.worker_id != info.worker_id {
            return None;
        }
        w.info = info;
        w.last_seen = now;
        w.assigned = 0;
        Some(std::mem::take(&mut w.to_delete))
    }

    fn candidates(&self, exclude: &[&str]) -> Vec<(&String, u64)> {
        let mut c: Vec<_> = self
            .workers
            .iter()
            .filter(|(a, w)| {
                !exclude.contains(&a.as_str())
                    && (w.info.disk_total == 0 || w.info.disk_free >= self.disk_reserve)
            })
            .map(|(a, w)| (a, w.info.active_partitions as u64 + w.assigned as u64))
            .collect();
        c.sort_by_key(|(a, load)| (*load, (*a).clone()));
        c
    }

    /// The least-loaded worker(s) for one partition: primary, and replica on another worker.
    fn place_one(
        &mut self,
        replicas: u32,
        epoch: u32,
        exclude: &[&str],
    ) -> Result<PartitionPlacement> {
        let c = self.candidates(exclude);
        if c.is_empty() {
            return Err(unavailable(
                "no usable shuffle worker is registered (live, with free disk); start one with `weft shuffle worker`".into(),
            ));
        }
        // Jobs check at start that enough workers live for their replicas; a worker lost
        // since then leaves partitions with fewer copies rather than none.
        let wanted = (replicas.clamp(1, 2) as usize).min(c.len());
        if wanted < replicas as usize {
            tracing::warn!(
                "only {} usable shuffle worker(s): placing a partition with {wanted} of {replicas} copies",
                c.len()
            );
        }
        let primary = c[0].0.clone();
        let replica = if wanted == 2 {
            c[1].0.clone()
        } else {
            String::new()
        };
        // A primary copy costs more than a replica (it takes the pushes and the reads), so
        // primaries rotate over the workers instead of piling onto the first one.
        for (a, cost) in [(&primary, 2), (&replica, 1)] {
            if let Some(w) = self.workers.get_mut(a) {
                w.assigned += cost;
            }
        }
        Ok(PartitionPlacement {
            epoch,
            primary,
            replica,
        })
    }

    /// Place a new shuffle, or return the current placement of a known one.
    pub fn register_shuffle(
        &mut self,
        job_id: &str,
        shuffle_id: &str,
        num_partitions: u32,
        replicas: u32,
        now: Instant,
    ) -> Result<Vec<PartitionPlacement>> {
        if let Some(s) = self.shuffles.get_mut(shuffle_id) {
            s.last_activity = now;
            if s.placements.len() == num_partitions as usize {
                return Ok(s
                    .placements
                    .iter()
                    .map(|p| p.last().unwrap().clone())
                    .collect());
            }
        }
        let mut placements = Vec::with_capacity(num_partitions as usize);
        for _ in 0..num_partitions {
            placements.push(vec![self.place_one(replicas, 0, &[])?]);
        }
        let current = placements.iter().map(|p| p[0].clone()).collect();
        self.shuffles.insert(
            shuffle_id.to_string(),
            ShuffleEntry {
                job_id: job_id.to_string(),
                replicas,
                placements,
                commits: HashMap::new(),
                last_activity: now,
            },
        );
        Ok(current)
    }

    /// Declare a worker lost: forget it, and move every partition currently placed on it to
    /// a new epoch on other workers. Older epochs stay readable from the surviving copy.
    pub fn lose_worker(&mut self, address: &str, why: &str) {
        if self.workers.remove(address).is_none() {
            return;
        }
        self.lost_workers += 1;
        tracing::warn!("shuffle worker {address} lost: {why}");
        let ids: Vec<String> = self.shuffles.keys().cloned().collect();
        let mut moved = 0;
        for id in ids {
            let (replicas, n) = {
                let s = &self.shuffles[&id];
                (s.replicas, s.placements.len())
            };
            for p in 0..n {
                let cur = self.shuffles[&id].placements[p].last().unwrap().clone();
                if cur.primary != address && cur.replica != address {
                    continue;
                }
                match self.place_one(replicas, cur.epoch + 1, &[]) {
                    Ok(next) => {
                        self.shuffles.get_mut(&id).unwrap().placements[p].push(next);
                        moved += 1;
                    }
                    Err(e) => tracing::warn!("cannot move partition {p} of {id}: {e}"),
                }
            }
        }
        if moved > 0 {
            tracing::info!("moved {moved} partition(s) off {address} to a new epoch");
        }
    }

    pub fn commit_map(
        &mut self,
        shuffle_id: &str,
        map: u32,
        attempt: u32,
        epochs: Vec<u32>,
        batches: Vec<u32>,
        now: Instant,
    ) -> Result<()> {
        let s = self
            .shuffles
            .get_mut(shuffle_id)
            .ok_or_else(|| unknown(shuffle_id))?;
        if epochs.len() != s.placements.len() || batches.len() != s.placements.len() {
            return Err(WeftError::internal(format!(
                "map {map} of shuffle {shuffle_id} committed {} partitions, the shuffle has {}",
                epochs.len(),
                s.placements.len()
            )));
        }
        s.last_activity = now;
        s.commits.entry((map, attempt)).or_insert((epochs, batches));
        Ok(())
    }

    /// Where each requested map attempt's share of one reduce partition lives, grouped by
    /// epoch, with the batch counts the reader must find.
    pub fn read_plan(
        &mut self,
        shuffle_id: &str,
        partition: u32,
        maps: &[MapAttempt],
        now: Instant,
    ) -> Result<ReadPlan> {
        let s = self
            .shuffles
            .get_mut(shuffle_id)
            .ok_or_else(|| unknown(shuffle_id))?;
        s.last_activity = now;
        let history = s.placements.get(partition as usize).ok_or_else(|| {
            WeftError::internal(format!("shuffle {shuffle_id} has no partition {partition}"))
        })?;
        let mut by_epoch: BTreeMap<u32, EpochRead> = BTreeMap::new();
        for m in maps {
            let (epochs, batches) = s.commits.get(&(m.map_id, m.attempt)).ok_or_else(|| {
                WeftError::PartitionNotFound {
                    partition: shuffle_id.to_string(),
                    message: format!(
                        "map {} attempt {} of shuffle {shuffle_id} never committed to the coordinator (restarted or expired?)",
                        m.map_id, m.attempt
                    ),
                }
            })?;
            let n = batches[partition as usize];
            if n == 0 {
                continue;
            }
            let epoch = epochs[partition as usize];
            let placement = history
                .iter()
                .find(|p| p.epoch == epoch)
                .cloned()
                .ok_or_else(|| {
                    WeftError::internal(format!("no epoch {epoch} of partition {partition}"))
                })?;
            let e = by_epoch.entry(epoch).or_insert_with(|| EpochRead {
                placement: Some(placement),
                maps: Vec::new(),
                batches: Vec::new(),
            });
            e.maps.push(*m);
            e.batches.push(n);
        }
        Ok(ReadPlan {
            epochs: by_epoch.into_values().collect(),
        })
    }

    /// Remove a job's shuffles; their workers delete the data on their next heartbeat.
    pub fn unregister_job(&mut self, job_id: &str) -> usize {
        let ids: Vec<String> = self
            .shuffles
            .iter()
            .filter(|(id, s)| s.job_id == job_id || job_of(id) == job_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &ids {
            self.remove_shuffle(id);
        }
        ids.len()
    }

    fn remove_shuffle(&mut self, id: &str) {
        if self.shuffles.remove(id).is_none() {
            return;
        }
        // Every worker may hold a copy from some epoch: all of them delete it.
        for w in self.workers.values_mut() {
            w.to_delete.push(id.to_string());
        }
    }

    /// Lose silent workers and drop shuffles nobody touched for `expiry`; the dropped
    /// shuffles' ids.
    pub fn expire(
        &mut self,
        now: Instant,
        worker_timeout: Duration,
        expiry: Duration,
    ) -> Vec<String> {
        let silent: Vec<String> = self
            .workers
            .iter()
            .filter(|(_, w)| now.duration_since(w.last_seen) > worker_timeout)
            .map(|(a, _)| a.clone())
            .collect();
        for a in silent {
            self.lose_worker(
                &a,
                &format!("no heartbeat for {} s", worker_timeout.as_secs()),
            );
        }
        let stale: Vec<String> = self
            .shuffles
            .iter()
            .filter(|(_, s)| now.duration_since(s.last_activity) > expiry)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &stale {
            tracing::info!(
                "shuffle {id} expired (untouched for {} s)",
                expiry.as_secs()
            );
            self.remove_shuffle(id);
        }
        stale
    }
}

fn unknown(shuffle_id: &str) -> WeftError {
    WeftError::PartitionNotFound {
        partition: shuffle_id.to_string(),
        message: format!(
            "the coordinator does not know shuffle {shuffle_id} (unregistered, expired, or the coordinator restarted)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(addr: &str, active: u32) -> WorkerInfo {
        WorkerInfo {
            worker_id: format!("id-{addr}"),
            address: addr.into(),
            disk_free: 100 << 30,
            disk_total: 200 << 30,
            active_partitions: active,
            bytes_stored: 0,
        }
    }

    fn state(workers: &[(&str, u32)]) -> (State, Instant) {
        let now = Instant::now();
        let mut s = State {
            disk_reserve: 1 << 30,
            ..Default::default()
        };
        for (a, n) in workers {
            s.register_worker(worker(a, *n), now);
        }
        (s, now)
    }

    #[test]
    fn placement_is_load_aware_and_replicas_differ() {
        let (mut s, now) = state(&[("a:1", 0), ("b:1", 10), ("c:1", 0)]);
        let p = s.register_shuffle("j", "j-v0", 4, 2, now).unwrap();
        for x in &p {
            assert_ne!(x.primary, x.replica);
            assert!(!x.replica.is_empty());
        }
        // The busy worker gets nothing while the others have less load.
        assert!(
            p.iter().all(|x| x.primary != "b:1" && x.replica != "b:1"),
            "{p:?}"
        );
        let on_a = p.iter().filter(|x| x.primary == "a:1").count();
        assert_eq!(on_a, 2, "primaries rotate: {p:?}");
        // Idempotent.
        assert_eq!(s.register_shuffle("j", "j-v0", 4, 2, now).unwrap(), p);
    }

    #[test]
    fn too_few_workers_and_full_disks_are_refused() {
        let (mut s, now) = state(&[]);
        let e = s.register_shuffle("j", "j-v0", 2, 1, now).unwrap_err();
        assert!(e.to_string().contains("no usable shuffle worker"), "{e}");
        let mut full = worker("b:1", 0);
        full.disk_free = 10;
        s.register_worker(full, now);
        assert!(s.register_shuffle("j", "j-v0", 2, 1, now).is_err());
        // One usable worker: two replicas degrade to one copy on it.
        s.register_worker(worker("a:1", 0), now);
        let p = s.register_shuffle("j", "j-v1", 2, 2, now).unwrap();
        assert!(
            p.iter().all(|x| x.primary == "a:1" && x.replica.is_empty()),
            "{p:?}"
        );
    }

    #[test]
    fn a_lost_worker_moves_partitions_to_a_new_epoch_and_reads_use_the_commit_epoch() {
        let (mut s, now) = state(&[("a:1", 0), ("b:1", 0)]);
        let p = s.register_shuffle("j", "j-v0", 2, 1, now).unwrap();
        s.commit_map("j-v0", 0, 0, vec![0, 0], vec![3, 0], now)
            .unwrap();
        let lost = p[0].primary.clone();
        s.lose_worker(&lost, "test");
        let cur = s.register_shuffle("j", "j-v0", 2, 1, now).unwrap();
        assert_eq!(cur[0].epoch, 1);
        assert_ne!(cur[0].primary, lost);
        let epochs = cur.iter().map(|p| p.epoch).collect();
        s.commit_map("j-v0", 1, 0, epochs, vec![2, 5], now).unwrap();
        let m = |map_id| MapAttempt { map_id, attempt: 0 };
        let plan = s.read_plan("j-v0", 0, &[m(0), m(1)], now).unwrap();
        assert_eq!(plan.epochs.len(), 2);
        assert_eq!(plan.epochs[0].placement.as_ref().unwrap().primary, lost);
        assert_eq!(plan.epochs[1].batches, vec![2]);
        // Partition 1: map 0 wrote nothing there.
        let plan = s.read_plan("j-v0", 1, &[m(0), m(1)], now).unwrap();
        assert_eq!(plan.epochs.len(), 1);
        assert!(s.read_plan("j-v0", 0, &[m(2)], now).is_err());
    }

    #[test]
    fn silent_workers_and_stale_shuffles_expire() {
        let (mut s, now) = state(&[("a:1", 0), ("b:1", 0)]);
        s.register_shuffle("j", "j-v0", 1, 1, now).unwrap();
        let later = now + Duration::from_secs(30);
        s.heartbeat(worker("b:1", 0), later).unwrap();
        assert!(
            s.expire(later, Duration::from_secs(10), Duration::from_secs(3600))
                .is_empty()
        );
        assert!(!s.workers.contains_key("a:1"));
        assert_eq!(s.lost_workers, 1);
        let expired = s.expire(
            later + Duration::from_secs(3600),
            Duration::from_secs(1 << 20),
            Duration::from_secs(3600),
        );
        assert_eq!(expired, vec!["j-v0".to_string()]);
        assert!(s.shuffles.is_empty());
        assert_eq!(
            s.heartbeat(worker("b:1", 0), later).unwrap(),
            vec!["j-v0".to_string()]
        );
        // Unknown worker → register again.
        assert!(s.heartbeat(worker("z:1", 0), later).is_none());
    }

    #[test]
    fn first_commit_of_an_attempt_wins_and_unregister_removes_the_job() {
        let (mut s, now) = state(&[("a:1", 0)]);
        s.register_shuffle("j", "j-v0", 1, 1, now).unwrap();
        s.register_shuffle("j", "j-v1", 1, 1, now).unwrap();
        s.commit_map("j-v0", 0, 0, vec![0], vec![4], now).unwrap();
        s.commit_map("j-v0", 0, 0, vec![0], vec![9], now).unwrap();
        let plan = s
            .read_plan(
                "j-v0",
                0,
                &[MapAttempt {
                    map_id: 0,
                    attempt: 0,
                }],
                now,
            )
            .unwrap();
        assert_eq!(plan.epochs[0].batches, vec![4]);
        assert_eq!(s.unregister_job("j"), 2);
        assert!(s.shuffles.is_empty());
    }
}
