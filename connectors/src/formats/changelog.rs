//! Rows with a change kind, as Flink's `RowKind`: CDC formats decode into these, changelog
//! sinks (Delta upserts) apply them by primary key.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int8Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde_json::{Map, Value};
use weft_core::{Result, WeftError};

/// The column a changelog batch carries its row kinds in (after the table's columns).
pub const ROW_KIND_COLUMN: &str = "_weft_row_kind";
/// The column that orders a changelog's rows (Kafka offset × 1024 + position in the
/// message): of several changes to one key, the highest is the latest.
pub const SEQ_COLUMN: &str = "_weft_seq";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i8)]
pub enum RowKind {
    Insert = 0,
    UpdateBefore = 1,
    UpdateAfter = 2,
    Delete = 3,
}

impl RowKind {
    pub fn from_code(c: i8) -> Option<Self> {
        Some(match c {
            0 => Self::Insert,
            1 => Self::UpdateBefore,
            2 => Self::UpdateAfter,
            3 => Self::Delete,
            _ => return None,
        })
    }

    /// Flink's short string: `+I`, `-U`, `+U`, `-D`.
    pub fn short(self) -> &'static str {
        match self {
            Self::Insert => "+I",
            Self::UpdateBefore => "-U",
            Self::UpdateAfter => "+U",
            Self::Delete => "-D",
        }
    }

    /// Whether the row is in the table after the change (+I, +U).
    pub fn is_addition(self) -> bool {
        matches!(self, Self::Insert | Self::UpdateAfter)
    }
}

/// One decoded change: its kind and the row as JSON fields.
pub type Change = (RowKind, Map<String, Value>);

/// `schema` plus the row-kind column.
pub fn changelog_schema(schema: &Schema) -> SchemaRef {
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(ROW_KIND_COLUMN, DataType::Int8, false));
    Arc::new(Schema::new(fields))
}

/// Changes as one Arrow batch of `schema`'s columns (JSON values converted as arrow-json
/// does: numbers from numbers or numeric strings, …) plus the row-kind column.
pub fn to_batch(schema: &SchemaRef, changes: &[Change]) -> Result<RecordBatch> {
    let mut decoder = arrow::json::ReaderBuilder::new(schema.clone())
        .with_coerce_primitive(true)
        .build_decoder()?;
    let rows: Vec<&Map<String, Value>> = changes.iter().map(|(_, r)| r).collect();
    decoder
        .serialize(&rows)
        .map_err(|e| WeftError::io(format!("a change does not fit the table's columns: {e}")))?;
    let data = match decoder.flush()? {
        Some(b) => b,
        None => RecordBatch::new_empty(schema.clone()),
    };
    let kinds: ArrayRef = Arc::new(Int8Array::from_iter_values(
        changes.iter().map(|(k, _)| *k as i8),
    ));
    let mut columns = data.columns().to_vec();
    columns.push(kinds);
    Ok(RecordBatch::try_new(changelog_schema(schema), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int64Array, StringArray};

    #[test]
    fn changes_become_a_batch_with_kinds() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
        ]));
        let row = |id: Value, name: &str| {
            let mut m = Map::new();
            m.insert("id".into(), id);
            m.insert("name".into(), Value::String(name.into()));
            m
        };
        let changes = vec![
            (RowKind::Insert, row(Value::from(1), "a")),
            (RowKind::Delete, row(Value::String("2".into()), "b")),
        ];
        let b = to_batch(&schema, &changes).unwrap();
        assert_eq!(b.num_columns(), 3);
        let ids = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(ids.values(), &[1, 2]);
        let names = b.column(1).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(names.value(1), "b");
        let kinds = b.column(2).as_any().downcast_ref::<Int8Array>().unwrap();
        assert_eq!(kinds.values(), &[0, 3]);
        assert_eq!(kinds.len(), 2);
    }
}
