//! WeftError <-> wire. Errors keep their variant across gRPC: a `tonic::Status` carries an
//! encoded [`ErrorProto`] in its details, and task failures carry one in their state update.

use prost::Message;

use crate::error::WeftError;
use crate::proto::ErrorProto;

pub fn to_proto(e: &WeftError) -> ErrorProto {
    let mut fields = std::collections::HashMap::new();
    let (kind, message) = match e {
        WeftError::Sql {
            statement,
            line,
            column,
            message,
        } => {
            fields.insert("statement".into(), statement.to_string());
            fields.insert("line".into(), line.to_string());
            fields.insert("column".into(), column.to_string());
            ("Sql", message.clone())
        }
        WeftError::TableOption { table, message } => {
            fields.insert("table".into(), table.clone());
            ("TableOption", message.clone())
        }
        WeftError::Config { key, message } => {
            fields.insert("key".into(), key.clone());
            ("Config", message.clone())
        }
        WeftError::Io { message } => ("Io", message.clone()),
        WeftError::Unreachable {
            what,
            address,
            message,
        } => {
            fields.insert("what".into(), what.clone());
            fields.insert("address".into(), address.clone());
            ("Unreachable", message.clone())
        }
        WeftError::PartitionNotFound { partition, message } => {
            fields.insert("partition".into(), partition.clone());
            ("PartitionNotFound", message.clone())
        }
        WeftError::JobFailed { job_id, message } => {
            fields.insert("job_id".into(), job_id.clone());
            ("JobFailed", message.clone())
        }
        WeftError::OutOfMemory { message } => ("OutOfMemory", message.clone()),
        WeftError::Unauthenticated { service, message } => {
            fields.insert("service".into(), service.clone());
            ("Unauthenticated", message.clone())
        }
        other => ("Internal", other.to_string()),
    };
    ErrorProto {
        kind: kind.to_string(),
        message,
        fields,
    }
}

pub fn from_proto(p: &ErrorProto) -> WeftError {
    let f = |k: &str| p.fields.get(k).cloned().unwrap_or_default();
    let n = |k: &str| f(k).parse().unwrap_or(0);
    let message = p.message.clone();
    match p.kind.as_str() {
        "Sql" => WeftError::Sql {
            statement: n("statement"),
            line: n("line"),
            column: n("column"),
            message,
        },
        "TableOption" => WeftError::TableOption {
            table: f("table"),
            message,
        },
        "Config" => WeftError::Config {
            key: f("key"),
            message,
        },
        "Io" => WeftError::Io { message },
        "OutOfMemory" => WeftError::OutOfMemory { message },
        "Unauthenticated" => WeftError::Unauthenticated {
            service: f("service"),
            message,
        },
        "Unreachable" => WeftError::Unreachable {
            what: f("what"),
            address: f("address"),
            message,
        },
        "PartitionNotFound" => WeftError::PartitionNotFound {
            partition: f("partition"),
            message,
        },
        "JobFailed" => WeftError::JobFailed {
            job_id: f("job_id"),
            message,
        },
        _ => WeftError::Internal(message),
    }
}

/// Into a gRPC status whose details carry the typed error.
pub fn to_status(e: &WeftError) -> tonic::Status {
    let proto = to_proto(e);
    tonic::Status::with_details(
        tonic::Code::Internal,
        e.to_string(),
        proto.encode_to_vec().into(),
    )
}

/// Back from a gRPC status: the typed error if the peer sent one, else a transport error.
pub fn from_status(s: &tonic::Status, peer: &str) -> WeftError {
    if let Ok(p) = ErrorProto::decode(s.details()) {
        if !p.kind.is_empty() {
            return from_proto(&p);
        }
    }
    match s.code() {
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded => WeftError::Unreachable {
            what: "peer".into(),
            address: peer.to_string(),
            message: s.message().to_string(),
        },
        _ => WeftError::Internal(format!("{peer}: {}", s.message())),
    }
}

/// A failed call to a peer: its typed error if it sent one; a transport-level failure (the
/// peer died mid-call, the connection broke: unavailable, cancelled, unknown, internal h2
/// errors) is [`WeftError::Unreachable`] naming `what` at `address`.
pub fn from_peer_status(s: &tonic::Status, what: &str, address: &str) -> WeftError {
    use tonic::Code;
    let typed = ErrorProto::decode(s.details()).is_ok_and(|p| !p.kind.is_empty());
    let transport = matches!(
        s.code(),
        Code::Unavailable
            | Code::Cancelled
            | Code::Unknown
            | Code::DeadlineExceeded
            | Code::Aborted
            | Code::Internal
    );
    if !typed && transport {
        return WeftError::Unreachable {
            what: what.to_string(),
            address: address.to_string(),
            message: s.message().to_string(),
        };
    }
    from_status(s, address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_survive_the_wire() {
        let e = WeftError::PartitionNotFound {
            partition: "j-1_0_0".into(),
            message: "gone".into(),
        };
        let back = from_status(&to_status(&e), "127.0.0.1:1");
        assert!(
            matches!(back, WeftError::PartitionNotFound { ref partition, .. } if partition == "j-1_0_0")
        );
        let e = WeftError::Sql {
            statement: 2,
            line: 7,
            column: 3,
            message: "bad".into(),
        };
        assert_eq!(from_proto(&to_proto(&e)).to_string(), e.to_string());
    }
}
