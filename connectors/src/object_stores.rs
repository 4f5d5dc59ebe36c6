//! [`WeftObjectStoreRegistry`]: DataFusion's `ObjectStoreRegistry` for Weft, creating one
//! object store per scheme + authority on first use:
//!
//! | scheme | store |
//! |---|---|
//! | `file` | object_store's `LocalFileSystem` |
//! | `hdfs`, `viewfs` | hdfs-native (`hdfs:///…` uses `fs.defaultFS` from `$HADOOP_CONF_DIR/core-site.xml`) |
//! | `s3`, `s3a` | object_store's `AmazonS3Builder::from_env()` with the bucket |
//!
//! Plus helpers the connectors use to address files inside a store.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion::execution::object_store::ObjectStoreRegistry;
use hdfs_native_object_store::HdfsObjectStoreBuilder;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use parking_lot::RwLock;
use url::Url;

/// Schemes [`WeftObjectStoreRegistry`] can create stores for.
pub const SUPPORTED_SCHEMES: &[&str] = &["file", "hdfs", "viewfs", "s3", "s3a"];

#[derive(Default)]
pub struct WeftObjectStoreRegistry {
    stores: RwLock<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl std::fmt::Debug for WeftObjectStoreRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeftObjectStoreRegistry")
            .field("stores", &self.stores.read().keys().collect::<Vec<_>>())
            .finish()
    }
}

impl WeftObjectStoreRegistry {
    pub fn new() -> Self {
        Self::default()
    }
}

/// `scheme://authority`, the key a store is registered under.
pub fn store_key(url: &Url) -> String {
    format!(
        "{}://{}",
        url.scheme(),
        &url[url::Position::BeforeHost..url::Position::AfterPort]
    )
}

/// The object-store path of a URL (its path, percent-decoded, without leading `/`).
pub fn store_path(url: &Url) -> Result<Path> {
    Path::from_url_path(url.path()).map_err(|source| {
        DataFusionError::ObjectStore(Box::new(object_store::Error::InvalidPath { source }))
    })
}

fn create_store(url: &Url) -> Result<Arc<dyn ObjectStore>> {
    let key = store_key(url);
    let store: Arc<dyn ObjectStore> = match url.scheme() {
        "file" => Arc::new(LocalFileSystem::new()),
        "hdfs" | "viewfs"
            if url.host_str().unwrap_or_default().is_empty() && default_fs().is_none() =>
        {
            return Err(DataFusionError::External(Box::new(
                weft_core::WeftError::config(
                    "fs.defaultFS",
                    format!(
                        "{url} has no NameNode address and no fs.defaultFS is configured; set HADOOP_CONF_DIR to a directory with core-site.xml, or write hdfs://host:port/…"
                    ),
                ),
            )));
        }
        "hdfs" | "viewfs" => Arc::new(
            HdfsObjectStoreBuilder::new()
                .with_url(key.clone())
                .build()
                .map_err(|e| {
                    DataFusionError::External(Box::new(weft_core::WeftError::Unreachable {
                        what: "HDFS".into(),
                        address: hdfs_address(url),
                        message: e.to_string(),
                    }))
                })?,
        ),
        "s3" | "s3a" => {
            let bucket = url.host_str().unwrap_or_default();
            Arc::new(
                AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| DataFusionError::ObjectStore(Box::new(e)))?,
            )
        }
        other => {
            return Err(DataFusionError::Plan(format!(
                "no object store for scheme '{other}' (in {url}); supported schemes: {}",
                SUPPORTED_SCHEMES.join(", ")
            )));
        }
    };
    Ok(store)
}

impl ObjectStoreRegistry for WeftObjectStoreRegistry {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.stores.write().insert(store_key(url), store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.stores
            .write()
            .remove(&store_key(url))
            .ok_or_else(|| DataFusionError::Internal(format!("no object store for {url}")))
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        let key = store_key(url);
        if let Some(s) = self.stores.read().get(&key) {
            return Ok(s.clone());
        }
        let mut stores = self.stores.write();
        if let Some(s) = stores.get(&key) {
            return Ok(s.clone());
        }
        let store = create_store(url)?;
        stores.insert(key, store.clone());
        Ok(store)
    }
}

/// The NameNode address an `hdfs://` URL talks to, for messages: its authority, or
/// `fs.defaultFS` from the Hadoop configuration for `hdfs:///…`.
pub fn hdfs_address(url: &Url) -> String {
    match url.host_str() {
        Some(h) if !h.is_empty() => match url.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_string(),
        },
        _ => match default_fs() {
            Some(fs) => Url::parse(&fs)
                .ok()
                .and_then(|u| {
                    u.host_str().map(|h| {
                        format!(
                            "{h}{}",
                            u.port().map(|p| format!(":{p}")).unwrap_or_default()
                        )
                    })
                })
                .unwrap_or(fs),
            None => "fs.defaultFS (not set: no core-site.xml in $HADOOP_CONF_DIR)".to_string(),
        },
    }
}

/// `fs.defaultFS` from `$HADOOP_CONF_DIR/core-site.xml` (or `$HADOOP_HOME/etc/hadoop`).
pub fn default_fs() -> Option<String> {
    let dir = std::env::var("HADOOP_CONF_DIR").ok().or_else(|| {
        std::env::var("HADOOP_HOME")
            .ok()
            .map(|h| format!("{h}/etc/hadoop"))
    })?;
    let xml = std::fs::read_to_string(format!("{dir}/core-site.xml")).ok()?;
    let at = xml.find("<name>fs.defaultFS</name>")?;
    let rest = &xml[at..];
    let start = rest.find("<value>")? + "<value>".len();
    let end = rest[start..].find("</value>")? + start;
    Some(rest[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_paths() {
        let u = Url::parse("hdfs://nn:8020/data/t/").unwrap();
        assert_eq!(store_key(&u), "hdfs://nn:8020");
        assert_eq!(store_path(&u).unwrap().as_ref(), "data/t");
        assert_eq!(hdfs_address(&u), "nn:8020");
        let u = Url::parse("file:///tmp/x").unwrap();
        assert_eq!(store_key(&u), "file://");
        let r = WeftObjectStoreRegistry::new();
        assert!(r.get_store(&u).is_ok());
        let e = r
            .get_store(&Url::parse("gs://b/x").unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("supported schemes: file, hdfs"), "{e}");
    }
}
