//! Hadoop IPC wire format, as pure functions.
//!
//! Connection header: `"hrpc"`, version 9, service class, auth protocol (0 none, -33 SASL).
//! Every later message is a frame: a 4-byte big-endian length, then varint-delimited protobufs
//! — `RpcRequestHeaderProto`, then for calls `RequestHeaderProto` and the request; responses
//! carry `RpcResponseHeaderProto` and, on success, the response message.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use prost::Message;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::proto::common::{
    RpcKindProto, RpcRequestHeaderProto, RpcResponseHeaderProto, rpc_request_header_proto,
    rpc_response_header_proto,
};

/// Hadoop RPC version spoken here.
pub const RPC_VERSION: u8 = 9;
/// Call id of the connection context message.
pub const CONNECTION_CONTEXT_CALL_ID: i32 = -3;
/// Call id of a ping.
pub const PING_CALL_ID: i32 = -4;
/// Call id of SASL messages.
pub const SASL_CALL_ID: i32 = -33;
/// Largest response frame accepted (Hadoop's `ipc.maximum.response.length` default).
pub const MAX_FRAME: usize = 128 * 1024 * 1024;

/// The auth protocol byte of the connection header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthProtocol {
    None = 0,
    Sasl = -33,
}

/// The 7-byte connection header.
pub fn connection_header(service_class: u8, auth: AuthProtocol) -> [u8; 7] {
    [
        b'h',
        b'r',
        b'p',
        b'c',
        RPC_VERSION,
        service_class,
        auth as i8 as u8,
    ]
}

/// An `RpcRequestHeaderProto` for a protobuf-engine message.
pub fn request_header(call_id: i32, client_id: &[u8], retry_count: i32) -> RpcRequestHeaderProto {
    RpcRequestHeaderProto {
        rpc_kind: Some(RpcKindProto::RpcProtocolBuffer as i32),
        rpc_op: Some(rpc_request_header_proto::OperationProto::RpcFinalPacket as i32),
        call_id,
        client_id: client_id.to_vec(),
        retry_count: Some(retry_count),
    }
}

/// One frame: the 4-byte length, then each message varint-delimited.
pub fn encode_frame(messages: &[&dyn MessageRef]) -> Bytes {
    let body: usize = messages
        .iter()
        .map(|m| {
            let len = m.encoded_len();
            prost::length_delimiter_len(len) + len
        })
        .sum();
    let mut buf = BytesMut::with_capacity(4 + body);
    buf.put_u32(body as u32);
    for m in messages {
        m.encode_delimited_into(&mut buf);
    }
    buf.freeze()
}

/// Object-safe view of a prost message, so a frame can hold messages of different types.
pub trait MessageRef: Send + Sync {
    fn encoded_len(&self) -> usize;
    fn encode_delimited_into(&self, buf: &mut BytesMut);
}

impl<M: Message> MessageRef for M {
    fn encoded_len(&self) -> usize {
        Message::encoded_len(self)
    }
    fn encode_delimited_into(&self, buf: &mut BytesMut) {
        // Encoding into a growable BytesMut cannot run out of room.
        self.encode_length_delimited(buf)
            .expect("BytesMut grows as needed");
    }
}

/// A decoded response frame.
#[derive(Debug)]
pub struct ResponseFrame {
    pub header: RpcResponseHeaderProto,
    /// Everything after the header: on success, the varint-delimited response message.
    pub body: Bytes,
}

impl ResponseFrame {
    /// The call id as the signed value the client assigned.
    pub fn call_id(&self) -> i32 {
        self.header.call_id as i32
    }

    pub fn status(&self) -> rpc_response_header_proto::RpcStatusProto {
        self.header.status()
    }

    /// Decodes the varint-delimited message that follows the header.
    pub fn message<M: Message + Default>(&self) -> Result<M, prost::DecodeError> {
        if self.body.is_empty() {
            return Ok(M::default());
        }
        M::decode_length_delimited(self.body.clone())
    }
}

