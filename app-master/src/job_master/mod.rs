//! The JobMaster: one per job. An actor that owns the job's ExecutionGraph, deploys
//! subtasks into slots as their inputs become available, restarts failed regions per the
//! restart strategy, and commits the sinks when every subtask finished.

mod execution_graph;
mod failover;
mod runtime_filters;
mod status;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use weft_core::catalog::CommitSpec;
use weft_core::config::{self, Configuration};
use weft_core::jobgraph::topology_from_proto;
use weft_core::proto::{
    CancelTaskRequest, ExecutionState, InputGateProto, JobGraphProto, JobState, JobStatusProto,
    JobVertexProto, TaskDeploymentDescriptor, TaskExecutionStateProto,
};
use weft_core::rpc_error;
use weft_core::shuffle::PartitionLocation;
use weft_core::shuffle::ShuffleMaster;
use weft_core::{Result, WeftError};
use weft_remote_shuffle::RemoteShuffleMaster;

pub use execution_graph::{Evid, ExecutionGraph, SubtaskState};

use crate::shared::JobManagerShared;
use failover::{Decision, FailoverHistory, Failure};
use runtime_filters::RuntimeFilters;
use weft_core::adaptive::{self, AdaptiveSettings};
use weft_core::runtime_filter::{KeyHashes, RuntimeFilterSettings};

#[derive(Debug)]
pub enum JobEvent {
    TaskState(TaskExecutionStateProto),
    SlotsAvailable,
    TaskManagerLost(String),
    /// The restart delay of a failover elapsed: reset these subtasks.
    Restart(BTreeSet<Evid>),
    Cancel,
}

pub struct JobMaster {
    shared: Arc<JobManagerShared>,
    graph: JobGraphProto,
    config: Configuration,
    eg: ExecutionGraph,
    status: Arc<Mutex<JobStatusProto>>,
    tx: UnboundedSender<JobEvent>,
    /// Failovers so far and what they covered (`failover.rs` decides).
    failover: FailoverHistory,
    restart_delay: Duration,
    results: BTreeMap<u32, Vec<u8>>,
    started: Instant,
    /// Subtasks waiting for a restart timer.
    pending_restart: BTreeSet<Evid>,
    /// `restarts` when each subtask was last deployed, and the TaskManager address.
    deployed_at: BTreeMap<Evid, u32>,
    deployed_to: BTreeMap<Evid, String>,
    /// Data-service addresses of TaskManagers lost to this job → their resource ids.
    lost_addresses: BTreeMap<String, String>,
    adaptive: AdaptiveSettings,
    /// Adaptive vertices whose parallelism was decided, and how.
    parallelism_decisions: BTreeMap<u32, String>,
    /// Their subtasks' subpartition ranges, balanced by the data in each subpartition.
    subpartition_ranges: BTreeMap<u32, Vec<(u32, u32)>>,
    /// Runtime filters built from their build sides' key hashes.
    runtime_filters: RuntimeFilters,
    /// Vertices whose writers collect key hashes for a runtime filter.
    filter_builders: BTreeSet<u32>,
}

enum Outcome {
    Finished,
    Failed(WeftError),
    Canceled,
}

