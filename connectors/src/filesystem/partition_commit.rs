//! Flink's partition-commit options (`sink.partition-commit.*`): what happens to a partition
//! once its files are published. In batch jobs every partition written is committed when the
//! job's output is published; in streaming jobs when its trigger fires
//! (`partition_trigger.rs`).

use serde::{Deserialize, Serialize};
use weft_core::catalog::TableDef;
use weft_core::config::parse_duration;
use weft_core::{Result, WeftError};

pub const POLICIES: &[&str] = &["success-file", "metastore"];
pub const TRIGGERS: &[&str] = &["process-time", "partition-time"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PartitionCommit {
    /// `success-file`: the file to write into each committed partition (`_SUCCESS`).
    pub success_file: Option<String>,
    /// `metastore`: register committed partitions in the table's Hive Metastore.
    pub metastore: bool,
}

impl PartitionCommit {
    /// The table's policies; `default_policies` applies when the table names none (Hive
    /// tables default to `metastore`).
    pub fn from_table(t: &TableDef, default_policies: &str) -> Result<Self> {
        let err = |m: String| WeftError::table_option(&t.name, m);
        if let Some(trigger) = t.option("sink.partition-commit.trigger") {
            let trigger = trigger.trim().to_ascii_lowercase();
            if !TRIGGERS.contains(&trigger.as_str()) {
                return Err(err(format!(
                    "unknown sink.partition-commit.trigger '{trigger}'; valid: {}",
                    TRIGGERS.join(", ")
                )));
            }
        }
        if let Some(d) = t.option("sink.partition-commit.delay") {
            parse_duration(d)
                .map_err(|e| err(format!("option 'sink.partition-commit.delay': {e}")))?;
        }
        if let Some(kind) = t.option("partition.time-extractor.kind")
            && !kind.trim().eq_ignore_ascii_case("default")
        {
            return Err(err(format!(
                "partition.time-extractor.kind '{kind}' is not supported; only 'default' (with partition.time-extractor.timestamp-pattern)"
            )));
        }
        let kinds = t
            .option("sink.partition-commit.policy.kind")
            .unwrap_or(default_policies);
        let mut out = PartitionCommit::default();
        for kind in kinds.split(',').map(|k| k.trim().to_ascii_lowercase()) {
            match kind.as_str() {
                "" => {}
                "success-file" => {
                    let name = t
                        .option("sink.partition-commit.success-file.name")
                        .unwrap_or("_SUCCESS")
                        .trim();
                    if name.is_empty() || name.contains('/') {
                        return Err(err(format!(
                            "sink.partition-commit.success-file.name '{name}' must be a plain file name"
                        )));
                    }
                    out.success_file = Some(name.to_string());
                }
                "metastore" => out.metastore = true,
                other => {
                    return Err(err(format!(
                        "unknown sink.partition-commit.policy.kind '{other}'; valid: {}",
                        POLICIES.join(", ")
                    )));
                }
            }
        }
        Ok(out)
    }

    /// The trigger options, for a streaming job's sink.
    pub fn deferred(t: &TableDef) -> Result<super::partition_trigger::Deferred> {
        use super::partition_trigger::{Deferred, Trigger};
        let trigger = match t
            .option("sink.partition-commit.trigger")
            .map(|s| s.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("partition-time") => Trigger::PartitionTime,
            _ => Trigger::ProcessTime,
        };
        let delay_ms = match t.option("sink.partition-commit.delay") {
            Some(d) => parse_duration(d)
                .map_err(|e| {
                    WeftError::table_option(
                        &t.name,
                        format!("option 'sink.partition-commit.delay': {e}"),
                    )
                })?
                .as_millis() as u64,
            None => 0,
        };
        Ok(Deferred {
            trigger,
            delay_ms,
            pattern: t
                .option("partition.time-extractor.timestamp-pattern")
                .map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(opts: &[(&str, &str)]) -> TableDef {
        TableDef::with_options("t", opts)
    }

    #[test]
    fn policies_and_their_errors() {
        let p = PartitionCommit::from_table(
            &table(&[(
                "sink.partition-commit.policy.kind",
                "metastore, success-file",
            )]),
            "",
        )
        .unwrap();
        assert_eq!(p.success_file.as_deref(), Some("_SUCCESS"));
        assert!(p.metastore);
        assert_eq!(
            PartitionCommit::from_table(&table(&[]), "metastore").unwrap(),
            PartitionCommit {
                success_file: None,
                metastore: true
            }
        );
        let e = PartitionCommit::from_table(
            &table(&[("sink.partition-commit.policy.kind", "kafka")]),
            "",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown sink.partition-commit.policy.kind 'kafka'"),
            "{e}"
        );
        assert!(e.contains("success-file, metastore"), "{e}");
        let e = PartitionCommit::from_table(
            &table(&[("sink.partition-commit.trigger", "tomorrow")]),
            "",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("process-time, partition-time"), "{e}");
        let e = PartitionCommit::from_table(&table(&[("sink.partition-commit.delay", "soon")]), "")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sink.partition-commit.delay"), "{e}");
    }
}
