//! `weft shuffle coordinator|worker`: the remote shuffle service's processes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use weft_core::config::{self, Configuration};
use weft_remote_shuffle::{Coordinator, CoordinatorOptions, Worker, WorkerOptions};

#[derive(clap::Subcommand)]
pub enum ShuffleCommand {
    /// Run the coordinator: worker registry, placement of reduce partitions, commits.
    Coordinator {
        /// host:port to serve on.
        #[arg(long, default_value = "127.0.0.1:9870")]
        listen: String,
        /// host:port of the Prometheus endpoint (/metrics); port 0 picks a free one.
        #[arg(long = "metrics-listen", default_value = "127.0.0.1:0")]
        metrics_listen: String,
        /// Configuration, `-D key=value`, e.g. -D shuffle.remote.worker-timeout=10s.
        #[arg(short = 'D', value_name = "KEY=VALUE")]
        dynamic: Vec<String>,
    },
    /// Write a new service secret to a file of mode 600: give the coordinator, the workers
    /// and jobs `-D shuffle.remote.secret-file=FILE`.
    Secret {
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a worker that stores pushed shuffle data and serves it to reducers.
    Worker {
        /// host:port of the coordinator.
        #[arg(long)]
        coordinator: String,
        /// Comma-separated data directories (one per disk).
        #[arg(long = "data-dirs", value_delimiter = ',', required = true)]
        data_dirs: Vec<PathBuf>,
        /// host:port to serve on; port 0 picks a free one.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// host:port of the Prometheus endpoint (/metrics).
        #[arg(long = "metrics-listen", default_value = "127.0.0.1:0")]
        metrics_listen: String,
        /// Configuration, `-D key=value`, e.g. -D shuffle.remote.disk-reserve=2gb.
        #[arg(short = 'D', value_name = "KEY=VALUE")]
        dynamic: Vec<String>,
    },
}

fn conf(dynamic: &[String]) -> anyhow::Result<Configuration> {
    let mut c = Configuration::new();
    for d in dynamic {
        c.set_pair(d)?;
    }
    Ok(c)
}

pub async fn run(cmd: ShuffleCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ShuffleCommand::Secret { out } => {
            if out.exists() {
                anyhow::bail!(
                    "{} exists; the service's secret is not replaced in place (remove the file first)",
                    out.display()
                );
            }
            weft_core::security::ClusterSecret::generate().write_private(&out)?;
            eprintln!(
                "Wrote a shuffle service secret to {} (mode 600)",
                out.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        ShuffleCommand::Coordinator {
            listen,
            metrics_listen,
            dynamic,
        } => {
            let c = Coordinator::new(CoordinatorOptions::from_config(&conf(&dynamic)?)?);
            let addr = c.start(&listen).await?;
            let m = c.serve_metrics(&metrics_listen).await?;
            println!("Weft shuffle coordinator listening on {addr}; metrics at http://{m}/metrics");
        }
        ShuffleCommand::Worker {
            coordinator,
            data_dirs,
            listen,
            metrics_listen,
            dynamic,
        } => {
            let conf = conf(&dynamic)?;
            let w = Worker::start(WorkerOptions {
                coordinator: coordinator.clone(),
                listen,
                data_dirs,
                disk_reserve: conf.get_memory(config::SHUFFLE_REMOTE_DISK_RESERVE),
                secret: weft_remote_shuffle::auth::load_service_secret(&conf)?,
            })
            .await
            .with_context(|| format!("shuffle worker for coordinator {coordinator}"))?;
            let m = w.serve_metrics(&metrics_listen).await?;
            println!(
                "Weft shuffle worker {} listening on {}; metrics at http://{m}/metrics",
                w.id, w.address
            );
        }
    }
    tokio::signal::ctrl_c().await?;
    Ok(ExitCode::SUCCESS)
}
