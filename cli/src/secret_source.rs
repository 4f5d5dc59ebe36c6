//! Where a process of an application finds the application's secret (see
//! `weft_core::security`): a local TaskManager in the owner-only file its JobManager wrote,
//! a YARN container in the credentials the NodeManager wrote for it.

use std::path::Path;

use weft_core::security::ClusterSecret;
use weft_core::security::secret::CREDENTIALS_ALIAS;
use weft_yarn_client::Credentials;

pub fn load(file: Option<&Path>) -> anyhow::Result<ClusterSecret> {
    if let Some(f) = file {
        return Ok(ClusterSecret::read_private(f)?);
    }
    let Some(creds) = Credentials::from_env()? else {
        anyhow::bail!(
            "this process has no application secret: it is started by Weft (a local cluster passes --secret-file, YARN the container's credentials), not by hand"
        );
    };
    if let Some((_, s)) = creds
        .secrets
        .iter()
        .find(|(a, _)| a == weft_remote_shuffle::auth::CREDENTIALS_ALIAS)
    {
        let s = ClusterSecret::parse(&String::from_utf8_lossy(s), "the container's credentials")?;
        weft_remote_shuffle::auth::set_service_secret(s);
    }
    from_credentials(&creds)
}

/// The secret in a container's credentials.
pub fn from_credentials(creds: &Credentials) -> anyhow::Result<ClusterSecret> {
    let Some((_, value)) = creds.secrets.iter().find(|(a, _)| a == CREDENTIALS_ALIAS) else {
        anyhow::bail!(
            "the container's credentials hold no {CREDENTIALS_ALIAS}: the application was not submitted by this version of weft"
        );
    };
    let text = String::from_utf8_lossy(value);
    Ok(ClusterSecret::parse(&text, "the container's credentials")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_survives_container_credentials() {
        let s = ClusterSecret::generate();
        let bytes = weft_app_master::resource_manager::container_credentials(&s, None);
        let creds = Credentials::parse(&bytes).unwrap();
        assert_eq!(from_credentials(&creds).unwrap(), s);
        let e = from_credentials(&Credentials::default()).unwrap_err();
        assert!(e.to_string().contains(CREDENTIALS_ALIAS), "{e}");
    }
}
