//! TaskManagers in YARN containers. The driver owns the ApplicationMaster's heartbeat with
//! the ResourceManager (`allocate`): it asks for one container per waiting worker start,
//! releases surplus containers, keeps the NMTokens the RM hands out, starts
//! `./weft taskmanager …` in each container with `startContainers`, and reports completed
//! containers as lost TaskManagers.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use tokio::sync::oneshot;
use weft_core::{Result, WeftError};
use weft_yarn_client::nm_client::node_of;
use weft_yarn_client::proto::yarn::{
    AllocateRequestProto, ContainerIdProto, ContainerLaunchContextProto, ContainerProto,
    PriorityProto, ResourceRequestProto, StringLocalResourceMapProto, StringStringMapProto,
};
use weft_yarn_client::records::Resource;
use weft_yarn_client::token_file::Credentials;
use weft_yarn_client::{AmRmClient, ContainerId, NmClient};

use super::driver::LostCallback;
use super::{ResourceDriver, WorkerSpec};

/// What every TaskManager container gets: its files (the `weft` binary, the Hadoop
/// configuration), environment and size.
#[derive(Debug, Clone)]
pub struct ContainerTemplate {
    pub local_resources: Vec<StringLocalResourceMapProto>,
    pub environment: Vec<StringStringMapProto>,
    pub resource: Resource,
}

struct Running {
    node: String,
    id: ContainerIdProto,
}

#[derive(Default)]
struct State {
    /// Worker starts waiting for a container, oldest first.
    waiting: VecDeque<oneshot::Sender<ContainerProto>>,
    /// Containers to hand back to the RM with the next heartbeat.
    release: Vec<ContainerIdProto>,
    running: HashMap<String, Running>,
}

pub struct YarnDriver {
    am: Arc<AmRmClient>,
    nm: Arc<NmClient>,
    template: ContainerTemplate,
    state: Mutex<State>,
    on_lost: Mutex<Option<LostCallback>>,
    /// Job progress (0..1) as f32 bits, reported with each heartbeat.
    progress: AtomicU32,
}

impl YarnDriver {
    pub fn new(am: Arc<AmRmClient>, nm: Arc<NmClient>, template: ContainerTemplate) -> Self {
        YarnDriver {
            am,
            nm,
            template,
            state: Mutex::new(State::default()),
            on_lost: Mutex::new(None),
            progress: AtomicU32::new(0f32.to_bits()),
        }
    }

    pub fn set_progress(&self, p: f32) {
        self.progress
            .store(p.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    /// Number of TaskManager containers started so far and still running.
    pub fn running_containers(&self) -> usize {
        self.state.lock().running.len()
    }

    /// The heartbeat loop: every `interval` (faster while containers are awaited). Runs
    /// until the task is aborted.
    pub fn spawn_heartbeat(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                match me.heartbeat().await {
                    Ok(()) => failures = 0,
                    Err(e) => {
                        failures += 1;
                        tracing::warn!(
                            "heartbeat to the YARN ResourceManager failed ({failures} in a row): {e}"
                        );
                    }
                }
                let busy = !me.state.lock().waiting.is_empty();
                let wait = if busy {
                    Duration::from_millis(250).min(interval)
                } else {
                    interval
                };
                tokio::time::sleep(wait).await;
            }
        })
    }

    async fn heartbeat(&self) -> Result<()> {
        let (wanted, release) = {
            let mut st = self.state.lock();
            st.waiting.retain(|w| !w.is_closed());
            (st.waiting.len() as i32, std::mem::take(&mut st.release))
        };
        let ask = ResourceRequestProto {
            priority: Some(PriorityProto { priority: Some(1) }),
            resource_name: Some("*".into()),
            capability: Some(self.template.resource.into()),
            num_containers: Some(wanted),
            relax_locality: Some(true),
            ..Default::default()
        };
        let request = AllocateRequestProto {
            ask: vec![ask],
            release,
            progress: Some(f32::from_bits(self.progress.load(Ordering::Relaxed))),
            ..Default::default()
        };
        let resp = self.am.allocate(request).await.map_err(yarn_error)?;
        self.nm.add_nm_tokens(&resp.nm_tokens);
        for c in resp.allocated_containers {
            let waiter = {
                let mut st = self.state.lock();
                loop {
                    match st.waiting.pop_front() {
                        Some(w) if w.is_closed() => continue,
                        other => break other,
                    }
                }
            };
            match waiter {
                Some(w) => {
                    if let Err(c) = w.send(c) {
                        self.release(&c);
                    }
                }
                None => self.release(&c),
            }
        }
        for status in resp.completed_container_statuses {
            let Some(id) = status.container_id.as_ref() else {
                continue;
            };
            let cid = ContainerId::from(id).to_string();
            if self.state.lock().running.remove(&cid).is_some() {
                tracing::warn!(
                    "TaskManager container {cid} completed (exit status {}): {}",
                    status.exit_status(),
                    status.diagnostics()
                );
                let cb = self.on_lost.lock().clone();
                if let Some(cb) = cb {
                    cb(cid);
                }
            }
        }
        Ok(())
    }

    fn release(&self, c: &ContainerProto) {
        if let Some(id) = &c.id {
            self.state.lock().release.push(id.clone());
        }
    }

    fn launch_context(&self, spec: &WorkerSpec, container_id: &str) -> ContainerLaunchContextProto {
        let mut cmd = vec![
            "./weft".to_string(),
            "taskmanager".into(),
            "--jobmanager".into(),
            spec.jobmanager_address.clone(),
            "--resource-id".into(),
            container_id.to_string(),
            "--slots".into(),
            spec.num_slots.to_string(),
            "--managed-memory".into(),
            spec.managed_memory.to_string(),
            "--data-dir".into(),
            "\"$PWD/tm-data\"".into(),
            "--bind-host".into(),
            "\"$NM_HOST\"".into(),
        ];
        for (k, v) in &spec.dynamic_properties {
            cmd.push("-D".into());
            cmd.push(shell_quote(&format!("{k}={v}")));
        }
        cmd.push("1><LOG_DIR>/taskmanager.out".into());
        cmd.push("2><LOG_DIR>/taskmanager.log".into());
        ContainerLaunchContextProto {
            local_resources: self.template.local_resources.clone(),
            environment: self.template.environment.clone(),
            command: vec![cmd.join(" ")],
            // The NodeManager writes these to the container's token file, readable by the
            // container's user only.
            tokens: Some(container_credentials(
                &spec.secret,
                spec.shuffle_secret.as_ref(),
            )),
            ..Default::default()
        }
    }
}

