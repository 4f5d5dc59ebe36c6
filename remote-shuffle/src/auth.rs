//! Who may use the shuffle service, and whose shuffles they may touch.
//!
//! - Every call to the coordinator and to workers carries the service's secret
//!   (`shuffle.remote.secret-file`, header `weft-auth`), checked by
//!   [`weft_core::security::Authenticate`].
//! - Calls about a shuffle also carry the calling application's key (header
//!   `weft-shuffle-app`), derived from the application's own secret. The first application
//!   to register a job's shuffle owns it ([`Owners`]): the coordinator and the workers serve
//!   its partitions, commits, read plans and unregistration only to that application.
//!
//! A process holds one set of credentials ([`set_service_secret`], [`set_application`]):
//! TaskManagers and JobManagers both, workers the service secret only.

use std::collections::HashMap;
use std::path::Path;

use parking_lot::RwLock;
use tonic::service::Interceptor;
use tonic::{Request, Status};
use weft_core::config::{self, Configuration};
use weft_core::security::ClusterSecret;
use weft_core::security::grpc::AUTH_HEADER;
use weft_core::{Result, WeftError};

/// The metadata key that carries the calling application's key.
pub const APP_HEADER: &str = "weft-shuffle-app";
/// The alias of the service secret in a YARN container's credentials.
pub const CREDENTIALS_ALIAS: &str = "weft.shuffle.secret";
/// What an application key is derived for.
const APP_KEY_PURPOSE: &str = "weft remote shuffle application";

#[derive(Default)]
struct Credentials {
    service: Option<ClusterSecret>,
    app: Option<String>,
}

static PROCESS: RwLock<Credentials> = RwLock::new(Credentials {
    service: None,
    app: None,
});

/// The service secret this process presents.
pub fn set_service_secret(secret: ClusterSecret) {
    PROCESS.write().service = Some(secret);
}

/// The service secret this process holds, if any (a JobManager hands it to its
/// TaskManager containers).
pub fn service_secret() -> Option<ClusterSecret> {
    PROCESS.read().service.clone()
}

/// The application this process belongs to (its key is derived from `secret`).
pub fn set_application(secret: &ClusterSecret) {
    PROCESS.write().app = Some(app_key(secret));
}

pub fn app_key(secret: &ClusterSecret) -> String {
    secret.derive(APP_KEY_PURPOSE)
}

/// The service secret from `shuffle.remote.secret-file`, installed for this process; a
/// process that already has one (from its container's credentials) keeps it.
pub fn load_service_secret(conf: &Configuration) -> Result<ClusterSecret> {
    if let Some(s) = PROCESS.read().service.clone() {
        return Ok(s);
    }
    let file = conf.get_string(config::SHUFFLE_REMOTE_SECRET_FILE);
    if file.trim().is_empty() {
        return Err(WeftError::config(
            config::SHUFFLE_REMOTE_SECRET_FILE.key,
            "the remote shuffle service authenticates its callers: name its secret file (mode 600), made with `weft shuffle secret --out FILE`, and start the coordinator and workers with the same -D shuffle.remote.secret-file=FILE",
        ));
    }
    let s = ClusterSecret::read_private(Path::new(file.trim()))?;
    set_service_secret(s.clone());
    Ok(s)
}

/// Attaches the service secret and, unless the call already names one, this process's
/// application key.
#[derive(Clone)]
pub struct AttachCredentials;

impl Interceptor for AttachCredentials {
    fn call(&mut self, mut request: Request<()>) -> std::result::Result<Request<()>, Status> {
        let creds = PROCESS.read();
        let Some(service) = &creds.service else {
            return Err(Status::unauthenticated(format!(
                "this process has no secret for the remote shuffle service; set {}",
                config::SHUFFLE_REMOTE_SECRET_FILE.key
            )));
        };
        let md = request.metadata_mut();
        md.insert(AUTH_HEADER, ascii(service.as_str()));
        if !md.contains_key(APP_HEADER)
            && let Some(app) = &creds.app
        {
            md.insert(APP_HEADER, ascii(app));
        }
        Ok(request)
    }
}

