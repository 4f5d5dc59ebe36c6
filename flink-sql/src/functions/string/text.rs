//! Java's text algorithms that Flink's string functions use: `String.split`, `HashMap`
//! order, `URLEncoder` / `URLDecoder`, `java.net.URL`, charsets, `String.format`, and the
//! LIKE / SIMILAR TO pattern translations.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::exec_err;
use datafusion::error::Result;
use datafusion::logical_expr::ColumnarValue;
use regex::Regex;

use crate::cast_text::{Style, Zone, value_text};
use crate::functions::args::{arrays, eval_rows, result};

/// INITCAP: ASCII letters and digits form words; a word's first letter is upper-cased and
/// the rest lower-cased; every other character (non-ASCII too) separates words.
pub fn initcap(s: &str, o: &mut String) {
    let mut start = true;
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            if start {
                o.push(ch.to_ascii_uppercase());
            } else {
                o.push(ch.to_ascii_lowercase());
            }
            start = false;
        } else {
            o.push(ch);
            start = true;
        }
    }
}

/// `Character.isWhitespace`.
pub fn java_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{1C}'..='\u{1F}'
    ) || (c.is_whitespace() && !matches!(c, '\u{A0}' | '\u{2007}' | '\u{202F}' | '\u{85}'))
}

/// `String.split(regex, limit)`: limit 0 drops trailing empty pieces; a zero-width match
/// at the start gives no leading empty piece.
pub fn java_split<'a>(re: &Regex, s: &'a str, limit: usize) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut index = 0;
    let mut matched = false;
    for m in super::java_regex::java_find_iter(re, s) {
        if limit > 0 && out.len() == limit - 1 {
            break;
        }
        if index == 0 && m.start() == 0 && m.end() == 0 {
            continue;
        }
        out.push(&s[index..m.start()]);
        index = m.end();
        matched = true;
    }
    if !matched {
        return vec![s];
    }
    out.push(&s[index..]);
    if limit == 0 {
        while out.last().is_some_and(|p| p.is_empty()) {
            out.pop();
        }
    }
    out
}

fn java_string_hash(s: &str) -> u32 {
    let mut h: i32 = 0;
    for u in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(u as i32);
    }
    h as u32
}

/// Order entries as a `java.util.HashMap` created with capacity `initial` iterates them
/// (after inserting them in the given order).
pub fn java_hash_map_order<V>(entries: &mut [(String, V)], initial: usize) {
    let mut thr = initial.max(1).next_power_of_two();
    let mut cap = 0usize;
    for size in 1..=entries.len() {
        if cap == 0 {
            cap = thr;
            thr = (cap as f32 * 0.75) as usize;
        }
        if size > thr {
            let old = cap;
            cap = old * 2;
            thr = if old >= 16 {
                thr * 2
            } else {
                (cap as f32 * 0.75) as usize
            };
        }
    }
    if cap == 0 {
        return;
    }
    entries.sort_by_key(|(k, _)| {
        let h = java_string_hash(k);
        ((h ^ (h >> 16)) as usize) & (cap - 1)
    });
}

/// `URLEncoder.encode(s, UTF-8)`.
pub fn url_encode(s: &str, o: &mut String) {
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                o.push(b as char)
            }
            b' ' => o.push('+'),
            b => o.push_str(&format!("%{b:02X}")),
        }
    }
}

/// `URLDecoder.decode(s, UTF-8)`; false where Java throws (a bad or cut `%` escape).
pub fn url_decode(s: &str, o: &mut String) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut start = 0;
    let mut pending: Vec<u8> = Vec::new();
    while i < b.len() {
        match b[i] {
            b'+' => {
                o.push_str(&s[start..i]);
                o.push(' ');
                i += 1;
                start = i;
            }
            b'%' => {
                o.push_str(&s[start..i]);
                pending.clear();
                while i < b.len() && b[i] == b'%' {
                    let hex = |c: u8| (c as char).to_digit(16);
                    match (
                        b.get(i + 1).and_then(|&c| hex(c)),
                        b.get(i + 2).and_then(|&c| hex(c)),
                    ) {
                        (Some(h), Some(l)) => pending.push((h * 16 + l) as u8),
                        _ => return false,
                    }
                    i += 3;
                }
                o.push_str(&String::from_utf8_lossy(&pending));
                start = i;
            }
            _ => i += 1,
        }
    }
    o.push_str(&s[start..]);
    true
}

