//! Flink's CSV reader over one file, or one byte range of it, as typed batches (the
//! `FileSource` is [`crate::filesystem::native_source::NativeSource`]).
//!
//! A byte-range split `[start, end)` reads the rows that start inside it: it skips to the
//! first line end at or after `start - 1`, and reads on past `end` to finish its last row
//! (DataFusion's own rule for CSV splits).

use std::io::Read;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use bytes::Bytes;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileOpenFuture, FileOpener};
use datafusion::error::{DataFusionError, Result as DfResult};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::{GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt};

use super::FlinkCsvFormat;
use super::columns::{BadValue, Reading, read_column};
use super::tokenize::{Dialect, Rows, Shape, TokenError, tokenize};
use crate::filesystem::native_source::{FlinkFormat, NativeSource, split_of};

/// Bytes a block holds before rows are split off it (a batch's rows fit in it).
pub(crate) const BLOCK: usize = 4 << 20;

/// DataFusion's `FileSource` over Flink's CSV reader.
pub type FlinkCsvSource = NativeSource<FlinkCsvFormat>;

impl FlinkFormat for FlinkCsvFormat {
    fn file_type(&self) -> &'static str {
        "flink-csv"
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
        Arc::new(FlinkCsvOpener {
            format: self.clone(),
            store,
            store_url,
            columns,
            schema,
            batch_size,
        })
    }
}

struct FlinkCsvOpener {
    format: Arc<FlinkCsvFormat>,
    store: Arc<dyn ObjectStore>,
    /// `file:///`, `hdfs://nn:8020`: file names in messages.
    store_url: String,
    /// The file columns read, in the order of `schema`.
    columns: Vec<usize>,
    schema: SchemaRef,
    batch_size: usize,
}

/// Where a file's bytes come from: a local file read in blocks, or a store's stream.
pub(crate) enum Chunks {
    File(std::fs::File),
    Stream(BoxStream<'static, object_store::Result<Bytes>>),
}

impl Chunks {
    /// The bytes of `location` from `fetch` on (the file is `size` bytes).
    pub(crate) async fn open(
        store: &dyn ObjectStore,
        location: &object_store::path::Path,
        fetch: u64,
        size: u64,
    ) -> DfResult<Chunks> {
        let options = GetOptions {
            range: Some(GetRange::Bounded(fetch..size)),
            ..Default::default()
        };
        let got = store.get_opts(location, options).await?;
        Ok(match got.payload {
            GetResultPayload::File(mut f, _) => {
                use std::io::{Seek, SeekFrom};
                f.seek(SeekFrom::Start(fetch))
                    .map_err(DataFusionError::IoError)?;
                Chunks::File(f)
            }
            GetResultPayload::Stream(s) => Chunks::Stream(s),
        })
    }

    /// Appends the next bytes to `buf`; false at the end of the file.
    pub(crate) async fn fill(&mut self, buf: &mut Vec<u8>) -> DfResult<bool> {
        match self {
            Chunks::File(f) => {
                let len = buf.len();
                buf.resize(len + BLOCK, 0);
                let n = f
                    .read(&mut buf[len..])
                    .map_err(|e| DataFusionError::IoError(e))?;
                buf.truncate(len + n);
                Ok(n > 0)
            }
            Chunks::Stream(s) => match s.try_next().await? {
                Some(b) => {
                    buf.extend_from_slice(&b);
                    Ok(true)
                }
                None => Ok(false),
            },
        }
    }
}

/// One file (or split) being read.
struct Reader {
    opener: Arc<OpenedFile>,
    chunks: Chunks,
    buf: Vec<u8>,
    /// Rows start at `buf[pos..]`.
    pos: usize,
    /// The file offset of `buf[0]`.
    offset: u64,
    /// Whether `buf` reaches the end of the file.
    eof: bool,
    /// Whether the split's first row has been found.
    aligned: bool,
    /// The split's end: no row starting at or after it is read.
    end: u64,
    rows: Rows,
}

/// What every block of one file is read with.
struct OpenedFile {
    format: Arc<FlinkCsvFormat>,
    store: Arc<dyn ObjectStore>,
    location: object_store::path::Path,
    name: String,
    columns: Vec<usize>,
    schema: SchemaRef,
    batch_size: usize,
}

impl FileOpener for FlinkCsvOpener {
    fn open(&self, file: PartitionedFile) -> DfResult<FileOpenFuture> {
        let size = file.object_meta.size;
        let (start, end, name) = split_of(&file, &self.store_url);
        let opened = Arc::new(OpenedFile {
            format: self.format.clone(),
            store: self.store.clone(),
            name,
            location: file.object_meta.location.clone(),
            columns: self.columns.clone(),
            schema: self.schema.clone(),
            batch_size: self.batch_size,
        });
        Ok(Box::pin(async move {
            if start >= end || start >= size {
                return Ok(futures::stream::empty().boxed());
            }
            // from the byte before the split: a line end there means a row starts at `start`
            let fetch = start.saturating_sub(1);
            let chunks = Chunks::open(opened.store.as_ref(), &opened.location, fetch, size).await?;
            let reader = Reader {
                opener: opened,
                chunks,
                buf: Vec::with_capacity(BLOCK * 2),
                pos: 0,
                offset: fetch,
                eof: false,
                aligned: start == 0,
                end,
                rows: Rows::default(),
            };
            Ok(futures::stream::try_unfold(reader, |mut r| async move {
                Ok(r.next_batch().await?.map(|b| (b, r)))
            })
            .boxed())
        }))
    }
}

impl Reader {
    /// Keeps `buf[pos..]` and reads more after it.
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
        let f = self.opener.clone();
        let dialect = f.format.dialect();
        let shape = Shape {
            columns: f.format.types.len(),
            lenient: f.format.lenient,
        };
        loop {
            if !self.aligned {
                match self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.pos += i + 1;
                        self.aligned = true;
                    }
                    None if self.eof => return Ok(None),
                    None => {
                        self.pos = self.buf.len();
                        self.fill().await?;
                        continue;
                    }
                }
            }
            if self.offset + self.pos as u64 >= self.end {
                return Ok(None);
            }
            if self.buf.len() - self.pos < BLOCK && !self.eof {
                self.fill().await?;
                continue;
            }
            let block = &self.buf[self.pos..];
            let stop = (self.end - self.offset - self.pos as u64).min(usize::MAX as u64) as usize;
            self.rows.clear();
            let used = match tokenize(
                block,
                self.eof,
                stop,
                &dialect,
                &shape,
                f.batch_size,
                &mut self.rows,
            ) {
                Ok(used) => used,
                Err(e) => {
                    let at = self.offset + (self.pos + e.offset()) as u64;
                    return Err(f.token_error(&e, at).await);
                }
            };
            if used == 0 {
                if self.eof {
                    return Ok(None);
                }
                // a row longer than the block: read on
                self.fill().await?;
                continue;
            }
            let block = &block[..used];
            if let Err(e) = std::str::from_utf8(block) {
                let at = self.offset + (self.pos + e.valid_up_to()) as u64;
                let line = f.line_of(at).await;
                return Err(csv_error(format!(
                    "line {line} of {} is not UTF-8 text (byte {at}), which Flink's CSV reader cannot read either",
                    f.name
                )));
            }
            let batch = if self.rows.is_empty() {
                None
            } else {
                match f.decode(block, &self.rows) {
                    Ok(b) => Some(b),
                    Err((column, bad)) => {
                        let at = self.offset + (self.pos + self.rows.start(bad.row)) as u64;
                        return Err(f.value_error(column, &bad, at).await);
                    }
                }
            };
            self.pos += used;
            if let Some(b) = batch {
                return Ok(Some(b));
            }
        }
    }
}

