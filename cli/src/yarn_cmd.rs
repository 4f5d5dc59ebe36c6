//! `weft yarn …`: look at and steer applications on a YARN cluster, laid out like
//! `yarn application -list / -status / -kill` and `yarn node -list`.

use std::time::{Duration, Instant};

use weft_yarn_client::cli_format;
use weft_yarn_client::records::{YarnApplicationState, parse_app_state};
use weft_yarn_client::{ApplicationId, YarnClient};

#[derive(clap::Subcommand, Debug, Clone)]
pub enum YarnCommand {
    /// List applications (default: SUBMITTED, ACCEPTED and RUNNING ones).
    List {
        /// Only applications in this state (repeatable, or comma-separated); ALL for every state.
        #[arg(long = "state", value_delimiter = ',')]
        state: Vec<String>,
    },
    /// Print an application's report.
    Status {
        /// application_<timestamp>_<number>
        app_id: String,
    },
    /// Kill an application and wait until the ResourceManager reports it killed.
    Kill {
        /// application_<timestamp>_<number>
        app_id: String,
    },
    /// List the cluster's NodeManagers with their resources.
    Nodes,
}

/// Runs one `weft yarn` command against the cluster in `HADOOP_CONF_DIR` / `YARN_CONF_DIR`.
pub async fn run(cmd: YarnCommand) -> anyhow::Result<()> {
    let client = YarnClient::from_env()?;
    match cmd {
        YarnCommand::List { state } => {
            let states = list_states(&state)?;
            let apps = client.get_applications(&states).await?;
            let shown = if states.is_empty() {
                all_states()
            } else {
                states
            };
            print!("{}", cli_format::application_list(&apps, &shown));
        }
        YarnCommand::Status { app_id } => {
            let id: ApplicationId = app_id.parse()?;
            let report = client.get_application_report(id).await?;
            print!("{}", cli_format::application_status(&report));
        }
        YarnCommand::Kill { app_id } => {
            let id: ApplicationId = app_id.parse()?;
            let report = client.get_application_report(id).await?;
            if is_final(report.state) {
                println!("Application {id} has already finished ");
                return Ok(());
            }
            println!("Killing application {id}");
            let deadline = Instant::now() + Duration::from_secs(60);
            while !client.force_kill_application(id).await? {
                if Instant::now() > deadline {
                    anyhow::bail!("application {id} was not killed within 60 s");
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            println!("Killed application {id}");
            // A killed ApplicationMaster cannot clean up after itself.
            if report.application_type == "Weft" {
                remove_staging(&report.user, id).await;
                // and its entry in the session properties file (default location)
                let config = weft_core::config::Configuration::new();
                if let Err(e) = crate::session_file::forget(&config, id) {
                    eprintln!(
                        "could not remove session {id} from {}: {e}",
                        crate::session_file::path(&config).display()
                    );
                }
            }
        }
        YarnCommand::Nodes => {
            let nodes = client.get_cluster_nodes(&[]).await?;
            print!("{}", cli_format::node_list(&nodes));
        }
    }
    Ok(())
}

/// Remove `/user/<user>/.weft/<app>` (best effort: the application is already gone).
async fn remove_staging(user: &str, id: ApplicationId) {
    let Ok(conf) = weft_yarn_client::HadoopConf::load_from_env() else {
        return;
    };
    if let Ok(dir) =
        weft_yarn_client::staging::StagingDir::for_application(&conf.default_fs(), user, id)
        && let Err(e) = dir.delete().await
    {
        eprintln!("could not remove the staging directory {}: {e}", dir.url());
    }
}

fn list_states(args: &[String]) -> anyhow::Result<Vec<YarnApplicationState>> {
    if args.is_empty() {
        return Ok(cli_format::DEFAULT_LIST_STATES.to_vec());
    }
    if args.iter().any(|s| s.eq_ignore_ascii_case("ALL")) {
        return Ok(Vec::new());
    }
    Ok(args
        .iter()
        .map(|s| parse_app_state(s.trim()))
        .collect::<Result<_, _>>()?)
}

fn all_states() -> Vec<YarnApplicationState> {
    (1..=8)
        .filter_map(|v| YarnApplicationState::try_from(v).ok())
        .collect()
}

fn is_final(s: YarnApplicationState) -> bool {
    matches!(
        s,
        YarnApplicationState::Finished
            | YarnApplicationState::Failed
            | YarnApplicationState::Killed
    )
}