/// UNHEX: pairs of hex digits from the end; with an odd count the first digit is only
/// checked and its byte is 0 (Flink's behaviour); NULL for a non-hex character.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = vec![0u8; b.len().div_ceil(2)];
    let digit = |c: u8| (c as char).to_digit(16);
    let mut i = b.len() as isize - 2;
    let mut j = out.len() as isize - 1;
    while i >= 0 {
        let (l, r) = (digit(b[i as usize])?, digit(b[i as usize + 1])?);
        out[j as usize] = (l * 16 + r) as u8;
        i -= 2;
        j -= 1;
    }
    if i == -1 {
        digit(b[0])?;
    }
    Some(out)
}

#[derive(Clone, Copy, PartialEq)]
enum Charset {
    Utf8,
    Ascii,
    Latin1,
    Utf16Be,
    Utf16Le,
    Utf16,
}

fn charset(name: &str) -> Option<Charset> {
    let n = name.to_ascii_uppercase().replace('_', "-");
    Some(match n.as_str() {
        "UTF-8" | "UTF8" | "UNICODE-1-1-UTF-8" => Charset::Utf8,
        "US-ASCII" | "ASCII" | "US" | "ISO646-US" | "646" | "ASCII7" | "CP367" | "IBM367"
        | "DEFAULT" | "ISO-646.IRV:1991" | "ANSI-X3.4-1968" | "ANSI-X3.4-1986" | "ISO-IR-6"
        | "CSASCII" => Charset::Ascii,
        "ISO-8859-1" | "ISO8859-1" | "ISO8859-1:1987" | "ISO-8859-1:1987" | "LATIN1" | "L1"
        | "8859-1" | "CP819" | "IBM819" | "IBM-819" | "ISO-IR-100" | "CSISOLATIN1" | "819" => {
            Charset::Latin1
        }
        "UTF-16BE" | "X-UTF-16BE" | "ISO-10646-UCS-2" | "UNICODEBIGUNMARKED" => Charset::Utf16Be,
        "UTF-16LE" | "X-UTF-16LE" | "UNICODELITTLEUNMARKED" => Charset::Utf16Le,
        "UTF-16" | "UTF16" | "UNICODE" | "UNICODEBIG" => Charset::Utf16,
        _ => return None,
    })
}

/// `String.getBytes(charset)`: unmappable characters become '?'. None: unknown charset.
pub fn encode(s: &str, cs: &str) -> Option<Vec<u8>> {
    Some(match charset(cs)? {
        Charset::Utf8 => s.as_bytes().to_vec(),
        Charset::Ascii => s
            .chars()
            .map(|c| if (c as u32) < 0x80 { c as u8 } else { b'?' })
            .collect(),
        Charset::Latin1 => s
            .chars()
            .map(|c| {
                if (c as u32) < 0x100 {
                    c as u32 as u8
                } else {
                    b'?'
                }
            })
            .collect(),
        Charset::Utf16Be => s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect(),
        Charset::Utf16Le => s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
        Charset::Utf16 => {
            let mut v = vec![0xFE, 0xFF];
            v.extend(s.encode_utf16().flat_map(|u| u.to_be_bytes()));
            v
        }
    })
}

