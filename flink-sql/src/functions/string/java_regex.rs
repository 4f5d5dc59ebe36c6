//! Java regular expressions (`java.util.regex.Pattern`, which Flink's regex functions use) on
//! the `regex` crate: a pattern is translated to the `regex` syntax with Java's meaning, or
//! refused when Java's meaning cannot be had (back-references, look-around, possessive and
//! atomic groups, …).
//!
//! What the translation gives Java's meaning to:
//! - `\d \w \s` (and negations, `\h \v \R`) are ASCII / Java's sets, not Unicode's;
//! - `.` does not match Java's line terminators (`\n \r \u0085 \u2028 \u2029`) unless `(?s)`;
//! - `\Q…\E` quoting, `\uhhhh`, `\0ooo`, `\e`, `\cX`, POSIX classes `\p{Alpha}` …;
//! - an escaped punctuation character is that character (`\<` is `<`, not a word boundary).
//!
//! Java's `$` (and `\Z`) also match before a line terminator that ends the input; the
//! `regex` crate's do not, so a pattern using them is marked and an input ending in a line
//! terminator is refused at execution ([`JavaRegex::check_input`]).

use regex::Regex;

/// A compiled Java pattern.
#[derive(Debug, Clone)]
pub struct JavaRegex {
    pub regex: Regex,
    /// The pattern has a `$`/`\Z` whose Java meaning differs on input ending in a line break.
    pub(super) end_anchor: bool,
    pub(super) pattern: String,
}

/// Why a pattern cannot be compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum RegexError {
    /// Not a valid Java pattern (Java throws `PatternSyntaxException`).
    Invalid(String),
    /// A valid Java pattern whose meaning Weft cannot give.
    Unsupported(String),
}

impl RegexError {
    pub fn message(&self, function: &str, pattern: &str) -> String {
        match self {
            RegexError::Invalid(m) => {
                format!("{function}: invalid regular expression '{pattern}': {m}")
            }
            RegexError::Unsupported(m) => format!(
                "{function}: the Java regular expression '{pattern}' is not supported by Weft ({m})"
            ),
        }
    }
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

impl JavaRegex {
    pub fn new(pattern: &str) -> Result<JavaRegex, RegexError> {
        let (translated, end_anchor) = translate(pattern)?;
        match Regex::new(&translated) {
            Ok(regex) => Ok(JavaRegex {
                regex,
                end_anchor,
                pattern: pattern.to_string(),
            }),
            Err(e) => {
                let msg = e.to_string();
                let java_invalid = [
                    "unclosed group",
                    "unopened group",
                    "unclosed character class",
                    "repetition operator missing expression",
                    "invalid character class range",
                    "empty character class",
                    "unclosed counted repetition",
                    "invalid repetition count range",
                    "decimal literal empty",
                ]
                .iter()
                .any(|k| msg.contains(k));
                let last = msg
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                if java_invalid {
                    Err(RegexError::Invalid(last))
                } else {
                    Err(RegexError::Unsupported(last))
                }
            }
        }
    }

    /// Refuse an input on which Java's `$` would mean something the translation does not.
    pub fn check_input(&self, function: &str, s: &str) -> datafusion::error::Result<()> {
        if self.end_anchor && s.chars().last().is_some_and(is_line_terminator) {
            return datafusion::common::exec_err!(
                "{function}: Weft cannot match the Java regular expression '{}' ('$' before a final line terminator) on input ending in a line terminator: {s:?}",
                self.pattern
            );
        }
        Ok(())
    }
}

fn next_char_end(s: &str, at: usize) -> usize {
    at + s[at..].chars().next().map(char::len_utf8).unwrap_or(1)
}

/// The successive matches as Java's `Matcher.find()` gives them: after an empty match the
/// search goes on one character later, after a non-empty one right at its end (so an empty
/// match may follow a non-empty one, which the `regex` crate's iterators skip).
pub fn java_find_iter<'h>(re: &Regex, s: &'h str) -> Vec<regex::Match<'h>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos <= s.len() {
        let Some(m) = re.find_at(s, pos) else { break };
        out.push(m);
        pos = if m.is_empty() {
            next_char_end(s, m.end())
        } else {
            m.end()
        };
    }
    out
}

/// As [`java_find_iter`], with the groups of each match.
pub fn java_captures_iter<'h>(re: &Regex, s: &'h str) -> Vec<regex::Captures<'h>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos <= s.len() {
        let Some(c) = re.captures_at(s, pos) else {
            break;
        };
        let m = c.get(0).unwrap();
        pos = if m.is_empty() {
            next_char_end(s, m.end())
        } else {
            m.end()
        };
        out.push(c);
    }
    out
}

