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
    /// A subtask needed more memory than its slot has, even spilling: the message names
    /// the operator and the setting to raise.
    #[error("{message}")]
    OutOfMemory { message: String },
    /// A call to an internal port without this application's secret (or with another's).
    #[error("{service} refused the call: {message}")]
    Unauthenticated { service: String, message: String },
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
            // Still shared (e.g. a broadcast join's build side failed for every probe
            // partition): copy the typed error out, so failover still sees what was lost.
            Err(arc) => find_weft(&arc).unwrap_or_else(|| WeftError::internal(arc.to_string())),
        },
        other => WeftError::DataFusion(other),
    }
}

/// A copy of the WeftError inside `e`, looking through DataFusion's wrappers.
fn find_weft(e: &DataFusionError) -> Option<WeftError> {
    match e {
        DataFusionError::External(inner) => {
            if let Some(w) = inner.downcast_ref::<WeftError>() {
                w.copy_typed()
            } else {
                inner.downcast_ref::<DataFusionError>().and_then(find_weft)
            }
        }
        DataFusionError::Context(_, inner) => find_weft(inner),
        DataFusionError::Shared(inner) => find_weft(inner),
        _ => None,
    }
}

impl WeftError {
    /// A copy of this error with its type, for the variants that hold only text.
    fn copy_typed(&self) -> Option<WeftError> {
        use WeftError::*;
        Some(match self {
            Sql {
                statement,
                line,
                column,
                message,
            } => Sql {
                statement: *statement,
                line: *line,
                column: *column,
                message: message.clone(),
            },
            TableOption { table, message } => TableOption {
                table: table.clone(),
                message: message.clone(),
            },
            Config { key, message } => Config {
                key: key.clone(),
                message: message.clone(),
            },
            Io { message } => Io {
                message: message.clone(),
            },
            Unreachable {
                what,
                address,
                message,
            } => Unreachable {
                what: what.clone(),
                address: address.clone(),
                message: message.clone(),
            },
            PartitionNotFound { partition, message } => PartitionNotFound {
                partition: partition.clone(),
                message: message.clone(),
            },
            JobFailed { job_id, message } => JobFailed {
                job_id: job_id.clone(),
                message: message.clone(),
            },
            OutOfMemory { message } => OutOfMemory {
                message: message.clone(),
            },
            Unauthenticated { service, message } => Unauthenticated {
                service: service.clone(),
                message: message.clone(),
            },
            Internal(m) => Internal(m.clone()),
            DataFusion(_) | Arrow(_) => return None,
        })
    }
}

/// `e` as an [`WeftError::OutOfMemory`] when DataFusion ran out of a subtask's memory
/// pool (`slot_memory` bytes): one sentence naming the operator and what to raise.
pub fn explain_out_of_memory(e: WeftError, slot_memory: u64) -> WeftError {
    let WeftError::DataFusion(d) = &e else {
        return e;
    };
    let Some(detail) = resources_exhausted(d) else {
        return e;
    };
    // "Failed to allocate additional 272.0 MB for HashJoinInput[0] with 0.0 B already
    // allocated for this reservation - 100.0 MB remain available for the total pool"
    let what = detail
        .split_once("additional ")
        .map(|(_, rest)| rest.split(" with ").next().unwrap_or(rest).trim())
        .filter(|w| !w.is_empty())
        .map(|w| format!(": {w}"))
        .unwrap_or_default();
    WeftError::OutOfMemory {
        message: format!(
            "a subtask ran out of managed memory{what}, beyond the {} MiB of its slot even with \
             spilling; raise taskmanager.memory.managed.size (or taskmanager.memory.process.size) \
             or lower taskmanager.numberOfTaskSlots",
            slot_memory >> 20
        ),
    }
}

/// `e` as an [`WeftError::Io`] when a CSV or JSON input could not be read: one sentence
/// with the reader's own words (line, value, row) and what to do.
pub fn explain_input_error(e: WeftError) -> WeftError {
    let arrow = match &e {
        WeftError::DataFusion(d) => arrow_error(d),
        WeftError::Arrow(a) => Some(a),
        _ => None,
    };
    let Some(a) = arrow else {
        return e;
    };
    use arrow::error::ArrowError;
    let message = match a {
        // what 'csv.ignore-parse-errors' does not help with (Weft's CSV reader says so)
        ArrowError::CsvError(m) if m.contains("broken quoting") || m.contains("not UTF-8") => {
            format!("a CSV input file could not be read: {m}; fix the file")
        }
        ArrowError::CsvError(m) => format!(
            "a CSV input file could not be read: {m}; fix the file, or set 'csv.ignore-parse-errors' = 'true' on the table to read unreadable fields as NULL and skip rows with too many fields"
        ),
        ArrowError::ParseError(m) if m.contains("Flink's CSV reader") => format!(
            "a CSV input file could not be read: {m}; fix the file, or set 'csv.ignore-parse-errors' = 'true' on the table to read unreadable fields as NULL"
        ),
        ArrowError::ParseError(m) if m.contains("for column") => format!(
            // arrow counts the line within its batch, which is not the file's line: the row
            // data says which row it is
            "a CSV input file could not be read: {}; fix the file, declare the column with the file's type, or set 'csv.ignore-parse-errors' = 'true' on the table to read unreadable fields as NULL",
            without_batch_line(m)
        ),
        ArrowError::JsonError(m) if m.contains("Flink's JSON reader") => format!(
            "a JSON input file could not be read: {m}; fix the file, or set 'json.ignore-parse-errors' = 'true' on the table to read unreadable fields as NULL and skip lines that are not JSON objects"
        ),
        ArrowError::JsonError(m) => format!(
            "a JSON input file could not be read: {m}; fix the file or declare the columns with the file's types"
        ),
        _ => return e,
    };
    WeftError::Io { message }
}