impl JobMaster {
    pub fn new(
        shared: Arc<JobManagerShared>,
        graph: JobGraphProto,
        status: Arc<Mutex<JobStatusProto>>,
        tx: UnboundedSender<JobEvent>,
    ) -> Result<Self> {
        let mut config = shared.config.clone();
        for (k, v) in &graph.config {
            config.set(k, v)?;
        }
        let strategy = config
            .get_string(config::RESTART_STRATEGY)
            .to_ascii_lowercase();
        let max_restarts = match strategy.as_str() {
            "fixed-delay" | "fixeddelay" => config.get_int(config::RESTART_ATTEMPTS) as u32,
            _ => 0,
        };
        let mut eg = ExecutionGraph::new(topology_from_proto(&graph));
        for v in &graph.vertices {
            eg.waits_for[v.id as usize] = v.runtime_filter_sources.clone();
        }
        let filter_builders = graph
            .vertices
            .iter()
            .flat_map(|v| v.runtime_filter_sources.iter().copied())
            .collect();
        let runtime_filters = RuntimeFilters::new(&RuntimeFilterSettings::from_config(&config));
        let adaptive = AdaptiveSettings::from_config(&config);
        Ok(JobMaster {
            restart_delay: config.get_duration(config::RESTART_DELAY),
            shared,
            graph,
            config,
            eg,
            status,
            tx,
            failover: FailoverHistory {
                max_restarts,
                ..Default::default()
            },
            results: BTreeMap::new(),
            started: Instant::now(),
            pending_restart: BTreeSet::new(),
            deployed_at: BTreeMap::new(),
            deployed_to: BTreeMap::new(),
            lost_addresses: BTreeMap::new(),
            adaptive,
            parallelism_decisions: BTreeMap::new(),
            subpartition_ranges: BTreeMap::new(),
            runtime_filters,
            filter_builders,
        })
    }

    fn remote_shuffle(&self) -> bool {
        self.config
            .get_string(config::SHUFFLE_MODE)
            .eq_ignore_ascii_case("remote")
    }

    pub async fn run(mut self, mut rx: UnboundedReceiver<JobEvent>) {
        self.status.lock().state = JobState::Running as i32;
        if self.remote_shuffle()
            && let Err(e) = weft_remote_shuffle::check_coordinator(&self.config).await
        {
            self.finish(Outcome::Failed(e)).await;
            return;
        }
        let outcome = loop {
            if self.eg.all_finished() {
                break Outcome::Finished;
            }
            self.schedule();
            self.publish(JobState::Running);
            // Nothing running and nothing about to restart: only a slot can move the job on.
            // Never wait for it forever.
            let idle = self.eg.running_count() == 0 && self.pending_restart.is_empty();
            let event = if idle {
                let limit = self.config.get_duration(config::SLOT_REQUEST_TIMEOUT);
                match tokio::time::timeout(limit, rx.recv()).await {
                    Ok(e) => e,
                    Err(_) => {
                        break Outcome::Failed(WeftError::JobFailed {
                            job_id: self.graph.job_id.clone(),
                            message: format!(
                                "no slot became available for {} s; check that TaskManagers are running or raise slot.request.timeout",
                                limit.as_secs()
                            ),
                        });
                    }
                }
            } else {
                rx.recv().await
            };
            let Some(event) = event else {
                break Outcome::Canceled;
            };
            match event {
                JobEvent::TaskState(s) => {
                    if let Err(e) = self.on_task_state(s) {
                        break Outcome::Failed(e);
                    }
                }
                JobEvent::SlotsAvailable => {}
                JobEvent::TaskManagerLost(rid) => {
                    if let Err(e) = self.on_task_manager_lost(&rid) {
                        break Outcome::Failed(e);
                    }
                }
                JobEvent::Restart(ids) => {
                    for id in &ids {
                        self.pending_restart.remove(id);
                    }
                    self.eg.reset(&ids);
                }
                JobEvent::Cancel => break Outcome::Canceled,
            }
        };
        self.finish(outcome).await;
    }

    /// Decide the parallelism of adaptive vertices whose inputs have all finished.
    fn decide_adaptive(&mut self) {
        for v in &self.graph.vertices {
            if !v.adaptive || self.parallelism_decisions.contains_key(&v.id) {
                continue;
            }
            if !v.inputs.iter().all(|e| self.eg.vertex_finished(e.source)) {
                continue;
            }
            let bytes: u64 = v
                .inputs
                .iter()
                .flat_map(|e| self.eg.subtasks[e.source as usize].iter())
                .map(|s| s.bytes)
                .sum();
            let subpartitions = v
                .inputs
                .iter()
                .map(|e| self.graph.vertices[e.source as usize].num_result_partitions)
                .filter(|&m| m > 1)
                .min()
                .unwrap_or(v.parallelism);
            let (p, why) = adaptive::decide_parallelism(bytes, subpartitions, &self.adaptive);
            tracing::info!(
                job = %self.graph.job_id,
                "vertex {} ({}): parallelism {p}, {why}",
                v.id,
                v.name
            );
            self.eg.set_parallelism(v.id, p);
            self.parallelism_decisions.insert(v.id, why);
            if let Some(weights) = self.subpartition_weights(v, subpartitions) {
                self.subpartition_ranges
                    .insert(v.id, adaptive::balanced_ranges(&weights, p));
            }
        }
    }

