//! The pipeline file: Flink CDC's YAML shape (`source`, `sink`, `route`, `transform`,
//! `pipeline`), read into flat option maps and checked, every mistake named with what is
//! valid.

use std::collections::BTreeMap;

use regex::Regex;
use serde_yaml::Value;

pub type Options = BTreeMap<String, String>;

#[derive(Debug, Clone)]
pub struct Route {
    pub source_table: Regex,
    pub sink_table: String,
    /// `replace-symbol`: in `sink_table`, replaced by the source table's name.
    pub replace_symbol: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Transform {
    pub source_table: Option<Regex>,
    pub projection: Option<String>,
    pub filter: Option<String>,
    pub primary_keys: Vec<String>,
    pub partition_keys: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaChange {
    /// Stop the pipeline before the epoch with the change.
    Exception,
    /// Add new columns to the tables (nullable); keep dropped ones (nulls from then on).
    Lenient,
    /// Keep the tables as they are; new columns are not read.
    Ignore,
}

#[derive(Debug, Clone)]
pub struct PipelineDef {
    pub source: Options,
    pub sink: Options,
    pub routes: Vec<Route>,
    pub transforms: Vec<Transform>,
    pub name: Option<String>,
    pub parallelism: Option<String>,
    pub schema_change: SchemaChange,
    /// Other `pipeline` keys (Flink configuration, e.g. execution.checkpointing.interval).
    pub config: Options,
}

fn scalar(v: &Value, at: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!("{at}: expected a value (text, number or boolean)")),
    }
}

fn options(v: &Value, at: &str) -> Result<Options, String> {
    let map = v
        .as_mapping()
        .ok_or_else(|| format!("'{at}' must be a mapping of options"))?;
    map.iter()
        .map(|(k, v)| {
            let k = scalar(k, at)?;
            let v = scalar(v, &format!("{at}.{k}"))?;
            Ok((k, v))
        })
        .collect()
}

fn list(v: &Value, at: &str) -> Result<Vec<Options>, String> {
    match v {
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| options(item, &format!("{at}[{i}]")))
            .collect(),
        Value::Null => Ok(vec![]),
        _ => Err(format!("'{at}' must be a list")),
    }
}

fn check_keys(o: &Options, at: &str, valid: &[&str]) -> Result<(), String> {
    for k in o.keys() {
        if !valid.contains(&k.as_str()) {
            return Err(format!(
                "unknown key '{k}' in {at}; valid keys: {}",
                valid.join(", ")
            ));
        }
    }
    Ok(())
}

fn regex(pattern: &str, at: &str) -> Result<Regex, String> {
    Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| format!("{at}: bad table pattern '{pattern}': {e}"))
}

