//! The secret on gRPC: servers check it on every call, clients attach it.

use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Request, Status};

use super::ClusterSecret;
use crate::error::WeftError;

/// The metadata key that carries the secret.
pub const AUTH_HEADER: &str = "weft-auth";

/// A server-side check: the call must carry this application's secret. A refused call is
/// logged with the caller's address and answered with a typed `Unauthenticated` error.
#[derive(Clone)]
pub struct Authenticate {
    secret: ClusterSecret,
    /// What this server is, for the log line and the error ("the JobManager").
    service: &'static str,
}

impl Authenticate {
    pub fn new(secret: ClusterSecret, service: &'static str) -> Authenticate {
        Authenticate { secret, service }
    }
}

impl Interceptor for Authenticate {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let presented = request.metadata().get(AUTH_HEADER);
        if presented.is_some_and(|v| self.secret.matches(v.as_bytes())) {
            return Ok(request);
        }
        let peer = request
            .remote_addr()
            .map_or_else(|| "an unknown address".to_string(), |a| a.to_string());
        let why = if presented.is_some() {
            "a wrong cluster secret"
        } else {
            "no cluster secret"
        };
        tracing::warn!("refused a call to {} from {peer}: {why}", self.service);
        Err(unauthenticated_status(self.service, why))
    }
}

fn unauthenticated_status(service: &str, why: &str) -> Status {
    let e = WeftError::Unauthenticated {
        service: service.to_string(),
        message: format!(
            "the call carried {why}; only processes of the same Weft application may call it"
        ),
    };
    let mut s = crate::rpc_error::to_status(&e);
    // Keep the typed details, with the gRPC code that says what happened.
    s = Status::with_details(
        tonic::Code::Unauthenticated,
        s.message().to_string(),
        s.details().to_vec().into(),
    );
    s
}

/// A client-side interceptor that attaches the secret to every call.
#[derive(Clone)]
pub struct AttachSecret {
    value: tonic::metadata::AsciiMetadataValue,
}

impl AttachSecret {
    pub fn new(secret: &ClusterSecret) -> AttachSecret {
        AttachSecret {
            // 64 hex digits are always a valid header value.
            value: secret
                .as_str()
                .parse()
                .expect("a cluster secret is hex text"),
        }
    }
}

impl Interceptor for AttachSecret {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        request
            .metadata_mut()
            .insert(AUTH_HEADER, self.value.clone());
        Ok(request)
    }
}

/// A channel whose calls carry the secret.
pub type AuthChannel = InterceptedService<Channel, AttachSecret>;

pub fn authed(channel: Channel, secret: &ClusterSecret) -> AuthChannel {
    InterceptedService::new(channel, AttachSecret::new(secret))
}

/// An internal gRPC server of an application: where it listens, and the secret its
/// calls must carry.
#[derive(Clone, Debug)]
pub struct Peer {
    /// host:port
    pub address: String,
    pub secret: ClusterSecret,
}

impl Peer {
    pub fn new(address: impl Into<String>, secret: ClusterSecret) -> Peer {
        Peer {
            address: address.into(),
            secret,
        }
    }

    fn endpoint(&self) -> Result<tonic::transport::Endpoint, WeftError> {
        tonic::transport::Endpoint::from_shared(format!("http://{}", self.address))
            .map_err(|e| WeftError::io(format!("{} is not a host:port address: {e}", self.address)))
    }

    /// A channel that connects on first use (and reconnects after failures).
    pub fn lazy_channel(&self) -> Result<AuthChannel, WeftError> {
        let channel = self
            .endpoint()?
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect_lazy();
        Ok(authed(channel, &self.secret))
    }

    /// A channel connected now; `what` names the peer in the error ("the JobManager").
    pub async fn channel(&self, what: &str) -> Result<AuthChannel, WeftError> {
        let channel = self
            .endpoint()?
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect()
            .await
            .map_err(|e| WeftError::Unreachable {
                what: what.to_string(),
                address: self.address.clone(),
                message: transport_message(&e),
            })?;
        Ok(authed(channel, &self.secret))
    }
}

/// The innermost cause of a transport error ("Connection refused (os error 111)"), not
/// tonic's "transport error".
fn transport_message(e: &tonic::transport::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(auth: &mut Authenticate, header: Option<&str>) -> Result<(), Status> {
        let mut r = Request::new(());
        if let Some(h) = header {
            r.metadata_mut().insert(AUTH_HEADER, h.parse().unwrap());
        }
        auth.call(r).map(|_| ())
    }

    #[test]
    fn only_the_right_secret_passes() {
        let s = ClusterSecret::generate();
        let mut auth = Authenticate::new(s.clone(), "the JobManager");
        assert!(call(&mut auth, Some(s.as_str())).is_ok());
        let missing = call(&mut auth, None).unwrap_err();
        assert_eq!(missing.code(), tonic::Code::Unauthenticated);
        let e = crate::rpc_error::from_status(&missing, "127.0.0.1:1");
        assert!(
            matches!(&e, WeftError::Unauthenticated { service, .. } if service == "the JobManager"),
            "{e:?}"
        );
        assert!(e.to_string().contains("no cluster secret"), "{e}");
        let wrong = ClusterSecret::generate();
        let e = call(&mut auth, Some(wrong.as_str())).unwrap_err();
        assert!(
            e.message().contains("wrong cluster secret"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn the_client_side_attaches_what_the_server_wants() {
        let s = ClusterSecret::generate();
        let mut attach = AttachSecret::new(&s);
        let r = attach.call(Request::new(())).unwrap();
        let mut auth = Authenticate::new(s, "a TaskManager");
        assert!(auth.call(r).is_ok());
    }
}
