//! Iceberg table metadata (format version 2) as JSON: types between Arrow and Iceberg, the
//! metadata of a new table, and reading what an existing table's `vN.metadata.json` holds.
//!
//! Existing metadata stays a `serde_json::Value`: a commit changes the fields it owns
//! (snapshots, refs, logs, sequence number) and keeps everything else another writer put
//! there.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, TimeUnit};
use serde_json::{Value, json};
use weft_core::catalog::TableDef;

/// Iceberg reads data files without field ids through this table property (Weft's Parquet
/// files carry column names, not ids).
pub const NAME_MAPPING: &str = "schema.name-mapping.default";
/// Partition field ids start here (Iceberg's convention).
pub const FIRST_PARTITION_FIELD_ID: i64 = 1000;

/// The Iceberg type of an Arrow column, or what is wrong with it.
pub fn iceberg_type(dt: &DataType) -> Result<Value, String> {
    Ok(Value::String(match dt {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 => "int".into(),
        DataType::UInt8 | DataType::UInt16 => "int".into(),
        DataType::Int64 | DataType::UInt32 => "long".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "binary".into(),
        DataType::Date32 => "date".into(),
        DataType::Time64(TimeUnit::Microsecond) => "time".into(),
        DataType::Timestamp(TimeUnit::Microsecond, None) => "timestamp".into(),
        DataType::Timestamp(TimeUnit::Microsecond, Some(_)) => "timestamptz".into(),
        DataType::Decimal128(p, s) if *p <= 38 && *s >= 0 => format!("decimal({p}, {s})"),
        other => {
            return Err(format!(
                "type {other} has no Iceberg equivalent Weft writes (use BOOLEAN, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, STRING, BYTES, DATE or TIMESTAMP)"
            ));
        }
    }))
}

/// The Arrow type Weft reads an Iceberg primitive type as.
pub fn arrow_type(t: &Value) -> Option<DataType> {
    let s = t.as_str()?;
    Some(match s {
        "boolean" => DataType::Boolean,
        "int" => DataType::Int32,
        "long" => DataType::Int64,
        "float" => DataType::Float32,
        "double" => DataType::Float64,
        "string" | "uuid" => DataType::Utf8,
        "binary" => DataType::Binary,
        "date" => DataType::Date32,
        "time" => DataType::Time64(TimeUnit::Microsecond),
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamptz" => DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC"))),
        _ if s.starts_with("decimal(") => {
            let inner = s.trim_start_matches("decimal(").trim_end_matches(')');
            let (p, sc) = inner.split_once(',')?;
            DataType::Decimal128(p.trim().parse().ok()?, sc.trim().parse().ok()?)
        }
        _ => return None,
    })
}

/// Schema 0 of a new table: the declared columns with ids 1..n, and its name mapping.
pub fn new_schema(t: &TableDef) -> Result<(Value, Value), String> {
    let mut fields = Vec::with_capacity(t.columns.len());
    let mut mapping = Vec::with_capacity(t.columns.len());
    for (i, f) in t.columns.iter().enumerate() {
        let id = i as i64 + 1;
        let ty = iceberg_type(f.data_type()).map_err(|e| format!("column '{}': {e}", f.name()))?;
        fields.push(json!({"id": id, "name": f.name(), "required": !f.is_nullable(), "type": ty}));
        mapping.push(json!({"field-id": id, "names": [f.name()]}));
    }
    Ok((
        json!({"type": "struct", "schema-id": 0, "fields": fields}),
        Value::Array(mapping),
    ))
}

/// Partition spec 0: an identity partition per key (keys must be schema columns).
pub fn new_spec(schema: &Value, keys: &[String]) -> Result<Value, String> {
    let mut fields = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let source = schema_fields(schema)
            .iter()
            .find(|f| f["name"].as_str() == Some(k))
            .ok_or_else(|| format!("partition key '{k}' is not a column"))?;
        fields.push(json!({
            "name": k,
            "transform": "identity",
            "source-id": source["id"],
            "field-id": FIRST_PARTITION_FIELD_ID + i as i64,
        }));
    }
    Ok(json!({"spec-id": 0, "fields": fields}))
}

