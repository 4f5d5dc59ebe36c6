//! Flink's type names for Weft's Arrow types, and the comparison of a Flink result type
//! with Weft's. Weft stands for Flink's types in Arrow as follows: CHAR(n), VARCHAR(n) and
//! STRING are strings, BINARY(n), VARBINARY(n) and BYTES are binary, TIMESTAMP(p) and TIME(p)
//! use the unit holding p digits (0, 3, 6, 9), TIMESTAMP_LTZ is a timestamp with a zone.

use arrow::datatypes::{DataType, IntervalUnit, TimeUnit};

/// Flink's name for the type Weft computes, in the normalized form of [`normalize`].
pub fn flink_name(t: &DataType) -> String {
    let p = |u: &TimeUnit| match u {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 3,
        TimeUnit::Microsecond => 6,
        TimeUnit::Nanosecond => 9,
    };
    match t {
        DataType::Null => "NULL".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Decimal128(pr, s) => format!("DECIMAL({pr}, {s})"),
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => "STRING".into(),
        DataType::Binary | DataType::BinaryView | DataType::LargeBinary => "BYTES".into(),
        DataType::FixedSizeBinary(_) => "BYTES".into(),
        DataType::Date32 | DataType::Date64 => "DATE".into(),
        DataType::Time32(u) | DataType::Time64(u) => format!("TIME({})", p(u)),
        DataType::Timestamp(u, None) => format!("TIMESTAMP({})", p(u)),
        DataType::Timestamp(u, Some(_)) => format!("TIMESTAMP_LTZ({})", p(u)),
        DataType::Interval(IntervalUnit::YearMonth) => "INTERVAL YEAR TO MONTH".into(),
        DataType::Interval(_) | DataType::Duration(_) => "INTERVAL DAY TO SECOND".into(),
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            format!("ARRAY<{}>", flink_name(f.data_type()))
        }
        DataType::Map(f, _) => match f.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "MAP<{}, {}>",
                flink_name(kv[0].data_type()),
                flink_name(kv[1].data_type())
            ),
            other => format!("MAP<{other}>"),
        },
        t if crate::functions::bitmap::is_bitmap(t) => "BITMAP".into(),
        t if crate::functions::aggregate::collect::element_of(t).is_some() => format!(
            "MULTISET<{}>",
            flink_name(crate::functions::aggregate::collect::element_of(t).unwrap())
        ),
        t if crate::functions::variant::is_variant(t) => "VARIANT".into(),
        t if crate::functions::structured::class_of(t).is_some() => {
            crate::functions::structured::type_name(t).unwrap()
        }
        DataType::Struct(fields) => format!(
            "ROW<{}>",
            fields
                .iter()
                .map(|f| format!("`{}` {}", f.name(), flink_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DataType::Dictionary(_, v) => flink_name(v),
        other => format!("{other}"),
    }
}

/// A Flink type string (as its resolved schema prints it) in the form Weft can match:
/// no NOT NULL, string and binary lengths dropped, time precisions rounded up to 0/3/6/9,
/// interval types by their family.
pub fn normalize(flink: &str) -> String {
    let s = flink.replace(" NOT NULL", "");
    let s = regex_replace(&s, r"\b(VAR)?CHAR\(\d+\)", "STRING");
    let s = regex_replace(&s, r"\b(VAR)?BINARY\(\d+\)", "BYTES");
    let s = regex_replace(
        &s,
        r"\bINTERVAL (YEAR|MONTH)[A-Z0-9() ]*?(?:TO MONTH)?\b(\(\d+\))?",
        "INTERVAL YEAR TO MONTH",
    );
    let s = regex_replace(
        &s,
        r"\bINTERVAL (DAY|HOUR|MINUTE|SECOND)(\(\d+\))?( TO (HOUR|MINUTE|SECOND)(\(\d+\))?)?",
        "INTERVAL DAY TO SECOND",
    );
    let re = regex::Regex::new(r"\b(TIMESTAMP_LTZ|TIMESTAMP|TIME)\((\d)\)").unwrap();
    let s = re
        .replace_all(&s, |c: &regex::Captures| {
            let p: u32 = c[2].parse().unwrap();
            let q = match p {
                0 => 0,
                1..=3 => 3,
                4..=6 => 6,
                _ => 9,
            };
            format!("{}({q})", &c[1])
        })
        .to_string();
    let s = s.replace("TIMESTAMP(9) WITH LOCAL TIME ZONE", "TIMESTAMP_LTZ(9)");
    s
}

fn regex_replace(s: &str, pattern: &str, with: &str) -> String {
    regex::Regex::new(pattern)
        .unwrap()
        .replace_all(s, with)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_types_normalize_to_what_arrow_can_hold() {
        assert_eq!(normalize("CHAR(1) NOT NULL"), "STRING");
        assert_eq!(
            normalize("MAP<CHAR(1) NOT NULL, INT NOT NULL> NOT NULL"),
            "MAP<STRING, INT>"
        );
        assert_eq!(normalize("TIMESTAMP(1)"), "TIMESTAMP(3)");
        assert_eq!(normalize("TIMESTAMP_LTZ(3)"), "TIMESTAMP_LTZ(3)");
        assert_eq!(
            normalize("INTERVAL SECOND(3) NOT NULL"),
            "INTERVAL DAY TO SECOND"
        );
        assert_eq!(
            normalize("INTERVAL MONTH NOT NULL"),
            "INTERVAL YEAR TO MONTH"
        );
        assert_eq!(normalize("DECIMAL(21, 2)"), "DECIMAL(21, 2)");
    }

    #[test]
    fn arrow_types_have_flink_names() {
        assert_eq!(
            flink_name(&DataType::Timestamp(TimeUnit::Millisecond, None)),
            "TIMESTAMP(3)"
        );
        assert_eq!(flink_name(&DataType::Decimal128(10, 2)), "DECIMAL(10, 2)");
    }
}