    /// Estimated bytes of each of the `m` subpartitions an adaptive vertex reads, over all
    /// its hash inputs: each producer's rows per subpartition, at its input's bytes a row.
    /// None when a producer did not report them (then the ranges are equal shares).
    fn subpartition_weights(&self, v: &JobVertexProto, m: u32) -> Option<Vec<u64>> {
        let mut weights = vec![0u64; m as usize];
        for e in &v.inputs {
            let producers = &self.eg.subtasks[e.source as usize];
            if self.graph.vertices[e.source as usize].num_result_partitions != m {
                continue; // a replicated small side: every subtask reads all of it
            }
            let rows: u64 = producers.iter().flat_map(|s| &s.subpartition_rows).sum();
            let bytes: u64 = producers.iter().map(|s| s.bytes).sum();
            let per_row = if rows == 0 {
                0.0
            } else {
                bytes as f64 / rows as f64
            };
            for s in producers {
                if s.subpartition_rows.len() != m as usize {
                    return None;
                }
                for (w, &r) in weights.iter_mut().zip(&s.subpartition_rows) {
                    *w += (r as f64 * per_row) as u64;
                }
            }
        }
        Some(weights)
    }

    fn schedule(&mut self) {
        self.decide_adaptive();
        let ready = self.eg.schedulable();
        self.shared
            .slots
            .lock()
            .declare(&self.graph.job_id, ready.len() as u32);
        for id in ready {
            let Some(tm) = self.shared.slots.lock().allocate_for(&self.graph.job_id) else {
                return;
            };
            let vertex = &self.graph.vertices[id.0 as usize];
            let inputs = vertex
                .inputs
                .iter()
                .map(|e| {
                    // An adaptive vertex's subtask reads its range of each producer's
                    // subpartitions.
                    let (start, end) = match self.subpartition_ranges.get(&id.0) {
                        Some(ranges) => ranges[id.1 as usize],
                        None if self.parallelism_decisions.contains_key(&id.0) => {
                            adaptive::subpartition_range(
                                id.1,
                                self.eg.parallelism(id.0),
                                self.graph.vertices[e.source as usize].num_result_partitions,
                            )
                        }
                        None => (0, 0),
                    };
                    InputGateProto {
                        source_vertex: e.source,
                        producers: self.eg.locations(e.source).iter().map(Into::into).collect(),
                        subpartition_start: start,
                        subpartition_end: end,
                    }
                })
                .collect();
            let attempt = self.eg.get(id).attempt;
            let desc = TaskDeploymentDescriptor {
                job_id: self.graph.job_id.clone(),
                vertex_id: id.0,
                subtask: id.1,
                attempt,
                parallelism: self.eg.parallelism(id.0),
                plan: vertex.plan.clone(),
                config: self
                    .config
                    .entries()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                inputs,
                collect: vertex.collect,
                num_result_partitions: vertex.num_result_partitions,
                runtime_filters: self
                    .runtime_filters
                    .for_subtask(&vertex.runtime_filter_sources, &mut self.eg),
            };
            self.eg.get_mut(id).state = SubtaskState::Running {
                resource_id: tm.resource_id.clone(),
            };
            self.deployed_at.insert(id, self.failover.restarts);
            tracing::debug!(
                job = %self.graph.job_id,
                "deploy {}_{} at {} ms",
                id.0,
                id.1,
                self.started.elapsed().as_millis()
            );
            self.deployed_to.insert(id, tm.address.clone());
            let mut client = tm.client.clone();
            let tx = self.tx.clone();
            let shared = self.shared.clone();
            let job_id = self.graph.job_id.clone();
            tokio::spawn(async move {
                if let Err(s) = client.submit_task(desc).await {
                    let err = rpc_error::from_peer_status(&s, "TaskManager", &tm.address);
                    let _ = tx.send(JobEvent::TaskState(TaskExecutionStateProto {
                        job_id,
                        vertex_id: id.0,
                        subtask: id.1,
                        attempt,
                        state: ExecutionState::FailedState as i32,
                        error: Some(rpc_error::to_proto(&err)),
                        resource_id: tm.resource_id.clone(),
                        ..Default::default()
                    }));
                    if matches!(err, WeftError::Unreachable { .. }) {
                        shared
                            .task_manager_lost(&tm.resource_id, "unreachable when deploying")
                            .await;
                    }
                }
            });
        }
    }

