//! `SHOW TABLES`, `DESCRIBE`, `SHOW CREATE TABLE` and `EXPLAIN`: each answers with rows, as
//! Flink's SQL client does, so each becomes a VALUES query that runs like any other bare
//! SELECT. Column names are Flink's.

use crate::catalog::{Declared, MetadataColumn, TableDef};

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn values(columns: &[&str], rows: &[Vec<Option<String>>]) -> String {
    let cols = columns
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if rows.is_empty() {
        let nulls = columns
            .iter()
            .map(|c| format!("CAST(NULL AS STRING) AS `{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return format!("SELECT {nulls} WHERE FALSE");
    }
    let rows = rows
        .iter()
        .map(|r| {
            let vals = r
                .iter()
                .map(|v| match v {
                    Some(v) => quote(v),
                    None => "CAST(NULL AS STRING)".to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("({vals})")
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("SELECT * FROM (VALUES {rows}) AS t({cols})")
}

/// `SHOW TABLES`: one column `table name`, sorted.
pub fn show_tables(mut names: Vec<String>) -> String {
    names.sort();
    let rows: Vec<Vec<Option<String>>> = names.into_iter().map(|n| vec![Some(n)]).collect();
    values(&["table name"], &rows)
}

/// Flink's name of a column's type as DESCRIBE shows it.
fn type_name(f: &arrow::datatypes::Field) -> String {
    weft_flink_sql::types::flink_name(f.data_type())
}

/// `METADATA [FROM 'key'] [VIRTUAL]` as Flink prints it.
fn metadata_text(m: &MetadataColumn) -> String {
    let mut s = "METADATA".to_string();
    if m.key != *m.field.name() {
        s.push_str(&format!(" FROM '{}'", m.key));
    }
    if m.is_virtual {
        s.push_str(" VIRTUAL");
    }
    s
}

/// `DESCRIBE t`: name, type, null, key, extras, watermark (Flink's columns).
pub fn describe(def: &TableDef) -> String {
    let key = (!def.primary_key.is_empty()).then(|| format!("PRI({})", def.primary_key.join(", ")));
    let mut rows = Vec::new();
    for column in def.declared() {
        match column {
            Declared::Computed(k) => rows.push(vec![
                Some(k.name.clone()),
                None,
                Some("TRUE".into()),
                None,
                Some(format!("AS {}", k.expr)),
                None,
            ]),
            Declared::Metadata(m) => rows.push(vec![
                Some(m.field.name().clone()),
                Some(type_name(&m.field)),
                Some(
                    if m.field.is_nullable() {
                        "TRUE"
                    } else {
                        "FALSE"
                    }
                    .into(),
                ),
                None,
                Some(metadata_text(m)),
                None,
            ]),
            Declared::Physical(f) => {
                let in_key = def.primary_key.iter().any(|p| p == f.name());
                rows.push(vec![
                    Some(f.name().clone()),
                    Some(type_name(f)),
                    Some(
                        if f.is_nullable() && !in_key {
                            "TRUE"
                        } else {
                            "FALSE"
                        }
                        .into(),
                    ),
                    if in_key { key.clone() } else { None },
                    None,
                    None,
                ]);
            }
        }
    }
    values(
        &["name", "type", "null", "key", "extras", "watermark"],
        &rows,
    )
}

/// `SHOW CREATE TABLE t`: the DDL Weft holds for the table (after LIKE merging).
pub fn create_table_text(def: &TableDef) -> String {
    let mut items = Vec::new();
    for column in def.declared() {
        match column {
            Declared::Computed(k) => items.push(format!("  `{}` AS {}", k.name, k.expr)),
            Declared::Metadata(m) => {
                let not_null = if m.field.is_nullable() {
                    ""
                } else {
                    " NOT NULL"
                };
                items.push(format!(
                    "  `{}` {}{not_null} {}",
                    m.field.name(),
                    type_name(&m.field),
                    metadata_text(m)
                ));
            }
            Declared::Physical(f) => {
                let not_null = if f.is_nullable() { "" } else { " NOT NULL" };
                items.push(format!("  `{}` {}{not_null}", f.name(), type_name(f)));
            }
        }
    }
    if !def.primary_key.is_empty() {
        items.push(format!(
            "  PRIMARY KEY ({}) NOT ENFORCED",
            def.primary_key
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut s = format!("CREATE TABLE `{}` (\n{}\n)", def.name, items.join(",\n"));
    if !def.partition_keys.is_empty() {
        s.push_str(&format!(
            " PARTITIONED BY ({})",
            def.partition_keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s.push_str(" WITH (\n");
    s.push_str(
        &def.options
            .iter()
            .map(|(k, v)| format!("  {} = {}", quote(k), quote(v)))
            .collect::<Vec<_>>()
            .join(",\n"),
    );
    s.push_str("\n)");
    s
}

pub fn show_create_table(def: &TableDef) -> String {
    values(&["result"], &[vec![Some(create_table_text(def))]])
}

/// `EXPLAIN`: the plan text in one `result` row.
pub fn explain(plan_text: &str) -> String {
    values(&["result"], &[vec![Some(plan_text.to_string())]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{Statement, parse_script};

    #[test]
    fn describe_and_show_create_read_back_the_ddl() {
        let st = parse_script(
            "CREATE TABLE o (id INT NOT NULL, price DOUBLE, qty INT, total AS price * qty, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'datagen');",
        )
        .unwrap();
        let Statement::CreateTable(def) = &st[0].statement else {
            panic!()
        };
        let d = describe(def);
        assert!(
            d.contains("('id', 'INT', 'FALSE', 'PRI(id)', CAST(NULL AS STRING)"),
            "{d}"
        );
        assert!(
            d.contains(
                "('total', CAST(NULL AS STRING), 'TRUE', CAST(NULL AS STRING), 'AS price * qty'"
            ),
            "{d}"
        );
        let c = create_table_text(def);
        assert!(c.contains("`total` AS price * qty"), "{c}");
        assert!(c.contains("'connector' = 'datagen'"), "{c}");
        assert_eq!(
            show_tables(vec![]),
            "SELECT CAST(NULL AS STRING) AS `table name` WHERE FALSE"
        );
        assert!(show_tables(vec!["b".into(), "a".into()]).contains("VALUES ('a'), ('b')"));
    }
}
