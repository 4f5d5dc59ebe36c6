//! The frame: the unit of shuffle data on disk and on the wire.
//!
//! ```text
//! [u32 LE body length][u32 LE crc32 of body][body]
//! ```
//!
//! The body is a complete Arrow IPC stream (schema, dictionaries, one record batch, end of
//! stream) whose buffers are compressed with the configured [`CompressionCodec`]. Every frame
//! is self-describing, so frames can be cut out of a file, concatenated and sent over the
//! network as raw bytes without re-encoding; the schema costs a few hundred bytes per frame
//! of ~8192 rows.

use std::collections::VecDeque;

use arrow::buffer::{Buffer, MutableBuffer};
use arrow::ipc::reader::StreamDecoder;
use arrow::ipc::writer::{IpcWriteOptions, StreamWriter};
use arrow::record_batch::RecordBatch;

use super::codec::CompressionCodec;
use super::error::{Result, ShuffleError};

/// Bytes before a frame's body: body length and body CRC, both u32 LE.
pub const FRAME_HEADER_LEN: usize = 8;

/// Appends `batch` as one frame to `out`, returning the frame's length (header included).
/// On error `out` is left as it was.
pub fn encode_frame(
    batch: &RecordBatch,
    codec: CompressionCodec,
    out: &mut Vec<u8>,
) -> Result<usize> {
    let start = out.len();
    let result = encode_frame_at(batch, codec, out, start);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn encode_frame_at(
    batch: &RecordBatch,
    codec: CompressionCodec,
    out: &mut Vec<u8>,
    start: usize,
) -> Result<usize> {
    out.extend_from_slice(&[0u8; FRAME_HEADER_LEN]);
    let options = IpcWriteOptions::default().try_with_compression(codec.ipc_compression())?;
    let mut writer = StreamWriter::try_new_with_options(&mut *out, batch.schema_ref(), options)?;
    writer.write(batch)?;
    writer.finish()?;
    drop(writer);

    let body = &out[start + FRAME_HEADER_LEN..];
    let len = u32::try_from(body.len()).map_err(|_| {
        ShuffleError::InvalidState(format!(
            "a batch of {} rows encodes to {} bytes, more than a frame holds (4 GiB)",
            batch.num_rows(),
            body.len()
        ))
    })?;
    let crc = crc32fast::hash(body);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    Ok(out.len() - start)
}

/// Largest body buffer [`FrameDecoder`] allocates before the bytes arrive.
const MAX_INITIAL_BODY_CAPACITY: usize = 16 << 20;

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub body_len: u32,
    pub crc: u32,
}

impl FrameHeader {
    pub fn parse(bytes: &[u8; FRAME_HEADER_LEN]) -> Self {
        FrameHeader {
            body_len: u32::from_le_bytes(bytes[0..4].try_into().unwrap()),
            crc: u32::from_le_bytes(bytes[4..8].try_into().unwrap()),
        }
    }
}

/// Checks `body` against the header's CRC and decodes its batch. `location` and `offset`
/// (of the frame's first header byte) only describe the frame in errors.
pub(crate) fn decode_body(
    header: FrameHeader,
    body: Buffer,
    location: &str,
    offset: u64,
) -> Result<RecordBatch> {
    let actual = crc32fast::hash(&body);
    if actual != header.crc {
        return Err(ShuffleError::Corrupt {
            location: location.to_string(),
            offset,
            expected: header.crc,
            actual,
        });
    }
    let malformed = |reason: String| ShuffleError::malformed(location, offset, reason);
    let mut decoder = StreamDecoder::new();
    let mut rest = body;
    let mut batch = None;
    while !rest.is_empty() {
        let decoded = decoder
            .decode(&mut rest)
            .map_err(|e| malformed(format!("undecodable Arrow IPC body: {e}")))?;
        if let Some(b) = decoded
            && batch.replace(b).is_some()
        {
            return Err(malformed("frame holds more than one batch".into()));
        }
    }
    decoder
        .finish()
        .map_err(|e| malformed(format!("truncated Arrow IPC body: {e}")))?;
    batch.ok_or_else(|| malformed("frame holds no batch".into()))
}

