//! Streaming jobs (`execution.runtime-mode = streaming`) on the local target: the script
//! runs as a sequence of epochs, one per checkpoint. Each epoch reads, from every Kafka
//! table, the records between the last checkpoint's offsets and what the partitions hold
//! when the epoch starts (or the table's `scan.bounded.mode` bound), runs as one job on the
//! cluster (with its region failover), and its sinks commit under the checkpoint id (Delta
//! records it as its `txn` version, so a replayed epoch is not committed twice). Then the
//! checkpoint — the offsets read up to — is written to `state.checkpoints.dir/chk-<id>/`.
//! Before an epoch runs, its exact ranges are written to `chk-<id>/_pending`: a job that died
//! after its sinks committed but before the checkpoint was written replays that epoch with
//! the same records on resume (so the sinks' "already committed" checks are exact).
//! `weft run -s <dir>` resumes after a checkpoint. A fresh start is a new application
//! (`<name>-<8 hex>`), whose checkpoint ids start again at 1. The job ends when every Kafka table
//! reached its bound, or on SIGINT / SIGTERM after the epoch in progress.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use weft_connectors::kafka::{KafkaOptions, client};

pub use crate::checkpoints::{Checkpoint, PendingEpoch, Storage};
use weft_core::catalog::{ConnectorRegistry, TableDef};
use weft_core::codec::WeftCodec;
use weft_core::config::{self, Configuration};
use weft_core::planner::plan_script;
use weft_core::proto::JobState;
use weft_core::rpc_error;
use weft_core::script::{Statement, parse_script};

/// `config` with the script's `SET`s applied (what the cluster of a streaming job runs with).
pub fn with_script_settings(script: &str, config: &Configuration) -> anyhow::Result<Configuration> {
    let mut c = config.clone();
    for st in parse_script(script)? {
        if let Statement::Set { key, value } = &st.statement {
            c.set(key, value)?;
        }
    }
    Ok(c)
}

/// `execution.runtime-mode` after the script's `SET`s.
pub fn is_streaming(script: &str, config: &Configuration) -> anyhow::Result<bool> {
    Ok(with_script_settings(script, config)?
        .get_string(config::RUNTIME_MODE)
        .eq_ignore_ascii_case("streaming"))
}

fn checkpoints_dir(config: &Configuration) -> anyhow::Result<Storage> {
    let dir = config.get_string(config::CHECKPOINTS_DIR);
    if dir.is_empty() {
        anyhow::bail!(
            "a streaming job needs state.checkpoints.dir (a local directory, or hdfs:// on YARN), e.g. -D state.checkpoints.dir=/var/weft/checkpoints"
        );
    }
    Storage::open(&dir)
}

/// Called before each epoch with its ranges (per Kafka table, per partition); may return a
/// new script to plan this and later epochs with (a CDC pipeline's schema changes).
pub trait EpochHook {
    #[allow(async_fn_in_trait)]
    async fn before_epoch(
        &mut self,
        ranges: &BTreeMap<String, BTreeMap<i32, (i64, i64)>>,
    ) -> anyhow::Result<Option<String>>;
}

/// No hook: the script as written.
pub struct NoHook;

impl EpochHook for NoHook {
    async fn before_epoch(
        &mut self,
        _ranges: &BTreeMap<String, BTreeMap<i32, (i64, i64)>>,
    ) -> anyhow::Result<Option<String>> {
        Ok(None)
    }
}

/// Test hook: `WEFT_TEST_CRASH_AFTER_EPOCH=<id>` exits the process right after epoch `<id>`
/// finished (its sinks committed) and before its checkpoint is written — the window a
/// replay must get exactly right.
fn crash_after_epoch(id: u64) {
    if std::env::var("WEFT_TEST_CRASH_AFTER_EPOCH")
        .ok()
        .and_then(|v| v.parse().ok())
        == Some(id)
    {
        eprintln!("WEFT_TEST_CRASH_AFTER_EPOCH: exiting after epoch {id}, before its checkpoint");
        std::process::exit(70);
    }
}

