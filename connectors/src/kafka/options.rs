//! The `kafka` table's options (Flink's names), checked and normalized.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use weft_core::catalog::TableDef;
use weft_core::{Result, WeftError};

use crate::formats::CdcFormat;

/// Options the `kafka` connector accepts, besides any `properties.*` (passed to the client).
pub const KAFKA_OPTIONS: &[&str] = &[
    "topic",
    "format",
    "value.format",
    "scan.startup.mode",
    "scan.startup.timestamp-millis",
    "scan.startup.specific-offsets",
    "scan.bounded.mode",
    "scan.bounded.timestamp-millis",
    "scan.bounded.specific-offsets",
    "json.ignore-parse-errors",
    "csv.ignore-parse-errors",
    "csv.field-delimiter",
    "debezium-json.ignore-parse-errors",
    "debezium-json.schema-include",
    "canal-json.ignore-parse-errors",
    "maxwell-json.ignore-parse-errors",
    "sink.delivery-guarantee",
    "sink.transactional-id-prefix",
];

pub const FORMATS: &[&str] = &[
    "json",
    "csv",
    "raw",
    "debezium-json",
    "canal-json",
    "maxwell-json",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueFormat {
    Json,
    Csv,
    Raw,
    DebeziumJson,
    CanalJson,
    MaxwellJson,
}

impl ValueFormat {
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Raw => "raw",
            Self::DebeziumJson => "debezium-json",
            Self::CanalJson => "canal-json",
            Self::MaxwellJson => "maxwell-json",
        }
    }

    pub fn cdc(self) -> Option<CdcFormat> {
        CdcFormat::from_name(self.name())
    }
}

/// Where a read starts or stops, per Flink's `scan.startup.mode` / `scan.bounded.mode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Position {
    Earliest,
    Latest,
    GroupOffsets,
    Timestamp(i64),
    /// partition → offset
    Specific(BTreeMap<i32, i64>),
    /// `scan.bounded.mode = unbounded`
    Unbounded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KafkaOptions {
    pub topic: String,
    /// `properties.*` without the prefix (bootstrap.servers, group.id, …).
    pub properties: BTreeMap<String, String>,
    pub format: ValueFormat,
    pub ignore_parse_errors: bool,
    pub csv_delimiter: u8,
    pub debezium_schema_include: bool,
    pub startup: Position,
    pub bounded: Position,
    pub delivery_guarantee: String,
    pub transactional_id_prefix: Option<String>,
}

fn bool_option(t: &TableDef, key: &str) -> Result<bool> {
    match t.option(key).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(v) => Err(WeftError::table_option(
            &t.name,
            format!("option '{key}' must be true or false, got '{v}'"),
        )),
    }
}

