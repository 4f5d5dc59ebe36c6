//! How a remote result partition is named in the engine's [`PartitionLocation`]: the JobMaster
//! hands locations to consumers without knowing which shuffle made them.
//!
//! - `resource_id` names the service, not a TaskManager, so losing the producing TaskManager
//!   does not make the result rerun (the point of a remote shuffle);
//! - `data_path` is the same for every map subtask of a shuffle, so a lost reduce partition
//!   (a `PartitionNotFound` naming it) reruns the whole producing vertex;
//! - `index_path` holds the map id, the attempt whose data counts, and whether the map wrote a
//!   reduce partition of its own (a pointwise / single output) or shares them (all-to-all).

use weft_core::WeftError;
use weft_core::shuffle::PartitionLocation;

pub const SCHEME: &str = "rss://";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteLocation {
    pub coordinator: String,
    pub shuffle_id: String,
    pub map_id: u32,
    pub attempt: u32,
    /// The map's output is reduce partition `map_id` (it wrote a single output).
    pub per_map: bool,
}

/// The shuffle of one producing vertex of one job.
pub fn shuffle_id(job_id: &str, vertex: u32) -> String {
    format!("{job_id}-v{vertex}")
}

/// The job a shuffle id belongs to.
pub fn job_of(shuffle_id: &str) -> &str {
    shuffle_id
        .rsplit_once("-v")
        .map(|(j, _)| j)
        .unwrap_or(shuffle_id)
}

/// The `data_path` of every result partition of a shuffle, as the engine sees it.
pub fn data_path(coordinator: &str, shuffle_id: &str) -> String {
    format!("{SCHEME}{coordinator}/{shuffle_id}")
}

/// A `PartitionNotFound` from the coordinator or a worker names the shuffle id (they do not
/// know the coordinator's address as clients spell it); the client names the data path the
/// JobMaster knows, so the producing vertex reruns.
pub fn in_shuffle(e: WeftError, data_path: &str) -> WeftError {
    match e {
        WeftError::PartitionNotFound { message, .. } => WeftError::PartitionNotFound {
            partition: data_path.to_string(),
            message,
        },
        other => other,
    }
}

impl RemoteLocation {
    pub fn data_path(&self) -> String {
        data_path(&self.coordinator, &self.shuffle_id)
    }

    /// The reduce partition holding this map's partition `partition`.
    pub fn reduce_id(&self, partition: usize) -> u32 {
        if self.per_map {
            self.map_id
        } else {
            partition as u32
        }
    }

    pub fn to_location(&self) -> PartitionLocation {
        PartitionLocation {
            resource_id: format!("shuffle-service@{}", self.coordinator),
            address: self.coordinator.clone(),
            host: String::new(),
            data_path: self.data_path(),
            index_path: format!("{}/{}/{}", self.map_id, self.attempt, self.per_map as u8),
        }
    }

    /// `None` for a location some other shuffle made.
    pub fn parse(loc: &PartitionLocation) -> Option<RemoteLocation> {
        let rest = loc.data_path.strip_prefix(SCHEME)?;
        let (coordinator, shuffle_id) = rest.split_once('/')?;
        let mut parts = loc.index_path.split('/');
        let map_id = parts.next()?.parse().ok()?;
        let attempt = parts.next()?.parse().ok()?;
        let per_map = parts.next()? == "1";
        Some(RemoteLocation {
            coordinator: coordinator.to_string(),
            shuffle_id: shuffle_id.to_string(),
            map_id,
            attempt,
            per_map,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let l = RemoteLocation {
            coordinator: "127.0.0.1:9870".into(),
            shuffle_id: shuffle_id("abc", 3),
            map_id: 7,
            attempt: 2,
            per_map: true,
        };
        let loc = l.to_location();
        assert_eq!(loc.data_path, "rss://127.0.0.1:9870/abc-v3");
        assert_eq!(RemoteLocation::parse(&loc), Some(l.clone()));
        assert_eq!(l.reduce_id(0), 7);
        assert_eq!(job_of(&l.shuffle_id), "abc");
        // A service-side loss names the shuffle; the client retargets it to the data path.
        let e = in_shuffle(
            WeftError::PartitionNotFound {
                partition: "abc-v3".into(),
                message: "gone".into(),
            },
            &loc.data_path,
        );
        assert!(
            matches!(e, WeftError::PartitionNotFound { partition, .. } if partition == loc.data_path)
        );
        let mut local = loc;
        local.data_path = "/tmp/x.data".into();
        assert_eq!(RemoteLocation::parse(&local), None);
    }
}
