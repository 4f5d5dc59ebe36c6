//! Flink's json format, read natively: each line one JSON object (or an array of them),
//! scanned as Jackson scans it ([`lexer`]), each field converted straight into its declared
//! type with Flink's converters ([`columns`]), strings as views, every error naming the file
//! and line. `docs/flink-json-format.md` holds what Flink 2.3 does.
//!
//! As for CSV, the filesystem connector plans the scan as DataFusion's JSON
//! `DataSourceExec` (files, partitions, byte ranges of whole lines) and
//! `csv_read::FlinkScanExec` runs it with [`FlinkJsonSource`] in its place.

pub mod columns;
pub mod lexer;
mod nested;
mod opener;
pub mod row;

use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};

pub use opener::FlinkJsonSource;

/// How a table's JSON files are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlinkJsonFormat {
    pub table: String,
    /// `json.ignore-parse-errors`: a field that cannot be read is NULL, a line that is not
    /// JSON is skipped.
    pub lenient: bool,
    /// `json.timestamp-format.standard` = `ISO-8601`.
    pub iso8601: bool,
    /// `json.fail-on-missing-field`: a read column the object lacks fails the job.
    pub fail_on_missing: bool,
    /// The data columns with their declared types.
    #[serde(with = "crate::filesystem::native_source::types_as_text")]
    pub types: Vec<(String, DataType)>,
}

impl FlinkJsonFormat {
    /// Whether every data column has a reader here.
    pub fn reads(types: &[(String, DataType)]) -> bool {
        types.iter().all(|(_, t)| columns::supported(t))
    }
}
