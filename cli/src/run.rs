//! `weft run` and `weft explain`.

use std::process::ExitCode;
use std::time::Duration;

use arrow::ipc::reader::StreamReader;
use weft_core::codec::WeftCodec;
use weft_core::config::Configuration;
use weft_core::planner::plan_script;
use weft_core::proto::dispatcher_client::DispatcherClient;
use weft_core::proto::{GetJobStatusRequest, JobState, JobStatusProto, SubmitJobRequest};
use weft_core::rpc_error;
use weft_core::security::{AuthChannel, Peer};
use weft_core::{Result, WeftError};

use crate::JobArgs;
use crate::local_cluster::LocalCluster;
use crate::progress::{Progress, human_bytes, state_name, thousands};
use crate::yarn_deploy;

fn load(args: &JobArgs) -> Result<(String, String, Configuration)> {
    let script = std::fs::read_to_string(&args.file).map_err(|e| {
        WeftError::io(format!(
            "cannot read the script {}: {e}",
            args.file.display()
        ))
    })?;
    let mut config = Configuration::new();
    for d in &args.dynamic {
        config.set_pair(d)?;
    }
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "weft-job".into());
    Ok((script, name, config))
}

fn unknown_target(target: &str) -> anyhow::Error {
    WeftError::config(
        "execution.target",
        format!("unknown target '{target}'; valid targets: local, yarn-application, yarn-session"),
    )
    .into()
}

/// `-t yarn-application`: deploy the script to its own ApplicationMaster and follow it
/// (or print its id with `-d`).
async fn run_application(
    args: &JobArgs,
    config: &Configuration,
    name: &str,
) -> anyhow::Result<ExitCode> {
    let d = yarn_deploy::deploy(
        yarn_deploy::Mode::Application { script: &args.file },
        config,
        name,
    )
    .await?;
    eprintln!("Submitted application {}", d.app_id);
    if args.detached {
        println!("{}", d.app_id);
        return Ok(ExitCode::SUCCESS);
    }
    yarn_deploy::follow(&d).await
}

/// A streaming script: its epochs driven from here against a local cluster or a YARN
/// session, or from the ApplicationMaster (`-t yarn-application`).
async fn run_streaming(
    args: &JobArgs,
    script: &str,
    name: &str,
    mut config: Configuration,
    registry: &weft_core::catalog::ConnectorRegistry,
) -> anyhow::Result<ExitCode> {
    let resume = args.from_savepoint.as_deref();
    let no_hook = None::<&mut crate::streaming::NoHook>;
    match args.target.as_str() {
        "yarn-application" => {
            if let Some(p) = resume {
                config.set(weft_core::config::SAVEPOINT_PATH.key, &p.to_string_lossy())?;
            }
            let settings = crate::streaming::with_script_settings(script, &config)?;
            let dir = settings.get_string(weft_core::config::CHECKPOINTS_DIR);
            if !dir.contains("://") || dir.starts_with("file://") {
                anyhow::bail!(
                    "state.checkpoints.dir = '{dir}': a streaming job on YARN keeps its checkpoints on a shared file system (hdfs://…), not on the ApplicationMaster's disk"
                );
            }
            run_application(args, &settings, name).await
        }
        "yarn-session" => {
            let settings = crate::streaming::with_script_settings(script, &config)?;
            let id = yarn_deploy::session_id(&settings)?;
            let client = weft_yarn_client::YarnClient::from_env()?;
            let jobmanager = yarn_deploy::session_peer(&client, id, &settings).await?;
            eprintln!(
                "Running the streaming job's epochs on session {id} (JobManager {})",
                jobmanager.address
            );
            crate::streaming::run(
                script,
                name,
                &config,
                registry,
                &jobmanager,
                resume,
                no_hook,
            )
            .await
        }
        _ => {
            let settings = crate::streaming::with_script_settings(script, &config)?;
            let cluster = LocalCluster::start(&settings, registry.clone()).await?;
            eprintln!("Web UI at http://{}/", cluster.web);
            let outcome = crate::streaming::run(
                script,
                name,
                &config,
                registry,
                &cluster.jobmanager.peer(),
                resume,
                no_hook,
            )
            .await;
            cluster.stop().await;
            outcome
        }
    }
}