/// A container's credentials: the application's secret (see `weft_core::security`) and
/// the remote shuffle service's, if the application uses one.
pub fn container_credentials(
    secret: &weft_core::security::ClusterSecret,
    shuffle_secret: Option<&weft_core::security::ClusterSecret>,
) -> Vec<u8> {
    let mut secrets = vec![(
        weft_core::security::secret::CREDENTIALS_ALIAS.to_string(),
        secret.as_str().as_bytes().to_vec(),
    )];
    if let Some(s) = shuffle_secret {
        secrets.push((
            weft_remote_shuffle::auth::CREDENTIALS_ALIAS.to_string(),
            s.as_str().as_bytes().to_vec(),
        ));
    }
    Credentials {
        tokens: Vec::new(),
        secrets,
    }
    // The Writable form: every Hadoop release reads it.
    .to_writable_bytes()
}

/// Single-quote a word for the container's launch script.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn yarn_error(e: weft_yarn_client::YarnError) -> WeftError {
    WeftError::Internal(format!("YARN: {e}"))
}

#[async_trait]
impl ResourceDriver for YarnDriver {
    fn set_lost_listener(&self, f: LostCallback) {
        *self.on_lost.lock() = Some(f);
    }

    async fn start_worker(&self, spec: &WorkerSpec) -> Result<String> {
        let (tx, rx) = oneshot::channel();
        self.state.lock().waiting.push_back(tx);
        let container = rx.await.map_err(|_| {
            WeftError::internal("the YARN heartbeat stopped before a container was allocated")
        })?;
        let id = container
            .id
            .clone()
            .ok_or_else(|| WeftError::internal("YARN allocated a container without an id"))?;
        let cid = ContainerId::from(&id).to_string();
        let node = node_of(&container).map_err(yarn_error)?;
        let launch = self.launch_context(spec, &cid);
        let started = self.nm.start_container(&container, launch).await;
        match started {
            Ok(r) if r.failed_requests.is_empty() => {
                tracing::info!("started TaskManager container {cid} on {node}");
                self.state
                    .lock()
                    .running
                    .insert(cid.clone(), Running { node, id });
                Ok(cid)
            }
            Ok(r) => {
                self.release(&container);
                Err(WeftError::internal(format!(
                    "NodeManager {node} refused to start container {cid}: {:?}",
                    r.failed_requests
                        .iter()
                        .map(|f| f.exception.as_ref().map(|e| e.message().to_string()))
                        .collect::<Vec<_>>()
                )))
            }
            Err(e) => {
                self.release(&container);
                Err(yarn_error(e))
            }
        }
    }

    async fn stop_worker(&self, resource_id: &str) {
        let running = self.state.lock().running.remove(resource_id);
        if let Some(r) = running {
            if let Err(e) = self.nm.stop_containers(&r.node, vec![r.id.clone()]).await {
                tracing::warn!("stopping container {resource_id} on {}: {e}", r.node);
            }
            self.state.lock().release.push(r.id);
        }
    }

    async fn shutdown(&self) {
        let all: Vec<String> = self.state.lock().running.keys().cloned().collect();
        for rid in all {
            self.stop_worker(&rid).await;
        }
        self.state.lock().waiting.clear();
    }
}
