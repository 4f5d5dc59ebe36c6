//! One Hadoop IPC connection: handshake (header, SASL, connection context), then many calls
//! in flight. A reader task owns the read half and completes each call's oneshot channel by
//! call id; it pings while calls wait and closes the connection when it has been idle.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use prost::Message;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;

use super::frame::{self, AuthProtocol, ResponseFrame};
use super::settings::IpcSettings;
use crate::error::{Result, YarnError};
use crate::proto::common::{
    IpcConnectionContextProto, RequestHeaderProto, UserInformationProto,
    rpc_response_header_proto::RpcStatusProto,
};
use crate::sasl::{self, Negotiated};
use crate::token_file::Token;

/// Everything needed to open a connection.
#[derive(Clone, Debug)]
pub struct ConnectParams {
    /// host:port
    pub addr: String,
    /// What the address is, for errors: "YARN ResourceManager", "NodeManager", ...
    pub service: String,
    /// Where the address came from, for errors.
    pub source_conf: String,
    /// Hadoop protocol name, e.g. [`super::protocols::APPLICATION_CLIENT`].
    pub protocol: String,
    /// The user for SIMPLE auth.
    pub user: String,
    /// A token: when set, the connection authenticates with SASL TOKEN/DIGEST-MD5.
    pub token: Option<Token>,
    pub settings: IpcSettings,
}

/// Why a call failed: before its request reached the socket (safe to retry elsewhere) or after.
#[derive(Debug)]
pub enum CallFailure {
    NotSent(YarnError),
    Failed(YarnError),
}

impl CallFailure {
    pub fn into_error(self) -> YarnError {
        match self {
            CallFailure::NotSent(e) | CallFailure::Failed(e) => e,
        }
    }
}

type Reply = std::result::Result<ResponseFrame, YarnError>;

struct State {
    pending: HashMap<i32, oneshot::Sender<Reply>>,
    closed: Option<String>,
    last_activity: Instant,
}

/// An open connection. Cheap to share (`Arc`); calls may run concurrently.
pub struct Connection {
    addr: String,
    protocol: String,
    client_id: [u8; 16],
    next_call_id: AtomicI32,
    writer: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
    state: Arc<Mutex<State>>,
    rpc_timeout: Option<Duration>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &self.addr)
            .field("protocol", &self.protocol)
            .finish()
    }
}

/// Opens a TCP connection, retrying as configured; the error names the address and its source.
pub async fn connect_tcp(params: &ConnectParams) -> Result<TcpStream> {
    let s = &params.settings;
    let mut last: Option<std::io::Error> = None;
    for attempt in 0..=s.connect_retries {
        if attempt > 0 {
            tokio::time::sleep(s.connect_retry_interval).await;
        }
        match tokio::time::timeout(s.connect_timeout, TcpStream::connect(&params.addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) => {
                tracing::debug!(addr = %params.addr, attempt, error = %e, "connect failed");
                last = Some(e);
            }
            Err(_) => {
                last = Some(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("connect timed out after {:?}", s.connect_timeout),
                ));
            }
        }
    }
    let source = last.expect("at least one attempt");
    let source = std::io::Error::new(
        source.kind(),
        format!(
            "{source} (after {} attempt{})",
            s.connect_retries + 1,
            if s.connect_retries == 0 { "" } else { "s" }
        ),
    );
    Err(YarnError::Unreachable {
        service: params.service.clone(),
        addr: params.addr.clone(),
        source_conf: params.source_conf.clone(),
        source,
    })
}

