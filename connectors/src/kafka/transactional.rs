//! The exactly-once Kafka sink of a streaming job: each sink subtask writes its share of a
//! checkpoint's records in one Kafka transaction, with transactional id
//! `<sink.transactional-id-prefix>-<subtask>`, and commits it together with a marker — the
//! checkpoint id as the committed offset of consumer group `<prefix>-<subtask>` on the
//! topic's partition 0 (`sendOffsetsToTransaction`), so records and marker become visible
//! atomically.
//!
//! A replay of the checkpoint (region failover after the subtask committed, or a job that
//! died before its checkpoint was written; the epoch's ranges are replayed exactly) first
//! fences the earlier producer (`initTransactions`, which aborts its open transaction), then
//! reads the marker: a subtask whose checkpoint is already committed sends nothing. So
//! `read_committed` consumers see every record once.
//!
//! A subtask's share must be the same on replay: the same source ranges go to the same
//! subtask, and rows reach the sink through forward or hash edges (not round-robin).

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use weft_core::{Result, WeftError};

use super::client;
use super::options::KafkaOptions;

const TIMEOUT: Duration = Duration::from_secs(60);

/// What an exactly-once sink subtask needs to know (in the sink's config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExactlyOnce {
    pub transactional_id_prefix: String,
    pub checkpoint_id: i64,
}

fn kafka_err(o: &KafkaOptions, what: &str, e: impl std::fmt::Display) -> WeftError {
    WeftError::Unreachable {
        what: format!("Kafka ({what} on topic {})", o.topic),
        address: o.bootstrap().to_string(),
        message: e.to_string(),
    }
}

/// One subtask's transaction for one checkpoint.
pub struct Transaction {
    pub producer: FutureProducer,
    marker: BaseConsumer,
    o: KafkaOptions,
    checkpoint_id: i64,
    transactional_id: String,
}

impl Transaction {
    /// Fence earlier attempts of this subtask and read its marker. Blocking. `None` when the
    /// checkpoint is already committed for this subtask (nothing to send).
    pub fn start(o: &KafkaOptions, eo: &ExactlyOnce, subtask: usize) -> Result<Option<Self>> {
        let transactional_id = format!("{}-{subtask}", eo.transactional_id_prefix);
        let producer: FutureProducer = client::config(o)
            .set("transactional.id", &transactional_id)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .create()
            .map_err(|e| client::unreachable(o, e))?;
        producer
            .init_transactions(TIMEOUT)
            .map_err(|e| kafka_err(o, "initTransactions", e))?;
        let marker: BaseConsumer = client::config(o)
            .set("group.id", &transactional_id)
            .set("enable.auto.commit", "false")
            .set("isolation.level", "read_committed")
            .create()
            .map_err(|e| client::unreachable(o, e))?;
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition(&o.topic, 0);
        let committed = marker
            .committed_offsets(tpl, TIMEOUT)
            .map_err(|e| kafka_err(o, "reading the commit marker", e))?;
        let done = committed
            .find_partition(&o.topic, 0)
            .and_then(|p| match p.offset() {
                Offset::Offset(n) => Some(n),
                _ => None,
            });
        if done.is_some_and(|d| d >= eo.checkpoint_id) {
            tracing::info!(
                transactional_id,
                checkpoint = eo.checkpoint_id,
                "checkpoint already committed by this subtask; sending nothing"
            );
            return Ok(None);
        }
        producer
            .begin_transaction()
            .map_err(|e| kafka_err(o, "beginTransaction", e))?;
        Ok(Some(Self {
            producer,
            marker,
            o: o.clone(),
            checkpoint_id: eo.checkpoint_id,
            transactional_id,
        }))
    }

    /// Commit the records sent with the marker. Blocking; every send must be acknowledged.
    pub fn commit(self) -> Result<()> {
        let o = &self.o;
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset(&o.topic, 0, Offset::Offset(self.checkpoint_id))
            .map_err(|e| kafka_err(o, "the commit marker", e))?;
        let group = self
            .marker
            .group_metadata()
            .ok_or_else(|| kafka_err(o, "the commit marker", "no consumer group metadata"))?;
        let res = self
            .producer
            .send_offsets_to_transaction(&offsets, &group, TIMEOUT)
            .and_then(|()| self.producer.commit_transaction(TIMEOUT));
        if let Err(e) = res {
            let _ = self.producer.abort_transaction(TIMEOUT);
            return Err(kafka_err(o, "commitTransaction", e));
        }
        tracing::info!(
            transactional_id = self.transactional_id,
            checkpoint = self.checkpoint_id,
            "Kafka transaction committed"
        );
        Ok(())
    }

    /// Abort after a failure (best effort: the next attempt's initTransactions aborts it too).
    pub fn abort(self) {
        let _ = self.producer.abort_transaction(Duration::from_secs(10));
    }
}