fn columns(v: Option<&String>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// Parse and check a pipeline file's text.
pub fn parse(text: &str) -> Result<PipelineDef, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let top = doc.as_mapping().ok_or(
        "a pipeline file is a YAML mapping with source, sink, route, transform and pipeline",
    )?;
    let mut source = None;
    let mut sink = None;
    let (mut routes, mut transforms, mut pipeline) = (vec![], vec![], Options::new());
    for (k, v) in top {
        match scalar(k, "top level")?.as_str() {
            "source" => source = Some(options(v, "source")?),
            "sink" => sink = Some(options(v, "sink")?),
            "route" => routes = list(v, "route")?,
            "transform" => transforms = list(v, "transform")?,
            "pipeline" => pipeline = options(v, "pipeline")?,
            other => {
                return Err(format!(
                    "unknown section '{other}'; a pipeline has source, sink, route, transform and pipeline"
                ));
            }
        }
    }
    let source = source.ok_or("the pipeline has no 'source' section")?;
    let sink = sink.ok_or("the pipeline has no 'sink' section")?;
    match source.get("type").map(String::as_str) {
        Some("kafka") => {}
        Some(other) => {
            return Err(format!(
                "source type '{other}': Weft's pipeline source is 'kafka' (CDC topics in debezium-json, canal-json or maxwell-json)"
            ));
        }
        None => return Err("the source has no 'type' (Weft's pipeline source is 'kafka')".into()),
    }
    if !source.contains_key("tables") {
        return Err(
            "the source has no 'tables' (patterns of the tables to capture, e.g. inventory\\..*)"
                .into(),
        );
    }
    for k in source.keys() {
        let known = [
            "type",
            "name",
            "tables",
            "topic-prefix",
            "value.format",
            "scan.startup.mode",
        ];
        if !known.contains(&k.as_str()) && !k.starts_with("properties.") && !k.contains("-json.") {
            return Err(format!(
                "unknown source option '{k}'; valid: {}, properties.*, <format>.* (e.g. debezium-json.schema-include)",
                known.join(", ")
            ));
        }
    }
    match sink.get("type").map(String::as_str) {
        Some("delta") => {}
        Some("iceberg") => return Err("sink type 'iceberg': Weft's Iceberg sink appends and a CDC pipeline applies updates and deletes; use 'delta'".into()),
        Some(other) => return Err(format!("sink type '{other}': Weft's pipeline sink is 'delta' (upserts by primary key)")),
        None => return Err("the sink has no 'type' (Weft's pipeline sink is 'delta')".into()),
    }
    check_keys(&sink, "sink", &["type", "name", "path", "warehouse"])?;
    if !sink.contains_key("path") && !sink.contains_key("warehouse") {
        return Err("the sink has no 'warehouse' (the directory the lake tables go under, <warehouse>/<db>/<table>)".into());
    }
    let routes = routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = format!("route[{i}]");
            check_keys(
                r,
                &at,
                &[
                    "source-table",
                    "sink-table",
                    "replace-symbol",
                    "description",
                ],
            )?;
            let src = r
                .get("source-table")
                .ok_or_else(|| format!("{at} has no 'source-table'"))?;
            Ok(Route {
                source_table: regex(src, &at)?,
                sink_table: r
                    .get("sink-table")
                    .ok_or_else(|| format!("{at} has no 'sink-table'"))?
                    .clone(),
                replace_symbol: r.get("replace-symbol").cloned(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let transforms = transforms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let at = format!("transform[{i}]");
            check_keys(
                t,
                &at,
                &[
                    "source-table",
                    "projection",
                    "filter",
                    "primary-keys",
                    "partition-keys",
                    "description",
                ],
            )?;
            Ok(Transform {
                source_table: t.get("source-table").map(|s| regex(s, &at)).transpose()?,
                projection: t.get("projection").cloned(),
                filter: t.get("filter").cloned(),
                primary_keys: columns(t.get("primary-keys")),
                partition_keys: columns(t.get("partition-keys")),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let schema_change = match pipeline
        .get("schema.change.behavior")
        .map(|s| s.to_ascii_lowercase())
    {
        None => SchemaChange::Lenient,
        Some(b) => match b.as_str() {
            "lenient" => SchemaChange::Lenient,
            "exception" => SchemaChange::Exception,
            "ignore" => SchemaChange::Ignore,
            other => {
                return Err(format!(
                    "pipeline schema.change.behavior '{other}': Weft supports exception, lenient and ignore"
                ));
            }
        },
    };
    let config = pipeline
        .iter()
        .filter(|(k, _)| !["name", "parallelism", "schema.change.behavior"].contains(&k.as_str()))
        .map(|(k, v)| {
            if k.contains('.') {
                Ok((k.clone(), v.clone()))
            } else {
                Err(format!("unknown pipeline option '{k}'; valid: name, parallelism, schema.change.behavior, and Flink configuration keys"))
            }
        })
        .collect::<Result<Options, String>>()?;
    Ok(PipelineDef {
        source,
        sink,
        routes,
        transforms,
        name: pipeline.get("name").cloned(),
        parallelism: pipeline.get("parallelism").cloned(),
        schema_change,
        config,
    })
}

impl PipelineDef {
    /// The source table id of a topic (`topic-prefix.` stripped), if `tables` captures it.
    pub fn table_of(&self, topic: &str) -> Option<String> {
        let id = match self.source.get("topic-prefix") {
            Some(p) => topic.strip_prefix(&format!("{}.", p.trim_end_matches('.')))?,
            None => topic,
        };
        let captured = self.source["tables"]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .any(|p| regex(p, "tables").map(|r| r.is_match(id)).unwrap_or(false));
        captured.then(|| id.to_string())
    }

    /// The sink table id a source table goes to (the first matching route; else its own id).
    pub fn sink_of(&self, table: &str) -> String {
        for r in &self.routes {
            if r.source_table.is_match(table) {
                return match &r.replace_symbol {
                    Some(sym) => {
                        let name = table.rsplit('.').next().unwrap_or(table);
                        r.sink_table.replace(sym.as_str(), name)
                    }
                    None => r.sink_table.clone(),
                };
            }
        }
        table.to_string()
    }

    /// The first transform for `table` (a transform without source-table applies to all).
    pub fn transform_of(&self, table: &str) -> Transform {
        self.transforms
            .iter()
            .find(|t| t.source_table.as_ref().is_none_or(|r| r.is_match(table)))
            .cloned()
            .unwrap_or_default()
    }

    pub fn format(&self) -> &str {
        self.source
            .get("value.format")
            .map(String::as_str)
            .unwrap_or("debezium-json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
source:
  type: kafka
  properties.bootstrap.servers: 127.0.0.1:9092
  topic-prefix: dbserver1
  tables: inventory\.customers, inventory\.orders_\d+
sink:
  type: delta
  warehouse: /lake
route:
  - source-table: inventory\.orders_\d+
    sink-table: lake.orders
  - source-table: inventory\.customers
    sink-table: ods.ods_<>
    replace-symbol: <>
transform:
  - source-table: inventory\.customers
    projection: id, UPPER(name) AS name
    filter: id > 0
    primary-keys: id
pipeline:
  name: sync
  parallelism: 2
  schema.change.behavior: exception
  execution.checkpointing.interval: 1 s
"#;

    #[test]
    fn a_pipeline_file_is_read_and_resolves_tables() {
        let p = parse(YAML).unwrap();
        assert_eq!(
            p.table_of("dbserver1.inventory.customers").as_deref(),
            Some("inventory.customers")
        );
        assert_eq!(
            p.table_of("dbserver1.inventory.orders_12").as_deref(),
            Some("inventory.orders_12")
        );
        assert_eq!(p.table_of("dbserver1.inventory.secrets"), None);
        assert_eq!(p.table_of("other.inventory.customers"), None);
        assert_eq!(p.sink_of("inventory.orders_3"), "lake.orders");
        assert_eq!(p.sink_of("inventory.customers"), "ods.ods_customers");
        assert_eq!(p.transform_of("inventory.customers").primary_keys, ["id"]);
        assert!(p.transform_of("inventory.orders_1").projection.is_none());
        assert_eq!(p.schema_change, SchemaChange::Exception);
        assert_eq!(p.config["execution.checkpointing.interval"], "1 s");
        assert_eq!(p.parallelism.as_deref(), Some("2"));
    }

    #[test]
    fn the_example_pipeline_is_valid() {
        let p = parse(include_str!("../../../examples/cdc-pipeline.yaml")).unwrap();
        assert_eq!(
            p.table_of("dbserver1.inventory.orders_7").as_deref(),
            Some("inventory.orders_7")
        );
        assert_eq!(p.sink_of("inventory.orders_7"), "lake.orders");
        assert_eq!(p.schema_change, SchemaChange::Lenient);
    }

    #[test]
    fn mistakes_are_named() {
        let e = |y: &str| parse(y).unwrap_err();
        assert!(
            e("source: {type: mysql, tables: a}\nsink: {type: delta, warehouse: /l}")
                .contains("'kafka'")
        );
        assert!(
            e("source: {type: kafka, tables: a}\nsink: {type: delta, warehouse: /l}\nroutes: []")
                .contains("unknown section 'routes'")
        );
        assert!(e("source: {type: kafka, tables: a}\nsink: {type: delta}").contains("'warehouse'"));
        assert!(e("source: {type: kafka, tables: a}\nsink: {type: delta, warehouse: /l}\npipeline: {schema.change.behavior: evolve}").contains("exception, lenient and ignore"));
        assert!(e("source: {type: kafka, tables: '('}\nsink: {type: delta, warehouse: /l}\nroute: [{source-table: '(', sink-table: x}]").contains("bad table pattern"));
        assert!(e("source: [\n").contains("not valid YAML"));
    }
}