/// `partition:0,offset:42;partition:1,offset:300`
fn specific_offsets(t: &TableDef, key: &str) -> Result<BTreeMap<i32, i64>> {
    let v = t.required(key)?;
    let bad = || {
        WeftError::table_option(
            &t.name,
            format!(
                "option '{key}' = '{v}' is not like 'partition:0,offset:42;partition:1,offset:300'"
            ),
        )
    };
    let mut out = BTreeMap::new();
    for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (p, o) = part.split_once(',').ok_or_else(bad)?;
        let p = p.trim().strip_prefix("partition:").ok_or_else(bad)?;
        let o = o.trim().strip_prefix("offset:").ok_or_else(bad)?;
        out.insert(
            p.trim().parse().map_err(|_| bad())?,
            o.trim().parse().map_err(|_| bad())?,
        );
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

fn position(t: &TableDef, prefix: &str, default: &str) -> Result<Position> {
    let key = format!("{prefix}.mode");
    let mode = t
        .option(&key)
        .unwrap_or(default)
        .trim()
        .to_ascii_lowercase();
    let ts_key = format!("{prefix}.timestamp-millis");
    Ok(match mode.as_str() {
        "earliest-offset" => Position::Earliest,
        "latest-offset" => Position::Latest,
        "group-offsets" => Position::GroupOffsets,
        "timestamp" => Position::Timestamp(t.required(&ts_key)?.trim().parse().map_err(|_| {
            WeftError::table_option(
                &t.name,
                format!("option '{ts_key}' must be milliseconds since the epoch"),
            )
        })?),
        "specific-offsets" => {
            Position::Specific(specific_offsets(t, &format!("{prefix}.specific-offsets"))?)
        }
        "unbounded" if prefix == "scan.bounded" => Position::Unbounded,
        other => {
            let valid = if prefix == "scan.bounded" {
                "unbounded, latest-offset, group-offsets, timestamp, specific-offsets"
            } else {
                "earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets"
            };
            return Err(WeftError::table_option(
                &t.name,
                format!("unknown {key} '{other}'; valid: {valid}"),
            ));
        }
    })
}

impl KafkaOptions {
    pub fn from_table(t: &TableDef) -> Result<Self> {
        let mut plain = t.clone();
        plain.options.retain(|k, _| !k.starts_with("properties."));
        plain.check_options(KAFKA_OPTIONS)?;
        let properties: BTreeMap<String, String> = t
            .options
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("properties.")
                    .map(|k| (k.to_string(), v.clone()))
            })
            .collect();
        if !properties.contains_key("bootstrap.servers") {
            return Err(WeftError::table_option(
                &t.name,
                "missing required option 'properties.bootstrap.servers' (the brokers, host:port,…)",
            ));
        }
        let format_name = t
            .option("value.format")
            .or(t.option("format"))
            .ok_or_else(|| WeftError::table_option(&t.name, "missing required option 'format'"))?
            .trim()
            .to_ascii_lowercase();
        let format = match format_name.as_str() {
            "json" => ValueFormat::Json,
            "csv" => ValueFormat::Csv,
            "raw" => ValueFormat::Raw,
            "debezium-json" => ValueFormat::DebeziumJson,
            "canal-json" => ValueFormat::CanalJson,
            "maxwell-json" => ValueFormat::MaxwellJson,
            other => {
                return Err(WeftError::table_option(
                    &t.name,
                    format!(
                        "unsupported format '{other}'; supported: {}",
                        FORMATS.join(", ")
                    ),
                ));
            }
        };
        let csv_delimiter = match t.option("csv.field-delimiter") {
            None => b',',
            Some(v) if v.len() == 1 => v.as_bytes()[0],
            Some(v) => {
                return Err(WeftError::table_option(
                    &t.name,
                    format!("option 'csv.field-delimiter' must be one character, got '{v}'"),
                ));
            }
        };
        let delivery_guarantee = t
            .option("sink.delivery-guarantee")
            .unwrap_or("at-least-once")
            .trim()
            .to_ascii_lowercase();
        if !["at-least-once", "none", "exactly-once"].contains(&delivery_guarantee.as_str()) {
            return Err(WeftError::table_option(
                &t.name,
                format!(
                    "unknown sink.delivery-guarantee '{delivery_guarantee}'; valid: at-least-once, exactly-once, none"
                ),
            ));
        }
        Ok(KafkaOptions {
            topic: t.required("topic")?.trim().to_string(),
            properties,
            format,
            ignore_parse_errors: bool_option(t, &format!("{}.ignore-parse-errors", format.name()))?,
            csv_delimiter,
            debezium_schema_include: bool_option(t, "debezium-json.schema-include")?,
            startup: position(t, "scan.startup", "group-offsets")?,
            bounded: position(t, "scan.bounded", "unbounded")?,
            delivery_guarantee,
            transactional_id_prefix: t.option("sink.transactional-id-prefix").map(str::to_string),
        })
    }

    pub fn bootstrap(&self) -> &str {
        &self.properties["bootstrap.servers"]
    }
}
