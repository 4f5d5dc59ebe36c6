//! A real Hive Metastore (Hive 3.1.3, embedded Derby) for tests: started once per test
//! binary from the Maven harness in `integration/metastore` (built by
//! `.ci/setup-metastore.sh`), on 127.0.0.1. It stops when the test binary exits: the Java
//! process runs with `--stop-on-stdin-eof` and this module holds its stdin.

use std::path::PathBuf;
use std::process::{Child, ChildStdin};
use std::sync::{Mutex, OnceLock};

use crate::java_harness;

const MAIN: &str = "dev.weft.metastore.Main";

/// A running metastore.
#[derive(Debug)]
pub struct HiveMetastore {
    /// `thrift://127.0.0.1:PORT`
    pub uris: String,
    /// Its work directory (Derby database, `warehouse/`, `metastore.log`).
    pub work_dir: PathBuf,
    _process: Mutex<(Child, ChildStdin)>,
}

static METASTORE: OnceLock<Result<HiveMetastore, String>> = OnceLock::new();

/// The metastore of this test binary, started on first use.
pub fn metastore() -> &'static HiveMetastore {
    match METASTORE.get_or_init(start) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

fn start() -> Result<HiveMetastore, String> {
    let cp = java_harness::classpath("metastore", MAIN)?;
    let work_dir = java_harness::work_dir("metastore")?;
    let s = java_harness::start(
        &cp,
        &["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"],
        MAIN,
        &[work_dir.as_os_str(), "--stop-on-stdin-eof".as_ref()],
        "METASTORE READY ",
        &work_dir.join("metastore.log"),
    )?;
    Ok(HiveMetastore {
        uris: s.address,
        work_dir,
        _process: Mutex::new((s.child, s.stdin)),
    })
}

impl HiveMetastore {
    /// Run the harness's `Probe` (e.g. `["list-partitions", "db", "t"]`); its stdout.
    pub fn probe(&self, args: &[&str]) -> Result<String, String> {
        let cp = java_harness::classpath("metastore", MAIN)?;
        java_harness::probe(&cp, "dev.weft.metastore.Probe", &self.uris, args)
    }
}
