//! `weft run -f pipeline.yaml`: a Flink-CDC-style pipeline (`source`, `sink`, `route`,
//! `transform`, `pipeline`) ingesting many CDC topics into many Delta tables, run as a
//! streaming job (checkpointed epochs, see `streaming.rs`).
//!
//! At start the pipeline lists the broker's topics, captures those whose table id (the topic
//! without `topic-prefix.`) matches `tables`, and infers each table's columns from its records
//! (Debezium's embedded schema, Canal's `mysqlType`, or the row images' values: the earliest and
//! the latest record of each partition). Before every epoch it samples the first and last
//! record of the epoch's range per partition: a record whose columns differ from the table's
//! is a schema change, handled per `schema.change.behavior` — `exception` stops the pipeline
//! before that epoch (nothing of it is committed), `lenient` adds new columns to the source and
//! sink tables (Delta adds them to the table's schema; older rows read null), `ignore` keeps the
//! tables as they are. Topics created after the start are captured at the next start.

pub mod def;
pub mod schema;
pub mod translate;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use weft_connectors::kafka::options::Position;
use weft_connectors::kafka::{KafkaOptions, client, discover};
use weft_core::catalog::{ConnectorRegistry, TableDef};
use weft_core::config::Configuration;

use def::{PipelineDef, SchemaChange};
use schema::Observed;
use translate::SourceTable;

/// Whether `path` names a pipeline file rather than a SQL script.
pub fn is_pipeline(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml") | Some("yml")
    )
}

/// Kafka options for reading `topic` with the pipeline source's settings.
fn kafka_options(def: &PipelineDef, topic: &str) -> anyhow::Result<KafkaOptions> {
    let mut options: Vec<(String, String)> = vec![
        ("connector".into(), "kafka".into()),
        ("topic".into(), topic.into()),
        ("format".into(), def.format().into()),
    ];
    for (k, v) in &def.source {
        if k.starts_with("properties.") || k.contains("-json.") {
            options.push((k.clone(), v.clone()));
        }
    }
    let pairs: Vec<(&str, &str)> = options
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Ok(KafkaOptions::from_table(&TableDef::with_options(
        "pipeline source",
        &pairs,
    ))?)
}

/// What the records at these ranges show (edge samples), each with where it was read.
fn observe_ranges(
    def: &PipelineDef,
    o: &KafkaOptions,
    ranges: &BTreeMap<i32, (i64, i64)>,
) -> anyhow::Result<Vec<(i32, i64, Observed)>> {
    let mut out = Vec::new();
    for (p, off, payload) in discover::edge_records(o, ranges)? {
        let seen = schema::observe(def.format(), &payload)
            .map_err(|e| anyhow::anyhow!("topic {} partition {p} offset {off}: {e}", o.topic))?;
        if let Some(seen) = seen {
            out.push((p, off, seen));
        }
    }
    Ok(out)
}

/// Every captured table with its columns at start.
fn discover(def: &PipelineDef) -> anyhow::Result<Vec<SourceTable>> {
    let any = kafka_options(def, "_")?;
    let topics = discover::list_topics(&any)?;
    let mut tables = Vec::new();
    for topic in &topics {
        let Some(id) = def.table_of(topic) else {
            continue;
        };
        let mut o = kafka_options(def, topic)?;
        o.startup = Position::Earliest;
        o.bounded = Position::Latest;
        let ranges = client::plan_ranges(&o)?;
        let seen = observe_ranges(def, &o, &ranges)?;
        let Some((_, _, first)) = seen.first() else {
            eprintln!(
                "Pipeline: topic {topic} ({id}) has no records yet; it is captured at the next start"
            );
            continue;
        };
        let mut schema = first.clone();
        for (p, off, s) in &seen[1..] {
            if def.schema_change == SchemaChange::Exception && s.names() != first.names() {
                anyhow::bail!(
                    "schema change in source table {id} (topic {topic} partition {p} offset {off}): its records have columns ({}) and ({}); schema.change.behavior = exception",
                    first.names().join(", "),
                    s.names().join(", ")
                );
            }
            schema.union(s);
        }
        tables.push(SourceTable {
            id,
            topic: topic.clone(),
            schema,
        });
    }
    if tables.is_empty() {
        anyhow::bail!(
            "no topic at {} holds a table matching tables '{}' (topics there: {})",
            any.bootstrap(),
            def.source["tables"],
            if topics.is_empty() {
                "none".to_string()
            } else {
                topics.join(", ")
            }
        );
    }
    Ok(tables)
}

