//! Flink's VARIANT (semi-structured values, Flink 2.1+): `PARSE_JSON(s [, allow_duplicate_keys])`
//! and `TRY_PARSE_JSON`. A VARIANT prints as compact JSON with object keys sorted; numbers
//! keep Flink's kinds: an integer is a BIGINT (or an exact DECIMAL past 19 digits), a number
//! with a point and no exponent is a DECIMAL without trailing zeros (`1.0` is `1`), a number
//! with an exponent is a DOUBLE (`1e3` is `1000.0`). A repeated key fails
//! (`VARIANT_DUPLICATE_KEY`) unless duplicates are allowed (the last wins); TRY_PARSE_JSON
//! is NULL where PARSE_JSON fails; text after the first JSON value is ignored, as Flink's
//! Jackson reader ignores it. `CAST(variant AS …)` is refused, as Flink refuses it.
//!
//! Weft holds a VARIANT as a one-field struct (`$weft_variant`) of its JSON text, in the
//! normal form above, so equal values have equal text.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringBuilder, StructArray};
use arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use super::args::{arrays, eval_rows, result, utf8};
use super::json::value::{java_cmp, write_str};
use super::scalar;
use crate::types::flink_name;

pub const FIELD: &str = "$weft_variant";

pub const DATAFUSION_AS_FLINK: &[&str] = &[];

pub fn variant_type() -> DataType {
    DataType::Struct(Fields::from(vec![Field::new(FIELD, DataType::Utf8, true)]))
}

pub fn is_variant(t: &DataType) -> bool {
    matches!(t, DataType::Struct(f) if f.len() == 1 && f[0].name() == FIELD)
}

pub fn functions() -> Vec<ScalarUDF> {
    fn args(t: &[DataType]) -> Result<Vec<DataType>> {
        let text = |t: &DataType| {
            matches!(
                t,
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null
            )
        };
        match t {
            [s] if text(s) => Ok(vec![DataType::Utf8]),
            [s, DataType::Boolean | DataType::Null] if text(s) => {
                Ok(vec![DataType::Utf8, DataType::Boolean])
            }
            _ => {
                let got: Vec<String> = t.iter().map(flink_name).collect();
                plan_err!(
                    "PARSE_JSON takes a STRING and an optional BOOLEAN (allow duplicate keys), not ({})",
                    got.join(", ")
                )
            }
        }
    }
    let user = || Signature::user_defined(Volatility::Immutable);
    vec![
        scalar(
            "parse_json",
            user(),
            |_| Ok(variant_type()),
            |a, n, _| eval(a, n, false),
        )
        .coerced(args)
        .build(),
        scalar(
            "try_parse_json",
            user(),
            |_| Ok(variant_type()),
            |a, n, _| eval(a, n, true),
        )
        .coerced(args)
        .build(),
    ]
}

fn eval(args: &[ColumnarValue], rows: usize, try_: bool) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let s = utf8(&a[0])?;
    let dup = a.get(1).map(|b| {
        b.as_any()
            .downcast_ref::<arrow::array::BooleanArray>()
            .expect("coerced to BOOLEAN")
            .clone()
    });
    let mut out = StringBuilder::with_capacity(n, n * 16);
    for i in 0..n {
        if s.is_null(i) {
            out.append_null();
            continue;
        }
        let allow = dup.as_ref().is_some_and(|d| d.is_valid(i) && d.value(i));
        match normal_json(s.value(i), allow) {
            Ok(t) => out.append_value(t),
            Err(_) if try_ => out.append_null(),
            Err(e) => return exec_err!("PARSE_JSON: {e}"),
        }
    }
    let text = out.finish();
    let nulls = text.nulls().cloned();
    let DataType::Struct(fields) = variant_type() else {
        unreachable!()
    };
    let array: ArrayRef = Arc::new(StructArray::new(fields, vec![Arc::new(text)], nulls));
    result(args, array)
}

