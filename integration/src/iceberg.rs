//! The Iceberg reader harness (`integration/iceberg`, built by `.ci/setup-iceberg.sh`): the
//! Apache Iceberg Java library reading tables Weft wrote, independently of Weft.

use crate::java_harness;

const PROBE: &str = "dev.weft.iceberg.Probe";

/// `Probe <command> <args…>`: count / rows / snapshots / files / create-sample.
pub fn probe(command: &str, args: &[&str]) -> Result<String, String> {
    let cp = java_harness::classpath("iceberg", PROBE)?;
    java_harness::probe(&cp, PROBE, command, args)
}
