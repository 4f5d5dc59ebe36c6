//! Weft's error type. User-facing variants carry what is wrong and what to do in one sentence;
//! internal variants keep their type so recovery logic (failover) can match on them, also
//! across gRPC (see `proto_error`).

use datafusion::error::DataFusionError;

pub type Result<T, E = WeftError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum WeftError {
    /// A statement of the SQL script is wrong (syntax, unknown table, type mismatch).
    #[error("{message} (statement {statement} at line {line}, column {column})")]
    Sql {
        statement: usize,
        line: usize,
        column: usize,
        message: String,
    },
    /// A table's `WITH (...)` options are wrong.
    #[error("table `{table}`: {message}")]
    TableOption { table: String, message: String },
    /// A configuration key or value is wrong.
    #[error("configuration `{key}`: {message}")]
    Config { key: String, message: String },
    /// A file or directory the job needs is missing or unreadable.
    #[error("{message}")]
    Io { message: String },
    /// A remote endpoint could not be reached.
    #[error("cannot reach {what} at {address}: {message}")]
    Unreachable {
        what: String,
        address: String,
        message: String,
    },
    /// A producer's result partition is gone (its TaskManager died, or files were removed):
    /// failover reruns the producing region.
    #[error("result partition {partition} is not available: {message}")]
    PartitionNotFound { partition: String, message: String },
    /// A job failed at run time and its restart strategy gave up.
    #[error("job {job_id} failed: {message}")]
    JobFailed { job_id: String, message: String },
    /// A query-engine error.
    #[error("{0}")]
    DataFusion(#[from] DataFusionError),
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Anything else that is Weft's own fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl WeftError {
    pub fn internal(msg: impl Into<String>) -> Self {
        WeftError::Internal(msg.into())
    }
    pub fn io(msg: impl Into<String>) -> Self {
        WeftError::Io {
            message: msg.into(),
        }
    }
    pub fn table_option(table: &str, msg: impl Into<String>) -> Self {
        WeftError::TableOption {
            table: table.to_string(),
            message: msg.into(),
        }
    }
    pub fn config(key: &str, msg: impl Into<String>) -> Self {
        WeftError::Config {
            key: key.to_string(),
            message: msg.into(),
        }
    }
}

impl From<std::io::Error> for WeftError {
    fn from(e: std::io::Error) -> Self {
        WeftError::Io {
            message: e.to_string(),
        }
    }
}

/// Unwrap a DataFusionError that wraps a WeftError (connectors raise WeftErrors through
/// DataFusion's `External` variant) so the user sees the original message.
pub fn unwrap_datafusion(e: DataFusionError) -> WeftError {
    match e {
        DataFusionError::External(inner) => match inner.downcast::<WeftError>() {
            Ok(w) => *w,
            Err(other) => WeftError::DataFusion(DataFusionError::External(other)),
        },
        DataFusionError::Context(_, inner) => unwrap_datafusion(*inner),
        DataFusionError::Shared(inner) => match std::sync::Arc::try_unwrap(inner) {
            Ok(e) => unwrap_datafusion(e),
            Err(arc) => WeftError::internal(arc.to_string()),
        },
        other => WeftError::DataFusion(other),
    }
}

/// Wrap a WeftError so it can travel through DataFusion APIs and come back out typed.
pub fn to_datafusion(e: WeftError) -> DataFusionError {
    match e {
        WeftError::DataFusion(d) => d,
        other => DataFusionError::External(Box::new(other)),
    }
}
