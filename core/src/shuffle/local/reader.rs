//! Reading one reduce partition of a map output: decoded batches for a local consumer
//! ([`PartitionReader`]), or raw frame bytes in chunks for serving to a remote consumer
//! ([`PartitionChunkReader`], decoded there with [`FrameDecoder`](super::FrameDecoder)).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use arrow::buffer::MutableBuffer;
use arrow::record_batch::RecordBatch;
use bytes::Bytes;

use super::error::{Result, ShuffleError, open_error};
use super::frame::{FRAME_HEADER_LEN, FrameHeader, decode_body};
use super::index::ShuffleIndex;

/// Default chunk size for serving a partition's raw bytes: 1 MiB.
pub const DEFAULT_CHUNK_BYTES: usize = 1 << 20;
const READ_BUFFER_BYTES: usize = 256 << 10;

/// `(offset, len)` of reduce partition `partition` in `data_path`, checked against the data
/// file's length. Missing files are [`ShuffleError::PartitionNotFound`].
pub fn read_partition_bytes(
    data_path: &Path,
    index_path: &Path,
    partition: usize,
) -> Result<(u64, u64)> {
    let (_, offset, len) = open_range(data_path, index_path, partition)?;
    Ok((offset, len))
}

/// Opens the data file positioned at the partition's first byte.
fn open_range(data_path: &Path, index_path: &Path, partition: usize) -> Result<(File, u64, u64)> {
    let index = ShuffleIndex::open(index_path)?;
    let (offset, len) = index.partition_range(partition)?;
    let mut file = File::open(data_path).map_err(|e| open_error(data_path, e))?;
    let file_len = file.metadata()?.len();
    if file_len != index.data_len() {
        return Err(ShuffleError::malformed(
            data_path.display().to_string(),
            file_len.min(index.data_len()),
            format!(
                "data file is {file_len} bytes, its index {} says {}",
                index_path.display(),
                index.data_len()
            ),
        ));
    }
    file.seek(SeekFrom::Start(offset))?;
    Ok((file, offset, len))
}

/// The batches of one reduce partition, read from a local map output, CRCs verified.
pub struct PartitionReader {
    file: BufReader<File>,
    path: PathBuf,
    /// Offset in the data file of the next frame.
    position: u64,
    end: u64,
}

impl PartitionReader {
    /// Opens reduce partition `partition` of the map output `data_path` / `index_path`.
    pub fn open(data_path: &Path, index_path: &Path, partition: usize) -> Result<Self> {
        let (file, offset, len) = open_range(data_path, index_path, partition)?;
        let buffer = READ_BUFFER_BYTES.min(len as usize).max(FRAME_HEADER_LEN);
        Ok(PartitionReader {
            file: BufReader::with_capacity(buffer, file),
            path: data_path.to_path_buf(),
            position: offset,
            end: offset + len,
        })
    }

    fn read_frame(&mut self) -> Result<RecordBatch> {
        let location = self.path.display().to_string();
        let frame_start = self.position;
        let remaining = self.end - frame_start;
        if remaining < FRAME_HEADER_LEN as u64 {
            return Err(ShuffleError::malformed(
                location,
                frame_start,
                format!("partition ends inside a frame header ({remaining} bytes left)"),
            ));
        }
        let mut header = [0u8; FRAME_HEADER_LEN];
        self.file.read_exact(&mut header)?;
        let header = FrameHeader::parse(&header);
        let frame_len = FRAME_HEADER_LEN as u64 + header.body_len as u64;
        if frame_len > remaining {
            return Err(ShuffleError::malformed(
                location,
                frame_start,
                format!(
                    "frame of {frame_len} bytes overruns the partition ({remaining} bytes left)"
                ),
            ));
        }
        // An Arrow-aligned buffer keeps uncompressed columns zero-copy.
        let mut body = MutableBuffer::from_len_zeroed(header.body_len as usize);
        self.file.read_exact(body.as_slice_mut())?;
        self.position += frame_len;
        decode_body(header, body.into(), &location, frame_start)
    }
}

