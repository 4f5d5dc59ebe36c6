//! Flink SQL data types → Arrow types.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use datafusion::sql::sqlparser::tokenizer::Token;

use super::tokens::Cursor;
use crate::error::Result;

/// Map a Flink type name with its parameters to Arrow. `None` if the name is unknown.
pub fn flink_type_to_arrow(name: &str, params: &[u32], suffix: &str) -> Option<DataType> {
    let p = |i: usize, d: u32| params.get(i).copied().unwrap_or(d);
    Some(match name.to_ascii_uppercase().as_str() {
        "BOOLEAN" | "BOOL" => DataType::Boolean,
        "TINYINT" => DataType::Int8,
        "SMALLINT" => DataType::Int16,
        "INT" | "INTEGER" => DataType::Int32,
        "BIGINT" => DataType::Int64,
        "FLOAT" | "REAL" => DataType::Float32,
        "DOUBLE" => DataType::Float64,
        "DECIMAL" | "DEC" | "NUMERIC" => {
            let precision = p(0, 10).clamp(1, 38) as u8;
            DataType::Decimal128(precision, p(1, 0).min(precision as u32) as i8)
        }
        "STRING" | "VARCHAR" | "CHAR" | "TEXT" => DataType::Utf8,
        "BYTES" | "VARBINARY" | "BINARY" => DataType::Binary,
        "DATE" => DataType::Date32,
        "TIME" => match params.first().copied().unwrap_or(0) {
            0 => DataType::Time32(TimeUnit::Second),
            1..=3 => DataType::Time32(TimeUnit::Millisecond),
            4..=6 => DataType::Time64(TimeUnit::Microsecond),
            _ => DataType::Time64(TimeUnit::Nanosecond),
        },
        "TIMESTAMP" => {
            if suffix.contains("LOCAL TIME ZONE") {
                DataType::Timestamp(timestamp_unit(params), Some("UTC".into()))
            } else {
                DataType::Timestamp(timestamp_unit(params), None)
            }
        }
        "TIMESTAMP_LTZ" => DataType::Timestamp(timestamp_unit(params), Some("UTC".into())),
        _ => return None,
    })
}

/// TIMESTAMP(p)'s Arrow unit: the one holding p fraction digits (0, 3, 6, 9), as Weft's
/// SQL functions hold them; TIMESTAMP is TIMESTAMP(6).
fn timestamp_unit(params: &[u32]) -> TimeUnit {
    match params.first().copied().unwrap_or(6) {
        0 => TimeUnit::Second,
        1..=3 => TimeUnit::Millisecond,
        4..=6 => TimeUnit::Microsecond,
        _ => TimeUnit::Nanosecond,
    }
}

/// Parse a column type at the cursor: `NAME [(p [, s])] [PRECISION] [WITH[OUT] [LOCAL] TIME ZONE]`.
pub(super) fn parse_type(c: &mut Cursor) -> Result<DataType> {
    let (line_col_err, name) = {
        let err = c.error("expected a data type");
        (err, c.identifier()?)
    };
    match name.to_ascii_uppercase().as_str() {
        "ARRAY" if c.is_lt() => {
            c.next();
            let (element, nullable) = parse_nested_type(c)?;
            expect_closing(c, "ARRAY<…>")?;
            return Ok(DataType::List(Arc::new(Field::new(
                "item", element, nullable,
            ))));
        }
        "MULTISET" => {
            return Err(c.error(
                "MULTISET columns are not supported by Weft yet; declare the column as an ARRAY<…> or a MAP<…, INT>",
            ));
        }
        "MAP" if c.is_lt() => {
            c.next();
            let (key, _) = parse_nested_type(c)?;
            c.expect(&Token::Comma)?;
            let (value, nullable) = parse_nested_type(c)?;
            expect_closing(c, "MAP<…, …>")?;
            let entries = Field::new(
                "entries",
                DataType::Struct(Fields::from(vec![
                    Field::new("key", key, false),
                    Field::new("value", value, nullable),
                ])),
                false,
            );
            return Ok(DataType::Map(Arc::new(entries), false));
        }
        "ROW" if c.is_lt() || c.peek() == Some(&Token::LParen) => {
            let angle = c.is_lt();
            c.next();
            let mut fields = Vec::new();
            loop {
                let field = c.identifier()?;
                let (t, nullable) = parse_nested_type(c)?;
                if c.is_keyword("COMMENT") {
                    c.next();
                    c.string_literal()?;
                }
                fields.push(Field::new(field, t, nullable));
                if !c.eat(&Token::Comma) {
                    break;
                }
            }
            if angle {
                expect_closing(c, "ROW<…>")?;
            } else {
                c.expect(&Token::RParen)?;
            }
            return Ok(DataType::Struct(Fields::from(fields)));
        }
        _ => {}
    }
    let mut params = Vec::new();
    if c.eat(&Token::LParen) {
        loop {
            let number = match c.next() {
                Some(Token::Number(n, _)) => n.clone(),
                _ => return Err(c.error(format!("bad type parameters for {name}"))),
            };
            params.push(
                number
                    .parse()
                    .map_err(|_| c.error(format!("bad type parameter '{number}' for {name}")))?,
            );
            if c.eat(&Token::RParen) {
                break;
            }
            c.expect(&Token::Comma)?;
        }
    }
    let mut suffix = String::new();
    if c.eat_keyword("PRECISION") {
        suffix.push_str("PRECISION");
    }
    if c.is_keyword("WITH") || c.is_keyword("WITHOUT") {
        let with = c.eat_keyword("WITH");
        if !with {
            c.expect_keyword("WITHOUT")?;
        }
        let local = c.eat_keyword("LOCAL");
        c.expect_keyword("TIME")?;
        c.expect_keyword("ZONE")?;
        if with && local {
            suffix.push_str(" WITH LOCAL TIME ZONE");
        } else if with {
            suffix.push_str(" WITH LOCAL TIME ZONE");
        }
    }
    flink_type_to_arrow(&name, &params, &suffix).ok_or_else(|| {
        let _ = &line_col_err;
        c.error(format!(
            "unsupported data type '{name}'; supported: BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), STRING, VARCHAR(n), CHAR(n), BYTES, DATE, TIME, TIMESTAMP(p), TIMESTAMP_LTZ(p), ARRAY<t>, MAP<k, v>, ROW<name t, …>"
        ))
    })
}

/// A type inside `ARRAY<…>`, `MAP<…>` or `ROW<…>`, with its nullability (`NOT NULL`).
fn parse_nested_type(c: &mut Cursor) -> Result<(DataType, bool)> {
    let t = parse_type(c)?;
    let mut nullable = true;
    if c.is_keyword("NOT") {
        c.next();
        c.expect_keyword("NULL")?;
        nullable = false;
    } else if c.is_keyword("NULL") {
        c.next();
    }
    Ok((t, nullable))
}

fn expect_closing(c: &mut Cursor, what: &str) -> Result<()> {
    if c.eat_closing_angle() {
        Ok(())
    } else {
        Err(c.error(format!("expected '>' closing {what}")))
    }
}
