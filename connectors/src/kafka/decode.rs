//! Kafka record values → Arrow batches, per the table's format. A malformed record fails
//! the read naming its partition, offset and a sample, or, with
//! `<format>.ignore-parse-errors`, is skipped and counted.

use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, SchemaRef};
use serde_json::Value;
use weft_core::{Result, WeftError};

use super::options::{KafkaOptions, ValueFormat};
use crate::formats::{CdcFormat, cdc, to_batch};

/// One record: (partition, offset, value).
pub type Record = (i32, i64, Vec<u8>);

/// The first bytes of a record, for messages.
fn sample(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(&value[..value.len().min(120)]).into_owned();
    if value.len() > 120 {
        format!("{s}…")
    } else {
        s
    }
}

pub struct Decoder {
    options: KafkaOptions,
    schema: SchemaRef,
    pub skipped: u64,
}

impl Decoder {
    pub fn new(options: KafkaOptions, schema: SchemaRef) -> Self {
        Decoder {
            options,
            schema,
            skipped: 0,
        }
    }

    fn malformed(&mut self, r: &Record, why: &str) -> Result<()> {
        if self.options.ignore_parse_errors {
            self.skipped += 1;
            return Ok(());
        }
        Err(WeftError::io(format!(
            "malformed {} record in topic '{}' partition {} offset {}: {why}; record: '{}' (set '{}.ignore-parse-errors' = 'true' to skip such records)",
            self.options.format.name(),
            self.options.topic,
            r.0,
            r.1,
            sample(&r.2),
            self.options.format.name()
        )))
    }

    /// Decode a run of records into one batch.
    pub fn decode(&mut self, records: &[Record]) -> Result<RecordBatch> {
        match self.options.format {
            ValueFormat::Raw => self.raw(records),
            ValueFormat::Json => self.json(records),
            ValueFormat::Csv => self.csv(records),
            f => match f.cdc() {
                Some(cdc) => self.changes(cdc, records),
                None => Err(WeftError::internal(format!("no decoder for {}", f.name()))),
            },
        }
    }

    /// Changelog records: the declared columns, then the row kind and order columns.
    fn changes(&mut self, cdc: CdcFormat, records: &[Record]) -> Result<RecordBatch> {
        let mut changes = Vec::new();
        let mut seqs = Vec::new();
        for r in records {
            match cdc::decode(cdc, &r.2, self.options.debezium_schema_include) {
                Ok(cs) => {
                    for (i, c) in cs.into_iter().enumerate() {
                        seqs.push(r.1 * 1024 + i.min(1023) as i64);
                        changes.push(c);
                    }
                }
                Err(why) => self.malformed(r, &why)?,
            }
        }
        let batch = match to_batch(&self.schema, &changes) {
            Ok(b) => b,
            Err(e) => {
                // Name the first change that does not fit the columns.
                let at = records.first().map(|r| (r.0, r.1)).unwrap_or_default();
                return Err(WeftError::io(format!(
                    "{} records of topic '{}' from partition {} offset {} do not fit the table's columns: {e}",
                    cdc.name(),
                    self.options.topic,
                    at.0,
                    at.1
                )));
            }
        };
        let mut columns = batch.columns().to_vec();
        columns.push(Arc::new(arrow::array::Int64Array::from(seqs)));
        let mut fields: Vec<arrow::datatypes::Field> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let last = fields.len() - 1;
        fields[last] =
            arrow::datatypes::Field::new(crate::formats::ROW_KIND_COLUMN, DataType::Int8, false);
        fields.push(arrow::datatypes::Field::new(
            crate::formats::SEQ_COLUMN,
            DataType::Int64,
            false,
        ));
        Ok(RecordBatch::try_new(
            Arc::new(arrow::datatypes::Schema::new(fields)),
            columns,
        )?)
    }

    fn raw(&mut self, records: &[Record]) -> Result<RecordBatch> {
        let field = &self.schema.fields()[0];
        let column: ArrayRef = match field.data_type() {
            DataType::Binary => {
                Arc::new(BinaryArray::from_iter_values(records.iter().map(|r| &r.2)))
            }
            _ => Arc::new(StringArray::from_iter_values(
                records
                    .iter()
                    .map(|r| String::from_utf8_lossy(&r.2).into_owned()),
            )),
        };
        Ok(RecordBatch::try_new(self.schema.clone(), vec![column])?)
    }

    fn json(&mut self, records: &[Record]) -> Result<RecordBatch> {
        let mut rows = Vec::with_capacity(records.len());
        for r in records {
            match serde_json::from_slice::<Value>(&r.2) {
                Ok(Value::Object(m)) => rows.push((r, Value::Object(m))),
                Ok(other) => {
                    let why = format!("not a JSON object but {other}");
                    self.malformed(r, &why)?
                }
                Err(e) => self.malformed(r, &format!("not JSON: {e}"))?,
            }
        }
        let schema = self.schema.clone();
        let batch = |rows: &[&Value]| -> std::result::Result<Option<RecordBatch>, String> {
            let mut d = arrow::json::ReaderBuilder::new(schema.clone())
                .with_coerce_primitive(true)
                .build_decoder()
                .map_err(|e| e.to_string())?;
            d.serialize(rows).map_err(|e| e.to_string())?;
            d.flush().map_err(|e| e.to_string())
        };
        let all: Vec<&Value> = rows.iter().map(|(_, v)| v).collect();
        if let Ok(b) = batch(&all) {
            return Ok(b.unwrap_or_else(|| RecordBatch::new_empty(self.schema.clone())));
        }
        // Find the records whose values do not fit the columns.
        let mut good = Vec::new();
        for (r, v) in &rows {
            match batch(&[v]) {
                Ok(_) => good.push(v),
                Err(e) => self.malformed(r, &format!("does not fit the table's columns ({e})"))?,
            }
        }
        let b = batch(&good).map_err(WeftError::io)?;
        Ok(b.unwrap_or_else(|| RecordBatch::new_empty(self.schema.clone())))
    }

    fn csv(&mut self, records: &[Record]) -> Result<RecordBatch> {
        let (schema, delimiter) = (self.schema.clone(), self.options.csv_delimiter);
        let one = |values: &[&[u8]]| -> std::result::Result<Option<RecordBatch>, String> {
            let mut d = arrow::csv::ReaderBuilder::new(schema.clone())
                .with_delimiter(delimiter)
                .build_decoder();
            for v in values {
                let mut line = v.to_vec();
                line.push(b'\n');
                let mut rest: &[u8] = &line;
                while !rest.is_empty() {
                    let n = d.decode(rest).map_err(|e| e.to_string())?;
                    if n == 0 {
                        break;
                    }
                    rest = &rest[n..];
                }
            }
            d.flush().map_err(|e| e.to_string())
        };
        let all: Vec<&[u8]> = records.iter().map(|r| r.2.as_slice()).collect();
        if let Ok(b) = one(&all) {
            return Ok(b.unwrap_or_else(|| RecordBatch::new_empty(self.schema.clone())));
        }
        let mut good = Vec::new();
        for r in records {
            match one(&[&r.2]) {
                Ok(_) => good.push(r.2.as_slice()),
                Err(e) => {
                    self.malformed(r, &format!("not a CSV row of the table's columns ({e})"))?
                }
            }
        }
        let b = one(&good).map_err(WeftError::io)?;
        Ok(b.unwrap_or_else(|| RecordBatch::new_empty(self.schema.clone())))
    }
}
