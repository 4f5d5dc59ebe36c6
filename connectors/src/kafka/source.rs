//! The scan side of a `kafka` table in a batch job: each partition's `[start, end)` offsets
//! are fixed at planning ([`super::client::plan_ranges`]); subtask `i` reads the Kafka
//! partitions `p` with `index(p) % subtasks == i`, assigned (no consumer-group rebalancing).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::Result as DfResult;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use rdkafka::consumer::Consumer;
use rdkafka::message::Message;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use weft_core::Result;
use weft_core::error::to_datafusion;

use super::client;
use super::decode::{Decoder, Record};
use super::metadata::RecordMeta;
use super::options::KafkaOptions;
use crate::exec_util::{SerdeField, check_partition, leaf_properties, schema_of};

#[derive(Debug)]
pub struct KafkaTable {
    pub options: KafkaOptions,
    /// The physical columns, then one per METADATA key read.
    pub schema: SchemaRef,
    pub metadata_keys: Vec<String>,
    /// partition → [start, end)
    pub ranges: BTreeMap<i32, (i64, i64)>,
}

#[async_trait]
impl TableProvider for KafkaTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let config = KafkaScanConfig {
            options: self.options.clone(),
            schema: self
                .schema
                .fields()
                .iter()
                .map(|f| SerdeField::from_field(f))
                .collect(),
            projection: projection.cloned(),
            metadata_keys: self.metadata_keys.clone(),
            ranges: self.ranges.iter().map(|(p, r)| (*p, *r)).collect(),
            partitions: state.config().target_partitions().max(1),
            batch_size: state.config().batch_size(),
        };
        Ok(Arc::new(KafkaScanExec::try_new(config)?))
    }
}

/// What a `KafkaScanExec` is, as serialized by the codec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KafkaScanConfig {
    pub options: KafkaOptions,
    /// The table's columns, as decoded.
    pub(crate) schema: Vec<SerdeField>,
    /// The columns the scan returns.
    pub projection: Option<Vec<usize>>,
    /// The METADATA keys read: the last columns of `schema`.
    #[serde(default)]
    pub metadata_keys: Vec<String>,
    /// (partition, start, end)
    pub ranges: Vec<(i32, (i64, i64))>,
    pub partitions: usize,
    pub batch_size: usize,
}

#[derive(Debug)]
pub struct KafkaScanExec {
    config: KafkaScanConfig,
    full: SchemaRef,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl KafkaScanExec {
    pub fn try_new(config: KafkaScanConfig) -> DfResult<Self> {
        let full = schema_of(&config.schema)?;
        let mut fields: Vec<arrow::datatypes::Field> = match &config.projection {
            Some(p) => p.iter().map(|&i| full.field(i).clone()).collect(),
            None => full.fields().iter().map(|f| f.as_ref().clone()).collect(),
        };
        if config.options.format.cdc().is_some() {
            fields.extend(changelog_fields());
        }
        let schema = Arc::new(arrow::datatypes::Schema::new(fields));
        let properties = leaf_properties(schema.clone(), config.partitions);
        Ok(Self {
            config,
            full,
            schema,
            properties,
        })
    }

    pub fn config(&self) -> &KafkaScanConfig {
        &self.config
    }

    fn ranges_of(&self, subtask: usize) -> Vec<(i32, i64, i64)> {
        self.config
            .ranges
            .iter()
            .enumerate()
            .filter(|(i, _)| i % self.config.partitions.max(1) == subtask)
            .map(|(_, (p, (s, e)))| (*p, *s, *e))
            .filter(|(_, s, e)| e > s)
            .collect()
    }
}

impl DisplayAs for KafkaScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let records: i64 = self.config.ranges.iter().map(|(_, (s, e))| e - s).sum();
        write!(
            f,
            "KafkaScanExec: topic={}, format={}, kafka_partitions={}, records={records}",
            self.config.options.topic,
            self.config.options.format.name(),
            self.config.ranges.len()
        )
    }
}

