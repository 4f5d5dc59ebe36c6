//! Keyed state for streaming aggregations: an `INSERT INTO t SELECT k…, SUM(x) AS s,
//! COUNT(*) AS n, MIN(…), MAX(…) FROM kafka_table [WHERE …] GROUP BY k…` into a Delta table
//! whose PRIMARY KEY is the group keys.
//!
//! Each epoch aggregates only its new records; the aggregates of all earlier records are
//! the state of the last checkpoint — a Parquet table under
//! `<state.checkpoints.dir>/chk-<id>/state/<sink>/`, written by the epoch's job with the
//! checkpoint and restored with it on resume. An epoch merges its partial aggregates with
//! the state (SUM and COUNT add, MIN and MAX keep the extreme), upserts the keys it touched
//! into the sink, and writes the merged state for its own checkpoint:
//!
//! ```sql
//! CREATE TEMPORARY VIEW __weft_merged_t AS
//!   SELECT k, SUM(s) AS s, …, MAX(__weft_touched) AS __weft_touched FROM (
//!     SELECT k, SUM(x) AS s, …, 1 AS __weft_touched FROM src … GROUP BY k   -- the epoch
//!     UNION ALL SELECT k, s, …, 0 FROM __weft_state_in_t) AS u               -- the state
//!   GROUP BY k;
//! INSERT INTO t SELECT k, s, … FROM __weft_merged_t WHERE __weft_touched = 1;
//! INSERT OVERWRITE __weft_state_out_t SELECT k, s, … FROM __weft_merged_t;
//! ```

