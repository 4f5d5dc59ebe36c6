//! The `filesystem` table's options (Flink's names), checked and normalized.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use url::Url;
use weft_core::catalog::TableDef;
use weft_core::config::parse_memory_size;
use weft_core::{Result, WeftError};

use super::json_write::{JsonWriteOptions, MapNullKey};
use crate::object_stores::SUPPORTED_SCHEMES;

/// Options the `filesystem` connector accepts.
pub const FILESYSTEM_OPTIONS: &[&str] = &[
    "path",
    "format",
    "csv.field-delimiter",
    "csv.quote-character",
    "csv.null-literal",
    "csv.allow-comments",
    "csv.ignore-parse-errors",
    "csv.escape-character",
    "csv.disable-quote-character",
    "csv.array-element-delimiter",
    "json.ignore-parse-errors",
    "json.fail-on-missing-field",
    "json.timestamp-format.standard",
    "json.map-null-key.mode",
    "json.map-null-key.literal",
    "json.encode.decimal-as-plain-number",
    "json.encode.ignore-null-fields",
    "json.decode.json-parser.enabled",
    "parquet.compression",
    "sink.rolling-policy.file-size",
    "sink.rolling-policy.rollover-interval",
    "sink.rolling-policy.check-interval",
    "partition.default-name",
    // Partition commit (partition_commit.rs).
    "sink.partition-commit.trigger",
    "sink.partition-commit.delay",
    "sink.partition-commit.watermark-time-zone",
    "sink.partition-commit.policy.kind",
    "sink.partition-commit.success-file.name",
    "partition.time-extractor.kind",
    "partition.time-extractor.timestamp-pattern",
    "partition.time-extractor.timestamp-formatter",
];

/// Formats by their Flink names.
pub const FORMATS: &[&str] = &["parquet", "csv", "json"];

/// Flink's name for the directory of rows whose partition value is NULL.
pub const DEFAULT_PARTITION_NAME: &str = "__DEFAULT_PARTITION__";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
    Json,
}

impl Format {
    /// Extension of the files the sink writes.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvOptions {
    pub delimiter: u8,
    pub quote: u8,
    pub null_literal: Option<String>,
    /// `csv.allow-comments`: lines starting with `#` are skipped.
    #[serde(default)]
    pub allow_comments: bool,
    /// `csv.ignore-parse-errors`: a field Flink's reader cannot read is NULL, a row with more
    /// fields than the table is skipped.
    #[serde(default)]
    pub ignore_parse_errors: bool,
    /// `csv.escape-character` (none by default): the next character is text.
    #[serde(default)]
    pub escape: Option<u8>,
    /// `csv.disable-quote-character`: fields are never quoted, read or written.
    #[serde(default)]
    pub disable_quote: bool,
    /// `csv.array-element-delimiter` (`;`): between the elements of an ARRAY field.
    #[serde(default = "default_array_delimiter")]
    pub array_delimiter: String,
}

fn default_array_delimiter() -> String {
    ";".into()
}

impl Default for CsvOptions {
    /// Flink's defaults: `,` between fields, `"` quotes, NULL as nothing.
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            quote: b'"',
            null_literal: None,
            allow_comments: false,
            ignore_parse_errors: false,
            escape: None,
            disable_quote: false,
            array_delimiter: default_array_delimiter(),
        }
    }
}

/// A `filesystem` table's options, normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FsOptions {
    /// The table's directory as a URL ending in `/` (`file:///…`, `hdfs://…`, `s3://…`).
    pub url: String,
    pub format: Format,
    pub csv: CsvOptions,
    /// How the json format writes rows (`json.*`).
    #[serde(default)]
    pub json: JsonWriteOptions,
    /// `json.ignore-parse-errors`.
    #[serde(default)]
    pub json_ignore_parse_errors: bool,
    /// `parquet.compression`: zstd (default), snappy, gzip, lz4, uncompressed.
    pub parquet_compression: String,
    /// Roll to a new file once the current one reaches this many bytes.
    pub rolling_file_size: Option<u64>,
    pub default_partition_name: String,
}

