//! Text layouts of `yarn application -list / -status` and `yarn node -list`, as pure
//! functions (Hadoop keeps its CLIs in hadoop-yarn-client too). Used by `weft yarn`.

use std::fmt::Write;

use crate::records::{
    ApplicationReport, NodeReport, YarnApplicationState, final_status_name, node_state_name,
    state_name,
};

/// States `yarn application -list` shows when none are asked for.
pub const DEFAULT_LIST_STATES: &[YarnApplicationState] = &[
    YarnApplicationState::Submitted,
    YarnApplicationState::Accepted,
    YarnApplicationState::Running,
];

fn or_na(s: &str) -> &str {
    if s.is_empty() { "N/A" } else { s }
}

fn progress(p: f32) -> String {
    format!("{}%", (p * 100.0).round() as i64)
}

/// `yarn application -list`.
pub fn application_list(apps: &[ApplicationReport], states: &[YarnApplicationState]) -> String {
    let names: Vec<&str> = states.iter().map(|s| state_name(*s)).collect();
    let mut out = format!(
        "Total number of applications (application-types: [], states: [{}] and tags: []):{}\n",
        names.join(", "),
        apps.len()
    );
    let _ = writeln!(
        out,
        "{:>30}\t{:>20}\t{:>20}\t{:>10}\t{:>10}\t{:>18}\t{:>18}\t{:>15}\t{:>35}",
        "Application-Id",
        "Application-Name",
        "Application-Type",
        "User",
        "Queue",
        "State",
        "Final-State",
        "Progress",
        "Tracking-URL"
    );
    for a in apps {
        let _ = writeln!(
            out,
            "{:>30}\t{:>20}\t{:>20}\t{:>10}\t{:>10}\t{:>18}\t{:>18}\t{:>15}\t{:>35}",
            a.id.to_string(),
            a.name,
            a.application_type,
            a.user,
            a.queue,
            state_name(a.state),
            final_status_name(a.final_status),
            progress(a.progress),
            or_na(&a.tracking_url)
        );
    }
    out
}

/// `yarn application -status`.
pub fn application_status(a: &ApplicationReport) -> String {
    let mut out = String::from("Application Report : \n");
    let rows: Vec<(&str, String)> = vec![
        ("Application-Id", a.id.to_string()),
        ("Application-Name", a.name.clone()),
        ("Application-Type", a.application_type.clone()),
        ("User", a.user.clone()),
        ("Queue", a.queue.clone()),
        ("Start-Time", a.start_time_ms.to_string()),
        ("Finish-Time", a.finish_time_ms.to_string()),
        ("Progress", progress(a.progress)),
        ("State", state_name(a.state).to_string()),
        ("Final-State", final_status_name(a.final_status).to_string()),
        ("Tracking-URL", or_na(&a.tracking_url).to_string()),
        ("RPC Port", a.rpc_port.to_string()),
        ("AM Host", or_na(&a.host).to_string()),
        ("Diagnostics", a.diagnostics.clone()),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "\t{k} : {v}");
    }
    out
}

/// `yarn node -list`, with each node's memory and vcores used / total.
pub fn node_list(nodes: &[NodeReport]) -> String {
    let mut out = format!("Total Nodes:{}\n", nodes.len());
    let _ = writeln!(
        out,
        "{:>16}\t{:>15}\t{:>17}\t{:>28}\t{:>14}\t{:>15}\t{:>12}\t{:>13}",
        "Node-Id",
        "Node-State",
        "Node-Http-Address",
        "Number-of-Running-Containers",
        "Memory-Used-MB",
        "Memory-Total-MB",
        "VCores-Used",
        "VCores-Total"
    );
    for n in nodes {
        let _ = writeln!(
            out,
            "{:>16}\t{:>15}\t{:>17}\t{:>28}\t{:>14}\t{:>15}\t{:>12}\t{:>13}",
            n.node_id,
            node_state_name(n.state),
            n.http_address,
            n.num_containers,
            n.used.memory_mb,
            n.capability.memory_mb,
            n.used.vcores,
            n.capability.vcores
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::yarn::{ApplicationReportProto, NodeIdProto, NodeReportProto, ResourceProto};

    #[test]
    fn list_and_status_layout() {
        let report: ApplicationReport = ApplicationReportProto {
            application_id: Some(
                crate::ApplicationId {
                    cluster_timestamp: 17,
                    id: 1,
                }
                .into(),
            ),
            name: Some("sleep".into()),
            user: Some("alice".into()),
            queue: Some("default".into()),
            application_type: Some("YARN".into()),
            yarn_application_state: Some(YarnApplicationState::Accepted as i32),
            progress: Some(0.5),
            ..Default::default()
        }
        .into();
        let list = application_list(std::slice::from_ref(&report), DEFAULT_LIST_STATES);
        assert!(list.starts_with("Total number of applications (application-types: [], states: [SUBMITTED, ACCEPTED, RUNNING] and tags: []):1\n"));
        let row = list.lines().nth(2).unwrap();
        let cols: Vec<&str> = row.split('\t').map(str::trim).collect();
        assert_eq!(
            cols,
            [
                "application_17_0001",
                "sleep",
                "YARN",
                "alice",
                "default",
                "ACCEPTED",
                "UNDEFINED",
                "50%",
                "N/A"
            ]
        );
        let status = application_status(&report);
        assert!(status.contains("\tState : ACCEPTED\n"), "{status}");
        assert!(status.contains("\tApplication-Id : application_17_0001\n"));
    }

    #[test]
    fn node_layout() {
        let node: NodeReport = NodeReportProto {
            node_id: Some(NodeIdProto {
                host: Some("h".into()),
                port: Some(1),
            }),
            http_address: Some("h:8042".into()),
            node_state: Some(crate::records::NodeState::NsRunning as i32),
            capability: Some(ResourceProto {
                memory: Some(8192),
                virtual_cores: Some(8),
            }),
            ..Default::default()
        }
        .into();
        let out = node_list(&[node]);
        let cols: Vec<&str> = out
            .lines()
            .nth(2)
            .unwrap()
            .split('\t')
            .map(str::trim)
            .collect();
        assert_eq!(
            cols,
            ["h:1", "RUNNING", "h:8042", "0", "0", "8192", "0", "8"]
        );
    }
}
