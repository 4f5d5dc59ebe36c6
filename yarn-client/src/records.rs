//! YARN ids and reports in their familiar textual forms
//! (`application_1700000000000_0001`, `container_1700000000000_0001_01_000001`).

use std::fmt;
use std::str::FromStr;

use crate::error::YarnError;
use crate::proto::yarn::{
    ApplicationAttemptIdProto, ApplicationIdProto, ApplicationReportProto, ContainerIdProto,
    FinalApplicationStatusProto, NodeReportProto, NodeStateProto, YarnApplicationStateProto,
};
use crate::token_file::Token;

pub use crate::proto::yarn::{
    NodeStateProto as NodeState, YarnApplicationStateProto as YarnApplicationState,
};

/// `application_<clusterTimestamp>_<id>`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationId {
    pub cluster_timestamp: i64,
    pub id: i32,
}

impl fmt::Display for ApplicationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "application_{}_{:04}", self.cluster_timestamp, self.id)
    }
}

impl FromStr for ApplicationId {
    type Err = YarnError;
    fn from_str(s: &str) -> Result<Self, YarnError> {
        let bad = || {
            YarnError::InvalidArgument(format!(
                "invalid application id {s:?}: expected application_<timestamp>_<number>"
            ))
        };
        let rest = s.strip_prefix("application_").ok_or_else(bad)?;
        let (ts, id) = rest.split_once('_').ok_or_else(bad)?;
        Ok(ApplicationId {
            cluster_timestamp: ts.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

impl From<&ApplicationIdProto> for ApplicationId {
    fn from(p: &ApplicationIdProto) -> Self {
        ApplicationId {
            cluster_timestamp: p.cluster_timestamp(),
            id: p.id(),
        }
    }
}

impl From<ApplicationId> for ApplicationIdProto {
    fn from(a: ApplicationId) -> Self {
        ApplicationIdProto {
            id: Some(a.id),
            cluster_timestamp: Some(a.cluster_timestamp),
        }
    }
}

/// `appattempt_<clusterTimestamp>_<app>_<attempt>`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApplicationAttemptId {
    pub application_id: ApplicationId,
    pub attempt_id: i32,
}

impl fmt::Display for ApplicationAttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.application_id;
        write!(
            f,
            "appattempt_{}_{:04}_{:06}",
            a.cluster_timestamp, a.id, self.attempt_id
        )
    }
}

impl From<&ApplicationAttemptIdProto> for ApplicationAttemptId {
    fn from(p: &ApplicationAttemptIdProto) -> Self {
        ApplicationAttemptId {
            application_id: p
                .application_id
                .as_ref()
                .map(Into::into)
                .unwrap_or(ApplicationId {
                    cluster_timestamp: 0,
                    id: 0,
                }),
            attempt_id: p.attempt_id(),
        }
    }
}

/// `container_[e<epoch>_]<clusterTimestamp>_<app>_<attempt>_<id>`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContainerId {
    pub attempt: ApplicationAttemptId,
    /// The 64-bit container id: epoch in the high 24 bits, sequence in the low 40.
    pub id: i64,
}

impl fmt::Display for ContainerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.attempt.application_id;
        let epoch = self.id >> 40;
        write!(f, "container_")?;
        if epoch > 0 {
            write!(f, "e{epoch:02}_")?;
        }
        write!(
            f,
            "{}_{:04}_{:02}_{:06}",
            a.cluster_timestamp,
            a.id,
            self.attempt.attempt_id,
            self.id & ((1 << 40) - 1)
        )
    }
}

impl From<&ContainerIdProto> for ContainerId {
    fn from(p: &ContainerIdProto) -> Self {
        let attempt = p
            .app_attempt_id
            .as_ref()
            .map(Into::into)
            .unwrap_or(ApplicationAttemptId {
                application_id: p.app_id.as_ref().map(Into::into).unwrap_or(ApplicationId {
                    cluster_timestamp: 0,
                    id: 0,
                }),
                attempt_id: 0,
            });
        ContainerId {
            attempt,
            id: p.id(),
        }
    }
}

/// Memory (MiB) and virtual cores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resource {
    pub memory_mb: i64,
    pub vcores: i32,
}

impl From<Option<&crate::proto::yarn::ResourceProto>> for Resource {
    fn from(p: Option<&crate::proto::yarn::ResourceProto>) -> Self {
        p.map(|r| Resource {
            memory_mb: r.memory(),
            vcores: r.virtual_cores(),
        })
        .unwrap_or_default()
    }
}

impl From<Resource> for crate::proto::yarn::ResourceProto {
    fn from(r: Resource) -> Self {
        crate::proto::yarn::ResourceProto {
            memory: Some(r.memory_mb),
            virtual_cores: Some(r.vcores),
        }
    }
}

