//! `CREATE [TEMPORARY] TABLE … WITH (…)` in Flink's syntax.

use std::collections::BTreeMap;

use arrow::datatypes::Field;
use datafusion::sql::sqlparser::tokenizer::Token;

use super::tokens::Cursor;
use super::types::parse_type;
use crate::catalog::{ComputedColumn, MetadataColumn, TableDef};
use crate::error::Result;

/// `LIKE base (INCLUDING ALL …)` of a CREATE TABLE: the base table and the merging options.
#[derive(Debug, Clone, PartialEq)]
pub struct LikeClause {
    pub base: String,
    /// (feature, strategy) in the order written, e.g. ("ALL", "INCLUDING").
    pub options: Vec<(String, String)>,
}

/// Parse after `CREATE [TEMPORARY] TABLE`.
pub(super) fn parse_create_table(
    c: &mut Cursor,
    line: usize,
) -> Result<(TableDef, Option<LikeClause>)> {
    if c.eat_keyword("IF") {
        c.expect_keyword("NOT")?;
        c.expect_keyword("EXISTS")?;
    }
    let name = c.object_name()?;
    let mut columns: Vec<Field> = Vec::new();
    let mut computed: Vec<ComputedColumn> = Vec::new();
    let mut metadata: Vec<MetadataColumn> = Vec::new();
    let mut primary_key = Vec::new();
    if c.eat(&Token::LParen) {
        loop {
            if c.eat_keyword("CONSTRAINT") {
                c.identifier()?;
            }
            if c.eat_keyword("PRIMARY") {
                c.expect_keyword("KEY")?;
                primary_key = c.name_list()?;
                if c.eat_keyword("NOT") {
                    c.expect_keyword("ENFORCED")?;
                } else {
                    return Err(c.error(
                        "Flink supports only PRIMARY KEY (...) NOT ENFORCED; add NOT ENFORCED",
                    ));
                }
            } else if c.eat_keyword("WATERMARK") {
                skip_to_item_end(c);
            } else {
                let col = c.identifier()?;
                if columns.iter().any(|f| f.name() == &col)
                    || computed.iter().any(|k| k.name == col)
                    || metadata.iter().any(|m| m.field.name() == &col)
                {
                    return Err(c.error(format!("column '{col}' is declared twice")));
                }
                if c.eat_keyword("AS") {
                    let expr = expression_text(c);
                    if expr.is_empty() {
                        return Err(c.error(format!(
                            "computed column '{col}' has no expression after AS"
                        )));
                    }
                    if c.eat_keyword("COMMENT") {
                        c.string_literal()?;
                    }
                    computed.push(ComputedColumn {
                        name: col,
                        expr,
                        position: columns.len() + computed.len() + metadata.len(),
                    });
                    if c.eat(&Token::RParen) {
                        break;
                    }
                    c.expect(&Token::Comma)?;
                    continue;
                }
                let dt = parse_type(c)?;
                let mut nullable = true;
                // METADATA [FROM 'key'] [VIRTUAL]
                let mut meta: Option<(String, bool)> = None;
                loop {
                    if c.eat_keyword("NOT") {
                        c.expect_keyword("NULL")?;
                        nullable = false;
                    } else if c.eat_keyword("NULL") {
                    } else if c.eat_keyword("COMMENT") {
                        c.string_literal()?;
                    } else if c.eat_keyword("METADATA") {
                        let key = if c.eat_keyword("FROM") {
                            c.string_literal()?
                        } else {
                            col.clone()
                        };
                        let is_virtual = c.eat_keyword("VIRTUAL");
                        meta = Some((key, is_virtual));
                    } else if c.eat_keyword("PRIMARY") {
                        c.expect_keyword("KEY")?;
                        c.expect_keyword("NOT")?;
                        c.expect_keyword("ENFORCED")?;
                        primary_key = vec![col.clone()];
                    } else {
                        break;
                    }
                }
                match meta {
                    Some((key, is_virtual)) => metadata.push(MetadataColumn {
                        position: columns.len() + computed.len() + metadata.len(),
                        field: Field::new(col, dt, nullable),
                        key,
                        is_virtual,
                    }),
                    None => columns.push(Field::new(col, dt, nullable)),
                }
            }
            if c.eat(&Token::RParen) {
                break;
            }
            c.expect(&Token::Comma)?;
        }
    }
    for k in &primary_key {
        if !columns.iter().any(|f| f.name() == k) {
            return Err(c.error(format!("primary key column '{k}' is not a declared column")));
        }
    }
    if c.eat_keyword("COMMENT") {
        c.string_literal()?;
    }
    let mut partition_keys = Vec::new();
    if c.eat_keyword("PARTITIONED") {
        c.expect_keyword("BY")?;
        partition_keys = c.name_list()?;
        for k in &partition_keys {
            if !columns.is_empty() && !columns.iter().any(|f| f.name() == k) {
                return Err(c.error(format!("partition column '{k}' is not a declared column")));
            }
        }
    }
    let options = if c.is_keyword("LIKE") {
        BTreeMap::new()
    } else {
        parse_with_clause(c)?
    };
    let like = if c.eat_keyword("LIKE") {
        Some(parse_like(c)?)
    } else {
        None
    };
    if !c.at_end() {
        return Err(c.error("unexpected text after the WITH (...) clause"));
    }
    let def = TableDef {
        name,
        columns,
        primary_key,
        partition_keys,
        options,
        line,
        computed,
        metadata,
    };
    def.check_metadata_keys_unique().map_err(|m| c.error(m))?;
    Ok((def, like))
}