/// `new String(bytes, charset)`: malformed input becomes U+FFFD. None: unknown charset.
pub fn decode(b: &[u8], cs: &str) -> Option<String> {
    let utf16 = |b: &[u8], be: bool| {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|p| {
                if be {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect();
        let mut s: String = char::decode_utf16(units)
            .map(|r| r.unwrap_or('\u{FFFD}'))
            .collect();
        if b.len() % 2 == 1 {
            s.push('\u{FFFD}');
        }
        s
    };
    Some(match charset(cs)? {
        Charset::Utf8 => String::from_utf8_lossy(b).into_owned(),
        Charset::Ascii => b
            .iter()
            .map(|&c| if c < 0x80 { c as char } else { '\u{FFFD}' })
            .collect(),
        Charset::Latin1 => b.iter().map(|&c| c as char).collect(),
        Charset::Utf16Be => utf16(b, true),
        Charset::Utf16Le => utf16(b, false),
        Charset::Utf16 => match b {
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
            _ => utf16(b, true),
        },
    })
}

/// The parts of a URL as `java.net.URL` gives them.
struct Url<'a> {
    protocol: String,
    authority: Option<&'a str>,
    user_info: Option<&'a str>,
    host: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    r#ref: Option<&'a str>,
}

fn parse(u: &str) -> Option<Url<'_>> {
    let u = u.trim_matches(|c: char| c <= ' ');
    let colon = u.find(':')?;
    let scheme = &u[..colon];
    if scheme.is_empty()
        || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let protocol = scheme.to_ascii_lowercase();
    if !matches!(
        protocol.as_str(),
        "http" | "https" | "ftp" | "file" | "mailto"
    ) {
        return None;
    }
    let rest = &u[colon + 1..];
    let (rest, r#ref) = match rest.find('#') {
        Some(k) => (&rest[..k], Some(&rest[k + 1..])),
        None => (rest, None),
    };
    let (rest, query) = match rest.find('?') {
        Some(k) => (&rest[..k], Some(&rest[k + 1..])),
        None => (rest, None),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(r) => {
            let end = r.find('/').unwrap_or(r.len());
            (Some(&r[..end]), &r[end..])
        }
        None => (None, rest),
    };
    let (mut user_info, mut host) = (None, "");
    if let Some(a) = authority {
        let hp = match a.rfind('@') {
            Some(k) => {
                user_info = Some(&a[..k]);
                &a[k + 1..]
            }
            None => a,
        };
        host = hp;
        if let Some(k) = hp.rfind(':')
            && !hp[k..].contains(']')
        {
            let port = &hp[k + 1..];
            if !port.is_empty() && !port.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            host = &hp[..k];
        }
    }
    Some(Url {
        protocol,
        authority,
        user_info,
        host,
        path,
        query,
        r#ref,
    })
}

