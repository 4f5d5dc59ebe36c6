//! JSON values as Flink's JSON functions see them: parsed the way Flink's Jackson mapper
//! parses text (one value, surrounding whitespace allowed, anything after the first value
//! ignored; integers as integers, other numbers as `BigDecimal`s keeping their digits and
//! scale; a repeated key keeps its first position and its last value), and written the way
//! that mapper writes (compact, object keys sorted, `BigDecimal`s in Java's `toString`).

use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// An integer, as its decimal digits (with a leading `-` if negative; no `-0`).
    Int(String),
    /// A `java.math.BigDecimal`: the unscaled digits (with sign) and the scale.
    Dec(String, i64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
    /// Pre-formatted JSON text inserted as it is (a nested JSON_OBJECT / JSON_ARRAY / JSON()).
    Raw(String),
}

impl Json {
    pub fn is_scalar(&self) -> bool {
        !matches!(self, Json::Arr(_) | Json::Obj(_))
    }

    /// Jackson's text for the value (keys sorted).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        write(self, &mut s);
        s
    }

    /// The value as `String.valueOf` shows the Java object Jackson parsed it into
    /// (strings unquoted; containers as JSON text).
    pub fn java_string(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            Json::Null => "null".into(),
            other => other.to_text(),
        }
    }

    /// Insert into an object as Jackson's map does: a repeated key keeps its position.
    pub fn put(members: &mut Vec<(String, Json)>, key: String, value: Json) {
        match members.iter_mut().find(|(k, _)| *k == key) {
            Some(m) => m.1 = value,
            None => members.push((key, value)),
        }
    }
}

/// Parse JSON text as Flink's `SqlJsonUtils` does (Jackson, default features).
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    p.ws();
    if p.i >= p.b.len() {
        return Err("No content to map due to end-of-input".into());
    }
    p.value()
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at position {}", self.i))
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        let Some(&c) = self.b.get(self.i) else {
            return self.err("Unexpected end-of-input");
        };
        match c {
            b'{' => {
                self.enter()?;
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Obj(members));
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return self.err(
                            "Unexpected character, expected a double-quote to start a field name",
                        );
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return self.err("Unexpected character, expected a colon to separate field name and value");
                    }
                    self.i += 1;
                    let v = self.value()?;
                    Json::put(&mut members, k, v);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            self.depth -= 1;
                            return Ok(Json::Obj(members));
                        }
                        _ => return self.err("Unexpected character, expected comma or '}'"),
                    }
                }
            }
            b'[' => {
                self.enter()?;
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            self.depth -= 1;
                            return Ok(Json::Arr(items));
                        }
                        _ => return self.err("Unexpected character, expected comma or ']'"),
                    }
                }
            }
            b'"' => Ok(Json::Str(self.string()?)),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'n' => self.word("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.err("Unrecognized token"),
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > 1000 {
            return self.err("Document nesting depth exceeds the maximum allowed (1000)");
        }
        Ok(())
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, String> {
        let end = self.i + w.len();
        if self.b.get(self.i..end) != Some(w.as_bytes()) {
            return self.err("Unrecognized token");
        }
        // Jackson reads a whole token: `truex` is not `true` followed by garbage.
        if let Some(c) = self.b.get(end)
            && (c.is_ascii_alphanumeric() || *c == b'_')
        {
            return self.err("Unrecognized token");
        }
        self.i = end;
        Ok(v)
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        let neg = self.b[self.i] == b'-';
        if neg {
            self.i += 1;
        }
        let int_start = self.i;
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        let int_digits = &self.b[int_start..self.i];
        if int_digits.is_empty() {
            return self.err("Unexpected character, expected digit for a number");
        }
        if int_digits.len() > 1 && int_digits[0] == b'0' {
            return self.err("Invalid numeric value: Leading zeroes not allowed");
        }
        let mut frac: &[u8] = &[];
        let mut exp: i64 = 0;
        let mut float = false;
        if self.b.get(self.i) == Some(&b'.') {
            float = true;
            self.i += 1;
            let f = self.i;
            while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
                self.i += 1;
            }
            frac = &self.b[f..self.i];
            if frac.is_empty() {
                return self.err("Unexpected character, expected a digit after the decimal point");
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            float = true;
            self.i += 1;
            let mut eneg = false;
            if let Some(c @ (b'+' | b'-')) = self.b.get(self.i) {
                eneg = *c == b'-';
                self.i += 1;
            }
            let e = self.i;
            while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
                self.i += 1;
            }
            if e == self.i {
                return self.err("Unexpected character, expected a digit for the exponent");
            }
            let digits = std::str::from_utf8(&self.b[e..self.i]).unwrap();
            exp = digits.parse::<i64>().map_err(|_| {
                format!(
                    "Invalid exponent in number {}",
                    String::from_utf8_lossy(&self.b[start..self.i])
                )
            })?;
            if eneg {
                exp = -exp;
            }
        }
        if let Some(c) = self.b.get(self.i)
            && (c.is_ascii_alphabetic() || *c == b'_')
        {
            return self.err("Unexpected character in a number");
        }
        let ascii = |d: &[u8]| std::str::from_utf8(d).unwrap().to_string();
        if !float {
            let d = ascii(int_digits);
            return Ok(Json::Int(if neg && d != "0" { format!("-{d}") } else { d }));
        }
        let mut digits = ascii(int_digits) + &ascii(frac);
        let trimmed = digits.trim_start_matches('0');
        digits = if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.to_string()
        };
        let scale = frac.len() as i64 - exp;
        let unscaled = if neg && digits != "0" {
            format!("-{digits}")
        } else {
            digits
        };
        Ok(Json::Dec(unscaled, scale))
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // the opening quote
        let mut out: Vec<u16> = Vec::new();
        let mut s = String::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return self.err("Unexpected end-of-input in a string value");
            };
            match c {
                b'"' => {
                    self.i += 1;
                    flush_utf16(&mut out, &mut s)?;
                    return Ok(s);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return self.err("Unexpected end-of-input in an escape");
                    };
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self
                                .b
                                .get(self.i..self.i + 4)
                                .and_then(|h| std::str::from_utf8(h).ok());
                            let Some(code) = hex.and_then(|h| u16::from_str_radix(h, 16).ok())
                            else {
                                return self.err("Unexpected character in a \\u escape");
                            };
                            self.i += 4;
                            out.push(code);
                            continue;
                        }
                        _ => return self.err("Unrecognized character escape"),
                    };
                    flush_utf16(&mut out, &mut s)?;
                    s.push(ch);
                }
                0..=0x1f => return self.err("Illegal unquoted character: it must be escaped"),
                _ => {
                    flush_utf16(&mut out, &mut s)?;
                    let rest = std::str::from_utf8(&self.b[self.i..]).map_err(|e| e.to_string())?;
                    let ch = rest.chars().next().unwrap();
                    s.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

/// `\uXXXX` escapes as UTF-16 code units; a lone surrogate becomes U+FFFD (Java would keep
/// it, Rust strings cannot hold it).
fn flush_utf16(units: &mut Vec<u16>, s: &mut String) -> Result<(), String> {
    if !units.is_empty() {
        s.extend(char::decode_utf16(units.drain(..)).map(|r| r.unwrap_or('\u{FFFD}')));
    }
    Ok(())
}

/// Java's `String.compareTo`: UTF-16 code unit order.
pub fn java_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

pub fn write(v: &Json, s: &mut String) {
    match v {
        Json::Null => s.push_str("null"),
        Json::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Json::Int(d) => s.push_str(d),
        Json::Dec(u, scale) => s.push_str(&big_decimal_text(u, *scale)),
        Json::Str(t) => write_str(t, s),
        Json::Raw(t) => s.push_str(t),
        Json::Arr(items) => {
            s.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write(it, s);
            }
            s.push(']');
        }
        Json::Obj(members) => {
            let mut sorted: Vec<&(String, Json)> = members.iter().collect();
            sorted.sort_by(|a, b| java_cmp(&a.0, &b.0));
            s.push('{');
            for (i, (k, it)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write_str(k, s);
                s.push(':');
                write(it, s);
            }
            s.push('}');
        }
    }
}