fn ascii(hex: &str) -> tonic::metadata::AsciiMetadataValue {
    hex.parse().expect("secrets and keys are hex text")
}

/// The application key a call carries.
pub fn app_of<T>(request: &Request<T>) -> Option<String> {
    request
        .metadata()
        .get(APP_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `request` naming `app` as the caller (a worker forwarding a push to the replica).
pub fn as_app<T>(mut request: Request<T>, app: &str) -> Request<T> {
    request.metadata_mut().insert(APP_HEADER, ascii(app));
    request
}

/// Which application owns each job and shuffle: the first to register it. Pure.
#[derive(Default, Debug)]
pub struct Owners {
    jobs: HashMap<String, String>,
    shuffles: HashMap<String, String>,
}

impl Owners {
    /// The caller registers (or re-registers) a shuffle of a job: allowed if nobody else
    /// owns either.
    pub fn claim(&mut self, job: &str, shuffle: &str, app: Option<&str>) -> Result<()> {
        let app = required(app, shuffle)?;
        for (owner, what) in [
            (self.jobs.get(job), format!("job {job}")),
            (self.shuffles.get(shuffle), format!("shuffle {shuffle}")),
        ] {
            if owner.is_some_and(|o| o != app) {
                return Err(refused(&what));
            }
        }
        self.jobs.insert(job.to_string(), app.to_string());
        self.shuffles.insert(shuffle.to_string(), app.to_string());
        Ok(())
    }

    /// The caller uses a shuffle (commit, read plan, push, read). A shuffle nobody owns is
    /// claimed by its first user (a worker learns owners from pushes).
    pub fn check_shuffle(&mut self, shuffle: &str, app: Option<&str>) -> Result<()> {
        let app = required(app, shuffle)?;
        match self.shuffles.get(shuffle) {
            Some(o) if o != app => Err(refused(&format!("shuffle {shuffle}"))),
            Some(_) => Ok(()),
            None => {
                self.shuffles.insert(shuffle.to_string(), app.to_string());
                Ok(())
            }
        }
    }

    /// A read needs an owned shuffle: what nobody pushed cannot be read.
    pub fn check_read(&self, shuffle: &str, app: Option<&str>) -> Result<()> {
        let app = required(app, shuffle)?;
        match self.shuffles.get(shuffle) {
            Some(o) if o == app => Ok(()),
            Some(_) => Err(refused(&format!("shuffle {shuffle}"))),
            None => Err(WeftError::PartitionNotFound {
                partition: shuffle.to_string(),
                message: "this shuffle service holds no such shuffle".into(),
            }),
        }
    }

    /// The caller unregisters a job: allowed for its owner (or a job nobody registered).
    pub fn check_job(&self, job: &str, app: Option<&str>) -> Result<()> {
        let app = required(app, job)?;
        match self.jobs.get(job) {
            Some(o) if o != app => Err(refused(&format!("job {job}"))),
            _ => Ok(()),
        }
    }

    /// Forget a removed job and its shuffles (named `<job>-…`).
    pub fn forget_job(&mut self, job: &str) {
        self.jobs.remove(job);
        let prefix = format!("{job}-");
        self.shuffles.retain(|s, _| !s.starts_with(&prefix));
    }

    pub fn forget_shuffle(&mut self, shuffle: &str) {
        self.shuffles.remove(shuffle);
    }

    /// Forget shuffles the coordinator expired, and the jobs left with none (a job whose
    /// client never unregistered it must not keep its owner forever).
    pub fn forget_expired(&mut self, shuffles: &[String]) {
        for s in shuffles {
            self.shuffles.remove(s);
        }
        let shuffles = &self.shuffles;
        self.jobs
            .retain(|job, _| shuffles.keys().any(|s| s.starts_with(&format!("{job}-"))));
    }
}

fn required<'a>(app: Option<&'a str>, what: &str) -> Result<&'a str> {
    app.filter(|a| !a.is_empty())
        .ok_or_else(|| WeftError::Unauthenticated {
            service: "the remote shuffle service".into(),
            message: format!("a call about {what} must name its application"),
        })
}

