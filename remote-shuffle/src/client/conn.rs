//! Connections to the coordinator and workers, with errors that name the endpoint. Every
//! call carries this process's credentials ([`crate::auth`]).

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use parking_lot::Mutex;

use tonic::transport::{Channel, Endpoint};
use weft_core::rpc_error::from_peer_status;
use weft_core::{Result, WeftError};

use crate::auth::AttachCredentials;
use crate::proto::{PushRequest, PushResponse};
use tonic::service::interceptor::InterceptedService;

use crate::proto::shuffle_coordinator_client::ShuffleCoordinatorClient;
use crate::proto::shuffle_worker_client::ShuffleWorkerClient;

const MAX_MESSAGE: usize = 256 << 20;

/// HTTP/2 flow-control windows for bulk data: the 64 KiB default stalls a stream every
/// 64 KiB waiting for a window update.
pub const STREAM_WINDOW: u32 = 8 << 20;
pub const CONNECTION_WINDOW: u32 = 32 << 20;

/// Which of a process's two connections to an endpoint a call uses: bulk pushes get their
/// own, so a `Locate` or a read's first chunk never queues behind megabytes of pushed data
/// on the same TCP connection.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Lane {
    Control,
    Push,
}

/// One HTTP/2 connection per endpoint, lane and process, shared by every call (tonic
/// reconnects it after a failure): a connection per call costs a TCP and HTTP/2 handshake
/// on every commit, read plan and read.
static CHANNELS: LazyLock<Mutex<HashMap<(String, Lane), Channel>>> =
    LazyLock::new(Default::default);

async fn channel(address: &str, lane: Lane, what: &str) -> Result<Channel> {
    let key = (address.to_string(), lane);
    if let Some(c) = CHANNELS.lock().get(&key) {
        return Ok(c.clone());
    }
    let c = connect(address, what).await?;
    CHANNELS.lock().insert(key, c.clone());
    Ok(c)
}

async fn connect(address: &str, what: &str) -> Result<Channel> {
    let unreachable = |message: String| WeftError::Unreachable {
        what: what.into(),
        address: address.into(),
        message,
    };
    Endpoint::from_shared(format!("http://{address}"))
        .map_err(|e| unreachable(format!("not a host:port ({e})")))?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .connect()
        .await
        .map_err(|e| {
            unreachable(format!(
                "{e}; is `weft shuffle {}` running there?",
                if what.contains("coordinator") {
                    "coordinator"
                } else {
                    "worker"
                }
            ))
        })
}

/// A channel whose calls carry this process's credentials.
pub type AuthedChannel = InterceptedService<Channel, AttachCredentials>;

pub async fn coordinator(address: &str) -> Result<ShuffleCoordinatorClient<AuthedChannel>> {
    let c = channel(address, Lane::Control, "shuffle coordinator").await?;
    Ok(
        ShuffleCoordinatorClient::new(InterceptedService::new(c, AttachCredentials))
            .max_decoding_message_size(MAX_MESSAGE),
    )
}

pub async fn worker(address: &str) -> Result<ShuffleWorkerClient<AuthedChannel>> {
    worker_on(address, Lane::Control).await
}

async fn worker_on(address: &str, lane: Lane) -> Result<ShuffleWorkerClient<AuthedChannel>> {
    let c = channel(address, lane, "shuffle worker").await?;
    Ok(
        ShuffleWorkerClient::new(InterceptedService::new(c, AttachCredentials))
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE),
    )
}

/// The sending half of a `Push` stream to a worker and the task awaiting its response.
pub type PushHandle = (
    tokio::sync::mpsc::Sender<PushRequest>,
    tokio::task::JoinHandle<Result<PushResponse>>,
);

/// Open a `Push` stream to the worker at `address` (`what` names it in errors), on behalf
/// of application `app` (default: this process's).
pub async fn open_push(address: &str, what: &'static str, app: Option<&str>) -> Result<PushHandle> {
    let mut client = worker_on(address, Lane::Push).await?;
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let addr = address.to_string();
    let mut request = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(rx));
    if let Some(app) = app {
        request = crate::auth::as_app(request, app);
    }
    let done = tokio::spawn(async move {
        client
            .push(request)
            .await
            .map(|r| r.into_inner())
            .map_err(|s| from_peer_status(&s, what, &addr))
    });
    Ok((tx, done))
}

/// A gRPC server with HTTP/2 windows sized for bulk data.
pub fn server() -> tonic::transport::Server {
    tonic::transport::Server::builder()
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
}
