//! The Hadoop mini cluster (HDFS NameNode + DataNode, YARN ResourceManager + NodeManager)
//! for tests: started once per test binary from the Maven harness in `integration/minicluster`
//! (built by `.ci/setup-minicluster.sh`), on 127.0.0.1.
//!
//! The Java process reads its stdin until end-of-file; this module keeps the pipe's write
//! end open for the life of the test binary, so the cluster stops when the binary exits,
//! however it exits.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How long to wait for the ready line (override with `WEFT_MINICLUSTER_TIMEOUT_SECS`).
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(240);

/// JVM options Hadoop 3.4 needs on Java 17.
const JVM_OPTS: &[&str] = &[
    "-Xmx2g",
    "-Djava.net.preferIPv4Stack=true",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
];

/// A running mini cluster.
#[derive(Debug)]
pub struct MiniCluster {
    /// Holds `core-site.xml` and `yarn-site.xml`: use as `HADOOP_CONF_DIR`.
    pub conf_dir: PathBuf,
    /// ResourceManager client address (ApplicationClientProtocol), host:port.
    pub rm_address: String,
    /// ResourceManager scheduler address (ApplicationMasterProtocol), host:port.
    pub scheduler_address: String,
    /// `fs.defaultFS`, e.g. `hdfs://127.0.0.1:port`.
    pub hdfs_uri: String,
    /// ResourceManager web UI / REST, host:port.
    pub webapp_address: String,
    /// The harness's log (stderr of the Java process).
    pub log_file: PathBuf,
    process: Mutex<(Child, ChildStdin)>,
}

static CLUSTER: OnceLock<Result<MiniCluster, String>> = OnceLock::new();

/// The mini cluster of this test binary, started on first use. Panics with a message that
/// says what to do when it cannot start (e.g. the harness was not built).
pub fn minicluster() -> &'static MiniCluster {
    match CLUSTER.get_or_init(start) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

/// `integration/minicluster`, the Maven harness.
pub fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("minicluster")
}

fn start() -> Result<MiniCluster, String> {
    let harness = harness_dir();
    let classes = harness.join("target/classes/dev/weft/minicluster/Main.class");
    let deps = harness.join("target/dependency");
    if !classes.is_file() || !deps.is_dir() {
        return Err(format!(
            "the Hadoop mini cluster harness is not built ({} is missing): run .ci/setup-minicluster.sh",
            if classes.is_file() {
                deps.display()
            } else {
                classes.display()
            }
        ));
    }
    let base = std::env::temp_dir().join(format!(
        "weft-minicluster-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let conf_dir = base.join("conf");
    let work_dir = base.join("work");
    std::fs::create_dir_all(&work_dir)
        .map_err(|e| format!("cannot create {}: {e}", work_dir.display()))?;
    // Inside the work dir, which the harness deletes when it stops cleanly.
    let log_file = work_dir.join("minicluster.log");
    let log = std::fs::File::create(&log_file)
        .map_err(|e| format!("cannot create {}: {e}", log_file.display()))?;

    let classpath = format!(
        "{}:{}/*",
        harness.join("target/classes").display(),
        deps.display()
    );
    let mut child = Command::new("java")
        .args(JVM_OPTS)
        .arg("-cp")
        .arg(&classpath)
        .arg("dev.weft.minicluster.Main")
        .arg(&conf_dir)
        .arg(&work_dir)
        .current_dir(&work_dir)
        .env_remove("HADOOP_CONF_DIR")
        .env_remove("YARN_CONF_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| {
            format!("cannot start java for the mini cluster: {e} (is a JDK 17 installed?)")
        })?;
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");

    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("MINICLUSTER READY") {
                let _ = tx.send(line);
            }
        }
    });
    let timeout = std::env::var("WEFT_MINICLUSTER_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_START_TIMEOUT);
    let line = match rx.recv_timeout(timeout) {
        Ok(line) => line,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            let why = match e {
                mpsc::RecvTimeoutError::Timeout => {
                    format!("did not print its ready line within {timeout:?}")
                }
                mpsc::RecvTimeoutError::Disconnected => "exited before it was ready".to_string(),
            };
            return Err(format!(
                "the Hadoop mini cluster {why}; last lines of {}:\n{}",
                log_file.display(),
                tail(&log_file, 30)
            ));
        }
    };
    let field = |name: &str| -> Result<String, String> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
            .ok_or_else(|| format!("mini cluster ready line lacks {name}=: {line}"))
    };
    Ok(MiniCluster {
        rm_address: field("rm")?,
        scheduler_address: field("scheduler")?,
        hdfs_uri: field("hdfs")?,
        webapp_address: field("webapp")?,
        conf_dir,
        log_file,
        process: Mutex::new((child, stdin)),
    })
}

impl MiniCluster {
    /// The Java process id (for diagnostics).
    pub fn pid(&self) -> u32 {
        self.process.lock().unwrap().0.id()
    }

    /// The last lines of the harness log, for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log_file, lines)
    }
}

fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
