//! `CREATE [TEMPORARY] TABLE … WITH (…)` in Flink's syntax.

use std::collections::BTreeMap;

use arrow::datatypes::Field;
use datafusion::sql::sqlparser::tokenizer::Token;

use super::tokens::Cursor;
use super::types::parse_type;
use crate::catalog::TableDef;
use crate::error::Result;

/// Parse after `CREATE [TEMPORARY] TABLE`.
pub(super) fn parse_create_table(c: &mut Cursor, line: usize) -> Result<TableDef> {
    if c.eat_keyword("IF") {
        c.expect_keyword("NOT")?;
        c.expect_keyword("EXISTS")?;
    }
    let name = c.object_name()?;
    let mut columns: Vec<Field> = Vec::new();
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
                if columns.iter().any(|f| f.name() == &col) {
                    return Err(c.error(format!("column '{col}' is declared twice")));
                }
                let dt = parse_type(c)?;
                let mut nullable = true;
                loop {
                    if c.eat_keyword("NOT") {
                        c.expect_keyword("NULL")?;
                        nullable = false;
                    } else if c.eat_keyword("NULL") {
                    } else if c.eat_keyword("COMMENT") {
                        c.string_literal()?;
                    } else if c.eat_keyword("PRIMARY") {
                        c.expect_keyword("KEY")?;
                        c.expect_keyword("NOT")?;
                        c.expect_keyword("ENFORCED")?;
                        primary_key = vec![col.clone()];
                    } else {
                        break;
                    }
                }
                columns.push(Field::new(col, dt, nullable));
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
    let options = parse_with(c)?;
    Ok(TableDef {
        name,
        columns,
        primary_key,
        partition_keys,
        options,
        line,
    })
}

/// `WITH ('k' = 'v', …)` ending the statement.
pub(super) fn parse_with(c: &mut Cursor) -> Result<BTreeMap<String, String>> {
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
    if !c.at_end() {
        return Err(c.error("unexpected text after the WITH (...) clause"));
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
