//! The built-in local sort-based blocking shuffle: the file format, its writer and reader.
//!
//! A map task (one subtask producing a BLOCKING result partition) writes all its reduce
//! partitions into two files in the TaskManager's shuffle directory:
//!
//! ```text
//! <stem>.data    frames of partition 0 | frames of partition 1 | ... | frames of partition n-1
//! <stem>.index   "WFSI" | version | n | reserved | n+1 u64 LE offsets | crc32
//! frame          [u32 LE body length][u32 LE crc32 of body][Arrow IPC stream: schema, batch, EOS]
//! ```
//!
//! Arrow buffers inside a frame are compressed with `shuffle.compression.codec`
//! ([`CompressionCodec`]). Every frame carries its own schema and CRC, so a partition's byte
//! range can be served raw (in chunks, [`PartitionChunkReader`]) and decoded on arrival
//! ([`FrameDecoder`]), or read locally ([`PartitionReader`]). Files are written under
//! temporary names and renamed when complete, the index last: an index on disk means a
//! complete map output. Missing files surface as [`ShuffleError::PartitionNotFound`], damaged
//! ones as [`ShuffleError::Corrupt`] / [`ShuffleError::Malformed`] — never as wrong rows.

mod codec;
mod error;
mod frame;
mod index;
mod reader;
mod writer;

#[cfg(test)]
mod test_util;

pub use codec::CompressionCodec;
pub use error::{Result, ShuffleError};
pub use frame::{FRAME_HEADER_LEN, FrameDecoder, encode_frame};
pub use index::ShuffleIndex;
pub use reader::{
    DEFAULT_CHUNK_BYTES, PartitionChunkReader, PartitionReader, read_partition_bytes,
};
pub use writer::{
    DEFAULT_MEMORY_BUDGET_BYTES, DEFAULT_TARGET_BATCH_ROWS, MapOutputMeta, ShuffleWriteOptions,
    SortShuffleWriter, data_file_path, index_file_path,
};
