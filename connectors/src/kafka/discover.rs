//! What a CDC pipeline learns from the broker before it plans: the topics there are, and
//! sample records (the first and last of each partition's range) to infer a table's columns
//! from and to spot schema changes. The calls block: run them on a blocking thread.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use weft_core::Result;

use super::client::{self, TIMEOUT};
use super::options::KafkaOptions;

/// The broker's topics (internal ones, `__…`, left out), sorted.
pub fn list_topics(o: &KafkaOptions) -> Result<Vec<String>> {
    let c = client::consumer(o)?;
    let md = c
        .fetch_metadata(None, TIMEOUT)
        .map_err(|e| client::unreachable(o, e))?;
    let mut topics: Vec<String> = md
        .topics()
        .iter()
        .map(|t| t.name().to_string())
        .filter(|n| !n.starts_with("__"))
        .collect();
    topics.sort();
    Ok(topics)
}

/// A sampled record: partition, offset, value.
pub type Sample = (i32, i64, Vec<u8>);

/// The first and the last record of each partition's range `[start, end)` of `o.topic`.
pub fn edge_records(o: &KafkaOptions, ranges: &BTreeMap<i32, (i64, i64)>) -> Result<Vec<Sample>> {
    let firsts: BTreeMap<i32, i64> = ranges
        .iter()
        .filter(|(_, (s, e))| e > s)
        .map(|(p, (s, _))| (*p, *s))
        .collect();
    let lasts: BTreeMap<i32, i64> = ranges
        .iter()
        .filter(|(_, (s, e))| *e > s + 1)
        .map(|(p, (_, e))| (*p, e - 1))
        .collect();
    let mut out = read_at(o, &firsts, ranges)?;
    out.extend(read_at(o, &lasts, ranges)?);
    out.sort_by_key(|(p, off, _)| (*p, *off));
    Ok(out)
}

/// One record per partition: the first at or after `at[p]` and before the range's end.
fn read_at(
    o: &KafkaOptions,
    at: &BTreeMap<i32, i64>,
    ranges: &BTreeMap<i32, (i64, i64)>,
) -> Result<Vec<Sample>> {
    if at.is_empty() {
        return Ok(vec![]);
    }
    let c: BaseConsumer = client::consumer(o)?;
    let mut tpl = TopicPartitionList::new();
    for (p, off) in at {
        tpl.add_partition_offset(&o.topic, *p, Offset::Offset(*off))
            .map_err(|e| client::unreachable(o, e))?;
    }
    c.assign(&tpl).map_err(|e| client::unreachable(o, e))?;
    let mut waiting: BTreeMap<i32, i64> = at.clone();
    let mut out = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    while !waiting.is_empty() && Instant::now() < deadline {
        let Some(m) = c.poll(Duration::from_millis(200)) else {
            continue;
        };
        let m = m.map_err(|e| client::unreachable(o, e))?;
        let p = m.partition();
        let end = ranges.get(&p).map_or(0, |r| r.1);
        if waiting.contains_key(&p) && m.offset() < end {
            out.push((p, m.offset(), m.payload().unwrap_or_default().to_vec()));
            waiting.remove(&p);
        }
    }
    Ok(out)
}
