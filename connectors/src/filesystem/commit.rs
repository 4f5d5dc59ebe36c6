//! Publishing (commit) or discarding (abort) a filesystem sink's staged output, run by the
//! JobManager once every subtask finished. The [`CommitPlan`] is the spec carried in
//! `CommitSpec.spec`; the decisions (what to delete, what to move where) are pure functions
//! of it and the manifests, the I/O is object-store `list` / `rename` / `delete`.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use object_store::path::{Path, PathPart};
use object_store::{ObjectStore, ObjectStoreExt};
use serde::{Deserialize, Serialize};
use url::Url;
use weft_core::catalog::CommitSummary;
use weft_core::{Result, WeftError};

use super::sink::{MANIFEST_DIR, Manifest};
use crate::object_stores::store_path;

/// `CommitSpec.spec` of the filesystem connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitPlan {
    /// The table directory (URL ending in `/`).
    pub url: String,
    /// `<url>.staging_<jobId>/`
    pub staging_url: String,
    /// INSERT OVERWRITE: replace the table (unpartitioned) or the partitions written.
    pub overwrite: bool,
    pub partition_keys: Vec<String>,
    pub format: String,
    /// Partition commit policy `success-file`: this file is written into every partition
    /// written (into the table directory when unpartitioned) once its files are published.
    #[serde(default)]
    pub success_file: Option<String>,
    /// Streaming jobs: partitions are committed (success file, metastore) when their
    /// `sink.partition-commit.trigger` fires, not when their files are published.
    #[serde(default)]
    pub deferred: Option<super::partition_trigger::Deferred>,
}

fn os_err(what: &str, e: object_store::Error) -> WeftError {
    WeftError::io(format!("{what}: {e}"))
}

fn is_hidden(segment: &str) -> bool {
    segment.starts_with('.') || segment.starts_with('_')
}

/// Relative segments of `path` below `root`.
fn relative(root: &Path, path: &Path) -> Option<Vec<String>> {
    path.prefix_match(root)
        .map(|parts| parts.map(|p| p.as_ref().to_string()).collect())
}

fn child(root: &Path, rel: &str) -> Path {
    rel.split('/')
        .filter(|s| !s.is_empty())
        .fold(root.clone(), |p, s| p.join(PathPart::from(s)))
}

/// The partition directories (`k=v/...`) files were staged into, `""` for none.
pub fn partitions_written(manifests: &[Manifest]) -> BTreeSet<String> {
    manifests
        .iter()
        .flat_map(|m| &m.files)
        .map(|f| match f.path.rsplit_once('/') {
            Some((dir, _)) => dir.to_string(),
            None => String::new(),
        })
        .collect()
}

async fn read_manifests(store: &dyn ObjectStore, staging: &Path) -> Result<Vec<Manifest>> {
    let dir = staging.clone().join(MANIFEST_DIR);
    let metas: Vec<_> = store
        .list(Some(&dir))
        .try_collect()
        .await
        .map_err(|e| os_err(&format!("listing manifests in {dir}"), e))?;
    let mut manifests = Vec::with_capacity(metas.len());
    for m in metas {
        let bytes = store
            .get(&m.location)
            .await
            .map_err(|e| os_err(&format!("reading {}", m.location), e))?
            .bytes()
            .await
            .map_err(|e| os_err(&format!("reading {}", m.location), e))?;
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| WeftError::internal(format!("corrupt manifest {}: {e}", m.location)))?;
        manifests.push(manifest);
    }
    manifests.sort_by_key(|m| m.subtask);
    Ok(manifests)
}

/// Delete every visible file under `dir` (entries whose relative path starts with `.` or
/// `_`, such as other jobs' staging directories, are kept).
async fn delete_visible(store: &dyn ObjectStore, dir: &Path) -> Result<()> {
    let metas: Vec<_> = store
        .list(Some(dir))
        .try_collect()
        .await
        .or_else(|e| match e {
            object_store::Error::NotFound { .. } => Ok(vec![]),
            e => Err(e),
        })
        .map_err(|e| os_err(&format!("listing {dir}"), e))?;
    for m in metas {
        let visible = relative(dir, &m.location)
            .map(|segs| !segs.iter().any(|s| is_hidden(s)))
            .unwrap_or(false);
        if visible {
            store
                .delete(&m.location)
                .await
                .map_err(|e| os_err(&format!("deleting {}", m.location), e))?;
        }
    }
    Ok(())
}

/// Remove a directory tree: `remove_dir_all` for local paths, otherwise delete every object
/// and then the (now empty) directories deepest first (HDFS keeps empty directories).
pub(crate) async fn remove_tree(store: &dyn ObjectStore, url: &Url) -> Result<()> {
    if url.scheme() == "file" {
        let p = url
            .to_file_path()
            .map_err(|_| WeftError::io(format!("invalid local path {url}")))?;
        return match std::fs::remove_dir_all(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(WeftError::io(format!("removing {}: {e}", p.display())))
            }
            _ => Ok(()),
        };
    }
    let root = store_path(url)?;
    let metas: Vec<_> = match store.list(Some(&root)).try_collect().await {
        Ok(m) => m,
        Err(object_store::Error::NotFound { .. }) => return Ok(()),
        Err(e) => return Err(os_err(&format!("listing {root}"), e)),
    };
    let mut dirs = BTreeSet::new();
    for m in &metas {
        if let Some(segs) = relative(&root, &m.location) {
            for depth in 1..segs.len() {
                dirs.insert(segs[..depth].join("/"));
            }
        }
        match store.delete(&m.location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(os_err(&format!("deleting {}", m.location), e)),
        }
    }
    let mut dirs: Vec<String> = dirs.into_iter().collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    for d in dirs {
        let _ = store.delete(&child(&root, &d)).await;
    }
    let _ = store.delete(&root).await;
    Ok(())
}

