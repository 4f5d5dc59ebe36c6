//! The REST API's JSON bodies, built from status snapshots by pure functions (no locks, no
//! I/O) so they can be tested directly. Field names and shapes follow Flink's REST API
//! (`flink-runtime/.../rest/messages`) where Flink has the same thing; Weft's extra fields
//! (`restarts`, `sinks`, `spilled-bytes`, ...) sit beside them, which Flink's clients ignore.
//!
//! - `job.rs` — `/jobs`, `/jobs/overview`, `/jobs/:jobid` (JobDetailsInfo with the plan),
//!   `/jobs/:jobid/exceptions`.
//! - `cluster.rs` — `/config`, `/overview`, `/taskmanagers[/:id]`, `/jobmanager/config`.
//! - `logs.rs` — `/jobmanager/logs`, `/taskmanagers/:id/logs` (Flink's LogListInfo) and the
//!   check of a requested log name.

mod cluster;
mod job;
mod logs;

pub use cluster::*;
pub use job::*;
pub use logs::*;

use serde_json::{Value, json};

/// The Flink version whose REST API Weft answers as (`flink-version`): Flink's clients
/// compare it with their own.
pub const FLINK_VERSION: &str = "2.3.0";

/// What Weft reports as Flink's `flink-revision` / `flink-commit`.
pub fn weft_revision() -> String {
    format!("weft {}", env!("CARGO_PKG_VERSION"))
}

/// Flink's error body: `{"errors": ["..."]}`.
pub fn error_body(message: &str) -> Value {
    json!({ "errors": [message] })
}

/// The error body for something the JobManager does not know ("job j-1 not found").
pub fn not_found(what: &str) -> Value {
    error_body(&format!("{what} not found"))
}
