//! Calls to a ResourceManager service with HA failover: the endpoints from the
//! configuration are tried in order; an unreachable or standby RM moves on to the next,
//! and the one that answered is tried first next time (like Hadoop's ConfiguredRMFailoverProxyProvider).

use std::sync::atomic::{AtomicUsize, Ordering};

use prost::Message;

use crate::conf::{Endpoint, HadoopConf, RmService};
use crate::error::{Result, YarnError};
use crate::ipc::{ConnectParams, IpcSettings, RpcClient, protocols};
use crate::token_file::Token;

pub struct RmProxy {
    clients: Vec<(Endpoint, RpcClient)>,
    current: AtomicUsize,
}

impl std::fmt::Debug for RmProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.clients.iter().map(|(e, _)| &e.addr))
            .finish()
    }
}

impl RmProxy {
    /// One client per configured RM of `service`, speaking `protocol`.
    pub fn new(
        conf: &HadoopConf,
        service: RmService,
        protocol: &str,
        user: &str,
        token: Option<Token>,
    ) -> Result<RmProxy> {
        let settings = IpcSettings::from_conf(conf)?;
        let endpoints = conf.rm_endpoints(service)?;
        Ok(RmProxy::from_endpoints(
            endpoints, protocol, user, token, settings,
        ))
    }

    pub fn from_endpoints(
        endpoints: Vec<Endpoint>,
        protocol: &str,
        user: &str,
        token: Option<Token>,
        settings: IpcSettings,
    ) -> RmProxy {
        let clients = endpoints
            .into_iter()
            .map(|ep| {
                let params = ConnectParams {
                    addr: ep.addr.clone(),
                    service: match &ep.rm_id {
                        Some(id) => format!("YARN ResourceManager {id}"),
                        None => "YARN ResourceManager".to_string(),
                    },
                    source_conf: ep.source.clone(),
                    protocol: protocol.to_string(),
                    user: user.to_string(),
                    token: token.clone(),
                    settings: settings.clone(),
                };
                (ep, RpcClient::new(params, protocols::VERSION))
            })
            .collect();
        RmProxy {
            clients,
            current: AtomicUsize::new(0),
        }
    }

    /// The endpoint tried first.
    pub fn current_endpoint(&self) -> &Endpoint {
        &self.clients[self.current.load(Ordering::Relaxed) % self.clients.len()].0
    }

    pub fn set_token(&self, token: Token) {
        for (_, c) in &self.clients {
            c.set_token(token.clone());
        }
    }

    pub async fn call<Req, Resp>(&self, method: &str, request: &Req) -> Result<Resp>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let n = self.clients.len();
        let start = self.current.load(Ordering::Relaxed);
        let mut last: Option<YarnError> = None;
        for i in 0..n {
            let idx = (start + i) % n;
            let (ep, client) = &self.clients[idx];
            match client.call(method, request).await {
                Ok(r) => {
                    self.current.store(idx, Ordering::Relaxed);
                    return Ok(r);
                }
                Err(e) if e.is_failover() && n > 1 => {
                    tracing::info!(rm = %ep.addr, error = %e, "ResourceManager unavailable; failing over");
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("at least one ResourceManager endpoint"))
    }
}
