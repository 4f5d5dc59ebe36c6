//! The crate's one error type. Every variant a user can see names the thing that is wrong.

use std::path::PathBuf;
use std::time::Duration;

/// Result alias for this crate.
pub type Result<T, E = YarnError> = std::result::Result<T, E>;

/// Java class name of YARN's "no such application" exception.
pub const APPLICATION_NOT_FOUND_CLASS: &str =
    "org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException";
/// Java class name of the exception a standby ResourceManager answers with.
pub const STANDBY_CLASS: &str = "org.apache.hadoop.ipc.StandbyException";

#[derive(Debug, thiserror::Error)]
pub enum YarnError {
    /// No TCP connection could be made (after the configured retries and timeout).
    #[error("cannot reach the {service} at {addr} ({source_conf}): {source}")]
    Unreachable {
        /// What was being reached, e.g. "YARN ResourceManager".
        service: String,
        /// host:port
        addr: String,
        /// Where the address came from, e.g. "yarn.resourcemanager.address in /etc/hadoop/yarn-site.xml".
        source_conf: String,
        #[source]
        source: std::io::Error,
    },

    /// The server did not answer a call within the RPC timeout.
    #[error("{method} on {addr} timed out after {timeout:?}")]
    Timeout {
        addr: String,
        method: String,
        timeout: Duration,
    },

    /// The connection dropped while a call was in flight.
    #[error("connection to {addr} closed: {reason}")]
    ConnectionClosed { addr: String, reason: String },

    /// The RM does not know this application.
    #[error("application {0} not found")]
    ApplicationNotFound(String),

    /// The server threw an exception (RemoteException): Java class and message.
    #[error("{class}: {message}")]
    Remote { class: String, message: String },

    /// SASL negotiation failed or the server offered nothing this client can do.
    #[error("authentication with {addr} failed: {reason}")]
    Auth { addr: String, reason: String },

    /// The bytes on the wire are not Hadoop IPC as this client understands it.
    #[error("Hadoop IPC protocol error with {addr}: {reason}")]
    Protocol { addr: String, reason: String },

    /// A Hadoop configuration file is unreadable or malformed.
    #[error("Hadoop configuration file {path}: {problem}")]
    Config { path: PathBuf, problem: String },

    /// A required configuration value is missing or invalid.
    #[error("Hadoop configuration: {0}")]
    MissingConfig(String),

    /// A Hadoop Credentials token file is unreadable or malformed.
    #[error("Hadoop token file {path}: {problem}")]
    TokenFile { path: String, problem: String },

    /// No token of the needed kind is available.
    #[error("no {kind} token: {hint}")]
    MissingToken { kind: String, hint: String },

    /// An HDFS operation (staging upload, listing, delete) failed.
    #[error("HDFS {op} {path} on {namenode}: {message}")]
    Hdfs {
        op: String,
        path: String,
        namenode: String,
        message: String,
    },

    /// A malformed id or argument from the caller.
    #[error("{0}")]
    InvalidArgument(String),
}

impl YarnError {
    /// True for errors after which another ResourceManager (HA) should be tried.
    pub fn is_failover(&self) -> bool {
        match self {
            YarnError::Unreachable { .. } => true,
            YarnError::Remote { class, .. } => class == STANDBY_CLASS,
            _ => false,
        }
    }

    pub(crate) fn protocol(addr: &str, reason: impl Into<String>) -> Self {
        YarnError::Protocol {
            addr: addr.to_string(),
            reason: reason.into(),
        }
    }
}