    fn on_task_state(&mut self, s: TaskExecutionStateProto) -> Result<()> {
        let id = (s.vertex_id, s.subtask);
        if id.0 as usize >= self.eg.subtasks.len()
            || id.1 as usize >= self.eg.subtasks[id.0 as usize].len()
        {
            return Ok(());
        }
        let current = self.eg.get(id);
        let running_on = match &current.state {
            SubtaskState::Running { resource_id } if current.attempt == s.attempt => {
                resource_id.clone()
            }
            _ => return Ok(()), // a stale attempt
        };
        let state = ExecutionState::try_from(s.state).unwrap_or(ExecutionState::FailedState);
        match state {
            ExecutionState::FinishedState => {
                self.shared
                    .slots
                    .lock()
                    .free_for(&self.graph.job_id, &running_on);
                self.shared.broadcast(|| JobEvent::SlotsAvailable);
                let sv = self.eg.get_mut(id);
                sv.state = SubtaskState::Finished {
                    resource_id: running_on,
                    location: s.location.as_ref().map(PartitionLocation::from),
                };
                sv.rows = s.rows;
                sv.bytes = s.bytes;
                sv.spilled_bytes = s.spilled_bytes;
                sv.join_fallbacks = s.join_fallbacks;
                sv.subpartition_rows = s.subpartition_rows;
                sv.filter_rows = (s.filter_rows_in, s.filter_rows_kept);
                if self.filter_builders.contains(&id.0) {
                    sv.key_hashes = Some(if s.too_many_keys {
                        KeyHashes::TooMany
                    } else {
                        KeyHashes::Distinct(s.key_hashes)
                    });
                }
                tracing::debug!(
                    job = %self.graph.job_id,
                    "finished {}_{} at {} ms ({} rows, {} bytes)",
                    id.0,
                    id.1,
                    self.started.elapsed().as_millis(),
                    s.rows,
                    s.bytes
                );
                if let Some(l) = &s.location
                    && self.failover.rerunning.contains_key(&l.data_path)
                    && self.eg.vertex_finished(id.0)
                {
                    self.failover.rerunning.remove(&l.data_path);
                }
                if self.graph.vertices[id.0 as usize].collect {
                    self.results.insert(id.1, s.result);
                }
                Ok(())
            }
            ExecutionState::FailedState => {
                self.shared
                    .slots
                    .lock()
                    .free_for(&self.graph.job_id, &running_on);
                let error = s
                    .error
                    .as_ref()
                    .map(rpc_error::from_proto)
                    .unwrap_or_else(|| WeftError::internal("subtask failed without a cause"));
                let deployed_to = self.deployed_to.get(&id).cloned().unwrap_or_default();
                let on_lost_tm = self
                    .unreachable_task_manager(&error, &running_on, &deployed_to)
                    .or_else(|| {
                        self.failover
                            .lost_tms
                            .contains(&running_on)
                            .then_some(running_on)
                    });
                self.on_failure(vec![id], error, on_lost_tm.as_deref())
            }
            _ => Ok(()),
        }
    }

