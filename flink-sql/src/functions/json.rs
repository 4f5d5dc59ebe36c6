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
mod value;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanBuilder, ListBuilder, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    AggregateUDF, ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion::sql::sqlparser::ast;

use super::args::{arrays, const_str, eval_rows, result, strings_to_utf8, utf8};
use super::scalar;
use path::{JsonPath, Mode, Read};
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

// ---- JSON_VALUE / JSON_QUERY / JSON_EXISTS --------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PathKind {
    Value,
    Query,
    Exists,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PathFn {
    kind: PathKind,
    signature: Signature,
}

impl PathFn {
    fn new(kind: PathKind) -> Self {
        PathFn {
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    fn sql_name(&self) -> &'static str {
        match self.kind {
            PathKind::Value => "JSON_VALUE",
            PathKind::Query => "JSON_QUERY",
            PathKind::Exists => "JSON_EXISTS",
        }
    }
}

/// The RETURNING types Weft supports in JSON_VALUE: strings. (Flink 2.3 refuses BIGINT,
/// DECIMAL, DATE and ARRAY at planning and casts the JSON value's Java object directly for
/// the other types — a JSON string RETURNING INT or BOOLEAN fails with a ClassCastException —
/// which Weft does not reproduce: it refuses them.)
fn value_returning(t: &DataType) -> bool {
    super::args::is_string(t)
}

impl ScalarUDFImpl for PathFn {
    fn name(&self) -> &str {
        match self.kind {
            PathKind::Value => "json_value",
            PathKind::Query => "json_query",
            PathKind::Exists => "json_exists",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.len() < 2 || (t.len() > 3 && t.len() != 8) {
            return plan_err!("{} takes a JSON string and a path", self.sql_name());
        }
        if self.kind == PathKind::Exists && t.len() == 3 {
            // the ON ERROR behaviour, as `crate::sql_text` passes it
            return Ok(strings_to_utf8(t));
        }
        if self.kind != PathKind::Exists && t.len() == 8 {
            // RETURNING, then the wrapper and ON EMPTY / ON ERROR behaviours (`behaviour`)
            let mut out = strings_to_utf8(&t[..2]);
            out.push(t[2].clone());
            out.extend(t[3..].iter().map(|_| DataType::Utf8));
            return Ok(out);
        }
        let mut out = strings_to_utf8(&t[..2]);
        if out.iter().any(|t| *t != DataType::Utf8) {
            return plan_err!(
                "{} takes string arguments, got {} and {}",
                self.sql_name(),
                t[0],
                t[1]
            );
        }
        if t.len() == 3 {
            out.push(t[2].clone());
        }
        Ok(out)
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        unreachable!("return_field_from_args is implemented")
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        match args.scalar_arguments.get(1) {
            Some(Some(p)) => {
                if let Some(spec) = scalar_text(p)
                    && self.kind != PathKind::Value
                    && let Err(e) = JsonPath::parse(&spec)
                {
                    return plan_err!("{}: {}", self.sql_name(), e.0);
                }
            }
            // Flink: `Unsupported call: JSON_EXISTS(…, STRING)` for a path that is not a literal.
            _ if self.kind == PathKind::Exists => {
                return plan_err!(
                    "JSON_EXISTS: the JSON path must be a literal (Flink: Unsupported call)"
                );
            }
            _ => {}
        }
        let t = match (self.kind, args.arg_fields.get(2)) {
            (PathKind::Exists, _) => DataType::Boolean,
            (_, None) => DataType::Utf8,
            (PathKind::Value, Some(f)) => {
                if !value_returning(f.data_type()) {
                    return plan_err!(
                        "JSON_VALUE: RETURNING {} is not supported",
                        crate::types::flink_name(f.data_type())
                    );
                }
                DataType::Utf8
            }
            (PathKind::Query, Some(f)) => match f.data_type() {
                t if super::args::is_string(t) => DataType::Utf8,
                DataType::List(e) if super::args::is_string(e.data_type()) => {
                    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
                }
                other => {
                    return plan_err!(
                        "JSON_QUERY: RETURNING {} is not supported",
                        crate::types::flink_name(other)
                    );
                }
            },
        };
        Ok(Arc::new(Field::new(self.name(), t, true)))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let ret = args.return_field.data_type().clone();
        let n = eval_rows(&args.args[..2], args.number_rows);
        let docs = utf8(&args.args[0].to_array(n)?)?;
        let specs = utf8(&args.args[1].to_array(n)?)?;
        let mut cache: Option<(String, Option<JsonPath>)> = None;
        let mut paths: Vec<Option<JsonPath>> = Vec::with_capacity(n);
        for i in 0..n {
            if specs.is_null(i) || docs.is_null(i) {
                paths.push(None);
                continue;
            }
            let spec = specs.value(i);
            if cache.as_ref().is_none_or(|(s, _)| s != spec) {
                let parsed = match JsonPath::parse(spec) {
                    Ok(p) => Some(p),
                    // Every path Weft does not evaluate is indefinite (a filter, a slice) or
                    // invalid, unless it calls a function: JSON_VALUE gives NULL for both
                    // (NULL ON EMPTY, NULL ON ERROR).
                    Err(_) if self.kind == PathKind::Value && !path::calls_function(spec) => None,
                    Err(e) => return exec_err!("{}: {}", self.sql_name(), e.0),
                };
                cache = Some((spec.to_string(), parsed));
            }
            paths.push(cache.as_ref().unwrap().1.clone());
        }
        let out: ArrayRef = match self.kind {
            PathKind::Exists => {
                let on_error = match args.args.get(2) {
                    None => OnError::False,
                    Some(a) => match super::args::const_str(a).flatten().as_deref() {
                        Some("TRUE") => OnError::True,
                        Some("FALSE") => OnError::False,
                        Some("UNKNOWN") => OnError::Unknown,
                        Some("ERROR") => OnError::Error,
                        other => {
                            return exec_err!("JSON_EXISTS: no ON ERROR behaviour {other:?}");
                        }
                    },
                };
                let mut b = BooleanBuilder::with_capacity(n);
                for i in 0..n {
                    if docs.is_null(i) || specs.is_null(i) {
                        b.append_null();
                        continue;
                    }
                    let found = paths[i].as_ref().and_then(|p| exists(docs.value(i), p));
                    match (found, on_error) {
                        (Some(v), _) => b.append_value(v),
                        (None, OnError::True) => b.append_value(true),
                        (None, OnError::False) => b.append_value(false),
                        (None, OnError::Unknown) => b.append_null(),
                        (None, OnError::Error) => {
                            return exec_err!(
                                "JSON_EXISTS: No results for path: {} in '{}' (ERROR ON ERROR)",
                                specs.value(i),
                                docs.value(i)
                            );
                        }
                    }
                }
                Arc::new(b.finish())
            }
            PathKind::Value => {
                let b = behaviours(&args.args)?;
                let defaults = match b {
                    Some(_) => Some((
                        utf8(&args.args[5].to_array(n)?)?,
                        utf8(&args.args[7].to_array(n)?)?,
                    )),
                    None => None,
                };
                let mut texts: Vec<Option<Json>> = Vec::with_capacity(n);
                for i in 0..n {
                    texts.push(match (&b, &paths[i], &defaults) {
                        (Some(b), Some(p), Some((de, dr))) if !docs.is_null(i) => {
                            fn at(a: &StringArray, i: usize) -> Option<&str> {
                                a.is_valid(i).then(|| a.value(i))
                            }
                            behaviour::value(
                                evaluate(docs.value(i), p),
                                p.mode,
                                b,
                                (at(de, i), at(dr, i)),
                                specs.value(i),
                            )?
                        }
                        _ => paths[i].as_ref().and_then(|p| json_value(docs.value(i), p)),
                    });
                }
                value_texts(&texts)
            }
            PathKind::Query => {
                let b = behaviours(&args.args)?;
                let mut found: Vec<Option<Json>> = Vec::with_capacity(n);
                for i in 0..n {
                    found.push(match (&b, &paths[i]) {
                        (Some(b), Some(p)) if !docs.is_null(i) => {
                            behaviour::query(evaluate(docs.value(i), p), p.mode, b, specs.value(i))?
                        }
                        _ => paths[i].as_ref().and_then(|p| json_query(docs.value(i), p)),
                    });
                }
                match &ret {
                    DataType::List(_) => {
                        let mut b = ListBuilder::new(StringBuilder::new());
                        for v in &found {
                            match v {
                                Some(Json::Arr(items)) => {
                                    for it in items {
                                        match it {
                                            Json::Null => b.values().append_null(),
                                            it if it.is_scalar() => {
                                                b.values().append_value(it.java_string())
                                            }
                                            it => b.values().append_value(it.to_text()),
                                        }
                                    }
                                    b.append(true);
                                }
                                _ => b.append(false),
                            }
                        }
                        Arc::new(b.finish())
                    }
                    _ => {
                        let mut b = StringBuilder::with_capacity(n, n * 16);
                        for v in &found {
                            b.append_option(v.as_ref().map(|v| v.to_text()));
                        }
                        Arc::new(b.finish())
                    }
                }
            }
        };
        result(&args.args[..2], out)
    }
}

/// The wrapper and ON EMPTY / ON ERROR behaviours of a JSON_VALUE / JSON_QUERY call that
/// has them (arguments 4, 5 and 7; 6 and 8 are the DEFAULT values).
fn behaviours(args: &[ColumnarValue]) -> Result<Option<behaviour::Behaviours>> {
    if args.len() != 8 {
        return Ok(None);
    }
    let text = |k: usize| match const_str(&args[k]) {
        Some(Some(t)) => Ok(t),
        _ => exec_err!("JSON_VALUE / JSON_QUERY: a behaviour must be a constant"),
    };
    Ok(Some(behaviour::Behaviours::parse(
        &text(3)?,
        &text(4)?,
        &text(6)?,
    )?))
}

fn scalar_text(s: &ScalarValue) -> Option<String> {
    match s {
        ScalarValue::Utf8(v) | ScalarValue::Utf8View(v) | ScalarValue::LargeUtf8(v) => v.clone(),
        _ => None,
    }
}

/// What the path gives in the document: Ok(value) — a value or the matches of an indefinite
/// path as an array — or Err (Flink's error: bad JSON or a failed read in strict mode).
/// In lax mode failures are "empty" (Ok(None)).
fn evaluate(doc: &str, path: &JsonPath) -> Result<Option<Json>, ()> {
    let parsed = value::parse(doc);
    let read = match parsed {
        Err(_) => {
            return if path.mode == Mode::Lax {
                Ok(None)
            } else {
                Err(())
            };
        }
        Ok(d) => path.read(&d),
    };
    match (read, path.mode) {
        (Read::Value(Json::Null), Mode::Strict) => Err(()),
        (Read::Value(Json::Null), Mode::Lax) => Ok(None),
        (Read::Value(v), _) => Ok(Some(v)),
        (Read::List(l), _) => Ok(Some(Json::Arr(l))),
        (Read::NotFound, Mode::Strict) => Err(()),
        (Read::NotFound, Mode::Lax) => Ok(None),
    }
}

/// JSON_EXISTS's ON ERROR behaviours (FALSE when none is given).
#[derive(Debug, Clone, Copy)]
enum OnError {
    True,
    False,
    Unknown,
    Error,
}

/// JSON_EXISTS: whether the path has a (non-null) value, or None for Flink's error — in
/// strict mode (and without a mode) bad JSON or a path that is not there (Jayway's
/// PathNotFoundException); lax mode answers FALSE for both.
fn exists(doc: &str, path: &JsonPath) -> Option<bool> {
    let lax = path.mode == Mode::Lax;
    let Ok(doc) = value::parse(doc) else {
        return lax.then_some(false);
    };
    match path.read(&doc) {
        Read::Value(Json::Null) => Some(false),
        Read::Value(_) | Read::List(_) => Some(true),
        Read::NotFound => lax.then_some(false),
    }
}

/// JSON_VALUE with NULL ON EMPTY and NULL ON ERROR: a scalar, else NULL.
fn json_value(doc: &str, path: &JsonPath) -> Option<Json> {
    match evaluate(doc, path) {
        Ok(Some(v)) if v.is_scalar() => Some(v),
        _ => None,
    }
}

/// JSON_QUERY WITHOUT WRAPPER, NULL ON EMPTY, NULL ON ERROR: an array or object, else NULL.
fn json_query(doc: &str, path: &JsonPath) -> Option<Json> {
    match evaluate(doc, path) {
        Ok(Some(v)) if !v.is_scalar() => Some(v),
        _ => None,
    }
}

/// JSON_VALUE's scalars as strings (`String.valueOf` of the Java object Jackson read).
fn value_texts(vals: &[Option<Json>]) -> ArrayRef {
    let texts: StringArray = vals
        .iter()
        .map(|v| v.as_ref().map(|v| v.java_string()))
        .collect();
    Arc::new(texts)
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
