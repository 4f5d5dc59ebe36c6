//! Helpers for end-to-end tests that run `weft` against the Hadoop mini cluster: run the
//! binary with the cluster's `HADOOP_CONF_DIR`, read application ids and reports, find
//! TaskManager containers in the NodeManager's log directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use weft_yarn_client::records::YarnApplicationState;
use weft_yarn_client::{ApplicationId, HadoopConf, YarnClient};

use crate::minicluster::MiniCluster;
use crate::weft_bin::weft_bin;

/// Small JobManager / TaskManager containers (two slots each) for tests on the mini cluster.
pub const SMALL: &[&str] = &[
    "-D",
    "jobmanager.memory.process.size=512m",
    "-D",
    "taskmanager.memory.process.size=1024m",
    "-D",
    "taskmanager.memory.managed.size=256m",
    "-D",
    "taskmanager.numberOfTaskSlots=2",
    "-D",
    "yarn.heartbeat.interval=1 s",
];

pub fn weft(mc: &MiniCluster, args: &[&str]) -> Output {
    Command::new(weft_bin())
        .args(args)
        .env("HADOOP_CONF_DIR", &mc.conf_dir)
        .env_remove("YARN_CONF_DIR")
        .output()
        .expect("weft runs")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn run_file(mc: &MiniCluster, dir: &Path, name: &str, script: &str, extra: &[&str]) -> Output {
    let file = dir.join(name);
    std::fs::write(&file, script).unwrap();
    let mut args = vec!["run", "-f", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    weft(mc, &args)
}

pub fn client(mc: &MiniCluster) -> YarnClient {
    YarnClient::new(
        &HadoopConf::load_dirs(&[mc.conf_dir.clone()]).unwrap(),
        &weft_yarn_client::conf::current_user(),
    )
    .unwrap()
}

/// The application id in "Submitted application …" / "Submitted session …".
pub fn submitted_id(out: &str) -> ApplicationId {
    out.lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("application_"))
                .and_then(|w| w.trim_end_matches([';', ',', '.']).parse().ok())
        })
        .unwrap_or_else(|| panic!("no application id in the output:\n{out}"))
}

/// TaskManager containers of an application, from the NodeManager's log directories.
pub fn taskmanager_containers(mc: &MiniCluster, app: ApplicationId) -> Vec<PathBuf> {
    fn walk(dir: &Path, app: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if !p.is_dir() {
                continue;
            }
            if e.file_name().to_string_lossy() == app {
                for c in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                    if c.path().join("taskmanager.log").is_file() {
                        out.push(c.path());
                    }
                }
            } else {
                walk(&p, app, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(mc.log_file.parent().unwrap(), &app.to_string(), &mut out);
    out
}

pub async fn final_report(
    c: &YarnClient,
    id: ApplicationId,
) -> weft_yarn_client::ApplicationReport {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = c.get_application_report(id).await.unwrap();
        if matches!(
            r.state,
            YarnApplicationState::Finished
                | YarnApplicationState::Failed
                | YarnApplicationState::Killed
        ) {
            return r;
        }
        assert!(Instant::now() < deadline, "{id} did not end: {:?}", r.state);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