    /// The TaskManager an `Unreachable` failure points at, if any: the one the subtask was
    /// being deployed to, or a producer whose data service a consumer could not reach (like
    /// Flink's PartitionConnectionException). That TaskManager is gone for this job: its
    /// results rerun, as one failover however many subtasks report it, even before the
    /// heartbeat monitor or YARN notices the loss. Addresses are remembered, so reports that
    /// arrive after its results were reset still count as the same loss.
    fn unreachable_task_manager(
        &mut self,
        error: &WeftError,
        running_on: &str,
        deployed_to: &str,
    ) -> Option<String> {
        let WeftError::Unreachable { address, .. } = error else {
            return None;
        };
        if let Some(rid) = self.lost_addresses.get(address) {
            return Some(rid.clone());
        }
        let rid = if address == deployed_to {
            Some(running_on.to_string())
        } else {
            self.eg.producer_at(address)
        }?;
        self.lost_addresses.insert(address.clone(), rid.clone());
        Some(rid)
    }

    fn on_task_manager_lost(&mut self, resource_id: &str) -> Result<()> {
        for (addr, rid) in self.eg.result_addresses() {
            if rid == resource_id {
                self.lost_addresses.insert(addr, rid);
            }
        }
        let running = self.eg.running_on(resource_id);
        let lost = self.eg.lost_results(&|rid, _| rid == resource_id);
        if running.is_empty() && lost.is_empty() {
            return Ok(());
        }
        self.on_failure(
            running,
            WeftError::Unreachable {
                what: "TaskManager".into(),
                address: resource_id.into(),
                message: "the TaskManager was lost".into(),
            },
            Some(resource_id),
        )
    }

    /// Region failover: the failed subtasks, plus producers whose results are gone, restart
    /// after the delay, while the restart strategy allows; otherwise the job fails.
    fn on_failure(
        &mut self,
        failed: Vec<Evid>,
        error: WeftError,
        lost_tm: Option<&str>,
    ) -> Result<()> {
        let failure = Failure {
            failed,
            error: &error,
            lost_tm,
        };
        match failover::decide(failure, &self.eg, &mut self.failover, &self.deployed_at) {
            Decision::Restart {
                subtasks,
                counted: false,
            } => self.restart_later(subtasks),
            Decision::Restart {
                subtasks,
                counted: true,
            } => {
                tracing::warn!(
                    "job {}: {error}; restarting {} subtask(s) (restart {} of {})",
                    self.graph.job_id,
                    subtasks.len(),
                    self.failover.restarts,
                    self.failover.max_restarts
                );
                self.restart_later(subtasks);
            }
            Decision::NoRestartsLeft => {
                tracing::warn!(
                    "job {}: {error}; restart strategy allows no more restarts",
                    self.graph.job_id
                );
                return Err(error);
            }
            Decision::NotRecoverable => {
                tracing::warn!(
                    "job {}: {error}; not restarting: it would fail the same way again",
                    self.graph.job_id
                );
                return Err(error);
            }
        }
        Ok(())
    }

