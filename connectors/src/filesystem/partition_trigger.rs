//! When a streaming job commits a partition (`sink.partition-commit.trigger`): its files are
//! published with every checkpoint, and the commit policies (`_SUCCESS`, metastore) run for a
//! partition only once its trigger fires:
//!
//! - `process-time`: `sink.partition-commit.delay` after the partition was first written;
//! - `partition-time`: when the time extracted from the partition values
//!   (`partition.time-extractor.timestamp-pattern`, e.g. `$dt $hour:00:00`) plus the delay has
//!   passed. Weft has no watermarks: the current time stands in for the watermark.
//!
//! Partitions waiting for their trigger are listed in `<table>/.weft-pending-partitions.json`
//! (partition directory → first written, ms), updated by each checkpoint's commit. Triggers
//! are evaluated when a checkpoint commits, so an idle stream commits pending partitions with
//! its next records.

use std::collections::{BTreeMap, BTreeSet};

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use weft_core::{Result, WeftError};

pub const PENDING_FILE: &str = ".weft-pending-partitions.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trigger {
    ProcessTime,
    PartitionTime,
}

/// A streaming sink's deferred partition commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deferred {
    pub trigger: Trigger,
    pub delay_ms: u64,
    /// `partition.time-extractor.timestamp-pattern`; None: the first partition value.
    pub pattern: Option<String>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Milliseconds since the epoch (UTC) of `yyyy-MM-dd[ HH:mm[:ss]]` (or with a `T`).
fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, t),
        None => (s, "00:00:00"),
    };
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (
        t.next().flatten().unwrap_or(0),
        t.next().flatten().unwrap_or(0),
        t.next().flatten().unwrap_or(0),
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000)
}

/// The time of partition `dir` (`k1=v1/k2=v2`) by `pattern` (`$k` replaced by k's value).
pub fn partition_time(dir: &str, pattern: Option<&str>) -> Option<i64> {
    let values: Vec<(&str, &str)> = dir.split('/').filter_map(|s| s.split_once('=')).collect();
    let text = match pattern {
        None => values.first()?.1.to_string(),
        Some(p) => {
            let mut text = p.to_string();
            // Longest keys first, so `$dt` does not eat the start of `$dt_hour`.
            let mut sorted = values.clone();
            sorted.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
            for (k, v) in sorted {
                text = text.replace(&format!("${k}"), v);
            }
            text
        }
    };
    parse_timestamp(&text)
}

impl Deferred {
    fn ready(&self, dir: &str, first_written: i64, now: i64) -> bool {
        let delay = self.delay_ms as i64;
        match self.trigger {
            Trigger::ProcessTime => now >= first_written + delay,
            // A partition whose time cannot be extracted is committed (and logged) rather
            // than kept pending forever.
            Trigger::PartitionTime => match partition_time(dir, self.pattern.as_deref()) {
                Some(t) => now >= t + delay,
                None => {
                    tracing::warn!(
                        partition = dir,
                        "no time can be extracted from the partition; committing it"
                    );
                    true
                }
            },
        }
    }

    /// Record the partitions `written` now and return those whose trigger fired (to commit),
    /// keeping the rest pending in the table's pending-partitions file.
    pub async fn due(
        &self,
        store: &dyn ObjectStore,
        table: &Path,
        written: &BTreeSet<String>,
    ) -> Result<BTreeSet<String>> {
        let file = table.clone().join(PENDING_FILE);
        let mut pending: BTreeMap<String, i64> = match store.get(&file).await {
            Ok(r) => {
                let bytes = r
                    .bytes()
                    .await
                    .map_err(|e| WeftError::io(format!("reading {file}: {e}")))?;
                serde_json::from_slice(&bytes)
                    .map_err(|e| WeftError::io(format!("{file} is corrupt: {e}")))?
            }
            Err(object_store::Error::NotFound { .. }) => BTreeMap::new(),
            Err(e) => return Err(WeftError::io(format!("reading {file}: {e}"))),
        };
        let now = now_ms();
        for dir in written.iter().filter(|d| !d.is_empty()) {
            pending.entry(dir.clone()).or_insert(now);
        }
        let due: BTreeSet<String> = pending
            .iter()
            .filter(|(dir, first)| self.ready(dir, **first, now))
            .map(|(dir, _)| dir.clone())
            .collect();
        pending.retain(|dir, _| !due.contains(dir));
        let body =
            serde_json::to_vec_pretty(&pending).map_err(|e| WeftError::internal(e.to_string()))?;
        store
            .put(&file, PutPayload::from(body))
            .await
            .map_err(|e| WeftError::io(format!("writing {file}: {e}")))?;
        Ok(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_times_and_triggers() {
        assert_eq!(partition_time("dt=1970-01-02", None), Some(86_400_000));
        assert_eq!(
            partition_time("dt=1970-01-01/hour=02", Some("$dt $hour:00:00")),
            Some(7_200_000)
        );
        assert_eq!(
            partition_time("dt=2024-03-01", Some("$dt")),
            Some(1_709_251_200_000)
        );
        assert_eq!(partition_time("region=eu", None), None);
        let d = Deferred {
            trigger: Trigger::PartitionTime,
            delay_ms: 3_600_000,
            pattern: None,
        };
        assert!(d.ready("dt=2020-01-01", 0, now_ms()));
        assert!(!d.ready("dt=2999-01-01", 0, now_ms()));
        let p = Deferred {
            trigger: Trigger::ProcessTime,
            delay_ms: 1000,
            pattern: None,
        };
        assert!(!p.ready("dt=x", 5_000, 5_500));
        assert!(p.ready("dt=x", 5_000, 6_000));
    }
}
