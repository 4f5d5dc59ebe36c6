//! A streaming job's checkpoints (`state.checkpoints.dir`): on the local disk, or on HDFS /
//! S3 through Weft's object stores (what a job on YARN needs: its ApplicationMaster's disk
//! goes with its container).
//!
//! Layout, as Flink's: `<dir>/chk-<id>/_metadata` (the offsets read up to), written last and
//! atomically, and `<dir>/chk-<id>/_pending` (the ranges of the epoch about to run), written
//! before it runs and removed once the checkpoint completes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use datafusion::execution::object_store::ObjectStoreRegistry;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use url::Url;

/// What a checkpoint holds: per Kafka table, per partition, the next offset to read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub id: u64,
    pub job: String,
    pub offsets: BTreeMap<String, BTreeMap<i32, i64>>,
    /// Streaming aggregations: per sink table, the directory of its keyed state.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub state: BTreeMap<String, String>,
}

/// An epoch about to run: its checkpoint id, job and the exact ranges (per table, per
/// partition: start and end offsets) it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingEpoch {
    pub id: u64,
    pub job: String,
    pub ranges: BTreeMap<String, BTreeMap<i32, (i64, i64)>>,
}

const METADATA: &str = "_metadata";
const PENDING: &str = "_pending";

/// A checkpoints directory.
#[derive(Clone)]
pub enum Storage {
    Local(PathBuf),
    Remote {
        store: Arc<dyn ObjectStore>,
        url: Url,
    },
}

impl std::fmt::Display for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Local(p) => write!(f, "{}", p.display()),
            Storage::Remote { url, .. } => write!(f, "{}", url.as_str().trim_end_matches('/')),
        }
    }
}

impl Storage {
    /// `dir`: a local path, a `file://` URL, or an `hdfs://` / `viewfs://` / `s3://` URL.
    pub fn open(dir: &str) -> anyhow::Result<Storage> {
        let dir = dir.trim();
        if let Some(p) = dir.strip_prefix("file://") {
            return Ok(Storage::Local(PathBuf::from(p)));
        }
        if !dir.contains("://") {
            return Ok(Storage::Local(PathBuf::from(dir)));
        }
        let mut url =
            Url::parse(dir).with_context(|| format!("bad checkpoints directory '{dir}'"))?;
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        let store = weft_connectors::WeftObjectStoreRegistry::new()
            .get_store(&url)
            .map_err(|e| anyhow::anyhow!("checkpoints directory {dir}: {e}"))?;
        Ok(Storage::Remote { store, url })
    }

    fn remote_path(url: &Url, rel: &str) -> anyhow::Result<StorePath> {
        Ok(weft_connectors::object_stores::store_path(&url.join(rel)?)?)
    }

    async fn write(&self, rel: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        match self {
            Storage::Local(root) => {
                let file = root.join(rel);
                let dir = file.parent().unwrap_or(root);
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                let tmp = file.with_extension("inprogress");
                std::fs::write(&tmp, bytes)
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                std::fs::rename(&tmp, &file)
                    .with_context(|| format!("cannot write {}", file.display()))?;
            }
            Storage::Remote { store, url } => {
                // Object stores publish a put whole (HDFS: written aside, then renamed).
                let path = Self::remote_path(url, rel)?;
                store
                    .put(&path, PutPayload::from(bytes))
                    .await
                    .with_context(|| format!("cannot write {path}"))?;
            }
        }
        Ok(())
    }

    async fn read(&self, rel: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match self {
            Storage::Local(root) => match std::fs::read(root.join(rel)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => {
                    Err(e).with_context(|| format!("cannot read {}", root.join(rel).display()))
                }
            },
            Storage::Remote { store, url } => {
                let path = Self::remote_path(url, rel)?;
                match store.get(&path).await {
                    Ok(r) => Ok(Some(r.bytes().await?.to_vec())),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(e).with_context(|| format!("cannot read {path}")),
                }
            }
        }
    }

