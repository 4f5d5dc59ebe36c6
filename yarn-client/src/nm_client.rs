//! [`NmClient`]: ContainerManagementProtocol (ApplicationMaster → NodeManagers), one
//! connection per NodeManager, each authenticated with that node's NMToken.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::{Result, YarnError};
use crate::ipc::{ConnectParams, IpcSettings, RpcClient, protocols};
use crate::proto::yarn::{
    ContainerIdProto, ContainerLaunchContextProto, ContainerProto,
    GetContainerStatusesRequestProto, GetContainerStatusesResponseProto, NmTokenProto,
    StartContainerRequestProto, StartContainersRequestProto, StartContainersResponseProto,
    StopContainersRequestProto, StopContainersResponseProto,
};
use crate::token_file::{NM_TOKEN_KIND, Token};

#[derive(Debug)]
pub struct NmClient {
    user: String,
    settings: IpcSettings,
    tokens: Mutex<HashMap<String, Token>>,
    clients: Mutex<HashMap<String, Arc<RpcClient>>>,
}

impl NmClient {
    pub fn new(user: &str, settings: IpcSettings) -> NmClient {
        NmClient {
            user: user.to_string(),
            settings,
            tokens: Mutex::new(HashMap::new()),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Records NMTokens from `allocate` / `registerApplicationMaster` responses.
    pub fn add_nm_tokens(&self, tokens: &[NmTokenProto]) {
        for t in tokens {
            if let (Some(node), Some(token)) = (&t.node_id, &t.token) {
                self.set_nm_token(
                    &format!("{}:{}", node.host(), node.port()),
                    token.clone().into(),
                );
            }
        }
    }

    /// Uses `token` for the NodeManager at `node` (host:port) from now on.
    pub fn set_nm_token(&self, node: &str, token: Token) {
        let changed = self
            .tokens
            .lock()
            .unwrap()
            .insert(node.to_string(), token.clone());
        if changed.is_some()
            && let Some(c) = self.clients.lock().unwrap().get(node)
        {
            c.set_token(token);
        }
    }

    fn client(&self, node: &str) -> Result<Arc<RpcClient>> {
        if let Some(c) = self.clients.lock().unwrap().get(node) {
            return Ok(c.clone());
        }
        let token = self
            .tokens
            .lock()
            .unwrap()
            .get(node)
            .cloned()
            .ok_or_else(|| YarnError::MissingToken {
                kind: NM_TOKEN_KIND.into(),
                hint: format!("the ResourceManager has not handed out one for NodeManager {node}"),
            })?;
        let client = Arc::new(RpcClient::new(
            ConnectParams {
                addr: node.to_string(),
                service: "YARN NodeManager".into(),
                source_conf: "node id from the ResourceManager".into(),
                protocol: protocols::CONTAINER_MANAGEMENT.into(),
                user: self.user.clone(),
                token: Some(token),
                settings: self.settings.clone(),
            },
            protocols::VERSION,
        ));
        self.clients
            .lock()
            .unwrap()
            .insert(node.to_string(), client.clone());
        Ok(client)
    }

    /// Starts `launch` in an allocated container on its NodeManager.
    pub async fn start_container(
        &self,
        container: &ContainerProto,
        launch: ContainerLaunchContextProto,
    ) -> Result<StartContainersResponseProto> {
        let node = node_of(container)?;
        let req = StartContainersRequestProto {
            start_container_request: vec![StartContainerRequestProto {
                container_launch_context: Some(launch),
                container_token: container.container_token.clone(),
            }],
        };
        self.client(&node)?.call("startContainers", &req).await
    }

    pub async fn stop_containers(
        &self,
        node: &str,
        ids: Vec<ContainerIdProto>,
    ) -> Result<StopContainersResponseProto> {
        self.client(node)?
            .call(
                "stopContainers",
                &StopContainersRequestProto { container_id: ids },
            )
            .await
    }

    pub async fn get_container_statuses(
        &self,
        node: &str,
        ids: Vec<ContainerIdProto>,
    ) -> Result<GetContainerStatusesResponseProto> {
        self.client(node)?
            .call(
                "getContainerStatuses",
                &GetContainerStatusesRequestProto { container_id: ids },
            )
            .await
    }
}

/// host:port of the NodeManager a container was allocated on.
pub fn node_of(container: &ContainerProto) -> Result<String> {
    container
        .node_id
        .as_ref()
        .map(|n| format!("{}:{}", n.host(), n.port()))
        .ok_or_else(|| YarnError::InvalidArgument("container has no node id".into()))
}
