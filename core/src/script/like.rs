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
//! | WATERMARKS, METADATA | Weft keeps neither, so these are accepted and change nothing | | |

use super::ddl::LikeClause;
use crate::catalog::{ComputedColumn, TableDef};

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
    let shift = base.columns.len() + base.computed.len();
    out.columns = columns;
    // Computed columns keep their positions: the base's, then the derived's after all of
    // the base's columns.
    let mut computed: Vec<ComputedColumn> = Vec::new();
    match strategy(like, "GENERATED") {
        Strategy::Excluding => {}
        s => {
            for k in &base.computed {
                let overwritten = derived.computed.iter().any(|d| d.name == k.name);
                if overwritten && s == Strategy::Including {
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
    }
    let base_kept = match strategy(like, "GENERATED") {
        Strategy::Excluding => base.columns.len(),
        _ => shift,
    };
    for (i, k) in derived.computed.iter().enumerate() {
        let _ = i;
        let mut k = k.clone();
        k.position += base_kept;
        computed.push(k);
    }
    // Positions must stay within the merged column count, in order.
    computed.sort_by_key(|k| k.position);
    out.computed = computed;
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
}
