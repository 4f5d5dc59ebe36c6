//! The per-application secret and the owner-only files that carry it.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use rand::RngCore;

use crate::error::{Result, WeftError};

/// The alias of the secret in a YARN container's credentials (Hadoop token file).
pub const CREDENTIALS_ALIAS: &str = "weft.cluster.secret";
/// The file a local TaskManager reads the secret from, in its cluster's work directory.
pub const SECRET_FILE_NAME: &str = "cluster.secret";

/// 32 random bytes, as 64 lowercase hex digits (what goes on the wire and in files).
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterSecret(Arc<str>);

impl std::fmt::Debug for ClusterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret itself.
        f.write_str("ClusterSecret(..)")
    }
}

impl ClusterSecret {
    pub fn generate() -> ClusterSecret {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        ClusterSecret(hex.into())
    }

    /// A secret as written by [`ClusterSecret::generate`]; `what` names where it came from.
    pub fn parse(text: &str, what: &str) -> Result<ClusterSecret> {
        let t = text.trim();
        if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(WeftError::io(format!(
                "{what} does not hold a Weft cluster secret (64 hex digits); it was not written by Weft"
            )));
        }
        Ok(ClusterSecret(t.to_ascii_lowercase().into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key for `purpose` that others can check without learning the secret:
    /// hex SHA-256 of `purpose`, a NUL and the secret.
    pub fn derive(&self, purpose: &str) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(purpose.as_bytes());
        h.update([0u8]);
        h.update(self.0.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Compares in constant time (no early exit on the first differing byte).
    pub fn matches(&self, presented: &[u8]) -> bool {
        let mine = self.0.as_bytes();
        if presented.len() != mine.len() {
            return false;
        }
        mine.iter()
            .zip(presented)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    /// Writes the secret to `path`, readable by its owner only (mode 600).
    pub fn write_private(&self, path: &Path) -> Result<()> {
        write_private(path, self.0.as_bytes())
    }

    /// Reads a secret file; refuses one that others can read.
    pub fn read_private(path: &Path) -> Result<ClusterSecret> {
        let what = format!("secret file {}", path.display());
        check_private(path)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| WeftError::io(format!("cannot read the {what}: {e}")))?;
        ClusterSecret::parse(&text, &what)
    }
}

/// Creates (or replaces) `path` with mode 600 and writes `bytes`.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: std::io::Error| WeftError::io(format!("cannot write {}: {e}", path.display()));
    // A new file, so that an existing one with wider permissions is not reused.
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    f.write_all(bytes).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// A file holding a secret must not be readable or writable by group or others.
pub fn check_private(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| WeftError::io(format!("cannot read {}: {e}", path.display())))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(WeftError::io(format!(
            "{} holds a secret but others can read it (mode {mode:o}); run chmod 600 on it",
            path.display()
        )));
    }
    Ok(())
}

/// Creates `dir` (and parents) and restricts it to its owner (mode 700).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let fail = |e: std::io::Error| {
        WeftError::io(format!("cannot create directory {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_differ_and_parse_back() {
        let a = ClusterSecret::generate();
        let b = ClusterSecret::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 64);
        assert_eq!(ClusterSecret::parse(a.as_str(), "x").unwrap(), a);
        assert!(format!("{a:?}").contains(".."));
        assert!(!format!("{a:?}").contains(a.as_str()));
    }

    #[test]
    fn derived_keys_depend_on_secret_and_purpose() {
        let a = ClusterSecret::generate();
        let k = a.derive("shuffle");
        assert_eq!(k.len(), 64);
        assert_eq!(k, a.derive("shuffle"));
        assert_ne!(k, a.derive("other"));
        assert_ne!(k, ClusterSecret::generate().derive("shuffle"));
        assert!(!k.contains(a.as_str()));
    }

    #[test]
    fn matching_needs_every_byte() {
        let a = ClusterSecret::generate();
        assert!(a.matches(a.as_str().as_bytes()));
        let mut other = a.as_str().as_bytes().to_vec();
        other[63] = if other[63] == b'0' { b'1' } else { b'0' };
        assert!(!a.matches(&other));
        assert!(!a.matches(&a.as_str().as_bytes()[..63]));
        assert!(!a.matches(b""));
    }

    #[test]
    fn bad_text_is_named() {
        let e = ClusterSecret::parse("hello", "secret file /x").unwrap_err();
        assert!(e.to_string().contains("secret file /x"), "{e}");
    }

    #[test]
    fn files_are_owner_only_and_others_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("p");
        create_private_dir(&private).unwrap();
        let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let path = private.join(SECRET_FILE_NAME);
        let s = ClusterSecret::generate();
        s.write_private(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(ClusterSecret::read_private(&path).unwrap(), s);
        // Rewriting keeps the mode.
        ClusterSecret::generate().write_private(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = ClusterSecret::read_private(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
    }
}