impl Connection {
    /// Connects, authenticates and sends the connection context; starts the reader task.
    pub async fn open(params: &ConnectParams) -> Result<Arc<Connection>> {
        let mut tcp = connect_tcp(params).await?;
        let _ = tcp.set_nodelay(true);
        let addr = params.addr.as_str();
        let client_id = *uuid::Uuid::new_v4().as_bytes();
        let closed = |e: std::io::Error| YarnError::ConnectionClosed {
            addr: addr.to_string(),
            reason: format!("during connection setup: {e}"),
        };

        let auth = if params.token.is_some() {
            AuthProtocol::Sasl
        } else {
            AuthProtocol::None
        };
        tcp.write_all(&frame::connection_header(0, auth))
            .await
            .map_err(closed)?;
        let negotiated = match &params.token {
            Some(token) => sasl::negotiate(&mut tcp, addr, token, &client_id).await?,
            None => Negotiated::Simple,
        };

        let context = IpcConnectionContextProto {
            user_info: (negotiated == Negotiated::Simple).then(|| UserInformationProto {
                effective_user: Some(params.user.clone()),
                real_user: None,
            }),
            protocol: Some(params.protocol.clone()),
        };
        let header = frame::request_header(frame::CONNECTION_CONTEXT_CALL_ID, &client_id, -1);
        let context_frame = frame::encode_frame(&[&header, &context]);
        tcp.write_all(&context_frame).await.map_err(closed)?;

        let (read, write) = tcp.into_split();
        let conn = Arc::new(Connection {
            addr: addr.to_string(),
            protocol: params.protocol.clone(),
            client_id,
            next_call_id: AtomicI32::new(0),
            writer: Arc::new(tokio::sync::Mutex::new(write)),
            state: Arc::new(Mutex::new(State {
                pending: HashMap::new(),
                closed: None,
                last_activity: Instant::now(),
            })),
            rpc_timeout: params.settings.rpc_timeout,
        });
        tokio::spawn(reader_task(
            read,
            conn.addr.clone(),
            client_id,
            conn.writer.clone(),
            conn.state.clone(),
            params.settings.ping_interval,
            params.settings.max_idle,
        ));
        Ok(conn)
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// False once the reader task has stopped (server closed, error, or idle).
    pub fn is_open(&self) -> bool {
        self.state.lock().unwrap().closed.is_none()
    }

    /// Calls `method` of this connection's protocol.
    pub async fn call<Req, Resp>(
        &self,
        method: &str,
        version: u64,
        request: &Req,
    ) -> std::result::Result<Resp, CallFailure>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let call_id = self.next_call_id.fetch_add(1, Ordering::Relaxed) & i32::MAX;
        let (tx, rx) = oneshot::channel();
        {
            let mut st = self.state.lock().unwrap();
            if let Some(reason) = &st.closed {
                return Err(CallFailure::NotSent(YarnError::ConnectionClosed {
                    addr: self.addr.clone(),
                    reason: reason.clone(),
                }));
            }
            st.pending.insert(call_id, tx);
            st.last_activity = Instant::now();
        }
        let header = frame::request_header(call_id, &self.client_id, 0);
        let method_header = RequestHeaderProto {
            method_name: method.to_string(),
            declaring_class_protocol_name: self.protocol.clone(),
            client_protocol_version: version,
        };
        let bytes = frame::encode_frame(&[&header, &method_header, request]);
        if let Err(e) = self.writer.lock().await.write_all(&bytes).await {
            self.state.lock().unwrap().pending.remove(&call_id);
            return Err(CallFailure::NotSent(YarnError::ConnectionClosed {
                addr: self.addr.clone(),
                reason: format!("while sending {method}: {e}"),
            }));
        }

        let reply = match self.rpc_timeout {
            Some(t) => match tokio::time::timeout(t, rx).await {
                Ok(r) => r,
                Err(_) => {
                    self.state.lock().unwrap().pending.remove(&call_id);
                    return Err(CallFailure::Failed(YarnError::Timeout {
                        addr: self.addr.clone(),
                        method: method.to_string(),
                        timeout: t,
                    }));
                }
            },
            None => rx.await,
        };
        let frame = match reply {
            Ok(Ok(frame)) => frame,
            Ok(Err(e)) => return Err(CallFailure::Failed(e)),
            Err(_) => {
                return Err(CallFailure::Failed(YarnError::ConnectionClosed {
                    addr: self.addr.clone(),
                    reason: format!("reader stopped before {method} was answered"),
                }));
            }
        };
        match frame.status() {
            RpcStatusProto::Success => frame.message::<Resp>().map_err(|e| {
                CallFailure::Failed(YarnError::protocol(
                    &self.addr,
                    format!("cannot decode the {method} response: {e}"),
                ))
            }),
            _ => Err(CallFailure::Failed(remote_error(&frame))),
        }
    }
}

