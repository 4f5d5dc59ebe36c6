//! A pipeline as a streaming Flink-SQL script: per captured source table, a Kafka table in
//! its CDC format and a Delta table it upserts into (its route's sink table, with its
//! transform's projection, filter, primary and partition keys), and the INSERT between them.
//! The sink columns are what the projection yields over the source columns (planned with
//! DataFusion), so a transform's mistakes are found before anything runs.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;

use super::def::PipelineDef;
use super::schema::Observed;

/// A captured source table: its id (`db.table`), topic and columns.
#[derive(Debug, Clone)]
pub struct SourceTable {
    pub id: String,
    pub topic: String,
    pub schema: Observed,
}

/// A SQL identifier from a table id: `inventory.orders_1` → `inventory_orders_1`.
pub fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

pub fn source_name(id: &str) -> String {
    format!("src_{}", sanitize(id))
}

pub(crate) fn sql_type(t: &DataType) -> Result<String, String> {
    Ok(match t {
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "STRING".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "BYTES".into(),
        DataType::Date32 => "DATE".into(),
        DataType::Timestamp(TimeUnit::Microsecond, None) => "TIMESTAMP".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p}, {s})"),
        other => return Err(format!("type {other} has no Flink SQL name Weft writes")),
    })
}

fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// The Delta table directory of a sink table id: `<warehouse>/<db>/<table>`.
fn sink_path(def: &PipelineDef, sink: &str) -> String {
    if let Some(p) = def.sink.get("path") {
        return format!("{}/{}", p.trim_end_matches('/'), sink.replace('.', "/"));
    }
    let wh = def.sink["warehouse"].trim_end_matches('/');
    format!("{wh}/{}", sink.replace('.', "/"))
}

/// The output columns of `SELECT <projection> FROM t [WHERE <filter>]` over `columns`.
async fn projected(
    columns: &[(String, DataType)],
    projection: &str,
    filter: Option<&str>,
) -> Result<Vec<(String, DataType)>, String> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, t)| Field::new(n, t.clone(), true))
            .collect::<Vec<_>>(),
    ));
    let ctx = SessionContext::new();
    // The transform's types with Flink's functions, as the job itself plans them.
    weft_flink_sql::register_functions(&ctx);
    ctx.register_batch("t", RecordBatch::new_empty(schema))
        .map_err(|e| e.to_string())?;
    let sql = match filter {
        Some(f) => format!("SELECT {projection} FROM t WHERE {f}"),
        None => format!("SELECT {projection} FROM t"),
    };
    let df = ctx.sql(&sql).await.map_err(|e| e.to_string())?;
    Ok(df
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect())
}