/// Decodes frames from bytes that arrive in arbitrary chunks (a remote partition fetched in
/// pieces): [`push`](Self::push) each chunk, take batches with
/// [`next_batch`](Self::next_batch), and call [`finish`](Self::finish) at the end of the
/// stream to detect a truncated last frame.
#[derive(Debug)]
pub struct FrameDecoder {
    location: String,
    header: [u8; FRAME_HEADER_LEN],
    header_read: usize,
    /// The body being filled, once the header is complete.
    body: Option<(FrameHeader, MutableBuffer)>,
    /// Stream offset of the current frame's first byte.
    frame_start: u64,
    /// Bytes consumed so far.
    position: u64,
    ready: VecDeque<RecordBatch>,
}

impl FrameDecoder {
    /// A decoder for one stream of frames; `location` (e.g. "partition 3 of <id> from
    /// host:port") names the stream in errors.
    pub fn new(location: impl Into<String>) -> Self {
        FrameDecoder {
            location: location.into(),
            header: [0; FRAME_HEADER_LEN],
            header_read: 0,
            body: None,
            frame_start: 0,
            position: 0,
            ready: VecDeque::new(),
        }
    }

    /// Consumes a chunk, decoding every frame it completes. A CRC mismatch yields
    /// [`ShuffleError::Corrupt`]; after an error the decoder must not be used further.
    pub fn push(&mut self, mut chunk: &[u8]) -> Result<()> {
        while !chunk.is_empty() {
            match &mut self.body {
                None => {
                    let n = (FRAME_HEADER_LEN - self.header_read).min(chunk.len());
                    self.header[self.header_read..self.header_read + n]
                        .copy_from_slice(&chunk[..n]);
                    self.header_read += n;
                    chunk = &chunk[n..];
                    self.position += n as u64;
                    if self.header_read == FRAME_HEADER_LEN {
                        let header = FrameHeader::parse(&self.header);
                        // The length is not yet verified: grow with the bytes that arrive
                        // rather than trusting a possibly damaged header with a huge
                        // allocation.
                        let capacity = (header.body_len as usize).min(MAX_INITIAL_BODY_CAPACITY);
                        let body = MutableBuffer::with_capacity(capacity);
                        self.body = Some((header, body));
                        self.complete_frame_if_full()?;
                    }
                }
                Some((header, body)) => {
                    let n = (header.body_len as usize - body.len()).min(chunk.len());
                    body.extend_from_slice(&chunk[..n]);
                    chunk = &chunk[n..];
                    self.position += n as u64;
                    self.complete_frame_if_full()?;
                }
            }
        }
        Ok(())
    }

    fn complete_frame_if_full(&mut self) -> Result<()> {
        let full = matches!(&self.body, Some((h, b)) if b.len() == h.body_len as usize);
        if full {
            let (header, body) = self.body.take().expect("checked above");
            let batch = decode_body(header, body.into(), &self.location, self.frame_start)?;
            self.ready.push_back(batch);
            self.header_read = 0;
            self.frame_start = self.position;
        }
        Ok(())
    }

