//! `CREATE TABLE derived (…) WITH (…) LIKE base (…)`: merging a base table declared earlier
//! in the script into the new one, with Flink's rules. Without options Flink uses
//! `INCLUDING ALL OVERWRITING OPTIONS`; an option for one feature overrides ALL's strategy.
//!
//! | feature | INCLUDING | EXCLUDING | OVERWRITING |
//! |---|---|---|---|
//! | physical columns | always merged: base's first; a name in both is an error | | |
//! | CONSTRAINTS (primary key) | base's; both declaring one is an error | derived's | |
//! | GENERATED (computed columns) | base's too; a name in both is an error | derived's | derived's win by name |
//! | OPTIONS | base's too; a key in both is an error | derived's | derived's win by key |
//! | PARTITIONS | base's; both declaring them is an error | derived's | |
//! | METADATA (metadata columns) | base's too; a name in both is an error | derived's | derived's win by name |
//! | WATERMARKS | Weft keeps none, so this is accepted and changes nothing | | |

use super::ddl::LikeClause;
use crate::catalog::{ComputedColumn, MetadataColumn, TableDef};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    Including,
    Excluding,
    Overwriting,
}

fn strategy(like: &LikeClause, feature: &str) -> Strategy {
    let parse = |s: &str| match s {
        "EXCLUDING" => Strategy::Excluding,
        "OVERWRITING" => Strategy::Overwriting,
        _ => Strategy::Including,
    };
    if let Some((_, s)) = like.options.iter().rev().find(|(f, _)| f == feature) {
        return parse(s);
    }
    if let Some((_, s)) = like.options.iter().rev().find(|(f, _)| f == "ALL") {
        return parse(s);
    }
    if like.options.is_empty() && feature == "OPTIONS" {
        return Strategy::Overwriting;
    }
    Strategy::Including
}

