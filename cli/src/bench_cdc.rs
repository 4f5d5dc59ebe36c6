//! `weft bench cdc`: CDC ingest throughput from Kafka into Delta. In one run, against the
//! broker at `--bootstrap`: (1) the broker's own produce rate (Debezium JSON events written
//! with a plain producer), (2) its consume rate (a plain consumer reading them all back) —
//! the ceiling — and (3) a streaming Weft job upserting the events into a Delta table by
//! primary key until it has checkpointed them all; prints events/s of each and the ratio.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use weft_core::config::Configuration;

use crate::local_cluster::LocalCluster;

#[derive(clap::Args, Clone, Debug)]
pub struct CdcBenchArgs {
    /// Kafka bootstrap servers (e.g. the test broker: integration/kafka).
    #[arg(long)]
    pub bootstrap: String,
    /// Debezium events to ingest.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Distinct primary keys the events change (inserts first, then updates and deletes).
    #[arg(long, default_value_t = 100_000)]
    pub keys: u64,
    /// Topic partitions.
    #[arg(long, default_value_t = 2)]
    pub partitions: i32,
    /// Where the Delta table and checkpoints go (default: a temporary directory).
    #[arg(long = "work-dir")]
    pub work_dir: Option<std::path::PathBuf>,
    /// Extra Weft configuration, `-D key=value`.
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    pub dynamic: Vec<String>,
}

/// Event `i`: keys are inserted first, then updated, every 10th change a delete.
fn event(i: u64, keys: u64) -> (String, String) {
    let id = i % keys;
    let row = |b: u64| format!(r#"{{"id": {id}, "name": "customer-{id}", "balance": {b}}}"#);
    let value = if i < keys {
        format!(
            r#"{{"before": null, "after": {}, "op": "c", "ts_ms": {i}}}"#,
            row(i)
        )
    } else if i % 10 == 0 {
        format!(
            r#"{{"before": {}, "after": null, "op": "d", "ts_ms": {i}}}"#,
            row(i - keys)
        )
    } else {
        format!(
            r#"{{"before": {}, "after": {}, "op": "u", "ts_ms": {i}}}"#,
            row(i - keys),
            row(i)
        )
    };
    (id.to_string(), value)
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

pub async fn run(args: CdcBenchArgs) -> anyhow::Result<ExitCode> {
    let topic = format!("weft-bench-cdc-{}", uuid::Uuid::new_v4().simple());
    let mut base = ClientConfig::new();
    base.set("bootstrap.servers", &args.bootstrap);
    let admin: AdminClient<_> = base.create()?;
    let r = admin
        .create_topics(
            &[NewTopic::new(
                &topic,
                args.partitions,
                TopicReplication::Fixed(1),
            )],
            &AdminOptions::new(),
        )
        .await?;
    for x in r {
        x.map_err(|(t, e)| anyhow::anyhow!("creating topic {t} on {}: {e}", args.bootstrap))?;
    }

    // 1. The broker's produce rate (events keyed by primary key, as Debezium sends them).
    let producer: FutureProducer = base
        .clone()
        .set("linger.ms", "20")
        .set("batch.size", "1000000")
        .set("acks", "all")
        .create()?;
    eprintln!("Producing {} events to {topic} …", args.events);
    let t = Instant::now();
    let mut inflight = futures::stream::FuturesUnordered::new();
    for i in 0..args.events {
        let (key, value) = event(i, args.keys);
        let p = producer.clone();
        let topic = topic.clone();
        inflight.push(async move {
            p.send(
                FutureRecord::to(&topic).key(&key).payload(&value),
                Duration::from_secs(60),
            )
            .await
            .map(|_| ())
            .map_err(|(e, _)| e)
        });
        while inflight.len() >= 50_000 {
            use futures::StreamExt;
            inflight.next().await.transpose()?;
        }
    }
    {
        use futures::StreamExt;
        while let Some(r) = inflight.next().await {
            r?;
        }
    }
    let produce = t.elapsed();

    // 2. Its consume rate: everything read back by a plain consumer.
    let consumer: BaseConsumer = base
        .clone()
        .set("group.id", "weft-bench")
        .set("enable.auto.commit", "false")
        .create()?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..args.partitions {
        tpl.add_partition_offset(&topic, p, Offset::Beginning)?;
    }
    consumer.assign(&tpl)?;
    let t = Instant::now();
    let mut read = 0u64;
    while read < args.events {
        match consumer.poll(Duration::from_secs(10)) {
            Some(m) => {
                m?;
                read += 1;
            }
            None => anyhow::bail!("the consumer stalled at {read} of {} events", args.events),
        }
    }
    let consume = t.elapsed();

    // 3. Weft: a streaming job upserting them into Delta, bounded at what was produced.
    let tmp = tempfile::tempdir()?;
    let dir = args
        .work_dir
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let script = format!(
        "SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '1 s';
SET 'state.checkpoints.dir' = '{dir}/checkpoints';
CREATE TABLE cdc (id BIGINT, name STRING, balance BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '{topic}', 'properties.bootstrap.servers' = '{bootstrap}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
  'format' = 'debezium-json');
CREATE TABLE customers (id BIGINT, name STRING, balance BIGINT, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'delta', 'path' = 'file://{dir}/customers');
INSERT INTO customers SELECT id, name, balance FROM cdc;
",
        dir = dir.display(),
        bootstrap = args.bootstrap
    );
    let mut config = Configuration::new();
    for d in &args.dynamic {
        config.set_pair(d)?;
    }
    let registry = weft_connectors::default_registry();
    let settings = crate::streaming::with_script_settings(&script, &config)?;
    let cluster = LocalCluster::start(&settings, registry.clone()).await?;
    let t = Instant::now();
    let outcome = crate::streaming::run(
        &script,
        "bench-cdc",
        &config,
        &registry,
        &cluster.jobmanager.peer(),
        None,
        None::<&mut crate::streaming::NoHook>,
    )
    .await;
    let weft = t.elapsed();
    cluster.stop().await;
    outcome?;
    let (_, checkpoint) =
        crate::checkpoints::resolve(&dir.join("checkpoints").to_string_lossy()).await?;
    let ingested: i64 = checkpoint
        .offsets
        .get("cdc")
        .map(|m: &BTreeMap<i32, i64>| m.values().sum())
        .unwrap_or(0);

    println!();
    println!(
        "events {}  keys {}  partitions {}",
        args.events, args.keys, args.partitions
    );
    println!(
        "broker produce   {:>12.0} events/s  ({:.2} s)",
        rate(args.events, produce),
        produce.as_secs_f64()
    );
    println!(
        "broker consume   {:>12.0} events/s  ({:.2} s)  <- ceiling",
        rate(args.events, consume),
        consume.as_secs_f64()
    );
    println!(
        "weft cdc->delta  {:>12.0} events/s  ({:.2} s, {} checkpoint(s), {ingested} events)",
        rate(args.events, weft),
        weft.as_secs_f64(),
        checkpoint.id
    );
    println!(
        "weft / consume = {:.3}",
        rate(args.events, weft) / rate(args.events, consume)
    );
    Ok(ExitCode::SUCCESS)
}