pub async fn explain(args: JobArgs) -> anyhow::Result<ExitCode> {
    let (script, name, config) = load(&args)?;
    let registry = weft_connectors::default_registry();
    let graph = plan_script(&script, &name, &config, &registry).await?;
    print!("{}", graph.explain());
    Ok(ExitCode::SUCCESS)
}

pub async fn run(args: JobArgs) -> anyhow::Result<ExitCode> {
    if !matches!(
        args.target.as_str(),
        "local" | "embedded" | "yarn-application" | "yarn-session"
    ) {
        return Err(unknown_target(&args.target));
    }
    let (script, name, config) = load(&args)?;
    let registry = weft_connectors::default_registry();
    if crate::pipeline::is_pipeline(&args.file) {
        if !matches!(args.target.as_str(), "local" | "embedded") {
            anyhow::bail!(
                "pipelines run on the local target only for now (-t {} is not supported)",
                args.target
            );
        }
        return crate::pipeline::run(
            &args.file,
            &script,
            &config,
            &registry,
            args.from_savepoint.as_deref(),
        )
        .await;
    }
    if crate::streaming::is_streaming(&script, &config)? {
        return run_streaming(&args, &script, &name, config, &registry).await;
    }
    if args.from_savepoint.is_some() {
        anyhow::bail!("-s (resume from a checkpoint) applies to streaming jobs only");
    }
    // Planned here whatever the target: a bad script fails before anything is deployed.
    let graph = plan_script(&script, &name, &config, &registry).await?;
    let codec = WeftCodec::new(registry.codec.clone());
    let proto = graph.to_proto(&codec)?;
    let job_config = graph.config.clone();
    match args.target.as_str() {
        "yarn-application" => run_application(&args, &job_config, &graph.name).await,
        "yarn-session" => {
            let id = yarn_deploy::session_id(&job_config)?;
            let client = weft_yarn_client::YarnClient::from_env()?;
            let jobmanager = yarn_deploy::session_peer(&client, id, &job_config).await?;
            eprintln!(
                "Submitting to session {id} (JobManager {})",
                jobmanager.address
            );
            if args.detached {
                let job_id = submit(&jobmanager, proto).await?;
                println!("{job_id}");
                return Ok(ExitCode::SUCCESS);
            }
            report(submit_and_wait(&jobmanager, proto, true).await?)
        }
        _ => {
            let cluster = LocalCluster::start(&job_config, registry).await?;
            eprintln!("Web UI at http://{}/", cluster.web);
            let outcome = submit_and_wait(&cluster.jobmanager.peer(), proto, true).await;
            let failed = outcome
                .as_ref()
                .map_or(true, |st| st.state != JobState::Finished as i32);
            cluster.stop_keeping_logs(failed).await;
            report(outcome?)
        }
    }
}

