//! Flink's Kafka METADATA columns: `topic`, `partition`, `headers`, `leader-epoch`,
//! `offset`, `timestamp`, `timestamp-type`, with Flink's types. A record's values are kept
//! beside its payload ([`RecordMeta`]) only when the table reads one of them.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, Int32Array, Int64Array, MapBuilder, StringArray, StringBuilder,
    TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use weft_core::catalog::metadata_column_name;

use super::decode::Record;

/// What a record carries besides partition, offset and payload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordMeta {
    /// Milliseconds since the epoch; -1 when the record has none (Kafka's NO_TIMESTAMP).
    pub timestamp: i64,
    /// Kafka's `TimestampType` name: `NoTimestampType`, `CreateTime`, `LogAppendTime`.
    pub timestamp_type: &'static str,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// None when the broker did not send one.
    pub leader_epoch: Option<i32>,
}

fn headers_type() -> DataType {
    DataType::Map(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![
                Field::new("key", DataType::Utf8, false),
                Field::new("value", DataType::Binary, true),
            ])),
            false,
        )),
        false,
    )
}

/// The keys Flink's Kafka source reads, with Flink's types.
pub fn readable() -> Vec<(&'static str, DataType)> {
    vec![
        ("topic", DataType::Utf8),
        ("partition", DataType::Int32),
        ("headers", headers_type()),
        ("leader-epoch", DataType::Int32),
        ("offset", DataType::Int64),
        (
            "timestamp",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        ),
        ("timestamp-type", DataType::Utf8),
    ]
}

/// The scan column of metadata `key` (only `leader-epoch` is nullable, as in Flink).
pub fn field(key: &str) -> Field {
    let t = readable()
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| t)
        .unwrap_or(DataType::Utf8);
    Field::new(metadata_column_name(key), t, key == "leader-epoch")
}

/// The metadata columns of `keys` for the rows `rows` (each the index of its record).
pub fn columns(topic: &str, keys: &[String], records: &[Record], rows: &[usize]) -> Vec<ArrayRef> {
    let meta = |i: usize| records[i].meta.as_deref().cloned().unwrap_or_default();
    keys.iter()
        .map(|k| -> ArrayRef {
            match k.as_str() {
                "topic" => Arc::new(StringArray::from_iter_values(rows.iter().map(|_| topic))),
                "partition" => Arc::new(Int32Array::from_iter_values(
                    rows.iter().map(|&i| records[i].partition),
                )),
                "offset" => Arc::new(Int64Array::from_iter_values(
                    rows.iter().map(|&i| records[i].offset),
                )),
                "leader-epoch" => Arc::new(Int32Array::from_iter(
                    rows.iter().map(|&i| meta(i).leader_epoch),
                )),
                "timestamp" => Arc::new(
                    TimestampMillisecondArray::from_iter_values(
                        rows.iter().map(|&i| meta(i).timestamp),
                    )
                    .with_timezone("UTC"),
                ),
                "timestamp-type" => Arc::new(StringArray::from_iter_values(
                    rows.iter().map(|&i| meta(i).timestamp_type),
                )),
                "headers" => {
                    // the field names of Weft's MAP<STRING, BYTES> (core/src/script/types.rs)
                    let names = arrow::array::MapFieldNames {
                        entry: "entries".into(),
                        key: "key".into(),
                        value: "value".into(),
                    };
                    let mut b =
                        MapBuilder::new(Some(names), StringBuilder::new(), BinaryBuilder::new())
                            .with_keys_field(Arc::new(Field::new("key", DataType::Utf8, false)))
                            .with_values_field(Arc::new(Field::new(
                                "value",
                                DataType::Binary,
                                true,
                            )));
                    for &i in rows {
                        // Flink puts the headers into a map: a repeated key keeps its last value
                        let headers = meta(i).headers;
                        let mut seen: Vec<&(String, Option<Vec<u8>>)> = Vec::new();
                        for h in headers.iter().rev() {
                            if !seen.iter().any(|s| s.0 == h.0) {
                                seen.push(h);
                            }
                        }
                        seen.reverse();
                        for (key, value) in seen {
                            b.keys().append_value(key);
                            match value {
                                Some(v) => b.values().append_value(v),
                                None => b.values().append_null(),
                            }
                        }
                        b.append(true).expect("keys and values appended together");
                    }
                    Arc::new(b.finish())
                }
                _ => arrow::array::new_null_array(&DataType::Utf8, rows.len()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, MapArray};

    fn record(offset: i64, headers: Vec<(&str, Option<&[u8]>)>) -> Record {
        Record {
            partition: 2,
            offset,
            value: vec![],
            meta: Some(Box::new(RecordMeta {
                timestamp: 1_700_000_000_000 + offset,
                timestamp_type: "CreateTime",
                headers: headers
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.map(|v| v.to_vec())))
                    .collect(),
                leader_epoch: None,
            })),
        }
    }

    #[test]
    fn columns_follow_the_rows_that_were_decoded() {
        let records = vec![
            record(5, vec![("a", Some(b"1")), ("a", Some(b"2")), ("n", None)]),
            record(6, vec![]),
        ];
        let keys: Vec<String> = ["offset", "headers", "leader-epoch", "topic"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // row 0 from record 1, rows 1 and 2 from record 0 (a CDC record with two changes)
        let cols = columns("t", &keys, &records, &[1, 0, 0]);
        let offsets = cols[0].as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(offsets.values(), &[6, 5, 5]);
        let headers = cols[1].as_any().downcast_ref::<MapArray>().unwrap();
        assert_eq!(headers.value_length(0), 0);
        // the repeated key keeps its last value
        assert_eq!(headers.value_length(1), 2);
        let entry = headers.value(1);
        let values = entry
            .column(1)
            .as_any()
            .downcast_ref::<arrow::array::BinaryArray>()
            .unwrap();
        assert_eq!(values.value(0), b"2");
        assert!(values.is_null(1));
        assert_eq!(cols[2].null_count(), 3);
        assert_eq!(cols[3].len(), 3);
        assert_eq!(*cols[1].data_type(), *field("headers").data_type());
    }
}
