//! The `kafka` connector (Flink's options) for batch jobs: bounded reads
//! (`scan.startup.mode` … `scan.bounded.mode`, offsets fixed at planning so a rerun subtask
//! reads the same records) and an at-least-once sink, with the json, csv and raw formats.
//!
//! ```sql
//! CREATE TABLE orders (id BIGINT, amount DOUBLE) WITH (
//!   'connector' = 'kafka', 'topic' = 'orders',
//!   'properties.bootstrap.servers' = 'broker:9092',
//!   'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
//!   'format' = 'json');
//! ```
//!
//! The CDC formats (`debezium-json`, `canal-json`, `maxwell-json`) decode to changelog rows
//! (`crate::formats`): in a streaming job the scan appends each row's kind and its order
//! (`_weft_row_kind`, `_weft_seq`) after the selected columns, for a changelog sink (Delta
//! with a PRIMARY KEY) to apply; a batch job that reads them is refused at planning, as
//! Flink refuses changelog sources in batch mode.

pub mod client;
pub mod decode;
pub mod discover;
pub mod metadata;
pub mod options;
pub mod sink;
pub mod source;
pub mod transactional;

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::physical_plan::ExecutionPlan;
use weft_core::catalog::{CommitSpec, Connector, SinkContext, SinkPlan, TableDef};
use weft_core::config::{self, Configuration};
use weft_core::{Result, WeftError};

pub use options::{KAFKA_OPTIONS, KafkaOptions, ValueFormat};
pub use sink::{KafkaSinkConfig, KafkaSinkExec};
pub use source::{KafkaScanConfig, KafkaScanExec, KafkaTable};

pub struct KafkaConnector;

fn check_columns(t: &TableDef, o: &KafkaOptions) -> Result<()> {
    if t.columns.is_empty() {
        return Err(WeftError::table_option(
            &t.name,
            "connector 'kafka' needs declared columns",
        ));
    }
    if o.format == ValueFormat::Raw && t.columns.len() != 1 {
        return Err(WeftError::table_option(
            &t.name,
            format!(
                "format 'raw' has exactly one column (STRING or BYTES), the table declares {}",
                t.columns.len()
            ),
        ));
    }
    Ok(())
}

/// Changelog formats need a streaming job, which reads them with each row's kind.
fn check_changelog(t: &TableDef, o: &KafkaOptions, streaming: bool) -> Result<()> {
    match o.format.cdc() {
        Some(cdc) if !streaming => Err(WeftError::table_option(
            &t.name,
            format!(
                "format '{}' produces a changelog (inserts, updates and deletes), which a batch job cannot read; run the script with execution.runtime-mode = streaming",
                cdc.name()
            ),
        )),
        _ => Ok(()),
    }
}

#[async_trait]
impl Connector for KafkaConnector {
    fn identifier(&self) -> &'static str {
        "kafka"
    }

    fn resolve_schema(&self, table: &TableDef) -> Result<arrow::datatypes::SchemaRef> {
        let o = KafkaOptions::from_table(table)?;
        check_columns(table, &o)?;
        Ok(table.schema())
    }

    fn readable_metadata(&self) -> Vec<(&'static str, arrow::datatypes::DataType)> {
        metadata::readable()
    }

    async fn create_source(
        &self,
        table: &TableDef,
        config: &Configuration,
    ) -> Result<Arc<dyn TableProvider>> {
        let options = KafkaOptions::from_table(table)?;
        check_columns(table, &options)?;
        let streaming = config.raw(config::STREAMING_CHECKPOINT_ID).is_some();
        check_changelog(table, &options, streaming)?;
        // A streaming epoch reads the ranges its checkpoint chose.
        let key = format!("{}.{}", config::STREAMING_KAFKA_RANGES, table.name);
        let ranges = match config.raw(&key) {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| WeftError::internal(format!("bad {key}: {e}")))?,
            None => {
                let o = options.clone();
                tokio::task::spawn_blocking(move || client::plan_ranges(&o))
                    .await
                    .map_err(|e| WeftError::internal(format!("planning the Kafka read: {e}")))??
            }
        };
        let metadata_keys = table.metadata_keys();
        let mut fields: Vec<arrow::datatypes::Field> = table.columns.clone();
        fields.extend(metadata_keys.iter().map(|k| metadata::field(k)));
        Ok(Arc::new(KafkaTable {
            options,
            schema: Arc::new(arrow::datatypes::Schema::new(fields)),
            metadata_keys,
            ranges,
        }))
    }

    async fn create_sink(
        &self,
        table: &TableDef,
        input: Arc<dyn ExecutionPlan>,
        ctx: &SinkContext,
    ) -> Result<SinkPlan> {
        let options = KafkaOptions::from_table(table)?;
        check_columns(table, &options)?;
        if let Some(cdc) = options.format.cdc() {
            return Err(WeftError::table_option(
                &table.name,
                format!(
                    "format '{}' is read-only in Weft: it cannot be written",
                    cdc.name()
                ),
            ));
        }
        let exactly_once = if options.delivery_guarantee == "exactly-once" {
            let (Some(app), Some(chk)) = (
                ctx.config.raw(weft_core::config::STREAMING_APP_ID),
                ctx.config
                    .raw(weft_core::config::STREAMING_CHECKPOINT_ID)
                    .and_then(|c| c.parse::<i64>().ok()),
            ) else {
                return Err(WeftError::table_option(
                    &table.name,
                    "sink.delivery-guarantee = exactly-once commits one Kafka transaction per checkpoint, and batch jobs have no checkpoints: use at-least-once, or run the job with execution.runtime-mode = streaming",
                ));
            };
            Some(transactional::ExactlyOnce {
                transactional_id_prefix: options
                    .transactional_id_prefix
                    .clone()
                    .unwrap_or_else(|| format!("weft-{app}-{}", table.name)),
                checkpoint_id: chk,
            })
        } else {
            None
        };
        Ok(SinkPlan {
            plan: Arc::new(KafkaSinkExec::new(
                input,
                KafkaSinkConfig {
                    table: table.name.clone(),
                    options,
                    exactly_once,
                },
            )),
            // Records are in Kafka once each subtask finishes: nothing to publish.
            commit: CommitSpec {
                connector: self.identifier().to_string(),
                table: table.name.clone(),
                spec: serde_json::Value::Null,
            },
        })
    }
}
