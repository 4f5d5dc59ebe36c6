//! The scan side of a `filesystem` table: DataFusion's `ListingTable` over the table's
//! directory, with Hive-style `k=v/` partition columns from `PARTITIONED BY`, no extension
//! filter (Flink writes files without a fixed one), and hidden entries (`.x`, `_x`: staging
//! directories, `_SUCCESS`, checksums) skipped the way Hadoop's input formats skip them.

use std::sync::Arc;
use std::time::Duration;

use arrow::datatypes::{Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::Result as DfResult;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use object_store::ObjectStore;
use url::Url;
use weft_core::catalog::TableDef;
use weft_core::{Result, WeftError};

use super::options::{Format, FsOptions};
use crate::object_stores::{hdfs_address, store_path};

/// Glob every listed entry must match: names starting with `.` or `_` are hidden.
const VISIBLE_GLOB: &str = "[!._]*";

/// How long checking that an input path exists may take before the store is called
/// unreachable (hdfs-native retries connections for much longer).
pub const REACHABILITY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn create_source(
    table: &TableDef,
    options: &FsOptions,
    registry: &dyn ObjectStoreRegistry,
) -> Result<Arc<dyn TableProvider>> {
    let url = options.url();
    let store = registry
        .get_store(&url)
        .map_err(weft_core::error::unwrap_datafusion)?;
    check_input_exists(table, &url, store.as_ref()).await?;

    let format: Arc<dyn FileFormat> = match options.format {
        Format::Parquet => Arc::new(ParquetFormat::default()),
        Format::Csv => Arc::new(
            CsvFormat::default()
                .with_has_header(false)
                .with_delimiter(options.csv.delimiter)
                .with_quote(options.csv.quote)
                .with_null_regex(
                    options
                        .csv
                        .null_literal
                        .as_deref()
                        .map(|l| format!("^{}$", regex_escape(l))),
                ),
        ),
        Format::Json => Arc::new(JsonFormat::default()),
    };
    let mut partition_cols = Vec::with_capacity(table.partition_keys.len());
    for k in &table.partition_keys {
        let dt = table.column_type(k).ok_or_else(|| {
            WeftError::table_option(
                &table.name,
                format!("PARTITIONED BY column '{k}' is not a declared column"),
            )
        })?;
        partition_cols.push((k.clone(), dt.clone()));
    }
    let listing_options = ListingOptions::new(format)
        .with_file_extension("")
        .with_table_partition_cols(partition_cols);
    let glob = glob::Pattern::new(VISIBLE_GLOB).expect("valid glob");
    let table_url = ListingTableUrl::try_new(url, Some(glob))?;
    let file_schema = Arc::new(Schema::new(table.data_columns()));
    let config = ListingTableConfig::new(table_url)
        .with_listing_options(listing_options)
        .with_schema(file_schema);
    let inner = ListingTable::try_new(config)?;

    // ListingTable puts partition columns last; the table keeps the DDL's column order.
    let schema = table.schema();
    let inner_schema = inner.schema();
    let to_inner = schema
        .fields()
        .iter()
        .map(|f| inner_schema.index_of(f.name()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Arc::new(FilesystemTable {
        schema,
        inner: Arc::new(inner),
        to_inner,
    }))
}

/// A `filesystem` table: a ListingTable seen in the DDL's column order.
#[derive(Debug)]
pub struct FilesystemTable {
    schema: SchemaRef,
    inner: Arc<ListingTable>,
    /// For each column of `schema`, its index in the ListingTable's schema.
    to_inner: Vec<usize>,
}

#[async_trait]
impl TableProvider for FilesystemTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let mapped: Vec<usize> = match projection {
            Some(p) => p.iter().map(|&i| self.to_inner[i]).collect(),
            None => self.to_inner.clone(),
        };
        self.inner.scan(state, Some(&mapped), filters, limit).await
    }
}

/// Fail with "input path … does not exist" (or the store being unreachable) before planning.
async fn check_input_exists(table: &TableDef, url: &Url, store: &dyn ObjectStore) -> Result<()> {
    let missing = || {
        WeftError::io(format!(
            "input path {url} of table `{}` does not exist (declared at line {})",
            table.name, table.line
        ))
    };
    if url.scheme() == "file" {
        let p = url
            .to_file_path()
            .map_err(|_| WeftError::io(format!("invalid local path {url}")))?;
        return if p.exists() { Ok(()) } else { Err(missing()) };
    }
    let path = store_path(url)?;
    let probe = async {
        let listing = store.list_with_delimiter(Some(&path)).await?;
        if !listing.objects.is_empty() || !listing.common_prefixes.is_empty() {
            return Ok::<bool, object_store::Error>(true);
        }
        // An empty directory lists as nothing: look for it in its parent.
        let mut parts: Vec<_> = path.parts().collect();
        parts.pop();
        let parent = object_store::path::Path::from_iter(parts);
        let up = store.list_with_delimiter(Some(&parent)).await?;
        Ok(up.common_prefixes.contains(&path) || up.objects.iter().any(|o| o.location == path))
    };
    let unreachable = |message: String| -> WeftError {
        match url.scheme() {
            "hdfs" | "viewfs" => WeftError::Unreachable {
                what: format!("the HDFS NameNode for table `{}`", table.name),
                address: hdfs_address(url),
                message,
            },
            _ => WeftError::Unreachable {
                what: format!("the object store for table `{}`", table.name),
                address: crate::object_stores::store_key(url),
                message,
            },
        }
    };
    match tokio::time::timeout(REACHABILITY_TIMEOUT, probe).await {
        Err(_) => Err(unreachable(format!(
            "no answer within {} s (check the address and that the NameNode is up)",
            REACHABILITY_TIMEOUT.as_secs()
        ))),
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) | Ok(Err(object_store::Error::NotFound { .. })) => Err(missing()),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
