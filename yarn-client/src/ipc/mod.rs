//! Hadoop IPC (RPC version 9) over TCP.
//!
//! - [`frame`]: the connection header and the 4-byte length frames of varint-delimited
//!   protobufs — pure functions, unit tested.
//! - [`connection`]: one TCP connection with many calls in flight; a reader task dispatches
//!   responses by call id, pings while calls wait, closes itself when idle.
//! - [`client`]: an [`RpcClient`] for one protocol at one address that (re)connects on
//!   demand with a connect timeout and bounded retries.

pub mod client;
pub mod connection;
pub mod frame;
pub mod settings;

pub use client::RpcClient;
pub use settings::IpcSettings;

pub use connection::ConnectParams;

/// Hadoop protocol names and versions of the RPC interfaces this crate speaks.
pub mod protocols {
    /// ApplicationClientProtocolPB (client → ResourceManager).
    pub const APPLICATION_CLIENT: &str = "org.apache.hadoop.yarn.api.ApplicationClientProtocolPB";
    /// ApplicationMasterProtocolPB (AM → ResourceManager scheduler).
    pub const APPLICATION_MASTER: &str = "org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB";
    /// ContainerManagementProtocolPB (AM → NodeManager).
    pub const CONTAINER_MANAGEMENT: &str =
        "org.apache.hadoop.yarn.api.ContainerManagementProtocolPB";
    /// All three YARN protocols are at version 1.
    pub const VERSION: u64 = 1;
}