/// The metadata of a new, empty table (no snapshot yet).
pub fn new_table(location: &str, schema: &Value, spec: &Value, mapping: &Value) -> Value {
    let last_column_id = schema_fields(schema)
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .max()
        .unwrap_or(0);
    let last_partition_id = spec["fields"]
        .as_array()
        .and_then(|f| f.iter().filter_map(|f| f["field-id"].as_i64()).max())
        .unwrap_or(FIRST_PARTITION_FIELD_ID - 1);
    json!({
        "format-version": 2,
        "table-uuid": uuid::Uuid::new_v4().to_string(),
        "location": location.trim_end_matches('/'),
        "last-sequence-number": 0,
        "last-updated-ms": now_ms(),
        "last-column-id": last_column_id,
        "current-schema-id": 0,
        "schemas": [schema],
        "default-spec-id": 0,
        "partition-specs": [spec],
        "last-partition-id": last_partition_id,
        "default-sort-order-id": 0,
        "sort-orders": [{"order-id": 0, "fields": []}],
        "properties": {
            "write.format.default": "parquet",
            NAME_MAPPING: mapping.to_string(),
        },
        "current-snapshot-id": -1,
        "refs": {},
        "snapshots": [],
        "statistics": [],
        "snapshot-log": [],
        "metadata-log": [],
    })
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn schema_fields(schema: &Value) -> &[Value] {
    schema["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Read accessors over a table's metadata JSON.
pub struct Metadata<'a>(pub &'a Value);

impl<'a> Metadata<'a> {
    pub fn current_schema(&self) -> Option<&'a Value> {
        let id = &self.0["current-schema-id"];
        self.0["schemas"]
            .as_array()?
            .iter()
            .find(|s| &s["schema-id"] == id)
    }

    pub fn default_spec(&self) -> Option<&'a Value> {
        let id = &self.0["default-spec-id"];
        self.0["partition-specs"]
            .as_array()?
            .iter()
            .find(|s| &s["spec-id"] == id)
    }

    pub fn snapshot(&self, id: i64) -> Option<&'a Value> {
        self.0["snapshots"]
            .as_array()?
            .iter()
            .find(|s| s["snapshot-id"].as_i64() == Some(id))
    }

    pub fn current_snapshot(&self) -> Option<&'a Value> {
        let id = self.0["refs"]["main"]["snapshot-id"]
            .as_i64()
            .or_else(|| self.0["current-snapshot-id"].as_i64())?;
        self.snapshot(id)
    }

    /// The current snapshot and its ancestors, newest first.
    pub fn ancestry(&self) -> Vec<&'a Value> {
        let mut out = Vec::new();
        let mut next = self.current_snapshot();
        while let Some(s) = next {
            out.push(s);
            next = s["parent-snapshot-id"]
                .as_i64()
                .and_then(|p| self.snapshot(p));
            if out.len() > 1_000_000 {
                break;
            }
        }
        out
    }

    /// The table's columns as Arrow fields, and its identity partition keys (what `resolve`
    /// fills in for a table declared without columns); an error names what Weft cannot read.
    pub fn columns(&self) -> Result<(Vec<Field>, Vec<String>), String> {
        let schema = self
            .current_schema()
            .ok_or("the metadata has no current schema")?;
        let mut columns = Vec::new();
        for f in schema_fields(schema) {
            let name = f["name"].as_str().unwrap_or_default();
            let dt = arrow_type(&f["type"]).ok_or_else(|| {
                format!(
                    "column '{name}' has type {} which Weft does not read",
                    f["type"]
                )
            })?;
            columns.push(Field::new(
                name,
                dt,
                !f["required"].as_bool().unwrap_or(false),
            ));
        }
        let mut keys = Vec::new();
        if let Some(spec) = self.default_spec() {
            for p in spec["fields"].as_array().into_iter().flatten() {
                if p["transform"].as_str() != Some("identity") {
                    return Err(format!(
                        "partition field '{}' uses transform {}; Weft handles identity partitions only",
                        p["name"].as_str().unwrap_or_default(),
                        p["transform"]
                    ));
                }
                let source = schema_fields(schema)
                    .iter()
                    .find(|f| f["id"] == p["source-id"])
                    .and_then(|f| f["name"].as_str())
                    .ok_or("a partition field has no source column")?;
                keys.push(source.to_string());
            }
        }
        Ok((columns, keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_table_has_ids_spec_and_mapping() {
        let mut t = TableDef::with_options("t", &[]);
        t.columns = vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("dt", DataType::Utf8, true),
        ];
        let (schema, mapping) = new_schema(&t).unwrap();
        let spec = new_spec(&schema, &["dt".into()]).unwrap();
        let m = new_table("file:///tmp/t/", &schema, &spec, &mapping);
        assert_eq!(m["location"], "file:///tmp/t");
        assert_eq!(m["last-column-id"], 3);
        assert_eq!(m["last-partition-id"], 1000);
        assert_eq!(spec["fields"][0]["source-id"], 3);
        let md = Metadata(&m);
        let (cols, keys) = md.columns().unwrap();
        assert_eq!(cols, t.columns);
        assert_eq!(keys, vec!["dt"]);
        assert!(md.current_snapshot().is_none());
        assert!(
            m["properties"][NAME_MAPPING]
                .as_str()
                .unwrap()
                .contains("\"names\":[\"name\"]")
        );
        assert!(new_spec(&schema, &["nope".into()]).is_err());
        assert!(iceberg_type(&DataType::Timestamp(TimeUnit::Nanosecond, None)).is_err());
    }
}
