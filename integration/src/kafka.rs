//! A real Kafka broker (Apache Kafka 4.3 in KRaft mode) for tests: started once per test
//! binary from the Maven harness in `integration/kafka` (built by `.ci/setup-kafka.sh`), on
//! 127.0.0.1. It stops when the test binary exits (it watches the stdin this module holds).

use std::path::PathBuf;
use std::process::{Child, ChildStdin};
use std::sync::{Mutex, OnceLock};

use crate::java_harness;

const MAIN: &str = "dev.weft.kafka.Main";

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

fn start() -> Result<KafkaBroker, String> {
    let cp = java_harness::classpath("kafka", MAIN)?;
    let work_dir = java_harness::work_dir("kafka")?;
    let s = java_harness::start(
        &cp,
        &["-Xmx512m", "-Dweft.stopOnStdinEof=true"],
        MAIN,
        &[work_dir.as_os_str()],
        "KAFKA READY ",
        &work_dir.join("broker.err"),
    )?;
    Ok(KafkaBroker {
        bootstrap: s.address,
        work_dir,
        _process: Mutex::new((s.child, s.stdin)),
    })
}

impl KafkaBroker {
    /// Run the harness's `Probe` (`create T N`, `produce T v…`, `consume T COUNT`); stdout.
    /// Produce `values` to `topic` (one record each, no key).
    pub fn produce(&self, topic: &str, values: &[String]) {
        let mut args = vec!["produce", topic];
        args.extend(values.iter().map(String::as_str));
        self.probe(&args).unwrap();
    }

    pub fn probe(&self, args: &[&str]) -> Result<String, String> {
        let cp = java_harness::classpath("kafka", MAIN)?;
        java_harness::probe(&cp, "dev.weft.kafka.Probe", &self.bootstrap, args)
    }
}
