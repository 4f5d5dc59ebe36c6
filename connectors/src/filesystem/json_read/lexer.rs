//! A strict JSON scanner over one line, as Jackson (Flink's parser) reads it: no comments,
//! single quotes, trailing commas, `NaN` literals, leading `+` or zeros; raw control
//! characters inside strings are allowed (Flink turns on `ALLOW_UNESCAPED_CONTROL_CHARS`);
//! whatever follows the first value is ignored, as Jackson ignores it. Values are handed
//! over as slices of the line: no tree is built.

use std::borrow::Cow;

/// Jackson's default nesting limit.
const MAX_DEPTH: usize = 1000;

/// What a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string; `escaped` when it holds a backslash escape.
    String {
        escaped: bool,
    },
    /// A number; `float` when it has a fraction or an exponent.
    Number {
        float: bool,
    },
    True,
    False,
    Null,
    Object,
    Array,
}

/// One value of a line: its kind and its text (a string's with the quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
}

impl<'a> Token<'a> {
    /// A string token's value, unescaped.
    pub fn string(&self) -> Cow<'a, str> {
        let inner = &self.text[1..self.text.len() - 1];
        match self.kind {
            Kind::String { escaped: true } => Cow::Owned(unescape(inner)),
            _ => Cow::Borrowed(inner),
        }
    }
}

/// A syntax error: what was wrong and its byte offset in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub at: usize,
    pub what: String,
}

type Result<T> = std::result::Result<T, SyntaxError>;

pub struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    pub pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(s: &'a str) -> Self {
        Lexer {
            s,
            b: s.as_bytes(),
            pos: 0,
        }
    }

    fn error<T>(&self, what: impl Into<String>) -> Result<T> {
        Err(SyntaxError {
            at: self.pos,
            what: what.into(),
        })
    }

    pub fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.b.len()
    }

    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.b.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            match self.b.get(self.pos) {
                Some(&f) => self.error(format!(
                    "expected '{}' but found '{}'",
                    c as char, f as char
                )),
                None => self.error(format!("expected '{}' but the line ended", c as char)),
            }
        }
    }

    /// The next value (a container scanned to its end).
    pub fn value(&mut self) -> Result<Token<'a>> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Result<Token<'a>> {
        let start = {
            self.skip_ws();
            self.pos
        };
        let kind = match self.b.get(self.pos) {
            None => return self.error("no value before the line ended"),
            Some(b'"') => self.string()?,
            Some(b'{') | Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return self.error("nesting deeper than 1000 levels");
                }
                let object = self.b[self.pos] == b'{';
                self.pos += 1;
                let close = if object { b'}' } else { b']' };
                if self.peek() == Some(close) {
                    self.pos += 1;
                } else {
                    loop {
                        if object {
                            if self.peek() != Some(b'"') {
                                return self.error("expected a field name in double quotes");
                            }
                            self.string()?;
                            self.expect(b':')?;
                        }
                        self.value_at(depth + 1)?;
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(c) if c == close => {
                                self.pos += 1;
                                break;
                            }
                            Some(c) => {
                                return self.error(format!(
                                    "expected ',' or '{}' but found '{}'",
                                    close as char, c as char
                                ));
                            }
                            None => return self.error("the line ended inside an object or array"),
                        }
                    }
                }
                if object { Kind::Object } else { Kind::Array }
            }
            Some(b't') => self.literal("true", Kind::True)?,
            Some(b'f') => self.literal("false", Kind::False)?,
            Some(b'n') => self.literal("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(&c) => {
                return self.error(format!("unexpected character '{}'", c as char));
            }
        };
        Ok(Token {
            kind,
            text: &self.s[start..self.pos],
        })
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Result<Kind> {
        if self.b[self.pos..].starts_with(word.as_bytes())
            && !self
                .b
                .get(self.pos + word.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.pos += word.len();
            Ok(kind)
        } else {
            self.error("unrecognized token")
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while self.b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<Kind> {
        if self.b[self.pos] == b'-' {
            self.pos += 1;
        }
        let first = self.pos;
        let n = self.digits();
        if n == 0 {
            return self.error("a number needs digits");
        }
        if n > 1 && self.b[first] == b'0' {
            return self.error("leading zeros are not allowed in a number");
        }
        let mut float = false;
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            float = true;
            if self.digits() == 0 {
                return self.error("a decimal point needs digits after it");
            }
        }
        if let Some(b'e' | b'E') = self.b.get(self.pos) {
            self.pos += 1;
            float = true;
            if let Some(b'+' | b'-') = self.b.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.error("an exponent needs digits");
            }
        }
        if self.pos - first > 1000 {
            return self.error("a number longer than 1000 characters");
        }
        Ok(Kind::Number { float })
    }

    fn string(&mut self) -> Result<Kind> {
        self.pos += 1;
        let mut escaped = false;
        loop {
            match self.b.get(self.pos) {
                None => return self.error("the line ended inside a string"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Kind::String { escaped });
                }
                Some(b'\\') => {
                    escaped = true;
                    match self.b.get(self.pos + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 2
                        }
                        Some(b'u') => {
                            let hex = self.b.get(self.pos + 2..self.pos + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return self.error("a \\u escape needs four hex digits");
                            }
                            self.pos += 6;
                        }
                        _ => return self.error("an unknown escape in a string"),
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// The fields of the object that starts here: `(name, value)` for each, in order.
    pub fn fields(&mut self, mut each: impl FnMut(Cow<'a, str>, Token<'a>)) -> Result<()> {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return self.error("expected a field name in double quotes");
            }
            let start = self.pos;
            let kind = self.string()?;
            let name = Token {
                kind,
                text: &self.s[start..self.pos],
            }
            .string();
            self.expect(b':')?;
            let v = self.value_at(1)?;
            each(name, v);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(c) => {
                    return self.error(format!("expected ',' or '}}' but found '{}'", c as char));
                }
                None => return self.error("the line ended inside an object"),
            }
        }
    }

    /// The elements of the array that starts here.
    pub fn elements(&mut self, mut each: impl FnMut(Token<'a>)) -> Result<()> {
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let v = self.value_at(1)?;
            each(v);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(c) => {
                    return self.error(format!("expected ',' or ']' but found '{}'", c as char));
                }
                None => return self.error("the line ended inside an array"),
            }
        }
    }
}