    /// The next decoded batch, if a complete frame has arrived.
    pub fn next_batch(&mut self) -> Option<RecordBatch> {
        self.ready.pop_front()
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Ends the stream: an error if a frame is incomplete.
    pub fn finish(&self) -> Result<()> {
        if self.header_read == 0 {
            return Ok(());
        }
        let have = self.position - self.frame_start;
        let reason = match &self.body {
            None => format!("stream ends inside a frame header ({have} of 8 bytes)"),
            Some((h, _)) => format!(
                "stream ends inside a frame ({have} of {} bytes)",
                h.body_len as u64 + FRAME_HEADER_LEN as u64
            ),
        };
        Err(ShuffleError::malformed(
            &self.location,
            self.frame_start,
            reason,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shuffle::local::test_util::{Rng, random_batch, test_schema};

    fn encode_all(batches: &[RecordBatch], codec: CompressionCodec) -> Vec<u8> {
        let mut out = Vec::new();
        for b in batches {
            encode_frame(b, codec, &mut out).unwrap();
        }
        out
    }

    fn decode_chunked(bytes: &[u8], mut chunk_len: impl FnMut() -> usize) -> Vec<RecordBatch> {
        let mut dec = FrameDecoder::new("test stream");
        let mut out = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = chunk_len().clamp(1, rest.len());
            dec.push(&rest[..n]).unwrap();
            rest = &rest[n..];
            while let Some(b) = dec.next_batch() {
                out.push(b);
            }
        }
        dec.finish().unwrap();
        assert_eq!(dec.position(), bytes.len() as u64);
        out
    }

    #[test]
    fn frame_round_trips_for_every_codec() {
        let schema = test_schema();
        let mut rng = Rng::new(7);
        let batches: Vec<_> = [0, 1, 17, 1000]
            .iter()
            .map(|&rows| random_batch(&schema, rows, &mut rng))
            .collect();
        for codec in CompressionCodec::ALL {
            let bytes = encode_all(&batches, codec);
            let decoded = decode_chunked(&bytes, || usize::MAX);
            assert_eq!(decoded, batches, "codec {codec}");
        }
    }

    #[test]
    fn compression_shrinks_repetitive_data() {
        let schema = test_schema();
        let batch = random_batch(&schema, 5000, &mut Rng::new(1));
        let none = encode_all(std::slice::from_ref(&batch), CompressionCodec::None).len();
        let zstd = encode_all(std::slice::from_ref(&batch), CompressionCodec::Zstd).len();
        assert!(zstd < none, "zstd {zstd} >= none {none}");
    }

    #[test]
    fn decoder_handles_one_byte_and_random_chunks() {
        let schema = test_schema();
        let mut rng = Rng::new(42);
        let batches: Vec<_> = (0..12)
            .map(|i| random_batch(&schema, (i * 37) % 300, &mut rng))
            .collect();
        let bytes = encode_all(&batches, CompressionCodec::Lz4);
        assert_eq!(decode_chunked(&bytes, || 1), batches);
        let mut chunk_rng = Rng::new(3);
        for _ in 0..5 {
            assert_eq!(
                decode_chunked(&bytes, || chunk_rng.below(4096) as usize + 1),
                batches
            );
        }
    }

    #[test]
    fn flipped_byte_is_reported_as_corrupt_with_offset() {
        let schema = test_schema();
        let mut rng = Rng::new(5);
        let a = random_batch(&schema, 100, &mut rng);
        let b = random_batch(&schema, 100, &mut rng);
        let mut bytes = Vec::new();
        let first = encode_frame(&a, CompressionCodec::Zstd, &mut bytes).unwrap();
        encode_frame(&b, CompressionCodec::Zstd, &mut bytes).unwrap();
        bytes[first + FRAME_HEADER_LEN + 40] ^= 0x10;

        let mut dec = FrameDecoder::new("remote stream");
        let err = dec.push(&bytes).unwrap_err();
        assert_eq!(dec.next_batch().as_ref(), Some(&a));
        match err {
            ShuffleError::Corrupt {
                location,
                offset,
                expected,
                actual,
            } => {
                assert_eq!(location, "remote stream");
                assert_eq!(offset, first as u64);
                assert_ne!(expected, actual);
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn truncated_stream_fails_finish() {
        let schema = test_schema();
        let batch = random_batch(&schema, 50, &mut Rng::new(9));
        let bytes = encode_all(&[batch], CompressionCodec::None);
        for cut in [3, FRAME_HEADER_LEN, bytes.len() - 1] {
            let mut dec = FrameDecoder::new("s");
            dec.push(&bytes[..cut]).unwrap();
            assert!(dec.next_batch().is_none());
            let err = dec.finish().unwrap_err();
            assert!(
                matches!(err, ShuffleError::Malformed { offset: 0, .. }),
                "{err:?}"
            );
        }
    }
}
