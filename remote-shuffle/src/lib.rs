//! Weft's remote shuffle service, after Apache Celeborn and Flink's remote shuffle: blocking
//! results live on standalone workers instead of in the TaskManagers that produced them.
//!
//! - [`coordinator`]: the worker registry (heartbeats, timeouts), shuffle registration,
//!   load-aware placement of reduce partitions (replicas on different workers), map commits,
//!   read plans, unregistration and expiry.
//! - [`worker`]: accepts pushed batches and appends them to one file per reduce partition
//!   (with a chunk index), forwards them to the replica, serves credit-based reads.
//! - [`client`]: the TaskManager side ([`RemoteShuffleEnvironment`]) and the JobManager side
//!   ([`RemoteShuffleMaster`]), selected by `shuffle.mode = remote`.
//!
//! Data on the wire and on disk are the engine's shuffle frames (Arrow IPC, LZ4/ZSTD, a CRC
//! per batch), tagged with map id, attempt and batch id.

pub mod auth;
pub mod client;
pub mod coordinator;
mod disk;
pub mod location;
pub mod metrics;
pub mod worker;

/// The gRPC protocol of coordinator and workers (`proto/rss.proto`).
#[allow(clippy::all)]
pub mod proto {
    tonic::include_proto!("weft.rss");
}

pub use client::{RemoteShuffleEnvironment, RemoteShuffleMaster, check_coordinator};
pub use coordinator::{Coordinator, CoordinatorOptions};
pub use worker::{Worker, WorkerOptions};