/// A string's content with its escapes resolved (`\uD83D\uDE00` pairs joined; a lone
/// surrogate becomes U+FFFD).
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut plain = 0;
    let hex = |at: usize| u32::from_str_radix(&s[at..at + 4], 16).unwrap_or(0xFFFD);
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&s[plain..i]);
        let c = b[i + 1];
        i += 2;
        match c {
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let u = hex(i);
                i += 4;
                if (0xD800..0xDC00).contains(&u)
                    && b.get(i) == Some(&b'\\')
                    && b.get(i + 1) == Some(&b'u')
                    && (0xDC00..0xE000).contains(&hex(i + 2))
                {
                    let lo = hex(i + 2);
                    i += 6;
                    let c = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                } else {
                    out.push(char::from_u32(u).unwrap_or('\u{FFFD}'));
                }
            }
            other => out.push(other as char),
        }
        plain = i;
    }
    out.push_str(&s[plain..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Result<Vec<(String, Kind, String)>> {
        let mut out = Vec::new();
        Lexer::new(line).fields(|n, v| out.push((n.into_owned(), v.kind, v.text.to_string())))?;
        Ok(out)
    }

    #[test]
    fn an_objects_fields_come_as_slices() {
        let f = fields(
            r#" {"a": 1, "b\u0041":"x\"y", "c": {"d": [1, 2.5e3, null]}, "e": true} trailing"#,
        )
        .unwrap();
        assert_eq!(
            f[0],
            ("a".into(), Kind::Number { float: false }, "1".into())
        );
        assert_eq!(f[1].0, "bA");
        assert_eq!(f[1].2, r#""x\"y""#);
        assert_eq!(
            f[2],
            (
                "c".into(),
                Kind::Object,
                r#"{"d": [1, 2.5e3, null]}"#.into()
            )
        );
        assert_eq!(f[3].1, Kind::True);
        let t = Token {
            kind: Kind::String { escaped: true },
            text: r#""x\"y\n\uD83D\uDE00""#,
        };
        assert_eq!(t.string(), "x\"y\n😀");
    }

    #[test]
    fn what_jackson_refuses_is_refused() {
        for bad in [
            r#"{"a": 01}"#,
            r#"{"a": +1}"#,
            r#"{"a": 1.}"#,
            r#"{"a": NaN}"#,
            r#"{'a': 1}"#,
            r#"{"a": 1,}"#,
            r#"{"a": "x\q"}"#,
            r#"{"a": 1"#,
            r#"{"a": tru}"#,
            r#"{a: 1}"#,
        ] {
            assert!(fields(bad).is_err(), "{bad}");
        }
        // raw control characters in strings are allowed
        assert!(fields("{\"a\": \"x\ty\"}").is_ok());
    }
}
