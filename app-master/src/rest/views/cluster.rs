//! The cluster's views: `/config` (Flink's DashboardConfiguration), `/overview` (Flink's
//! ClusterOverviewWithVersion), `/taskmanagers[/:id]` (Flink's TaskManagerInfo) and
//! `/jobmanager/config`.

use serde_json::{Value, json};
use weft_core::proto::JobState;

use super::{FLINK_VERSION, is_terminal, weft_revision};

/// What the REST API shows of one registered TaskManager (a copy taken under the slot
/// pool's lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskManagerRow {
    pub resource_id: String,
    /// gRPC address (host:port) of its TaskExecutorGateway.
    pub address: String,
    pub host: String,
    pub num_slots: u32,
    pub free_slots: u32,
    pub managed_memory: u64,
    pub pid: u32,
    pub data_dir: String,
    /// A YARN TaskManager's container log directory; empty for a local one.
    pub log_dir: String,
    pub since_last_heartbeat_ms: u64,
}

/// `GET /config`. Times are shown in UTC.
pub fn dashboard_config(refresh_interval_ms: u64) -> Value {
    json!({
        "refresh-interval": refresh_interval_ms,
        "timezone-name": "Coordinated Universal Time",
        "timezone-offset": 0,
        "flink-version": FLINK_VERSION,
        "flink-revision": weft_revision(),
        "features": {
            "web-submit": false,
            "web-cancel": true,
            "web-rescale": false,
            "web-history": false,
        },
        "weft-version": env!("CARGO_PKG_VERSION"),
    })
}

/// Flink's ResourceProfileInfo of `slots` slots sharing `managed_memory` bytes (MB, as
/// Flink reports memory there; Weft does not size heap or network memory).
fn resource_profile(slots: u32, total_slots: u32, managed_memory: u64) -> Value {
    let managed_mb = managed_memory / (1 << 20) * slots as u64 / total_slots.max(1) as u64;
    json!({
        "cpuCores": slots as f64,
        "taskHeapMemory": 0,
        "taskOffHeapMemory": 0,
        "managedMemory": managed_mb,
        "networkMemory": 0,
        "extendedResources": {},
    })
}

/// `GET /taskmanagers` entry (Flink's TaskManagerInfo, and Weft's own fields).
pub fn task_manager_view(tm: &TaskManagerRow) -> Value {
    let data_port = tm
        .address
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .map_or(-1, i64::from);
    json!({
        "id": tm.resource_id,
        "path": format!("grpc://{}", tm.address),
        "dataPort": data_port,
        "jmxPort": -1,
        "timeSinceLastHeartbeat": tm.since_last_heartbeat_ms,
        "slotsNumber": tm.num_slots,
        "freeSlots": tm.free_slots,
        "totalResource": resource_profile(tm.num_slots, tm.num_slots, tm.managed_memory),
        "freeResource": resource_profile(tm.free_slots, tm.num_slots, tm.managed_memory),
        "hardware": {
            "cpuCores": tm.num_slots,
            "physicalMemory": -1,
            "freeMemory": -1,
            "managedMemory": tm.managed_memory,
        },
        "blocked": false,
        "address": tm.address,
        "host": tm.host,
        "managedMemory": tm.managed_memory,
        "pid": tm.pid,
        "dataDir": tm.data_dir,
    })
}

/// `GET /taskmanagers/{id}` (Flink's TaskManagerDetailsInfo: the entry, its metrics and
/// allocated slots; Weft reports no metrics yet).
pub fn task_manager_details(tm: &TaskManagerRow) -> Value {
    let mut v = task_manager_view(tm);
    v["allocatedSlots"] = json!([]);
    v["metrics"] = json!({});
    v
}

