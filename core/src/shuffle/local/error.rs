//! [`ShuffleError`]: what can go wrong writing or reading local shuffle files. Variants stay
//! typed so failover can tell lost or corrupt data (rerun the producer) from other failures.

use std::io;
use std::path::PathBuf;

use arrow::error::ArrowError;

use crate::error::WeftError;

/// Result alias for the local shuffle.
pub type Result<T, E = ShuffleError> = std::result::Result<T, E>;

/// An error of the local sort-based shuffle.
#[derive(Debug, thiserror::Error)]
pub enum ShuffleError {
    /// A data or index file of a map output is missing (the producer's TaskManager is gone
    /// or its files were removed): failover reruns the producer.
    #[error("shuffle file {} not found; the producing task must be rerun", path.display())]
    PartitionNotFound { path: PathBuf },
    /// A frame or the index failed its CRC check: the bytes on disk or on the wire are not
    /// what the writer wrote.
    #[error(
        "corrupt shuffle data in {location} at byte {offset}: crc32 expected {expected:#010x}, actual {actual:#010x}"
    )]
    Corrupt {
        /// The file path, or a description of a remote stream.
        location: String,
        /// Byte offset of the frame (or index) that failed the check.
        offset: u64,
        expected: u32,
        actual: u32,
    },
    /// The bytes are structurally wrong: truncated frame, bad index header, lengths that do not
    /// fit the file.
    #[error("malformed shuffle data in {location} at byte {offset}: {reason}")]
    Malformed {
        location: String,
        offset: u64,
        reason: String,
    },
    /// A value of `shuffle.compression.codec` that is not one of the known codecs.
    #[error("configuration `{key}`: unknown codec `{value}`; valid values are: {valid}")]
    InvalidCodec {
        key: &'static str,
        value: String,
        valid: String,
    },
    /// A reduce partition number outside `0..num_partitions`.
    #[error("reduce partition {partition} out of range: the map output has {num_partitions}")]
    PartitionOutOfRange {
        partition: usize,
        num_partitions: usize,
    },
    /// A batch whose schema differs from the writer's.
    #[error("batch schema does not match the shuffle writer's: expected {expected}, got {actual}")]
    SchemaMismatch { expected: String, actual: String },
    /// A limit or misuse of the writer (no reduce partitions, a batch too big for a frame).
    #[error("shuffle writer: {0}")]
    InvalidState(String),
    #[error("shuffle I/O: {0}")]
    Io(#[from] io::Error),
    #[error("shuffle Arrow IPC: {0}")]
    Arrow(#[from] ArrowError),
}

impl ShuffleError {
    /// True when the data is lost or damaged (missing, corrupt or malformed files), so the
    /// consumer cannot succeed by retrying the read and the producer must be rerun.
    pub fn is_data_lost(&self) -> bool {
        matches!(
            self,
            ShuffleError::PartitionNotFound { .. }
                | ShuffleError::Corrupt { .. }
                | ShuffleError::Malformed { .. }
        )
    }

    pub(crate) fn malformed(
        location: impl Into<String>,
        offset: u64,
        reason: impl Into<String>,
    ) -> Self {
        ShuffleError::Malformed {
            location: location.into(),
            offset,
            reason: reason.into(),
        }
    }
}

/// Lost data becomes [`WeftError::PartitionNotFound`] (failover reruns the producer); the rest
/// keep their message.
impl From<ShuffleError> for WeftError {
    fn from(e: ShuffleError) -> Self {
        match e {
            ShuffleError::PartitionNotFound { ref path } => WeftError::PartitionNotFound {
                partition: path.display().to_string(),
                message: e.to_string(),
            },
            ShuffleError::Corrupt { ref location, .. }
            | ShuffleError::Malformed { ref location, .. } => WeftError::PartitionNotFound {
                partition: location.clone(),
                message: e.to_string(),
            },
            ShuffleError::InvalidCodec { key, .. } => WeftError::Config {
                key: key.to_string(),
                message: e.to_string(),
            },
            ShuffleError::Io(io) => WeftError::Io {
                message: format!("shuffle I/O: {io}"),
            },
            ShuffleError::Arrow(a) => WeftError::Arrow(a),
            other => WeftError::Internal(other.to_string()),
        }
    }
}

/// Map "file not found" to [`ShuffleError::PartitionNotFound`], other I/O errors unchanged.
pub(crate) fn open_error(path: &std::path::Path, e: io::Error) -> ShuffleError {
    if e.kind() == io::ErrorKind::NotFound {
        ShuffleError::PartitionNotFound {
            path: path.to_path_buf(),
        }
    } else {
        ShuffleError::Io(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    }
}
