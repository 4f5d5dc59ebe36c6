//! Running one subtask: decode its operator chain, execute its partition with the slot's
//! memory budget, and report FINISHED (rows, bytes, result location, collected rows) or
//! FAILED with a typed error.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, UInt64Array};
use arrow::ipc::writer::StreamWriter;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use parking_lot::Mutex;
use weft_core::Result;
use weft_core::catalog::ConnectorRegistry;
use weft_core::codec::WeftCodec;
use weft_core::config::{self, Configuration};
use weft_core::error::unwrap_datafusion;
use weft_core::ids::ExecutionAttemptId;
use weft_core::proto::{ExecutionState, TaskDeploymentDescriptor, TaskExecutionStateProto};
use weft_core::rpc_error;
use weft_core::runtime_filter::{BloomFilter, KeyHashes};
use weft_core::session::{session_config, shared_cache_config};
use weft_core::shuffle::compact::compact_views;
use weft_core::shuffle::{PartitionLocation, ShuffleEnvironment};
use weft_core::task_runtime::TaskRuntime;
use weft_remote_shuffle::RemoteShuffleEnvironment;
use weft_remote_shuffle::client::ClientOptions;

pub struct TaskEnv {
    pub resource_id: String,
    pub registry: ConnectorRegistry,
    pub shuffle: Arc<dyn ShuffleEnvironment>,
    pub slot_memory: u64,
    pub spill_dir: std::path::PathBuf,
}

/// Execute the subtask and describe how it ended.
pub async fn run_task(
    desc: TaskDeploymentDescriptor,
    env: Arc<TaskEnv>,
) -> TaskExecutionStateProto {
    let mut state = TaskExecutionStateProto {
        job_id: desc.job_id.clone(),
        vertex_id: desc.vertex_id,
        subtask: desc.subtask,
        attempt: desc.attempt,
        resource_id: env.resource_id.clone(),
        ..Default::default()
    };
    match execute(&desc, &env).await {
        Ok(out) => {
            state.state = ExecutionState::FinishedState as i32;
            state.rows = out.rows;
            state.bytes = out.bytes;
            state.location = out.location.as_ref().map(Into::into);
            state.spilled_bytes = out.spilled_bytes;
            state.join_fallbacks = out.join_fallbacks;
            state.subpartition_rows = out.subpartition_rows;
            state.result = out.result;
            match out.key_hashes {
                Some(KeyHashes::Distinct(h)) => state.key_hashes = h,
                Some(KeyHashes::TooMany) => state.too_many_keys = true,
                None => {}
            }
            (state.filter_rows_in, state.filter_rows_kept) = out.filter_rows;
        }
        Err(e) => {
            tracing::debug!("subtask {}_{} failed: {e:?}", desc.vertex_id, desc.subtask);
            let e = weft_core::error::explain_out_of_memory(e, env.slot_memory);
            let e = weft_core::error::explain_input_error(e);
            tracing::warn!(
                "subtask {}_{}_{} of job {} failed: {e}",
                desc.vertex_id,
                desc.subtask,
                desc.attempt,
                desc.job_id
            );
            state.state = ExecutionState::FailedState as i32;
            state.error = Some(rpc_error::to_proto(&e));
        }
    }
    state
}

struct TaskOutput {
    rows: u64,
    bytes: u64,
    location: Option<PartitionLocation>,
    result: Vec<u8>,
    spilled_bytes: u64,
    join_fallbacks: u32,
    subpartition_rows: Vec<u64>,
    key_hashes: Option<KeyHashes>,
    /// Rows into and kept by the subtask's runtime filters.
    filter_rows: (u64, u64),
}

