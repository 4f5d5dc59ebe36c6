//! [`YarnClient`]: ApplicationClientProtocol (client → ResourceManager).

use crate::conf::{HadoopConf, RmService, current_user};
use crate::error::{APPLICATION_NOT_FOUND_CLASS, Result, YarnError};
use crate::ipc::protocols;
use crate::proto::yarn::{
    ApplicationSubmissionContextProto, GetApplicationReportRequestProto,
    GetApplicationReportResponseProto, GetApplicationsRequestProto, GetApplicationsResponseProto,
    GetClusterMetricsRequestProto, GetClusterMetricsResponseProto, GetClusterNodesRequestProto,
    GetClusterNodesResponseProto, GetNewApplicationRequestProto, GetNewApplicationResponseProto,
    KillApplicationRequestProto, KillApplicationResponseProto, SubmitApplicationRequestProto,
    SubmitApplicationResponseProto, YarnClusterMetricsProto,
};
use crate::records::{
    ApplicationId, ApplicationReport, NodeReport, NodeState, Resource, YarnApplicationState,
};
use crate::rm_proxy::RmProxy;

/// A new application id and the largest container the cluster can give.
#[derive(Clone, Copy, Debug)]
pub struct NewApplication {
    pub id: ApplicationId,
    pub max_capability: Resource,
}

/// Client of the ResourceManager's ApplicationClientProtocol, with SIMPLE auth.
#[derive(Debug)]
pub struct YarnClient {
    rm: RmProxy,
    user: String,
}

impl YarnClient {
    /// Reads `HADOOP_CONF_DIR` / `YARN_CONF_DIR` and the user like Hadoop's tools.
    pub fn from_env() -> Result<YarnClient> {
        YarnClient::new(&HadoopConf::load_from_env()?, &current_user())
    }

    pub fn new(conf: &HadoopConf, user: &str) -> Result<YarnClient> {
        Ok(YarnClient {
            rm: RmProxy::new(
                conf,
                RmService::Client,
                protocols::APPLICATION_CLIENT,
                user,
                None,
            )?,
            user: user.to_string(),
        })
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// host:port of the RM tried first, and where it came from.
    pub fn rm_address(&self) -> (&str, &str) {
        let ep = self.rm.current_endpoint();
        (&ep.addr, &ep.source)
    }

    pub async fn get_new_application(&self) -> Result<NewApplication> {
        let r: GetNewApplicationResponseProto = self
            .rm
            .call("getNewApplication", &GetNewApplicationRequestProto {})
            .await?;
        let id = r
            .application_id
            .as_ref()
            .ok_or_else(|| YarnError::Protocol {
                addr: self.rm.current_endpoint().addr.clone(),
                reason: "getNewApplication returned no application id".into(),
            })?;
        Ok(NewApplication {
            id: id.into(),
            max_capability: Resource::from(r.maximum_capability.as_ref()),
        })
    }

    pub async fn submit_application(
        &self,
        context: ApplicationSubmissionContextProto,
    ) -> Result<()> {
        let _: SubmitApplicationResponseProto = self
            .rm
            .call(
                "submitApplication",
                &SubmitApplicationRequestProto {
                    application_submission_context: Some(context),
                },
            )
            .await?;
        Ok(())
    }

    pub async fn get_application_report(&self, id: ApplicationId) -> Result<ApplicationReport> {
        let r: GetApplicationReportResponseProto = self
            .rm
            .call(
                "getApplicationReport",
                &GetApplicationReportRequestProto {
                    application_id: Some(id.into()),
                },
            )
            .await
            .map_err(|e| not_found(e, id))?;
        r.application_report
            .map(Into::into)
            .ok_or(YarnError::ApplicationNotFound(id.to_string()))
    }

    /// Applications in the given states (all states when empty), sorted by id.
    pub async fn get_applications(
        &self,
        states: &[YarnApplicationState],
    ) -> Result<Vec<ApplicationReport>> {
        let r: GetApplicationsResponseProto = self
            .rm
            .call(
                "getApplications",
                &GetApplicationsRequestProto {
                    application_states: states.iter().map(|s| *s as i32).collect(),
                    ..Default::default()
                },
            )
            .await?;
        let mut apps: Vec<ApplicationReport> = r.applications.into_iter().map(Into::into).collect();
        apps.sort_by_key(|a| a.id);
        Ok(apps)
    }

    /// Asks the RM to kill the application; true once the kill has completed.
    pub async fn force_kill_application(&self, id: ApplicationId) -> Result<bool> {
        let r: KillApplicationResponseProto = self
            .rm
            .call(
                "forceKillApplication",
                &KillApplicationRequestProto {
                    application_id: Some(id.into()),
                    diagnostics: Some(format!(
                        "Application killed by user {} with weft",
                        self.user
                    )),
                },
            )
            .await
            .map_err(|e| not_found(e, id))?;
        Ok(r.is_kill_completed())
    }

    pub async fn get_cluster_metrics(&self) -> Result<YarnClusterMetricsProto> {
        let r: GetClusterMetricsResponseProto = self
            .rm
            .call("getClusterMetrics", &GetClusterMetricsRequestProto {})
            .await?;
        Ok(r.cluster_metrics.unwrap_or_default())
    }

    /// Nodes in the given states (the RM's default, RUNNING, when empty).
    pub async fn get_cluster_nodes(&self, states: &[NodeState]) -> Result<Vec<NodeReport>> {
        let r: GetClusterNodesResponseProto = self
            .rm
            .call(
                "getClusterNodes",
                &GetClusterNodesRequestProto {
                    node_states: states.iter().map(|s| *s as i32).collect(),
                },
            )
            .await?;
        let mut nodes: Vec<NodeReport> = r.node_reports.into_iter().map(Into::into).collect();
        nodes.sort_by(|a, b| a.node_id.cmp(&b.node_id));
        Ok(nodes)
    }
}

fn not_found(e: YarnError, id: ApplicationId) -> YarnError {
    match e {
        YarnError::Remote { class, .. } if class == APPLICATION_NOT_FOUND_CLASS => {
            YarnError::ApplicationNotFound(id.to_string())
        }
        other => other,
    }
}
