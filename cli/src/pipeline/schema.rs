//! A CDC table's columns as its records show them: Debezium's embedded schema
//! (`debezium-json.schema-include`), Canal's `mysqlType`, or else the JSON values of the row
//! images; and how two observations differ (a schema change).

use arrow::datatypes::DataType;
use serde_json::{Map, Value};

/// Columns in order, with their types (`None`: only nulls seen so far), and the primary
/// key when the record names it (Canal's `pkNames`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    pub columns: Vec<(String, Option<DataType>)>,
    pub primary_key: Vec<String>,
}

impl Observed {
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Add `other`'s columns this one lacks (at the end) and types it knows.
    pub fn union(&mut self, other: &Observed) {
        for (name, t) in &other.columns {
            match self.columns.iter_mut().find(|(n, _)| n == name) {
                Some((_, mine)) if mine.is_none() => *mine = t.clone(),
                Some(_) => {}
                None => self.columns.push((name.clone(), t.clone())),
            }
        }
        if self.primary_key.is_empty() {
            self.primary_key = other.primary_key.clone();
        }
    }

    /// Columns `other` has and this lacks, and the reverse.
    pub fn diff(&self, other: &Observed) -> (Vec<String>, Vec<String>) {
        let mine = self.names();
        let theirs = other.names();
        (
            theirs
                .iter()
                .filter(|n| !mine.contains(n))
                .map(|n| n.to_string())
                .collect(),
            mine.iter()
                .filter(|n| !theirs.contains(n))
                .map(|n| n.to_string())
                .collect(),
        )
    }
}

fn from_value(v: &Value) -> Option<DataType> {
    match v {
        Value::Bool(_) => Some(DataType::Boolean),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(DataType::Int64),
        Value::Number(_) => Some(DataType::Float64),
        Value::String(_) | Value::Object(_) | Value::Array(_) => Some(DataType::Utf8),
        Value::Null => None,
    }
}

fn from_image(image: &Map<String, Value>) -> Observed {
    Observed {
        columns: image
            .iter()
            .map(|(k, v)| (k.clone(), from_value(v)))
            .collect(),
        primary_key: vec![],
    }
}

fn debezium_type(t: &str) -> DataType {
    match t {
        "boolean" => DataType::Boolean,
        "int8" => DataType::Int8,
        "int16" => DataType::Int16,
        "int32" => DataType::Int32,
        "int64" => DataType::Int64,
        "float32" | "float" => DataType::Float32,
        "float64" | "double" => DataType::Float64,
        _ => DataType::Utf8,
    }
}

fn mysql_type(t: &str) -> DataType {
    let base = t.split(['(', ' ']).next().unwrap_or(t).to_ascii_lowercase();
    match base.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" => DataType::Int32,
        "bigint" => DataType::Int64,
        "float" => DataType::Float32,
        "double" | "real" => DataType::Float64,
        "bool" | "boolean" => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

/// What one record shows, or None for records without a row image (tombstones, DDL
/// events). An error names what is malformed.
pub fn observe(format: &str, payload: &[u8]) -> Result<Option<Observed>, String> {
    if payload.is_empty() {
        return Ok(None);
    }
    let v: Value = serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
    match format {
        "debezium-json" => {
            // With the schema embedded: {"schema": {...}, "payload": {...}}.
            if let (Some(schema), Some(_)) = (v.get("schema"), v.get("payload")) {
                let image = schema["fields"].as_array().and_then(|fs| {
                    let image = |name: &str| {
                        fs.iter()
                            .find(|f| f["field"] == name)
                            .and_then(|f| f["fields"].as_array())
                            .filter(|fields| !fields.is_empty())
                    };
                    image("after").or_else(|| image("before"))
                });
                if let Some(fields) = image {
                    let columns = fields
                        .iter()
                        .filter_map(|f| {
                            let name = f["field"].as_str()?;
                            Some((
                                name.to_string(),
                                Some(debezium_type(f["type"].as_str().unwrap_or("string"))),
                            ))
                        })
                        .collect();
                    return Ok(Some(Observed {
                        columns,
                        primary_key: vec![],
                    }));
                }
                return Ok(image_of(&v["payload"]));
            }
            Ok(image_of(&v))
        }
        "canal-json" => {
            if v["isDdl"].as_bool() == Some(true) {
                return Ok(None);
            }
            let primary_key = v["pkNames"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|k| k.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(types) = v["mysqlType"].as_object() {
                let columns = types
                    .iter()
                    .map(|(k, t)| (k.clone(), Some(mysql_type(t.as_str().unwrap_or("")))))
                    .collect();
                return Ok(Some(Observed {
                    columns,
                    primary_key,
                }));
            }
            Ok(v["data"]
                .as_array()
                .and_then(|rows| rows.first())
                .and_then(Value::as_object)
                .map(|row| Observed {
                    primary_key,
                    ..from_image(row)
                }))
        }
        "maxwell-json" => {
            let ty = v["type"].as_str().unwrap_or_default();
            if !matches!(ty, "insert" | "update" | "delete") {
                return Ok(None);
            }
            Ok(v["data"].as_object().map(from_image))
        }
        other => Err(format!(
            "'{other}' is not a CDC format (debezium-json, canal-json, maxwell-json)"
        )),
    }
}

/// The after image, or the before image of a delete.
fn image_of(payload: &Value) -> Option<Observed> {
    payload["after"]
        .as_object()
        .or_else(|| payload["before"].as_object())
        .map(from_image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_from_debezium_schema_values_and_canal_types() {
        let with_schema = br#"{"schema": {"type": "struct", "fields": [
            {"field": "before", "type": "struct", "fields": []},
            {"field": "after", "type": "struct", "fields": [
              {"field": "id", "type": "int64"}, {"field": "name", "type": "string"}, {"field": "n", "type": "int32"}]}]},
          "payload": {"before": null, "after": {"id": 1, "name": "a", "n": 2}, "op": "c"}}"#;
        let o = observe("debezium-json", with_schema).unwrap().unwrap();
        assert_eq!(o.names(), ["id", "name", "n"]);
        assert_eq!(o.columns[2].1, Some(DataType::Int32));

        let plain = br#"{"before": {"id": 1, "email": null}, "after": null, "op": "d"}"#;
        let p = observe("debezium-json", plain).unwrap().unwrap();
        assert_eq!(
            p.columns,
            vec![("email".into(), None), ("id".into(), Some(DataType::Int64))]
        );
        assert_eq!(
            o.diff(&p),
            (
                vec!["email".to_string()],
                vec!["name".to_string(), "n".to_string()]
            )
        );
        let mut u = o.clone();
        u.union(&p);
        assert_eq!(u.names(), ["id", "name", "n", "email"]);

        let canal = br#"{"data": [{"id": "1", "price": "2.5"}], "mysqlType": {"id": "int(11)", "price": "double"}, "pkNames": ["id"], "type": "INSERT", "isDdl": false}"#;
        let c = observe("canal-json", canal).unwrap().unwrap();
        assert_eq!(c.columns[0], ("id".into(), Some(DataType::Int32)));
        assert_eq!(c.primary_key, ["id"]);
        assert!(
            observe("maxwell-json", br#"{"type": "table-alter"}"#)
                .unwrap()
                .is_none()
        );
        assert!(observe("debezium-json", b"").unwrap().is_none());
        assert!(observe("debezium-json", b"{oops").is_err());
    }
}
