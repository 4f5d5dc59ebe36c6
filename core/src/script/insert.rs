//! `INSERT { INTO | OVERWRITE } [TABLE] t [PARTITION (k = v, …)] [(cols)] <query>`.

use datafusion::sql::sqlparser::tokenizer::Token;

use super::statement::InsertStatement;
use super::tokens::Cursor;
use crate::error::Result;

/// Parse after `INSERT`; the query's offset is where DataFusion takes over.
pub(super) fn parse_insert(c: &mut Cursor, script: &str) -> Result<InsertStatement> {
    let overwrite = if c.eat_keyword("OVERWRITE") {
        true
    } else {
        c.expect_keyword("INTO")?;
        false
    };
    c.eat_keyword("TABLE");
    let table = c.object_name()?;
    let mut static_partitions = Vec::new();
    if c.eat_keyword("PARTITION") {
        c.expect(&Token::LParen)?;
        loop {
            let k = c.identifier()?;
            c.expect(&Token::Eq)?;
            let v = c.literal_text()?;
            static_partitions.push((k, v));
            if c.eat(&Token::RParen) {
                break;
            }
            c.expect(&Token::Comma)?;
        }
    }
    let mut columns = Vec::new();
    if c.peek() == Some(&Token::LParen) {
        // `(a, b) SELECT …` is a column list; `(SELECT …)` is the query itself.
        let save = c.offset_in(script);
        c.next();
        let is_query = c.is_keyword("SELECT") || c.is_keyword("WITH") || c.is_keyword("VALUES");
        if is_query {
            return Ok(InsertStatement {
                table,
                overwrite,
                static_partitions,
                columns,
                query_offset: save,
            });
        }
        columns.push(c.identifier()?);
        while c.eat(&Token::Comma) {
            columns.push(c.identifier()?);
        }
        c.expect(&Token::RParen)?;
    }
    if c.at_end() {
        return Err(c.error("INSERT needs a query (SELECT … or VALUES …)"));
    }
    Ok(InsertStatement {
        table,
        overwrite,
        static_partitions,
        columns,
        query_offset: c.offset_in(script),
    })
}
