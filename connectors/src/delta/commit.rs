//! Committing a job's staged Parquet files to a Delta table, once: append, overwrite or
//! MERGE by primary key, with the job's `txn` so a retried commit is a no-op. Columns the
//! job writes that the table lacks are added to its schema (nullable; a CDC pipeline's
//! lenient schema changes).

use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use deltalake::kernel::Transaction;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use deltalake::{DeltaTable, DeltaTableBuilder, DeltaTableError};
use url::Url;
use weft_core::catalog::CommitSummary;
use weft_core::error::unwrap_datafusion;
use weft_core::{Result, WeftError};

use super::DeltaCommit;
use crate::filesystem::commit::{abort, staged_files};

fn delta_err(url: &str, what: &str, e: impl std::fmt::Display) -> WeftError {
    WeftError::io(format!("Delta table {url}: {what} failed: {e}"))
}

/// The table at `url` through Weft's object store for it (loaded; an empty location is an
/// uninitialized table, `version()` = None).
pub async fn open(registry: &dyn ObjectStoreRegistry, url: &Url) -> Result<DeltaTable> {
    let store = registry.get_store(url).map_err(unwrap_datafusion)?;
    let mut table = DeltaTableBuilder::from_url(url.clone())
        .map_err(|e| delta_err(url.as_str(), "opening", e))?
        .with_storage_backend(store.clone(), url.clone())
        .build()
        .map_err(|e| delta_err(url.as_str(), "opening", e))?;
    match table.load().await {
        Ok(()) | Err(DeltaTableError::NotATable(_)) => Ok(table),
        // A location with no log yet (not even a directory): a table the job creates.
        Err(_) if !has_log(store.as_ref(), url).await? => Ok(table),
        Err(e) => Err(delta_err(url.as_str(), "reading the log", e)),
    }
}

/// Whether `<url>/_delta_log/` holds anything.
async fn has_log(store: &dyn object_store::ObjectStore, url: &Url) -> Result<bool> {
    use futures::StreamExt;
    let log = crate::object_stores::store_path(url)?.join("_delta_log");
    match store.list(Some(&log)).next().await {
        None => Ok(false),
        Some(Ok(_)) => Ok(true),
        Some(Err(object_store::Error::NotFound { .. })) => Ok(false),
        Some(Err(e)) => Err(delta_err(url.as_str(), "listing _delta_log", e)),
    }
}

pub async fn discard(registry: &dyn ObjectStoreRegistry, c: &DeltaCommit) -> Result<()> {
    let url = Url::parse(&c.files.url).map_err(|e| WeftError::internal(e.to_string()))?;
    let store = registry.get_store(&url).map_err(unwrap_datafusion)?;
    abort(store.as_ref(), &c.files).await
}

pub async fn commit(registry: &dyn ObjectStoreRegistry, c: &DeltaCommit) -> Result<CommitSummary> {
    let url = Url::parse(&c.table_url).map_err(|e| WeftError::internal(e.to_string()))?;
    let store = registry.get_store(&url).map_err(unwrap_datafusion)?;
    let table = open(registry, &url).await?;
    if table.version().is_some() {
        let done = table
            .snapshot()
            .map_err(|e| delta_err(url.as_str(), "reading the snapshot", e))?
            .transaction_version(table.log_store().as_ref(), &c.app_id)
            .await
            .map_err(|e| delta_err(url.as_str(), "reading transactions", e))?;
        if done.is_some_and(|v| v >= c.txn_version) {
            tracing::info!(table = %url, app_id = %c.app_id, "already committed; nothing to do");
            discard(registry, c).await?;
            return Ok(CommitSummary::default());
        }
    }
    let files = staged_files(store.as_ref(), &c.files).await?;
    let ctx = SessionContext::new();
    ctx.register_object_store(&url, store.clone());
    let props = CommitProperties::default()
        .with_application_transaction(Transaction::new(&c.app_id, c.txn_version));
    let n_files = files.len() as u64;
    if !files.is_empty() {
        let paths: Vec<String> = files.iter().map(Url::to_string).collect();
        let df = ctx
            .read_parquet(paths, ParquetReadOptions::default().file_extension(""))
            .await
            .map_err(unwrap_datafusion)?;
        if df
            .schema()
            .has_column_with_unqualified_name(crate::formats::ROW_KIND_COLUMN)
        {
            apply_changes(&ctx, table, df, c, props, url.as_str()).await?;
        } else if c.primary_key.is_empty() || table.version().is_none() {
            if !c.primary_key.is_empty() {
                check_unique_keys(&ctx, df.clone(), &c.primary_key, url.as_str()).await?;
            }
            let batches = df.collect().await.map_err(unwrap_datafusion)?;
            table
                .write(batches)
                .with_save_mode(if c.overwrite {
                    SaveMode::Overwrite
                } else {
                    SaveMode::Append
                })
                .with_partition_columns(c.partition_keys.clone())
                .with_schema_mode(SchemaMode::Merge)
                .with_commit_properties(props)
                .await
                .map_err(|e| delta_err(url.as_str(), "writing", e))?;
        } else {
            check_unique_keys(&ctx, df.clone(), &c.primary_key, url.as_str()).await?;
            let predicate = c
                .primary_key
                .iter()
                .map(|k| format!("target.`{k}` = source.`{k}`"))
                .collect::<Vec<_>>()
                .join(" AND ");
            let columns: Vec<String> = df
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            let set = columns.clone();
            table
                .merge(df, predicate)
                .with_source_alias("source")
                .with_target_alias("target")
                .with_merge_schema(true)
                .with_commit_properties(props)
                .when_matched_update(move |u| {
                    set.iter().fold(u, |u, col| {
                        u.update(col.as_str(), format!("source.`{col}`"))
                    })
                })
                .map_err(|e| delta_err(url.as_str(), "merging", e))?
                .when_not_matched_insert(move |i| {
                    columns
                        .iter()
                        .fold(i, |i, col| i.set(col.as_str(), format!("source.`{col}`")))
                })
                .map_err(|e| delta_err(url.as_str(), "merging", e))?
                .await
                .map_err(|e| delta_err(url.as_str(), "merging", e))?;
        }
    }
    discard(registry, c).await?;
    Ok(CommitSummary {
        files: n_files,
        partitions: 0,
    })
}

