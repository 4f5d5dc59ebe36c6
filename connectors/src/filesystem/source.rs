//! The scan side of a `filesystem` table: DataFusion's `ListingTable` over the table's
//! directory, with Hive-style `k=v/` partition columns from `PARTITIONED BY`, no extension
//! filter (Flink writes files without a fixed one), and hidden entries (`.x`, `_x`: staging
//! directories, `_SUCCESS`, checksums) skipped the way Hadoop's input formats skip them.

use std::sync::Arc;
use std::time::Duration;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::Result as DfResult;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use object_store::ObjectStore;
use url::Url;
use weft_core::catalog::{TableDef, metadata_column_name};
use weft_core::{Result, WeftError};

use super::csv_read::{FlinkCsvFormat, FlinkScanExec, NativeFormat};
use super::csv_text::{self, Columns, CsvText};
use super::file_metadata;
use super::json_read::FlinkJsonFormat;
use super::options::{Format, FsOptions};
use crate::object_stores::{hdfs_address, store_path};
use weft_flink_sql::functions::conversion::csv_field;

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
    // Flink's 'path' names a directory or a single file.
    let single_file = check_input_exists(table, &url, store.as_ref()).await?;

    let data_types: Vec<(String, DataType)> = table
        .data_columns()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    // Flink's CSV reader when it has a reader for every data column; else Arrow's, with the
    // fields read as text and mapped (csv_text).
    let native = (options.format == Format::Csv && FlinkCsvFormat::reads(&data_types)).then(|| {
        FlinkCsvFormat {
            table: table.name.clone(),
            delimiter: options.csv.delimiter,
            quote: (!options.csv.disable_quote).then_some(options.csv.quote),
            escape: options.csv.escape,
            comments: options.csv.allow_comments,
            null_literal: options.csv.null_literal.clone(),
            lenient: options.csv.ignore_parse_errors,
            array_delimiter: options.csv.array_delimiter.clone(),
            types: data_types.clone(),
        }
    });
    // Flink's JSON reader when it has a reader for every data column; else DataFusion's
    let native_json =
        (options.format == Format::Json && FlinkJsonFormat::reads(&data_types)).then(|| {
            FlinkJsonFormat {
                table: table.name.clone(),
                lenient: options.json_ignore_parse_errors,
                iso8601: options.json.iso8601,
                fail_on_missing: options.json.fail_on_missing_field,
                types: data_types.clone(),
            }
        });
    if options.format == Format::Json && native_json.is_none() {
        // Flink refuses a JSON MAP whose keys are not strings, reading or writing
        for (name, t) in &data_types {
            if super::json_write::has_non_string_map_key(t) {
                return Err(WeftError::table_option(
                    &table.name,
                    format!(
                        "column `{name}` of type {}: Flink's JSON format doesn't support non-string map keys; declare the key STRING",
                        weft_flink_sql::types::flink_name(t)
                    ),
                ));
            }
        }
        let nested = data_types
            .iter()
            .find(|(_, t)| !super::json_read::columns::supported(t))
            .map(|(n, t)| format!("`{n}` of type {}", weft_flink_sql::types::flink_name(t)))
            .unwrap_or_default();
        for (key, on) in [
            ("json.ignore-parse-errors", options.json_ignore_parse_errors),
            ("json.timestamp-format.standard", options.json.iso8601),
            (
                "json.fail-on-missing-field",
                options.json.fail_on_missing_field,
            ),
        ] {
            if on {
                return Err(WeftError::table_option(
                    &table.name,
                    format!(
                        "option '{key}' cannot be applied to column {nested} yet (Weft's JSON reader has no reader for its type); declare the column STRING and parse it in the query"
                    ),
                ));
            }
        }
    }
    if options.format == Format::Csv && native.is_none() {
        for (name, t) in &data_types {
            if csv_field::supported(t) {
                continue;
            }
            if options.csv.disable_quote {
                return Err(WeftError::table_option(
                    &table.name,
                    format!(
                        "'csv.disable-quote-character' = 'true' cannot read column `{name}` of type {} yet; declare it STRING and cast it in the query",
                        weft_flink_sql::types::flink_name(t)
                    ),
                ));
            }
            if options.csv.ignore_parse_errors {
                return Err(WeftError::table_option(
                    &table.name,
                    format!(
                        "'csv.ignore-parse-errors' = 'true' cannot read column `{name}` of type {} yet; declare it STRING and cast it in the query",
                        weft_flink_sql::types::flink_name(t)
                    ),
                ));
            }
        }
    }
    let text = match options.format {
        Format::Csv => Some(CsvText {
            null_literal: options.csv.null_literal.clone(),
        }),
        _ => None,
    };
    let format: Arc<dyn FileFormat> = match options.format {
        Format::Parquet => Arc::new(ParquetFormat::default()),
        // the files' listing and splits; the rows are read by Flink's reader when `native`
        Format::Csv => Arc::new(
            CsvFormat::default()
                .with_has_header(false)
                .with_delimiter(options.csv.delimiter)
                .with_quote(options.csv.quote)
                .with_escape(options.csv.escape)
                .with_comment(options.csv.allow_comments.then_some(b'#')),
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
    let listing_options = ListingOptions::new(format.clone())
        .with_file_extension("")
        .with_table_partition_cols(partition_cols);
    let table_url = if single_file {
        // The path names one file: list exactly it (the option was normalized to a
        // directory URL ending in '/').
        let mut file_url = url.clone();
        file_url.set_path(url.path().trim_end_matches('/'));
        ListingTableUrl::try_new(file_url, None)?
    } else {
        let glob = glob::Pattern::new(VISIBLE_GLOB).expect("valid glob");
        ListingTableUrl::try_new(url, Some(glob))?
    };
    // Parquet strings are read as views (DataFusion's own default for Parquet), and so are
    // those of Flink's CSV reader: decoding into `Utf8` copies every string, and filters,
    // joins and aggregates compare views faster. Sinks get `STRING` columns cast back
    // where they need `Utf8`.
    let as_views = options.format == Format::Parquet || native.is_some() || native_json.is_some();
    let file_fields: Vec<Field> = table
        .data_columns()
        .into_iter()
        .map(|f| match &text {
            Some(t) if native.is_some() || t.reads_as_text(f.data_type()) => {
                Field::new(f.name(), DataType::Utf8, true)
            }
            None if as_views && matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8) => {
                f.with_data_type(DataType::Utf8View)
            }
            _ => f,
        })
        .collect();
    let file_schema = Arc::new(Schema::new(file_fields));
    let config = ListingTableConfig::new(table_url)
        .with_listing_options(listing_options)
        .with_schema(file_schema);
    let inner = ListingTable::try_new(config)?;

    // ListingTable puts partition columns last; the table keeps the DDL's column order
    // (with Parquet strings as views).
    let declared = table.schema();
    let inner_schema = inner.schema();
    let to_inner = declared
        .fields()
        .iter()
        .map(|f| inner_schema.index_of(f.name()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let metadata_keys = table.metadata_keys();
    if !metadata_keys.is_empty() && native.is_none() && text.is_some() {
        return Err(WeftError::table_option(
            &table.name,
            "METADATA columns of a CSV table need every column in a type Flink's CSV reader reads (not ARRAY, MAP or ROW) yet; declare those columns STRING",
        ));
    }
    let schema = match as_views {
        false => declared,
        true => Arc::new(Schema::new_with_metadata(
            declared
                .fields()
                .iter()
                .map(|f| match f.data_type() {
                    DataType::Utf8 | DataType::LargeUtf8
                        if !table.partition_keys.contains(f.name()) =>
                    {
                        f.as_ref().clone().with_data_type(DataType::Utf8View)
                    }
                    _ => f.as_ref().clone(),
                })
                .collect::<Vec<_>>(),
            declared.metadata().clone(),
        )),
    };
    let schema = match metadata_keys.is_empty() {
        true => schema,
        false => {
            let mut fields: Vec<Field> =
                schema.fields().iter().map(|f| f.as_ref().clone()).collect();
            fields.extend(metadata_keys.iter().map(|k| file_metadata::field(k)));
            Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
        }
    };
    Ok(Arc::new(FilesystemTable {
        name: table.name.clone(),
        schema,
        format,
        parquet: options.format == Format::Parquet,
        metadata_keys,
        inner: Arc::new(inner),
        to_inner,
        partition_keys: table.partition_keys.clone(),
        text,
        native: native
            .map(NativeFormat::Csv)
            .or(native_json.map(NativeFormat::Json))
            .map(Arc::new),
    }))
}

/// A `filesystem` table: a ListingTable seen in the DDL's column order.
#[derive(Debug)]
pub struct FilesystemTable {
    name: String,
    /// The declared physical columns, then one column per metadata key read.
    schema: SchemaRef,
    format: Arc<dyn FileFormat>,
    /// Whether the files are Parquet (their column types are checked at planning).
    parquet: bool,
    /// The METADATA keys read (`file.path`, …), as the last columns of `schema`.
    metadata_keys: Vec<String>,
    inner: Arc<ListingTable>,
    /// For each column of `schema`, its index in the ListingTable's schema.
    to_inner: Vec<usize>,
    partition_keys: Vec<String>,
    /// Set for CSV: data columns read as text and mapped in `scan` (see `csv_text`).
    text: Option<CsvText>,
    /// Set for CSV tables Flink's reader reads (see `csv_read`), which then reads the rows
    /// of `inner`'s scan.
    native: Option<Arc<NativeFormat>>,
}

impl FilesystemTable {
    /// Whether the ListingTable can evaluate `filter` on its own columns (only partition
    /// columns when data columns are read as text).
    fn inner_can_use(&self, filter: &Expr) -> bool {
        self.text.is_none()
            || filter
                .column_refs()
                .iter()
                .all(|c| self.partition_keys.contains(&c.name))
    }

    fn columns(&self) -> Columns<'_> {
        Columns {
            table: &self.name,
            schema: &self.schema,
            partition_keys: &self.partition_keys,
        }
    }
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
        let reads_metadata = |f: &Expr| {
            f.column_refs().iter().any(|c| {
                self.metadata_keys
                    .iter()
                    .any(|k| metadata_column_name(k) == c.name)
            })
        };
        if filters.iter().any(|f| reads_metadata(f)) {
            // the ListingTable does not know the metadata columns: keep those filters above
            let others: Vec<&Expr> = filters
                .iter()
                .copied()
                .filter(|f| !reads_metadata(f))
                .collect();
            let mut inner = self.supports_filters_pushdown(&others)?.into_iter();
            return Ok(filters
                .iter()
                .map(|f| match reads_metadata(f) {
                    true => TableProviderFilterPushDown::Unsupported,
                    false => inner
                        .next()
                        .unwrap_or(TableProviderFilterPushDown::Unsupported),
                })
                .collect());
        }
        let mut result = self.inner.supports_filters_pushdown(filters)?;
        for (r, f) in result.iter_mut().zip(filters) {
            if !self.inner_can_use(f) {
                *r = TableProviderFilterPushDown::Unsupported;
            }
        }
        Ok(result)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let all: Vec<usize> = (0..self.schema.fields().len()).collect();
        let wanted = projection.unwrap_or(&all);
        let physical = self.to_inner.len();
        let (data, meta): (Vec<usize>, Vec<usize>) =
            wanted.iter().copied().partition(|&i| i < physical);
        if meta.is_empty() {
            return self.scan_physical(state, &data, filters, limit, &[]).await;
        }
        // the metadata columns come after the physical ones: put them back where the
        // projection asks for them
        let keys: Vec<String> = meta
            .iter()
            .map(|&i| self.metadata_keys[i - physical].clone())
            .collect();
        let plan = self
            .scan_physical(state, &data, filters, limit, &keys)
            .await?;
        let schema = plan.schema();
        let exprs = wanted
            .iter()
            .map(|&i| {
                let at = match i < physical {
                    true => data.iter().position(|&d| d == i).unwrap(),
                    false => data.len() + meta.iter().position(|&m| m == i).unwrap(),
                };
                let name = schema.field(at).name().clone();
                (
                    Arc::new(datafusion::physical_expr::expressions::Column::new(
                        &name, at,
                    )) as Arc<dyn datafusion::physical_expr::PhysicalExpr>,
                    self.schema.field(i).name().clone(),
                )
            })
            .collect::<Vec<_>>();
        Ok(Arc::new(
            datafusion::physical_plan::projection::ProjectionExec::try_new(exprs, plan)?,
        ))
    }
}

