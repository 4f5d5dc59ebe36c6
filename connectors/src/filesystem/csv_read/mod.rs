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
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use opener::FlinkCsvSource;
pub(crate) use opener::{BLOCK, Chunks, line_of};
pub use scan::{FlinkScanExec, NativeFormat};

/// How a table's CSV files are read.
#[derive(Debug, Clone, PartialEq)]
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
    pub types: Vec<(String, DataType)>,
}

impl FlinkCsvFormat {
    /// Whether every data column has a reader here.
    pub fn reads(types: &[(String, DataType)]) -> bool {
        types.iter().all(|(_, t)| columns::supported(t))
    }
}

/// The format as it travels in plans: types as Arrow's type text.
#[derive(Serialize, Deserialize)]
struct EncodedFormat {
    table: String,
    delimiter: u8,
    quote: Option<u8>,
    escape: Option<u8>,
    comments: bool,
    null_literal: Option<String>,
    lenient: bool,
    array_delimiter: String,
    types: Vec<(String, String)>,
}

impl Serialize for FlinkCsvFormat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EncodedFormat {
            table: self.table.clone(),
            delimiter: self.delimiter,
            quote: self.quote,
            escape: self.escape,
            comments: self.comments,
            null_literal: self.null_literal.clone(),
            lenient: self.lenient,
            array_delimiter: self.array_delimiter.clone(),
            types: self
                .types
                .iter()
                .map(|(n, t)| (n.clone(), t.to_string()))
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for FlinkCsvFormat {
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
        Ok(FlinkCsvFormat {
            table: e.table,
            delimiter: e.delimiter,
            quote: e.quote,
            escape: e.escape,
            comments: e.comments,
            null_literal: e.null_literal,
            lenient: e.lenient,
            array_delimiter: e.array_delimiter,
            types,
        })
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
