//! SASL over Hadoop IPC (`RpcSaslProto` messages with call id -33).
//!
//! The exchange: client NEGOTIATE → server NEGOTIATE listing the auths it accepts (with the
//! DIGEST-MD5 challenge inline) → client INITIATE with the chosen auth and its response →
//! server CHALLENGE (client answers RESPONSE) or SUCCESS carrying `rspauth`.

pub mod digest_md5;

use base64::Engine;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::error::{Result, YarnError};
use crate::ipc::frame::{self, SASL_CALL_ID};
use crate::proto::common::{
    RpcSaslProto, rpc_response_header_proto::RpcStatusProto, rpc_sasl_proto::SaslAuth,
    rpc_sasl_proto::SaslState,
};
use crate::token_file::Token;
use digest_md5::DigestMd5Client;

/// What the negotiation settled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negotiated {
    /// The server accepts SIMPLE: the connection context names the user.
    Simple,
    /// Authenticated with a token: the connection context carries no user.
    Token,
}

/// Runs SASL on a connection whose header announced auth protocol SASL.
pub async fn negotiate<S>(
    stream: &mut S,
    addr: &str,
    token: &Token,
    client_id: &[u8],
) -> Result<Negotiated>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let auth_err = |reason: String| YarnError::Auth {
        addr: addr.to_string(),
        reason,
    };
    send(
        stream,
        addr,
        client_id,
        RpcSaslProto {
            state: SaslState::Negotiate as i32,
            ..Default::default()
        },
    )
    .await?;

    let mut digest: Option<DigestMd5Client> = None;
    loop {
        let msg = receive(stream, addr).await?;
        match msg.state() {
            SaslState::Negotiate => {
                if msg.auths.iter().any(|a| a.method == "SIMPLE") {
                    return Ok(Negotiated::Simple);
                }
                let Some(chosen) = msg
                    .auths
                    .iter()
                    .find(|a| a.method == "TOKEN" && a.mechanism == "DIGEST-MD5")
                else {
                    let offered: Vec<String> = msg
                        .auths
                        .iter()
                        .map(|a| format!("{}/{}", a.method, a.mechanism))
                        .collect();
                    return Err(auth_err(format!(
                        "server offers {offered:?}; this client supports TOKEN/DIGEST-MD5 and SIMPLE"
                    )));
                };
                let b64 = base64::engine::general_purpose::STANDARD;
                let mut client = DigestMd5Client::new(
                    b64.encode(&token.identifier),
                    b64.encode(&token.password),
                    chosen.protocol(),
                    chosen.server_id(),
                );
                let response = match &chosen.challenge {
                    Some(ch) => client.respond(ch).map_err(auth_err)?,
                    None => Vec::new(),
                };
                digest = Some(client);
                let auth = SaslAuth {
                    challenge: None,
                    ..chosen.clone()
                };
                send(
                    stream,
                    addr,
                    client_id,
                    RpcSaslProto {
                        state: SaslState::Initiate as i32,
                        token: Some(response),
                        auths: vec![auth],
                        ..Default::default()
                    },
                )
                .await?;
            }
            SaslState::Challenge => {
                let client = digest
                    .as_mut()
                    .ok_or_else(|| auth_err("CHALLENGE before NEGOTIATE".into()))?;
                let response = client.respond(msg.token()).map_err(auth_err)?;
                send(
                    stream,
                    addr,
                    client_id,
                    RpcSaslProto {
                        state: SaslState::Response as i32,
                        token: Some(response),
                        ..Default::default()
                    },
                )
                .await?;
            }
            SaslState::Success => {
                let client = digest
                    .as_ref()
                    .ok_or_else(|| auth_err("SUCCESS before any challenge".into()))?;
                if let Some(t) = &msg.token {
                    client.verify_rspauth(t).map_err(auth_err)?;
                }
                return Ok(Negotiated::Token);
            }
            other => {
                return Err(auth_err(format!(
                    "unexpected SASL state {other:?} from server"
                )));
            }
        }
    }
}

async fn send<S: AsyncWrite + Unpin>(
    stream: &mut S,
    addr: &str,
    client_id: &[u8],
    msg: RpcSaslProto,
) -> Result<()> {
    let header = frame::request_header(SASL_CALL_ID, client_id, -1);
    let bytes = frame::encode_frame(&[&header, &msg]);
    stream
        .write_all(&bytes)
        .await
        .map_err(|e| YarnError::ConnectionClosed {
            addr: addr.to_string(),
            reason: format!("while sending SASL {:?}: {e}", msg.state()),
        })
}

async fn receive<S: AsyncRead + Unpin>(stream: &mut S, addr: &str) -> Result<RpcSaslProto> {
    let payload = frame::read_frame(stream).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            // Hadoop's server drops the connection when it cannot accept a token.
            YarnError::Auth {
                addr: addr.to_string(),
                reason: "the server closed the connection during SASL negotiation (token rejected)"
                    .into(),
            }
        } else {
            YarnError::ConnectionClosed {
                addr: addr.to_string(),
                reason: format!("during SASL negotiation: {e}"),
            }
        }
    })?;
    let resp = frame::decode_response(payload)
        .map_err(|e| YarnError::protocol(addr, format!("bad SASL response header: {e}")))?;
    if resp.status() != RpcStatusProto::Success {
        return Err(YarnError::Auth {
            addr: addr.to_string(),
            reason: format!(
                "{}: {}",
                resp.header.exception_class_name(),
                first_line(resp.header.error_msg())
            ),
        });
    }
    if resp.call_id() != SASL_CALL_ID {
        return Err(YarnError::protocol(
            addr,
            format!("expected SASL call id -33, got {}", resp.call_id()),
        ));
    }
    resp.message()
        .map_err(|e| YarnError::protocol(addr, format!("bad RpcSaslProto: {e}")))
}

pub(crate) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