/// What `yarn application -status` shows.
#[derive(Clone, Debug)]
pub struct ApplicationReport {
    pub id: ApplicationId,
    pub name: String,
    pub application_type: String,
    pub user: String,
    pub queue: String,
    pub state: YarnApplicationState,
    pub final_status: FinalApplicationStatusProto,
    pub progress: f32,
    pub tracking_url: String,
    pub diagnostics: String,
    pub start_time_ms: i64,
    pub finish_time_ms: i64,
    pub host: String,
    pub rpc_port: i32,
    pub current_attempt: Option<ApplicationAttemptId>,
    /// Only for unmanaged AMs, once their attempt is launched.
    pub am_rm_token: Option<Token>,
}

impl From<ApplicationReportProto> for ApplicationReport {
    fn from(p: ApplicationReportProto) -> Self {
        ApplicationReport {
            id: p
                .application_id
                .as_ref()
                .map(Into::into)
                .unwrap_or(ApplicationId {
                    cluster_timestamp: 0,
                    id: 0,
                }),
            name: p.name().to_string(),
            application_type: p.application_type().to_string(),
            user: p.user().to_string(),
            queue: p.queue().to_string(),
            state: p.yarn_application_state(),
            final_status: p.final_application_status(),
            progress: p.progress(),
            tracking_url: p.tracking_url().to_string(),
            diagnostics: p.diagnostics().to_string(),
            start_time_ms: p.start_time(),
            finish_time_ms: p.finish_time(),
            host: p.host().to_string(),
            rpc_port: p.rpc_port(),
            current_attempt: p.current_application_attempt_id.as_ref().map(Into::into),
            am_rm_token: p.am_rm_token.map(Into::into),
        }
    }
}

/// Application state as YARN's CLI prints it ("ACCEPTED", "RUNNING", ...).
pub fn state_name(s: YarnApplicationStateProto) -> &'static str {
    s.as_str_name()
}

/// Final status as YARN's CLI prints it ("UNDEFINED", "SUCCEEDED", ...).
pub fn final_status_name(s: FinalApplicationStatusProto) -> &'static str {
    s.as_str_name().trim_start_matches("APP_")
}

/// Node state as YARN's CLI prints it ("RUNNING", "LOST", ...).
pub fn node_state_name(s: NodeStateProto) -> &'static str {
    s.as_str_name().trim_start_matches("NS_")
}

/// Parses a state name as YARN's CLI accepts it (case-insensitive).
pub fn parse_app_state(s: &str) -> Result<YarnApplicationState, YarnError> {
    YarnApplicationState::from_str_name(&s.to_ascii_uppercase()).ok_or_else(|| {
        YarnError::InvalidArgument(format!(
            "unknown application state {s:?}: use one of NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED"
        ))
    })
}

/// What `yarn node -list` shows.
#[derive(Clone, Debug)]
pub struct NodeReport {
    /// host:port of the NodeManager's ContainerManagement RPC.
    pub node_id: String,
    pub state: NodeState,
    pub http_address: String,
    pub rack: String,
    pub num_containers: i32,
    pub used: Resource,
    pub capability: Resource,
    pub health_report: String,
}

impl From<NodeReportProto> for NodeReport {
    fn from(p: NodeReportProto) -> Self {
        NodeReport {
            node_id: p
                .node_id
                .as_ref()
                .map(|n| format!("{}:{}", n.host(), n.port()))
                .unwrap_or_default(),
            state: p.node_state(),
            http_address: p.http_address().to_string(),
            rack: p.rack_name().to_string(),
            num_containers: p.num_containers(),
            used: Resource::from(p.used.as_ref()),
            capability: Resource::from(p.capability.as_ref()),
            health_report: p.health_report().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_id_round_trip() {
        let id: ApplicationId = "application_1700000000000_0042".parse().unwrap();
        assert_eq!(id.cluster_timestamp, 1_700_000_000_000);
        assert_eq!(id.id, 42);
        assert_eq!(id.to_string(), "application_1700000000000_0042");
        assert_eq!(
            ApplicationId {
                cluster_timestamp: 1,
                id: 12345
            }
            .to_string(),
            "application_1_12345"
        );
        assert!("app_1_2".parse::<ApplicationId>().is_err());
        assert!("application_x_2".parse::<ApplicationId>().is_err());
    }

    #[test]
    fn container_id_text() {
        let app = ApplicationId {
            cluster_timestamp: 1700,
            id: 3,
        };
        let attempt = ApplicationAttemptId {
            application_id: app,
            attempt_id: 1,
        };
        assert_eq!(attempt.to_string(), "appattempt_1700_0003_000001");
        let c = ContainerId { attempt, id: 2 };
        assert_eq!(c.to_string(), "container_1700_0003_01_000002");
        let c = ContainerId {
            attempt,
            id: (5 << 40) | 2,
        };
        assert_eq!(c.to_string(), "container_e05_1700_0003_01_000002");
    }

    #[test]
    fn state_names() {
        assert_eq!(
            parse_app_state("running").unwrap(),
            YarnApplicationState::Running
        );
        assert!(parse_app_state("sleepy").is_err());
        assert_eq!(
            final_status_name(FinalApplicationStatusProto::AppUndefined),
            "UNDEFINED"
        );
        assert_eq!(node_state_name(NodeStateProto::NsRunning), "RUNNING");
    }
}
