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
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use opener::FlinkJsonSource;

/// How a table's JSON files are read.
#[derive(Debug, Clone, PartialEq)]
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
    pub types: Vec<(String, DataType)>,
}

impl FlinkJsonFormat {
    /// Whether every data column has a reader here.
    pub fn reads(types: &[(String, DataType)]) -> bool {
        types.iter().all(|(_, t)| columns::supported(t))
    }
}

/// The format as it travels in plans: types as Arrow's type text.
#[derive(Serialize, Deserialize)]
struct EncodedFormat {
    table: String,
    lenient: bool,
    iso8601: bool,
    fail_on_missing: bool,
    types: Vec<(String, String)>,
}

impl Serialize for FlinkJsonFormat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EncodedFormat {
            table: self.table.clone(),
            lenient: self.lenient,
            iso8601: self.iso8601,
            fail_on_missing: self.fail_on_missing,
            types: self
                .types
                .iter()
                .map(|(n, t)| (n.clone(), t.to_string()))
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for FlinkJsonFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let e = EncodedFormat::deserialize(d)?;
        let types = e
            .types
            .into_iter()
            .map(|(n, t)| {
                t.parse::<DataType>()
                    .map(|t| (n, t))
                    .map_err(serde::de::Error::custom)
            })
            .collect::<Result<_, _>>()?;
        Ok(FlinkJsonFormat {
            table: e.table,
            lenient: e.lenient,
            iso8601: e.iso8601,
            fail_on_missing: e.fail_on_missing,
            types,
        })
    }
}