/// `Matcher.replaceAll` with a literal replacement.
pub fn java_replace_all(re: &Regex, s: &str, with: &str, out: &mut String) {
    let mut last = 0;
    for m in java_find_iter(re, s) {
        out.push_str(&s[last..m.start()]);
        out.push_str(with);
        last = m.end();
    }
    out.push_str(&s[last..]);
}

const JAVA_NOT_DOT: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";
const SPACE: &str = r"\t\n\x0B\f\r ";
const HSPACE: &str = r" \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}";
const VSPACE: &str = r"\n\x0B\f\r\x{85}\x{2028}\x{2029}";

fn unsupported<T>(m: impl Into<String>) -> Result<T, RegexError> {
    Err(RegexError::Unsupported(m.into()))
}
fn invalid<T>(m: impl Into<String>) -> Result<T, RegexError> {
    Err(RegexError::Invalid(m.into()))
}

/// POSIX / java.lang.Character classes of Java's `\p{…}`, as class items.
fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "a-z",
        "Upper" => "A-Z",
        "ASCII" => r"\x00-\x7F",
        "Alpha" => "a-zA-Z",
        "Digit" => "0-9",
        "Alnum" => "a-zA-Z0-9",
        "Punct" => r"!-/:-@\[-`{-~",
        "Graph" => "!-~",
        "Print" => " -~",
        "Blank" => r" \t",
        "Cntrl" => r"\x00-\x1F\x7F",
        "XDigit" => "0-9a-fA-F",
        "Space" => SPACE,
        _ => return None,
    })
}