    async fn delete(&self, rel: &str) {
        match self {
            Storage::Local(root) => {
                let _ = std::fs::remove_file(root.join(rel));
            }
            Storage::Remote { store, url } => {
                if let Ok(p) = Self::remote_path(url, rel) {
                    let _ = store.delete(&p).await;
                }
            }
        }
    }

    /// Ids of the completed checkpoints (those with `_metadata`).
    async fn completed(&self) -> anyhow::Result<Vec<u64>> {
        let ids: Vec<u64> = match self {
            Storage::Local(root) => {
                let mut ids = Vec::new();
                for e in std::fs::read_dir(root)
                    .with_context(|| format!("cannot list {}", root.display()))?
                {
                    let e = e?;
                    if let Some(id) = e
                        .file_name()
                        .to_string_lossy()
                        .strip_prefix("chk-")
                        .and_then(|n| n.parse().ok())
                        && e.path().join(METADATA).is_file()
                    {
                        ids.push(id);
                    }
                }
                ids
            }
            Storage::Remote { store, url } => {
                use futures::TryStreamExt;
                let root = weft_connectors::object_stores::store_path(url)?;
                let listed: Vec<_> = match store.list(Some(&root)).try_collect().await {
                    Ok(l) => l,
                    Err(object_store::Error::NotFound { .. }) => vec![],
                    Err(e) => return Err(e).with_context(|| format!("cannot list {self}")),
                };
                listed
                    .iter()
                    .filter(|m| m.location.filename() == Some(METADATA))
                    .filter_map(|m| {
                        let parts: Vec<_> = m.location.parts().collect();
                        let dir = parts.get(parts.len().checked_sub(2)?)?;
                        dir.as_ref().strip_prefix("chk-")?.parse().ok()
                    })
                    .collect()
            }
        };
        Ok(ids)
    }

    /// The URL of `rel` below the checkpoints directory (what TaskManagers write to).
    pub fn url_of(&self, rel: &str) -> anyhow::Result<String> {
        Ok(match self {
            Storage::Local(root) => {
                let abs = std::path::absolute(root.join(rel))?;
                Url::from_file_path(&abs)
                    .map_err(|_| anyhow::anyhow!("invalid local path {}", abs.display()))?
                    .to_string()
            }
            Storage::Remote { url, .. } => url.join(rel)?.to_string(),
        })
    }

    /// Whether the directory `rel` holds visible files (not `.`/`_` prefixed).
    pub async fn has_files(&self, rel: &str) -> anyhow::Result<bool> {
        let visible = |name: &str| !name.starts_with('.') && !name.starts_with('_');
        match self {
            Storage::Local(root) => Ok(std::fs::read_dir(root.join(rel))
                .map(|d| {
                    d.flatten()
                        .any(|e| visible(&e.file_name().to_string_lossy()))
                })
                .unwrap_or(false)),
            Storage::Remote { store, url } => {
                use futures::TryStreamExt;
                let dir = Self::remote_path(url, rel)?;
                let listed: Vec<_> = store
                    .list(Some(&dir))
                    .try_collect()
                    .await
                    .unwrap_or_default();
                Ok(listed
                    .iter()
                    .any(|m| m.location.filename().is_some_and(visible)))
            }
        }
    }

    /// Remove the directory `rel` (best effort).
    pub async fn remove_dir(&self, rel: &str) {
        match self {
            Storage::Local(root) => {
                let _ = std::fs::remove_dir_all(root.join(rel));
            }
            Storage::Remote { store, url } => {
                use futures::TryStreamExt;
                let Ok(dir) = Self::remote_path(url, rel) else {
                    return;
                };
                let listed: Vec<_> = store
                    .list(Some(&dir))
                    .try_collect()
                    .await
                    .unwrap_or_default();
                for m in listed {
                    let _ = store.delete(&m.location).await;
                }
                let _ = store.delete(&dir).await;
            }
        }
    }

