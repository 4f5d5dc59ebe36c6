//! The embedded default: a JobManager in this process and `local.number-taskmanager`
//! TaskManager processes of this same binary.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use weft_app_master::resource_manager::LocalProcessDriver;
use weft_app_master::{JobManagerHandle, JobManagerOptions};
use weft_core::catalog::ConnectorRegistry;
use weft_core::config::{self, Configuration};
use weft_core::security::ClusterSecret;
use weft_core::{Result, WeftError};

pub struct LocalCluster {
    pub jobmanager: JobManagerHandle,
    /// The JobManager's REST API and web UI, host:port (`rest.port`, 0 = any free port).
    pub web: String,
    web_task: tokio::task::JoinHandle<()>,
    work_dir: PathBuf,
}

impl LocalCluster {
    pub async fn start(
        config: &Configuration,
        registry: ConnectorRegistry,
    ) -> Result<LocalCluster> {
        let exe = match std::env::var_os("WEFT_BIN") {
            Some(p) => PathBuf::from(p),
            None => std::env::current_exe()
                .map_err(|e| WeftError::io(format!("cannot locate the weft binary: {e}")))?,
        };
        let base = match config.get_string(config::TMP_DIRS) {
            d if d.is_empty() => std::env::temp_dir(),
            d => PathBuf::from(d.split([',', ':']).next().unwrap_or(&d)),
        };
        let work_dir = base.join(format!("weft-local-{}", uuid::Uuid::new_v4().simple()));
        // Owner-only: it holds the secret file the TaskManagers read.
        weft_core::security::secret::create_private_dir(&work_dir)?;
        let workers = config.get_int(config::LOCAL_NUMBER_TASKMANAGER).max(1) as u32;
        let jobmanager = JobManagerHandle::start(JobManagerOptions {
            config: config.clone(),
            registry,
            driver: Arc::new(LocalProcessDriver::new(exe, work_dir.clone())),
            bind_host: "127.0.0.1".into(),
            workers,
            elastic: false,
            secret: ClusterSecret::generate(),
        })
        .await?;
        jobmanager
            .wait_for_task_managers(workers as usize, Duration::from_secs(60))
            .await?;
        let port = config.get_int(config::REST_PORT).clamp(0, u16::MAX as i64) as u16;
        let (web, web_task) =
            weft_app_master::rest::serve(jobmanager.shared.clone(), "127.0.0.1", port).await?;
        Ok(LocalCluster {
            jobmanager,
            web,
            web_task,
            work_dir,
        })
    }

    pub async fn stop(self) {
        self.stop_keeping_logs(false).await;
    }

    /// Stop; with `keep_logs` (a job failed) the TaskManagers' logs stay, and their
    /// directory is named, while their data goes.
    pub async fn stop_keeping_logs(self, keep_logs: bool) {
        self.web_task.abort();
        self.jobmanager.shutdown().await;
        // Give the TaskManagers a moment to exit before their directories go.
        tokio::time::sleep(Duration::from_millis(50)).await;
        if !keep_logs {
            let _ = std::fs::remove_dir_all(&self.work_dir);
            return;
        }
        let mut kept = 0;
        for entry in std::fs::read_dir(&self.work_dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                kept += 1;
            } else if path.is_dir() {
                let _ = std::fs::remove_dir_all(&path);
            } else {
                let _ = std::fs::remove_file(&path);
            }
        }
        if kept > 0 {
            eprintln!("TaskManager logs kept in {}", self.work_dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.work_dir);
        }
    }
}