/// A changelog: per key, its latest change (highest `_weft_seq`) — an insert or update
/// after-image is upserted, a delete (or a lone update before-image) removes the key.
async fn apply_changes(
    ctx: &SessionContext,
    table: DeltaTable,
    df: datafusion::prelude::DataFrame,
    c: &DeltaCommit,
    props: CommitProperties,
    url: &str,
) -> Result<()> {
    use crate::formats::{ROW_KIND_COLUMN as KIND, SEQ_COLUMN as SEQ};
    let columns: Vec<String> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n != KIND && n != SEQ)
        .collect();
    ctx.register_table("weft_changes", df.into_view())
        .map_err(unwrap_datafusion)?;
    let quoted = |cols: &[String]| {
        cols.iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let latest = ctx
        .sql(&format!(
            "SELECT {cols}, \"{KIND}\" FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY \"{SEQ}\" DESC) AS weft_rn FROM weft_changes) WHERE weft_rn = 1",
            cols = quoted(&columns),
            keys = quoted(&c.primary_key)
        ))
        .await
        .map_err(unwrap_datafusion)?;
    let _ = ctx.deregister_table("weft_changes");
    if table.version().is_none() {
        let rows = latest
            .filter(datafusion::prelude::col(KIND).in_list(
                vec![datafusion::prelude::lit(0i8), datafusion::prelude::lit(2i8)],
                false,
            ))
            .and_then(|d| d.select_columns(&columns.iter().map(String::as_str).collect::<Vec<_>>()))
            .map_err(unwrap_datafusion)?
            .collect()
            .await
            .map_err(unwrap_datafusion)?;
        table
            .write(rows)
            .with_save_mode(SaveMode::Append)
            .with_partition_columns(c.partition_keys.clone())
            .with_schema_mode(SchemaMode::Merge)
            .with_commit_properties(props)
            .await
            .map_err(|e| delta_err(url, "writing", e))?;
        return Ok(());
    }
    let predicate = c
        .primary_key
        .iter()
        .map(|k| format!("target.`{k}` = source.`{k}`"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let set = columns.clone();
    table
        .merge(latest, predicate)
        .with_source_alias("source")
        .with_target_alias("target")
        .with_merge_schema(true)
        .with_commit_properties(props)
        .when_matched_delete(|d| d.predicate(format!("source.`{KIND}` IN (1, 3)")))
        .map_err(|e| delta_err(url, "merging", e))?
        .when_matched_update(move |u| {
            set.iter().fold(u, |u, col| {
                u.update(col.as_str(), format!("source.`{col}`"))
            })
        })
        .map_err(|e| delta_err(url, "merging", e))?
        .when_not_matched_insert(move |i| {
            columns.iter().fold(
                i.predicate(format!("source.`{KIND}` IN (0, 2)")),
                |i, col| i.set(col.as_str(), format!("source.`{col}`")),
            )
        })
        .map_err(|e| delta_err(url, "merging", e))?
        .await
        .map_err(|e| delta_err(url, "merging", e))?;
    Ok(())
}

/// A batch upsert takes one row per key: name a duplicated key instead of guessing.
async fn check_unique_keys(
    ctx: &SessionContext,
    df: datafusion::prelude::DataFrame,
    keys: &[String],
    url: &str,
) -> Result<()> {
    ctx.register_table("weft_staged", df.into_view())
        .map_err(unwrap_datafusion)?;
    let cols = keys
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let dup = ctx
        .sql(&format!(
            "SELECT {cols}, COUNT(*) AS n FROM weft_staged GROUP BY {cols} HAVING COUNT(*) > 1 LIMIT 1"
        ))
        .await
        .map_err(unwrap_datafusion)?
        .collect()
        .await
        .map_err(unwrap_datafusion)?;
    let _ = ctx.deregister_table("weft_staged");
    if let Some(b) = dup.iter().find(|b| b.num_rows() > 0) {
        let shown = arrow::util::pretty::pretty_format_batches(std::slice::from_ref(b))
            .map(|t| t.to_string())
            .unwrap_or_default();
        return Err(WeftError::io(format!(
            "Delta table {url}: the job wrote several rows with the same PRIMARY KEY, and an upsert takes one row per key:\n{shown}"
        )));
    }
    Ok(())
}
