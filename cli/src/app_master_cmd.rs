//! `weft app-master`: what the YARN ApplicationMaster container runs. Hosts the JobManager
//! (Dispatcher, ResourceManager with the YARN driver, JobMasters), registers with the YARN
//! ResourceManager (tracking URL = the JobManager's web UI), and in application mode runs
//! the staged script, then unregisters with SUCCEEDED or FAILED and the reason.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use weft_app_master::resource_manager::{ContainerTemplate, YarnDriver};
use weft_app_master::{JobManagerHandle, JobManagerOptions};
use weft_core::codec::WeftCodec;
use weft_core::config::{self, Configuration};
use weft_core::planner::plan_script;
use weft_core::proto::JobState;
use weft_core::rpc_error;
use weft_yarn_client::conf::current_user;
use weft_yarn_client::ipc::IpcSettings;
use weft_yarn_client::proto::yarn::{FinalApplicationStatusProto, StringStringMapProto};
use weft_yarn_client::records::Resource;
use weft_yarn_client::staging::StagingDir;
use weft_yarn_client::{AmRmClient, HadoopConf, NmClient};

#[derive(clap::Args)]
pub struct AppMasterArgs {
    /// `application` (run --script, then end) or `session` (serve jobs until killed).
    #[arg(long)]
    mode: String,
    #[arg(long)]
    script: Option<PathBuf>,
    #[arg(long, default_value = "weft-job")]
    name: String,
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    dynamic: Vec<String>,
}

fn env(k: &str, v: &str) -> StringStringMapProto {
    StringStringMapProto {
        key: Some(k.into()),
        value: Some(v.into()),
    }
}