/// An arrow CSV message without its ` at line N` (a line of the batch, not of the file).
fn without_batch_line(m: &str) -> String {
    match m.find(" at line ") {
        Some(i) => {
            let rest = &m[i + " at line ".len()..];
            let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
            format!("{}{}", &m[..i], &rest[digits..])
        }
        None => m.to_string(),
    }
}

fn arrow_error(e: &DataFusionError) -> Option<&arrow::error::ArrowError> {
    match e {
        DataFusionError::ArrowError(a, _) => Some(a.as_ref()),
        DataFusionError::Context(_, inner) => arrow_error(inner),
        DataFusionError::Shared(inner) => arrow_error(inner),
        DataFusionError::External(inner) => inner
            .downcast_ref::<DataFusionError>()
            .and_then(arrow_error)
            .or_else(|| inner.downcast_ref::<arrow::error::ArrowError>()),
        _ => None,
    }
}

fn resources_exhausted(e: &DataFusionError) -> Option<&str> {
    match e {
        DataFusionError::ResourcesExhausted(m) => Some(m),
        DataFusionError::Context(_, inner) => resources_exhausted(inner),
        DataFusionError::Shared(inner) => resources_exhausted(inner),
        DataFusionError::External(inner) => inner
            .downcast_ref::<DataFusionError>()
            .and_then(resources_exhausted),
        _ => None,
    }
}

/// Wrap a WeftError so it can travel through DataFusion APIs and come back out typed.
pub fn to_datafusion(e: WeftError) -> DataFusionError {
    match e {
        WeftError::DataFusion(d) => d,
        other => DataFusionError::External(Box::new(other)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn running_out_of_memory_names_the_operator_and_the_setting() {
        let e = WeftError::DataFusion(DataFusionError::Context(
            "join".into(),
            Box::new(DataFusionError::ResourcesExhausted(
                "Failed to allocate additional 272.0 MB for HashJoinInput[0] with 0.0 B already \
                 allocated for this reservation - 100.0 MB remain available for the total pool"
                    .into(),
            )),
        ));
        let msg = explain_out_of_memory(e, 256 << 20).to_string();
        assert_eq!(
            msg,
            "a subtask ran out of managed memory: 272.0 MB for HashJoinInput[0], beyond the 256 \
             MiB of its slot even with spilling; raise taskmanager.memory.managed.size (or \
             taskmanager.memory.process.size) or lower taskmanager.numberOfTaskSlots"
        );
        let other = explain_out_of_memory(WeftError::internal("x"), 1);
        assert!(matches!(other, WeftError::Internal(_)));
    }

    #[test]
    fn unreadable_input_files_say_what_to_do() {
        let csv = WeftError::DataFusion(DataFusionError::ArrowError(
            Box::new(arrow::error::ArrowError::CsvError(
                "incorrect number of fields for line 3, expected 3 got 2".into(),
            )),
            None,
        ));
        let msg = explain_input_error(csv).to_string();
        assert!(
            msg.starts_with(
                "a CSV input file could not be read: incorrect number of fields for line 3"
            ),
            "{msg}"
        );
        assert!(msg.contains("'csv.ignore-parse-errors' = 'true'"), "{msg}");
        assert!(!msg.contains("internal error"), "{msg}");
        let parse = WeftError::Arrow(arrow::error::ArrowError::ParseError(
            "Error while parsing value 'x' as type 'Int32' for column 0 at line 1. Row data: '[x,b,3.5]'".into(),
        ));
        let msg = explain_input_error(parse).to_string();
        assert!(msg.contains("for column 0. Row data: '[x,b,3.5]'"), "{msg}");
        let other = explain_input_error(WeftError::internal("x"));
        assert!(matches!(other, WeftError::Internal(_)));
    }

    #[test]
    fn a_still_shared_error_keeps_its_type() {
        let lost = WeftError::PartitionNotFound {
            partition: "rss://w/p".into(),
            message: "worker gone".into(),
        };
        let shared = Arc::new(to_datafusion(lost));
        let _other_holder = shared.clone();
        let e = DataFusionError::Context(
            "build side".into(),
            Box::new(DataFusionError::Shared(shared)),
        );
        match unwrap_datafusion(e) {
            WeftError::PartitionNotFound { partition, .. } => assert_eq!(partition, "rss://w/p"),
            other => panic!("lost the type: {other:?}"),
        }
    }
}
