//! Iceberg's Avro files, format version 2: the manifest (one entry per data file) and the
//! manifest list (one entry per manifest) of a snapshot. Every field carries its Iceberg
//! field id (`field-id`), which is how Iceberg readers match fields.

use apache_avro::types::Value as Avro;
use apache_avro::{Reader, Schema, Writer};
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, String>;

fn opt(name: &str, ty: Value, id: i64) -> Value {
    json!({"name": name, "type": ["null", ty], "default": null, "field-id": id})
}

fn req(name: &str, ty: Value, id: i64) -> Value {
    json!({"name": name, "type": ty, "field-id": id})
}

/// Avro type of an identity partition value of Iceberg type `t`.
fn partition_avro_type(t: &Value) -> Result<Value> {
    Ok(match t.as_str() {
        Some("boolean") => json!("boolean"),
        Some("int") => json!("int"),
        Some("long") => json!("long"),
        Some("float") => json!("float"),
        Some("double") => json!("double"),
        Some("string") => json!("string"),
        Some("date") => json!({"type": "int", "logicalType": "date"}),
        _ => {
            return Err(format!(
                "a partition key of type {t} (Weft partitions by boolean, int, long, float, double, string or date columns)"
            ));
        }
    })
}

/// A partition field: name, field id and Iceberg type of its source column.
#[derive(Debug, Clone)]
pub struct PartitionField {
    pub name: String,
    pub field_id: i64,
    pub iceberg_type: Value,
}

fn manifest_schema(partition: &[PartitionField]) -> Result<Schema> {
    let mut pfields = Vec::with_capacity(partition.len());
    for p in partition {
        pfields.push(opt(
            &p.name,
            partition_avro_type(&p.iceberg_type)?,
            p.field_id,
        ));
    }
    let data_file = json!({
        "type": "record",
        "name": "r2",
        "fields": [
            req("content", json!("int"), 134),
            req("file_path", json!("string"), 100),
            req("file_format", json!("string"), 101),
            req("partition", json!({"type": "record", "name": "r102", "fields": pfields}), 102),
            req("record_count", json!("long"), 103),
            req("file_size_in_bytes", json!("long"), 104),
        ],
    });
    let entry = json!({
        "type": "record",
        "name": "manifest_entry",
        "fields": [
            req("status", json!("int"), 0),
            opt("snapshot_id", json!("long"), 1),
            opt("sequence_number", json!("long"), 3),
            opt("file_sequence_number", json!("long"), 4),
            req("data_file", data_file, 2),
        ],
    });
    Schema::parse(&entry).map_err(|e| format!("manifest schema: {e}"))
}

fn manifest_list_schema() -> Schema {
    let summary = json!({
        "type": "record",
        "name": "r508",
        "fields": [
            req("contains_null", json!("boolean"), 509),
            opt("contains_nan", json!("boolean"), 518),
            opt("lower_bound", json!("bytes"), 510),
            opt("upper_bound", json!("bytes"), 511),
        ],
    });
    let file = json!({
        "type": "record",
        "name": "manifest_file",
        "fields": [
            req("manifest_path", json!("string"), 500),
            req("manifest_length", json!("long"), 501),
            req("partition_spec_id", json!("int"), 502),
            req("content", json!("int"), 517),
            req("sequence_number", json!("long"), 515),
            req("min_sequence_number", json!("long"), 516),
            req("added_snapshot_id", json!("long"), 503),
            req("added_files_count", json!("int"), 504),
            req("existing_files_count", json!("int"), 505),
            req("deleted_files_count", json!("int"), 506),
            req("added_rows_count", json!("long"), 512),
            req("existing_rows_count", json!("long"), 513),
            req("deleted_rows_count", json!("long"), 514),
            opt("partitions", json!({"type": "array", "items": summary, "element-id": 508}), 507),
            opt("key_metadata", json!("bytes"), 519),
        ],
    });
    Schema::parse(&file).expect("the manifest list schema is valid")
}

/// A data file added by a snapshot.
#[derive(Debug, Clone)]
pub struct DataFile {
    pub path: String,
    pub record_count: i64,
    pub file_size: i64,
    /// Partition values in spec order (as the strings of the `k=v` path; None = null).
    pub partition: Vec<Option<String>>,
}