/// A JSON string literal as Jackson writes it: `"` and `\` escaped, control characters as
/// `\n`-style or `\u00XX` escapes, everything else as it is.
pub fn write_str(t: &str, s: &mut String) {
    s.push('"');
    for c in t.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '\u{8}' => s.push_str("\\b"),
            '\u{c}' => s.push_str("\\f"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04X}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
}

/// `java.math.BigDecimal.toString()` of `unscaled × 10^-scale`.
pub fn big_decimal_text(unscaled: &str, scale: i64) -> String {
    let (neg, digits) = match unscaled.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, unscaled),
    };
    let len = digits.len() as i64;
    let adjusted = -scale + (len - 1);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if scale >= 0 && adjusted >= -6 {
        if scale == 0 {
            out.push_str(digits);
        } else if len > scale {
            let (a, b) = digits.split_at((len - scale) as usize);
            out.push_str(a);
            out.push('.');
            out.push_str(b);
        } else {
            out.push_str("0.");
            for _ in 0..(scale - len) {
                out.push('0');
            }
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if len > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        if adjusted >= 0 {
            out.push('+');
        }
        out.push_str(&adjusted.to_string());
    }
    out
}

/// A `BigDecimal` from decimal text such as Java's `Double.toString` gives (`1.0E20`).
pub fn decimal_from_text(t: &str) -> Option<Json> {
    match parse(t) {
        Ok(Json::Dec(u, s)) => Some(Json::Dec(u, s)),
        Ok(Json::Int(d)) => Some(Json::Dec(d, 0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_decimals_print_as_java_does() {
        assert_eq!(big_decimal_text("150", 2), "1.50");
        assert_eq!(big_decimal_text("1", -3), "1E+3");
        assert_eq!(big_decimal_text("15", 4), "0.0015");
        assert_eq!(big_decimal_text("10", 8), "1.0E-7");
        assert_eq!(big_decimal_text("-20", 1), "-2.0");
        assert_eq!(decimal_from_text("1.0E20").unwrap().to_text(), "1.0E+20");
    }

    #[test]
    fn parses_as_jackson_does() {
        assert_eq!(
            parse(r#"{"b":1,"a":[1.50,"x",null,true]}"#)
                .unwrap()
                .to_text(),
            r#"{"a":[1.50,"x",null,true],"b":1}"#
        );
        assert_eq!(parse(r#"{"a":1,"a":2}"#).unwrap().to_text(), r#"{"a":2}"#);
        assert!(parse("").is_err());
        assert!(parse("{a:1}").is_err());
        assert!(parse("01").is_err());
        assert_eq!(parse("-0").unwrap(), Json::Int("0".into()));
        assert_eq!(
            parse(r#""\u00fc\ud83d\ude00""#).unwrap(),
            Json::Str("ü😀".into())
        );
    }
}