impl FsOptions {
    pub fn from_table(t: &TableDef) -> Result<Self> {
        t.check_options(FILESYSTEM_OPTIONS)?;
        let err = |m: String| WeftError::table_option(&t.name, m);
        let url = normalize_path(t.required("path")?).map_err(err)?;
        let format = match t.required("format")?.trim().to_ascii_lowercase().as_str() {
            "parquet" => Format::Parquet,
            "csv" => Format::Csv,
            "json" => Format::Json,
            other => {
                return Err(err(format!(
                    "unsupported format '{other}'; supported formats: {}",
                    FORMATS.join(", ")
                )));
            }
        };
        let single_byte = |key: &str, default: u8| -> Result<u8> {
            match t.option(key) {
                None => Ok(default),
                Some(v) => {
                    let v = unescape(v);
                    match v.as_bytes() {
                        [b] => Ok(*b),
                        _ => Err(err(format!(
                            "option '{key}' must be a single character, got '{v}'"
                        ))),
                    }
                }
            }
        };
        let mut csv = CsvOptions {
            delimiter: single_byte("csv.field-delimiter", b',')?,
            quote: single_byte("csv.quote-character", b'"')?,
            null_literal: t.option("csv.null-literal").map(str::to_string),
            allow_comments: match t
                .option("csv.allow-comments")
                .map(|v| v.trim().to_ascii_lowercase())
            {
                None => false,
                Some(v) if v == "true" => true,
                Some(v) if v == "false" => false,
                Some(v) => {
                    return Err(err(format!(
                        "option 'csv.allow-comments' must be true or false, got '{v}'"
                    )));
                }
            },
            ignore_parse_errors: false,
            escape: match t.option("csv.escape-character") {
                None => None,
                Some(_) => Some(single_byte("csv.escape-character", b'\\')?),
            },
            disable_quote: match t
                .option("csv.disable-quote-character")
                .map(|v| v.trim().to_ascii_lowercase())
            {
                None => false,
                Some(v) if v == "true" => true,
                Some(v) if v == "false" => false,
                Some(v) => {
                    return Err(err(format!(
                        "option 'csv.disable-quote-character' must be true or false, got '{v}'"
                    )));
                }
            },
            array_delimiter: match t.option("csv.array-element-delimiter") {
                None => default_array_delimiter(),
                Some("") => {
                    return Err(err(
                        "option 'csv.array-element-delimiter' must not be empty".into(),
                    ));
                }
                Some(v) => unescape(v),
            },
        };
        if csv.disable_quote && t.option("csv.quote-character").is_some() {
            return Err(err(
                "options 'csv.disable-quote-character' = 'true' and 'csv.quote-character' cannot both be set (Flink refuses them together too)".into(),
            ));
        }
        let mut ignore_parse_errors = false;
        let mut json_ignore_parse_errors = false;
        for key in ["csv.ignore-parse-errors", "json.ignore-parse-errors"] {
            match t.option(key).map(|v| v.trim().to_ascii_lowercase()) {
                None => {}
                Some(v) if v == "false" => {}
                Some(v) if v == "true" && key.starts_with("csv.") => ignore_parse_errors = true,
                Some(v) if v == "true" => json_ignore_parse_errors = true,
                Some(v) => {
                    return Err(err(format!(
                        "option '{key}' must be true or false, got '{v}'"
                    )));
                }
            }
        }
        csv.ignore_parse_errors = ignore_parse_errors;
        let parquet_compression = t
            .option("parquet.compression")
            .unwrap_or("zstd")
            .trim()
            .to_ascii_lowercase();
        const CODECS: &[&str] = &["zstd", "snappy", "gzip", "lz4", "uncompressed"];
        if !CODECS.contains(&parquet_compression.as_str()) {
            return Err(err(format!(
                "unsupported parquet.compression '{parquet_compression}'; supported: {}",
                CODECS.join(", ")
            )));
        }
        let rolling_file_size = match t.option("sink.rolling-policy.file-size") {
            None => None,
            Some(v) => Some(
                parse_memory_size(v)
                    .map_err(|e| err(format!("option 'sink.rolling-policy.file-size': {e}")))?,
            ),
        };
        let json = json_options(t)?;
        Ok(Self {
            url,
            format,
            csv,
            json,
            json_ignore_parse_errors,
            parquet_compression,
            rolling_file_size,
            default_partition_name: t
                .option("partition.default-name")
                .unwrap_or(DEFAULT_PARTITION_NAME)
                .to_string(),
        })
    }

    pub fn url(&self) -> Url {
        Url::parse(&self.url).expect("normalized in from_table")
    }
}

