//! Committing a job's staged Parquet files to an Iceberg table as one snapshot (an append,
//! or an overwrite for INSERT OVERWRITE), once.
//!
//! The table is a Hadoop-catalog table: `<location>/metadata/v<N>.metadata.json`, the
//! latest named by `version-hint.text`. A commit moves the staged files into `data/`, writes
//! a manifest and a manifest list, then creates `v<N+1>.metadata.json` only if no other
//! writer created it first (an atomic create), then updates the hint. The snapshot summary
//! carries `weft.app-id` and `weft.checkpoint-id`: a commit whose application already reached
//! that checkpoint in the table's history is skipped, so a replayed checkpoint (or a retried
//! job commit) never appends twice.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde_json::{Value, json};
use url::Url;
use weft_core::catalog::CommitSummary;
use weft_core::{Result, WeftError};

use super::IcebergCommit;
use super::avro::{self, DataFile, ManifestFile, PartitionField};
use super::metadata::{self, Metadata};
use crate::filesystem::commit::{abort, staged_manifests};
use crate::object_stores::store_path;

pub const APP_ID: &str = "weft.app-id";
pub const CHECKPOINT_ID: &str = "weft.checkpoint-id";

fn err(location: &str, what: &str, e: impl std::fmt::Display) -> WeftError {
    WeftError::io(format!("Iceberg table {location}: {what}: {e}"))
}

/// A table's latest metadata: its version and content.
pub struct Current {
    pub version: u64,
    pub metadata: Value,
}

fn metadata_dir(location: &Url) -> Result<Path> {
    Ok(store_path(location)?.join("metadata"))
}

async fn get(
    store: &dyn ObjectStore,
    path: &Path,
) -> std::result::Result<Bytes, object_store::Error> {
    store.get(path).await?.bytes().await
}

/// The latest `v<N>.metadata.json` (the hint, then any newer version a writer created
/// without updating it), or None for a location holding no table.
pub async fn load(store: &dyn ObjectStore, location: &Url) -> Result<Option<Current>> {
    let loc = location.as_str();
    let dir = metadata_dir(location)?;
    let hint = match get(store, &dir.clone().join("version-hint.text")).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().parse::<u64>().ok(),
        Err(object_store::Error::NotFound { .. }) => None,
        Err(e) => return Err(err(loc, "reading version-hint.text", e)),
    };
    let mut version = match hint {
        Some(v) => v,
        None => {
            // No hint: the highest vN.metadata.json listed.
            let listed: Vec<_> = match store.list(Some(&dir)).try_collect().await {
                Ok(l) => l,
                Err(object_store::Error::NotFound { .. }) => vec![],
                Err(e) => return Err(err(loc, "listing metadata/", e)),
            };
            let max = listed
                .iter()
                .filter_map(|m| m.location.filename())
                .filter_map(|f| {
                    f.strip_prefix('v')?
                        .strip_suffix(".metadata.json")?
                        .parse::<u64>()
                        .ok()
                })
                .max();
            match max {
                Some(v) => v,
                None => return Ok(None),
            }
        }
    };
    loop {
        let next = dir.clone().join(format!("v{}.metadata.json", version + 1));
        match store.head(&next).await {
            Ok(_) => version += 1,
            Err(object_store::Error::NotFound { .. }) => break,
            Err(e) => return Err(err(loc, "probing for newer metadata", e)),
        }
    }
    let path = dir.join(format!("v{version}.metadata.json"));
    let bytes = get(store, &path)
        .await
        .map_err(|e| err(loc, &format!("reading {path}"), e))?;
    let metadata: Value =
        serde_json::from_slice(&bytes).map_err(|e| err(loc, &format!("parsing {path}"), e))?;
    if metadata["format-version"].as_i64().unwrap_or(1) > 2 {
        return Err(err(
            loc,
            "unsupported table",
            format!(
                "format-version {} (Weft reads and writes versions 1 and 2)",
                metadata["format-version"]
            ),
        ));
    }
    Ok(Some(Current { version, metadata }))
}

/// A file in the table's own store: its path within the store.
fn path_of(location: &Url, file: &str) -> Result<Path> {
    let url = match Url::parse(file) {
        Ok(u) => u,
        // A path without a scheme (Java's local tables): in the table's store.
        Err(_) => {
            let mut u = location.clone();
            u.set_path(file);
            u
        }
    };
    Ok(store_path(&url)?)
}