fn remote_error(frame: &ResponseFrame) -> YarnError {
    YarnError::Remote {
        class: frame.header.exception_class_name().to_string(),
        message: frame.header.error_msg().to_string(),
    }
}

async fn read_one(mut read: OwnedReadHalf) -> (OwnedReadHalf, std::io::Result<Bytes>) {
    let r = frame::read_frame(&mut read).await;
    (read, r)
}

/// Completes the call a response belongs to; returns a reason to close on a fatal error.
fn dispatch(state: &Mutex<State>, addr: &str, frame: ResponseFrame) -> Option<String> {
    let mut st = state.lock().unwrap();
    st.last_activity = Instant::now();
    if frame.status() == RpcStatusProto::Fatal {
        let msg = remote_error(&frame).to_string();
        for (_, tx) in st.pending.drain() {
            let _ = tx.send(Err(remote_error(&frame)));
        }
        return Some(format!(
            "fatal error from server: {}",
            sasl::first_line(&msg)
        ));
    }
    match st.pending.remove(&frame.call_id()) {
        Some(tx) => {
            let _ = tx.send(Ok(frame));
        }
        None => tracing::debug!(%addr, call_id = frame.call_id(), "response for unknown call"),
    }
    None
}

async fn reader_task(
    read: OwnedReadHalf,
    addr: String,
    client_id: [u8; 16],
    writer: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
    state: Arc<Mutex<State>>,
    ping_interval: Duration,
    max_idle: Duration,
) {
    let tick = ping_interval.min(max_idle).max(Duration::from_millis(10)) / 2;
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next: Pin<Box<_>> = Box::pin(read_one(read));
    let mut last_ping = Instant::now();
    let reason = loop {
        tokio::select! {
            (read, result) = &mut next => {
                let payload = match result {
                    Ok(p) => p,
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break "server closed the connection".to_string(),
                    Err(e) => break format!("read failed: {e}"),
                };
                let frame = match frame::decode_response(payload) {
                    Ok(f) => f,
                    Err(e) => break format!("undecodable response: {e}"),
                };
                if let Some(reason) = dispatch(&state, &addr, frame) {
                    break reason;
                }
                next.set(read_one(read));
            }
            _ = ticker.tick() => {
                let (idle_for, waiting) = {
                    let st = state.lock().unwrap();
                    (st.last_activity.elapsed(), !st.pending.is_empty())
                };
                if !waiting && idle_for >= max_idle {
                    break "idle".to_string();
                }
                if waiting && last_ping.elapsed() >= ping_interval {
                    last_ping = Instant::now();
                    let ping = frame::encode_frame(&[&frame::request_header(frame::PING_CALL_ID, &client_id, -1)]);
                    if let Err(e) = writer.lock().await.write_all(&ping).await {
                        break format!("ping failed: {e}");
                    }
                }
            }
        }
    };
    tracing::debug!(%addr, %reason, "IPC connection closed");
    {
        let mut st = state.lock().unwrap();
        st.closed = Some(reason.clone());
        for (_, tx) in st.pending.drain() {
            let _ = tx.send(Err(YarnError::ConnectionClosed {
                addr: addr.clone(),
                reason: reason.clone(),
            }));
        }
    }
    let _ = writer.lock().await.shutdown().await;
}
