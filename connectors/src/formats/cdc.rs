//! The CDC formats Flink reads from Kafka: `debezium-json`, `canal-json`, `maxwell-json`.
//! Each message decodes to zero or more [`Change`]s (an update is `-U` then `+U`).

use serde_json::{Map, Value};

use super::changelog::{Change, RowKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdcFormat {
    Debezium,
    Canal,
    Maxwell,
}

impl CdcFormat {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "debezium-json" => Some(Self::Debezium),
            "canal-json" => Some(Self::Canal),
            "maxwell-json" => Some(Self::Maxwell),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Debezium => "debezium-json",
            Self::Canal => "canal-json",
            Self::Maxwell => "maxwell-json",
        }
    }
}

/// Why a message could not be decoded (the caller adds where it was).
pub type DecodeError = String;

fn object(v: &Value, what: &str) -> Result<Map<String, Value>, DecodeError> {
    match v {
        Value::Object(m) => Ok(m.clone()),
        other => Err(format!("'{what}' is not an object but {}", kind_of(other))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `after` with the fields `old` names replaced: the row before an update, in formats that
/// send only the changed fields' old values.
fn merged(after: &Map<String, Value>, old: &Map<String, Value>) -> Map<String, Value> {
    let mut before = after.clone();
    for (k, v) in old {
        before.insert(k.clone(), v.clone());
    }
    before
}

/// Decode one message. An empty message (a Kafka tombstone) and Canal DDL messages give no
/// changes. `schema_include`: Debezium's `{"schema": …, "payload": …}` envelope.
pub fn decode(
    format: CdcFormat,
    message: &[u8],
    schema_include: bool,
) -> Result<Vec<Change>, DecodeError> {
    if message.iter().all(u8::is_ascii_whitespace) {
        return Ok(vec![]);
    }
    let v: Value = serde_json::from_slice(message).map_err(|e| format!("not JSON: {e}"))?;
    match format {
        CdcFormat::Debezium => debezium(&v, schema_include),
        CdcFormat::Canal => canal(&v),
        CdcFormat::Maxwell => maxwell(&v),
    }
}

fn debezium(v: &Value, schema_include: bool) -> Result<Vec<Change>, DecodeError> {
    let v = match (schema_include, v.get("payload")) {
        (true, Some(p)) => p,
        (true, None) => {
            return Err("no 'payload': debezium-json.schema-include is true but the message has no schema envelope".into());
        }
        (false, _) => v,
    };
    let op = v
        .get("op")
        .and_then(Value::as_str)
        .ok_or("no 'op' field (is debezium-json.schema-include needed?)")?;
    let field = |name: &str| -> Result<Map<String, Value>, DecodeError> {
        object(v.get(name).unwrap_or(&Value::Null), name)
    };
    Ok(match op {
        "c" | "r" => vec![(RowKind::Insert, field("after")?)],
        "u" => vec![
            (RowKind::UpdateBefore, field("before")?),
            (RowKind::UpdateAfter, field("after")?),
        ],
        "d" => vec![(RowKind::Delete, field("before")?)],
        "t" | "m" => vec![], // truncate, message: not row changes
        other => return Err(format!("unknown op '{other}' (expected c, r, u or d)")),
    })
}

fn canal(v: &Value) -> Result<Vec<Change>, DecodeError> {
    if v.get("isDdl").and_then(Value::as_bool) == Some(true) {
        return Ok(vec![]);
    }
    let ty = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or("no 'type' field")?;
    let rows = |name: &str| -> Result<Vec<Map<String, Value>>, DecodeError> {
        match v.get(name) {
            Some(Value::Array(a)) => a.iter().map(|r| object(r, name)).collect(),
            Some(Value::Null) | None => Ok(vec![]),
            Some(other) => Err(format!("'{name}' is not an array but {}", kind_of(other))),
        }
    };
    let data = rows("data")?;
    Ok(match ty {
        "INSERT" => data.into_iter().map(|r| (RowKind::Insert, r)).collect(),
        "DELETE" => data.into_iter().map(|r| (RowKind::Delete, r)).collect(),
        "UPDATE" => {
            let old = rows("old")?;
            if old.len() != data.len() {
                return Err(format!(
                    "an UPDATE with {} 'data' rows and {} 'old' rows",
                    data.len(),
                    old.len()
                ));
            }
            data.into_iter()
                .zip(old)
                .flat_map(|(after, old)| {
                    [
                        (RowKind::UpdateBefore, merged(&after, &old)),
                        (RowKind::UpdateAfter, after),
                    ]
                })
                .collect()
        }
        "CREATE" | "ALTER" | "ERASE" | "QUERY" | "TRUNCATE" | "RENAME" | "CINDEX" | "DINDEX" => {
            vec![]
        }
        other => {
            return Err(format!(
                "unknown type '{other}' (expected INSERT, UPDATE or DELETE)"
            ));
        }
    })
}

fn maxwell(v: &Value) -> Result<Vec<Change>, DecodeError> {
    let ty = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or("no 'type' field")?;
    let data = || object(v.get("data").unwrap_or(&Value::Null), "data");
    Ok(match ty {
        "insert" | "bootstrap-insert" => vec![(RowKind::Insert, data()?)],
        "delete" => vec![(RowKind::Delete, data()?)],
        "update" => {
            let after = data()?;
            let old = object(v.get("old").unwrap_or(&Value::Object(Map::new())), "old")?;
            vec![
                (RowKind::UpdateBefore, merged(&after, &old)),
                (RowKind::UpdateAfter, after),
            ]
        }
        "bootstrap-start" | "bootstrap-complete" | "table-create" | "table-alter"
        | "table-drop" | "database-create" | "database-drop" => vec![],
        other => {
            return Err(format!(
                "unknown type '{other}' (expected insert, update or delete)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(changes: &[Change]) -> Vec<&'static str> {
        changes.iter().map(|(k, _)| k.short()).collect()
    }

    #[test]
    fn debezium_ops() {
        let c = br#"{"before":null,"after":{"id":1,"name":"a"},"op":"c","ts_ms":1}"#;
        let u = br#"{"before":{"id":1,"name":"a"},"after":{"id":1,"name":"b"},"op":"u"}"#;
        let d = br#"{"before":{"id":1,"name":"b"},"after":null,"op":"d"}"#;
        assert_eq!(
            kinds(&decode(CdcFormat::Debezium, c, false).unwrap()),
            ["+I"]
        );
        let ch = decode(CdcFormat::Debezium, u, false).unwrap();
        assert_eq!(kinds(&ch), ["-U", "+U"]);
        assert_eq!(ch[1].1["name"], json!("b"));
        assert_eq!(
            kinds(&decode(CdcFormat::Debezium, d, false).unwrap()),
            ["-D"]
        );
        assert!(decode(CdcFormat::Debezium, b"", false).unwrap().is_empty());
        let wrapped = br#"{"schema":{},"payload":{"before":null,"after":{"id":2},"op":"r"}}"#;
        assert_eq!(
            kinds(&decode(CdcFormat::Debezium, wrapped, true).unwrap()),
            ["+I"]
        );
        let e = decode(CdcFormat::Debezium, br#"{"op":"x"}"#, false).unwrap_err();
        assert!(e.contains("unknown op 'x'"), "{e}");
        let e = decode(CdcFormat::Debezium, b"{not json", false).unwrap_err();
        assert!(e.starts_with("not JSON"), "{e}");
    }

    #[test]
    fn canal_types() {
        let u = br#"{"data":[{"id":"1","name":"b","w":"3"}],"old":[{"name":"a"}],"type":"UPDATE","isDdl":false}"#;
        let ch = decode(CdcFormat::Canal, u, false).unwrap();
        assert_eq!(kinds(&ch), ["-U", "+U"]);
        assert_eq!(ch[0].1["name"], json!("a"));
        assert_eq!(ch[0].1["w"], json!("3"));
        let i = br#"{"data":[{"id":"1"},{"id":"2"}],"type":"INSERT"}"#;
        assert_eq!(
            kinds(&decode(CdcFormat::Canal, i, false).unwrap()),
            ["+I", "+I"]
        );
        let ddl = br#"{"data":null,"type":"ALTER","isDdl":true,"sql":"alter table t add c int"}"#;
        assert!(decode(CdcFormat::Canal, ddl, false).unwrap().is_empty());
    }

    #[test]
    fn maxwell_types() {
        let u = br#"{"database":"d","table":"t","type":"update","data":{"id":1,"name":"b"},"old":{"name":"a"}}"#;
        let ch = decode(CdcFormat::Maxwell, u, false).unwrap();
        assert_eq!(kinds(&ch), ["-U", "+U"]);
        assert_eq!(ch[0].1["name"], json!("a"));
        let d = br#"{"type":"delete","data":{"id":1}}"#;
        assert_eq!(
            kinds(&decode(CdcFormat::Maxwell, d, false).unwrap()),
            ["-D"]
        );
        let e = decode(
            CdcFormat::Maxwell,
            br#"{"type":"insert","data":[1]}"#,
            false,
        )
        .unwrap_err();
        assert!(e.contains("'data' is not an object but an array"), "{e}");
    }
}
