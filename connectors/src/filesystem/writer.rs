//! One data file being written by the sink, in Parquet, CSV (as Flink's csv format writes
//! it, `csv_write.rs`) or JSON lines (as Flink's json format does, `json_write.rs`), through an object-store `BufWriter` (multipart upload).

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::error::{DataFusionError, Result};
use object_store::ObjectStore;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use parquet::arrow::AsyncArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use tokio::io::AsyncWriteExt;

use super::options::{Format, FsOptions};

const BUFFER: usize = 8 * 1024 * 1024;

pub(crate) enum FileWriter {
    Parquet(Box<AsyncArrowWriter<BufWriter>>),
    Text {
        out: Box<BufWriter>,
        format: Format,
        bytes: u64,
    },
}

impl FileWriter {
    pub fn open(
        store: Arc<dyn ObjectStore>,
        path: Path,
        schema: SchemaRef,
        options: &FsOptions,
    ) -> Result<Self> {
        let out = BufWriter::with_capacity(store, path, BUFFER);
        Ok(match options.format {
            Format::Parquet => {
                let compression = match options.parquet_compression.as_str() {
                    "snappy" => Compression::SNAPPY,
                    "gzip" => Compression::GZIP(GzipLevel::default()),
                    "lz4" => Compression::LZ4_RAW,
                    "uncompressed" => Compression::UNCOMPRESSED,
                    _ => Compression::ZSTD(ZstdLevel::default()),
                };
                let props = WriterProperties::builder()
                    .set_compression(compression)
                    .build();
                FileWriter::Parquet(Box::new(AsyncArrowWriter::try_new(
                    out,
                    schema,
                    Some(props),
                )?))
            }
            format => FileWriter::Text {
                out: Box::new(out),
                format,
                bytes: 0,
            },
        })
    }

    /// Bytes written so far (for Parquet including the row group being buffered).
    pub fn size(&self) -> u64 {
        match self {
            FileWriter::Parquet(w) => (w.bytes_written() + w.in_progress_size()) as u64,
            FileWriter::Text { bytes, .. } => *bytes,
        }
    }

    pub async fn write(&mut self, batch: &RecordBatch, options: &FsOptions) -> Result<()> {
        match self {
            FileWriter::Parquet(w) => Ok(w.write(batch).await?),
            FileWriter::Text { out, format, bytes } => {
                let buf = encode_text(batch, *format, options)?;
                out.write_all(&buf).await.map_err(DataFusionError::from)?;
                *bytes += buf.len() as u64;
                Ok(())
            }
        }
    }

    /// Finish the file; returns its size in bytes.
    pub async fn close(self) -> Result<u64> {
        match self {
            FileWriter::Parquet(mut w) => {
                w.finish().await?;
                Ok(w.bytes_written() as u64)
            }
            FileWriter::Text { mut out, bytes, .. } => {
                out.shutdown().await.map_err(DataFusionError::from)?;
                Ok(bytes)
            }
        }
    }
}

fn encode_text(batch: &RecordBatch, format: Format, options: &FsOptions) -> Result<Vec<u8>> {
    match format {
        Format::Csv => super::csv_write::encode(batch, &options.csv),
        Format::Json => super::json_write::encode(batch, &options.json),
        Format::Parquet => unreachable!("parquet is written by AsyncArrowWriter"),
    }
}
