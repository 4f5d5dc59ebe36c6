//! JSON functions (Flink docs: "JSON Functions").
//!
//! Flink's JSON syntax reaches DataFusion through sqlparser's generic dialect, which parses
//! `RETURNING <type>`, `{NULL|ABSENT} ON NULL` and `'key' VALUE value` inside a call.
//! [`rewrite_sql`] turns those into plain arguments of Weft's UDFs:
//! - `JSON_VALUE(s, p RETURNING T)` / `JSON_QUERY(s, p RETURNING T)` pass `CAST(NULL AS T)`
//!   as a third argument, whose type is the result type;
//! - `JSON_OBJECT('k' VALUE v, … [NULL|ABSENT ON NULL])` is `flink_json_object(flags, 'k',
//!   v, …)` and `JSON_ARRAY(v, … [ON NULL])` is `flink_json_array(flags, v, …)`; `flags`
//!   is `N` (NULL ON NULL) or `A` (ABSENT ON NULL) and one letter per value: `v` a SQL value,
//!   `r` the text of a nested JSON_OBJECT / JSON_ARRAY (inserted as it is), `j` the argument
//!   of `JSON(…)` (parsed, inserted as JSON).
//!
//! - `JSON_ARRAYAGG(v [ON NULL])` / `JSON_OBJECTAGG(k VALUE v [ON NULL])` are
//!   `flink_json_arrayagg(flags, v)` / `flink_json_objectagg(flags, k, v)` ([`agg`]).
//!
//! `crate::sql_text` rewrites in the SQL text what sqlparser does not parse: `KEY 'k' VALUE
//! v`, `IS [NOT] JSON …`, JSON_EXISTS's ON ERROR, JSON_VALUE / JSON_QUERY's `ON EMPTY` /
//! `ON ERROR` behaviours and JSON_QUERY's wrappers ([`behaviour`]).

pub mod agg;
pub mod behaviour;
mod build;
pub mod is_json;
mod path;
mod query;
pub(crate) mod value;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    AggregateUDF, ColumnarValue, Expr, ScalarUDF, Signature, Volatility,
};
use datafusion::sql::sqlparser::ast;

use super::args::{arrays, const_str, eval_rows, result, strings_to_utf8, utf8};
use super::scalar;
use query::{PathFn, PathKind};
use value::Json;

pub fn functions() -> Vec<ScalarUDF> {
    let text_fn = |name: &'static str, eval: super::udf::EvalFn| {
        scalar(
            name,
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Utf8),
            eval,
        )
        .coerced(one_string)
        .build()
    };
    vec![
        text_fn("json_quote", |a, n, _| map_text(a, n, |s| Ok(Some(quote(s))))),
        text_fn("json_unquote", |a, n, _| map_text(a, n, unquote)),
        scalar("json_string", Signature::any(1, Volatility::Immutable), ret_json_string, eval_json_string).build(),
        scalar(
            "json",
            Signature::user_defined(Volatility::Immutable),
            |_| plan_err!("The JSON() function is currently only supported inside JSON_ARRAY() or as the VALUE param of JSON_OBJECT()"),
            |_, _, _| exec_err!("JSON() outside JSON_OBJECT / JSON_ARRAY"),
        )
        .coerced(one_string)
        .build(),
        scalar(OBJECT, Signature::variadic_any(Volatility::Immutable), ret_construct, eval_object).build(),
        scalar(ARRAY, Signature::variadic_any(Volatility::Immutable), ret_construct, eval_array).build(),
        ScalarUDF::new_from_impl(PathFn::new(PathKind::Value)),
        ScalarUDF::new_from_impl(PathFn::new(PathKind::Query)),
        ScalarUDF::new_from_impl(PathFn::new(PathKind::Exists)),
    ]
    .into_iter()
    .chain(is_json::functions())
    .collect()
}

