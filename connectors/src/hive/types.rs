//! Hive column types ↔ Arrow types, and Hive storage formats ↔ the filesystem connector's.

use arrow::datatypes::{DataType, TimeUnit};

/// The Arrow type of a Hive column type (`bigint`, `decimal(15,2)`, `varchar(10)`, …).
pub fn arrow_type(hive: &str) -> Option<DataType> {
    let t = hive.trim().to_ascii_lowercase();
    let base = t.split('(').next().unwrap_or("").trim();
    Some(match base {
        "string" | "varchar" | "char" => DataType::Utf8,
        "tinyint" => DataType::Int8,
        "smallint" => DataType::Int16,
        "int" | "integer" => DataType::Int32,
        "bigint" => DataType::Int64,
        "float" => DataType::Float32,
        "double" | "double precision" => DataType::Float64,
        "boolean" => DataType::Boolean,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "binary" => DataType::Binary,
        "decimal" | "numeric" => {
            let args: Vec<u8> = t
                .split_once('(')
                .map(|(_, a)| a.trim_end_matches(')'))
                .unwrap_or("10,0")
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect();
            let precision = *args.first().unwrap_or(&10);
            let scale = *args.get(1).unwrap_or(&0) as i8;
            DataType::Decimal128(precision, scale)
        }
        _ => return None,
    })
}

/// The Hive column type for an Arrow type.
pub fn hive_type(t: &DataType) -> Option<String> {
    Some(match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Date32 => "date".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Binary | DataType::LargeBinary => "binary".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        _ => return None,
    })
}

/// A Hive storage format Weft reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiveFormat {
    Parquet,
    /// TEXTFILE with LazySimpleSerDe: delimited text (the filesystem connector's csv).
    Text,
    Json,
}

pub const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
pub const TEXT_SERDE: &str = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
pub const JSON_SERDE: &str = "org.apache.hive.hcatalog.data.JsonSerDe";

impl HiveFormat {
    /// From a table's SerDe library.
    pub fn from_serde(lib: &str) -> Option<Self> {
        match lib {
            PARQUET_SERDE => Some(Self::Parquet),
            TEXT_SERDE => Some(Self::Text),
            JSON_SERDE | "org.apache.hadoop.hive.serde2.JsonSerDe" => Some(Self::Json),
            _ => None,
        }
    }

    /// From the filesystem connector's `format`.
    pub fn from_format(format: &str) -> Option<Self> {
        match format.trim().to_ascii_lowercase().as_str() {
            "parquet" => Some(Self::Parquet),
            "csv" => Some(Self::Text),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The filesystem connector's `format`.
    pub fn format(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Text => "csv",
            Self::Json => "json",
        }
    }

    /// (SerDe library, input format, output format) for a new table.
    pub fn classes(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Parquet => (
                PARQUET_SERDE,
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            ),
            Self::Text => (
                TEXT_SERDE,
                "org.apache.hadoop.mapred.TextInputFormat",
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            ),
            Self::Json => (
                JSON_SERDE,
                "org.apache.hadoop.mapred.TextInputFormat",
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip() {
        for h in [
            "string",
            "int",
            "bigint",
            "double",
            "boolean",
            "date",
            "decimal(15,2)",
        ] {
            let a = arrow_type(h).unwrap();
            assert_eq!(hive_type(&a).unwrap(), h);
        }
        assert_eq!(arrow_type("varchar(20)"), Some(DataType::Utf8));
        assert_eq!(
            arrow_type("DECIMAL(38, 4)"),
            Some(DataType::Decimal128(38, 4))
        );
        assert_eq!(arrow_type("map<string,int>"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(
            HiveFormat::from_serde(PARQUET_SERDE),
            Some(HiveFormat::Parquet)
        );
        assert_eq!(HiveFormat::from_format("csv"), Some(HiveFormat::Text));
        assert_eq!(HiveFormat::Text.format(), "csv");
    }
}
