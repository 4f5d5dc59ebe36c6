//! rdkafka clients from a table's options, and the offset look-ups a bounded read is planned
//! with. The calls block: run them on a blocking thread.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use weft_core::{Result, WeftError};

use super::options::{KafkaOptions, Position};

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The client configuration: `properties.*`, then Weft's settings for reads.
pub fn config(o: &KafkaOptions) -> ClientConfig {
    let mut c = ClientConfig::new();
    for (k, v) in &o.properties {
        c.set(k, v);
    }
    c
}

pub fn unreachable(o: &KafkaOptions, e: impl std::fmt::Display) -> WeftError {
    WeftError::Unreachable {
        what: "Kafka".into(),
        address: o.bootstrap().to_string(),
        message: e.to_string(),
    }
}

pub fn consumer(o: &KafkaOptions) -> Result<BaseConsumer> {
    let mut c = config(o);
    if !o.properties.contains_key("group.id") {
        c.set("group.id", "weft");
    }
    c.set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .set("isolation.level", "read_committed")
        .create()
        .map_err(|e| unreachable(o, e))
}

/// A streaming epoch's ranges: from the checkpointed offsets (or the startup mode, first),
/// to the bound (`scan.bounded.mode`) or, unbounded, to what the partitions hold now.
pub fn plan_epoch(
    o: &KafkaOptions,
    checkpointed: Option<&BTreeMap<i32, i64>>,
) -> Result<BTreeMap<i32, (i64, i64)>> {
    let mut o = o.clone();
    if let Some(offsets) = checkpointed {
        o.startup = Position::Specific(offsets.clone());
    }
    if o.bounded == Position::Unbounded {
        o.bounded = Position::Latest;
    }
    plan_ranges(&o)
}

/// Each partition's read range `[start, end)`, fixed at planning so a re-executed subtask
/// reads exactly the same records.
pub fn plan_ranges(o: &KafkaOptions) -> Result<BTreeMap<i32, (i64, i64)>> {
    let c = consumer(o)?;
    let md = c
        .fetch_metadata(Some(&o.topic), TIMEOUT)
        .map_err(|e| unreachable(o, e))?;
    let topic = md
        .topics()
        .iter()
        .find(|t| t.name() == o.topic)
        .ok_or_else(|| unreachable(o, format!("no metadata for topic {}", o.topic)))?;
    if let Some(e) = topic.error() {
        return Err(WeftError::io(format!(
            "Kafka at {}: topic '{}' cannot be read ({e:?}); does it exist?",
            o.bootstrap(),
            o.topic
        )));
    }
    let partitions: Vec<i32> = topic.partitions().iter().map(|p| p.id()).collect();
    if partitions.is_empty() {
        return Err(WeftError::io(format!(
            "Kafka at {}: topic '{}' does not exist",
            o.bootstrap(),
            o.topic
        )));
    }
    let mut watermarks = BTreeMap::new();
    for &p in &partitions {
        let (low, high) = c
            .fetch_watermarks(&o.topic, p, TIMEOUT)
            .map_err(|e| unreachable(o, e))?;
        watermarks.insert(p, (low, high));
    }
    let start = resolve(o, &c, &o.startup, &watermarks, true)?;
    let end = resolve(o, &c, &o.bounded, &watermarks, false)?;
    Ok(partitions
        .iter()
        .map(|p| {
            let s = start[p];
            (*p, (s, end[p].max(s)))
        })
        .collect())
}

fn resolve(
    o: &KafkaOptions,
    c: &BaseConsumer,
    pos: &Position,
    watermarks: &BTreeMap<i32, (i64, i64)>,
    is_start: bool,
) -> Result<BTreeMap<i32, i64>> {
    let list = |offset: Offset| {
        let mut tpl = TopicPartitionList::new();
        for p in watermarks.keys() {
            tpl.add_partition_offset(&o.topic, *p, offset)
                .expect("valid offset");
        }
        tpl
    };
    let from = |tpl: TopicPartitionList, fallback: &dyn Fn(i32) -> i64| {
        watermarks
            .keys()
            .map(|p| {
                let off = tpl
                    .find_partition(&o.topic, *p)
                    .map(|e| e.offset())
                    .unwrap_or(Offset::Invalid);
                let v = match off {
                    Offset::Offset(n) => n,
                    _ => fallback(*p),
                };
                (*p, v)
            })
            .collect::<BTreeMap<i32, i64>>()
    };
    let high = |p: i32| watermarks[&p].1;
    let low = |p: i32| watermarks[&p].0;
    Ok(match pos {
        Position::Earliest => watermarks.iter().map(|(p, (l, _))| (*p, *l)).collect(),
        Position::Latest => watermarks.iter().map(|(p, (_, h))| (*p, *h)).collect(),
        Position::GroupOffsets => {
            let committed = c
                .committed_offsets(list(Offset::Invalid), TIMEOUT)
                .map_err(|e| unreachable(o, e))?;
            // No committed offset: start from the earliest (Flink's default reset), end at
            // the latest.
            if is_start {
                from(committed, &low)
            } else {
                from(committed, &high)
            }
        }
        Position::Timestamp(ts) => {
            let found = c
                .offsets_for_times(list(Offset::Offset(*ts)), TIMEOUT)
                .map_err(|e| unreachable(o, e))?;
            // No record at or after the time: the partition's end.
            from(found, &high)
        }
        Position::Specific(map) => watermarks
            .keys()
            .map(|p| {
                (
                    *p,
                    map.get(p)
                        .copied()
                        .unwrap_or(if is_start { low(*p) } else { high(*p) }),
                )
            })
            .collect(),
        Position::Unbounded => {
            return Err(WeftError::config(
                "scan.bounded.mode",
                format!(
                    "topic '{}' is read without an end, which a batch job cannot do; set 'scan.bounded.mode' (latest-offset, group-offsets, timestamp or specific-offsets)",
                    o.topic
                ),
            ));
        }
    })
}