fn partition_value(p: &PartitionField, v: &Option<String>) -> Result<Avro> {
    let Some(s) = v else {
        return Ok(Avro::Union(0, Box::new(Avro::Null)));
    };
    let bad = |e: &dyn std::fmt::Display| format!("partition value '{s}' of '{}': {e}", p.name);
    let value = match p.iceberg_type.as_str() {
        Some("boolean") => Avro::Boolean(s.parse().map_err(|e| bad(&e))?),
        Some("int") => Avro::Int(s.parse().map_err(|e| bad(&e))?),
        Some("long") => Avro::Long(s.parse().map_err(|e| bad(&e))?),
        Some("float") => Avro::Float(s.parse().map_err(|e| bad(&e))?),
        Some("double") => Avro::Double(s.parse().map_err(|e| bad(&e))?),
        Some("date") => {
            let d = chrono_days(s).ok_or_else(|| bad(&"not a yyyy-MM-dd date"))?;
            Avro::Date(d)
        }
        _ => Avro::String(s.clone()),
    };
    Ok(Avro::Union(1, Box::new(value)))
}

/// Days since 1970-01-01 of a `yyyy-MM-dd` date.
fn chrono_days(s: &str) -> Option<i32> {
    let mut it = s.splitn(3, '-');
    let (y, m, d): (i64, i64, i64) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146097 + doe - 719468) as i32)
}

