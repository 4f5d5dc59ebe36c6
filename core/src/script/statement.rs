//! The statements of a script, classified and parsed.

use super::ddl::parse_create_table;
use super::insert::parse_insert;
use super::split::{RawStatement, split_statements};
use super::tokens::Cursor;
use crate::catalog::TableDef;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct InsertStatement {
    pub table: String,
    pub overwrite: bool,
    /// `PARTITION (k = 'v')` static partition values.
    pub static_partitions: Vec<(String, String)>,
    /// Explicit target column list, if given.
    pub columns: Vec<String>,
    /// Byte offset in the script where the query starts.
    pub query_offset: usize,
}

#[derive(Debug, Clone)]
pub enum Statement {
    Set {
        key: String,
        value: String,
    },
    Reset {
        key: Option<String>,
    },
    CreateTable(TableDef),
    CreateView {
        name: String,
        query_offset: usize,
    },
    Insert(InsertStatement),
    /// `CREATE CATALOG name WITH ('type' = 'hive', …)`.
    CreateCatalog {
        name: String,
        options: std::collections::BTreeMap<String, String>,
    },
    /// `USE CATALOG name`.
    UseCatalog {
        name: String,
    },
    /// `USE [catalog.]database`.
    UseDatabase {
        name: String,
    },
    /// A bare query: its rows go back to the client.
    Query {
        query_offset: usize,
    },
    /// `SHOW TABLES`: the tables and views declared so far, as rows.
    ShowTables,
    /// `DESCRIBE t` / `DESC t`: a table's columns, as rows.
    Describe {
        table: String,
    },
    /// `SHOW CREATE TABLE t`: the table's DDL as Weft understood it.
    ShowCreateTable {
        table: String,
    },
    /// `EXPLAIN [PLAN FOR] query`: the query's plan, as one row.
    Explain {
        query_offset: usize,
    },
}

/// A parsed statement with its raw text and position.
#[derive(Debug, Clone)]
pub struct ParsedStatement {
    pub raw: RawStatement,
    pub statement: Statement,
}

impl ParsedStatement {
    /// End offset (exclusive) of the statement in the script.
    pub fn end(&self) -> usize {
        self.raw.offset + self.raw.text.len()
    }
}

