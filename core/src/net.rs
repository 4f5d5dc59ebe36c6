//! Sockets for Weft's gRPC servers.

use futures::{Stream, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_stream::wrappers::TcpListenerStream;

/// The connections a listener accepts, with Nagle's algorithm off. tonic's
/// `Server::tcp_nodelay` does not reach connections handed to `serve_with_incoming`; with
/// Nagle on, a response written in pieces (headers, then data) waits for the client's
/// delayed ACK — up to 40 ms per call on Linux.
pub fn incoming(listener: TcpListener) -> impl Stream<Item = std::io::Result<TcpStream>> {
    TcpListenerStream::new(listener).map(|s| {
        let s = s?;
        s.set_nodelay(true)?;
        Ok(s)
    })
}
