//! Weft core: ids, the typed config registry, errors, the job model (JobGraph, pipeline
//! regions), SQL-script parsing and planning on DataFusion, the gRPC protocol, and the
//! pluggable shuffle traits with the built-in local sort-based blocking shuffle.

pub mod adaptive;
pub mod catalog;
pub mod codec;
pub mod config;
pub mod error;
pub mod ids;
pub mod jobgraph;
pub mod join;
pub mod net;
pub mod planner;
pub mod proto;
pub mod regions;
pub mod rpc_error;
pub mod runtime_filter;
pub mod script;
pub mod security;
pub mod session;
pub mod shuffle;
pub mod task_runtime;

pub use error::{Result, WeftError};