impl FilesystemTable {
    /// The scan of the physical `columns` (indices into `schema`), then the metadata
    /// columns of `keys`.
    async fn scan_physical(
        &self,
        state: &dyn Session,
        columns: &[usize],
        filters: &[Expr],
        limit: Option<usize>,
        keys: &[String],
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let mapped: Vec<usize> = columns.iter().map(|&i| self.to_inner[i]).collect();
        let with_metadata = |plan: Arc<dyn ExecutionPlan>| -> DfResult<Arc<dyn ExecutionPlan>> {
            if keys.is_empty() || plan.downcast_ref::<DataSourceExec>().is_none() {
                return Ok(plan);
            }
            file_metadata::append(plan, self.format.as_ref(), keys)
        };
        let empty = |plan: &Arc<dyn ExecutionPlan>| plan.downcast_ref::<DataSourceExec>().is_none();
        let Some(text) = &self.text else {
            let plan = self
                .inner
                .scan(state, Some(&mapped), filters, limit)
                .await?;
            if (!keys.is_empty() || self.native.is_some()) && empty(&plan) {
                return Ok(Arc::new(EmptyExec::new(self.output_schema(columns, keys)?)));
            }
            if self.parquet {
                let physical = self.to_inner.len();
                let declared = Schema::new(self.schema.fields()[..physical].to_vec());
                super::parquet_types::check(&self.name, plan.as_ref(), state, &declared).await?;
            }
            let plan = with_metadata(plan)?;
            if let Some(native) = &self.native {
                // Flink's JSON reader; every slot reads a share of the lines
                let plan = match plan
                    .repartitioned(state.config().target_partitions(), state.config_options())?
                {
                    Some(split) => split,
                    None => plan,
                };
                return Ok(Arc::new(FlinkScanExec::try_new(
                    plan,
                    native.as_ref().clone(),
                )?));
            }
            let partitions = state.config().target_partitions();
            return super::row_split::split_small_scan(plan, state, partitions).await;
        };
        let usable: Vec<Expr> = filters
            .iter()
            .filter(|f| self.inner_can_use(f))
            .cloned()
            .collect();
        let plan = self
            .inner
            .scan(state, Some(&mapped), &usable, limit)
            .await?;
        let Some(native) = &self.native else {
            return csv_text::map_fields(text, &self.columns(), columns, plan);
        };
        if empty(&plan) {
            // no files: nothing to read, in the declared types
            return Ok(Arc::new(EmptyExec::new(self.output_schema(columns, keys)?)));
        }
        let plan = with_metadata(plan)?;
        // every slot reads a share of the bytes
        let plan =
            match plan.repartitioned(state.config().target_partitions(), state.config_options())? {
                Some(split) => split,
                None => plan,
            };
        Ok(Arc::new(FlinkScanExec::try_new(
            plan,
            native.as_ref().clone(),
        )?))
    }