/// Translate a Java pattern; also whether it uses an end anchor whose meaning differs.
pub fn translate(p: &str) -> Result<(String, bool), RegexError> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut class_depth = 0usize;
    let mut group_depth = 0i32;
    let mut dotall = false;
    let mut end_anchor = false;
    // The length of the leading run of inline flag groups (where `(?s)` may appear).
    let mut flags_prefix_end = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                i += 1;
                let Some(&e) = chars.get(i) else {
                    return invalid("unexpected internal error near index: pattern ends in '\\'");
                };
                i += 1;
                let in_class = class_depth > 0;
                match e {
                    'd' => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                    'D' => out.push_str("[^0-9]"),
                    'w' => out.push_str(if in_class {
                        "a-zA-Z0-9_"
                    } else {
                        "[a-zA-Z0-9_]"
                    }),
                    'W' => out.push_str("[^a-zA-Z0-9_]"),
                    's' => {
                        if in_class {
                            out.push_str(SPACE)
                        } else {
                            out.push('[');
                            out.push_str(SPACE);
                            out.push(']');
                        }
                    }
                    'S' => {
                        out.push_str("[^");
                        out.push_str(SPACE);
                        out.push(']');
                    }
                    'h' => {
                        if in_class {
                            out.push_str(HSPACE)
                        } else {
                            out.push('[');
                            out.push_str(HSPACE);
                            out.push(']');
                        }
                    }
                    'H' => {
                        out.push_str("[^");
                        out.push_str(HSPACE);
                        out.push(']');
                    }
                    'v' => {
                        if in_class {
                            out.push_str(VSPACE)
                        } else {
                            out.push('[');
                            out.push_str(VSPACE);
                            out.push(']');
                        }
                    }
                    'V' => {
                        out.push_str("[^");
                        out.push_str(VSPACE);
                        out.push(']');
                    }
                    'R' if !in_class => {
                        out.push_str(r"(?:\r\n|[\n\x0B\f\r\x{85}\x{2028}\x{2029}])")
                    }
                    't' | 'n' | 'r' | 'f' | 'a' => {
                        out.push('\\');
                        out.push(e);
                    }
                    'e' => out.push_str(r"\x1B"),
                    'b' | 'B' | 'A' | 'z' if !in_class => {
                        if e == 'b' && chars.get(i) == Some(&'{') {
                            return unsupported("\\b{…}");
                        }
                        out.push('\\');
                        out.push(e);
                    }
                    'Z' if !in_class => {
                        end_anchor = true;
                        out.push_str(r"\z");
                    }
                    'G' | 'X' | 'k' | 'N' => return unsupported(format!("\\{e}")),
                    '1'..='9' => return unsupported("back-references"),
                    '0' => {
                        // \0n, \0nn, \0mnn (m <= 3): octal.
                        let mut v: u32 = 0;
                        let mut n = 0;
                        while n < 3 {
                            match chars.get(i) {
                                Some(d @ '0'..='7') => {
                                    let nv = v * 8 + d.to_digit(8).unwrap();
                                    if n == 2 && v > 0o37 {
                                        break;
                                    }
                                    v = nv;
                                    i += 1;
                                    n += 1;
                                }
                                _ => break,
                            }
                        }
                        if n == 0 {
                            return invalid("Illegal octal escape sequence");
                        }
                        out.push_str(&format!("\\x{{{v:X}}}"));
                    }
                    'x' => {
                        if chars.get(i) == Some(&'{') {
                            let end = chars[i..].iter().position(|&c| c == '}').map(|k| i + k);
                            let Some(end) = end else {
                                return invalid("Unclosed hexadecimal escape sequence");
                            };
                            let hex: String = chars[i + 1..end].iter().collect();
                            if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                                return invalid("Illegal hexadecimal escape sequence");
                            }
                            out.push_str(&format!("\\x{{{hex}}}"));
                            i = end + 1;
                        } else {
                            let hex: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                            if hex.len() != 2 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                                return invalid("Illegal hexadecimal escape sequence");
                            }
                            out.push_str(&format!("\\x{{{hex}}}"));
                            i += 2;
                        }
                    }
                    'u' => {
                        let hex: String = chars[i..(i + 4).min(chars.len())].iter().collect();
                        if hex.chars().count() != 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                            return invalid("Illegal Unicode escape sequence");
                        }
                        let v = u32::from_str_radix(&hex, 16).unwrap();
                        if (0xD800..0xE000).contains(&v) {
                            return unsupported("surrogate escapes");
                        }
                        out.push_str(&format!("\\x{{{hex}}}"));
                        i += 4;
                    }
                    'c' => {
                        let Some(&x) = chars.get(i) else {
                            return invalid("Illegal control escape sequence");
                        };
                        i += 1;
                        out.push_str(&format!("\\x{{{:X}}}", (x as u32) ^ 64));
                    }
                    'Q' => {
                        let rest: String = chars[i..].iter().collect();
                        let (lit, skip) = match rest.find("\\E") {
                            Some(k) => (&rest[..k], rest[..k].chars().count() + 2),
                            None => (rest.as_str(), rest.chars().count()),
                        };
                        if in_class {
                            for ch in lit.chars() {
                                push_literal(&mut out, ch);
                            }
                        } else if !lit.is_empty() {
                            out.push_str("(?:");
                            out.push_str(&regex::escape(lit));
                            out.push(')');
                        }
                        i += skip;
                    }
                    'E' => {}
                    'p' | 'P' => {
                        let name: String = if chars.get(i) == Some(&'{') {
                            let end = chars[i..].iter().position(|&c| c == '}').map(|k| i + k);
                            let Some(end) = end else {
                                return invalid("Unclosed character family");
                            };
                            let n: String = chars[i + 1..end].iter().collect();
                            i = end + 1;
                            n
                        } else {
                            let Some(&one) = chars.get(i) else {
                                return invalid("Illegal character family");
                            };
                            i += 1;
                            one.to_string()
                        };
                        let negate = e == 'P';
                        if let Some(items) = posix_class(&name) {
                            if negate {
                                out.push_str("[^");
                                out.push_str(items);
                                out.push(']');
                            } else if in_class {
                                out.push_str(items);
                            } else {
                                out.push('[');
                                out.push_str(items);
                                out.push(']');
                            }
                        } else if name.starts_with("java")
                            || name.starts_with("In")
                            || name.contains('=')
                        {
                            return unsupported(format!("\\p{{{name}}}"));
                        } else {
                            out.push('\\');
                            out.push(e);
                            out.push('{');
                            out.push_str(&name);
                            out.push('}');
                        }
                    }
                    c if c.is_ascii_alphabetic() => {
                        return invalid(format!("Illegal/unsupported escape sequence \\{c}"));
                    }
                    c => push_literal(&mut out, c),
                }
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
                i += 1;
            }
            '-' | '~' if class_depth > 0 && chars.get(i + 1) == Some(&c) => {
                return unsupported(format!("'{c}{c}' in a character class"));
            }
            '&' if class_depth > 0 => {
                out.push('&');
                i += 1;
            }
            _ if class_depth > 0 => {
                if c == '[' {
                    unreachable!()
                }
                push_literal_in_class(&mut out, c);
                i += 1;
            }
            '.' => {
                if dotall {
                    out.push_str(r"(?s:.)");
                } else {
                    out.push_str(JAVA_NOT_DOT);
                }
                i += 1;
            }
            '$' => {
                end_anchor = true;
                out.push('$');
                i += 1;
            }
            '(' => {
                group_depth += 1;
                i += 1;
                if chars.get(i) == Some(&'?') {
                    let next = chars.get(i + 1).copied();
                    match next {
                        Some('=') | Some('!') => return unsupported("look-ahead"),
                        Some('>') => return unsupported("atomic groups"),
                        Some('<') => match chars.get(i + 2) {
                            Some('=') | Some('!') => return unsupported("look-behind"),
                            _ => {
                                out.push_str("(?<");
                                i += 2;
                            }
                        },
                        Some(':') => {
                            out.push_str("(?:");
                            i += 2;
                        }
                        _ => {
                            // Inline flags: (?idmsux-idmsux) or (?flags:…)
                            let mut k = i + 1;
                            let mut flags = String::new();
                            let mut on = true;
                            while let Some(&f) = chars.get(k) {
                                match f {
                                    'i' | 's' | 'x' | 'm' | 'u' | 'd' | 'U' | 'c' => {
                                        if matches!(f, 'd' | 'U' | 'c') {
                                            return unsupported(format!("the flag ({f})"));
                                        }
                                        if f == 'u' {
                                            return unsupported("the flag (u)");
                                        }
                                        if f == 's' {
                                            // Only a leading, global (?s) is tracked.
                                            if out.len() != flags_prefix_end {
                                                return unsupported(
                                                    "(?s) after the start of the pattern",
                                                );
                                            }
                                            if on {
                                                dotall = true;
                                            }
                                        }
                                        if f == 'm' && on {
                                            flags.push('m');
                                            flags.push('R');
                                        } else {
                                            flags.push(f);
                                        }
                                    }
                                    '-' => {
                                        on = false;
                                        flags.push('-');
                                    }
                                    ')' | ':' => break,
                                    _ => return invalid(format!("Unknown inline modifier '{f}'")),
                                }
                                k += 1;
                            }
                            match chars.get(k) {
                                Some(')') => {
                                    group_depth -= 1;
                                    if flags.contains('s')
                                        && !flags.starts_with('s')
                                        && flags.contains('-')
                                    {
                                        return unsupported("(?-s)");
                                    }
                                    let at_start = out.len() == flags_prefix_end;
                                    if !flags.is_empty() {
                                        out.push_str("(?");
                                        out.push_str(&flags);
                                        out.push(')');
                                    }
                                    if at_start {
                                        flags_prefix_end = out.len();
                                    }
                                    i = k + 1;
                                }
                                Some(':') => {
                                    if flags.contains('s') {
                                        return unsupported("scoped (?s:…)");
                                    }
                                    out.push_str("(?");
                                    out.push_str(&flags);
                                    out.push(':');
                                    i = k + 1;
                                }
                                _ => return invalid("Unknown group type"),
                            }
                        }
                    }
                } else {
                    out.push('(');
                }
            }
            ')' => {
                group_depth -= 1;
                if group_depth < 0 {
                    return invalid("Unmatched closing ')'");
                }
                out.push(')');
                i += 1;
            }
            '*' | '+' | '?' | '}' => {
                out.push(c);
                i += 1;
                if chars.get(i) == Some(&'+') {
                    return unsupported("possessive quantifiers");
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if class_depth > 0 {
        return invalid("Unclosed character class");
    }
    if group_depth > 0 {
        return invalid("Unclosed group");
    }
    Ok((out, end_anchor))
}

fn push_literal(out: &mut String, c: char) {
    out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
}

fn push_literal_in_class(out: &mut String, c: char) {
    match c {
        '\\' | ']' | '[' | '^' | '&' | '~' => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: &str) -> String {
        translate(p).unwrap().0
    }

    #[test]
    fn java_classes_are_ascii() {
        assert_eq!(t(r"\d+"), "[0-9]+");
        assert_eq!(t(r"[\d,]"), "[0-9,]");
        assert_eq!(t(r"\p{Alpha}"), "[a-zA-Z]");
        let r = JavaRegex::new(r"\w+").unwrap();
        assert!(!r.regex.is_match("é"));
    }

    #[test]
    fn java_only_syntax() {
        assert_eq!(t(r"\Qa.b\E"), r"(?:a\.b)");
        assert!(JavaRegex::new(r"\Qa.b\E").unwrap().regex.is_match("a.b"));
        assert!(!JavaRegex::new(r"\Qa.b\E").unwrap().regex.is_match("axb"));
        assert!(JavaRegex::new(r"\<").unwrap().regex.is_match("<"));
        assert!(JavaRegex::new(r"\u0041").unwrap().regex.is_match("A"));
        assert!(!JavaRegex::new("a.b").unwrap().regex.is_match("a\rb"));
        assert!(JavaRegex::new("(?s)a.b").unwrap().regex.is_match("a\rb"));
    }

    #[test]
    fn refusals_and_errors() {
        assert!(matches!(
            JavaRegex::new(r"(a)\1"),
            Err(RegexError::Unsupported(_))
        ));
        assert!(matches!(
            JavaRegex::new(r"a(?=b)"),
            Err(RegexError::Unsupported(_))
        ));
        assert!(matches!(
            JavaRegex::new(r"a*+"),
            Err(RegexError::Unsupported(_))
        ));
        assert!(matches!(JavaRegex::new("("), Err(RegexError::Invalid(_))));
        assert!(matches!(JavaRegex::new("["), Err(RegexError::Invalid(_))));
        assert!(matches!(JavaRegex::new("*a"), Err(RegexError::Invalid(_))));
    }
}
