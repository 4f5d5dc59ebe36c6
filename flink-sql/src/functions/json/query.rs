//! JSON_VALUE, JSON_QUERY and JSON_EXISTS: a JSON path read in a document (`path`), with
//! RETURNING, JSON_EXISTS's ON ERROR and JSON_VALUE / JSON_QUERY's behaviours and wrappers
//! (`behaviour`).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanBuilder, ListBuilder, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::behaviour;
use super::path::{self, JsonPath, Mode, Read};
use super::value::{self, Json};
use crate::functions::args::{const_str, eval_rows, result, strings_to_utf8, utf8};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathKind {
    Value,
    Query,
    Exists,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PathFn {
    kind: PathKind,
    signature: Signature,
}

impl PathFn {
    pub fn new(kind: PathKind) -> Self {
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
    crate::functions::args::is_string(t)
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
                t if crate::functions::args::is_string(t) => DataType::Utf8,
                DataType::List(e) if crate::functions::args::is_string(e.data_type()) => {
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
                    Some(a) => match crate::functions::args::const_str(a).flatten().as_deref() {
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