/// Parse a whole script. Statement-set wrappers (`EXECUTE STATEMENT SET BEGIN … END;`,
/// `BEGIN STATEMENT SET; … END;`) are accepted and dropped: all INSERTs of a script run as
/// one job anyway.
pub fn parse_script(script: &str) -> Result<Vec<ParsedStatement>> {
    let mut out = Vec::new();
    for raw in split_statements(script) {
        let mut c = Cursor::new(script, &raw)?;
        // Statement-set wrappers.
        if c.is_keyword("EXECUTE") || c.is_keyword("BEGIN") {
            let execute = c.eat_keyword("EXECUTE");
            if !execute {
                c.expect_keyword("BEGIN")?;
            }
            c.expect_keyword("STATEMENT")?;
            c.expect_keyword("SET")?;
            if execute {
                c.expect_keyword("BEGIN")?;
            }
            if c.at_end() {
                continue;
            }
        }
        if c.is_keyword("END") {
            c.next();
            if c.at_end() {
                continue;
            }
        }
        let statement = if c.eat_keyword("SET") {
            if c.at_end() {
                continue;
            }
            let key = c.literal_text()?;
            c.expect(&datafusion::sql::sqlparser::tokenizer::Token::Eq)?;
            let value = c.literal_text()?;
            if !c.at_end() {
                return Err(c.error("expected SET 'key' = 'value'"));
            }
            Statement::Set { key, value }
        } else if c.eat_keyword("RESET") {
            let key = if c.at_end() {
                None
            } else {
                Some(c.literal_text()?)
            };
            Statement::Reset { key }
        } else if c.eat_keyword("USE") {
            let catalog = c.eat_keyword("CATALOG");
            let name = c.object_name()?;
            if !c.at_end() {
                return Err(c.error("expected USE CATALOG name or USE database"));
            }
            if catalog {
                Statement::UseCatalog { name }
            } else {
                Statement::UseDatabase { name }
            }
        } else if c.eat_keyword("CREATE") {
            c.eat_keyword("TEMPORARY");
            if c.eat_keyword("CATALOG") {
                let name = c.identifier()?;
                let options = super::ddl::parse_with(&mut c)?;
                Statement::CreateCatalog { name, options }
            } else if c.eat_keyword("TABLE") {
                let (def, like) = parse_create_table(&mut c, raw.line)?;
                let def = match like {
                    None => def,
                    Some(like) => {
                        let base =
                            out.iter()
                                .rev()
                                .find_map(|p: &ParsedStatement| match &p.statement {
                                    Statement::CreateTable(t) if t.name == like.base => Some(t),
                                    _ => None,
                                });
                        let base = base.ok_or_else(|| {
                            c.error(format!(
                                "LIKE base `{}` is not a table declared earlier in the script",
                                like.base
                            ))
                        })?;
                        super::like::merge(base, def, &like).map_err(|m| c.error(m))?
                    }
                };
                Statement::CreateTable(def)
            } else if c.eat_keyword("VIEW") {
                if c.eat_keyword("IF") {
                    c.expect_keyword("NOT")?;
                    c.expect_keyword("EXISTS")?;
                }
                let name = c.object_name()?;
                c.expect_keyword("AS")?;
                Statement::CreateView {
                    name,
                    query_offset: c.offset_in(script),
                }
            } else {
                return Err(c.error(
                    "expected TABLE, VIEW or CATALOG after CREATE [TEMPORARY]; Weft supports CREATE TABLE, CREATE TEMPORARY VIEW and CREATE CATALOG",
                ));
            }
        } else if c.eat_keyword("INSERT") {
            Statement::Insert(parse_insert(&mut c, script)?)
        } else if c.eat_keyword("SHOW") {
            if c.eat_keyword("TABLES") {
                Statement::ShowTables
            } else if c.eat_keyword("CREATE") {
                c.expect_keyword("TABLE")?;
                Statement::ShowCreateTable {
                    table: c.object_name()?,
                }
            } else {
                return Err(c.error("expected SHOW TABLES or SHOW CREATE TABLE name"));
            }
        } else if c.eat_keyword("DESCRIBE") || c.eat_keyword("DESC") {
            Statement::Describe {
                table: c.object_name()?,
            }
        } else if c.eat_keyword("EXPLAIN") {
            if c.eat_keyword("PLAN") {
                c.expect_keyword("FOR")?;
            }
            Statement::Explain {
                query_offset: c.offset_in(script),
            }
        } else if c.is_keyword("SELECT") || c.is_keyword("WITH") || c.is_keyword("VALUES") {
            Statement::Query {
                query_offset: c.offset_in(script),
            }
        } else {
            return Err(c.error(
                "unsupported statement; a script holds SET, RESET, CREATE TABLE, CREATE TEMPORARY VIEW, CREATE CATALOG, USE, INSERT INTO / INSERT OVERWRITE, SELECT, SHOW TABLES, SHOW CREATE TABLE, DESCRIBE and EXPLAIN statements",
            ));
        };
        out.push(ParsedStatement { raw, statement });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::DataType;

    const SCRIPT: &str = "SET 'parallelism.default' = '4';\n\
CREATE TABLE orders (\n  id BIGINT NOT NULL,\n  amount DECIMAL(10, 2),\n  dt STRING,\n  PRIMARY KEY (id) NOT ENFORCED\n) PARTITIONED BY (dt) WITH (\n  'connector' = 'filesystem',\n  'path' = '/tmp/o',\n  'format' = 'parquet'\n);\n\
CREATE TEMPORARY VIEW v AS SELECT * FROM orders;\n\
EXECUTE STATEMENT SET BEGIN\nINSERT OVERWRITE orders PARTITION (dt = '2024-01-01') SELECT id, amount FROM v;\nINSERT INTO orders (id, amount, dt) SELECT 1, 2.0, 'x';\nEND;\n\
SELECT * FROM v";

    #[test]
    fn nested_column_types() {
        let st = parse_script(
            "CREATE TABLE t (tags ARRAY<STRING>, m MAP<STRING, ARRAY<INT NOT NULL>>, r ROW<a INT, b ROW(c STRING)>) WITH ('connector' = 'datagen');",
        )
        .unwrap();
        let Statement::CreateTable(def) = &st[0].statement else {
            panic!()
        };
        let t = |i: usize| def.columns[i].data_type().to_string();
        assert_eq!(t(0), "List(Utf8)");
        assert!(
            t(1).starts_with("Map(") && t(1).contains("non-null Int32"),
            "{}",
            t(1)
        );
        assert!(
            t(2).contains("Struct(") && t(2).contains("\"c\": Utf8"),
            "{}",
            t(2)
        );
        let e = parse_script("CREATE TABLE t (a MULTISET<INT>) WITH ('connector' = 'datagen');")
            .unwrap_err()
            .to_string();
        assert!(e.contains("MULTISET"), "{e}");
        let e = parse_script("CREATE TABLE t (a ARRAY<INT) WITH ('connector' = 'datagen');")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected '>'"), "{e}");
    }

    #[test]
    fn catalogs_and_use() {
        let st = parse_script(
            "CREATE CATALOG lake WITH ('type' = 'hive', 'hive.metastore.uris' = 'thrift://h:9083');
USE CATALOG lake;
USE sales;
USE lake.ods;",
        )
        .unwrap();
        match &st[0].statement {
            Statement::CreateCatalog { name, options } => {
                assert_eq!(name, "lake");
                assert_eq!(options["type"], "hive");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&st[1].statement, Statement::UseCatalog { name } if name == "lake"));
        assert!(matches!(&st[2].statement, Statement::UseDatabase { name } if name == "sales"));
        assert!(matches!(&st[3].statement, Statement::UseDatabase { name } if name == "lake.ods"));
        let e = parse_script("CREATE CATALOG lake ('type' = 'hive');")
            .unwrap_err()
            .to_string();
        assert!(e.contains("WITH"), "{e}");
    }

    #[test]
    fn parses_flink_statements() {
        let st = parse_script(SCRIPT).unwrap();
        assert_eq!(st.len(), 6);
        assert!(
            matches!(&st[0].statement, Statement::Set { key, value } if key == "parallelism.default" && value == "4")
        );
        let Statement::CreateTable(t) = &st[1].statement else {
            panic!()
        };
        assert_eq!(t.name, "orders");
        assert_eq!(t.columns.len(), 3);
        assert_eq!(t.columns[1].data_type(), &DataType::Decimal128(10, 2));
        assert!(!t.columns[0].is_nullable());
        assert_eq!(t.primary_key, vec!["id"]);
        assert_eq!(t.partition_keys, vec!["dt"]);
        assert_eq!(t.option("format"), Some("parquet"));
        let Statement::CreateView { query_offset, .. } = &st[2].statement else {
            panic!()
        };
        assert!(SCRIPT[*query_offset..].starts_with("SELECT * FROM orders"));
        let Statement::Insert(i) = &st[3].statement else {
            panic!()
        };
        assert!(i.overwrite);
        assert_eq!(
            i.static_partitions,
            vec![("dt".to_string(), "2024-01-01".to_string())]
        );
        assert!(SCRIPT[i.query_offset..].starts_with("SELECT id, amount FROM v"));
        let Statement::Insert(i) = &st[4].statement else {
            panic!()
        };
        assert_eq!(i.columns, vec!["id", "amount", "dt"]);
        assert!(matches!(st[5].statement, Statement::Query { .. }));
    }

    #[test]
    fn errors_carry_statement_line_and_column() {
        let e = parse_script("SET 'a' = 'b';\nCREATE TABLE t (a INT) WITH ('connector' 'x');")
            .unwrap_err()
            .to_string();
        assert!(e.contains("statement 2 at line 2, column 42"), "{e}");
        let e = parse_script("CREATE TABLE t (a MAP) WITH ('connector'='x')")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsupported data type 'MAP'"), "{e}");
        let e = parse_script("DROP TABLE t").unwrap_err().to_string();
        assert!(e.contains("unsupported statement"), "{e}");
    }
}