/// Flink's `json.*` options, validated as Flink validates them.
fn json_options(t: &TableDef) -> Result<JsonWriteOptions> {
    let err = |m: String| WeftError::table_option(&t.name, m);
    let flag = |key: &str| -> Result<bool> {
        match t.option(key).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(v) if v == "true" => Ok(true),
            Some(v) if v == "false" => Ok(false),
            Some(v) => Err(err(format!(
                "option '{key}' must be true or false, got '{v}'"
            ))),
        }
    };
    if let Some(v) = t.option("json.decode.json-parser.enabled") {
        if !matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "false") {
            return Err(err(format!(
                "option 'json.decode.json-parser.enabled' must be true or false, got '{v}'"
            )));
        }
    }
    let fail_on_missing = flag("json.fail-on-missing-field")?;
    if fail_on_missing
        && t.option("json.ignore-parse-errors")
            .map(|v| v.trim().eq_ignore_ascii_case("true"))
            == Some(true)
    {
        return Err(err(
            "'json.fail-on-missing-field' and 'json.ignore-parse-errors' cannot both be true (Flink refuses them together)".into(),
        ));
    }
    let iso8601 = match t.option("json.timestamp-format.standard") {
        None | Some("SQL") => false,
        Some("ISO-8601") => true,
        Some(v) => {
            return Err(err(format!(
                "unsupported value '{v}' for option 'json.timestamp-format.standard'; supported values are SQL and ISO-8601"
            )));
        }
    };
    let literal = t
        .option("json.map-null-key.literal")
        .unwrap_or("null")
        .to_string();
    let map_null_key = match t
        .option("json.map-null-key.mode")
        .map(|v| v.trim().to_ascii_uppercase())
        .as_deref()
    {
        None | Some("FAIL") => MapNullKey::Fail,
        Some("DROP") => MapNullKey::Drop,
        Some("LITERAL") => MapNullKey::Literal(literal),
        Some(v) => {
            return Err(err(format!(
                "unsupported value '{v}' for option 'json.map-null-key.mode'; supported values are FAIL, DROP and LITERAL"
            )));
        }
    };
    Ok(JsonWriteOptions {
        fail_on_missing_field: fail_on_missing,
        iso8601,
        map_null_key,
        decimal_plain: flag("json.encode.decimal-as-plain-number")?,
        ignore_null_fields: flag("json.encode.ignore-null-fields")?,
    })
}

/// `\t` and friends as Flink accepts them in `csv.field-delimiter`.
fn unescape(v: &str) -> String {
    match v {
        "\\t" => "\t".into(),
        "\\n" => "\n".into(),
        "\\|" => "|".into(),
        other => other.into(),
    }
}

/// A table path as a directory URL ending in `/`: URLs with a known scheme as given, plain
/// paths (absolute or relative to the working directory) as `file://` URLs.
pub fn normalize_path(path: &str) -> std::result::Result<String, String> {
    let path = path.trim();
    if path.is_empty() {
        return Err("option 'path' is empty".into());
    }
    let mut url = match Url::parse(path) {
        Ok(u) if u.scheme().len() > 1 => {
            if !SUPPORTED_SCHEMES.contains(&u.scheme()) {
                return Err(format!(
                    "unsupported scheme '{}' in path '{path}'; supported: {}",
                    u.scheme(),
                    SUPPORTED_SCHEMES.join(", ")
                ));
            }
            u
        }
        // No scheme (or a Windows drive letter): a local path.
        _ => {
            let p = PathBuf::from(path);
            let abs = if p.is_absolute() {
                p
            } else {
                std::env::current_dir()
                    .map_err(|e| format!("cannot resolve relative path '{path}': {e}"))?
                    .join(p)
            };
            Url::from_file_path(&abs).map_err(|_| format!("invalid local path '{path}'"))?
        }
    };
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalize_path("/tmp/a").unwrap(), "file:///tmp/a/");
        assert_eq!(normalize_path("file:///tmp/a/").unwrap(), "file:///tmp/a/");
        assert_eq!(
            normalize_path("hdfs://nn:8020/x").unwrap(),
            "hdfs://nn:8020/x/"
        );
        assert_eq!(normalize_path("hdfs:///x").unwrap(), "hdfs:///x/");
        assert_eq!(normalize_path("s3://b/k").unwrap(), "s3://b/k/");
        assert!(normalize_path("rel/dir").unwrap().starts_with("file:///"));
        assert!(
            normalize_path("gs://b/k")
                .unwrap_err()
                .contains("supported")
        );
    }
}