/// The VARIANT's text of JSON `text`, or why it is not one.
pub fn normal_json(text: &str, allow_duplicates: bool) -> std::result::Result<String, String> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
        allow_duplicates,
    };
    let mut out = String::new();
    p.ws();
    // as Jackson's default reader, text after the first value is not read
    p.value(&mut out, 0)?;
    Ok(out)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    allow_duplicates: bool,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn bad(&self) -> String {
        let rest = String::from_utf8_lossy(&self.b[self.i.min(self.b.len())..]);
        let token: String = rest.chars().take(20).collect();
        format!(
            "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        )
    }

    fn value(&mut self, out: &mut String, depth: usize) -> std::result::Result<(), String> {
        if depth > 1000 {
            return Err("the JSON value nests too deeply".into());
        }
        match self.b.get(self.i) {
            Some(b'{') => self.object(out, depth),
            Some(b'[') => {
                self.i += 1;
                out.push('[');
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    out.push(']');
                    return Ok(());
                }
                loop {
                    self.ws();
                    self.value(out, depth + 1)?;
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => {
                            self.i += 1;
                            out.push(',');
                        }
                        Some(b']') => {
                            self.i += 1;
                            out.push(']');
                            return Ok(());
                        }
                        _ => return Err("expected ',' or ']' in a JSON array".into()),
                    }
                }
            }
            Some(b'"') => {
                let s = self.string()?;
                write_str(&s, out);
                Ok(())
            }
            Some(b't') if self.b[self.i..].starts_with(b"true") => {
                self.i += 4;
                out.push_str("true");
                Ok(())
            }
            Some(b'f') if self.b[self.i..].starts_with(b"false") => {
                self.i += 5;
                out.push_str("false");
                Ok(())
            }
            Some(b'n') if self.b[self.i..].starts_with(b"null") => {
                self.i += 4;
                out.push_str("null");
                Ok(())
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.i += 1;
                while self.i < self.b.len()
                    && matches!(
                        self.b[self.i],
                        b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'
                    )
                {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.b[start..self.i]).unwrap();
                out.push_str(&number(t).ok_or_else(|| format!("bad JSON number '{t}'"))?);
                Ok(())
            }
            _ => Err(self.bad()),
        }
    }

    fn object(&mut self, out: &mut String, depth: usize) -> std::result::Result<(), String> {
        self.i += 1;
        let mut members: Vec<(String, String)> = Vec::new();
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                if self.b.get(self.i) != Some(&b'"') {
                    return Err("expected a field name in a JSON object".into());
                }
                let key = self.string()?;
                self.ws();
                if self.b.get(self.i) != Some(&b':') {
                    return Err("expected ':' in a JSON object".into());
                }
                self.i += 1;
                self.ws();
                let mut v = String::new();
                self.value(&mut v, depth + 1)?;
                match members.iter_mut().find(|(k, _)| *k == key) {
                    Some(_) if !self.allow_duplicates => {
                        return Err("VARIANT_DUPLICATE_KEY".into());
                    }
                    Some(m) => m.1 = v,
                    None => members.push((key, v)),
                }
                self.ws();
                match self.b.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err("expected ',' or '}' in a JSON object".into()),
                }
            }
        }
        members.sort_by(|a, b| java_cmp(&a.0, &b.0));
        out.push('{');
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(k, out);
            out.push(':');
            out.push_str(v);
        }
        out.push('}');
        Ok(())
    }

    fn string(&mut self) -> std::result::Result<String, String> {
        self.i += 1;
        let mut s = String::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err("unterminated JSON string".into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(s);
                }
                b'\\' => {
                    let e = *self.b.get(self.i + 1).ok_or("unterminated JSON string")?;
                    self.i += 2;
                    match e {
                        b'"' => s.push('"'),
                        b'\\' => s.push('\\'),
                        b'/' => s.push('/'),
                        b'b' => s.push('\u{8}'),
                        b'f' => s.push('\u{c}'),
                        b'n' => s.push('\n'),
                        b'r' => s.push('\r'),
                        b't' => s.push('\t'),
                        b'u' => {
                            let hex = |p: &Parser, at: usize| -> std::result::Result<u32, String> {
                                let h = p.b.get(at..at + 4).ok_or("bad \\u escape")?;
                                u32::from_str_radix(
                                    std::str::from_utf8(h).map_err(|_| "bad \\u escape")?,
                                    16,
                                )
                                .map_err(|_| "bad \\u escape".to_string())
                            };
                            let mut cp = hex(self, self.i)?;
                            self.i += 4;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                let lo = hex(self, self.i + 2)?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                    self.i += 6;
                                }
                            }
                            s.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err("bad escape in a JSON string".into()),
                    }
                }
                c if c < 0x20 => return Err("a control character in a JSON string".into()),
                _ => {
                    let rest = std::str::from_utf8(&self.b[self.i..])
                        .map_err(|_| "the JSON text is not UTF-8")?;
                    let ch = rest.chars().next().unwrap();
                    s.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

/// A JSON number as a VARIANT prints it.
fn number(t: &str) -> Option<String> {
    let valid = {
        let (neg, rest) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let _ = neg;
        let (mant, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int, frac) = match mant.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (mant, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        digits(int)
            && !(int.len() > 1 && int.starts_with('0'))
            && frac.is_none_or(digits)
            && exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
    };
    if !valid {
        return None;
    }
    if t.contains(['e', 'E']) {
        let v: f64 = t.parse().ok()?;
        return Some(crate::cast_text::java_double(v));
    }
    let neg = t.starts_with('-');
    let unsigned = t.trim_start_matches('-');
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let frac = frac.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    let digits = int.len() + frac.len();
    if digits > 38 {
        let v: f64 = t.parse().ok()?;
        return Some(crate::cast_text::java_double(v));
    }
    let zero = int.is_empty() && frac.is_empty();
    let mut s = String::new();
    if neg && !zero {
        s.push('-');
    }
    s.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        s.push('.');
        s.push_str(frac);
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::normal_json;

    #[test]
    fn flinks_variant_text() {
        let n = |s: &str| normal_json(s, false).unwrap();
        assert_eq!(
            n(r#"{"b":1, "a": [1, 2.5, "x", null, true]}"#),
            r#"{"a":[1,2.5,"x",null,true],"b":1}"#
        );
        assert_eq!(n("  12  "), "12");
        assert_eq!(n("1.0"), "1");
        assert_eq!(n("1e3"), "1000.0");
        assert_eq!(n("-0.0"), "0");
        assert_eq!(n("12345678901234567890"), "12345678901234567890");
        assert_eq!(n(r#"{"a":"x\u00e9\n"}"#), "{\"a\":\"x\u{e9}\\n\"}");
        assert_eq!(normal_json(r#"{"a":1,"a":2}"#, true).unwrap(), r#"{"a":2}"#);
        assert_eq!(
            normal_json(r#"{"a":1,"a":2}"#, false).unwrap_err(),
            "VARIANT_DUPLICATE_KEY"
        );
        assert!(
            normal_json("bad", false)
                .unwrap_err()
                .starts_with("Unrecognized token 'bad'")
        );
        assert!(normal_json("01", false).is_err());
    }
}