/// Publish the staged files listed in the subtasks' manifests, then drop the staging dir.
pub async fn commit(store: &dyn ObjectStore, plan: &CommitPlan) -> Result<CommitSummary> {
    Ok(publish(store, plan).await?.0)
}

/// [`commit`], also returning the partition directories committed (`k=v/…`, `""` when the
/// table is unpartitioned), for catalogs that register them: those written, or in a
/// streaming job those whose partition-commit trigger fired.
pub async fn publish(
    store: &dyn ObjectStore,
    plan: &CommitPlan,
) -> Result<(CommitSummary, BTreeSet<String>)> {
    let table_url = Url::parse(&plan.url).map_err(|e| WeftError::internal(e.to_string()))?;
    let staging_url =
        Url::parse(&plan.staging_url).map_err(|e| WeftError::internal(e.to_string()))?;
    let table = store_path(&table_url)?;
    let staging = store_path(&staging_url)?;
    let manifests = read_manifests(store, &staging).await?;
    let partitions = partitions_written(&manifests);

    if plan.overwrite {
        if plan.partition_keys.is_empty() {
            delete_visible(store, &table).await?;
        } else {
            for dir in partitions.iter().filter(|d| !d.is_empty()) {
                delete_visible(store, &child(&table, dir)).await?;
            }
        }
    }
    let mut files = 0u64;
    for f in manifests.iter().flat_map(|m| &m.files) {
        let from = child(&staging, &f.path);
        let to = child(&table, &f.path);
        store
            .rename(&from, &to)
            .await
            .map_err(|e| os_err(&format!("moving {from} to {to}"), e))?;
        files += 1;
    }
    remove_tree(store, &staging_url).await?;
    let written = partitions.iter().filter(|d| !d.is_empty()).count() as u64;
    let partitions = match &plan.deferred {
        Some(d) if !plan.partition_keys.is_empty() => d.due(store, &table, &partitions).await?,
        _ => partitions,
    };
    if let Some(name) = &plan.success_file {
        let dirs: Vec<&String> = if plan.partition_keys.is_empty() {
            vec![&EMPTY]
        } else {
            partitions.iter().filter(|d| !d.is_empty()).collect()
        };
        for dir in dirs {
            let marker = child(&child(&table, dir), name);
            store
                .put(&marker, object_store::PutPayload::new())
                .await
                .map_err(|e| os_err(&format!("writing {marker}"), e))?;
        }
    }
    let summary = CommitSummary {
        files,
        partitions: written,
    };
    Ok((summary, partitions))
}

static EMPTY: String = String::new();

/// The subtasks' manifests of a staged job (what a commit would publish), for connectors
/// that publish staged files into their own layout (Iceberg).
pub async fn staged_manifests(store: &dyn ObjectStore, plan: &CommitPlan) -> Result<Vec<Manifest>> {
    let staging_url =
        Url::parse(&plan.staging_url).map_err(|e| WeftError::internal(e.to_string()))?;
    read_manifests(store, &store_path(&staging_url)?).await
}

/// URLs of the files the subtasks' manifests list (what a commit would publish), for
/// connectors that publish staged files some other way (Delta).
pub async fn staged_files(store: &dyn ObjectStore, plan: &CommitPlan) -> Result<Vec<Url>> {
    let staging_url =
        Url::parse(&plan.staging_url).map_err(|e| WeftError::internal(e.to_string()))?;
    let staging = store_path(&staging_url)?;
    let manifests = read_manifests(store, &staging).await?;
    manifests
        .iter()
        .flat_map(|m| &m.files)
        .map(|f| {
            staging_url
                .join(&f.path)
                .map_err(|e| WeftError::internal(e.to_string()))
        })
        .collect()
}

/// Discard everything the job staged.
pub async fn abort(store: &dyn ObjectStore, plan: &CommitPlan) -> Result<()> {
    let staging_url =
        Url::parse(&plan.staging_url).map_err(|e| WeftError::internal(e.to_string()))?;
    remove_tree(store, &staging_url).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filesystem::sink::StagedFile;

    #[test]
    fn partition_dirs_from_manifests() {
        let m = |p: &str| StagedFile {
            path: p.into(),
            rows: 1,
            bytes: 1,
        };
        let manifests = vec![
            Manifest {
                subtask: 0,
                files: vec![m("dt=1/part-a-0-0.csv"), m("dt=2/part-a-0-0.csv")],
            },
            Manifest {
                subtask: 1,
                files: vec![m("dt=1/part-b-1-0.csv")],
            },
        ];
        let dirs: Vec<_> = partitions_written(&manifests).into_iter().collect();
        assert_eq!(dirs, vec!["dt=1", "dt=2"]);
        assert!(is_hidden(".staging_x") && is_hidden("_SUCCESS") && !is_hidden("dt=1"));
    }
}