use datafusion::sql::sqlparser::ast::{
    Expr, GroupByExpr, Ident, SelectItem, SetExpr, Statement as SqlStatement,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use weft_core::catalog::TableDef;
use weft_core::script::{Statement, parse_script};

use crate::pipeline::translate::sql_type;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Merge {
    Key,
    Sum,
    Min,
    Max,
}

/// A stateful INSERT of the script.
#[derive(Debug, Clone)]
pub struct Aggregation {
    pub sink: String,
    /// Byte range of the INSERT statement in the script (replaced per epoch).
    range: (usize, usize),
    /// The sink's columns: name, SQL type, how it merges.
    columns: Vec<(String, String, Merge)>,
    /// The user's query with its items aliased to the sink's columns and the touched flag.
    partial: String,
}

const TOUCHED: &str = "__weft_touched";

fn refuse(sink: &str, why: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!(
        "INSERT INTO {sink}: {why}. A streaming job keeps state for SELECT <keys>, SUM / COUNT / MIN / MAX (…) AS <alias> FROM … [WHERE …] GROUP BY <keys> into a 'delta' table whose PRIMARY KEY is the keys"
    )
}

fn merge_of(e: &Expr) -> Option<Merge> {
    let Expr::Function(f) = e else { return None };
    let text = e.to_string().to_ascii_uppercase();
    if f.over.is_some() || f.filter.is_some() || text.contains("DISTINCT") {
        return None;
    }
    match f.name.to_string().to_ascii_uppercase().as_str() {
        "SUM" | "COUNT" => Some(Merge::Sum),
        "MIN" => Some(Merge::Min),
        "MAX" => Some(Merge::Max),
        _ => None,
    }
}

/// Keywords whose operators would need state across checkpoints (Weft keeps state only for
/// the GROUP BY aggregations [`analyze`] recognises).
const STATEFUL: &[&str] = &[
    "DISTINCT",
    "OVER",
    "INTERSECT",
    "EXCEPT",
    "GROUP",
    "HAVING",
    "ORDER",
    "LIMIT",
    "AVG",
    "SUM",
    "COUNT",
    "MIN",
    "MAX",
];

/// Refuse a streaming INSERT whose query needs state Weft does not keep: an aggregation
/// other than the supported GROUP BY, DISTINCT, window functions, set operations other
/// than UNION ALL, ORDER BY / LIMIT, or a join of two streams (Kafka tables). Per epoch they
/// would see only that epoch's records: wrong results, so they are refused.
fn check_stateless(
    sink: &str,
    query: &str,
    streams: &[String],
    aggregation: bool,
) -> anyhow::Result<()> {
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&GenericDialect {}, query).tokenize()?;
    let mut groups = 0;
    for t in &tokens {
        let Token::Word(w) = t else { continue };
        let upper = w.value.to_ascii_uppercase();
        groups += usize::from(upper == "GROUP");
        // A supported aggregation has its one GROUP BY and aggregate calls, nothing else
        // stateful (in subqueries either).
        let allowed = aggregation && matches!(upper.as_str(), "SUM" | "COUNT" | "MIN" | "MAX")
            || (aggregation && upper == "GROUP" && groups == 1);
        if STATEFUL.contains(&upper.as_str()) && !allowed {
            return Err(anyhow::anyhow!(
                "INSERT INTO {sink}: `{}` needs state across checkpoints, which a streaming job keeps only for SELECT <keys>, SUM / COUNT / MIN / MAX (…) AS <alias> FROM … GROUP BY <keys> into a 'delta' table keyed by them; other queries must be per-record (projections, filters, UNION ALL, joins with bounded tables)",
                w.value
            ));
        }
    }
    let mut stream_refs = 0;
    for st in Parser::parse_sql(&GenericDialect {}, query)? {
        let _ = datafusion::sql::sqlparser::ast::visit_relations(&st, |rel| {
            let name = rel.to_string();
            let last = name.rsplit('.').next().unwrap_or(&name).trim_matches('`');
            if streams.iter().any(|s| s.eq_ignore_ascii_case(last)) {
                stream_refs += 1;
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
    }
    if stream_refs > 1 {
        return Err(anyhow::anyhow!(
            "INSERT INTO {sink}: the query reads Kafka tables more than once (a join or self-join of streams), which needs state across checkpoints that Weft does not keep; join a stream only with bounded tables"
        ));
    }
    Ok(())
}

/// The script's stateful INSERTs (none: a stateless job, epochs need no state); queries
/// that need state Weft does not keep are refused.
pub fn analyze(script: &str) -> anyhow::Result<Vec<Aggregation>> {
    let statements = parse_script(script)?;
    let tables: Vec<TableDef> = statements
        .iter()
        .filter_map(|s| match &s.statement {
            Statement::CreateTable(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let streams: Vec<String> = tables
        .iter()
        .filter(|t| t.connector() == Some("kafka"))
        .map(|t| t.name.clone())
        .collect();
    let mut out = Vec::new();
    for st in &statements {
        let Statement::Insert(ins) = &st.statement else {
            continue;
        };
        let text = &script[ins.query_offset..st.end()];
        let found = aggregation(st, ins, text, &tables)?;
        check_stateless(&ins.table, text, &streams, found.is_some())?;
        out.extend(found);
    }
    Ok(out)
}

/// The INSERT as a supported aggregation, None when it aggregates nothing.
fn aggregation(
    st: &weft_core::script::ParsedStatement,
    ins: &weft_core::script::InsertStatement,
    text: &str,
    tables: &[TableDef],
) -> anyhow::Result<Option<Aggregation>> {
    {
        let parsed = Parser::parse_sql(&GenericDialect {}, text)?;
        let [SqlStatement::Query(q)] = parsed.as_slice() else {
            return Ok(None);
        };
        let SetExpr::Select(select) = q.body.as_ref() else {
            return Ok(None);
        };
        let group: Vec<String> = match &select.group_by {
            GroupByExpr::Expressions(exprs, mods) if mods.is_empty() => {
                exprs.iter().map(|e| e.to_string()).collect()
            }
            _ => vec![],
        };
        let aggregates = select.projection.iter().any(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                matches!(e, Expr::Function(_)) && merge_of(e).is_some()
            }
            _ => false,
        });
        if group.is_empty() && !aggregates {
            return Ok(None);
        }
        let sink = &ins.table;
        if group.is_empty() {
            return Err(refuse(sink, "an aggregation without GROUP BY"));
        }
        if select.having.is_some()
            || select.distinct.is_some()
            || q.order_by.is_some()
            || q.limit_clause.is_some()
            || q.with.is_some()
        {
            return Err(refuse(
                sink,
                "HAVING, DISTINCT, ORDER BY, LIMIT and WITH are not supported with streaming state",
            ));
        }
        if !ins.columns.is_empty() || ins.overwrite {
            return Err(refuse(sink, "INSERT OVERWRITE or a column list"));
        }
        let def = tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(sink))
            .ok_or_else(|| refuse(sink, "the sink is not a declared table"))?;
        if def.connector() != Some("delta") {
            return Err(refuse(sink, "the sink is not a 'delta' table"));
        }
        if def.columns.len() != select.projection.len() {
            return Err(refuse(
                sink,
                format!(
                    "the query has {} columns and the table {}",
                    select.projection.len(),
                    def.columns.len()
                ),
            ));
        }
        let mut columns = Vec::new();
        let mut items = Vec::new();
        for (item, col) in select.projection.iter().zip(&def.columns) {
            let expr = match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                other => return Err(refuse(sink, format!("`{other}`"))),
            };
            let merge = if group.contains(&expr.to_string()) {
                Merge::Key
            } else {
                merge_of(expr).ok_or_else(|| {
                    refuse(
                        sink,
                        format!("`{expr}` is neither a GROUP BY key nor SUM, COUNT, MIN or MAX"),
                    )
                })?
            };
            let ty = sql_type(col.data_type()).map_err(|e| refuse(sink, e))?;
            columns.push((col.name().clone(), ty, merge));
            items.push(SelectItem::ExprWithAlias {
                expr: expr.clone(),
                alias: Ident::new(col.name()),
            });
        }
        let keys: Vec<&str> = columns
            .iter()
            .filter(|c| c.2 == Merge::Key)
            .map(|c| c.0.as_str())
            .collect();
        let mut pk: Vec<String> = def
            .primary_key
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        let mut want: Vec<String> = keys.iter().map(|k| k.to_ascii_lowercase()).collect();
        pk.sort();
        want.sort();
        if pk != want {
            return Err(refuse(
                sink,
                format!(
                    "its PRIMARY KEY ({}) is not the GROUP BY keys ({})",
                    def.primary_key.join(", "),
                    keys.join(", ")
                ),
            ));
        }
        items.push(SelectItem::ExprWithAlias {
            expr: Expr::value(datafusion::sql::sqlparser::ast::Value::Number(
                "1".into(),
                false,
            )),
            alias: Ident::new(TOUCHED),
        });
        let mut partial = q.clone();
        if let SetExpr::Select(s) = partial.body.as_mut() {
            s.projection = items;
        }
        Ok(Some(Aggregation {
            sink: def.name.clone(),
            range: (st.raw.offset, st.end()),
            columns,
            partial: partial.to_string(),
        }))
    }
}

fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// The script of one epoch: each stateful INSERT replaced by the merge with `state_in`
/// (the previous checkpoint's state directory, if any) writing `state_out`.
pub fn epoch_script(
    script: &str,
    aggs: &[Aggregation],
    state: &dyn Fn(&str) -> (Option<String>, String),
) -> String {
    let mut out = String::new();
    let mut at = 0;
    let mut sorted: Vec<&Aggregation> = aggs.iter().collect();
    sorted.sort_by_key(|a| a.range.0);
    for a in sorted {
        out += &script[at..a.range.0];
        at = a.range.1;
        let (state_in, state_out) = state(&a.sink);
        let ddl: Vec<String> = a
            .columns
            .iter()
            .map(|(n, t, _)| format!("{n} {t}"))
            .collect();
        let names: Vec<&str> = a.columns.iter().map(|c| c.0.as_str()).collect();
        let (t_in, t_out, merged) = (
            format!("__weft_state_in_{}", a.sink),
            format!("__weft_state_out_{}", a.sink),
            format!("__weft_merged_{}", a.sink),
        );
        out += &format!(
            "CREATE TABLE {t_out} ({}) WITH ('connector' = 'filesystem', 'path' = {}, 'format' = 'parquet');\n",
            ddl.join(", "),
            quote(&state_out)
        );
        let mut union = a.partial.clone();
        if let Some(dir) = state_in {
            out += &format!(
                "CREATE TABLE {t_in} ({}) WITH ('connector' = 'filesystem', 'path' = {}, 'format' = 'parquet');\n",
                ddl.join(", "),
                quote(&dir)
            );
            union += &format!(
                " UNION ALL SELECT {}, 0 AS {TOUCHED} FROM {t_in}",
                names.join(", ")
            );
        }
        let merge_items: Vec<String> = a
            .columns
            .iter()
            .map(|(n, _, m)| match m {
                Merge::Key => n.clone(),
                Merge::Sum => format!("SUM({n}) AS {n}"),
                Merge::Min => format!("MIN({n}) AS {n}"),
                Merge::Max => format!("MAX({n}) AS {n}"),
            })
            .collect();
        let keys: Vec<&str> = a
            .columns
            .iter()
            .filter(|c| c.2 == Merge::Key)
            .map(|c| c.0.as_str())
            .collect();
        out += &format!(
            "CREATE TEMPORARY VIEW {merged} AS SELECT {}, MAX({TOUCHED}) AS {TOUCHED} FROM ({union}) AS __weft_u GROUP BY {};\n",
            merge_items.join(", "),
            keys.join(", ")
        );
        out += &format!(
            "INSERT INTO {} SELECT {} FROM {merged} WHERE {TOUCHED} = 1;\n",
            a.sink,
            names.join(", ")
        );
        out += &format!(
            "INSERT OVERWRITE {t_out} SELECT {} FROM {merged}",
            names.join(", ")
        );
    }
    out += &script[at..];
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "CREATE TABLE src (account STRING, amount BIGINT) WITH ('connector' = 'kafka', 'topic' = 't');
CREATE TABLE totals (account STRING, total BIGINT, n BIGINT, biggest BIGINT, PRIMARY KEY (account) NOT ENFORCED)
  WITH ('connector' = 'delta', 'path' = '/lake/totals');
INSERT INTO totals SELECT account, SUM(amount) AS total, COUNT(*), MAX(amount) AS m FROM src WHERE amount > 0 GROUP BY account;
";

    #[test]
    fn an_aggregation_merges_with_the_state() {
        let aggs = analyze(SCRIPT).unwrap();
        assert_eq!(aggs.len(), 1);
        let s = epoch_script(SCRIPT, &aggs, &|_| {
            (
                Some("file:///chk/chk-1/state/totals".into()),
                "file:///chk/chk-2/state/totals".into(),
            )
        });
        assert!(s.contains("CREATE TABLE __weft_state_in_totals (account STRING, total BIGINT, n BIGINT, biggest BIGINT) WITH ('connector' = 'filesystem', 'path' = 'file:///chk/chk-1/state/totals'"), "{s}");
        assert!(s.contains("SELECT account AS account, SUM(amount) AS total, COUNT(*) AS n, MAX(amount) AS biggest, 1 AS __weft_touched FROM src WHERE amount > 0 GROUP BY account UNION ALL SELECT account, total, n, biggest, 0 AS __weft_touched FROM __weft_state_in_totals"), "{s}");
        assert!(s.contains("SELECT account, SUM(total) AS total, SUM(n) AS n, MAX(biggest) AS biggest, MAX(__weft_touched)"), "{s}");
        assert!(s.contains("INSERT INTO totals SELECT account, total, n, biggest FROM __weft_merged_totals WHERE __weft_touched = 1;"), "{s}");
        assert!(
            s.contains("INSERT OVERWRITE __weft_state_out_totals SELECT"),
            "{s}"
        );
        // The first epoch has no state to merge.
        let first = epoch_script(SCRIPT, &aggs, &|_| {
            (None, "file:///chk/chk-1/state/totals".into())
        });
        assert!(
            !first.contains("UNION ALL") && !first.contains("__weft_state_in"),
            "{first}"
        );
        // A stateless script is left alone.
        assert!(
            analyze(
                &SCRIPT
                    .replace(
                        "SUM(amount) AS total, COUNT(*), MAX(amount) AS m",
                        "amount, amount, amount"
                    )
                    .replace(" GROUP BY account", "")
            )
            .unwrap()
            .is_empty()
        );
    }

    #[test]
    fn unsupported_aggregations_are_refused_by_name() {
        let e = |s: &str| {
            analyze(&SCRIPT.replace("MAX(amount) AS m", s))
                .unwrap_err()
                .to_string()
        };
        assert!(
            e("AVG(amount)").contains("`AVG(amount)` is neither"),
            "{}",
            e("AVG(amount)")
        );
        assert!(e("COUNT(DISTINCT amount)").contains("neither"));
        let no_pk = SCRIPT.replace(", PRIMARY KEY (account) NOT ENFORCED", "");
        assert!(
            analyze(&no_pk)
                .unwrap_err()
                .to_string()
                .contains("PRIMARY KEY () is not the GROUP BY keys (account)")
        );
        let having = SCRIPT.replace("GROUP BY account;", "GROUP BY account HAVING COUNT(*) > 1;");
        assert!(analyze(&having).unwrap_err().to_string().contains("HAVING"));
    }

    #[test]
    fn queries_needing_state_weft_does_not_keep_are_refused() {
        let base = "CREATE TABLE a (k STRING, v BIGINT) WITH ('connector' = 'kafka', 'topic' = 'a');
CREATE TABLE b (k STRING, v BIGINT) WITH ('connector' = 'kafka', 'topic' = 'b');
CREATE TABLE dim (k STRING, name STRING) WITH ('connector' = 'filesystem', 'path' = '/d', 'format' = 'csv');
CREATE TABLE out (k STRING, v BIGINT) WITH ('connector' = 'delta', 'path' = '/o');
";
        let q = |sql: &str| {
            analyze(&format!("{base}{sql};"))
                .map(|a| a.len())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            q("INSERT INTO out SELECT a.k, a.v FROM a JOIN dim ON a.k = dim.k WHERE a.v > 0"),
            Ok(0)
        );
        assert_eq!(
            q("INSERT INTO out SELECT k, v FROM a UNION ALL SELECT k, v FROM dim"),
            Ok(0)
        );
        assert!(
            q("INSERT INTO out SELECT a.k, b.v FROM a JOIN b ON a.k = b.k")
                .unwrap_err()
                .contains("join or self-join of streams")
        );
        assert!(
            q("INSERT INTO out SELECT DISTINCT k, v FROM a")
                .unwrap_err()
                .contains("`DISTINCT` needs state")
        );
        assert!(
            q("INSERT INTO out SELECT k, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) FROM a")
                .unwrap_err()
                .contains("needs state")
        );
        assert!(q("INSERT INTO out SELECT k, v FROM (SELECT k, SUM(v) AS v FROM a GROUP BY k) t WHERE v > 1").is_err());
        // A string literal is not a keyword.
        assert_eq!(
            q("INSERT INTO out SELECT k, v FROM a WHERE k <> 'GROUP'"),
            Ok(0)
        );
        let agg = "CREATE TABLE t (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'delta', 'path' = '/t');\n";
        let q2 = |sql: &str| {
            analyze(&format!("{base}{agg}{sql};"))
                .map(|a| a.len())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            q2("INSERT INTO t SELECT k, SUM(v) AS v FROM a GROUP BY k"),
            Ok(1)
        );
        assert!(q2("INSERT INTO t SELECT k, SUM(v) AS v FROM (SELECT k, MAX(v) AS v FROM a GROUP BY k) s GROUP BY k").is_err());
    }
}
