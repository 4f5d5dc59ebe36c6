//! Who may call Weft's internal ports. Every application has one [`ClusterSecret`],
//! generated at submission; every internal gRPC service (Dispatcher, JobManager gateway,
//! TaskExecutor gateway and its data service) refuses a call that does not carry it
//! ([`grpc::Authenticate`]), and every client Weft has attaches it
//! ([`grpc::AttachSecret`]).
//!
//! The secret travels only in files only its owner can read: a local cluster's work
//! directory (mode 700, the file 600), a YARN container's credentials (the Hadoop token
//! file the NodeManager writes), and the session properties file of `-t yarn-session`
//! clients. Never in an argument or an environment variable.

pub mod grpc;
pub mod secret;

pub use grpc::{AttachSecret, AuthChannel, Authenticate, Peer};
pub use secret::ClusterSecret;
