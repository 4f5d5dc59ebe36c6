//! The index file of a map output: where each reduce partition's frames lie in the data file.
//!
//! ```text
//! magic "WFSI" | u32 LE version (1) | u32 LE num_partitions | u32 LE reserved (0)
//! (num_partitions + 1) × u64 LE offsets   (offsets[0] = 0, partition p = offsets[p]..offsets[p+1])
//! u32 LE crc32 of everything before it
//! ```

use std::path::{Path, PathBuf};

use super::error::{Result, ShuffleError, open_error};

const MAGIC: &[u8; 4] = b"WFSI";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 16;

/// Encodes an index holding `offsets` (`num_partitions + 1` ascending offsets from 0).
pub(crate) fn encode_index(offsets: &[u64]) -> Vec<u8> {
    debug_assert!(!offsets.is_empty() && offsets[0] == 0);
    let num_partitions = (offsets.len() - 1) as u32;
    let mut out = Vec::with_capacity(HEADER_LEN + offsets.len() * 8 + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&num_partitions.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for offset in offsets {
        out.extend_from_slice(&offset.to_le_bytes());
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// A map output's parsed, verified index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShuffleIndex {
    path: PathBuf,
    offsets: Vec<u64>,
}

impl ShuffleIndex {
    /// Reads and verifies the index at `path`; a missing file is
    /// [`ShuffleError::PartitionNotFound`].
    pub fn open(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| open_error(path, e))?;
        Self::decode(path, &bytes)
    }

    fn decode(path: &Path, bytes: &[u8]) -> Result<Self> {
        let location = path.display().to_string();
        let malformed = |reason: String| ShuffleError::malformed(&location, 0, reason);
        if bytes.len() < HEADER_LEN + 8 + 4 {
            return Err(malformed(format!(
                "index file too short ({} bytes)",
                bytes.len()
            )));
        }
        if &bytes[0..4] != MAGIC {
            return Err(malformed("not a Weft shuffle index (bad magic)".into()));
        }
        let (body, crc_bytes) = bytes.split_at(bytes.len() - 4);
        let expected = u32::from_le_bytes(crc_bytes.try_into().unwrap());
        let actual = crc32fast::hash(body);
        if expected != actual {
            return Err(ShuffleError::Corrupt {
                location,
                offset: 0,
                expected,
                actual,
            });
        }
        let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let version = u32_at(4);
        if version != VERSION {
            return Err(malformed(format!(
                "index version {version}, this build reads version {VERSION}"
            )));
        }
        let num_partitions = u32_at(8) as usize;
        let expected_len = HEADER_LEN + (num_partitions + 1) * 8 + 4;
        if bytes.len() != expected_len {
            return Err(malformed(format!(
                "index of {num_partitions} partitions should be {expected_len} bytes, is {}",
                bytes.len()
            )));
        }
        let offsets: Vec<u64> = body[HEADER_LEN..]
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        if offsets[0] != 0 || offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(malformed("index offsets are not ascending from 0".into()));
        }
        Ok(ShuffleIndex {
            path: path.to_path_buf(),
            offsets,
        })
    }

    /// The index file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of reduce partitions.
    pub fn num_partitions(&self) -> usize {
        self.offsets.len() - 1
    }

    /// `(offset, len)` of reduce partition `partition` in the data file.
    pub fn partition_range(&self, partition: usize) -> Result<(u64, u64)> {
        if partition >= self.num_partitions() {
            return Err(ShuffleError::PartitionOutOfRange {
                partition,
                num_partitions: self.num_partitions(),
            });
        }
        let start = self.offsets[partition];
        Ok((start, self.offsets[partition + 1] - start))
    }

    /// Length the data file must have.
    pub fn data_len(&self) -> u64 {
        *self.offsets.last().expect("at least one offset")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips() {
        let offsets = vec![0, 10, 10, 250, 4096];
        let path = Path::new("/x/map.index");
        let index = ShuffleIndex::decode(path, &encode_index(&offsets)).unwrap();
        assert_eq!(index.num_partitions(), 4);
        assert_eq!(index.partition_range(0).unwrap(), (0, 10));
        assert_eq!(index.partition_range(1).unwrap(), (10, 0));
        assert_eq!(index.partition_range(3).unwrap(), (250, 3846));
        assert_eq!(index.data_len(), 4096);
        assert!(matches!(
            index.partition_range(4),
            Err(ShuffleError::PartitionOutOfRange {
                partition: 4,
                num_partitions: 4
            })
        ));
    }

    #[test]
    fn damaged_index_is_rejected() {
        let path = Path::new("/x/map.index");
        let good = encode_index(&[0, 5, 9]);
        let mut flipped = good.clone();
        flipped[HEADER_LEN + 9] ^= 1;
        assert!(matches!(
            ShuffleIndex::decode(path, &flipped),
            Err(ShuffleError::Corrupt { .. })
        ));
        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        assert!(matches!(
            ShuffleIndex::decode(path, &bad_magic),
            Err(ShuffleError::Malformed { .. })
        ));
        assert!(matches!(
            ShuffleIndex::decode(path, &good[..good.len() - 8]),
            Err(ShuffleError::Malformed { .. } | ShuffleError::Corrupt { .. })
        ));
    }

    #[test]
    fn missing_index_is_partition_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.index");
        match ShuffleIndex::open(&path) {
            Err(ShuffleError::PartitionNotFound { path: p }) => assert_eq!(p, path),
            other => panic!("expected PartitionNotFound, got {other:?}"),
        }
    }
}