/// Splits a frame's payload (without the 4-byte length) into header and body.
pub fn decode_response(mut payload: Bytes) -> Result<ResponseFrame, String> {
    let len = prost::decode_length_delimiter(&mut payload).map_err(|e| e.to_string())?;
    if len > payload.remaining() {
        return Err(format!(
            "response header of {len} bytes is longer than the {}-byte frame",
            payload.remaining()
        ));
    }
    let header =
        RpcResponseHeaderProto::decode(payload.split_to(len)).map_err(|e| e.to_string())?;
    Ok(ResponseFrame {
        header,
        body: payload,
    })
}

/// Reads one frame's payload: a 4-byte big-endian length, then that many bytes.
pub async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> std::io::Result<Bytes> {
    let len = reader.read_u32().await? as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("response frame of {len} bytes exceeds the {MAX_FRAME}-byte limit"),
        ));
    }
    let mut buf = vec![0u8; len];
    reader.read_exact(&mut buf).await?;
    Ok(Bytes::from(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::common::{RequestHeaderProto, RpcSaslProto, rpc_sasl_proto::SaslState};

    #[test]
    fn connection_header_bytes() {
        assert_eq!(
            connection_header(0, AuthProtocol::None),
            [b'h', b'r', b'p', b'c', 9, 0, 0]
        );
        assert_eq!(
            connection_header(0, AuthProtocol::Sasl),
            [b'h', b'r', b'p', b'c', 9, 0, 0xDF]
        );
    }

    #[test]
    fn special_call_ids_are_zigzag_in_requests_and_uint32_in_responses() {
        let h = request_header(SASL_CALL_ID, &[], -1);
        let bytes = h.encode_to_vec();
        // request field 3 (callId) is sint32: zigzag(-33) = 65 = 0x41
        let at = bytes.iter().position(|b| *b == 0x18).unwrap();
        assert_eq!(&bytes[at..at + 2], &[0x18, 0x41]);
        let back = RpcRequestHeaderProto::decode(bytes.as_slice()).unwrap();
        assert_eq!(back.call_id, -33);
        // response field 1 (callId) is uint32: Java writes -33 as the 5-byte varint 0xFFFFFFDF
        let wire = [0x08, 0xDF, 0xFF, 0xFF, 0xFF, 0x0F, 0x10, 0x00];
        let resp = RpcResponseHeaderProto::decode(&wire[..]).unwrap();
        assert_eq!(resp.call_id as i32, -33);
        assert_eq!(back.retry_count, Some(-1));
    }

    #[test]
    fn request_frame_layout() {
        let header = request_header(7, &[1u8; 16], 0);
        let method = RequestHeaderProto {
            method_name: "getClusterMetrics".into(),
            declaring_class_protocol_name: "p".into(),
            client_protocol_version: 1,
        };
        let frame = encode_frame(&[&header, &method]);
        let mut b = frame.clone();
        let total = b.get_u32() as usize;
        assert_eq!(total, frame.len() - 4);
        let h = RpcRequestHeaderProto::decode_length_delimited(&mut b).unwrap();
        assert_eq!(h.call_id, 7);
        assert_eq!(h.client_id, vec![1u8; 16]);
        let m = RequestHeaderProto::decode_length_delimited(&mut b).unwrap();
        assert_eq!(m.method_name, "getClusterMetrics");
        assert!(!b.has_remaining());
    }

    #[test]
    fn response_decodes_header_and_body() {
        let header = RpcResponseHeaderProto {
            call_id: SASL_CALL_ID as u32,
            status: 0,
            ..Default::default()
        };
        let sasl = RpcSaslProto {
            state: SaslState::Success as i32,
            ..Default::default()
        };
        let frame = encode_frame(&[&header, &sasl]);
        let resp = decode_response(frame.slice(4..)).unwrap();
        assert_eq!(resp.call_id(), SASL_CALL_ID);
        let body: RpcSaslProto = resp.message().unwrap();
        assert_eq!(body.state(), SaslState::Success);
    }

    #[test]
    fn truncated_header_is_an_error() {
        let mut payload = BytesMut::new();
        payload.put_u8(50); // claims 50 bytes of header
        payload.put_slice(&[0u8; 3]);
        assert!(decode_response(payload.freeze()).is_err());
    }

    #[tokio::test]
    async fn read_frame_rejects_oversized_length() {
        let bytes = ((MAX_FRAME + 1) as u32).to_be_bytes();
        let err = read_frame(&mut &bytes[..]).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    }
}