/// JSON_ARRAYAGG / JSON_OBJECTAGG ([`agg`]).
pub fn aggregates() -> Vec<AggregateUDF> {
    agg::aggregates()
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`).
pub const DATAFUSION_AS_FLINK: &[&str] = &[];

const OBJECT: &str = "flink_json_object";
const ARRAY: &str = "flink_json_array";

fn one_string(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 1 {
        return plan_err!("this JSON function takes 1 argument, got {}", t.len());
    }
    let t = strings_to_utf8(t);
    if t[0] != DataType::Utf8 {
        return plan_err!("this JSON function takes a string argument, got {}", t[0]);
    }
    Ok(t)
}

fn map_text(
    args: &[ColumnarValue],
    rows: usize,
    f: impl Fn(&str) -> Result<Option<String>>,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = utf8(&args[0].to_array(n)?)?;
    let mut out = StringBuilder::with_capacity(n, n * 8);
    for i in 0..n {
        if a.is_null(i) {
            out.append_null();
        } else {
            out.append_option(f(a.value(i))?);
        }
    }
    result(args, Arc::new(out.finish()))
}

/// JSON_QUOTE: `"`, `\`, `/` and the control characters with short escapes are escaped,
/// every other character above U+007F as `\uXXXX` (lower-case hex, UTF-16 units).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let units: Vec<u16> = s.encode_utf16().collect();
    for (i, &u) in units.iter().enumerate() {
        // Java's `codePointAt(i)` at every UTF-16 index: a surrogate pair shows its code
        // point at the high surrogate and the low surrogate again after it.
        let cp = match (u, units.get(i + 1)) {
            (0xD800..=0xDBFF, Some(&lo @ 0xDC00..=0xDFFF)) => {
                0x10000 + (((u as u32) - 0xD800) << 10) + ((lo as u32) - 0xDC00)
            }
            _ => u as u32,
        };
        let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ if cp > 127 => out.push_str(&format!("\\u{cp:04x}")),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JSON_UNQUOTE: text that is not a JSON string (valid JSON, starting and ending with `"`)
/// comes back as it is; a JSON string loses its first and last characters and its escapes
/// are resolved.
fn unquote(s: &str) -> Result<Option<String>> {
    if s.len() < 2 || !s.starts_with('"') || !s.ends_with('"') || value::parse(s).is_err() {
        return Ok(Some(s.to_string()));
    }
    let u: Vec<u16> = s.encode_utf16().collect();
    let mut out: Vec<u16> = Vec::with_capacity(u.len());
    let mut i = 1;
    while i + 1 < u.len() {
        if u[i] == b'\\' as u16 && i + 1 < u.len() {
            let c = u[i + 1];
            i += 2;
            let ch = match char::from_u32(c as u32).unwrap_or('\0') {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => {
                    let hex = String::from_utf16_lossy(u.get(i..i + 4).unwrap_or(&[]));
                    let Ok(code) = u16::from_str_radix(&hex, 16) else {
                        return exec_err!("JSON_UNQUOTE: bad unicode escape in {s}");
                    };
                    out.push(code);
                    i += 4;
                    continue;
                }
                other => {
                    return exec_err!("JSON_UNQUOTE: Illegal escape sequence: \\{other} in {s}");
                }
            };
            out.push(ch as u16);
        } else {
            out.push(u[i]);
            i += 1;
        }
    }
    Ok(Some(String::from_utf16_lossy(&out)))
}

fn ret_json_string(t: &[DataType]) -> Result<DataType> {
    if !build::supported(&t[0]) {
        return plan_err!(
            "JSON_STRING does not support values of type {}",
            crate::types::flink_name(&t[0])
        );
    }
    Ok(DataType::Utf8)
}

fn eval_json_string(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = args[0].to_array(n)?;
    let mut out = StringBuilder::with_capacity(n, n * 8);
    for i in 0..n {
        // An untyped NULL (a NullArray has no validity buffer) is NULL too.
        if a.is_null(i) || *a.data_type() == DataType::Null {
            out.append_null();
        } else {
            out.append_value(build::node(&a, i).to_text());
        }
    }
    result(args, Arc::new(out.finish()))
}

// ---- JSON_OBJECT / JSON_ARRAY ---------------------------------------------------------------

fn ret_construct(t: &[DataType]) -> Result<DataType> {
    for (i, t) in t.iter().enumerate().skip(1) {
        // Flink: `Type is not supported: ANY` for an untyped NULL.
        if *t == DataType::Null || !build::supported(t) {
            return plan_err!(
                "JSON_OBJECT / JSON_ARRAY: argument {i} has type {}, which Flink does not convert to JSON",
                crate::types::flink_name(t)
            );
        }
    }
    Ok(DataType::Utf8)
}

fn flags(args: &[ColumnarValue]) -> Result<(bool, Vec<u8>)> {
    match args.first().and_then(const_str) {
        Some(Some(f)) if !f.is_empty() => Ok((f.as_bytes()[0] == b'A', f.as_bytes()[1..].to_vec())),
        _ => exec_err!("JSON_OBJECT / JSON_ARRAY called without Weft's flags argument"),
    }
}

/// The JSON for a value argument, or None to leave it out (ABSENT ON NULL).
pub(crate) fn member(a: &ArrayRef, i: usize, flag: u8, absent: bool) -> Result<Option<Json>> {
    if a.is_null(i) {
        return Ok(if absent { None } else { Some(Json::Null) });
    }
    Ok(Some(match flag {
        b'r' => Json::Raw(utf8(a)?.value(i).to_string()),
        b'j' => {
            let s = utf8(a)?.value(i).to_string();
            let t = s.trim();
            if t.is_empty() {
                return Ok(if absent { None } else { Some(Json::Null) });
            }
            match value::parse(t) {
                Ok(v) => Json::Raw(v.to_text()),
                Err(e) => {
                    return exec_err!(
                        "Invalid JSON string in JSON(value) function: \"{s}\". Error: {e}"
                    );
                }
            }
        }
        _ => build::node(a, i),
    }))
}

fn eval_object(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let (absent, kinds) = flags(args)?;
    let n = eval_rows(args, rows);
    let a = arrays(&args[1..], n)?;
    if a.len() % 2 != 0 || a.len() / 2 != kinds.len() {
        return exec_err!("JSON_OBJECT: keys and values do not pair up");
    }
    let keys: Vec<StringArray> = a.iter().step_by(2).map(utf8).collect::<Result<_>>()?;
    let mut out = StringBuilder::with_capacity(n, n * 16);
    for i in 0..n {
        let mut members = Vec::new();
        for (k, kind) in kinds.iter().enumerate() {
            if keys[k].is_null(i) {
                return exec_err!("JSON_OBJECT: a key is NULL");
            }
            if let Some(v) = member(&a[2 * k + 1], i, *kind, absent)? {
                Json::put(&mut members, keys[k].value(i).to_string(), v);
            }
        }
        out.append_value(Json::Obj(members).to_text());
    }
    result(args, Arc::new(out.finish()))
}

fn eval_array(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let (absent, kinds) = flags(args)?;
    let n = eval_rows(args, rows);
    let a = arrays(&args[1..], n)?;
    if a.len() != kinds.len() {
        return exec_err!("JSON_ARRAY: values and flags do not pair up");
    }
    let mut out = StringBuilder::with_capacity(n, n * 16);
    for i in 0..n {
        let mut items = Vec::new();
        for (k, kind) in kinds.iter().enumerate() {
            if let Some(v) = member(&a[k], i, *kind, absent)? {
                items.push(v);
            }
        }
        out.append_value(Json::Arr(items).to_text());
    }
    result(args, Arc::new(out.finish()))
}

// ---- SQL surface ------------------------------------------------------------------------------

fn call_name(f: &ast::Function) -> Option<String> {
    match f.name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(id)] => Some(id.value.to_ascii_uppercase()),
        _ => None,
    }
}

