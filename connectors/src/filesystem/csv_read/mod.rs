//! Flink's CSV format, read natively: rows and fields split as Jackson's CSV parser splits
//! them ([`tokenize`]), each field parsed straight into its declared type with Flink's
//! readers ([`columns`]), strings as views. One pass over the bytes, no text columns in
//! between, and every error names the file and line.
//!
//! The filesystem connector plans the table's scan as DataFusion's CSV `DataSourceExec`
//! (which lists the files, prunes partitions and splits files into byte ranges), and
//! [`FlinkScanExec`] runs that scan with [`opener::FlinkCsvSource`] in place of
//! DataFusion's CSV reader. The plan codec carries the inner scan as the node's input.

pub mod columns;
mod opener;
mod scan;
pub mod tokenize;

use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};

pub use opener::FlinkCsvSource;
pub(crate) use opener::{BLOCK, Chunks, line_of};
pub use scan::{FlinkScanExec, NativeFormat};

/// How a table's CSV files are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlinkCsvFormat {
    pub table: String,
    pub delimiter: u8,
    /// `None` with `csv.disable-quote-character`.
    pub quote: Option<u8>,
    pub escape: Option<u8>,
    /// `csv.allow-comments`.
    pub comments: bool,
    pub null_literal: Option<String>,
    /// `csv.ignore-parse-errors`.
    pub lenient: bool,
    /// `csv.array-element-delimiter`.
    pub array_delimiter: String,
    /// The data columns, in file order, with their declared types.
    #[serde(with = "crate::filesystem::native_source::types_as_text")]
    pub types: Vec<(String, DataType)>,
}

impl FlinkCsvFormat {
    /// Whether every data column has a reader here.
    pub fn reads(types: &[(String, DataType)]) -> bool {
        types.iter().all(|(_, t)| columns::supported(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::TimeUnit;

    #[test]
    fn the_format_travels_with_its_types() {
        let f = FlinkCsvFormat {
            table: "t".into(),
            delimiter: b';',
            quote: None,
            escape: Some(b'\\'),
            comments: true,
            null_literal: Some("n/a".into()),
            lenient: true,
            array_delimiter: "|".into(),
            types: vec![
                ("a".into(), DataType::Decimal128(15, 2)),
                ("b".into(), DataType::Timestamp(TimeUnit::Millisecond, None)),
                ("c".into(), DataType::Utf8),
                ("d".into(), DataType::Date32),
            ],
        };
        let back: FlinkCsvFormat =
            serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
    }
}
