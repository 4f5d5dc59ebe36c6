//! [`SortShuffleWriter`]: writes one map task's output as a data file plus an index file.
//!
//! Batches are buffered per reduce partition, small ones coalesced up to
//! [`ShuffleWriteOptions::target_batch_rows`] and then encoded as frames (compressed bytes kept
//! in memory). Past the memory budget every partition is spilled, in partition order, to one
//! spill file. `finish` concatenates, per partition, the spilled byte ranges (raw copies, no
//! re-encoding) and the in-memory remainder into `<stem>.data`, and writes `<stem>.index`.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::mem;
use std::path::{Path, PathBuf};

use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

use super::codec::CompressionCodec;
use super::error::{Result, ShuffleError};
use super::frame::encode_frame;
use super::index::encode_index;

/// Rows per frame the writer coalesces small batches up to.
pub const DEFAULT_TARGET_BATCH_ROWS: usize = 8192;
/// Default memory budget of one writer: 64 MiB.
pub const DEFAULT_MEMORY_BUDGET_BYTES: usize = 64 << 20;
/// A frame is cut before its uncompressed Arrow data exceeds this, whatever its row count.
const MAX_FRAME_ARROW_BYTES: usize = 32 << 20;
/// Buffer size of file writes and copies.
const IO_BUFFER_BYTES: usize = 1 << 20;

/// Settings of a [`SortShuffleWriter`] that come from configuration rather than the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShuffleWriteOptions {
    /// `shuffle.compression.codec`.
    pub codec: CompressionCodec,
    /// Buffered bytes (Arrow batches and encoded frames) beyond which the writer spills.
    pub memory_budget_bytes: usize,
    /// Where spill files go (deleted by `finish` or on drop).
    pub spill_dir: PathBuf,
    /// Rows per frame the writer coalesces small batches up to.
    pub target_batch_rows: usize,
}

impl ShuffleWriteOptions {
    /// Default options (LZ4, 64 MiB, 8192 rows) spilling to `spill_dir`.
    pub fn new(spill_dir: impl Into<PathBuf>) -> Self {
        ShuffleWriteOptions {
            codec: CompressionCodec::default(),
            memory_budget_bytes: DEFAULT_MEMORY_BUDGET_BYTES,
            spill_dir: spill_dir.into(),
            target_batch_rows: DEFAULT_TARGET_BATCH_ROWS,
        }
    }
}

/// What a finished map output holds; the TaskManager reports it to the JobManager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapOutputMeta {
    pub data_path: PathBuf,
    pub index_path: PathBuf,
    /// Bytes of each reduce partition in the data file.
    pub partition_lengths: Vec<u64>,
    /// Rows written to each reduce partition.
    pub rows_per_partition: Vec<u64>,
    /// Size of the data file.
    pub bytes_written: u64,
    /// How many times the writer spilled.
    pub spill_count: u32,
}

/// The `<stem>.data` path in `dir`.
pub fn data_file_path(dir: &Path, file_stem: &str) -> PathBuf {
    dir.join(format!("{file_stem}.data"))
}

/// The `<stem>.index` path in `dir`.
pub fn index_file_path(dir: &Path, file_stem: &str) -> PathBuf {
    dir.join(format!("{file_stem}.index"))
}

/// One reduce partition's buffered output.
#[derive(Default)]
struct PartitionBuffer {
    /// Batches not yet encoded, fewer than the target rows in total.
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    pending_bytes: usize,
    /// Encoded frames not yet spilled.
    encoded: Vec<u8>,
}

/// A spill file and the byte range of each partition in it (contiguous, in partition order).
struct Spill {
    path: PathBuf,
    lengths: Vec<u64>,
}

/// Writes one map task's output, partitioned by reduce partition, as `<stem>.data` +
/// `<stem>.index`. Blocking I/O: run it on a blocking thread.
pub struct SortShuffleWriter {
    output_dir: PathBuf,
    file_stem: String,
    schema: SchemaRef,
    options: ShuffleWriteOptions,
    partitions: Vec<PartitionBuffer>,
    rows_per_partition: Vec<u64>,
    /// Estimated memory held by `partitions`.
    buffered_bytes: usize,
    spills: Vec<Spill>,
    /// Unique suffix of this writer's temporary and spill file names.
    unique: String,
    /// Temporary files to remove if the writer is dropped unfinished.
    temp_files: Vec<PathBuf>,
}