fn lit(s: &str) -> ast::Expr {
    ast::Expr::value(ast::Value::SingleQuotedString(s.to_string()))
}

fn unnamed(e: ast::Expr) -> ast::FunctionArg {
    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))
}

/// How a value argument of JSON_OBJECT / JSON_ARRAY goes in: nested constructions as raw
/// JSON, `JSON(x)` as `x` parsed.
fn value_arg(e: ast::Expr) -> (u8, ast::Expr) {
    if let ast::Expr::Function(f) = &e
        && let Some(name) = call_name(f)
    {
        if name == OBJECT.to_ascii_uppercase() || name == ARRAY.to_ascii_uppercase() {
            return (b'r', e);
        }
        if name == "JSON"
            && let ast::FunctionArguments::List(l) = &f.args
            && l.clauses.is_empty()
            && let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x))] = l.args.as_slice()
        {
            return (b'j', x.clone());
        }
    }
    (b'v', e)
}

/// Rewrites of this family's SQL syntax before DataFusion plans it (see `crate::rewrite`).
pub fn rewrite_sql(e: &mut ast::Expr) {
    is_json::rewrite_sql(e);
    let ast::Expr::Function(f) = e else { return };
    let Some(name) = call_name(f) else { return };
    let ast::FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    match name.as_str() {
        "JSON_VALUE" | "JSON_QUERY" => {
            // the behaviours `crate::sql_text` marked: after the RETURNING type
            let marked = list.args.iter().position(|a| {
                matches!(a, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Function(m)))
                    if call_name(m).is_some_and(|n| n.eq_ignore_ascii_case(behaviour::MARKER)))
            });
            let behaviours = match marked {
                Some(k) => match list.args.remove(k) {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Function(
                        m,
                    ))) => match m.args {
                        ast::FunctionArguments::List(l) => Some(l.args),
                        _ => return,
                    },
                    _ => return,
                },
                None => None,
            };
            let ty = match list.clauses.as_slice() {
                [ast::FunctionArgumentClause::JsonReturningClause(r)] => Some(r.data_type.clone()),
                [] => None,
                _ => return,
            };
            if ty.is_none() && behaviours.is_none() {
                return;
            }
            list.clauses.clear();
            list.args.push(unnamed(ast::Expr::Cast {
                kind: ast::CastKind::Cast,
                expr: Box::new(ast::Expr::value(ast::Value::Null)),
                data_type: ty.unwrap_or(ast::DataType::String(None)),
                array: false,
                format: None,
            }));
            list.args.extend(behaviours.unwrap_or_default());
        }
        "JSON_ARRAYAGG" | "JSON_OBJECTAGG" => {
            let object = name == "JSON_OBJECTAGG";
            let mut absent = !object; // OBJECTAGG: NULL ON NULL; ARRAYAGG: ABSENT ON NULL
            for c in &list.clauses {
                match c {
                    ast::FunctionArgumentClause::JsonNullClause(
                        ast::JsonNullClause::AbsentOnNull,
                    ) => absent = true,
                    ast::FunctionArgumentClause::JsonNullClause(
                        ast::JsonNullClause::NullOnNull,
                    ) => absent = false,
                    // Flink ignores JSON_ARRAYAGG's ORDER BY: rows keep their order
                    ast::FunctionArgumentClause::OrderBy(_) if !object => {}
                    _ => return,
                }
            }
            if list.duplicate_treatment.is_some() || f.filter.is_some() || f.over.is_some() {
                return;
            }
            let args: Vec<ast::Expr> = match (object, list.args.as_slice()) {
                (
                    true,
                    [
                        ast::FunctionArg::Named {
                            name,
                            arg: ast::FunctionArgExpr::Expr(v),
                            operator: ast::FunctionArgOperator::Value,
                        },
                    ],
                ) => {
                    let key = match name.quote_style {
                        Some('\'') => lit(&name.value),
                        _ => ast::Expr::Identifier(name.clone()),
                    };
                    let (k, v) = value_arg(v.clone());
                    let flags = format!("{}{}", if absent { "A" } else { "N" }, k as char);
                    vec![lit(&flags), key, v]
                }
                (false, [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(v))]) => {
                    let (k, v) = value_arg(v.clone());
                    let flags = format!("{}{}", if absent { "A" } else { "N" }, k as char);
                    vec![lit(&flags), v]
                }
                _ => return,
            };
            list.clauses.clear();
            list.args = args.into_iter().map(unnamed).collect();
            f.name = ast::ObjectName::from(vec![ast::Ident::new(if object {
                agg::OBJECTAGG
            } else {
                agg::ARRAYAGG
            })]);
        }
        "JSON_OBJECT" | "JSON_ARRAY" => {
            let object = name == "JSON_OBJECT";
            if !object && list.args.is_empty() && !list.clauses.is_empty() {
                return; // Flink's parser rejects `JSON_ARRAY(NULL ON NULL)`; leave it to fail.
            }
            let mut absent = !object; // JSON_OBJECT: NULL ON NULL; JSON_ARRAY: ABSENT ON NULL
            for c in &list.clauses {
                match c {
                    ast::FunctionArgumentClause::JsonNullClause(
                        ast::JsonNullClause::AbsentOnNull,
                    ) => absent = true,
                    ast::FunctionArgumentClause::JsonNullClause(
                        ast::JsonNullClause::NullOnNull,
                    ) => absent = false,
                    _ => return,
                }
            }
            if list.duplicate_treatment.is_some() {
                return;
            }
            let mut flags = String::from(if absent { "A" } else { "N" });
            let mut args = Vec::new();
            for a in std::mem::take(&mut list.args) {
                match (object, a) {
                    (
                        true,
                        ast::FunctionArg::Named {
                            name,
                            arg: ast::FunctionArgExpr::Expr(v),
                            operator: ast::FunctionArgOperator::Value,
                        },
                    ) => {
                        let key = match name.quote_style {
                            Some('\'') => lit(&name.value),
                            _ => ast::Expr::Identifier(name),
                        };
                        let (k, v) = value_arg(v);
                        flags.push(k as char);
                        args.push(unnamed(key));
                        args.push(unnamed(v));
                    }
                    (false, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(v))) => {
                        let (k, v) = value_arg(v);
                        flags.push(k as char);
                        args.push(unnamed(v));
                    }
                    (_, other) => {
                        // Not Flink's syntax (e.g. JSON_OBJECT('a', 1)): leave the call to fail.
                        args.push(other);
                        list.args = args;
                        return;
                    }
                }
            }
            list.clauses.clear();
            args.insert(0, unnamed(lit(&flags)));
            list.args = args;
            f.name =
                ast::ObjectName::from(vec![ast::Ident::new(if object { OBJECT } else { ARRAY })]);
        }
        _ => {}
    }
}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
pub fn rewrite_expr(e: Expr, _schema: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_unquotes_as_flink_does() {
        assert_eq!(quote("a\"b/ü"), "\"a\\\"b\\/\\u00fc\"");
        assert_eq!(unquote("\"a\\\"b\"").unwrap().unwrap(), "a\"b");
        assert_eq!(unquote("abc").unwrap().unwrap(), "abc");
    }
}
