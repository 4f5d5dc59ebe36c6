//! A real Hive Metastore (Hive 3.1.3, embedded Derby) for tests: started once per test
//! binary from the Maven harness in `integration/metastore` (built by
//! `.ci/setup-metastore.sh`), on 127.0.0.1. It stops when the test binary exits: the Java
//! process runs with `--stop-on-stdin-eof` and this module holds its stdin.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

/// A running metastore.
#[derive(Debug)]
pub struct HiveMetastore {
    /// `thrift://127.0.0.1:PORT`
    pub uris: String,
    /// Its work directory (Derby database, `warehouse/`, `metastore.log`).
    pub work_dir: PathBuf,
    process: Mutex<(Child, ChildStdin)>,
}

static METASTORE: OnceLock<Result<HiveMetastore, String>> = OnceLock::new();

/// The metastore of this test binary, started on first use.
pub fn metastore() -> &'static HiveMetastore {
    match METASTORE.get_or_init(start) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

pub fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("metastore")
}

fn classpath() -> Result<String, String> {
    let h = harness_dir();
    let main = h.join("target/classes/dev/weft/metastore/Main.class");
    if !main.is_file() {
        return Err(format!(
            "the Hive Metastore harness is not built ({} is missing): run .ci/setup-metastore.sh",
            main.display()
        ));
    }
    Ok(format!(
        "{}:{}/*",
        h.join("target/classes").display(),
        h.join("target/dependency").display()
    ))
}

fn start() -> Result<HiveMetastore, String> {
    let cp = classpath()?;
    let work_dir = std::env::temp_dir().join(format!("weft-metastore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work_dir);
    std::fs::create_dir_all(&work_dir).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(work_dir.join("metastore.log")).map_err(|e| e.to_string())?;
    let mut child = Command::new("java")
        .args([
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            &cp,
        ])
        .arg("dev.weft.metastore.Main")
        .arg(&work_dir)
        .arg("--stop-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| format!("cannot start java for the Hive Metastore harness: {e}"))?;
    let stdout = child.stdout.take().unwrap();
    let stdin = child.stdin.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(uris) = line.strip_prefix("METASTORE READY ") {
                let _ = tx.send(uris.trim().to_string());
            }
        }
    });
    let uris = rx.recv_timeout(Duration::from_secs(120)).map_err(|_| {
        format!(
            "the Hive Metastore did not start within 120 s; see {}",
            work_dir.join("metastore.log").display()
        )
    })?;
    Ok(HiveMetastore {
        uris,
        work_dir,
        process: Mutex::new((child, stdin)),
    })
}

impl HiveMetastore {
    /// Run the harness's `Probe` (e.g. `["list-partitions", "db", "t"]`); its stdout.
    pub fn probe(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("java")
            .args(["-XX:TieredStopAtLevel=1", "-cp", &classpath()?])
            .arg("dev.weft.metastore.Probe")
            .arg(&self.uris)
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

    /// Stop it now (tests that want it gone); otherwise it stops when the binary exits.
    pub fn kill(&self) {
        let mut p = self.process.lock().unwrap();
        let _ = p.0.kill();
        let _ = p.0.wait();
    }
}