pub async fn run(args: AppMasterArgs) -> anyhow::Result<ExitCode> {
    let mut config = Configuration::new();
    for d in &args.dynamic {
        config.set_pair(d)?;
    }
    let host = std::env::var("NM_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    // The secret the client generated, from this container's credentials.
    let secret = crate::secret_source::load(None)?;
    let hconf = HadoopConf::load_from_env()?;
    let am = Arc::new(AmRmClient::from_env()?);
    let nm = Arc::new(NmClient::new(
        &current_user(),
        IpcSettings::from_conf(&hconf)?,
    ));
    let staging_url = std::env::var("WEFT_STAGING_DIR")
        .context("WEFT_STAGING_DIR is not set (not started by weft?)")?;
    let staging = StagingDir::open(&staging_url)?;

    let slots = config.get_int(config::NUM_TASK_SLOTS).max(1) as i32;
    let vcores = match config.get_int(config::YARN_TM_VCORES) {
        v if v > 0 => v as i32,
        _ => slots,
    };
    let template = ContainerTemplate {
        local_resources: staging
            .resources()
            .await?
            .into_iter()
            .filter(|r| r.key.as_deref() != Some(crate::yarn_deploy::SCRIPT_NAME))
            .collect(),
        environment: vec![
            env("HADOOP_CONF_DIR", "{{PWD}}"),
            env("HADOOP_USER_NAME", &current_user()),
            env("WEFT_LOG", "info"),
            env("RUST_BACKTRACE", "1"),
        ],
        resource: Resource {
            memory_mb: (config.get_memory(config::TM_PROCESS_SIZE) >> 20) as i64,
            vcores,
        },
    };
    let driver = Arc::new(YarnDriver::new(am.clone(), nm, template));
    let application = match args.mode.as_str() {
        "application" => true,
        "session" => false,
        other => anyhow::bail!("unknown --mode '{other}': expected application or session"),
    };
    let registry = weft_connectors::default_registry();

    // Plan before anything starts: a bad script fails the application with its message.
    // A streaming script is planned per epoch by its driver, which runs here.
    let mut streaming: Option<String> = None;
    let graph = match (&args.script, application) {
        (Some(path), true) => {
            let script = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the script {}", path.display()))?;
            if crate::streaming::is_streaming(&script, &config)? {
                streaming = Some(script);
                None
            } else {
                Some(plan_script(&script, &args.name, &config, &registry).await)
            }
        }
        (None, true) => anyhow::bail!("--mode application needs --script"),
        _ => None,
    };
    let workers = match (&graph, &streaming) {
        (Some(Ok(g)), _) => {
            let p = g.vertices.iter().map(|v| v.parallelism).max().unwrap_or(1) as i32;
            ((p + slots - 1) / slots).max(1) as u32
        }
        (_, Some(script)) => {
            let settings = crate::streaming::with_script_settings(script, &config)?;
            let p = settings.get_int(config::PARALLELISM_DEFAULT).max(1) as i32;
            ((p + slots - 1) / slots).max(1) as u32
        }
        _ => 0,
    };
    let codec = WeftCodec::new(registry.codec.clone());
    let jm = JobManagerHandle::start(JobManagerOptions {
        config: config.clone(),
        registry: registry.clone(),
        driver: driver.clone(),
        bind_host: host.clone(),
        workers,
        elastic: !application,
        secret,
    })
    .await?;
    let rest_port = config.get_int(config::REST_PORT).max(0) as u16;
    let (web, _web_task) =
        weft_app_master::rest::serve(jm.shared.clone(), &host, rest_port).await?;
    let tracking_url = format!("http://{web}/");
    let jm_port: i32 = jm
        .address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    am.register_application_master(&host, jm_port, &tracking_url)
        .await?;
    eprintln!("JobManager at {} (web UI {tracking_url})", jm.address);
    let heartbeat = driver.spawn_heartbeat(config.get_duration(config::YARN_HEARTBEAT));

    let (status, diagnostics) = match graph {
        None if streaming.is_some() => {
            let script = streaming.take().unwrap_or_default();
            let resume = match config.get_string(config::SAVEPOINT_PATH) {
                p if p.is_empty() => None,
                p => Some(PathBuf::from(p)),
            };
            let outcome = crate::streaming::run(
                &script,
                &args.name,
                &config,
                &registry,
                &jm.peer(),
                resume.as_deref(),
                None::<&mut crate::streaming::NoHook>,
            )
            .await;
            match outcome {
                Ok(_) => {
                    driver.set_progress(1.0);
                    (FinalApplicationStatusProto::AppSucceeded, String::new())
                }
                Err(e) => (
                    FinalApplicationStatusProto::AppFailed,
                    format!("the streaming job failed: {e:#}"),
                ),
            }
        }
        None => {
            // Session: serve until YARN kills the application (SIGTERM), then remove the
            // staging directory while the NodeManager waits before its SIGKILL.
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            term.recv().await;
            eprintln!("session stopped (SIGTERM)");
            let _ = tokio::time::timeout(Duration::from_millis(200), staging.delete()).await;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Err(e)) => (
            FinalApplicationStatusProto::AppFailed,
            format!("the job could not be planned: {e}"),
        ),
        Some(Ok(graph)) => {
            let proto = graph.to_proto(&codec)?;
            let progress = {
                let shared = jm.shared.clone();
                let driver = driver.clone();
                tokio::spawn(async move {
                    loop {
                        let p = shared
                            .jobs
                            .lock()
                            .values()
                            .map(|j| {
                                let s = j.status.lock();
                                s.finished_subtasks as f32 / s.total_subtasks.max(1) as f32
                            })
                            .next();
                        if let Some(p) = p {
                            driver.set_progress(p);
                        }
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                })
            };
            let outcome = crate::run::submit_and_wait(&jm.peer(), proto, true).await;
            progress.abort();
            match outcome {
                Ok(st) if st.state == JobState::Finished as i32 => {
                    driver.set_progress(1.0);
                    let _ = crate::run::report(st);
                    (FinalApplicationStatusProto::AppSucceeded, String::new())
                }
                Ok(st) => {
                    let cause = st
                        .error
                        .as_ref()
                        .map(|e| rpc_error::from_proto(e).to_string())
                        .unwrap_or_else(|| "the job was cancelled".into());
                    (
                        FinalApplicationStatusProto::AppFailed,
                        format!("job {} failed: {cause}", st.job_id),
                    )
                }
                Err(e) => (
                    FinalApplicationStatusProto::AppFailed,
                    format!("the job could not run: {e}"),
                ),
            }
        }
    };
    if !diagnostics.is_empty() {
        eprintln!("{diagnostics}");
    }
    jm.shutdown().await;
    heartbeat.abort();
    // Unregister; the RM may need a few tries while it processes the last heartbeat.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match am
            .finish_application_master(status, &diagnostics, &tracking_url)
            .await
        {
            Ok(true) => break,
            Ok(false) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            Ok(false) => {
                eprintln!("the ResourceManager did not confirm the unregistration");
                break;
            }
            Err(e) => {
                eprintln!("cannot unregister from the ResourceManager: {e}");
                break;
            }
        }
    }
    if let Err(e) = staging.delete().await {
        eprintln!("cannot remove the staging directory {staging_url}: {e}");
    }
    // The final status went to YARN with the unregistration; a non-zero exit here would
    // only make YARN count a failed attempt.
    Ok(ExitCode::SUCCESS)
}