impl SortShuffleWriter {
    /// A writer of `num_partitions` reduce partitions of `schema` batches, to
    /// `<output_dir>/<file_stem>.data` and `.index`.
    pub fn try_new(
        output_dir: impl Into<PathBuf>,
        file_stem: impl Into<String>,
        num_partitions: usize,
        schema: SchemaRef,
        options: ShuffleWriteOptions,
    ) -> Result<Self> {
        if num_partitions == 0 || num_partitions > u32::MAX as usize {
            return Err(ShuffleError::InvalidState(format!(
                "a map output needs 1..=2^32-1 reduce partitions, got {num_partitions}"
            )));
        }
        Ok(SortShuffleWriter {
            output_dir: output_dir.into(),
            file_stem: file_stem.into(),
            schema,
            options: ShuffleWriteOptions {
                target_batch_rows: options.target_batch_rows.max(1),
                ..options
            },
            partitions: (0..num_partitions)
                .map(|_| PartitionBuffer::default())
                .collect(),
            rows_per_partition: vec![0; num_partitions],
            buffered_bytes: 0,
            spills: Vec::new(),
            unique: uuid::Uuid::new_v4().simple().to_string(),
            temp_files: Vec::new(),
        })
    }

    /// Number of reduce partitions.
    pub fn num_partitions(&self) -> usize {
        self.partitions.len()
    }