/// The manifest of one snapshot's added data files, with the metadata Iceberg readers
/// expect in the Avro header (table schema, partition spec, format version, content).
pub fn write_manifest(
    files: &[DataFile],
    partition: &[PartitionField],
    snapshot_id: i64,
    table_schema: &Value,
    spec: &Value,
) -> Result<Vec<u8>> {
    let schema = manifest_schema(partition)?;
    let mut w = Writer::new(&schema, Vec::new());
    let meta = [
        ("schema", table_schema.to_string()),
        ("schema-id", table_schema["schema-id"].to_string()),
        ("partition-spec", spec["fields"].to_string()),
        ("partition-spec-id", spec["spec-id"].to_string()),
        ("format-version", "2".to_string()),
        ("content", "data".to_string()),
    ];
    for (k, v) in meta {
        w.add_user_metadata(k.to_string(), v)
            .map_err(|e| e.to_string())?;
    }
    for f in files {
        let mut pvalues = Vec::with_capacity(partition.len());
        for (p, v) in partition.iter().zip(&f.partition) {
            pvalues.push((p.name.clone(), partition_value(p, v)?));
        }
        let data_file = Avro::Record(vec![
            ("content".into(), Avro::Int(0)),
            ("file_path".into(), Avro::String(f.path.clone())),
            ("file_format".into(), Avro::String("PARQUET".into())),
            ("partition".into(), Avro::Record(pvalues)),
            ("record_count".into(), Avro::Long(f.record_count)),
            ("file_size_in_bytes".into(), Avro::Long(f.file_size)),
        ]);
        let entry = Avro::Record(vec![
            ("status".into(), Avro::Int(1)),
            (
                "snapshot_id".into(),
                Avro::Union(1, Box::new(Avro::Long(snapshot_id))),
            ),
            // Null: inherited from the manifest list entry when the snapshot commits.
            (
                "sequence_number".into(),
                Avro::Union(0, Box::new(Avro::Null)),
            ),
            (
                "file_sequence_number".into(),
                Avro::Union(0, Box::new(Avro::Null)),
            ),
            ("data_file".into(), data_file),
        ]);
        w.append(entry)
            .map_err(|e| format!("writing a manifest entry: {e}"))?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// A manifest list entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestFile {
    pub path: String,
    pub length: i64,
    pub spec_id: i32,
    /// 0 data, 1 deletes.
    pub content: i32,
    pub sequence_number: i64,
    pub min_sequence_number: i64,
    pub added_snapshot_id: i64,
    pub added_files: i32,
    pub existing_files: i32,
    pub deleted_files: i32,
    pub added_rows: i64,
    pub existing_rows: i64,
    pub deleted_rows: i64,
    /// Per partition field: (contains_null, contains_nan, lower, upper), as another writer
    /// wrote them (None when absent).
    pub partitions: Option<Vec<(bool, Option<bool>, Option<Vec<u8>>, Option<Vec<u8>>)>>,
    pub key_metadata: Option<Vec<u8>>,
}

fn some<T>(v: Option<T>, f: impl FnOnce(T) -> Avro) -> Avro {
    match v {
        None => Avro::Union(0, Box::new(Avro::Null)),
        Some(v) => Avro::Union(1, Box::new(f(v))),
    }
}

pub fn write_manifest_list(
    manifests: &[ManifestFile],
    snapshot_id: i64,
    parent: Option<i64>,
    sequence_number: i64,
) -> Result<Vec<u8>> {
    let schema = manifest_list_schema();
    let mut w = Writer::new(&schema, Vec::new());
    let meta = [
        ("snapshot-id", snapshot_id.to_string()),
        (
            "parent-snapshot-id",
            parent.map_or("null".to_string(), |p| p.to_string()),
        ),
        ("sequence-number", sequence_number.to_string()),
        ("format-version", "2".to_string()),
    ];
    for (k, v) in meta {
        w.add_user_metadata(k.to_string(), v)
            .map_err(|e| e.to_string())?;
    }
    for m in manifests {
        let partitions = some(m.partitions.clone(), |ps| {
            Avro::Array(
                ps.into_iter()
                    .map(|(null, nan, lo, hi)| {
                        Avro::Record(vec![
                            ("contains_null".into(), Avro::Boolean(null)),
                            ("contains_nan".into(), some(nan, Avro::Boolean)),
                            ("lower_bound".into(), some(lo, Avro::Bytes)),
                            ("upper_bound".into(), some(hi, Avro::Bytes)),
                        ])
                    })
                    .collect(),
            )
        });
        let rec = Avro::Record(vec![
            ("manifest_path".into(), Avro::String(m.path.clone())),
            ("manifest_length".into(), Avro::Long(m.length)),
            ("partition_spec_id".into(), Avro::Int(m.spec_id)),
            ("content".into(), Avro::Int(m.content)),
            ("sequence_number".into(), Avro::Long(m.sequence_number)),
            (
                "min_sequence_number".into(),
                Avro::Long(m.min_sequence_number),
            ),
            ("added_snapshot_id".into(), Avro::Long(m.added_snapshot_id)),
            ("added_files_count".into(), Avro::Int(m.added_files)),
            ("existing_files_count".into(), Avro::Int(m.existing_files)),
            ("deleted_files_count".into(), Avro::Int(m.deleted_files)),
            ("added_rows_count".into(), Avro::Long(m.added_rows)),
            ("existing_rows_count".into(), Avro::Long(m.existing_rows)),
            ("deleted_rows_count".into(), Avro::Long(m.deleted_rows)),
            ("partitions".into(), partitions),
            (
                "key_metadata".into(),
                some(m.key_metadata.clone(), Avro::Bytes),
            ),
        ]);
        w.append(rec)
            .map_err(|e| format!("writing a manifest list entry: {e}"))?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// A record's field by name, unions unwrapped (None for null or absent).
fn field<'a>(rec: &'a Avro, name: &str) -> Option<&'a Avro> {
    let Avro::Record(fields) = rec else {
        return None;
    };
    let mut v = &fields.iter().find(|(n, _)| n == name)?.1;
    while let Avro::Union(_, inner) = v {
        v = inner;
    }
    (!matches!(v, Avro::Null)).then_some(v)
}

fn long(rec: &Avro, name: &str) -> Option<i64> {
    match field(rec, name)? {
        Avro::Long(v) => Some(*v),
        Avro::Int(v) => Some(*v as i64),
        _ => None,
    }
}

fn string(rec: &Avro, name: &str) -> Option<String> {
    match field(rec, name)? {
        Avro::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn bytes(rec: &Avro, name: &str) -> Option<Vec<u8>> {
    match field(rec, name)? {
        Avro::Bytes(b) | Avro::Fixed(_, b) => Some(b.clone()),
        _ => None,
    }
}

fn records(data: &[u8]) -> Result<Vec<Avro>> {
    let reader = Reader::new(data).map_err(|e| format!("not an Avro file: {e}"))?;
    reader
        .map(|r| r.map_err(|e| format!("reading an Avro record: {e}")))
        .collect()
}

/// The entries of a manifest list (written by Weft or any other Iceberg writer).
pub fn read_manifest_list(data: &[u8]) -> Result<Vec<ManifestFile>> {
    records(data)?
        .iter()
        .map(|r| {
            let need =
                |n: &str| long(r, n).ok_or_else(|| format!("manifest list entry without {n}"));
            let partitions = match field(r, "partitions") {
                Some(Avro::Array(items)) => Some(
                    items
                        .iter()
                        .map(|s| {
                            (
                                matches!(field(s, "contains_null"), Some(Avro::Boolean(true))),
                                match field(s, "contains_nan") {
                                    Some(Avro::Boolean(b)) => Some(*b),
                                    _ => None,
                                },
                                bytes(s, "lower_bound"),
                                bytes(s, "upper_bound"),
                            )
                        })
                        .collect(),
                ),
                _ => None,
            };
            Ok(ManifestFile {
                path: string(r, "manifest_path").ok_or("manifest list entry without a path")?,
                length: need("manifest_length")?,
                spec_id: need("partition_spec_id")? as i32,
                content: long(r, "content").unwrap_or(0) as i32,
                sequence_number: long(r, "sequence_number").unwrap_or(0),
                min_sequence_number: long(r, "min_sequence_number").unwrap_or(0),
                added_snapshot_id: need("added_snapshot_id")?,
                added_files: long(r, "added_files_count").unwrap_or(0) as i32,
                existing_files: long(r, "existing_files_count").unwrap_or(0) as i32,
                deleted_files: long(r, "deleted_files_count").unwrap_or(0) as i32,
                added_rows: long(r, "added_rows_count").unwrap_or(0),
                existing_rows: long(r, "existing_rows_count").unwrap_or(0),
                deleted_rows: long(r, "deleted_rows_count").unwrap_or(0),
                partitions,
                key_metadata: bytes(r, "key_metadata"),
            })
        })
        .collect()
}

/// The live data files a manifest lists (status added or existing, content data), with
/// their record counts.
pub fn read_live_files(data: &[u8]) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for r in records(data)? {
        if long(&r, "status") == Some(2) {
            continue;
        }
        let f = field(&r, "data_file").ok_or("manifest entry without data_file")?;
        if long(f, "content").unwrap_or(0) != 0 {
            return Err(
                "the table has delete files (row-level deletes), which Weft does not apply yet"
                    .into(),
            );
        }
        let path = string(f, "file_path").ok_or("data file without a path")?;
        out.push((path, long(f, "record_count").unwrap_or(0)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_round_trip() {
        let part = vec![PartitionField {
            name: "dt".into(),
            field_id: 1000,
            iceberg_type: json!("date"),
        }];
        let files = vec![
            DataFile {
                path: "file:///t/data/dt=2024-03-01/a.parquet".into(),
                record_count: 10,
                file_size: 100,
                partition: vec![Some("2024-03-01".into())],
            },
            DataFile {
                path: "file:///t/data/dt=__HIVE_DEFAULT_PARTITION__/b.parquet".into(),
                record_count: 5,
                file_size: 50,
                partition: vec![None],
            },
        ];
        let schema = json!({"type": "struct", "schema-id": 0, "fields": []});
        let spec = json!({"spec-id": 0, "fields": []});
        let m = write_manifest(&files, &part, 42, &schema, &spec).unwrap();
        let live = read_live_files(&m).unwrap();
        assert_eq!(live.len(), 2);
        assert_eq!(
            live[1],
            (
                "file:///t/data/dt=__HIVE_DEFAULT_PARTITION__/b.parquet".into(),
                5
            )
        );
        let r = Reader::new(&m[..]).unwrap();
        assert_eq!(r.user_metadata()["format-version"], b"2");
        let json = serde_json::to_string(r.writer_schema()).unwrap();
        assert!(json.contains("\"field-id\":1000"), "{json}");
        let entry = ManifestFile {
            path: "file:///t/metadata/m.avro".into(),
            length: m.len() as i64,
            spec_id: 0,
            content: 0,
            sequence_number: 3,
            min_sequence_number: 3,
            added_snapshot_id: 42,
            added_files: 2,
            existing_files: 0,
            deleted_files: 0,
            added_rows: 15,
            existing_rows: 0,
            deleted_rows: 0,
            partitions: Some(vec![(true, None, Some(vec![1, 2]), None)]),
            key_metadata: None,
        };
        let list = write_manifest_list(std::slice::from_ref(&entry), 42, None, 3).unwrap();
        assert_eq!(read_manifest_list(&list).unwrap(), vec![entry]);
        assert_eq!(chrono_days("1970-01-02"), Some(1));
        assert_eq!(chrono_days("2024-03-01"), Some(19783));
        assert!(partition_value(&part[0], &Some("March".into())).is_err());
    }
}
