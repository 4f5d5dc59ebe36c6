//! Client side of YARN deployment (Flink's `YarnClusterDescriptor`): stage the `weft`
//! binary, the job script and the Hadoop configuration under `/user/<user>/.weft/<appId>/`
//! on HDFS, submit the ApplicationMaster (`./weft app-master …`), and follow the
//! application to its end in attached mode.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use weft_app_master::resource_manager::{container_credentials, shell_quote};
use weft_core::config::{self, Configuration};
use weft_core::security::{ClusterSecret, Peer};
use weft_yarn_client::conf::current_user;
use weft_yarn_client::proto::yarn::{
    ApplicationSubmissionContextProto, ContainerLaunchContextProto, FinalApplicationStatusProto,
    StringStringMapProto,
};
use weft_yarn_client::records::{Resource, YarnApplicationState};
use weft_yarn_client::staging::StagingDir;
use weft_yarn_client::{ApplicationId, ApplicationReport, HadoopConf, YarnClient};

/// The Hadoop site files shipped to the containers (which use them as `HADOOP_CONF_DIR`).
const SITE_FILES: [&str; 3] = ["core-site.xml", "hdfs-site.xml", "yarn-site.xml"];
/// The name the job script has in the containers.
pub const SCRIPT_NAME: &str = "job.sql";

pub enum Mode<'a> {
    /// Run one script in the ApplicationMaster, then end (`-t yarn-application`).
    Application { script: &'a Path },
    /// A long-running JobManager that jobs are submitted to (`weft yarn-session`).
    Session,
}

pub struct Deployed {
    pub client: YarnClient,
    pub app_id: ApplicationId,
    pub staging_url: String,
    /// The application's secret, which its ApplicationMaster got in its credentials.
    pub secret: ClusterSecret,
}

fn weft_binary() -> anyhow::Result<PathBuf> {
    match std::env::var_os("WEFT_BIN") {
        Some(p) => Ok(PathBuf::from(p)),
        None => std::env::current_exe().context("cannot locate the weft binary to upload"),
    }
}

fn mib(bytes: u64) -> i64 {
    (bytes / (1 << 20)) as i64
}

fn env(k: &str, v: &str) -> StringStringMapProto {
    StringStringMapProto {
        key: Some(k.into()),
        value: Some(v.into()),
    }
}

/// Stage the files and submit the ApplicationMaster.
pub async fn deploy(
    mode: Mode<'_>,
    config: &Configuration,
    name: &str,
) -> anyhow::Result<Deployed> {
    // Memory settings that cannot work fail here, not in the ApplicationMaster.
    config.managed_memory()?;
    // The remote shuffle service's secret goes to the containers in their credentials: the
    // file it is in exists on this machine only.
    let shuffle_secret = match config.get_string(config::SHUFFLE_REMOTE_SECRET_FILE) {
        f if f.trim().is_empty() => None,
        f => Some(ClusterSecret::read_private(Path::new(f.trim()))?),
    };
    let dirs = HadoopConf::dirs_from_env();
    if dirs.is_empty() {
        anyhow::bail!(
            "no Hadoop configuration: set HADOOP_CONF_DIR to the directory with core-site.xml and yarn-site.xml"
        );
    }
    let hconf = HadoopConf::load_dirs(&dirs)?;
    let user = current_user();
    let client = YarnClient::new(&hconf, &user)?;
    let app = client.get_new_application().await?;
    let staging = StagingDir::for_application(&hconf.default_fs(), &user, app.id)?;
    let staging_url = staging.url();
    let staged = stage(&staging, &mode, &dirs).await;
    if let Err(e) = staged {
        let _ = staging.delete().await;
        return Err(e);
    }
    let local_resources = staging.resources().await?;

    let mut cmd = vec!["./weft".to_string(), "app-master".into()];
    match mode {
        Mode::Application { .. } => {
            cmd.extend(["--mode".into(), "application".into()]);
            cmd.extend(["--script".into(), SCRIPT_NAME.into()]);
        }
        Mode::Session => cmd.extend(["--mode".into(), "session".into()]),
    }
    cmd.extend(["--name".into(), shell_quote(name)]);
    for (k, v) in config.entries() {
        cmd.push("-D".into());
        cmd.push(shell_quote(&format!("{k}={v}")));
    }
    cmd.push("1><LOG_DIR>/jobmanager.out".into());
    cmd.push("2><LOG_DIR>/jobmanager.log".into());

    let app_name = match config.get_string(config::YARN_APP_NAME) {
        n if n.is_empty() => name.to_string(),
        n => n,
    };
    let tags: Vec<String> = config
        .get_string(config::YARN_TAGS)
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    let am_memory = mib(config.get_memory(config::JM_PROCESS_SIZE));
    let memory_limit = app.max_capability.memory_mb;
    if memory_limit > 0 && am_memory > memory_limit {
        let _ = staging.delete().await;
        anyhow::bail!(
            "jobmanager.memory.process.size ({am_memory} MiB) is larger than the largest YARN container ({memory_limit} MiB); lower it with -D jobmanager.memory.process.size=…"
        );
    }
    let secret = ClusterSecret::generate();
    let context = ApplicationSubmissionContextProto {
        application_id: Some(app.id.into()),
        application_name: Some(app_name),
        queue: Some(config.get_string(config::YARN_QUEUE)),
        am_container_spec: Some(ContainerLaunchContextProto {
            local_resources,
            environment: vec![
                env("HADOOP_CONF_DIR", "{{PWD}}"),
                env("HADOOP_USER_NAME", &user),
                env("WEFT_STAGING_DIR", &staging_url),
                env("WEFT_LOG", "info"),
                env("RUST_BACKTRACE", "1"),
            ],
            command: vec![cmd.join(" ")],
            // The ResourceManager adds its AMRMToken; the NodeManager writes the whole to
            // the container's token file, which only the application's user can read.
            tokens: Some(container_credentials(&secret, shuffle_secret.as_ref())),
            ..Default::default()
        }),
        resource: Some(
            Resource {
                memory_mb: am_memory,
                vcores: config.get_int(config::YARN_AM_VCORES).max(1) as i32,
            }
            .into(),
        ),
        max_app_attempts: Some(config.get_int(config::YARN_APP_ATTEMPTS).max(1) as i32),
        application_type: Some("Weft".into()),
        application_tags: tags,
        ..Default::default()
    };
    if let Err(e) = client.submit_application(context).await {
        let _ = staging.delete().await;
        return Err(e.into());
    }
    Ok(Deployed {
        client,
        app_id: app.id,
        staging_url,
        secret,
    })
}