fn refused(what: &str) -> WeftError {
    WeftError::Unauthenticated {
        service: "the remote shuffle service".into(),
        message: format!("{what} belongs to another application"),
    }
}

/// A refused call as a gRPC status with the `Unauthenticated` code.
pub fn to_status(e: &WeftError) -> Status {
    let s = weft_core::rpc_error::to_status(e);
    let code = match e {
        WeftError::Unauthenticated { .. } => tonic::Code::PermissionDenied,
        _ => s.code(),
    };
    Status::with_details(code, s.message().to_string(), s.details().to_vec().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_shuffles_and_their_jobs_are_forgotten() {
        let mut o = Owners::default();
        o.claim("j1", "j1-s1", Some("app_a")).unwrap();
        o.claim("j1", "j1-s2", Some("app_a")).unwrap();
        o.claim("j2", "j2-s1", Some("app_b")).unwrap();
        o.forget_expired(&["j1-s1".to_string()]);
        // j1 still has a shuffle: still owned
        assert!(o.check_job("j1", Some("app_b")).is_err());
        o.forget_expired(&["j1-s2".to_string(), "j2-s1".to_string()]);
        assert!(o.jobs.is_empty() && o.shuffles.is_empty());
        // now anyone may register the ids again
        o.claim("j1", "j1-s1", Some("app_b")).unwrap();
    }

    #[test]
    fn the_first_application_owns_a_job_and_its_shuffles() {
        let mut o = Owners::default();
        o.claim("j1", "j1-v1", Some("a")).unwrap();
        // The owner re-registers and uses its shuffle.
        o.claim("j1", "j1-v1", Some("a")).unwrap();
        o.claim("j1", "j1-v2", Some("a")).unwrap();
        o.check_shuffle("j1-v1", Some("a")).unwrap();
        o.check_read("j1-v2", Some("a")).unwrap();
        o.check_job("j1", Some("a")).unwrap();
        // Another application does none of it.
        for e in [
            o.claim("j1", "j1-v3", Some("b")).unwrap_err(),
            o.claim("j2", "j1-v1", Some("b")).unwrap_err(),
            o.check_shuffle("j1-v1", Some("b")).unwrap_err(),
            o.check_read("j1-v1", Some("b")).unwrap_err(),
            o.check_job("j1", Some("b")).unwrap_err(),
        ] {
            assert!(
                matches!(&e, WeftError::Unauthenticated { message, .. } if message.contains("another application")),
                "{e:?}"
            );
        }
        // Nor does a call that names no application.
        let e = o.check_read("j1-v1", None).unwrap_err();
        assert!(e.to_string().contains("must name its application"), "{e}");
        // Once the job is gone, its ids are free again.
        o.forget_job("j1");
        o.claim("j1", "j1-v1", Some("b")).unwrap();
    }

    #[test]
    fn workers_learn_owners_from_pushes_and_refuse_unknown_reads() {
        let mut o = Owners::default();
        let e = o.check_read("j-v1", Some("a")).unwrap_err();
        assert!(matches!(e, WeftError::PartitionNotFound { .. }), "{e:?}");
        o.check_shuffle("j-v1", Some("a")).unwrap();
        o.check_read("j-v1", Some("a")).unwrap();
        assert!(o.check_shuffle("j-v1", Some("b")).is_err());
        o.forget_shuffle("j-v1");
        o.check_shuffle("j-v1", Some("b")).unwrap();
    }
}
