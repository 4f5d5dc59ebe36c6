//! `weft taskmanager`: what a TaskManager process (local child or YARN container) runs.

use std::path::PathBuf;
use std::process::ExitCode;

use weft_core::config::Configuration;
use weft_taskmanager::{TaskManagerOptions, run_taskmanager};

#[derive(clap::Args)]
pub struct TaskManagerArgs {
    /// The JobManager's gRPC address (host:port).
    #[arg(long)]
    jobmanager: String,
    #[arg(long)]
    resource_id: String,
    #[arg(long, default_value_t = 1)]
    slots: u32,
    #[arg(long, default_value_t = 512 << 20)]
    managed_memory: u64,
    #[arg(long)]
    data_dir: PathBuf,
    #[arg(long, default_value = "127.0.0.1")]
    bind_host: String,
    /// The owner-only file with the application's secret (local TaskManagers); in a YARN
    /// container the secret comes from the container's credentials.
    #[arg(long)]
    secret_file: Option<PathBuf>,
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    dynamic: Vec<String>,
}

pub async fn run(args: TaskManagerArgs) -> anyhow::Result<ExitCode> {
    let mut config = Configuration::new();
    for d in &args.dynamic {
        config.set_pair(d)?;
    }
    let secret = crate::secret_source::load(args.secret_file.as_deref())?;
    let run = run_taskmanager(TaskManagerOptions {
        jobmanager_address: args.jobmanager,
        resource_id: args.resource_id,
        num_slots: args.slots,
        managed_memory: args.managed_memory,
        data_dir: args.data_dir,
        bind_host: args.bind_host,
        config,
        registry: weft_connectors::default_registry(),
        secret,
    });
    // YARN stops a container with SIGTERM: say how much memory this TaskManager used.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = run => r?,
        _ = term.recv() => {}
    }
    if let Some(kib) = crate::proc_status::field("self", "VmHWM:") {
        let (files, bytes) = weft_taskmanager::spill::totals();
        tracing::info!(
            "TaskManager exiting; peak RSS {} MiB; operators spilled {} MiB in {files} file(s)",
            kib / 1024,
            bytes >> 20
        );
    }
    Ok(ExitCode::SUCCESS)
}
