//! ARRAY, MAP and ROW columns of Flink's json format: an ARRAY from a JSON array, element
//! by element; a MAP<STRING, V> from an object (a repeated key keeps its last value); a ROW
//! from an object, its fields matched by exact name (missing ones NULL). Any other JSON
//! value fails the field. With `json.ignore-parse-errors` an element, value or field that
//! cannot be read is NULL where it is, as Flink's null-safe converters make it.

use std::sync::Arc;

use arrow::array::{ArrayRef, ListArray, MapArray, NullBufferBuilder, StringBuilder, StructArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, FieldRef, Fields};

use super::columns::{Column, Reading, Refused};
use super::lexer::{Kind, Lexer, Token};

pub struct ListColumn {
    field: FieldRef,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    values: Column,
}

pub struct MapColumn {
    entries: FieldRef,
    ordered: bool,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    keys: StringBuilder,
    values: Column,
}

pub struct StructColumn {
    fields: Fields,
    nulls: NullBufferBuilder,
    children: Vec<Column>,
}

/// Appends `v` to `c`, or NULL in its place when it cannot be read and `how.lenient`.
fn append_or_null(c: &mut Column, v: &Token<'_>, how: Reading) -> Result<(), Refused> {
    match c.append(v, how) {
        Ok(()) => Ok(()),
        Err(_) if how.lenient => {
            c.append_null();
            Ok(())
        }
        Err(e) => Err(e),
    }
}

impl ListColumn {
    pub fn new(field: &FieldRef, rows: usize) -> Self {
        ListColumn {
            field: field.clone(),
            offsets: vec![0],
            nulls: NullBufferBuilder::new(rows),
            values: Column::nested(field.data_type(), rows),
        }
    }

    pub fn append_null(&mut self) {
        self.offsets.push(*self.offsets.last().unwrap());
        self.nulls.append_null();
    }

    pub fn append(&mut self, v: &Token<'_>, how: Reading) -> Result<(), Refused> {
        if v.kind != Kind::Array {
            return Err(format!("{} is not an array", kind_name(v)));
        }
        let mut elements = Vec::new();
        Lexer::new(v.text)
            .elements(|t| elements.push(t))
            .map_err(|e| e.what)?;
        for e in &elements {
            append_or_null(&mut self.values, e, how)
                .map_err(|why| format!("element {}: {why}", elements.len()))?;
        }
        self.offsets
            .push(self.offsets.last().unwrap() + elements.len() as i32);
        self.nulls.append_non_null();
        Ok(())
    }

    pub fn finish(mut self) -> ArrayRef {
        Arc::new(ListArray::new(
            self.field,
            OffsetBuffer::new(self.offsets.into()),
            self.values.finish(),
            self.nulls.finish(),
        ))
    }
}

impl MapColumn {
    pub fn new(entries: &FieldRef, ordered: bool, rows: usize) -> Self {
        let DataType::Struct(kv) = entries.data_type() else {
            unreachable!("a map's entries are a struct")
        };
        MapColumn {
            entries: entries.clone(),
            ordered,
            offsets: vec![0],
            nulls: NullBufferBuilder::new(rows),
            keys: StringBuilder::new(),
            values: Column::nested(kv[1].data_type(), rows),
        }
    }

    pub fn append_null(&mut self) {
        self.offsets.push(*self.offsets.last().unwrap());
        self.nulls.append_null();
    }

    pub fn append(&mut self, v: &Token<'_>, how: Reading) -> Result<(), Refused> {
        if v.kind != Kind::Object {
            return Err(format!("{} is not an object of map entries", kind_name(v)));
        }
        let mut entries: Vec<(std::borrow::Cow<'_, str>, Token<'_>)> = Vec::new();
        Lexer::new(v.text)
            .fields(|k, t| match entries.iter_mut().find(|(e, _)| *e == k) {
                // a repeated key keeps its last value, as Flink's HashMap does
                Some(e) => e.1 = t,
                None => entries.push((k, t)),
            })
            .map_err(|e| e.what)?;
        for (k, t) in &entries {
            append_or_null(&mut self.values, t, how).map_err(|why| format!("key {k}: {why}"))?;
            self.keys.append_value(k);
        }
        self.offsets
            .push(self.offsets.last().unwrap() + entries.len() as i32);
        self.nulls.append_non_null();
        Ok(())
    }

    pub fn finish(mut self) -> ArrayRef {
        let DataType::Struct(kv) = self.entries.data_type() else {
            unreachable!("a map's entries are a struct")
        };
        let keys: ArrayRef = Arc::new(self.keys.finish());
        let entries = StructArray::new(kv.clone(), vec![keys, self.values.finish()], None);
        Arc::new(MapArray::new(
            self.entries,
            OffsetBuffer::new(self.offsets.into()),
            entries,
            self.nulls.finish(),
            self.ordered,
        ))
    }
}

impl StructColumn {
    pub fn new(fields: &Fields, rows: usize) -> Self {
        StructColumn {
            fields: fields.clone(),
            nulls: NullBufferBuilder::new(rows),
            children: fields
                .iter()
                .map(|f| Column::nested(f.data_type(), rows))
                .collect(),
        }
    }

    pub fn append_null(&mut self) {
        for c in &mut self.children {
            c.append_null();
        }
        self.nulls.append_null();
    }

    pub fn append(&mut self, v: &Token<'_>, how: Reading) -> Result<(), Refused> {
        if v.kind != Kind::Object {
            return Err(format!("{} is not an object", kind_name(v)));
        }
        let mut slots: Vec<Option<Token<'_>>> = vec![None; self.fields.len()];
        Lexer::new(v.text)
            .fields(|k, t| {
                if let Some(i) = self.fields.iter().position(|f| f.name() == k.as_ref()) {
                    slots[i] = Some(t);
                }
            })
            .map_err(|e| e.what)?;
        for (i, (c, slot)) in self.children.iter_mut().zip(&slots).enumerate() {
            let name = self.fields[i].name();
            match slot {
                None if how.fail_on_missing => {
                    return Err(format!("the object has no field `{name}`"));
                }
                None => c.append_null(),
                Some(t) => {
                    append_or_null(c, t, how).map_err(|why| format!("field `{name}`: {why}"))?
                }
            }
        }
        self.nulls.append_non_null();
        Ok(())
    }

    pub fn finish(mut self) -> ArrayRef {
        let children = self.children.into_iter().map(Column::finish).collect();
        Arc::new(StructArray::new(self.fields, children, self.nulls.finish()))
    }
}

fn kind_name(v: &Token<'_>) -> &'static str {
    match v.kind {
        Kind::String { .. } => "a string",
        Kind::Number { .. } => "a number",
        Kind::True | Kind::False => "a boolean",
        Kind::Object => "an object",
        Kind::Array => "an array",
        Kind::Null => "null",
    }
}
