//! A real Kafka broker (Apache Kafka 4.3 in KRaft mode) for tests: started once per test
//! binary from the Maven harness in `integration/kafka` (built by `.ci/setup-kafka.sh`), on
//! 127.0.0.1. It stops when the test binary exits (it watches the stdin this module holds).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

#[derive(Debug)]
pub struct KafkaBroker {
    /// `127.0.0.1:PORT`
    pub bootstrap: String,
    pub work_dir: PathBuf,
    _process: Mutex<(Child, ChildStdin)>,
}

static BROKER: OnceLock<Result<KafkaBroker, String>> = OnceLock::new();

/// The broker of this test binary, started on first use.
pub fn kafka() -> &'static KafkaBroker {
    match BROKER.get_or_init(start) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    }
}

fn classpath() -> Result<String, String> {
    let h = Path::new(env!("CARGO_MANIFEST_DIR")).join("kafka");
    let main = h.join("target/classes/dev/weft/kafka/Main.class");
    if !main.is_file() {
        return Err(format!(
            "the Kafka harness is not built ({} is missing): run .ci/setup-kafka.sh",
            main.display()
        ));
    }
    Ok(format!(
        "{}:{}/*",
        h.join("target/classes").display(),
        h.join("target/dependency").display()
    ))
}

fn start() -> Result<KafkaBroker, String> {
    let cp = classpath()?;
    let work_dir = std::env::temp_dir().join(format!("weft-kafka-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work_dir);
    std::fs::create_dir_all(&work_dir).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(work_dir.join("broker.err")).map_err(|e| e.to_string())?;
    let mut child = Command::new("java")
        .args(["-Xmx512m", "-Dweft.stopOnStdinEof=true", "-cp", &cp])
        .arg("dev.weft.kafka.Main")
        .arg(&work_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| format!("cannot start java for the Kafka harness: {e}"))?;
    let stdout = child.stdout.take().unwrap();
    let stdin = child.stdin.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(b) = line.strip_prefix("KAFKA READY ") {
                let _ = tx.send(b.trim().to_string());
            }
        }
    });
    let bootstrap = rx.recv_timeout(Duration::from_secs(120)).map_err(|_| {
        format!(
            "the Kafka broker did not start within 120 s; see {}",
            work_dir.join("broker.err").display()
        )
    })?;
    Ok(KafkaBroker {
        bootstrap,
        work_dir,
        _process: Mutex::new((child, stdin)),
    })
}

impl KafkaBroker {
    /// Run the harness's `Probe` (`create T N`, `produce T v…`, `consume T COUNT`); stdout.
    pub fn probe(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("java")
            .args(["-XX:TieredStopAtLevel=1", "-cp", &classpath()?])
            .arg("dev.weft.kafka.Probe")
            .arg(&self.bootstrap)
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "Probe {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}