/// `LIKE base [( {INCLUDING | EXCLUDING | OVERWRITING} {ALL | CONSTRAINTS | GENERATED |
/// METADATA | OPTIONS | PARTITIONS | WATERMARKS} … )]`.
fn parse_like(c: &mut Cursor) -> Result<LikeClause> {
    let base = c.object_name()?;
    let mut options = Vec::new();
    if c.eat(&Token::LParen) {
        loop {
            let strategy = c.identifier()?.to_ascii_uppercase();
            if !["INCLUDING", "EXCLUDING", "OVERWRITING"].contains(&strategy.as_str()) {
                return Err(c.error(format!(
                    "unknown LIKE strategy '{strategy}'; use INCLUDING, EXCLUDING or OVERWRITING"
                )));
            }
            let feature = c.identifier()?.to_ascii_uppercase();
            if ![
                "ALL",
                "CONSTRAINTS",
                "GENERATED",
                "METADATA",
                "OPTIONS",
                "PARTITIONS",
                "WATERMARKS",
            ]
            .contains(&feature.as_str())
            {
                return Err(c.error(format!(
                    "unknown LIKE option '{feature}'; use ALL, CONSTRAINTS, GENERATED, METADATA, OPTIONS, PARTITIONS or WATERMARKS"
                )));
            }
            options.push((feature, strategy));
            if c.eat(&Token::RParen) {
                break;
            }
            if c.at_end() {
                return Err(c.error("expected ')' closing the LIKE options"));
            }
        }
    }
    Ok(LikeClause { base, options })
}

/// The text of an expression up to the next top-level `,` or `)` (a computed column's).
fn expression_text(c: &mut Cursor) -> String {
    let mut depth = 0i32;
    let mut parts: Vec<String> = Vec::new();
    while let Some(t) = c.peek() {
        match t {
            Token::LParen => depth += 1,
            Token::RParen if depth == 0 => break,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => break,
            Token::Word(w)
                if depth == 0
                    && w.quote_style.is_none()
                    && w.value.eq_ignore_ascii_case("COMMENT") =>
            {
                break;
            }
            _ => {}
        }
        parts.push(t.to_string());
        c.next();
    }
    parts.join(" ")
}

/// `WITH ('k' = 'v', …)` ending the statement.
pub(super) fn parse_with(c: &mut Cursor) -> Result<BTreeMap<String, String>> {
    let options = parse_with_clause(c)?;
    if !c.at_end() {
        return Err(c.error("unexpected text after the WITH (...) clause"));
    }
    Ok(options)
}

/// `WITH ('k' = 'v', …)`.
fn parse_with_clause(c: &mut Cursor) -> Result<BTreeMap<String, String>> {
    let mut options = BTreeMap::new();
    c.expect_keyword("WITH")?;
    c.expect(&Token::LParen)?;
    loop {
        let key = c.string_literal()?;
        c.expect(&Token::Eq)?;
        let value = c.string_literal()?;
        if options.insert(key.clone(), value).is_some() {
            return Err(c.error(format!("option '{key}' is given twice")));
        }
        if c.eat(&Token::RParen) {
            break;
        }
        c.expect(&Token::Comma)?;
    }
    Ok(options)
}

fn skip_to_item_end(c: &mut Cursor) {
    let mut depth = 0i32;
    while let Some(t) = c.peek() {
        match t {
            Token::LParen => depth += 1,
            Token::RParen if depth == 0 => return,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => return,
            _ => {}
        }
        c.next();
    }
}