async fn execute(desc: &TaskDeploymentDescriptor, env: &TaskEnv) -> Result<TaskOutput> {
    let started = std::time::Instant::now();
    let mut conf = Configuration::new();
    for (k, v) in &desc.config {
        conf.set(k, v)?;
    }
    let inputs: HashMap<u32, Vec<PartitionLocation>> = desc
        .inputs
        .iter()
        .map(|g| {
            (
                g.source_vertex,
                g.producers.iter().map(PartitionLocation::from).collect(),
            )
        })
        .collect();
    let subpartitions: HashMap<u32, (u32, u32)> = desc
        .inputs
        .iter()
        .filter(|g| g.subpartition_end > g.subpartition_start)
        .map(|g| (g.source_vertex, (g.subpartition_start, g.subpartition_end)))
        .collect();
    let shuffle: Arc<dyn ShuffleEnvironment> = if conf
        .get_string(config::SHUFFLE_MODE)
        .eq_ignore_ascii_case("remote")
    {
        Arc::new(RemoteShuffleEnvironment::new(ClientOptions::from_config(
            &conf,
        )?))
    } else {
        env.shuffle.clone()
    };
    let rt = Arc::new(TaskRuntime {
        job_id: desc.job_id.clone(),
        attempt: ExecutionAttemptId {
            vertex: desc.vertex_id,
            subtask: desc.subtask,
            attempt: desc.attempt,
        },
        parallelism: desc.parallelism,
        inputs,
        subpartitions,
        shuffle,
        memory_budget: (env.slot_memory / 4) as usize,
        output: Mutex::new(None),
        subpartition_rows: Mutex::new(Vec::new()),
        runtime_filters: desc
            .runtime_filters
            .iter()
            .filter_map(|f| Some((f.build_vertex, Arc::new(BloomFilter::from_bytes(&f.bloom)?))))
            .collect(),
        key_hashes: Mutex::new(None),
    });
    let runtime = RuntimeEnvBuilder::new()
        .with_object_store_registry(env.registry.object_stores.clone())
        .with_memory_pool(Arc::new(FairSpillPool::new(
            (env.slot_memory - env.slot_memory / 4) as usize,
        )))
        .with_temp_file_path(&env.spill_dir)
        .with_cache_manager(shared_cache_config())
        .build_arc()?;
    let mut session = session_config(&conf).with_extension(rt.clone());
    // A sort reserves this much up front for merging its spilled runs: at most an eighth
    // of the slot's pool, so that a small slot still sorts (DataFusion's default, 10 MiB,
    // exceeds a slot of a few MiB).
    let exec = &mut session.options_mut().execution;
    exec.sort_spill_reservation_bytes = exec
        .sort_spill_reservation_bytes
        .min((env.slot_memory / 8) as usize);
    let ctx = SessionContext::new_with_config_rt(session, runtime);
    // Plans name Flink's UDFs; decoding looks them up here.
    weft_flink_sql::register_functions(&ctx);
    let task_ctx = ctx.task_ctx();
    let ctx_ms = started.elapsed().as_secs_f64() * 1e3;
    let codec = WeftCodec::new(env.registry.codec.clone());
    let plan = codec
        .decode_plan(&desc.plan, &task_ctx)
        .map_err(unwrap_datafusion)?;
    // Hash joins whose build side outgrows the slot fall back to sort-merge, spilling.
    let plan = weft_core::join::make_adaptive(plan).map_err(unwrap_datafusion)?;
    let decode_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut stream = plan
        .execute(desc.subtask as usize, task_ctx)
        .map_err(unwrap_datafusion)?;
    let mut out = TaskOutput {
        rows: 0,
        bytes: 0,
        location: None,
        result: Vec::new(),
        spilled_bytes: 0,
        join_fallbacks: 0,
        subpartition_rows: Vec::new(),
        key_hashes: None,
        filter_rows: (0, 0),
    };
    if desc.collect {
        let schema = plan.schema();
        let mut writer = StreamWriter::try_new(&mut out.result, &schema)?;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(unwrap_datafusion)?;
            out.rows += batch.num_rows() as u64;
            writer.write(&compact_views(batch)?)?;
        }
        writer.finish()?;
        drop(writer);
        out.bytes = out.result.len() as u64;
    } else {
        // Sinks and shuffle writers yield (rows, bytes) summaries.
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(unwrap_datafusion)?;
            let col = |i: usize| {
                batch
                    .columns()
                    .get(i)
                    .and_then(|c| c.as_any().downcast_ref::<UInt64Array>())
                    .map(|a| (0..a.len()).map(|j| a.value(j)).sum::<u64>())
                    .unwrap_or(0)
            };
            out.rows += col(0);
            out.bytes += col(1);
        }
    }
    out.location = rt.output.lock().clone();
    out.subpartition_rows = std::mem::take(&mut *rt.subpartition_rows.lock());
    out.key_hashes = rt.key_hashes.lock().take();
    out.filter_rows = weft_core::runtime_filter::exec::plan_filter_rows(plan.as_ref());
    tracing::debug!(
        job = %desc.job_id,
        "subtask {}_{}: context {ctx_ms:.2} ms, plan decoded {decode_ms:.2} ms, done {:.2} ms",
        desc.vertex_id,
        desc.subtask,
        started.elapsed().as_secs_f64() * 1e3
    );
    let (files, bytes) = crate::spill::plan_spills(plan.as_ref());
    out.spilled_bytes = bytes;
    out.join_fallbacks = crate::spill::join_fallbacks(plan.as_ref());
    if files > 0 {
        crate::spill::record(files, bytes);
        tracing::info!(
            job = %desc.job_id,
            vertex = desc.vertex_id,
            subtask = desc.subtask,
            "operators spilled {} MiB in {files} file(s) (memory budget {} MiB)",
            bytes >> 20,
            env.slot_memory >> 20
        );
    }
    Ok(out)
}

/// Delete a job's result partitions from a shuffle directory.
pub fn release_job_partitions(dir: &Path, job_id: &str) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{job_id}-"))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
