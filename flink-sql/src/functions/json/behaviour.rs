//! JSON_VALUE's and JSON_QUERY's ON EMPTY / ON ERROR behaviours and JSON_QUERY's wrappers,
//! as Flink answers them. `crate::sql_text` passes them as the call
//! `flink_json_behaviours(wrapper, on_empty, empty_default, on_error, error_default)`,
//! which [`super::rewrite_sql`] spreads into arguments 4 to 8 of the UDF (after the
//! RETURNING type). A path's result is a value, empty or an error:
//! - strict mode (also a path without `lax`/`strict`): bad JSON, a missing path or a JSON
//!   null, and for JSON_VALUE a non-scalar (for JSON_QUERY WITHOUT WRAPPER a scalar), are
//!   errors;
//! - lax mode: each of those is empty.
//! Empty and error results then take their behaviour: NULL, ERROR (the call fails), DEFAULT
//! expr (JSON_VALUE), EMPTY ARRAY / EMPTY OBJECT (JSON_QUERY).

use datafusion::common::exec_err;
use datafusion::error::Result;

use super::path::Mode;
use super::value::Json;

pub const MARKER: &str = "flink_json_behaviours";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapper {
    Without,
    Conditional,
    Unconditional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Null,
    Error,
    Default,
    EmptyArray,
    EmptyObject,
}

#[derive(Debug, Clone, Copy)]
pub struct Behaviours {
    pub wrapper: Wrapper,
    pub on_empty: On,
    pub on_error: On,
}

fn on(text: &str) -> Result<On> {
    Ok(match text {
        "NULL" => On::Null,
        "ERROR" => On::Error,
        "DEFAULT" => On::Default,
        "EMPTY ARRAY" => On::EmptyArray,
        "EMPTY OBJECT" => On::EmptyObject,
        other => return exec_err!("JSON: no ON EMPTY / ON ERROR behaviour {other}"),
    })
}

impl Behaviours {
    /// From the constant texts `crate::sql_text` writes.
    pub fn parse(wrapper: &str, on_empty: &str, on_error: &str) -> Result<Behaviours> {
        Ok(Behaviours {
            wrapper: match wrapper {
                "WITHOUT" => Wrapper::Without,
                "CONDITIONAL" => Wrapper::Conditional,
                "UNCONDITIONAL" => Wrapper::Unconditional,
                other => return exec_err!("JSON_QUERY: no wrapper {other}"),
            },
            on_empty: on(on_empty)?,
            on_error: on(on_error)?,
        })
    }
}

/// A path's result: Ok(Some(value)), Ok(None) for empty, Err(()) for an error.
pub type Outcome = std::result::Result<Option<Json>, ()>;

fn take(name: &str, b: On, empty: bool, default: Option<&str>, path: &str) -> Result<Option<Json>> {
    Ok(match b {
        On::Null => None,
        On::Default => default.map(|d| Json::Str(d.to_string())),
        On::EmptyArray => Some(Json::Arr(vec![])),
        On::EmptyObject => Some(Json::Obj(vec![])),
        On::Error if empty => {
            return exec_err!("Empty result of {name} function is not allowed");
        }
        On::Error => return exec_err!("{name}: No results for path: {path}"),
    })
}

/// JSON_VALUE's result with its behaviours (`defaults`: on empty, on error).
pub fn value(
    outcome: Outcome,
    mode: Mode,
    b: &Behaviours,
    defaults: (Option<&str>, Option<&str>),
    path: &str,
) -> Result<Option<Json>> {
    let outcome = match outcome {
        Ok(Some(v)) if !v.is_scalar() => match mode {
            Mode::Lax => Ok(None),
            Mode::Strict => Err(()),
        },
        o => o,
    };
    match outcome {
        Ok(Some(v)) => Ok(Some(v)),
        Ok(None) => take("JSON_VALUE", b.on_empty, true, defaults.0, path),
        Err(()) => take("JSON_VALUE", b.on_error, false, defaults.1, path),
    }
}

/// JSON_QUERY's result with its wrapper and behaviours.
pub fn query(outcome: Outcome, mode: Mode, b: &Behaviours, path: &str) -> Result<Option<Json>> {
    let outcome = match outcome {
        Ok(Some(v)) => match b.wrapper {
            Wrapper::Unconditional => Ok(Some(Json::Arr(vec![v]))),
            Wrapper::Conditional if matches!(v, Json::Arr(_)) => Ok(Some(v)),
            Wrapper::Conditional => Ok(Some(Json::Arr(vec![v]))),
            Wrapper::Without if v.is_scalar() => match mode {
                Mode::Lax => Ok(None),
                Mode::Strict => Err(()),
            },
            Wrapper::Without => Ok(Some(v)),
        },
        o => o,
    };
    match outcome {
        Ok(Some(v)) => Ok(Some(v)),
        Ok(None) => take("JSON_QUERY", b.on_empty, true, None, path),
        Err(()) => take("JSON_QUERY", b.on_error, false, None, path),
    }
}
