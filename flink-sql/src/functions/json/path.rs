//! The JSON paths of Flink's JSON_VALUE / JSON_QUERY / JSON_EXISTS: an optional mode
//! (`lax` or `strict`, case-insensitive, followed by white space; without one the mode is
//! strict) and a Jayway JsonPath, evaluated as Jayway evaluates it.
//!
//! Weft evaluates the part of Jayway's syntax whose meaning it has: `$`, `.name`, `['name']`,
//! `[n]` (negative from the end), `[n, m, …]`, `[*]`, `.*` and `..name`. A path using
//! anything else (filters, slices, functions, several bracketed names) is not evaluated
//! ([`Unsupported`]): refused at planning when it is a literal, an error when it is data.

use super::value::Json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Lax,
    Strict,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Name(String),
    Index(i64),
    Indexes(Vec<i64>),
    Wildcard,
    /// `..name`: every member `name` of every object, the document first, then its
    /// children in order (Jayway's deep scan).
    Scan(String),
}

#[derive(Clone, Debug)]
pub struct JsonPath {
    pub mode: Mode,
    steps: Vec<Step>,
    /// a trailing `.length()` (Jayway's function): the length of the array read
    length: bool,
}

/// A path Weft does not evaluate (the reason, for the planning error).
#[derive(Debug)]
pub struct Unsupported(pub String);

/// What reading a path gives: a value (definite path), the matches (indefinite path), or the
/// exception Jayway raises.
#[derive(Debug)]
pub enum Read {
    Value(Json),
    List(Vec<Json>),
    NotFound,
}

impl JsonPath {
    pub fn parse(spec: &str) -> Result<JsonPath, Unsupported> {
        let (mode, body) = split_mode(spec);
        let (body, length) = match body.trim_end().strip_suffix(".length()") {
            Some(base) => (base, true),
            None => (body, false),
        };
        let steps = parse_steps(body).ok_or_else(|| {
            Unsupported(format!(
                "Weft supports JSON paths made of $, .name, ['name'], [n], [n, m], [*], .* and ..name, and a final .length(); '{spec}' is not one"
            ))
        })?;
        Ok(JsonPath {
            mode,
            steps,
            length,
        })
    }

    /// Jayway's definite paths: no wildcard, deep scan or index list.
    pub fn is_definite(&self) -> bool {
        self.steps
            .iter()
            .all(|s| matches!(s, Step::Name(_) | Step::Index(_)))
    }

    /// Read the path in `doc` as Jayway does without options (exceptions for missing parts
    /// of a definite path; an indefinite path skips what is missing).
    pub fn read(&self, doc: &Json) -> Read {
        let read = self.read_steps(doc);
        if !self.length {
            return read;
        }
        // Jayway's length(): of the array read, or of an indefinite path's matches
        match read {
            Read::Value(Json::Arr(a)) | Read::List(a) => {
                Read::Value(Json::Int(a.len().to_string()))
            }
            _ => Read::NotFound,
        }
    }

    fn read_steps(&self, doc: &Json) -> Read {
        if self.is_definite() {
            let mut cur = doc;
            for step in &self.steps {
                match (step, cur) {
                    (Step::Name(n), Json::Obj(m)) => match m.iter().find(|(k, _)| k == n) {
                        Some((_, v)) => cur = v,
                        None => return Read::NotFound,
                    },
                    (Step::Name(_), _) => {
                        return Read::NotFound;
                    }
                    (Step::Index(i), Json::Arr(a)) => match index(a.len(), *i) {
                        Some(k) => cur = &a[k],
                        None => return Read::NotFound,
                    },
                    (Step::Index(_), _) => {
                        return Read::NotFound;
                    }
                    _ => unreachable!("definite paths have names and indexes only"),
                }
            }
            return Read::Value(cur.clone());
        }
        let mut out = Vec::new();
        walk(doc, &self.steps, true, &mut out);
        Read::List(out)
    }
}

fn index(len: usize, i: i64) -> Option<usize> {
    let k = if i < 0 { len as i64 + i } else { i };
    (k >= 0 && (k as usize) < len).then_some(k as usize)
}

/// Evaluate `steps` on `v`, collecting matches. `upstream_definite`: no wildcard before.
fn walk(v: &Json, steps: &[Step], upstream_definite: bool, out: &mut Vec<Json>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(v.clone());
        return;
    };
    match step {
        Step::Name(n) => {
            if let Json::Obj(m) = v
                && let Some((_, x)) = m.iter().find(|(k, _)| k == n)
            {
                walk(x, rest, upstream_definite, out);
            }
        }
        Step::Index(i) => {
            if let Json::Arr(a) = v
                && let Some(k) = index(a.len(), *i)
            {
                walk(&a[k], rest, upstream_definite, out);
            }
        }
        Step::Indexes(is) => {
            if let Json::Arr(a) = v {
                for i in is {
                    if let Some(k) = index(a.len(), *i) {
                        walk(&a[k], rest, false, out);
                    }
                }
            }
        }
        Step::Scan(n) => scan(v, n, rest, out),
        Step::Wildcard => match v {
            Json::Obj(m) => {
                for (_, x) in m {
                    walk(x, rest, false, out);
                }
            }
            Json::Arr(a) => {
                for x in a {
                    walk(x, rest, false, out);
                }
            }
            _ => {}
        },
    }
}

