//! The logs' views: where a process's log files are, Flink's LogListInfo
//! (`{"logs": [{"name", "size", "mtime"}]}`) and the check of a requested log name.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::TaskManagerRow;

/// Where a process writes its logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogLocation {
    /// It writes none that the JobManager can read (a local JobManager logs to the
    /// terminal of `weft run`).
    Nowhere,
    /// Every file of a directory (a YARN container's log directory).
    Dir(PathBuf),
    /// One file (a local TaskManager's `<work_dir>/<resource_id>.log`).
    File(PathBuf),
}

/// Where a TaskManager's logs are: its container log directory on YARN, otherwise the
/// file next to its data directory that the local driver sends its output to.
pub fn task_manager_logs(tm: &TaskManagerRow) -> LogLocation {
    if !tm.log_dir.is_empty() {
        LogLocation::Dir(PathBuf::from(&tm.log_dir))
    } else if !tm.data_dir.is_empty() {
        LogLocation::File(PathBuf::from(format!("{}.log", tm.data_dir)))
    } else {
        LogLocation::Nowhere
    }
}

/// One log file as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub name: String,
    pub size: u64,
    /// Last modification, ms since the epoch.
    pub mtime_ms: u64,
}

/// `GET /jobmanager/logs`, `GET /taskmanagers/{id}/logs`: the files sorted by name.
pub fn log_list(files: &[LogFile]) -> Value {
    let mut sorted: Vec<&LogFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let logs: Vec<Value> = sorted
        .into_iter()
        .map(|f| json!({ "name": f.name, "size": f.size, "mtime": f.mtime_ms }))
        .collect();
    json!({ "logs": logs })
}

/// A requested log name must be a plain file name: no path separator, no `..`.
pub fn check_log_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains(['/', '\\', '\0']) || name.contains("..") {
        return Err(format!(
            "log name '{name}' is not a file name: ask for one that the log list shows"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm(data_dir: &str, log_dir: &str) -> TaskManagerRow {
        TaskManagerRow {
            resource_id: "tm".into(),
            address: "h:1".into(),
            host: "h".into(),
            num_slots: 1,
            free_slots: 1,
            managed_memory: 0,
            pid: 1,
            data_dir: data_dir.into(),
            log_dir: log_dir.into(),
            since_last_heartbeat_ms: 0,
        }
    }

    #[test]
    fn local_task_managers_log_next_to_their_data_and_yarn_ones_in_the_container_dir() {
        assert_eq!(
            task_manager_logs(&tm("/w/local-tm-0", "")),
            LogLocation::File("/w/local-tm-0.log".into())
        );
        assert_eq!(
            task_manager_logs(&tm("/c/tm-data", "/logs/container_1")),
            LogLocation::Dir("/logs/container_1".into())
        );
        assert_eq!(task_manager_logs(&tm("", "")), LogLocation::Nowhere);
    }

    #[test]
    fn log_lists_are_sorted_by_name() {
        let files = [
            LogFile {
                name: "taskmanager.out".into(),
                size: 0,
                mtime_ms: 2,
            },
            LogFile {
                name: "taskmanager.log".into(),
                size: 10,
                mtime_ms: 1,
            },
        ];
        let v = log_list(&files);
        assert_eq!(v["logs"][0]["name"], "taskmanager.log");
        assert_eq!(v["logs"][0]["size"], 10);
        assert_eq!(v["logs"][1]["mtime"], 2);
    }

    #[test]
    fn log_names_with_paths_are_refused() {
        assert!(check_log_name("taskmanager.log").is_ok());
        for bad in ["", "../secret", "a/b", "..", "x\\y"] {
            let e = check_log_name(bad).unwrap_err();
            assert!(e.contains("not a file name"), "{bad}: {e}");
        }
    }
}
