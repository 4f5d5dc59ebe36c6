//! `weft`: the single binary — local runs, plans, and the hidden entry points containers
//! execute (`weft taskmanager`).

mod app_master_cmd;
mod bench;
mod bench_answers;
mod bench_cdc;
mod bench_duckdb;
mod bench_etl;
mod bench_shuffle;
mod bench_udf;
mod checkpoints;
mod local_cluster;
mod pipeline;
mod proc_status;
mod progress;
mod run;
mod secret_source;
mod session_file;
mod shuffle_cmd;
mod streaming;
mod streaming_state;
mod taskmanager_cmd;
mod yarn_cmd;
mod yarn_deploy;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "weft",
    version,
    about = "Batch ETL on Flink's architecture, in Rust"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
pub struct JobArgs {
    /// The Flink-SQL script to run.
    #[arg(short = 'f', long = "file")]
    pub file: PathBuf,
    /// Deployment target: `local` (embedded JobManager, TaskManager processes on this
    /// machine), `yarn-application` (the job runs in its own YARN application) or
    /// `yarn-session` (submitted to a running session: -D yarn.application.id=…).
    #[arg(short = 't', long = "target", default_value = "local")]
    pub target: String,
    /// With a YARN target: print the application id and return instead of following the job.
    #[arg(short = 'd', long = "detached")]
    pub detached: bool,
    /// Configuration, `-D key=value` (repeatable), e.g. -D parallelism.default=4.
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    pub dynamic: Vec<String>,
    /// Streaming: resume from a checkpoint (a `chk-<id>` directory, or a checkpoints
    /// directory for its latest one).
    #[arg(short = 's', long = "fromSavepoint", value_name = "PATH")]
    pub from_savepoint: Option<PathBuf>,
}

#[derive(clap::Args, Clone)]
pub struct SessionArgs {
    /// Return once the session runs, printing its application id.
    #[arg(short = 'd', long = "detached")]
    pub detached: bool,
    /// Configuration, `-D key=value` (repeatable).
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    pub dynamic: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Flink-SQL script as one job.
    Run(JobArgs),
    /// Print a script's JobGraph: vertices, parallelism, edges, pipeline regions.
    Explain(JobArgs),
    /// Look at a YARN cluster: list, status and kill applications; list nodes.
    Yarn {
        #[command(subcommand)]
        command: yarn_cmd::YarnCommand,
    },
    /// Start a long-running Weft session (a JobManager) on YARN; jobs are submitted to it
    /// with `weft run -t yarn-session -D yarn.application.id=…`.
    #[command(name = "yarn-session")]
    YarnSession(SessionArgs),
    /// The remote shuffle service: `weft shuffle coordinator --listen HOST:PORT`,
    /// `weft shuffle worker --coordinator HOST:PORT --data-dirs D1,D2`.
    Shuffle {
        #[command(subcommand)]
        command: shuffle_cmd::ShuffleCommand,
    },
    /// Benchmarks: `weft bench tpch --scale 1 -p 2`, `weft bench shuffle --bytes 4GiB`.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Run the YARN ApplicationMaster (what the AM container executes).
    #[command(name = "app-master", hide = true)]
    AppMaster(app_master_cmd::AppMasterArgs),
    /// Run a TaskManager (started by the JobManager's resource driver).
    #[command(hide = true)]
    Taskmanager(taskmanager_cmd::TaskManagerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let is_tm = matches!(
        cli.command,
        Command::Taskmanager(_) | Command::AppMaster(_) | Command::Shuffle { .. }
    );
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WEFT_LOG")
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new(if is_tm { "info" } else { "warn" })
                })
                // The thrift client logs every refused connection as an error; Weft reports
                // the failure itself, naming the metastore.
                .add_directive("volo=off".parse().expect("valid directive"))
                .add_directive("volo_thrift=off".parse().expect("valid directive"))
                // Delta's kernel logs a missing table as an error; Weft reports what matters.
                .add_directive("buoyant_kernel=off".parse().expect("valid directive")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Run(args) => run::run(args).await,
            Command::Explain(args) => run::explain(args).await,
            Command::Bench { command } => bench::run(command).await,
            Command::Shuffle { command } => shuffle_cmd::run(command).await,
            Command::Taskmanager(args) => taskmanager_cmd::run(args).await,
            Command::AppMaster(args) => app_master_cmd::run(args).await,
            Command::YarnSession(args) => run::yarn_session(args).await,
            Command::Yarn { command } => yarn_cmd::run(command).await.map(|()| ExitCode::SUCCESS),
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}