impl ExecutionPlan for KafkaScanExec {
    crate::exec_util::leaf_exec_methods!("KafkaScanExec");

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        check_partition("KafkaScanExec", partition, self.config.partitions)?;
        let ranges = self.ranges_of(partition);
        let options = self.config.options.clone();
        let schema = self.full.clone();
        let n = schema.fields().len();
        let mut projection = self.config.projection.clone();
        if options.format.cdc().is_some() {
            // The decoder appends the row kind and order after the declared columns.
            let mut p = projection.unwrap_or_else(|| (0..n).collect());
            p.extend([n, n + 1]);
            projection = Some(p);
        }
        let batch_size = self.config.batch_size.max(1);
        let keys = self.config.metadata_keys.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        tokio::task::spawn_blocking(move || {
            if let Err(e) = read(
                &options, schema, &keys, projection, &ranges, batch_size, &tx,
            ) {
                let _ = tx.blocking_send(Err(to_datafusion(e)));
            }
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }
}

/// The row kind and order columns a changelog scan appends.
pub fn changelog_fields() -> [arrow::datatypes::Field; 2] {
    use crate::formats::{ROW_KIND_COLUMN, SEQ_COLUMN};
    use arrow::datatypes::{DataType, Field};
    [
        Field::new(ROW_KIND_COLUMN, DataType::Int8, false),
        Field::new(SEQ_COLUMN, DataType::Int64, false),
    ]
}

/// What a Kafka message carries besides its payload, as Flink's metadata columns read it.
fn record_meta(m: &rdkafka::message::BorrowedMessage<'_>) -> RecordMeta {
    use rdkafka::message::{Headers, Timestamp};
    let (timestamp, timestamp_type) = match m.timestamp() {
        Timestamp::NotAvailable => (-1, "NoTimestampType"),
        Timestamp::CreateTime(t) => (t, "CreateTime"),
        Timestamp::LogAppendTime(t) => (t, "LogAppendTime"),
    };
    let headers = m
        .headers()
        .map(|h| {
            h.iter()
                .map(|h| (h.key.to_string(), h.value.map(|v| v.to_vec())))
                .collect()
        })
        .unwrap_or_default();
    // SAFETY: the message pointer is valid while `m` is borrowed; librdkafka only reads it.
    let epoch = unsafe { rdkafka_sys::rd_kafka_message_leader_epoch(m.ptr()) };
    RecordMeta {
        timestamp,
        timestamp_type,
        headers,
        leader_epoch: (epoch >= 0).then_some(epoch),
    }
}

type BatchTx = tokio::sync::mpsc::Sender<DfResult<arrow::array::RecordBatch>>;

/// Read the ranges to their ends, sending decoded batches; blocking.
fn read(
    options: &KafkaOptions,
    schema: SchemaRef,
    keys: &[String],
    projection: Option<Vec<usize>>,
    ranges: &[(i32, i64, i64)],
    batch_size: usize,
    tx: &BatchTx,
) -> Result<()> {
    if ranges.is_empty() {
        return Ok(());
    }
    let consumer = client::consumer(options)?;
    let mut tpl = TopicPartitionList::new();
    let mut ends = BTreeMap::new();
    for (p, s, e) in ranges {
        tpl.add_partition_offset(&options.topic, *p, Offset::Offset(*s))
            .map_err(|e| client::unreachable(options, e))?;
        ends.insert(*p, *e);
    }
    consumer
        .assign(&tpl)
        .map_err(|e| client::unreachable(options, e))?;
    let payload = Arc::new(arrow::datatypes::Schema::new(
        schema.fields()[..schema.fields().len() - keys.len()].to_vec(),
    ));
    let mut decoder = Decoder::new(options.clone(), payload, keys.to_vec());
    let mut pending: Vec<Record> = Vec::with_capacity(batch_size);
    let mut last_progress = Instant::now();
    let send = |decoder: &mut Decoder, pending: &mut Vec<Record>| -> Result<bool> {
        if pending.is_empty() {
            return Ok(true);
        }
        let mut batch = decoder.decode(pending)?;
        pending.clear();
        if let Some(p) = &projection {
            batch = batch.project(p)?;
        }
        Ok(batch.num_rows() == 0 || tx.blocking_send(Ok(batch)).is_ok())
    };
    while !ends.is_empty() {
        match consumer.poll(Duration::from_millis(200)) {
            None => {
                if last_progress.elapsed() > client::TIMEOUT * 3 {
                    return Err(client::unreachable(
                        options,
                        format!(
                            "no records for 30 s while partitions {:?} of '{}' still had records to read",
                            ends.keys().collect::<Vec<_>>(),
                            options.topic
                        ),
                    ));
                }
            }
            Some(Err(e)) => return Err(client::unreachable(options, e)),
            Some(Ok(m)) => {
                last_progress = Instant::now();
                let (p, off) = (m.partition(), m.offset());
                let Some(&end) = ends.get(&p) else { continue };
                if off < end {
                    pending.push(Record {
                        partition: p,
                        offset: off,
                        value: m.payload().unwrap_or_default().to_vec(),
                        meta: (!keys.is_empty()).then(|| Box::new(record_meta(&m))),
                    });
                }
                if off + 1 >= end {
                    ends.remove(&p);
                    consumer
                        .incremental_unassign(&{
                            let mut t = TopicPartitionList::new();
                            t.add_partition(&options.topic, p);
                            t
                        })
                        .ok();
                }
                if pending.len() >= batch_size && !send(&mut decoder, &mut pending)? {
                    return Ok(());
                }
            }
        }
    }
    send(&mut decoder, &mut pending)?;
    if decoder.skipped > 0 {
        tracing::warn!(
            topic = %options.topic,
            "skipped {} malformed {} record(s) ({}.ignore-parse-errors)",
            decoder.skipped,
            options.format.name(),
            options.format.name()
        );
    }
    Ok(())
}