/// Checks each epoch's records for schema changes; re-plans the script on `lenient` ones.
struct SchemaWatch {
    def: PipelineDef,
    tables: Vec<SourceTable>,
}

impl crate::streaming::EpochHook for SchemaWatch {
    async fn before_epoch(
        &mut self,
        ranges: &BTreeMap<String, BTreeMap<i32, (i64, i64)>>,
    ) -> anyhow::Result<Option<String>> {
        if self.def.schema_change == SchemaChange::Ignore {
            return Ok(None);
        }
        let mut changed = false;
        for t in self.tables.iter_mut() {
            let Some(r) = ranges.get(&translate::source_name(&t.id)) else {
                continue;
            };
            let o = kafka_options(&self.def, &t.topic)?;
            let (def, r) = (&self.def, r.clone());
            let seen = tokio::task::block_in_place(|| observe_ranges(def, &o, &r))?;
            for (p, off, s) in seen {
                let (added, dropped) = t.schema.diff(&s);
                if added.is_empty() && dropped.is_empty() {
                    continue;
                }
                let what = format!(
                    "schema change in source table {} (topic {} partition {p} offset {off}):{}{}",
                    t.id,
                    t.topic,
                    if added.is_empty() {
                        String::new()
                    } else {
                        format!(" column(s) added: {}", added.join(", "))
                    },
                    if dropped.is_empty() {
                        String::new()
                    } else {
                        format!(" column(s) dropped: {}", dropped.join(", "))
                    },
                );
                match self.def.schema_change {
                    SchemaChange::Exception => {
                        anyhow::bail!(
                            "{what}; schema.change.behavior = exception stops the pipeline (nothing of this epoch was committed)"
                        );
                    }
                    _ if added.is_empty() => {}
                    _ => {
                        eprintln!(
                            "Pipeline: {what}; lenient: adding {} to the tables",
                            added.join(", ")
                        );
                        t.schema.union(&s);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return Ok(None);
        }
        Ok(Some(
            translate::script(&self.def, &self.tables)
                .await
                .map_err(|e| anyhow::anyhow!("after a schema change: {e}"))?,
        ))
    }
}

/// Run the pipeline in `text` (the file `path`) on the local cluster at `jobmanager`.
pub async fn run(
    path: &Path,
    text: &str,
    config: &Configuration,
    registry: &ConnectorRegistry,
    resume: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let at = path.display().to_string();
    let def = def::parse(text).map_err(|e| anyhow::anyhow!("pipeline {at}: {e}"))?;
    let d = def.clone();
    let tables = tokio::task::spawn_blocking(move || discover(&d))
        .await?
        .map_err(|e| anyhow::anyhow!("pipeline {at}: {e:#}"))?;
    let script = translate::script(&def, &tables)
        .await
        .map_err(|e| anyhow::anyhow!("pipeline {at}: {e}"))?;
    eprintln!(
        "Pipeline: {} table(s): {}",
        tables.len(),
        tables
            .iter()
            .map(|t| format!("{} -> {}", t.id, def.sink_of(&t.id)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let name = def
        .name
        .clone()
        .map(|n| n.replace(char::is_whitespace, "-"))
        .unwrap_or_else(|| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "weft-pipeline".into())
        });
    let settings = crate::streaming::with_script_settings(&script, config)?;
    let cluster = crate::local_cluster::LocalCluster::start(&settings, registry.clone()).await?;
    eprintln!("Web UI at http://{}/", cluster.web);
    let mut watch = SchemaWatch { def, tables };
    let outcome = crate::streaming::run(
        &script,
        &name,
        config,
        registry,
        &cluster.jobmanager.peer(),
        resume,
        Some(&mut watch),
    )
    .await;
    cluster.stop().await;
    outcome
}