fn scan(v: &Json, name: &str, rest: &[Step], out: &mut Vec<Json>) {
    match v {
        Json::Obj(m) => {
            if let Some((_, x)) = m.iter().find(|(k, _)| k == name) {
                walk(x, rest, false, out);
            }
            for (_, x) in m {
                scan(x, name, rest, out);
            }
        }
        Json::Arr(a) => {
            for x in a {
                scan(x, name, rest, out);
            }
        }
        _ => {}
    }
}

/// Whether a path calls a Jayway function (`.length()`, …) outside its filters: such a path
/// can be definite, so Weft cannot tell what it gives.
pub fn calls_function(spec: &str) -> bool {
    let filters = regex::Regex::new(r"\[\?\(.*?\)\]").unwrap();
    let outside = filters.replace_all(spec, "");
    regex::Regex::new(r"\.\s*[A-Za-z_][A-Za-z0-9_]*\s*\(")
        .unwrap()
        .is_match(&outside)
}

/// `^\s*(strict|lax)\s+(.+)$` (case-insensitive) gives the mode; otherwise strict.
fn split_mode(spec: &str) -> (Mode, &str) {
    let t = spec.trim_start();
    for (word, mode) in [("strict", Mode::Strict), ("lax", Mode::Lax)] {
        if t.len() > word.len() && t[..word.len()].eq_ignore_ascii_case(word) {
            let rest = &t[word.len()..];
            if rest.starts_with(|c: char| c.is_whitespace()) {
                let body = rest.trim_start();
                if !body.is_empty() {
                    return (mode, body);
                }
            }
        }
    }
    (Mode::Strict, spec)
}

fn parse_steps(body: &str) -> Option<Vec<Step>> {
    let b = body.trim_end();
    // Jayway reads a path that does not start with `$` as `$.` followed by it.
    let owned;
    let b = match b.strip_prefix('$') {
        Some(rest) => rest,
        None if !b.is_empty() && !b.starts_with(['@', '.', '[']) => {
            owned = format!(".{b}");
            owned.as_str()
        }
        None => return None,
    };
    let chars: Vec<char> = b.chars().collect();
    let mut i = 0;
    let mut steps = Vec::new();
    while i < chars.len() {
        match chars[i] {
            '.' => {
                i += 1;
                if i < chars.len() && chars[i] == '.' {
                    i += 1;
                    let start = i;
                    while i < chars.len() && is_name_char(chars[i]) {
                        i += 1;
                    }
                    if start == i {
                        return None;
                    }
                    steps.push(Step::Scan(chars[start..i].iter().collect()));
                    continue;
                }
                if i < chars.len() && chars[i] == '*' {
                    steps.push(Step::Wildcard);
                    i += 1;
                    continue;
                }
                let start = i;
                while i < chars.len() && is_name_char(chars[i]) {
                    i += 1;
                }
                if start == i {
                    return None;
                }
                steps.push(Step::Name(chars[start..i].iter().collect()));
            }
            '[' => {
                i += 1;
                let close = chars[i..].iter().position(|&c| c == ']')? + i;
                let inner: String = chars[i..close].iter().collect();
                let inner = inner.trim();
                i = close + 1;
                if inner == "*" {
                    steps.push(Step::Wildcard);
                } else if let Some(q) = inner.chars().next().filter(|c| *c == '\'' || *c == '"') {
                    let name = inner.strip_prefix(q)?.strip_suffix(q)?;
                    if name.contains(['\'', '"', '\\', ',']) {
                        return None;
                    }
                    steps.push(Step::Name(name.to_string()));
                } else {
                    let idx: Option<Vec<i64>> = inner
                        .split(',')
                        .map(|p| p.trim().parse::<i64>().ok())
                        .collect();
                    let idx = idx?;
                    match idx.as_slice() {
                        [one] => steps.push(Step::Index(*one)),
                        _ => steps.push(Step::Indexes(idx)),
                    }
                }
            }
            _ => return None,
        }
    }
    Some(steps)
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '$'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::json::value::parse;

    #[test]
    fn reads_paths_as_jayway_does() {
        let doc = parse(r#"{"a":{"b":[10,20,{"c":"deep"}]},"x":null}"#).unwrap();
        let p = JsonPath::parse("$.a.b[2].c").unwrap();
        assert!(matches!(p.read(&doc), Read::Value(Json::Str(s)) if s == "deep"));
        let p = JsonPath::parse("lax $.a.b[5]").unwrap();
        assert_eq!(p.mode, Mode::Lax);
        assert!(matches!(p.read(&doc), Read::NotFound));
        let p = JsonPath::parse("$.a.b[*]").unwrap();
        assert!(matches!(p.read(&doc), Read::List(l) if l.len() == 3));
        let doc = parse(r#"{"x":{"a":[1]},"a":{"z":0}}"#).unwrap();
        let p = JsonPath::parse("$..a").unwrap();
        assert!(
            matches!(p.read(&doc), Read::List(l) if Json::Arr(l.clone()).to_text() == r#"[{"z":0},[1]]"#)
        );
        assert!(calls_function("$.a.length()"));
        assert!(!calls_function("$.a[?(@.b==1)].b"));
        assert!(JsonPath::parse("$.a[?(@.b)]").is_err());
    }
}