impl Iterator for PartitionReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.position >= self.end {
            return None;
        }
        let result = self.read_frame();
        if result.is_err() {
            self.position = self.end;
        }
        Some(result)
    }
}

/// The raw bytes of one reduce partition in chunks, for sending over the network. The
/// receiver checks the frames' CRCs when it decodes them.
pub struct PartitionChunkReader {
    file: File,
    remaining: u64,
    chunk_bytes: usize,
    len: u64,
}

impl PartitionChunkReader {
    /// Opens reduce partition `partition` for reading in chunks of `chunk_bytes` (e.g.
    /// [`DEFAULT_CHUNK_BYTES`]).
    pub fn open(
        data_path: &Path,
        index_path: &Path,
        partition: usize,
        chunk_bytes: usize,
    ) -> Result<Self> {
        let (file, _, len) = open_range(data_path, index_path, partition)?;
        Ok(PartitionChunkReader {
            file,
            remaining: len,
            chunk_bytes: chunk_bytes.max(1),
            len,
        })
    }

    /// Total bytes of the partition.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the partition holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Iterator for PartitionChunkReader {
    type Item = Result<Bytes>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let n = (self.chunk_bytes as u64).min(self.remaining) as usize;
        let mut chunk = vec![0u8; n];
        match self.file.read_exact(&mut chunk) {
            Ok(()) => {
                self.remaining -= n as u64;
                Some(Ok(Bytes::from(chunk)))
            }
            Err(e) => {
                self.remaining = 0;
                Some(Err(e.into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shuffle::local::codec::CompressionCodec;
    use crate::shuffle::local::frame::FrameDecoder;
    use crate::shuffle::local::test_util::{Rng, random_batch, test_schema};
    use crate::shuffle::local::writer::{MapOutputMeta, ShuffleWriteOptions, SortShuffleWriter};

    /// Partition p gets `p % 4` batches (so partitions 0, 4, ... are empty).
    fn write_output(dir: &Path, codec: CompressionCodec) -> (MapOutputMeta, Vec<Vec<RecordBatch>>) {
        let schema = test_schema();
        let mut rng = Rng::new(17);
        let options = ShuffleWriteOptions {
            codec,
            target_batch_rows: 64,
            ..ShuffleWriteOptions::new(dir.join("spill"))
        };
        let mut writer = SortShuffleWriter::try_new(dir, "rp", 9, schema.clone(), options).unwrap();
        let mut written = vec![Vec::new(); 9];
        for (p, batches) in written.iter_mut().enumerate() {
            for _ in 0..p % 4 {
                let batch = random_batch(&schema, 64, &mut rng);
                writer.write(p, batch.clone()).unwrap();
                batches.push(batch);
            }
        }
        (writer.finish().unwrap(), written)
    }

    fn read(meta: &MapOutputMeta, p: usize) -> Result<Vec<RecordBatch>> {
        PartitionReader::open(&meta.data_path, &meta.index_path, p)?.collect()
    }

    #[test]
    fn reads_each_partition() {
        let dir = tempfile::tempdir().unwrap();
        let (meta, written) = write_output(dir.path(), CompressionCodec::Lz4);
        for (p, batches) in written.iter().enumerate() {
            assert_eq!(&read(&meta, p).unwrap(), batches, "partition {p}");
        }
        assert!(matches!(
            read(&meta, 9),
            Err(ShuffleError::PartitionOutOfRange { partition: 9, .. })
        ));
    }

    #[test]
    fn chunked_raw_bytes_decode_to_the_same_batches() {
        let dir = tempfile::tempdir().unwrap();
        let (meta, written) = write_output(dir.path(), CompressionCodec::Zstd);
        let mut offset = 0;
        for (p, batches) in written.iter().enumerate() {
            let (start, len) = read_partition_bytes(&meta.data_path, &meta.index_path, p).unwrap();
            assert_eq!((start, len), (offset, meta.partition_lengths[p]));
            offset += len;
            for chunk_bytes in [1, 333, DEFAULT_CHUNK_BYTES] {
                let chunks =
                    PartitionChunkReader::open(&meta.data_path, &meta.index_path, p, chunk_bytes)
                        .unwrap();
                assert_eq!(chunks.len(), len);
                let mut decoder = FrameDecoder::new(format!("partition {p}"));
                let mut decoded = Vec::new();
                for chunk in chunks {
                    let chunk = chunk.unwrap();
                    assert!(chunk.len() <= chunk_bytes);
                    decoder.push(&chunk).unwrap();
                    decoded.extend(std::iter::from_fn(|| decoder.next_batch()));
                }
                decoder.finish().unwrap();
                assert_eq!(&decoded, batches, "partition {p}, chunks of {chunk_bytes}");
            }
        }
    }

    #[test]
    fn flipped_data_byte_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let (meta, _) = write_output(dir.path(), CompressionCodec::None);
        let (start, len) = read_partition_bytes(&meta.data_path, &meta.index_path, 3).unwrap();
        let mut data = std::fs::read(&meta.data_path).unwrap();
        // A byte in the partition's last frame body.
        let flip = (start + len - 20) as usize;
        data[flip] ^= 0x01;
        std::fs::write(&meta.data_path, &data).unwrap();

        let results: Vec<_> = PartitionReader::open(&meta.data_path, &meta.index_path, 3)
            .unwrap()
            .collect();
        assert_eq!(results.len(), 3);
        assert!(results[..2].iter().all(|r| r.is_ok()));
        match &results[2] {
            Err(ShuffleError::Corrupt {
                location,
                offset,
                expected,
                actual,
            }) => {
                assert!(location.ends_with("rp.data"), "{location}");
                assert!(*offset > start && *offset < start + len);
                assert_ne!(expected, actual);
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
        // Other partitions still read.
        assert_eq!(read(&meta, 2).unwrap().len(), 2);
    }

    #[test]
    fn damaged_frame_length_is_malformed_not_a_huge_read() {
        let dir = tempfile::tempdir().unwrap();
        let (meta, _) = write_output(dir.path(), CompressionCodec::Lz4);
        let (start, _) = read_partition_bytes(&meta.data_path, &meta.index_path, 1).unwrap();
        let mut data = std::fs::read(&meta.data_path).unwrap();
        data[start as usize + 3] = 0x7f;
        std::fs::write(&meta.data_path, &data).unwrap();
        let err = read(&meta, 1).unwrap_err();
        assert!(matches!(err, ShuffleError::Malformed { .. }), "{err:?}");
    }

    #[test]
    fn truncated_data_file_is_malformed() {
        let dir = tempfile::tempdir().unwrap();
        let (meta, _) = write_output(dir.path(), CompressionCodec::Lz4);
        let data = std::fs::read(&meta.data_path).unwrap();
        std::fs::write(&meta.data_path, &data[..data.len() - 1]).unwrap();
        let err = read_partition_bytes(&meta.data_path, &meta.index_path, 0).unwrap_err();
        assert!(matches!(err, ShuffleError::Malformed { .. }), "{err:?}");
        assert!(err.is_data_lost());
    }

    #[test]
    fn missing_files_are_partition_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let (meta, _) = write_output(dir.path(), CompressionCodec::None);

        std::fs::remove_file(&meta.data_path).unwrap();
        for err in [
            read(&meta, 1).unwrap_err(),
            read_partition_bytes(&meta.data_path, &meta.index_path, 1).unwrap_err(),
            PartitionChunkReader::open(&meta.data_path, &meta.index_path, 1, 10)
                .err()
                .unwrap(),
        ] {
            match err {
                ShuffleError::PartitionNotFound { path } => assert_eq!(path, meta.data_path),
                other => panic!("expected PartitionNotFound, got {other:?}"),
            }
        }

        std::fs::remove_file(&meta.index_path).unwrap();
        match read(&meta, 1).unwrap_err() {
            ShuffleError::PartitionNotFound { path } => assert_eq!(path, meta.index_path),
            other => panic!("expected PartitionNotFound, got {other:?}"),
        }
        let weft: crate::error::WeftError = read(&meta, 1).unwrap_err().into();
        assert!(matches!(
            weft,
            crate::error::WeftError::PartitionNotFound { .. }
        ));
    }
}