    pub async fn save(&self, cp: &Checkpoint) -> anyhow::Result<String> {
        let rel = format!("chk-{}", cp.id);
        self.write(&format!("{rel}/{METADATA}"), serde_json::to_vec_pretty(cp)?)
            .await?;
        self.delete(&format!("{rel}/{PENDING}")).await;
        Ok(format!("{self}/{rel}"))
    }

    pub async fn save_pending(&self, e: &PendingEpoch) -> anyhow::Result<()> {
        self.write(
            &format!("chk-{}/{PENDING}", e.id),
            serde_json::to_vec_pretty(e)?,
        )
        .await
    }

    /// Checkpoint `id`, or the latest one.
    pub async fn load(&self, id: Option<u64>) -> anyhow::Result<Checkpoint> {
        let id = match id {
            Some(id) => id,
            None => self
                .completed()
                .await?
                .into_iter()
                .max()
                .with_context(|| format!("no checkpoint in {self}"))?,
        };
        let bytes = self
            .read(&format!("chk-{id}/{METADATA}"))
            .await?
            .with_context(|| format!("no checkpoint chk-{id} in {self}"))?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{self}/chk-{id}/{METADATA} is not a Weft checkpoint"))
    }

    /// The epoch after `cp` that started but did not complete, if its ranges were recorded.
    pub async fn unfinished_epoch(&self, cp: &Checkpoint) -> Option<PendingEpoch> {
        let bytes = self
            .read(&format!("chk-{}/{PENDING}", cp.id + 1))
            .await
            .ok()??;
        serde_json::from_slice::<PendingEpoch>(&bytes)
            .ok()
            .filter(|e| e.id == cp.id + 1 && e.job == cp.job)
    }
}

/// What `-s <path>` names: a checkpoints directory (its latest checkpoint), a `chk-<id>`
/// directory, or its `_metadata` — local or a URL.
pub async fn resolve(path: &str) -> anyhow::Result<(Storage, Checkpoint)> {
    let trimmed = path.trim_end_matches('/');
    let trimmed = trimmed
        .strip_suffix(&format!("/{METADATA}"))
        .unwrap_or(trimmed);
    let (root, last) = match trimmed.rsplit_once('/') {
        Some((root, last)) => (root, last),
        None => ("", trimmed),
    };
    if let Some(id) = last
        .strip_prefix("chk-")
        .and_then(|n| n.parse::<u64>().ok())
    {
        let storage = Storage::open(if root.is_empty() { "." } else { root })?;
        let cp = storage.load(Some(id)).await?;
        return Ok((storage, cp));
    }
    let storage = Storage::open(trimmed)?;
    let cp = storage.load(None).await?;
    Ok((storage, cp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checkpoints_round_trip_and_the_latest_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path().to_str().unwrap()).unwrap();
        for id in [1, 3, 2] {
            let cp = Checkpoint {
                id,
                job: "j".into(),
                offsets: BTreeMap::from([("t".into(), BTreeMap::from([(0, id as i64 * 10)]))]),
                ..Default::default()
            };
            storage.save(&cp).await.unwrap();
        }
        let root = dir.path().to_str().unwrap();
        let (_, cp) = resolve(root).await.unwrap();
        assert_eq!(cp.id, 3);
        assert_eq!(cp.offsets["t"][&0], 30);
        assert_eq!(resolve(&format!("{root}/chk-2")).await.unwrap().1.id, 2);
        assert_eq!(
            resolve(&format!("file://{root}/chk-1/_metadata"))
                .await
                .unwrap()
                .1
                .id,
            1
        );
        assert!(resolve(&format!("{root}/nope")).await.is_err());

        let pending = PendingEpoch {
            id: 4,
            job: "j".into(),
            ranges: BTreeMap::new(),
        };
        storage.save_pending(&pending).await.unwrap();
        assert_eq!(storage.unfinished_epoch(&cp).await, Some(pending));
        assert_eq!(
            storage.load(None).await.unwrap().id,
            3,
            "a pending epoch is not a checkpoint"
        );
        storage
            .save(&Checkpoint {
                id: 4,
                job: "j".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(!dir.path().join("chk-4/_pending").exists());
    }
}
