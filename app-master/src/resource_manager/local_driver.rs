//! TaskManagers as child processes of the same binary (`weft taskmanager …`), for local
//! (embedded) runs. A child that exits is reported as lost at once, the way YARN reports a
//! completed container, and its working directory is removed with it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use parking_lot::Mutex;
use tokio::process::{Child, Command};
use weft_core::{Result, WeftError};

use super::{ResourceDriver, WorkerSpec};

use super::driver::LostCallback;

pub struct LocalProcessDriver {
    exe: PathBuf,
    work_dir: PathBuf,
    next: AtomicU32,
    children: Arc<Mutex<HashMap<String, u32>>>,
    on_lost: Mutex<Option<LostCallback>>,
    secret_written: Mutex<bool>,
}

impl LocalProcessDriver {
    /// `exe` is the `weft` binary; `work_dir` (owner-only) holds one directory per
    /// TaskManager and the file the TaskManagers read the application's secret from.
    pub fn new(exe: PathBuf, work_dir: PathBuf) -> Self {
        LocalProcessDriver {
            exe,
            work_dir,
            next: AtomicU32::new(1),
            children: Arc::new(Mutex::new(HashMap::new())),
            on_lost: Mutex::new(None),
            secret_written: Mutex::new(false),
        }
    }

    /// Process ids of the running TaskManagers, by resource id.
    pub fn pids(&self) -> HashMap<String, u32> {
        self.children.lock().clone()
    }
}

#[async_trait]
impl ResourceDriver for LocalProcessDriver {
    fn set_lost_listener(&self, f: LostCallback) {
        *self.on_lost.lock() = Some(f);
    }

    async fn start_worker(&self, spec: &WorkerSpec) -> Result<String> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let resource_id = format!("local-tm-{n}");
        let dir = self.work_dir.join(&resource_id);
        std::fs::create_dir_all(&dir).map_err(|e| {
            WeftError::io(format!(
                "cannot create TaskManager directory {}: {e}",
                dir.display()
            ))
        })?;
        let secret_file = self
            .work_dir
            .join(weft_core::security::secret::SECRET_FILE_NAME);
        {
            // Once, before the first TaskManager starts (several may start at once).
            let mut written = self.secret_written.lock();
            if !*written {
                spec.secret.write_private(&secret_file)?;
                *written = true;
            }
        }
        let mut cmd = Command::new(&self.exe);
        cmd.arg("taskmanager")
            .arg("--secret-file")
            .arg(&secret_file)
            .arg("--jobmanager")
            .arg(&spec.jobmanager_address)
            .arg("--resource-id")
            .arg(&resource_id)
            .arg("--slots")
            .arg(spec.num_slots.to_string())
            .arg("--managed-memory")
            .arg(spec.managed_memory.to_string())
            .arg("--data-dir")
            .arg(&dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::from(
                std::fs::File::create(dir.with_extension("log"))
                    .map_err(|e| WeftError::io(format!("cannot create TaskManager log: {e}")))?,
            ))
            .kill_on_drop(true);
        for (k, v) in &spec.dynamic_properties {
            cmd.arg("-D").arg(format!("{k}={v}"));
        }
        let mut child: Child = cmd.spawn().map_err(|e| {
            WeftError::io(format!(
                "cannot start TaskManager process {}: {e}",
                self.exe.display()
            ))
        })?;
        let pid = child.id().unwrap_or(0);
        self.children.lock().insert(resource_id.clone(), pid);
        let children = self.children.clone();
        let on_lost = self.on_lost.lock().clone();
        let rid = resource_id.clone();
        tokio::spawn(async move {
            let status = child.wait().await;
            let was_running = children.lock().remove(&rid).is_some();
            tracing::info!("TaskManager {rid} exited: {status:?}");
            let _ = std::fs::remove_dir_all(&dir);
            if was_running {
                if let Some(cb) = on_lost {
                    cb(rid);
                }
            }
        });
        Ok(resource_id)
    }

    async fn stop_worker(&self, resource_id: &str) {
        if let Some(pid) = self.children.lock().remove(resource_id) {
            kill(pid);
        }
    }

    async fn shutdown(&self) {
        let pids: Vec<u32> = self.children.lock().drain().map(|(_, p)| p).collect();
        for pid in pids {
            kill(pid);
        }
    }
}

fn kill(pid: u32) {
    if pid > 0 {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
    }
}