/// `GET /overview`: the cluster at a glance. `jobs-running` counts every job that has not
/// ended (created, running, failing, cancelling), as Flink does.
pub fn cluster_overview(tms: &[TaskManagerRow], job_states: &[i32]) -> Value {
    let count = |s: JobState| job_states.iter().filter(|&&x| x == s as i32).count();
    json!({
        "taskmanagers": tms.len(),
        "slots-total": tms.iter().map(|t| t.num_slots).sum::<u32>(),
        "slots-available": tms.iter().map(|t| t.free_slots).sum::<u32>(),
        "jobs-running": job_states.iter().filter(|&&s| !is_terminal(s)).count(),
        "jobs-finished": count(JobState::Finished),
        "jobs-failed": count(JobState::Failed),
        "jobs-cancelled": count(JobState::Canceled),
        "flink-version": FLINK_VERSION,
        "flink-commit": weft_revision(),
        "weft-version": env!("CARGO_PKG_VERSION"),
    })
}

/// Parts of a key that mark its value as a secret, as Flink's
/// `GlobalConfiguration.isSensitive` masks them.
const SENSITIVE_KEY_PARTS: [&str; 9] = [
    "password",
    "secret",
    "token",
    "apikey",
    "api-key",
    "auth-params",
    "account.key",
    "jaas.config",
    "http-headers",
];

/// `GET /jobmanager/config`: `[{"key", "value"}]` sorted by key, sensitive values masked
/// as Flink masks them.
pub fn jobmanager_config(entries: &[(String, String)]) -> Value {
    let mut sorted: Vec<&(String, String)> = entries.iter().collect();
    sorted.sort();
    let list: Vec<Value> = sorted
        .into_iter()
        .map(|(k, v)| {
            let lower = k.to_ascii_lowercase();
            let value = if SENSITIVE_KEY_PARTS.iter().any(|p| lower.contains(p)) {
                "******"
            } else {
                v.as_str()
            };
            json!({ "key": k, "value": value })
        })
        .collect();
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm() -> TaskManagerRow {
        TaskManagerRow {
            resource_id: "local-tm-0".into(),
            address: "127.0.0.1:6123".into(),
            host: "127.0.0.1".into(),
            num_slots: 4,
            free_slots: 1,
            managed_memory: 512 << 20,
            pid: 7,
            data_dir: "/tmp/w/local-tm-0".into(),
            log_dir: String::new(),
            since_last_heartbeat_ms: 20,
        }
    }

    #[test]
    fn config_reports_the_emulated_flink_version() {
        let c = dashboard_config(2000);
        assert_eq!(c["flink-version"], "2.3.0");
        assert_eq!(c["refresh-interval"], 2000);
        assert_eq!(c["timezone-offset"], 0);
        assert_eq!(c["features"]["web-cancel"], true);
        assert!(c["flink-revision"].as_str().unwrap().starts_with("weft "));
    }

    #[test]
    fn task_managers_have_flinks_fields() {
        let v = task_manager_view(&tm());
        assert_eq!(v["id"], "local-tm-0");
        assert_eq!(v["path"], "grpc://127.0.0.1:6123");
        assert_eq!(v["dataPort"], 6123);
        assert_eq!(v["totalResource"]["managedMemory"], 512);
        assert_eq!(v["freeResource"]["managedMemory"], 128);
        assert_eq!(v["hardware"]["managedMemory"], 512u64 << 20);
        let d = task_manager_details(&tm());
        assert_eq!(d["allocatedSlots"], json!([]));
        assert_eq!(d["slotsNumber"], 4);
    }

    #[test]
    fn jobmanager_config_is_sorted_and_masks_secrets() {
        let entries = vec![
            ("rest.port".to_string(), "8081".to_string()),
            ("shuffle.remote.secret-file".to_string(), "/s".to_string()),
            ("parallelism.default".to_string(), "2".to_string()),
        ];
        let v = jobmanager_config(&entries);
        assert_eq!(v[0]["key"], "parallelism.default");
        assert_eq!(v[1]["value"], "8081");
        assert_eq!(v[2]["value"], "******");
    }
}