/// The live data files of the current snapshot: (URL, record count).
pub async fn live_files(
    store: &dyn ObjectStore,
    location: &Url,
    metadata: &Value,
) -> Result<Vec<(String, i64)>> {
    let loc = location.as_str();
    let Some(snapshot) = Metadata(metadata).current_snapshot() else {
        return Ok(vec![]);
    };
    let list = snapshot["manifest-list"]
        .as_str()
        .ok_or_else(|| err(loc, "reading", "a snapshot without a manifest list"))?;
    let bytes = get(store, &path_of(location, list)?)
        .await
        .map_err(|e| err(loc, &format!("reading {list}"), e))?;
    let mut out = Vec::new();
    for m in avro::read_manifest_list(&bytes).map_err(|e| err(loc, list, e))? {
        let bytes = get(store, &path_of(location, &m.path)?)
            .await
            .map_err(|e| err(loc, &format!("reading {}", m.path), e))?;
        out.extend(avro::read_live_files(&bytes).map_err(|e| err(loc, &m.path, e))?);
    }
    Ok(out)
}

/// Whether `app_id` already committed checkpoint `checkpoint` (or a later one) into the
/// current snapshot's history.
pub fn already_committed(metadata: &Value, app_id: &str, checkpoint: i64) -> bool {
    Metadata(metadata).ancestry().iter().any(|s| {
        s["summary"][APP_ID].as_str() == Some(app_id)
            && s["summary"][CHECKPOINT_ID]
                .as_str()
                .and_then(|c| c.parse::<i64>().ok())
                .is_some_and(|c| c >= checkpoint)
    })
}

/// Partition values from a staged path `k1=v1/k2=v2/file`, in spec order.
fn partition_values(rel: &str, keys: &[String], default_name: &str) -> Vec<Option<String>> {
    let dirs: BTreeMap<&str, &str> = rel
        .split('/')
        .filter_map(|seg| seg.split_once('='))
        .collect();
    keys.iter()
        .map(|k| match dirs.get(k.as_str()) {
            Some(v) if *v != default_name => Some(crate::hive::unescape_partition_value(v)),
            _ => None,
        })
        .collect()
}

