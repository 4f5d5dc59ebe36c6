//! Kafka record values → Arrow batches, per the table's format. A malformed record fails
//! the read naming its partition, offset and a sample, or, with
//! `<format>.ignore-parse-errors`, is skipped and counted.

use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, SchemaRef};
use serde_json::Value;
use weft_core::{Result, WeftError};

use super::metadata::{self, RecordMeta};
use super::options::{KafkaOptions, ValueFormat};
use crate::filesystem::json_read::columns::{self as json_columns, Column as JsonColumn};
use crate::filesystem::json_read::row::RowReader;
use crate::formats::{CdcFormat, cdc, to_batch};

/// One record as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub value: Vec<u8>,
    /// Kept only when the table reads METADATA columns.
    pub meta: Option<Box<RecordMeta>>,
}

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
    /// The payload's columns (the table's physical ones).
    schema: SchemaRef,
    /// Flink's json reader, when it reads every column (else Arrow's JSON decoder).
    json: Option<Arc<RowReader>>,
    /// The METADATA keys read, as columns after the payload's.
    keys: Vec<String>,
    pub skipped: u64,
}

impl Decoder {
    pub fn new(options: KafkaOptions, schema: SchemaRef, keys: Vec<String>) -> Self {
        let native = schema
            .fields()
            .iter()
            .all(|f| json_columns::supported(f.data_type()));
        let json = (options.format == ValueFormat::Json && native).then(|| {
            Arc::new(RowReader {
                names: schema
                    .fields()
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.name().clone(), i))
                    .collect(),
                how: json_columns::Reading {
                    big_decimal_floats: schema
                        .fields()
                        .iter()
                        .any(|f| json_columns::has_decimal(f.data_type())),
                    lenient: options.ignore_parse_errors,
                    ..Default::default()
                },
            })
        });
        Decoder {
            options,
            schema,
            json,
            keys,
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
            r.partition,
            r.offset,
            sample(&r.value),
            self.options.format.name()
        )))
    }

    /// Decode a run of records into one batch: the payload's columns, the metadata
    /// columns, then (for changelog formats) the row kind and order columns.
    pub fn decode(&mut self, records: &[Record]) -> Result<RecordBatch> {
        let (batch, rows) = match self.options.format {
            ValueFormat::Raw => self.raw(records)?,
            ValueFormat::Json => self.json(records)?,
            ValueFormat::Csv => self.csv(records)?,
            f => match f.cdc() {
                Some(cdc) => self.changes(cdc, records)?,
                None => return Err(WeftError::internal(format!("no decoder for {}", f.name()))),
            },
        };
        if self.keys.is_empty() {
            return Ok(batch);
        }
        // the payload's columns end before the changelog's
        let payload = self.schema.fields().len();
        let mut fields: Vec<arrow::datatypes::Field> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let mut columns = batch.columns().to_vec();
        let meta = metadata::columns(&self.options.topic, &self.keys, records, &rows);
        let meta_fields = self.keys.iter().map(|k| metadata::field(k));
        fields.splice(payload..payload, meta_fields);
        columns.splice(payload..payload, meta);
        Ok(RecordBatch::try_new(
            Arc::new(arrow::datatypes::Schema::new(fields)),
            columns,
        )?)
    }

    /// Changelog records: the declared columns, then the row kind and order columns.
    fn changes(&mut self, cdc: CdcFormat, records: &[Record]) -> Result<(RecordBatch, Vec<usize>)> {
        let mut changes = Vec::new();
        let mut seqs = Vec::new();
        let mut rows = Vec::new();
        for (at, r) in records.iter().enumerate() {
            match cdc::decode(cdc, &r.value, self.options.debezium_schema_include) {
                Ok(cs) => {
                    for (i, c) in cs.into_iter().enumerate() {
                        seqs.push(r.offset * 1024 + i.min(1023) as i64);
                        changes.push(c);
                        rows.push(at);
                    }
                }
                Err(why) => self.malformed(r, &why)?,
            }
        }
        let batch = match to_batch(&self.schema, &changes) {
            Ok(b) => b,
            Err(e) => {
                // Name the first change that does not fit the columns.
                let at = records
                    .first()
                    .map(|r| (r.partition, r.offset))
                    .unwrap_or_default();
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
        let batch = RecordBatch::try_new(Arc::new(arrow::datatypes::Schema::new(fields)), columns)?;
        Ok((batch, rows))
    }

    fn raw(&mut self, records: &[Record]) -> Result<(RecordBatch, Vec<usize>)> {
        let field = &self.schema.fields()[0];
        let column: ArrayRef = match field.data_type() {
            DataType::Binary => Arc::new(BinaryArray::from_iter_values(
                records.iter().map(|r| &r.value),
            )),
            _ => Arc::new(StringArray::from_iter_values(
                records
                    .iter()
                    .map(|r| String::from_utf8_lossy(&r.value).into_owned()),
            )),
        };
        let batch = RecordBatch::try_new(self.schema.clone(), vec![column])?;
        Ok((batch, (0..records.len()).collect()))
    }

    /// Flink's json reader over each record (an object is a row, an array of objects a row
    /// each, an empty record none).
    fn flink_json(
        &mut self,
        reader: &RowReader,
        records: &[Record],
    ) -> Result<(RecordBatch, Vec<usize>)> {
        let mut columns: Vec<JsonColumn> = self
            .schema
            .fields()
            .iter()
            .map(|f| JsonColumn::nested(f.data_type(), records.len()))
            .collect();
        let mut rows = Vec::with_capacity(records.len());
        for (at, r) in records.iter().enumerate() {
            let Ok(text) = std::str::from_utf8(&r.value) else {
                self.malformed(r, "not UTF-8 text")?;
                continue;
            };
            let (n, bad) = reader.read(text, &mut columns);
            rows.extend(std::iter::repeat_n(at, n));
            if let Some(bad) = bad {
                self.malformed(r, &bad.describe())?;
            }
        }
        let arrays = columns.into_iter().map(JsonColumn::finish).collect();
        let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(rows.len()));
        let batch = RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)?;
        Ok((batch, rows))
    }

    fn json(&mut self, records: &[Record]) -> Result<(RecordBatch, Vec<usize>)> {
        if let Some(reader) = self.json.clone() {
            return self.flink_json(&reader, records);
        }
        let mut rows = Vec::with_capacity(records.len());
        for (at, r) in records.iter().enumerate() {
            match serde_json::from_slice::<Value>(&r.value) {
                Ok(Value::Object(m)) => rows.push((at, Value::Object(m))),
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
        let empty_schema = self.schema.clone();
        let empty = || RecordBatch::new_empty(empty_schema.clone());
        let all: Vec<&Value> = rows.iter().map(|(_, v)| v).collect();
        if let Ok(b) = batch(&all) {
            return Ok((
                b.unwrap_or_else(empty),
                rows.iter().map(|(at, _)| *at).collect(),
            ));
        }
        // Find the records whose values do not fit the columns.
        let (mut good, mut kept) = (Vec::new(), Vec::new());
        for (at, v) in &rows {
            match batch(&[v]) {
                Ok(_) => {
                    good.push(v);
                    kept.push(*at);
                }
                Err(e) => self.malformed(
                    &records[*at],
                    &format!("does not fit the table's columns ({e})"),
                )?,
            }
        }
        let b = batch(&good).map_err(WeftError::io)?;
        Ok((b.unwrap_or_else(empty), kept))
    }

    fn csv(&mut self, records: &[Record]) -> Result<(RecordBatch, Vec<usize>)> {
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
        let empty_schema = self.schema.clone();
        let empty = || RecordBatch::new_empty(empty_schema.clone());
        let all: Vec<&[u8]> = records.iter().map(|r| r.value.as_slice()).collect();
        if let Ok(b) = one(&all) {
            return Ok((b.unwrap_or_else(empty), (0..records.len()).collect()));
        }
        let (mut good, mut kept) = (Vec::new(), Vec::new());
        for (at, r) in records.iter().enumerate() {
            match one(&[&r.value]) {
                Ok(_) => {
                    good.push(r.value.as_slice());
                    kept.push(at);
                }
                Err(e) => {
                    self.malformed(r, &format!("not a CSV row of the table's columns ({e})"))?
                }
            }
        }
        let b = one(&good).map_err(WeftError::io)?;
        Ok((b.unwrap_or_else(empty), kept))
    }
}
