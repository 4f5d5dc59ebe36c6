//! [`RpcClient`]: calls on one protocol at one address over a shared connection that is
//! opened on first use and reopened after it closed (idle, server restart).

use prost::Message;

use super::connection::{CallFailure, ConnectParams, Connection};
use crate::error::Result;
use crate::token_file::Token;
use std::sync::Arc;

pub struct RpcClient {
    params: std::sync::Mutex<ConnectParams>,
    version: u64,
    conn: tokio::sync::Mutex<Option<Arc<Connection>>>,
}

impl std::fmt::Debug for RpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.params.lock().unwrap();
        f.debug_struct("RpcClient")
            .field("addr", &p.addr)
            .field("protocol", &p.protocol)
            .finish()
    }
}

impl RpcClient {
    pub fn new(params: ConnectParams, version: u64) -> Self {
        RpcClient {
            params: std::sync::Mutex::new(params),
            version,
            conn: tokio::sync::Mutex::new(None),
        }
    }

    pub fn addr(&self) -> String {
        self.params.lock().unwrap().addr.clone()
    }

    pub fn source_conf(&self) -> String {
        self.params.lock().unwrap().source_conf.clone()
    }

    /// Replaces the token used for connections opened from now on (e.g. a rolled AMRMToken).
    pub fn set_token(&self, token: Token) {
        self.params.lock().unwrap().token = Some(token);
    }

    async fn connection(&self) -> Result<Arc<Connection>> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref().filter(|c| c.is_open()) {
            return Ok(c.clone());
        }
        let params = self.params.lock().unwrap().clone();
        let c = Connection::open(&params).await?;
        *guard = Some(c.clone());
        Ok(c)
    }

    /// Calls `method`; if the cached connection turned out closed before the request was
    /// sent, reconnects once and sends it again.
    pub async fn call<Req, Resp>(&self, method: &str, request: &Req) -> Result<Resp>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let mut retried = false;
        loop {
            let conn = self.connection().await?;
            match conn.call(method, self.version, request).await {
                Ok(r) => return Ok(r),
                Err(CallFailure::NotSent(e)) if !retried => {
                    tracing::debug!(error = %e, "connection closed before the call was sent; reconnecting");
                    retried = true;
                }
                Err(f) => return Err(f.into_error()),
            }
        }
    }
}