/// The derived table with the base merged in; the error names what clashes.
pub fn merge(base: &TableDef, derived: TableDef, like: &LikeClause) -> Result<TableDef, String> {
    let mut out = derived.clone();
    let name = &derived.name;
    // Physical columns: the base's first.
    let mut columns = base.columns.clone();
    for c in &derived.columns {
        if columns.iter().any(|b| b.name() == c.name()) {
            return Err(format!(
                "column '{}' of table `{name}` is also a column of its LIKE base `{}`",
                c.name(),
                base.name
            ));
        }
        columns.push(c.clone());
    }
    out.columns = columns;
    // Computed and metadata columns keep their positions: the base's, then the derived's
    // after all of the base's columns that are kept.
    let generated = strategy(like, "GENERATED");
    let meta = strategy(like, "METADATA");
    let mut computed: Vec<ComputedColumn> = Vec::new();
    if generated != Strategy::Excluding {
        for k in &base.computed {
            let overwritten = derived.computed.iter().any(|d| d.name == k.name);
            if overwritten && generated == Strategy::Including {
                return Err(format!(
                    "computed column '{}' is declared by both `{name}` and its LIKE base `{}`; use OVERWRITING GENERATED",
                    k.name, base.name
                ));
            }
            if !overwritten {
                computed.push(k.clone());
            }
        }
    }
    let mut metadata: Vec<MetadataColumn> = Vec::new();
    if meta != Strategy::Excluding {
        for m in &base.metadata {
            let overwritten = derived
                .metadata
                .iter()
                .any(|d| d.field.name() == m.field.name());
            if overwritten && meta == Strategy::Including {
                return Err(format!(
                    "metadata column '{}' is declared by both `{name}` and its LIKE base `{}`; use OVERWRITING METADATA",
                    m.field.name(),
                    base.name
                ));
            }
            if !overwritten {
                metadata.push(m.clone());
            }
        }
    }
    let base_kept = base.columns.len()
        + if generated == Strategy::Excluding {
            0
        } else {
            base.computed.len()
        }
        + if meta == Strategy::Excluding {
            0
        } else {
            base.metadata.len()
        };
    for k in &derived.computed {
        let mut k = k.clone();
        k.position += base_kept;
        computed.push(k);
    }
    for m in &derived.metadata {
        let mut m = m.clone();
        m.position += base_kept;
        metadata.push(m);
    }
    computed.sort_by_key(|k| k.position);
    metadata.sort_by_key(|m| m.position);
    out.computed = computed;
    out.metadata = metadata;
    out.check_metadata_keys_unique()?;
    // Primary key.
    if strategy(like, "CONSTRAINTS") != Strategy::Excluding && !base.primary_key.is_empty() {
        if !derived.primary_key.is_empty() {
            return Err(format!(
                "both `{name}` and its LIKE base `{}` declare a primary key; use EXCLUDING CONSTRAINTS",
                base.name
            ));
        }
        out.primary_key = base.primary_key.clone();
    }
    // Partitions.
    if strategy(like, "PARTITIONS") != Strategy::Excluding && !base.partition_keys.is_empty() {
        if !derived.partition_keys.is_empty() {
            return Err(format!(
                "both `{name}` and its LIKE base `{}` are PARTITIONED BY; use EXCLUDING PARTITIONS",
                base.name
            ));
        }
        out.partition_keys = base.partition_keys.clone();
    }
    // Options.
    match strategy(like, "OPTIONS") {
        Strategy::Excluding => {}
        s => {
            let mut options = base.options.clone();
            for (k, v) in &derived.options {
                if options.contains_key(k) && s == Strategy::Including {
                    return Err(format!(
                        "option '{k}' is set by both `{name}` and its LIKE base `{}`; use OVERWRITING OPTIONS",
                        base.name
                    ));
                }
                options.insert(k.clone(), v.clone());
            }
            out.options = options;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{Statement, parse_script};

    fn table(script: &str, i: usize) -> TableDef {
        match &parse_script(script).unwrap()[i].statement {
            Statement::CreateTable(t) => t.clone(),
            other => panic!("{other:?}"),
        }
    }

    const BASE: &str = "CREATE TABLE base (id INT, amount DOUBLE, total AS amount * 2, PRIMARY KEY (id) NOT ENFORCED) PARTITIONED BY (id) WITH ('connector' = 'filesystem', 'path' = '/a', 'format' = 'csv');\n";

    #[test]
    fn default_includes_all_and_overwrites_options() {
        let t = table(
            &format!("{BASE}CREATE TABLE d (note STRING) WITH ('path' = '/b') LIKE base;"),
            1,
        );
        let names: Vec<&str> = t.columns.iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["id", "amount", "note"]);
        assert_eq!(t.computed.len(), 1);
        assert_eq!(t.computed[0].position, 2);
        assert_eq!(t.primary_key, ["id"]);
        assert_eq!(t.partition_keys, ["id"]);
        assert_eq!(t.options["path"], "/b");
        assert_eq!(t.options["format"], "csv");
    }

    #[test]
    fn excluding_and_clashes() {
        let t = table(
            &format!(
                "{BASE}CREATE TABLE d WITH ('connector' = 'blackhole') LIKE base (EXCLUDING ALL);"
            ),
            1,
        );
        assert!(t.computed.is_empty() && t.primary_key.is_empty() && t.partition_keys.is_empty());
        assert_eq!(t.options.len(), 1);
        let e = parse_script(&format!(
            "{BASE}CREATE TABLE d WITH ('path' = '/b') LIKE base (INCLUDING OPTIONS);"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("option 'path'"), "{e}");
        let e = parse_script(&format!(
            "{BASE}CREATE TABLE d (id INT) WITH ('a' = 'b') LIKE base;"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("column 'id'"), "{e}");
        let e = parse_script("CREATE TABLE d WITH ('a' = 'b') LIKE nowhere;")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nowhere"), "{e}");
    }

    #[test]
    fn metadata_columns_parse_keep_their_place_and_merge() {
        let t = table(
            "CREATE TABLE m (id INT, p STRING METADATA FROM 'file.path' VIRTUAL, `offset` BIGINT NOT NULL METADATA, s STRING, total AS id + 1) WITH ('connector' = 'kafka');",
            0,
        );
        let names: Vec<&str> = t.columns.iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["id", "s"]);
        assert_eq!(t.metadata.len(), 2);
        assert_eq!(t.metadata[0].key, "file.path");
        assert!(t.metadata[0].is_virtual);
        // FROM absent: the key is the column's name; NOT NULL belongs to the type
        assert_eq!(t.metadata[1].key, "offset");
        assert!(!t.metadata[1].is_virtual && !t.metadata[1].field.is_nullable());
        let order: Vec<&str> = t.declared().iter().map(|c| c.name()).collect();
        assert_eq!(order, ["id", "p", "offset", "s", "total"]);
        assert_eq!(t.metadata_keys(), ["file.path", "offset"]);

        // LIKE includes the base's metadata columns, after the base's other columns
        let base = "CREATE TABLE b (id INT, f STRING METADATA FROM 'file.name' VIRTUAL) WITH ('connector' = 'filesystem', 'path' = '/a', 'format' = 'csv');\n";
        let d = table(
            &format!("{base}CREATE TABLE d (x INT, g BIGINT METADATA FROM 'file.size') LIKE b;"),
            1,
        );
        let order: Vec<&str> = d.declared().iter().map(|c| c.name()).collect();
        assert_eq!(order, ["id", "f", "x", "g"]);
        let d = table(
            &format!("{base}CREATE TABLE d (x INT) LIKE b (EXCLUDING METADATA);"),
            1,
        );
        assert!(d.metadata.is_empty());
        let e = parse_script(&format!(
            "{base}CREATE TABLE d (f STRING METADATA FROM 'file.path') LIKE b;"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("metadata column 'f'") && e.contains("OVERWRITING METADATA"),
            "{e}"
        );
        let d = table(
            &format!(
                "{base}CREATE TABLE d (f STRING METADATA FROM 'file.path') LIKE b (OVERWRITING METADATA);"
            ),
            1,
        );
        assert_eq!(d.metadata.len(), 1);
        assert_eq!(d.metadata[0].key, "file.path");
    }
}