impl OpenedFile {
    /// The rows of `block` as a batch of the read columns; else the file column and the
    /// field that could not be read.
    fn decode(&self, block: &[u8], rows: &Rows) -> Result<RecordBatch, (usize, BadValue)> {
        let how = Reading {
            null_literal: self.format.null_literal.as_deref(),
            lenient: self.format.lenient,
            array_delimiter: &self.format.array_delimiter,
        };
        let mut arrays = Vec::with_capacity(self.columns.len());
        for &c in &self.columns {
            arrays.push(
                read_column(block, rows, c, &self.format.types[c].1, &how).map_err(|b| (c, b))?,
            );
        }
        let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(rows.len()));
        Ok(
            RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
                .expect("columns of the read schema"),
        )
    }

    async fn line_of(&self, at: u64) -> String {
        line_of(self.store.as_ref(), &self.location, at).await
    }

    async fn token_error(&self, e: &TokenError, at: u64) -> DataFusionError {
        let line = self.line_of(at).await;
        let file = &self.name;
        let table = &self.format.table;
        csv_error(match e {
            TokenError::FieldCount { fields, .. } => format!(
                "line {line} of {file} has {fields} field{} where table `{table}` has {} columns, which Flink's CSV reader fails on too",
                if *fields == 1 { "" } else { "s" },
                self.format.types.len()
            ),
            TokenError::MissingClosingQuote { .. } => format!(
                "line {line} of {file} opens a quoted field that is never closed (broken quoting fails in Flink too, with or without 'csv.ignore-parse-errors')"
            ),
            TokenError::AfterQuote { found, .. } => format!(
                "line {line} of {file} has '{}' after a closing quote where the field delimiter or the line's end must be (broken quoting fails in Flink too, with or without 'csv.ignore-parse-errors')",
                char::from(*found).escape_default()
            ),
            TokenError::DanglingEscape { .. } => format!(
                "{file} ends with the escape character, at line {line} (broken quoting fails in Flink too, with or without 'csv.ignore-parse-errors')"
            ),
        })
    }

    async fn value_error(&self, column: usize, bad: &BadValue, at: u64) -> DataFusionError {
        let line = self.line_of(at).await;
        let (name, t) = &self.format.types[column];
        let flink_type = weft_flink_sql::types::flink_name(t);
        let column = format!(
            "column `{name}` of table `{}` (line {line} of {})",
            self.format.table, self.name
        );
        let message = if bad.text.is_empty() {
            format!(
                "an empty field for {column}, which Flink's CSV reader cannot read as {flink_type} either (set 'csv.null-literal' = '' on the table to read empty fields as NULL)"
            )
        } else {
            format!(
                "cannot read '{}' as {flink_type} for {column}, as Flink's CSV reader cannot either",
                bad.text
            )
        };
        DataFusionError::ArrowError(Box::new(ArrowError::ParseError(message)), None)
    }
}

/// The 1-based line of file offset `at` (read again from the file's start: errors only).
pub(crate) async fn line_of(
    store: &dyn ObjectStore,
    location: &object_store::path::Path,
    at: u64,
) -> String {
    if at == 0 {
        return "1".into();
    }
    match store.get_range(location, 0..at).await {
        Ok(b) => (1 + b.iter().filter(|&&c| c == b'\n').count()).to_string(),
        Err(_) => format!("at byte {at}"),
    }
}

fn csv_error(message: String) -> DataFusionError {
    DataFusionError::ArrowError(Box::new(ArrowError::CsvError(message)), None)
}

impl FlinkCsvFormat {
    fn dialect(&self) -> Dialect {
        Dialect {
            delimiter: self.delimiter,
            quote: self.quote,
            escape: self.escape,
            comments: self.comments,
        }
    }
}
