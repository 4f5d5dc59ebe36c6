//! [`AmRmClient`]: ApplicationMasterProtocol (ApplicationMaster → RM scheduler), which
//! demands the AMRMToken (SASL DIGEST-MD5) even on clusters with security off.

use std::sync::atomic::{AtomicI32, Ordering};

use crate::conf::{HadoopConf, RmService, current_user};
use crate::error::{Result, YarnError};
use crate::ipc::protocols;
use crate::proto::yarn::{
    AllocateRequestProto, AllocateResponseProto, FinalApplicationStatusProto,
    FinishApplicationMasterRequestProto, FinishApplicationMasterResponseProto,
    RegisterApplicationMasterRequestProto, RegisterApplicationMasterResponseProto,
};
use crate::rm_proxy::RmProxy;
use crate::token_file::{AM_RM_TOKEN_KIND, Credentials, TOKEN_FILE_ENV, Token};

#[derive(Debug)]
pub struct AmRmClient {
    rm: RmProxy,
    response_id: AtomicI32,
}

impl AmRmClient {
    /// Inside an AM container: the conf from the environment and the AMRMToken from
    /// `HADOOP_TOKEN_FILE_LOCATION`.
    pub fn from_env() -> Result<AmRmClient> {
        let conf = HadoopConf::load_from_env()?;
        let creds = Credentials::from_env()?.ok_or_else(|| YarnError::MissingToken {
            kind: AM_RM_TOKEN_KIND.into(),
            hint: format!(
                "{TOKEN_FILE_ENV} is not set (is this process running in a YARN container?)"
            ),
        })?;
        let token = creds
            .token_by_kind(AM_RM_TOKEN_KIND)
            .cloned()
            .ok_or_else(|| YarnError::MissingToken {
                kind: AM_RM_TOKEN_KIND.into(),
                hint: format!("the file named by {TOKEN_FILE_ENV} holds none"),
            })?;
        AmRmClient::new(&conf, token)
    }

    pub fn new(conf: &HadoopConf, am_rm_token: Token) -> Result<AmRmClient> {
        Ok(AmRmClient {
            rm: RmProxy::new(
                conf,
                RmService::Scheduler,
                protocols::APPLICATION_MASTER,
                &current_user(),
                Some(am_rm_token),
            )?,
            response_id: AtomicI32::new(0),
        })
    }

    pub async fn register_application_master(
        &self,
        host: &str,
        rpc_port: i32,
        tracking_url: &str,
    ) -> Result<RegisterApplicationMasterResponseProto> {
        self.rm
            .call(
                "registerApplicationMaster",
                &RegisterApplicationMasterRequestProto {
                    host: Some(host.to_string()),
                    rpc_port: Some(rpc_port),
                    tracking_url: Some(tracking_url.to_string()),
                },
            )
            .await
    }

    /// One heartbeat: asks and releases ride along; the response id is tracked here, and a
    /// rolled AMRMToken is used for later connections.
    pub async fn allocate(
        &self,
        mut request: AllocateRequestProto,
    ) -> Result<AllocateResponseProto> {
        request.response_id = Some(self.response_id.load(Ordering::Relaxed));
        let resp: AllocateResponseProto = self.rm.call("allocate", &request).await?;
        self.response_id
            .store(resp.response_id(), Ordering::Relaxed);
        if let Some(t) = &resp.am_rm_token {
            self.rm.set_token(t.clone().into());
        }
        Ok(resp)
    }

    pub async fn finish_application_master(
        &self,
        status: FinalApplicationStatusProto,
        diagnostics: &str,
        tracking_url: &str,
    ) -> Result<bool> {
        let r: FinishApplicationMasterResponseProto = self
            .rm
            .call(
                "finishApplicationMaster",
                &FinishApplicationMasterRequestProto {
                    diagnostics: Some(diagnostics.to_string()),
                    tracking_url: Some(tracking_url.to_string()),
                    final_application_status: Some(status as i32),
                },
            )
            .await?;
        Ok(r.is_unregistered())
    }
}