    /// Mark subtasks failed and reset them after `restart-strategy.fixed-delay.delay`.
    fn restart_later(&mut self, ids: BTreeSet<Evid>) {
        for &id in &ids {
            self.eg.get_mut(id).state = SubtaskState::Failed;
        }
        self.pending_restart.extend(ids.iter().copied());
        let tx = self.tx.clone();
        let delay = self.restart_delay;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = tx.send(JobEvent::Restart(ids));
        });
    }

    async fn finish(mut self, outcome: Outcome) {
        let outcome = match outcome {
            Outcome::Finished => match self.commit_sinks().await {
                Ok(()) => Outcome::Finished,
                Err(e) => Outcome::Failed(e),
            },
            other => other,
        };
        let (state, error) = match outcome {
            Outcome::Finished => (JobState::Finished, None),
            Outcome::Failed(e) => (JobState::Failed, Some(e)),
            Outcome::Canceled => (JobState::Canceled, None),
        };
        if state != JobState::Finished {
            self.cancel_running().await;
            self.abort_sinks().await;
        }
        self.shared.slots.lock().forget_job(&self.graph.job_id);
        self.shared.broadcast(|| JobEvent::SlotsAvailable);
        self.shared.release_partitions(&self.graph.job_id);
        if self.remote_shuffle() {
            let master = RemoteShuffleMaster {
                coordinator: self.config.get_string(config::SHUFFLE_REMOTE_COORDINATOR),
            };
            master.release_partitions(&self.graph.job_id, &[]).await;
        }
        let mut st = self.status.lock();
        self.fill_status(&mut st, state);
        st.error = error.as_ref().map(rpc_error::to_proto);
        if state == JobState::Finished {
            st.result = std::mem::take(&mut self.results).into_values().collect();
        }
        drop(st);
        self.shared.job_ended.notify_waiters();
    }

    fn commit_specs(&self) -> Vec<(u32, CommitSpec)> {
        self.graph
            .vertices
            .iter()
            .filter(|v| !v.commit_spec.is_empty())
            .filter_map(|v| serde_json::from_str(&v.commit_spec).ok().map(|s| (v.id, s)))
            .collect()
    }

    async fn commit_sinks(&mut self) -> Result<()> {
        let mut sinks = Vec::new();
        for (vid, spec) in self.commit_specs() {
            let connector = self.shared.registry.get(&spec.connector).ok_or_else(|| {
                WeftError::internal(format!("no connector '{}' to commit", spec.connector))
            })?;
            let summary = connector.commit(&spec).await?;
            let subtasks = &self.eg.subtasks[vid as usize];
            sinks.push(weft_core::proto::SinkSummaryProto {
                table: spec.table.clone(),
                rows: subtasks.iter().map(|s| s.rows).sum(),
                bytes: subtasks.iter().map(|s| s.bytes).sum(),
                files: summary.files,
                partitions: summary.partitions,
            });
        }
        self.status.lock().sinks = sinks;
        Ok(())
    }

    async fn abort_sinks(&self) {
        for (_, spec) in self.commit_specs() {
            if let Some(c) = self.shared.registry.get(&spec.connector) {
                if let Err(e) = c.abort(&spec).await {
                    tracing::error!("aborting sink {} failed: {e}", spec.table);
                }
            }
        }
    }

    async fn cancel_running(&mut self) {
        let tms = self.shared.slots.lock().task_managers.clone();
        for (vi, subtasks) in self.eg.subtasks.iter().enumerate() {
            for (si, sv) in subtasks.iter().enumerate() {
                if let SubtaskState::Running { resource_id } = &sv.state {
                    if let Some(tm) = tms.get(resource_id) {
                        let mut c = tm.client.clone();
                        let _ = c
                            .cancel_task(CancelTaskRequest {
                                job_id: self.graph.job_id.clone(),
                                vertex_id: vi as u32,
                                subtask: si as u32,
                                attempt: sv.attempt,
                            })
                            .await;
                    }
                    self.shared
                        .slots
                        .lock()
                        .free_for(&self.graph.job_id, resource_id);
                }
            }
        }
        for id in std::mem::take(&mut self.pending_restart) {
            self.eg.get_mut(id).state = SubtaskState::Failed;
        }
    }

    fn publish(&self, state: JobState) {
        let mut st = self.status.lock();
        self.fill_status(&mut st, state);
    }

    fn fill_status(&self, st: &mut JobStatusProto, state: JobState) {
        status::fill(
            st,
            state,
            &self.graph,
            &self.eg,
            self.started,
            self.failover.restarts,
            &self.parallelism_decisions,
        );
    }
}