async fn stage(staging: &StagingDir, mode: &Mode<'_>, dirs: &[PathBuf]) -> anyhow::Result<()> {
    staging.create_private().await?;
    let exe = weft_binary()?;
    eprintln!("Uploading {} to {}", exe.display(), staging.url());
    staging.upload_file(&exe, "weft").await?;
    if let Mode::Application { script } = mode {
        staging.upload_file(script, SCRIPT_NAME).await?;
    }
    for f in SITE_FILES {
        // Later directories override earlier ones, as when the configuration is loaded.
        if let Some(path) = dirs.iter().rev().map(|d| d.join(f)).find(|p| p.is_file()) {
            staging.upload_file(&path, f).await?;
        }
    }
    Ok(())
}

/// Follow an application until it ends, with a progress line; the exit code follows its
/// final status. Removes the staging directory at the end, however the application ended.
pub async fn follow(d: &Deployed) -> anyhow::Result<ExitCode> {
    let tty = std::io::stderr().is_terminal();
    let mut last = String::new();
    let report = loop {
        let r = d.client.get_application_report(d.app_id).await?;
        let line = progress_line(&r);
        if line != last {
            if tty {
                eprint!("\r\x1b[2K{line}");
            } else {
                eprintln!("{line}");
            }
            last = line;
        }
        if matches!(
            r.state,
            YarnApplicationState::Finished
                | YarnApplicationState::Failed
                | YarnApplicationState::Killed
        ) {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    if tty {
        eprintln!();
    }
    if let Ok(s) = StagingDir::open(&d.staging_url) {
        let _ = s.delete().await;
    }
    let succeeded = report.final_status == FinalApplicationStatusProto::AppSucceeded;
    eprintln!(
        "Application {} ended {} / {}{}",
        d.app_id,
        weft_yarn_client::records::state_name(report.state),
        weft_yarn_client::records::final_status_name(report.final_status),
        if report.diagnostics.is_empty() || succeeded {
            String::new()
        } else {
            format!(": {}", report.diagnostics.trim())
        }
    );
    if succeeded {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}

fn progress_line(r: &ApplicationReport) -> String {
    let mut s = format!(
        "[{}] {} {:.0}%",
        r.id,
        weft_yarn_client::records::state_name(r.state),
        r.progress * 100.0
    );
    if !r.tracking_url.is_empty() && r.state == YarnApplicationState::Running {
        s.push_str(&format!("  {}", r.tracking_url));
    }
    s
}

/// `yarn.application.id` as an application id; without it, the latest session of the
/// session properties file (as Flink's CLI does); or a clear error.
pub fn session_id(config: &Configuration) -> anyhow::Result<ApplicationId> {
    let raw = config.get_string(config::YARN_APP_ID);
    if raw.is_empty() {
        if let Some(id) = crate::session_file::latest_session(config) {
            return Ok(id);
        }
        anyhow::bail!(
            "-t yarn-session needs the session's application id: add -D yarn.application.id=application_… (no session is recorded in {})",
            crate::session_file::path(config).display()
        );
    }
    Ok(raw.parse()?)
}

/// A running session's Dispatcher, with the secret from the session properties file.
pub async fn session_peer(
    client: &YarnClient,
    id: ApplicationId,
    config: &Configuration,
) -> anyhow::Result<Peer> {
    let address = session_address(client, id).await?;
    let secret = crate::session_file::secret_of(config, id)?;
    Ok(Peer::new(address, secret))
}

/// The JobManager (Dispatcher) address of a running session.
pub async fn session_address(client: &YarnClient, id: ApplicationId) -> anyhow::Result<String> {
    let r = client.get_application_report(id).await?;
    if r.state != YarnApplicationState::Running || r.rpc_port <= 0 {
        anyhow::bail!(
            "session {id} is not running (state {}); start one with `weft yarn-session`",
            weft_yarn_client::records::state_name(r.state)
        );
    }
    Ok(format!("{}:{}", r.host, r.rpc_port))
}
