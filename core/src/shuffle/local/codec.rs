//! [`CompressionCodec`]: the value of `shuffle.compression.codec`, applied through Arrow IPC
//! buffer compression.

use std::fmt;
use std::str::FromStr;

use arrow::ipc::CompressionType;

use super::error::ShuffleError;
use crate::config::SHUFFLE_COMPRESSION;

/// How the Arrow buffers inside a shuffle frame are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CompressionCodec {
    /// Plain Arrow IPC.
    None,
    /// LZ4 frame per buffer: cheap, the default (as Flink's shuffle compression).
    #[default]
    Lz4,
    /// Zstandard per buffer: smaller, more CPU.
    Zstd,
}

impl CompressionCodec {
    /// Every codec, in the order the configuration docs list them.
    pub const ALL: [CompressionCodec; 3] = [
        CompressionCodec::Lz4,
        CompressionCodec::Zstd,
        CompressionCodec::None,
    ];

    /// The configuration value naming this codec.
    pub fn as_str(self) -> &'static str {
        match self {
            CompressionCodec::None => "none",
            CompressionCodec::Lz4 => "lz4",
            CompressionCodec::Zstd => "zstd",
        }
    }

    /// The Arrow IPC compression this codec maps to (`None` for no compression).
    pub fn ipc_compression(self) -> Option<CompressionType> {
        match self {
            CompressionCodec::None => None,
            CompressionCodec::Lz4 => Some(CompressionType::LZ4_FRAME),
            CompressionCodec::Zstd => Some(CompressionType::ZSTD),
        }
    }
}

impl fmt::Display for CompressionCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses `none` | `lz4` | `zstd` (case-insensitive, surrounding spaces ignored).
impl FromStr for CompressionCodec {
    type Err = ShuffleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = s.trim();
        CompressionCodec::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(value))
            .ok_or_else(|| ShuffleError::InvalidCodec {
                key: SHUFFLE_COMPRESSION.key,
                value: s.to_string(),
                valid: CompressionCodec::ALL.map(|c| c.as_str()).join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_codec_and_round_trips_display() {
        for codec in CompressionCodec::ALL {
            assert_eq!(
                codec.to_string().parse::<CompressionCodec>().unwrap(),
                codec
            );
        }
        assert_eq!(
            " ZSTD ".parse::<CompressionCodec>().unwrap(),
            CompressionCodec::Zstd
        );
        assert_eq!(CompressionCodec::default(), CompressionCodec::Lz4);
    }

    #[test]
    fn unknown_codec_names_key_and_valid_values() {
        let err = "snappy"
            .parse::<CompressionCodec>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("shuffle.compression.codec"), "{err}");
        assert!(err.contains("snappy"), "{err}");
        assert!(err.contains("lz4, zstd, none"), "{err}");
    }
}