/// The script for the tables as currently known.
pub async fn script(def: &PipelineDef, tables: &[SourceTable]) -> Result<String, String> {
    let mut out = String::from("SET 'execution.runtime-mode' = 'streaming';\n");
    if let Some(p) = &def.parallelism {
        out += &format!("SET 'parallelism.default' = {};\n", quote(p));
    }
    for (k, v) in &def.config {
        out += &format!("SET {} = {};\n", quote(k), quote(v));
    }
    let mut kafka_options = vec![
        ("connector".to_string(), "kafka".to_string()),
        ("format".to_string(), def.format().to_string()),
        (
            "scan.startup.mode".to_string(),
            def.source
                .get("scan.startup.mode")
                .cloned()
                .unwrap_or_else(|| "earliest-offset".into()),
        ),
    ];
    for (k, v) in &def.source {
        if k.starts_with("properties.") || k.contains("-json.") {
            kafka_options.push((k.clone(), v.clone()));
        }
    }
    for t in tables {
        let columns: Vec<(String, DataType)> = t
            .schema
            .columns
            .iter()
            .map(|(n, ty)| (n.clone(), ty.clone().unwrap_or(DataType::Utf8)))
            .collect();
        let mut ddl = Vec::with_capacity(columns.len());
        for (n, ty) in &columns {
            ddl.push(format!(
                "{n} {}",
                sql_type(ty).map_err(|e| format!("source table {}: column {n}: {e}", t.id))?
            ));
        }
        let src = source_name(&t.id);
        let mut with: Vec<String> = kafka_options
            .iter()
            .map(|(k, v)| format!("{} = {}", quote(k), quote(v)))
            .collect();
        with.push(format!("'topic' = {}", quote(&t.topic)));
        out += &format!(
            "CREATE TABLE {src} ({}) WITH ({});\n",
            ddl.join(", "),
            with.join(", ")
        );

        let tr = def.transform_of(&t.id);
        let projection = tr.projection.clone().unwrap_or_else(|| "*".into());
        let sink_cols = projected(&columns, &projection, tr.filter.as_deref())
            .await
            .map_err(|e| format!("the transform of source table {}: {e}", t.id))?;
        let keys = if tr.primary_keys.is_empty() {
            t.schema.primary_key.clone()
        } else {
            tr.primary_keys.clone()
        };
        if keys.is_empty() {
            return Err(format!(
                "source table {} has no primary key in its records: add a transform for it with primary-keys",
                t.id
            ));
        }
        for k in keys.iter().chain(&tr.partition_keys) {
            if !sink_cols.iter().any(|(n, _)| n == k) {
                return Err(format!(
                    "the key column '{k}' of source table {} is not in its projection ({projection})",
                    t.id
                ));
            }
        }
        let sink_id = def.sink_of(&t.id);
        let snk = format!("snk_{}__{}", sanitize(&sink_id), sanitize(&t.id));
        let mut cols = Vec::with_capacity(sink_cols.len() + 1);
        for (n, ty) in &sink_cols {
            cols.push(format!(
                "{n} {}",
                sql_type(ty).map_err(|e| format!("sink table {sink_id}: column {n}: {e}"))?
            ));
        }
        cols.push(format!("PRIMARY KEY ({}) NOT ENFORCED", keys.join(", ")));
        let partitioned = if tr.partition_keys.is_empty() {
            String::new()
        } else {
            format!(" PARTITIONED BY ({})", tr.partition_keys.join(", "))
        };
        out += &format!(
            "CREATE TABLE {snk} ({}){partitioned} WITH ('connector' = 'delta', 'path' = {});\n",
            cols.join(", "),
            quote(&sink_path(def, &sink_id))
        );
        let filter = tr
            .filter
            .as_ref()
            .map(|f| format!(" WHERE {f}"))
            .unwrap_or_default();
        out += &format!("INSERT INTO {snk} SELECT {projection} FROM {src}{filter};\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pipeline_becomes_a_streaming_script() {
        let def = super::super::def::parse(
            r#"
source: {type: kafka, properties.bootstrap.servers: "k:9092", topic-prefix: db1, tables: "inv\\..*"}
sink: {type: delta, warehouse: "file:///lake"}
route: [{source-table: "inv\\.orders_\\d+", sink-table: lake.orders}]
transform: [{source-table: "inv\\.customers", projection: "id, UPPER(name) AS name", filter: "id > 0", primary-keys: id}]
pipeline: {parallelism: 2}
"#,
        )
        .unwrap();
        let customers = SourceTable {
            id: "inv.customers".into(),
            topic: "db1.inv.customers".into(),
            schema: Observed {
                columns: vec![("id".into(), Some(DataType::Int64)), ("name".into(), None)],
                primary_key: vec![],
            },
        };
        let s = script(&def, std::slice::from_ref(&customers))
            .await
            .unwrap();
        assert!(s.contains("CREATE TABLE src_inv_customers (id BIGINT, name STRING) WITH ('connector' = 'kafka'"), "{s}");
        assert!(s.contains("'topic' = 'db1.inv.customers'"), "{s}");
        assert!(s.contains("CREATE TABLE snk_inv_customers__inv_customers (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'delta', 'path' = 'file:///lake/inv/customers')"), "{s}");
        assert!(s.contains("INSERT INTO snk_inv_customers__inv_customers SELECT id, UPPER(name) AS name FROM src_inv_customers WHERE id > 0;"), "{s}");

        // A table without a primary key anywhere, and a projection naming a missing column.
        let orders = SourceTable {
            id: "inv.orders_1".into(),
            topic: "db1.inv.orders_1".into(),
            schema: customers.schema.clone(),
        };
        assert!(
            script(&def, &[orders])
                .await
                .unwrap_err()
                .contains("no primary key")
        );
        let mut bad = customers.clone();
        bad.schema.columns.pop();
        assert!(
            script(&def, &[bad])
                .await
                .unwrap_err()
                .contains("the transform of source table inv.customers")
        );
    }
}
