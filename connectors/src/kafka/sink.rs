//! `KafkaSinkExec`: each subtask sends its rows as records of the table's format (json, csv
//! or raw) and waits for every acknowledgement (`acks=all`) before it finishes, so a
//! subtask that finished has its records in Kafka (at-least-once). With
//! `sink.delivery-guarantee = exactly-once` (streaming jobs) the records of a checkpoint go
//! in one transaction per subtask, committed once ([`super::transactional`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use arrow::array::{Array, RecordBatch, UInt64Array};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use futures::StreamExt;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde::{Deserialize, Serialize};
use weft_core::catalog::sink_summary_schema;
use weft_core::error::to_datafusion;

use super::client;
use super::options::{KafkaOptions, ValueFormat};
use super::transactional::{ExactlyOnce, Transaction};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KafkaSinkConfig {
    pub table: String,
    pub options: KafkaOptions,
    /// Set for `sink.delivery-guarantee = exactly-once`.
    #[serde(default)]
    pub exactly_once: Option<ExactlyOnce>,
}

fn summary(rows: u64, bytes: u64) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(
        sink_summary_schema(),
        vec![
            Arc::new(UInt64Array::from(vec![rows])),
            Arc::new(UInt64Array::from(vec![bytes])),
        ],
    )?)
}

#[derive(Debug)]
pub struct KafkaSinkExec {
    input: Arc<dyn ExecutionPlan>,
    config: KafkaSinkConfig,
    properties: Arc<PlanProperties>,
}

impl KafkaSinkExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, config: KafkaSinkConfig) -> Self {
        let properties = crate::exec_util::sink_properties(&input);
        Self {
            input,
            config,
            properties,
        }
    }

    pub fn config(&self) -> &KafkaSinkConfig {
        &self.config
    }
}

impl DisplayAs for KafkaSinkExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "KafkaSinkExec: table={}, topic={}, format={}",
            self.config.table,
            self.config.options.topic,
            self.config.options.format.name()
        )
    }
}

/// Each row of `batch` as one record value.
pub fn encode_rows(
    format: ValueFormat,
    delimiter: u8,
    batch: &RecordBatch,
) -> Result<Vec<Vec<u8>>> {
    Ok(match format {
        ValueFormat::Raw => {
            let col = batch.column(0);
            if let Some(s) = col.as_any().downcast_ref::<arrow::array::StringArray>() {
                (0..s.len())
                    .map(|i| s.value(i).as_bytes().to_vec())
                    .collect()
            } else if let Some(b) = col.as_any().downcast_ref::<arrow::array::BinaryArray>() {
                (0..b.len()).map(|i| b.value(i).to_vec()).collect()
            } else {
                return Err(DataFusionError::Plan(format!(
                    "format 'raw' writes one STRING or BYTES column, not {}",
                    col.data_type()
                )));
            }
        }
        // Flink's json and csv formats, one record per row (JSON text holds no raw newline;
        // a CSV row may, inside quotes, so each row is encoded on its own)
        ValueFormat::Json => {
            let out = crate::filesystem::json_write::encode(batch, &Default::default())?;
            out.split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect()
        }
        ValueFormat::Csv => {
            let o = crate::filesystem::options::CsvOptions {
                delimiter,
                ..Default::default()
            };
            (0..batch.num_rows())
                .map(|i| {
                    let mut line = crate::filesystem::csv_write::encode(&batch.slice(i, 1), &o)?;
                    line.pop();
                    Ok(line)
                })
                .collect::<Result<Vec<_>>>()?
        }
        other => {
            return Err(DataFusionError::Plan(format!(
                "format '{}' cannot be written by a batch job",
                other.name()
            )));
        }
    })
}

impl ExecutionPlan for KafkaSinkExec {
    crate::exec_util::sink_exec_methods!("KafkaSinkExec");

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let mut input = self.input.execute(partition, context)?;
        let o = self.config.options.clone();
        let eo = self.config.exactly_once.clone();
        let fut = async move {
            let txn = match eo {
                None => None,
                Some(eo) => {
                    let oo = o.clone();
                    let started = tokio::task::spawn_blocking(move || {
                        Transaction::start(&oo, &eo, partition)
                    })
                    .await
                    .map_err(|e| DataFusionError::External(Box::new(e)))?
                    .map_err(to_datafusion)?;
                    match started {
                        Some(t) => Some(t),
                        None => {
                            // Already committed by an earlier attempt: consume, send nothing.
                            while let Some(b) = input.next().await {
                                b?;
                            }
                            return summary(0, 0);
                        }
                    }
                }
            };
            let producer: FutureProducer = match &txn {
                Some(t) => t.producer.clone(),
                None => client::config(&o)
                    .set("acks", "all")
                    .set("enable.idempotence", "true")
                    .create()
                    .map_err(|e| to_datafusion(client::unreachable(&o, e)))?,
            };
            let sent = send_all(&producer, &o, &mut input).await;
            match (sent, txn) {
                (Ok((rows, bytes)), Some(t)) => {
                    tokio::task::spawn_blocking(move || t.commit())
                        .await
                        .map_err(|e| DataFusionError::External(Box::new(e)))?
                        .map_err(to_datafusion)?;
                    summary(rows, bytes)
                }
                (Ok((rows, bytes)), None) => summary(rows, bytes),
                (Err(e), Some(t)) => {
                    let _ = tokio::task::spawn_blocking(move || t.abort()).await;
                    Err(e)
                }
                (Err(e), None) => Err(e),
            }
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            sink_summary_schema(),
            futures::stream::once(fut),
        )))
    }
}

/// Send every row of `input` and wait for every acknowledgement: (rows, bytes).
async fn send_all(
    producer: &FutureProducer,
    o: &KafkaOptions,
    input: &mut SendableRecordBatchStream,
) -> Result<(u64, u64)> {
    let (mut rows, mut bytes) = (0u64, 0u64);
    let mut inflight = futures::stream::FuturesUnordered::new();
    while let Some(batch) = input.next().await {
        for value in encode_rows(o.format, o.csv_delimiter, &batch?)? {
            rows += 1;
            bytes += value.len() as u64;
            let producer = producer.clone();
            let topic = o.topic.clone();
            inflight.push(async move {
                producer
                    .send(
                        FutureRecord::<(), Vec<u8>>::to(&topic).payload(&value),
                        Duration::from_secs(60),
                    )
                    .await
                    .map(|_| ())
                    .map_err(|(e, _)| e)
            });
            // Bound what is in flight (librdkafka batches underneath).
            while inflight.len() >= 10_000 {
                if let Some(r) = inflight.next().await {
                    r.map_err(|e| to_datafusion(client::unreachable(o, e)))?;
                }
            }
        }
    }
    while let Some(r) = inflight.next().await {
        r.map_err(|e| to_datafusion(client::unreachable(o, e)))?;
    }
    Ok((rows, bytes))
}