/// `weft yarn-session`: start a session on YARN.
pub async fn yarn_session(args: crate::SessionArgs) -> anyhow::Result<ExitCode> {
    let mut config = Configuration::new();
    for d in &args.dynamic {
        config.set_pair(d)?;
    }
    let d = yarn_deploy::deploy(yarn_deploy::Mode::Session, &config, "Weft session").await?;
    crate::session_file::record(&config, d.app_id, &d.secret)?;
    eprintln!(
        "Submitted session {}; waiting for its JobManager (properties in {})",
        d.app_id,
        crate::session_file::path(&config).display()
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let address = loop {
        match yarn_deploy::session_address(&d.client, d.app_id).await {
            Ok(a) => break a,
            Err(e) => {
                let r = d.client.get_application_report(d.app_id).await?;
                if matches!(
                    r.state,
                    weft_yarn_client::records::YarnApplicationState::Failed
                        | weft_yarn_client::records::YarnApplicationState::Killed
                        | weft_yarn_client::records::YarnApplicationState::Finished
                ) || std::time::Instant::now() > deadline
                {
                    return Err(e.context(format!(
                        "session {} did not start: {}",
                        d.app_id,
                        r.diagnostics.trim()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    let r = d.client.get_application_report(d.app_id).await?;
    eprintln!(
        "Session {} is running: JobManager {address}, web UI {}",
        d.app_id, r.tracking_url
    );
    eprintln!(
        "Submit jobs with: weft run -t yarn-session -D yarn.application.id={} -f job.sql",
        d.app_id
    );
    eprintln!("Stop it with: weft yarn kill {}", d.app_id);
    if args.detached {
        println!("{}", d.app_id);
        return Ok(ExitCode::SUCCESS);
    }
    yarn_deploy::follow(&d).await
}

/// Plan and run a script on a running local cluster; the job's final status (with collected
/// rows), or its failure as an error. Used by `weft bench`.
pub async fn execute_script(
    cluster: &LocalCluster,
    script: &str,
    name: &str,
    config: &Configuration,
) -> anyhow::Result<JobStatusProto> {
    let started = std::time::Instant::now();
    let registry = weft_connectors::default_registry();
    let graph = plan_script(script, name, config, &registry).await?;
    let proto = graph.to_proto(&WeftCodec::new(registry.codec.clone()))?;
    let planned = started.elapsed();
    let status = submit_and_wait(&cluster.jobmanager.peer(), proto, false).await?;
    tracing::debug!(
        "{name}: planned in {:.1} ms, job ran {} ms, result after {:.1} ms",
        planned.as_secs_f64() * 1e3,
        status.duration_ms,
        started.elapsed().as_secs_f64() * 1e3
    );
    if status.state != JobState::Finished as i32 {
        let cause = status
            .error
            .as_ref()
            .map(|e| rpc_error::from_proto(e).to_string())
            .unwrap_or_else(|| "cancelled".into());
        return Err(anyhow::anyhow!("{cause}"));
    }
    Ok(status)
}

async fn dispatcher(jobmanager: &Peer) -> anyhow::Result<DispatcherClient<AuthChannel>> {
    Ok(
        DispatcherClient::new(jobmanager.channel("the JobManager").await?)
            .max_decoding_message_size(1 << 30)
            .max_encoding_message_size(1 << 30),
    )
}

/// Submit a job and return its id.
async fn submit(
    jobmanager: &Peer,
    graph: weft_core::proto::JobGraphProto,
) -> anyhow::Result<String> {
    submit_on(
        &mut dispatcher(jobmanager).await?,
        &jobmanager.address,
        graph,
    )
    .await
}

async fn submit_on(
    client: &mut DispatcherClient<AuthChannel>,
    address: &str,
    graph: weft_core::proto::JobGraphProto,
) -> anyhow::Result<String> {
    Ok(client
        .submit_job(SubmitJobRequest {
            job_graph: Some(graph),
        })
        .await
        .map_err(|s| rpc_error::from_status(&s, address))?
        .into_inner()
        .job_id)
}

async fn job_status(
    client: &mut DispatcherClient<AuthChannel>,
    address: &str,
    job_id: &str,
    include_result: bool,
    wait_ms: u32,
) -> anyhow::Result<JobStatusProto> {
    Ok(client
        .get_job_status(GetJobStatusRequest {
            job_id: job_id.to_string(),
            include_result,
            wait_ms,
        })
        .await
        .map_err(|s| rpc_error::from_status(&s, address))?
        .into_inner())
}

/// How long one status call may wait for the job to end (the progress line's refresh).
const STATUS_WAIT_MS: u32 = 200;

pub(crate) async fn submit_and_wait(
    jobmanager: &Peer,
    graph: weft_core::proto::JobGraphProto,
    verbose: bool,
) -> anyhow::Result<JobStatusProto> {
    let address = jobmanager.address.as_str();
    let mut client = dispatcher(jobmanager).await?;
    let job_id = submit_on(&mut client, address, graph).await?;
    if verbose {
        eprintln!("Job has been submitted with JobID {job_id}");
    }
    let mut progress = Progress::new();
    // Each call returns as soon as the job ends (with its result), or after
    // STATUS_WAIT_MS to refresh the progress line.
    let status = loop {
        let asked = std::time::Instant::now();
        let st = job_status(&mut client, address, &job_id, true, STATUS_WAIT_MS).await?;
        if verbose {
            progress.update(&st);
        }
        match JobState::try_from(st.state).unwrap_or(JobState::Running) {
            JobState::Finished | JobState::Failed | JobState::Canceled => break st,
            // A JobManager that does not wait answers at once: do not spin on it.
            _ if asked.elapsed() < Duration::from_millis(5) => {
                tokio::time::sleep(Duration::from_millis(5)).await
            }
            _ => {}
        }
    };
    if verbose {
        progress.done();
    }
    Ok(status)
}

pub(crate) fn report(status: JobStatusProto) -> anyhow::Result<ExitCode> {
    let job_id = &status.job_id;
    let secs = status.duration_ms as f64 / 1000.0;
    if status.state != JobState::Finished as i32 {
        let cause = status
            .error
            .as_ref()
            .map(|e| rpc_error::from_proto(e).to_string())
            .unwrap_or_else(|| "cancelled".into());
        eprintln!(
            "Job {job_id} {} after {secs:.1} s; no output was committed.",
            state_name(status.state)
        );
        return Err(anyhow::anyhow!("{cause}"));
    }
    print_results(&status.result)?;
    eprintln!(
        "Job {job_id} ({}) FINISHED in {secs:.1} s{}",
        status.name,
        if status.restarts > 0 {
            format!(" after {} restart(s)", status.restarts)
        } else {
            String::new()
        }
    );
    let decided: Vec<String> = status
        .vertices
        .iter()
        .filter(|v| !v.parallelism_decision.is_empty())
        .map(|v| format!("vertex {} = {}", v.id, v.parallelism))
        .collect();
    if !decided.is_empty() {
        eprintln!("  adaptive parallelism: {}", decided.join(", "));
    }
    let filtered: Vec<String> = status
        .vertices
        .iter()
        .filter(|v| v.filter_rows_in > 0)
        .map(|v| {
            format!(
                "vertex {} kept {} of {} rows",
                v.id,
                thousands(v.filter_rows_kept),
                thousands(v.filter_rows_in)
            )
        })
        .collect();
    if !filtered.is_empty() {
        eprintln!("  runtime filters: {}", filtered.join(", "));
    }
    let spilled: u64 = status.vertices.iter().map(|v| v.spilled_bytes).sum();
    let fallbacks: u32 = status.vertices.iter().map(|v| v.join_fallbacks).sum();
    if spilled > 0 || fallbacks > 0 {
        eprintln!(
            "  memory: operators spilled {} to disk; {fallbacks} hash join partition(s) fell back to sort-merge",
            human_bytes(spilled)
        );
    }
    for s in &status.sinks {
        eprintln!(
            "  sink {}: {} rows, {} in {} file(s){}",
            s.table,
            thousands(s.rows),
            human_bytes(s.bytes),
            s.files,
            if s.partitions > 0 {
                format!(", {} partition(s)", s.partitions)
            } else {
                String::new()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_results(results: &[Vec<u8>]) -> anyhow::Result<()> {
    let mut batches = Vec::new();
    for bytes in results {
        if bytes.is_empty() {
            continue;
        }
        let reader = StreamReader::try_new(std::io::Cursor::new(bytes), None)?;
        for b in reader {
            batches.push(b?);
        }
    }
    if batches.is_empty() && results.is_empty() {
        return Ok(());
    }
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    if !batches.is_empty() {
        println!("{}", arrow::util::pretty::pretty_format_batches(&batches)?);
    }
    eprintln!("{rows} row(s) in set");
    Ok(())
}