    /// The schema of `columns` (indices into `schema`) then the metadata columns of `keys`.
    fn output_schema(&self, columns: &[usize], keys: &[String]) -> DfResult<SchemaRef> {
        let mut fields: Vec<Field> = columns
            .iter()
            .map(|&i| self.schema.field(i).clone())
            .collect();
        fields.extend(keys.iter().map(|k| file_metadata::field(k)));
        Ok(Arc::new(Schema::new(fields)))
    }
}

/// Fail with "input path … does not exist" (or the store being unreachable) before planning.
/// `true` when the path is a single file, `false` for a directory.
async fn check_input_exists(table: &TableDef, url: &Url, store: &dyn ObjectStore) -> Result<bool> {
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
        // A directory URL ends in '/'; the path may name a file instead.
        let p = std::path::PathBuf::from(p.to_string_lossy().trim_end_matches('/'));
        return if p.exists() {
            Ok(p.is_file())
        } else {
            Err(missing())
        };
    }
    let path = store_path(url)?;
    let probe = async {
        let listing = store.list_with_delimiter(Some(&path)).await?;
        if !listing.objects.is_empty() || !listing.common_prefixes.is_empty() {
            return Ok::<Option<bool>, object_store::Error>(Some(false));
        }
        // An empty directory, or a file, lists as nothing: look for it in its parent.
        let mut parts: Vec<_> = path.parts().collect();
        parts.pop();
        let parent = object_store::path::Path::from_iter(parts);
        let up = store.list_with_delimiter(Some(&parent)).await?;
        if up.objects.iter().any(|o| o.location == path) {
            return Ok(Some(true));
        }
        Ok(up.common_prefixes.contains(&path).then_some(false))
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
        Ok(Ok(Some(is_file))) => Ok(is_file),
        Ok(Ok(None)) | Ok(Err(object_store::Error::NotFound { .. })) => Err(missing()),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
    }
}