/// PARSE_URL(url, part[, key]); None where Flink gives NULL.
pub fn parse_url(u: &str, part: &str, key: Option<&str>) -> Option<String> {
    if let Some(key) = key {
        if part != "QUERY" {
            return None;
        }
        let q = parse(u)?.query?;
        return q
            .split('&')
            .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .map(str::to_string);
    }
    let url = parse(u)?;
    Some(match part {
        "HOST" => url.host.to_string(),
        "PATH" => url.path.to_string(),
        "QUERY" => url.query?.to_string(),
        "REF" => url.r#ref?.to_string(),
        "PROTOCOL" => url.protocol,
        "FILE" => match url.query {
            Some(q) => format!("{}?{q}", url.path),
            None => url.path.to_string(),
        },
        "AUTHORITY" => url.authority?.to_string(),
        "USERINFO" => url.user_info?.to_string(),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// LIKE and SIMILAR TO
// ---------------------------------------------------------------------------------------

const JAVA_REGEX_SPECIALS: &str = "[]()|^-+*?{}$\\.";
const SIMILAR_SPECIALS: &str = "[]()|^-+*_%?{}";

/// A LIKE pattern as a Java regex: `_` any character but a line terminator, `%` anything;
/// the escape character (none by default) makes the next `_`, `%` or itself literal.
pub fn like_to_java(p: &str, esc: Option<char>) -> std::result::Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if Some(c) == esc {
            match chars.get(i + 1) {
                Some(&n) if n == '_' || n == '%' || Some(n) == esc => {
                    push_java_literal(&mut out, n);
                    i += 2;
                    continue;
                }
                _ => return Err(format!("invalid escape sequence at position {i}")),
            }
        }
        match c {
            '_' => out.push('.'),
            '%' => out.push_str(r"[\s\S]*"),
            c => push_java_literal(&mut out, c),
        }
        i += 1;
    }
    Ok(out)
}

fn push_java_literal(out: &mut String, c: char) {
    if JAVA_REGEX_SPECIALS.contains(c) {
        out.push('\\');
    }
    out.push(c);
}

/// A SIMILAR TO pattern as a Java regex (as Flink translates it): `_` is `.`, `%` is
/// anything (line terminators too), regex operators `| * + ? {m,n} ( ) [ ]` keep their meaning, `\` and `$` are
/// literal, other characters (`.` too) pass to the regex as they are.
pub fn similar_to_java(p: &str, esc: Option<char>) -> std::result::Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    if let Some(e) = esc
        && SIMILAR_SPECIALS.contains(e)
    {
        for (i, &c) in chars.iter().enumerate() {
            if c == e {
                match chars.get(i + 1) {
                    Some(&n) if SIMILAR_SPECIALS.contains(n) || n == e => {}
                    _ => return Err(format!("invalid escape sequence at position {i}")),
                }
            }
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if Some(c) == esc {
            let Some(&n) = chars.get(i + 1) else {
                return Err(format!("invalid escape sequence at position {i}"));
            };
            if SIMILAR_SPECIALS.contains(n) {
                push_java_literal(&mut out, n);
            } else if Some(n) == esc {
                out.push(n);
            } else {
                return Err(format!("invalid escape sequence at position {i}"));
            }
            i += 2;
            continue;
        }
        match c {
            '_' => out.push('.'),
            '%' => out.push_str(r"[\s\S]*"),
            '[' => {
                out.push('[');
                i += 1;
                loop {
                    let Some(&d) = chars.get(i) else {
                        return Err("unclosed character class".into());
                    };
                    if d == ']' {
                        out.push(']');
                        break;
                    }
                    if Some(d) == esc {
                        let Some(&n) = chars.get(i + 1) else {
                            return Err("invalid escape sequence".into());
                        };
                        if SIMILAR_SPECIALS.contains(n) || Some(n) == esc {
                            push_java_literal(&mut out, n);
                        } else {
                            return Err("invalid regular expression".into());
                        }
                        i += 2;
                        continue;
                    }
                    if d == '[' {
                        let rest: String = chars[i..].iter().collect();
                        let classes = [
                            ("[:ALPHA:]", r"\p{Alpha}"),
                            ("[:alpha:]", r"\p{Alpha}"),
                            ("[:UPPER:]", r"\p{Upper}"),
                            ("[:upper:]", r"\p{Upper}"),
                            ("[:LOWER:]", r"\p{Lower}"),
                            ("[:lower:]", r"\p{Lower}"),
                            ("[:DIGIT:]", r"\d"),
                            ("[:digit:]", r"\d"),
                            ("[:SPACE:]", " "),
                            ("[:space:]", " "),
                            ("[:WHITESPACE:]", r"\s"),
                            ("[:whitespace:]", r"\s"),
                            ("[:ALNUM:]", r"\p{Alnum}"),
                            ("[:alnum:]", r"\p{Alnum}"),
                        ];
                        match classes.iter().find(|(k, _)| rest.starts_with(k)) {
                            Some((k, v)) => {
                                out.push_str(v);
                                i += k.len();
                                continue;
                            }
                            None => return Err("invalid regular expression".into()),
                        }
                    }
                    if d != '-' && d != '^' && SIMILAR_SPECIALS.contains(d) {
                        return Err("invalid regular expression".into());
                    }
                    if d == '\\' {
                        out.push_str("\\\\");
                    } else {
                        out.push(d);
                    }
                    i += 1;
                }
            }
            ']' => return Err("invalid regular expression".into()),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// PRINTF
// ---------------------------------------------------------------------------------------

/// Why a format gives no string: Java throws (Flink's NULL), or Weft cannot format it.
enum FmtError {
    Java,
    Unsupported(String),
}

/// PRINTF(format, args…): Java's `String.format`; NULL for a NULL format or where Java
/// throws (a missing argument, a conversion that does not fit the argument, …).
pub fn eval_printf(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let zone = Zone::parse("UTC")?;
    let mut out = StringBuilder::with_capacity(n, n * 16);
    for i in 0..n {
        if a[0].is_null(i) {
            out.append_null();
            continue;
        }
        let f = match a[0].data_type() {
            DataType::Utf8View => a[0].as_string_view().value(i),
            _ => a[0].as_string::<i32>().value(i),
        };
        match format(f, &a[1..], i, &zone) {
            Ok(s) => out.append_value(s),
            Err(FmtError::Java) => out.append_null(),
            Err(FmtError::Unsupported(m)) => {
                return exec_err!("PRINTF: Weft cannot format '{f}': {m}");
            }
        }
    }
    result(args, Arc::new(out.finish()))
}

struct Spec {
    flags: String,
    width: Option<usize>,
    precision: Option<usize>,
}

fn format(
    f: &str,
    args: &[ArrayRef],
    row: usize,
    zone: &Zone,
) -> std::result::Result<String, FmtError> {
    let spec_re = Regex::new(r"%(\d+\$)?([-#+ 0,(<]*)?(\d+)?(\.\d+)?([tT])?(.)?").unwrap();
    let mut out = String::new();
    let mut last = 0;
    let mut ordinary = 0usize;
    let mut previous: Option<usize> = None;
    for caps in spec_re.captures_iter(f) {
        let m = caps.get(0).unwrap();
        out.push_str(&f[last..m.start()]);
        last = m.end();
        let Some(conv) = caps.get(6).map(|c| c.as_str().chars().next().unwrap()) else {
            return Err(FmtError::Java);
        };
        if caps.get(5).is_some() {
            return Err(FmtError::Unsupported("date/time conversions".into()));
        }
        let flags = caps
            .get(2)
            .map(|c| c.as_str().to_string())
            .unwrap_or_default();
        let width = caps
            .get(3)
            .map(|c| c.as_str().parse::<usize>().unwrap_or(usize::MAX));
        let precision = caps
            .get(4)
            .map(|c| c.as_str()[1..].parse::<usize>().unwrap_or(usize::MAX));
        let spec = Spec {
            flags,
            width,
            precision,
        };
        if (spec.flags.contains('-') || spec.flags.contains('0')) && spec.width.is_none() {
            return Err(FmtError::Java);
        }
        if spec.flags.contains('-') && spec.flags.contains('0') {
            return Err(FmtError::Java);
        }
        match conv {
            '%' => {
                if spec.precision.is_some() {
                    return Err(FmtError::Java);
                }
                out.push_str(&justify("%".into(), &spec));
                continue;
            }
            'n' => {
                out.push('\n');
                continue;
            }
            _ => {}
        }
        let index = if let Some(ix) = caps.get(1) {
            let k: usize = ix
                .as_str()
                .trim_end_matches('$')
                .parse()
                .map_err(|_| FmtError::Java)?;
            if k == 0 {
                return Err(FmtError::Java);
            }
            k - 1
        } else if spec.flags.contains('<') {
            previous.ok_or(FmtError::Java)?
        } else {
            ordinary += 1;
            ordinary - 1
        };
        previous = Some(index);
        let Some(arg) = args.get(index) else {
            return Err(FmtError::Java);
        };
        out.push_str(&convert(conv, &spec, arg, row, zone)?);
    }
    out.push_str(&f[last..]);
    Ok(out)
}

fn justify(s: String, spec: &Spec) -> String {
    match spec.width {
        Some(w) if s.chars().count() < w => {
            let pad = " ".repeat(w - s.chars().count());
            if spec.flags.contains('-') {
                s + &pad
            } else {
                pad + &s
            }
        }
        _ => s,
    }
}

fn int_value(a: &ArrayRef, i: usize) -> Option<(i128, u32)> {
    use arrow::datatypes::*;
    Some(match a.data_type() {
        DataType::Int8 => (a.as_primitive::<Int8Type>().value(i) as i128, 8),
        DataType::Int16 => (a.as_primitive::<Int16Type>().value(i) as i128, 16),
        DataType::Int32 => (a.as_primitive::<Int32Type>().value(i) as i128, 32),
        DataType::Int64 => (a.as_primitive::<Int64Type>().value(i) as i128, 64),
        _ => return None,
    })
}

fn float_value(a: &ArrayRef, i: usize) -> Option<f64> {
    use arrow::datatypes::*;
    Some(match a.data_type() {
        DataType::Float32 => a.as_primitive::<Float32Type>().value(i) as f64,
        DataType::Float64 => a.as_primitive::<Float64Type>().value(i),
        _ => return None,
    })
}

fn convert(
    conv: char,
    spec: &Spec,
    a: &ArrayRef,
    i: usize,
    zone: &Zone,
) -> std::result::Result<String, FmtError> {
    let null = a.is_null(i) || *a.data_type() == DataType::Null;
    let upper = conv.is_ascii_uppercase();
    let s = match conv.to_ascii_lowercase() {
        'b' => {
            if spec.flags.chars().any(|c| c != '-') {
                return Err(FmtError::Java);
            }
            let v = if null {
                "false".to_string()
            } else if let DataType::Boolean = a.data_type() {
                a.as_boolean().value(i).to_string()
            } else {
                "true".to_string()
            };
            truncate(v, spec.precision)
        }
        's' => {
            if spec.flags.chars().any(|c| c != '-') {
                return Err(FmtError::Unsupported("flags with %s".into()));
            }
            let v = if null {
                "null".to_string()
            } else {
                match a.data_type() {
                    DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
                    DataType::Utf8View => a.as_string_view().value(i).to_string(),
                    DataType::LargeUtf8 => a.as_string::<i64>().value(i).to_string(),
                    DataType::Boolean => a.as_boolean().value(i).to_string(),
                    t if t.is_integer()
                        || t.is_floating()
                        || matches!(t, DataType::Decimal128(_, _)) =>
                    {
                        value_text(a, i, Style::Cast, zone)
                            .map_err(|e| FmtError::Unsupported(e.to_string()))?
                            .unwrap_or_default()
                    }
                    t => return Err(FmtError::Unsupported(format!("%s of a {t} value"))),
                }
            };
            truncate(v, spec.precision)
        }
        'c' => {
            if spec.precision.is_some() {
                return Err(FmtError::Java);
            }
            if null {
                "null".to_string()
            } else {
                let (v, _) = int_value(a, i).ok_or(FmtError::Java)?;
                char::from_u32(u32::try_from(v).map_err(|_| FmtError::Java)?)
                    .ok_or(FmtError::Java)?
                    .to_string()
            }
        }
        'd' | 'x' | 'o' => {
            if spec.precision.is_some() {
                return Err(FmtError::Java);
            }
            if null {
                "null".to_string()
            } else {
                let (v, bits) = int_value(a, i).ok_or(FmtError::Java)?;
                format_integer(conv.to_ascii_lowercase(), v, bits, spec)?
            }
        }
        'f' | 'e' => {
            if null {
                "null".to_string()
            } else {
                let v = float_value(a, i).ok_or_else(|| match a.data_type() {
                    DataType::Decimal128(_, _) => FmtError::Unsupported("%f of a DECIMAL".into()),
                    _ => FmtError::Java,
                })?;
                format_float(conv.to_ascii_lowercase(), v, spec)?
            }
        }
        'g' | 'a' | 'h' => return Err(FmtError::Unsupported(format!("%{conv}"))),
        _ => return Err(FmtError::Java),
    };
    let s = if upper { s.to_uppercase() } else { s };
    Ok(justify(s, spec))
}

fn truncate(s: String, precision: Option<usize>) -> String {
    match precision {
        Some(p) => s.chars().take(p).collect(),
        None => s,
    }
}

fn group(digits: &str) -> String {
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Sign, zero padding, grouping and parentheses around a magnitude's digits.
fn finish_number(neg: bool, digits: String, spec: &Spec, groupable: bool) -> String {
    let f = &spec.flags;
    let digits = if groupable && f.contains(',') {
        match digits.find('.') {
            Some(k) => group(&digits[..k]) + &digits[k..],
            None => group(&digits),
        }
    } else {
        digits
    };
    let (pre, post) = if neg {
        if f.contains('(') {
            ("(", ")")
        } else {
            ("-", "")
        }
    } else if f.contains('+') {
        ("+", "")
    } else if f.contains(' ') {
        (" ", "")
    } else {
        ("", "")
    };
    let mut body = digits;
    if f.contains('0')
        && let Some(w) = spec.width
    {
        let len = pre.len() + body.len() + post.len();
        if len < w {
            body = "0".repeat(w - len) + &body;
        }
    }
    format!("{pre}{body}{post}")
}

fn format_integer(
    conv: char,
    v: i128,
    bits: u32,
    spec: &Spec,
) -> std::result::Result<String, FmtError> {
    let f = &spec.flags;
    if conv == 'd' {
        if f.contains('#') {
            return Err(FmtError::Java);
        }
        return Ok(finish_number(
            v < 0,
            v.unsigned_abs().to_string(),
            spec,
            true,
        ));
    }
    if f.contains('+') || f.contains(' ') || f.contains(',') || f.contains('(') {
        return Err(FmtError::Java);
    }
    let u = (v as u128)
        & (if bits == 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        });
    let mut s = if conv == 'x' {
        format!("{u:x}")
    } else {
        format!("{u:o}")
    };
    if f.contains('#') {
        s = if conv == 'x' {
            format!("0x{s}")
        } else {
            format!("0{s}")
        };
    }
    Ok(finish_number(false, s, spec, false))
}

/// The shortest decimal digits of |v| and its exponent: v = 0.d1d2… × 10^exp.
fn shortest_digits(v: f64) -> (Vec<u8>, i32) {
    let s = format!("{:e}", v.abs());
    let (mant, exp) = s.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let digits: Vec<u8> = mant
        .bytes()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect();
    (digits, exp + 1)
}

/// Round digits (value 0.d… × 10^exp) half-up to keep `keep` digits; returns new exp.
fn round_half_up(digits: &mut Vec<u8>, exp: &mut i32, keep: i64) {
    if keep < 0 {
        digits.clear();
        return;
    }
    let keep = keep as usize;
    if digits.len() <= keep {
        return;
    }
    let up = digits[keep] >= 5;
    digits.truncate(keep);
    if up {
        let mut k = keep;
        loop {
            if k == 0 {
                digits.insert(0, 1);
                *exp += 1;
                break;
            }
            k -= 1;
            if digits[k] == 9 {
                digits[k] = 0;
            } else {
                digits[k] += 1;
                break;
            }
        }
    }
}

fn format_float(conv: char, v: f64, spec: &Spec) -> std::result::Result<String, FmtError> {
    if spec.flags.contains('#') {
        return Err(FmtError::Unsupported("# with %f/%e".into()));
    }
    if v.is_nan() || v.is_infinite() {
        let s = if v.is_nan() {
            "NaN".to_string()
        } else if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
        return Ok(s);
    }
    let p = spec.precision.unwrap_or(6);
    let neg = v.is_sign_negative() && v != 0.0;
    let (mut digits, mut exp) = if v == 0.0 {
        (vec![0], 1)
    } else {
        shortest_digits(v)
    };
    if conv == 'f' {
        // Keep the digits before the point (exp of them) and p after.
        let keep = exp as i64 + p as i64;
        round_half_up(&mut digits, &mut exp, keep);
        let mut int_part = String::new();
        let mut frac = String::new();
        for k in 0..(exp.max(0) as usize) {
            int_part.push((b'0' + digits.get(k).copied().unwrap_or(0)) as char);
        }
        if int_part.is_empty() {
            int_part.push('0');
        }
        for k in 0..p {
            let idx = exp as i64 + k as i64;
            let d = if idx < 0 {
                0
            } else {
                digits.get(idx as usize).copied().unwrap_or(0)
            };
            frac.push((b'0' + d) as char);
        }
        let body = if p == 0 {
            int_part
        } else {
            format!("{int_part}.{frac}")
        };
        Ok(finish_number(neg, body, spec, true))
    } else {
        if spec.flags.contains(',') {
            return Err(FmtError::Java);
        }
        if v == 0.0 {
            digits = vec![0];
            exp = 1;
        }
        round_half_up(&mut digits, &mut exp, p as i64 + 1);
        let first = digits.first().copied().unwrap_or(0);
        let mut frac = String::new();
        for k in 0..p {
            frac.push((b'0' + digits.get(k + 1).copied().unwrap_or(0)) as char);
        }
        let e = if v == 0.0 { 0 } else { exp - 1 };
        let mant = if p == 0 {
            format!("{first}")
        } else {
            format!("{first}.{frac}")
        };
        let body = format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
        Ok(finish_number(neg, body, spec, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_split_drops_trailing_empties() {
        let re = Regex::new(",").unwrap();
        assert_eq!(java_split(&re, "a,b,,", 0), vec!["a", "b"]);
        assert_eq!(java_split(&re, ",a", 0), vec!["", "a"]);
        assert_eq!(java_split(&re, "a=1=2", 2), vec!["a=1=2"]);
        let eq = Regex::new("=").unwrap();
        assert_eq!(java_split(&eq, "a=1=2", 2), vec!["a", "1=2"]);
        assert_eq!(java_split(&eq, "a=", 2), vec!["a", ""]);
    }

    #[test]
    fn floats_format_as_java() {
        let spec = |p| Spec {
            flags: String::new(),
            width: None,
            precision: p,
        };
        assert_eq!(
            format_float('f', 3.14159, &spec(Some(2))).ok().unwrap(),
            "3.14"
        );
        assert_eq!(
            format_float('f', 2.675, &spec(Some(2))).ok().unwrap(),
            "2.68"
        );
        assert_eq!(
            format_float('f', 0.001, &spec(Some(2))).ok().unwrap(),
            "0.00"
        );
        assert_eq!(
            format_float('f', 9.999, &spec(Some(2))).ok().unwrap(),
            "10.00"
        );
        assert_eq!(
            format_float('e', 3.14159, &spec(None)).ok().unwrap(),
            "3.141590e+00"
        );
        assert_eq!(
            format_float('e', 12345.0, &spec(Some(2))).ok().unwrap(),
            "1.23e+04"
        );
    }

    #[test]
    fn url_codecs() {
        let mut o = String::new();
        assert!(url_decode("a%20b%2Bc+d", &mut o));
        assert_eq!(o, "a b+c d");
        assert!(!url_decode("%zz", &mut String::new()));
        assert!(!url_decode("%", &mut String::new()));
        assert!(!url_decode("%4", &mut String::new()));
    }

    #[test]
    fn unhex_as_flink() {
        assert_eq!(unhex("616263"), Some(b"abc".to_vec()));
        assert_eq!(unhex("6"), Some(vec![0]));
        assert_eq!(unhex("zz"), None);
    }
}