    /// Estimated bytes buffered in memory now.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered_bytes
    }

    /// Adds `batch` to reduce partition `partition`; may encode and spill.
    pub fn write(&mut self, partition: usize, batch: RecordBatch) -> Result<()> {
        if partition >= self.partitions.len() {
            return Err(ShuffleError::PartitionOutOfRange {
                partition,
                num_partitions: self.partitions.len(),
            });
        }
        let batch = self.conform(batch)?;
        let rows = batch.num_rows();
        if rows == 0 {
            return Ok(());
        }
        let bytes = batch_memory_size(&batch);
        self.rows_per_partition[partition] += rows as u64;
        let buffer = &mut self.partitions[partition];
        buffer.pending.push(batch);
        buffer.pending_rows += rows;
        buffer.pending_bytes += bytes;
        self.buffered_bytes += bytes;
        if buffer.pending_rows >= self.options.target_batch_rows {
            self.encode_pending(partition)?;
        }
        if self.buffered_bytes > self.options.memory_budget_bytes {
            self.spill()?;
        }
        Ok(())
    }

    /// Gives `batch` the writer's schema, or fails if it is incompatible.
    fn conform(&self, batch: RecordBatch) -> Result<RecordBatch> {
        if std::sync::Arc::ptr_eq(batch.schema_ref(), &self.schema) {
            return Ok(batch);
        }
        let actual = batch.schema();
        batch
            .with_schema(self.schema.clone())
            .map_err(|_| ShuffleError::SchemaMismatch {
                expected: self.schema.to_string(),
                actual: actual.to_string(),
            })
    }

    /// Encodes partition `p`'s pending batches as frames of about the target rows.
    fn encode_pending(&mut self, p: usize) -> Result<()> {
        let buffer = &mut self.partitions[p];
        if buffer.pending.is_empty() {
            return Ok(());
        }
        let batch = if buffer.pending.len() == 1 {
            buffer.pending.pop().expect("one batch")
        } else {
            let batch = concat_batches(&self.schema, &buffer.pending)?;
            buffer.pending.clear();
            batch
        };
        self.buffered_bytes -= buffer.pending_bytes;
        buffer.pending_rows = 0;
        buffer.pending_bytes = 0;

        let before = buffer.encoded.len();
        let rows = batch.num_rows();
        let arrow_bytes = batch_memory_size(&batch).max(1);
        let frame_rows = self
            .options
            .target_batch_rows
            .min((MAX_FRAME_ARROW_BYTES as u128 * rows as u128 / arrow_bytes as u128) as usize)
            .max(1);
        // Even frames of frame_rows..2*frame_rows rows, so a coalesced 8200 rows stay one frame
        // rather than becoming 8192 + 8.
        let frames = (rows / frame_rows).max(1);
        let rows_per_frame = rows.div_ceil(frames);
        let mut offset = 0;
        while offset < rows {
            let len = rows_per_frame.min(rows - offset);
            encode_frame(
                &batch.slice(offset, len),
                self.options.codec,
                &mut buffer.encoded,
            )?;
            offset += len;
        }
        self.buffered_bytes += buffer.encoded.len() - before;
        Ok(())
    }

    /// Writes every partition's buffered data, in partition order, to a new spill file.
    fn spill(&mut self) -> Result<()> {
        std::fs::create_dir_all(&self.options.spill_dir)?;
        let path = self.options.spill_dir.join(format!(
            "{}.{}.spill{}",
            self.file_stem,
            self.unique,
            self.spills.len()
        ));
        self.temp_files.push(path.clone());
        let mut out = BufWriter::with_capacity(IO_BUFFER_BYTES, File::create(&path)?);
        let mut lengths = Vec::with_capacity(self.partitions.len());
        for p in 0..self.partitions.len() {
            self.encode_pending(p)?;
            let encoded = mem::take(&mut self.partitions[p].encoded);
            out.write_all(&encoded)?;
            lengths.push(encoded.len() as u64);
        }
        out.into_inner().map_err(|e| e.into_error())?;
        self.buffered_bytes = 0;
        tracing::debug!(
            spill = %path.display(),
            bytes = lengths.iter().sum::<u64>(),
            "shuffle writer spilled"
        );
        self.spills.push(Spill { path, lengths });
        Ok(())
    }

    /// Writes `<stem>.data` and `<stem>.index` (under temporary names, renamed when complete),
    /// deletes the spill files and returns what was written.
    pub fn finish(mut self) -> Result<MapOutputMeta> {
        std::fs::create_dir_all(&self.output_dir)?;
        let data_path = data_file_path(&self.output_dir, &self.file_stem);
        let index_path = index_file_path(&self.output_dir, &self.file_stem);
        let data_tmp = self.temp_path("data");
        let index_tmp = self.temp_path("index");
        self.temp_files.push(data_tmp.clone());
        self.temp_files.push(index_tmp.clone());

        let mut out = BufWriter::with_capacity(IO_BUFFER_BYTES, File::create(&data_tmp)?);
        let mut spill_files = self
            .spills
            .iter()
            .map(|s| File::open(&s.path))
            .collect::<io::Result<Vec<_>>>()?;
        let mut offsets = Vec::with_capacity(self.partitions.len() + 1);
        offsets.push(0u64);
        let mut position = 0u64;
        for p in 0..self.partitions.len() {
            // Each spill file holds the partitions back to back, so reading them in
            // partition order is sequential.
            for (spill, file) in self.spills.iter().zip(spill_files.iter_mut()) {
                let len = spill.lengths[p];
                let copied = io::copy(&mut file.take(len), &mut out)?;
                if copied != len {
                    return Err(ShuffleError::malformed(
                        spill.path.display().to_string(),
                        position,
                        format!("spill file ends early: partition {p} has {copied} of {len} bytes"),
                    ));
                }
                position += len;
            }
            self.encode_pending(p)?;
            let encoded = mem::take(&mut self.partitions[p].encoded);
            out.write_all(&encoded)?;
            position += encoded.len() as u64;
            offsets.push(position);
        }
        out.into_inner().map_err(|e| e.into_error())?;
        drop(spill_files);
        std::fs::write(&index_tmp, encode_index(&offsets))?;

        // The index is the commit marker: a reader that finds it finds a complete data file.
        std::fs::rename(&data_tmp, &data_path)?;
        std::fs::rename(&index_tmp, &index_path)?;
        self.remove_temp_files();

        Ok(MapOutputMeta {
            data_path,
            index_path,
            partition_lengths: offsets.windows(2).map(|w| w[1] - w[0]).collect(),
            rows_per_partition: mem::take(&mut self.rows_per_partition),
            bytes_written: position,
            spill_count: self.spills.len() as u32,
        })
    }

    fn temp_path(&self, kind: &str) -> PathBuf {
        self.output_dir
            .join(format!(".{}.{kind}.{}.tmp", self.file_stem, self.unique))
    }

    fn remove_temp_files(&mut self) {
        for path in self.temp_files.drain(..) {
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != io::ErrorKind::NotFound
            {
                tracing::warn!(file = %path.display(), error = %e, "cannot remove shuffle temp file");
            }
        }
    }
}