/// The Kafka tables the job reads: every Kafka table but those it only writes (INSERT
/// targets), whose own growth must not start epochs.
fn kafka_tables(script: &str) -> anyhow::Result<Vec<TableDef>> {
    let statements = parse_script(script)?;
    let targets: Vec<String> = statements
        .iter()
        .filter_map(|st| match &st.statement {
            Statement::Insert(ins) => Some(ins.table.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    Ok(statements
        .into_iter()
        .filter_map(|st| match st.statement {
            Statement::CreateTable(t)
                if t.connector() == Some("kafka")
                    && !targets.contains(&t.name.to_ascii_lowercase()) =>
            {
                Some(t)
            }
            _ => None,
        })
        .collect())
}

/// Run the streaming job on the cluster at `jobmanager`.
pub async fn run(
    script: &str,
    name: &str,
    config: &Configuration,
    registry: &ConnectorRegistry,
    jobmanager: &weft_core::security::Peer,
    resume: Option<&Path>,
    mut hook: Option<&mut impl EpochHook>,
) -> anyhow::Result<ExitCode> {
    let mut script = script.to_string();
    let settings = with_script_settings(&script, config)?;
    let dir = checkpoints_dir(&settings)?;
    let interval = settings.get_duration(config::CHECKPOINT_INTERVAL);
    let tables = kafka_tables(&script)?;
    let aggregations = crate::streaming_state::analyze(&script)?;
    if tables.is_empty() {
        anyhow::bail!("a streaming job reads Kafka tables; this script declares none");
    }
    // A bounded table's end is fixed when the job starts (as Flink's bounded sources):
    // records that arrive later are not read.
    let mut bounds: BTreeMap<String, BTreeMap<i32, i64>> = BTreeMap::new();
    for t in &tables {
        let o = KafkaOptions::from_table(t)?;
        if o.bounded != weft_connectors::kafka::options::Position::Unbounded {
            let ranges =
                tokio::task::spawn_blocking(move || client::plan_epoch(&o, None)).await??;
            bounds.insert(
                t.name.clone(),
                ranges.iter().map(|(p, (_, e))| (*p, *e)).collect(),
            );
        }
    }
    let (mut cp, mut replay) = match resume {
        Some(p) => {
            let (storage, cp) = crate::checkpoints::resolve(&p.to_string_lossy()).await?;
            let replay = storage.unfinished_epoch(&cp).await;
            eprintln!("Resuming {} from checkpoint {}", cp.job, cp.id);
            if let Some(e) = &replay {
                eprintln!(
                    "Replaying the unfinished epoch of checkpoint {} with its recorded ranges",
                    e.id
                );
            }
            (cp, replay)
        }
        None => {
            let tag = uuid::Uuid::new_v4().simple().to_string();
            let cp = Checkpoint {
                job: format!("{name}-{}", &tag[..8]),
                ..Default::default()
            };
            (cp, None)
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
            eprintln!("Stopping after the epoch in progress");
            stop.store(true, Ordering::SeqCst);
        });
    }
    let codec = WeftCodec::new(registry.codec.clone());
    let started = Instant::now();
    let mut records_total: i64 = 0;
    loop {
        // Epochs start one interval apart (back to back while an epoch takes longer).
        let epoch_started = Instant::now();
        let id = cp.id + 1;
        let mut epoch = config.clone();
        epoch.set(config::STREAMING_CHECKPOINT_ID, &id.to_string())?;
        epoch.set(config::STREAMING_APP_ID, &cp.job)?;
        let mut next = cp.offsets.clone();
        let (mut records, mut all_bounded_done) = (0i64, true);
        let replayed = replay.take();
        let mut all_ranges = BTreeMap::new();
        for t in &tables {
            let o = KafkaOptions::from_table(t)?;
            let done = cp.offsets.get(&t.name).cloned();
            let oo = o.clone();
            let recorded = replayed
                .as_ref()
                .and_then(|e| e.ranges.get(&t.name))
                .cloned();
            let mut ranges = match recorded {
                Some(r) => r,
                None => {
                    tokio::task::spawn_blocking(move || client::plan_epoch(&oo, done.as_ref()))
                        .await??
                }
            };
            if replayed.is_none()
                && let Some(bound) = bounds.get(&t.name)
            {
                for (p, (start, end)) in ranges.iter_mut() {
                    let b = bound.get(p).copied().unwrap_or(*start);
                    *end = (*end).min(b.max(*start));
                }
            }
            let n: i64 = ranges.values().map(|(s, e)| e - s).sum();
            records += n;
            if o.bounded == weft_connectors::kafka::options::Position::Unbounded || n > 0 {
                all_bounded_done = false;
            }
            epoch.set(
                &format!("{}.{}", config::STREAMING_KAFKA_RANGES, t.name),
                &serde_json::to_string(&ranges)?,
            )?;
            next.insert(
                t.name.clone(),
                ranges.iter().map(|(p, (_, e))| (*p, *e)).collect(),
            );
            all_ranges.insert(t.name.clone(), ranges);
        }
        if records > 0 {
            if let Some(h) = hook.as_deref_mut() {
                match h.before_epoch(&all_ranges).await {
                    Ok(Some(s)) => script = s,
                    Ok(None) => {}
                    Err(e) => {
                        eprintln!(
                            "Epoch of checkpoint {id} not started; the job stops at checkpoint {} (resume with -s {})",
                            cp.id, dir
                        );
                        return Err(e);
                    }
                }
            }
            dir.save_pending(&PendingEpoch {
                id,
                job: cp.job.clone(),
                ranges: all_ranges,
            })
            .await?;
            let epoch_script = if aggregations.is_empty() {
                script.clone()
            } else {
                let mut outs = BTreeMap::new();
                for a in &aggregations {
                    outs.insert(
                        a.sink.clone(),
                        dir.url_of(&format!("chk-{id}/state/{}", a.sink))?,
                    );
                }
                let previous = cp.state.clone();
                crate::streaming_state::epoch_script(&script, &aggregations, &|sink| {
                    (
                        previous.get(sink).cloned(),
                        outs.get(sink).cloned().unwrap_or_default(),
                    )
                })
            };
            let graph = plan_script(&epoch_script, name, &epoch, registry).await?;
            let proto = graph.to_proto(&codec)?;
            let status = crate::run::submit_and_wait(jobmanager, proto, false).await?;
            if status.state != JobState::Finished as i32 {
                let cause = status
                    .error
                    .as_ref()
                    .map(|e| rpc_error::from_proto(e).to_string())
                    .unwrap_or_else(|| "cancelled".into());
                eprintln!(
                    "Epoch of checkpoint {id} FAILED; the job stops at checkpoint {} (resume with -s {})",
                    cp.id, dir
                );
                return Err(anyhow::anyhow!("{cause}"));
            }
            crash_after_epoch(id);
            let mut state = cp.state.clone();
            for a in &aggregations {
                let rel = format!("chk-{id}/state/{}", a.sink);
                if dir.has_files(&rel).await? {
                    state.insert(a.sink.clone(), dir.url_of(&rel)?);
                }
            }
            cp = Checkpoint {
                id,
                job: cp.job.clone(),
                offsets: next,
                state,
            };
            let path = dir.save(&cp).await?;
            // Keep the state of this checkpoint and the one before it.
            if !aggregations.is_empty() && id > 2 {
                dir.remove_dir(&format!("chk-{}/state", id - 2)).await;
            }
            records_total += records;
            eprintln!(
                "[{}] checkpoint {id} completed: {records} record(s) in {:.1} s ({} since start) -> {}",
                cp.job,
                status.duration_ms as f64 / 1000.0,
                records_total,
                path
            );
        } else if all_bounded_done {
            eprintln!(
                "Job {} FINISHED: every Kafka table reached its bound ({records_total} record(s) in {:.1} s, last checkpoint {})",
                cp.job,
                started.elapsed().as_secs_f64(),
                cp.id
            );
            return Ok(ExitCode::SUCCESS);
        }
        if stop.load(Ordering::SeqCst) {
            eprintln!("Job {} stopped at checkpoint {}", cp.job, cp.id);
            return Ok(ExitCode::SUCCESS);
        }
        let wake = epoch_started + interval;
        while Instant::now() < wake && !stop.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kafka_tables_read_drive_epochs() {
        let script = "CREATE TABLE a (x BIGINT) WITH ('connector' = 'kafka', 'topic' = 'a');
CREATE TABLE b (x BIGINT) WITH ('connector' = 'kafka', 'topic' = 'b');
INSERT INTO b SELECT x FROM a;";
        let names: Vec<String> = kafka_tables(script)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["a"]);
    }
}
