//! Flink's json reader over one file or byte range (its `FileSource` is
//! [`crate::filesystem::native_source::NativeSource`]). As Flink's
//! filesystem source does, it hands the format one `\n`-ended line at a time (a `\r`
//! before the `\n` dropped): an empty line is no row; a blank one, `null` or a scalar fails
//! the job (skipped with `json.ignore-parse-errors`); an object is a row, an array of
//! objects a row each. A byte-range split reads the lines that start inside it.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileOpenFuture, FileOpener};
use datafusion::error::{DataFusionError, Result as DfResult};
use futures::StreamExt;
use object_store::ObjectStore;

use super::FlinkJsonFormat;
use super::columns::{Column, Reading, has_decimal};
use super::row::{Bad, RowReader};
use crate::filesystem::csv_read::{BLOCK, Chunks, line_of};
use crate::filesystem::native_source::{FlinkFormat, NativeSource, split_of};

/// DataFusion's `FileSource` over Flink's JSON reader.
pub type FlinkJsonSource = NativeSource<FlinkJsonFormat>;

impl FlinkFormat for FlinkJsonFormat {
    fn file_type(&self) -> &'static str {
        "flink-json"
    }

    fn lenient(&self) -> bool {
        self.lenient
    }

    fn opener(
        self: &Arc<Self>,
        store: Arc<dyn ObjectStore>,
        store_url: String,
        columns: Vec<usize>,
        schema: SchemaRef,
        batch_size: usize,
    ) -> Arc<dyn FileOpener> {
        Arc::new(FlinkJsonOpener {
            format: self.clone(),
            store,
            store_url,
            names: columns
                .iter()
                .enumerate()
                .map(|(i, &c)| (self.types[c].0.clone(), i))
                .collect(),
            columns,
            schema,
            batch_size,
        })
    }
}

struct FlinkJsonOpener {
    format: Arc<FlinkJsonFormat>,
    store: Arc<dyn ObjectStore>,
    store_url: String,
    /// The file columns read, in the order of `schema`.
    columns: Vec<usize>,
    /// A read column's name → its index in `schema`.
    names: HashMap<String, usize>,
    schema: SchemaRef,
    batch_size: usize,
}

impl FileOpener for FlinkJsonOpener {
    fn open(&self, file: PartitionedFile) -> DfResult<FileOpenFuture> {
        let size = file.object_meta.size;
        let (start, end, name) = split_of(&file, &self.store_url);
        let file = Arc::new(File {
            format: self.format.clone(),
            store: self.store.clone(),
            name,
            location: file.object_meta.location.clone(),
            types: self
                .columns
                .iter()
                .map(|&c| self.format.types[c].1.clone())
                .collect(),
            rows: RowReader {
                names: self.names.clone(),
                how: Reading {
                    iso8601: self.format.iso8601,
                    big_decimal_floats: self.format.types.iter().any(|(_, t)| has_decimal(t)),
                    lenient: self.format.lenient,
                    fail_on_missing: self.format.fail_on_missing,
                },
            },
            schema: self.schema.clone(),
            batch_size: self.batch_size,
        });
        Ok(Box::pin(async move {
            if start >= end || start >= size {
                return Ok(futures::stream::empty().boxed());
            }
            let fetch = start.saturating_sub(1);
            let chunks = Chunks::open(file.store.as_ref(), &file.location, fetch, size).await?;
            let reader = Reader {
                file,
                chunks,
                buf: Vec::with_capacity(BLOCK * 2),
                pos: 0,
                offset: fetch,
                eof: false,
                aligned: start == 0,
                end,
            };
            Ok(futures::stream::try_unfold(reader, |mut r| async move {
                Ok(r.next_batch().await?.map(|b| (b, r)))
            })
            .boxed())
        }))
    }
}

/// What every line of one file is read with.
struct File {
    format: Arc<FlinkJsonFormat>,
    store: Arc<dyn ObjectStore>,
    location: object_store::path::Path,
    name: String,
    /// The declared types of the read columns, in `schema` order.
    types: Vec<arrow::datatypes::DataType>,
    rows: RowReader,
    schema: SchemaRef,
    batch_size: usize,
}

struct Reader {
    file: Arc<File>,
    chunks: Chunks,
    buf: Vec<u8>,
    pos: usize,
    /// The file offset of `buf[0]`.
    offset: u64,
    eof: bool,
    aligned: bool,
    /// No line starting at or after it is read.
    end: u64,
}

impl Reader {
    async fn fill(&mut self) -> DfResult<()> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.offset += self.pos as u64;
            self.pos = 0;
        }
        if !self.chunks.fill(&mut self.buf).await? {
            self.eof = true;
        }
        Ok(())
    }

    async fn next_batch(&mut self) -> DfResult<Option<RecordBatch>> {
        let f = self.file.clone();
        let mut columns: Vec<Column> = f
            .types
            .iter()
            .map(|t| Column::new(t, f.batch_size))
            .collect();
        let mut rows = 0usize;
        loop {
            if !self.aligned {
                match self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.pos += i + 1;
                        self.aligned = true;
                    }
                    None if self.eof => break,
                    None => {
                        self.pos = self.buf.len();
                        self.fill().await?;
                        continue;
                    }
                }
            }
            if self.offset + self.pos as u64 >= self.end || rows >= f.batch_size {
                break;
            }
            let (line_end, next) = match self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                Some(i) => (self.pos + i, self.pos + i + 1),
                None if self.eof => (self.buf.len(), self.buf.len()),
                None => {
                    self.fill().await?;
                    continue;
                }
            };
            if line_end == self.pos && next == self.pos {
                break; // the end of the file
            }
            let at = self.offset + self.pos as u64;
            let mut bytes = &self.buf[self.pos..line_end];
            if bytes.last() == Some(&b'\r') {
                bytes = &bytes[..bytes.len() - 1];
            }
            let outcome = match std::str::from_utf8(bytes) {
                Err(_) => (0, Some(Bad::Line("it is not UTF-8 text".into()))),
                Ok(line) => f.rows.read(line, &mut columns),
            };
            rows += outcome.0;
            if let Some(bad) = outcome.1
                && !f.format.lenient
            {
                return Err(f.error(bad, at).await);
            }
            self.pos = next;
        }
        if rows == 0 {
            return Ok(None);
        }
        let arrays = columns.into_iter().map(Column::finish).collect();
        let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(Some(
            RecordBatch::try_new_with_options(f.schema.clone(), arrays, &options)
                .map_err(|e| DataFusionError::ArrowError(Box::new(e), None))?,
        ))
    }
}

impl File {
    async fn error(&self, bad: Bad, at: u64) -> DataFusionError {
        let line = line_of(self.store.as_ref(), &self.location, at).await;
        let message = match bad {
            Bad::Value(column, text, why) => format!(
                "line {line} of {}: cannot read {text} into column `{column}` of table `{}` ({why}), which Flink's JSON reader cannot either",
                self.name, self.format.table
            ),
            Bad::Missing(column) => format!(
                "line {line} of {}: the object has no field `{column}` (a column of table `{}`), which 'json.fail-on-missing-field' = 'true' requires, as in Flink",
                self.name, self.format.table
            ),
            Bad::Line(why) => format!(
                "line {line} of {} is not a JSON object Flink's JSON reader can read: {why}",
                self.name
            ),
        };
        DataFusionError::ArrowError(Box::new(ArrowError::JsonError(message)), None)
    }
}