fn summary_total(prev: Option<&Value>, key: &str) -> i64 {
    prev.and_then(|s| s["summary"][key].as_str())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub async fn commit(store: &dyn ObjectStore, c: &IcebergCommit) -> Result<CommitSummary> {
    let location = Url::parse(&c.location).map_err(|e| WeftError::internal(e.to_string()))?;
    let loc = location.as_str().trim_end_matches('/');
    let current = load(store, &location).await?;
    if let Some(cur) = &current
        && already_committed(&cur.metadata, &c.app_id, c.checkpoint_id)
    {
        tracing::info!(table = %loc, app_id = %c.app_id, checkpoint = c.checkpoint_id, "already committed; nothing to do");
        abort(store, &c.files).await?;
        return Ok(CommitSummary::default());
    }
    let (version, mut meta) = match current {
        Some(cur) => (cur.version, cur.metadata),
        None => (
            0,
            metadata::new_table(loc, &c.schema, &c.spec, &c.name_mapping),
        ),
    };
    let md = Metadata(&meta);
    let schema = md
        .current_schema()
        .cloned()
        .ok_or_else(|| err(loc, "committing", "the metadata has no current schema"))?;
    let spec = md.default_spec().cloned().ok_or_else(|| {
        err(
            loc,
            "committing",
            "the metadata has no default partition spec",
        )
    })?;
    let parent = md.current_snapshot().cloned();
    let mut partition = Vec::new();
    let mut keys = Vec::new();
    for p in spec["fields"].as_array().into_iter().flatten() {
        let source = metadata::schema_fields(&schema)
            .iter()
            .find(|f| f["id"] == p["source-id"]);
        let name = source.and_then(|f| f["name"].as_str()).unwrap_or_default();
        keys.push(name.to_string());
        partition.push(PartitionField {
            name: p["name"].as_str().unwrap_or(name).to_string(),
            field_id: p["field-id"]
                .as_i64()
                .unwrap_or(metadata::FIRST_PARTITION_FIELD_ID),
            iceberg_type: source.map(|f| f["type"].clone()).unwrap_or(Value::Null),
        });
    }

    // 1. Move the staged files into data/.
    let staging = store_path(
        &Url::parse(&c.files.staging_url).map_err(|e| WeftError::internal(e.to_string()))?,
    )?;
    let table_root = store_path(&location)?;
    let mut files = Vec::new();
    for f in staged_manifests(store, &c.files)
        .await?
        .iter()
        .flat_map(|m| &m.files)
    {
        let from = f.path.split('/').fold(staging.clone(), |p, s| p.join(s));
        let to = f
            .path
            .split('/')
            .fold(table_root.clone().join("data"), |p, s| p.join(s));
        store
            .rename(&from, &to)
            .await
            .map_err(|e| err(loc, &format!("moving {from} to {to}"), e))?;
        let size = store
            .head(&to)
            .await
            .map_err(|e| err(loc, &format!("reading the size of {to}"), e))?
            .size;
        files.push(DataFile {
            path: format!("{loc}/data/{}", f.path),
            record_count: f.rows as i64,
            file_size: size as i64,
            partition: partition_values(&f.path, &keys, &c.default_partition_name),
        });
    }

    if files.is_empty() && !c.overwrite {
        // Nothing to append (an epoch that read nothing): no empty snapshot.
        abort(store, &c.files).await?;
        return Ok(CommitSummary::default());
    }

    // 2. Manifest and manifest list.
    let snapshot_id = (rand::random::<u64>() >> 1) as i64;
    let sequence = meta["last-sequence-number"].as_i64().unwrap_or(0) + 1;
    let dir = metadata_dir(&location)?;
    let commit_uuid = uuid::Uuid::new_v4();
    let mut manifests = Vec::new();
    if !files.is_empty() {
        let bytes = avro::write_manifest(&files, &partition, snapshot_id, &schema, &spec)
            .map_err(|e| err(loc, "writing the manifest", e))?;
        let name = format!("{commit_uuid}-m0.avro");
        let len = bytes.len() as i64;
        store
            .put(&dir.clone().join(name.as_str()), PutPayload::from(bytes))
            .await
            .map_err(|e| err(loc, "writing the manifest", e))?;
        manifests.push(ManifestFile {
            path: format!("{loc}/metadata/{name}"),
            length: len,
            spec_id: spec["spec-id"].as_i64().unwrap_or(0) as i32,
            content: 0,
            sequence_number: sequence,
            min_sequence_number: sequence,
            added_snapshot_id: snapshot_id,
            added_files: files.len() as i32,
            existing_files: 0,
            deleted_files: 0,
            added_rows: files.iter().map(|f| f.record_count).sum(),
            existing_rows: 0,
            deleted_rows: 0,
            partitions: None,
            key_metadata: None,
        });
    }
    if !c.overwrite
        && let Some(p) = &parent
    {
        let list = p["manifest-list"].as_str().unwrap_or_default();
        let bytes = get(store, &path_of(&location, list)?)
            .await
            .map_err(|e| err(loc, &format!("reading {list}"), e))?;
        manifests.extend(avro::read_manifest_list(&bytes).map_err(|e| err(loc, list, e))?);
    }
    let parent_id = parent.as_ref().and_then(|p| p["snapshot-id"].as_i64());
    let list = avro::write_manifest_list(&manifests, snapshot_id, parent_id, sequence)
        .map_err(|e| err(loc, "writing the manifest list", e))?;
    let list_name = format!("snap-{snapshot_id}-1-{commit_uuid}.avro");
    store
        .put(
            &dir.clone().join(list_name.as_str()),
            PutPayload::from(list),
        )
        .await
        .map_err(|e| err(loc, "writing the manifest list", e))?;

    // 3. The snapshot and the new metadata version.
    let added_rows: i64 = files.iter().map(|f| f.record_count).sum();
    let added_size: i64 = files.iter().map(|f| f.file_size).sum();
    let prev = if c.overwrite { None } else { parent.as_ref() };
    let mut summary = json!({
        "operation": if c.overwrite { "overwrite" } else { "append" },
        "added-data-files": files.len().to_string(),
        "added-records": added_rows.to_string(),
        "added-files-size": added_size.to_string(),
        "total-data-files": (summary_total(prev, "total-data-files") + files.len() as i64).to_string(),
        "total-records": (summary_total(prev, "total-records") + added_rows).to_string(),
        "total-files-size": (summary_total(prev, "total-files-size") + added_size).to_string(),
        "total-delete-files": "0",
        "total-position-deletes": "0",
        "total-equality-deletes": "0",
        APP_ID: c.app_id,
        CHECKPOINT_ID: c.checkpoint_id.to_string(),
        "weft.job-id": c.job_id,
    });
    if c.overwrite
        && let Some(p) = &parent
    {
        summary["deleted-data-files"] =
            json!(summary_total(Some(p), "total-data-files").to_string());
        summary["deleted-records"] = json!(summary_total(Some(p), "total-records").to_string());
    }
    let now = metadata::now_ms();
    let mut snapshot = json!({
        "snapshot-id": snapshot_id,
        "sequence-number": sequence,
        "timestamp-ms": now,
        "manifest-list": format!("{loc}/metadata/{list_name}"),
        "summary": summary,
        "schema-id": schema["schema-id"],
    });
    if let Some(p) = parent_id {
        snapshot["parent-snapshot-id"] = json!(p);
    }
    push(&mut meta, "snapshots", snapshot);
    push(
        &mut meta,
        "snapshot-log",
        json!({"snapshot-id": snapshot_id, "timestamp-ms": now}),
    );
    if version > 0 {
        let updated = meta["last-updated-ms"].clone();
        push(
            &mut meta,
            "metadata-log",
            json!({"metadata-file": format!("{loc}/metadata/v{version}.metadata.json"), "timestamp-ms": updated}),
        );
    }
    meta["last-sequence-number"] = json!(sequence);
    meta["last-updated-ms"] = json!(now);
    meta["current-snapshot-id"] = json!(snapshot_id);
    meta["refs"]["main"] = json!({"snapshot-id": snapshot_id, "type": "branch"});

    let next = version + 1;
    let body = serde_json::to_vec_pretty(&meta).map_err(|e| WeftError::internal(e.to_string()))?;
    let opts = PutOptions {
        mode: PutMode::Create,
        ..Default::default()
    };
    match store
        .put_opts(
            &dir.clone().join(format!("v{next}.metadata.json")),
            PutPayload::from(body),
            opts,
        )
        .await
    {
        Ok(_) => {}
        Err(object_store::Error::AlreadyExists { .. }) => {
            return Err(err(
                loc,
                "committing",
                format!(
                    "another writer committed version {next} first; nothing of this job was committed, run it again"
                ),
            ));
        }
        Err(e) => return Err(err(loc, &format!("writing v{next}.metadata.json"), e)),
    }
    // The hint only speeds up readers (they probe for newer versions): best effort.
    if let Err(e) = store
        .put(
            &dir.clone().join("version-hint.text"),
            PutPayload::from(next.to_string()),
        )
        .await
    {
        tracing::warn!(table = %loc, "updating version-hint.text failed: {e}");
    }
    // Hadoop's local file system checks a `.crc` it wrote beside the hint: a stale one
    // would make Java readers fail on the new hint.
    let _ = store.delete(&dir.join(".version-hint.text.crc")).await;
    abort(store, &c.files).await?;
    Ok(CommitSummary {
        files: files.len() as u64,
        partitions: 0,
    })
}

fn push(meta: &mut Value, key: &str, v: Value) {
    match meta[key].as_array_mut() {
        Some(a) => a.push(v),
        None => meta[key] = json!([v]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_from_paths() {
        let keys = vec!["dt".to_string(), "h".to_string()];
        assert_eq!(
            partition_values(
                "dt=2024%2F01/h=__DEFAULT_PARTITION__/part-0.parquet",
                &keys,
                "__DEFAULT_PARTITION__"
            ),
            vec![Some("2024/01".to_string()), None]
        );
    }

    #[test]
    fn replayed_checkpoints_are_recognised_in_the_history() {
        let meta = json!({
            "current-snapshot-id": 2,
            "refs": {"main": {"snapshot-id": 2, "type": "branch"}},
            "snapshots": [
                {"snapshot-id": 1, "summary": {APP_ID: "a", CHECKPOINT_ID: "5"}},
                {"snapshot-id": 2, "parent-snapshot-id": 1, "summary": {APP_ID: "b", CHECKPOINT_ID: "9"}},
                {"snapshot-id": 3, "parent-snapshot-id": 2, "summary": {APP_ID: "a", CHECKPOINT_ID: "7"}},
            ],
        });
        assert!(already_committed(&meta, "a", 5));
        assert!(already_committed(&meta, "a", 4));
        // Snapshot 3 is not in the current history (not on main).
        assert!(!already_committed(&meta, "a", 6));
        assert!(!already_committed(&meta, "c", 1));
    }
}