impl Drop for SortShuffleWriter {
    /// An unfinished or failed writer leaves no spill or temporary files behind.
    fn drop(&mut self) {
        self.remove_temp_files();
    }
}

/// Memory held by `batch`, counting only the sliced ranges of its buffers (so the slices of
/// one batch sent to many partitions are not each charged the whole batch).
fn batch_memory_size(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| {
            c.to_data()
                .get_slice_memory_size()
                .unwrap_or_else(|_| c.get_array_memory_size())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shuffle::local::reader::PartitionReader;
    use crate::shuffle::local::test_util::{Rng, random_batch, test_schema};

    /// Writes `inputs` (partition, batch) and returns the meta.
    fn write_all(
        dir: &Path,
        num_partitions: usize,
        inputs: &[(usize, RecordBatch)],
        options: ShuffleWriteOptions,
    ) -> MapOutputMeta {
        let mut writer =
            SortShuffleWriter::try_new(dir, "rp-1", num_partitions, test_schema(), options)
                .unwrap();
        for (p, batch) in inputs {
            writer.write(*p, batch.clone()).unwrap();
        }
        writer.finish().unwrap()
    }

    /// Every partition's rows, concatenated, as written.
    fn expected(num_partitions: usize, inputs: &[(usize, RecordBatch)]) -> Vec<RecordBatch> {
        (0..num_partitions)
            .map(|p| {
                let batches: Vec<_> = inputs
                    .iter()
                    .filter(|(q, _)| *q == p)
                    .map(|(_, b)| b.clone())
                    .collect();
                concat_batches(&test_schema(), &batches).unwrap()
            })
            .collect()
    }

    /// Every partition's rows, concatenated, as read back.
    fn read_back(meta: &MapOutputMeta) -> Vec<RecordBatch> {
        (0..meta.partition_lengths.len())
            .map(|p| {
                let batches = PartitionReader::open(&meta.data_path, &meta.index_path, p)
                    .unwrap()
                    .collect::<Result<Vec<_>>>()
                    .unwrap();
                concat_batches(&test_schema(), &batches).unwrap()
            })
            .collect()
    }

    /// Random inputs: mostly small batches, some large, every 5th partition left empty.
    fn random_inputs(num_partitions: usize, count: usize, seed: u64) -> Vec<(usize, RecordBatch)> {
        let schema = test_schema();
        let mut rng = Rng::new(seed);
        (0..count)
            .map(|_| {
                let p = loop {
                    let p = rng.below(num_partitions as u64) as usize;
                    if p % 5 != 3 {
                        break p;
                    }
                };
                let rows = if rng.below(10) == 0 {
                    rng.below(20_000)
                } else {
                    rng.below(300)
                };
                (p, random_batch(&schema, rows as usize, &mut rng))
            })
            .collect()
    }

    fn options(dir: &Path, codec: CompressionCodec, budget: usize) -> ShuffleWriteOptions {
        ShuffleWriteOptions {
            codec,
            memory_budget_bytes: budget,
            ..ShuffleWriteOptions::new(dir.join("spill"))
        }
    }

    #[test]
    fn round_trip_every_codec_many_partitions() {
        let inputs = random_inputs(23, 200, 11);
        let want = expected(23, &inputs);
        for codec in CompressionCodec::ALL {
            let dir = tempfile::tempdir().unwrap();
            let meta = write_all(
                dir.path(),
                23,
                &inputs,
                options(dir.path(), codec, usize::MAX),
            );
            assert_eq!(meta.spill_count, 0);
            assert_eq!(read_back(&meta), want, "codec {codec}");
            assert_eq!(meta.data_path, dir.path().join("rp-1.data"));
            assert_eq!(meta.index_path, dir.path().join("rp-1.index"));
            assert_eq!(
                meta.bytes_written,
                std::fs::metadata(&meta.data_path).unwrap().len()
            );
            assert_eq!(
                meta.partition_lengths.iter().sum::<u64>(),
                meta.bytes_written
            );
            for (p, batch) in want.iter().enumerate() {
                assert_eq!(meta.rows_per_partition[p], batch.num_rows() as u64);
                assert_eq!(meta.partition_lengths[p] == 0, batch.num_rows() == 0);
            }
            assert_eq!(meta.partition_lengths[3], 0);
        }
    }

    #[test]
    fn spilled_output_equals_unspilled_output() {
        let inputs = random_inputs(7, 120, 99);
        let dir = tempfile::tempdir().unwrap();
        let unspilled = write_all(
            &dir.path().join("a"),
            7,
            &inputs,
            options(dir.path(), CompressionCodec::Lz4, usize::MAX),
        );
        let spilled = write_all(
            &dir.path().join("b"),
            7,
            &inputs,
            options(dir.path(), CompressionCodec::Lz4, 256 << 10),
        );
        assert!(spilled.spill_count > 1, "spills: {}", spilled.spill_count);
        assert_eq!(read_back(&spilled), read_back(&unspilled));
        assert_eq!(read_back(&spilled), expected(7, &inputs));
        assert_eq!(spilled.rows_per_partition, unspilled.rows_per_partition);
        // Spill files are gone.
        let left: Vec<_> = std::fs::read_dir(dir.path().join("spill"))
            .unwrap()
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn small_batches_are_coalesced_into_target_sized_frames() {
        let schema = test_schema();
        let mut rng = Rng::new(2);
        let inputs: Vec<_> = (0..100)
            .map(|_| (0, random_batch(&schema, 100, &mut rng)))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let meta = write_all(
            dir.path(),
            1,
            &inputs,
            options(dir.path(), CompressionCodec::None, usize::MAX),
        );
        let rows: Vec<_> = PartitionReader::open(&meta.data_path, &meta.index_path, 0)
            .unwrap()
            .map(|b| b.unwrap().num_rows())
            .collect();
        assert_eq!(rows, vec![8200, 1800]);
    }

    #[test]
    fn only_final_files_remain() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = random_inputs(3, 30, 5);
        write_all(
            dir.path(),
            3,
            &inputs,
            options(&dir.path().join("out"), CompressionCodec::Zstd, 64 << 10),
        );
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != "out")
            .collect();
        names.sort();
        assert_eq!(names, vec!["rp-1.data", "rp-1.index"]);
    }

    #[test]
    fn dropped_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let spill_dir = dir.path().join("spill");
        let mut writer = SortShuffleWriter::try_new(
            dir.path(),
            "rp-2",
            4,
            test_schema(),
            ShuffleWriteOptions {
                memory_budget_bytes: 1,
                ..ShuffleWriteOptions::new(&spill_dir)
            },
        )
        .unwrap();
        let batch = random_batch(&test_schema(), 500, &mut Rng::new(1));
        writer.write(1, batch).unwrap();
        assert_eq!(std::fs::read_dir(&spill_dir).unwrap().count(), 1);
        drop(writer);
        assert_eq!(std::fs::read_dir(&spill_dir).unwrap().count(), 0);
        assert!(!data_file_path(dir.path(), "rp-2").exists());
    }

    #[test]
    fn rejects_bad_partition_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SortShuffleWriter::try_new(
            dir.path(),
            "rp-3",
            2,
            test_schema(),
            ShuffleWriteOptions::new(dir.path()),
        )
        .unwrap();
        let batch = random_batch(&test_schema(), 3, &mut Rng::new(1));
        assert!(matches!(
            writer.write(2, batch.clone()),
            Err(ShuffleError::PartitionOutOfRange {
                partition: 2,
                num_partitions: 2
            })
        ));
        let other = batch.project(&[0, 1]).unwrap();
        assert!(matches!(
            writer.write(0, other),
            Err(ShuffleError::SchemaMismatch { .. })
        ));
    }

    #[test]
    fn sliced_input_is_charged_by_slice() {
        let dir = tempfile::tempdir().unwrap();
        let batch = random_batch(&test_schema(), 10_000, &mut Rng::new(4));
        let mut writer = SortShuffleWriter::try_new(
            dir.path(),
            "rp-4",
            100,
            test_schema(),
            ShuffleWriteOptions::new(dir.path()),
        )
        .unwrap();
        for p in 0..100 {
            writer.write(p, batch.slice(p * 100, 100)).unwrap();
        }
        let whole = batch.get_array_memory_size();
        assert!(
            writer.buffered_bytes() < whole * 2,
            "{} vs {whole}",
            writer.buffered_bytes()
        );
        let meta = writer.finish().unwrap();
        assert_eq!(meta.spill_count, 0);
        assert_eq!(meta.rows_per_partition, vec![100; 100]);
    }
}
