//! Flink syntax that sqlparser cannot parse, rewritten in the SQL text before parsing (on
//! tokens, so string literals, quoted names and comments are left alone):
//! - `TRIM(BOTH | LEADING | TRAILING FROM s)` trims spaces: `TRIM(BOTH ' ' FROM s)`;
//! - the type `BYTES` (after `AS`, as in `CAST(x AS BYTES)`) is `BYTEA`;
//! - `JSON_EXISTS(s, p TRUE | FALSE | UNKNOWN | ERROR ON ERROR)` passes its behaviour as a
//!   third argument, `JSON_EXISTS(s, p, 'TRUE')`;
//! - `s IS [NOT] JSON [VALUE | SCALAR | ARRAY | OBJECT]` is
//!   `s IS [NOT] DISTINCT FROM flink_json_kind('KIND')` (the JSON family makes it a call);
//! - `JSON_OBJECT(KEY k VALUE v, …)`, `JSON_OBJECTAGG(KEY k VALUE v)`: the optional `KEY`
//!   is dropped;
//! - `$SUM0(x)` (Calcite's internal SUM that is 0 for no values) calls `flink_sum0`;
//! - `x [NOT] BETWEEN SYMMETRIC lo AND hi` marks its lower bound,
//!   `x BETWEEN flink_between_symmetric(lo) AND hi`, which the math family's SQL rewrite
//!   turns into `(x BETWEEN lo AND hi OR x BETWEEN hi AND lo)`.
//!
//! (Flink's `MAP[…]` constructor is rewritten the same way by the collection family.)

use std::borrow::Cow;

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// The function call marking a `BETWEEN SYMMETRIC` lower bound.
pub const BETWEEN_SYMMETRIC: &str = "flink_between_symmetric";

fn word<'a>(t: &'a TokenWithSpan) -> Option<&'a str> {
    match &t.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.as_str()),
        _ => None,
    }
}

fn is_word(t: &TokenWithSpan, w: &str) -> bool {
    word(t).is_some_and(|v| v.eq_ignore_ascii_case(w))
}

/// The index of the function name whose parentheses enclose token `i`, if any.
fn enclosing_call(sig: &[&TokenWithSpan], i: usize) -> Option<usize> {
    let mut depth = 0i32;
    for j in (0..i).rev() {
        match sig[j].token {
            Token::RParen => depth += 1,
            Token::LParen if depth == 0 => return j.checked_sub(1),
            Token::LParen => depth -= 1,
            _ => {}
        }
    }
    None
}

pub fn rewrite(sql: &str) -> Cow<'_, str> {
    let upper = sql.to_ascii_uppercase();
    if !["TRIM", "BYTES", "SYMMETRIC", "$SUM0", "JSON", "KEY"]
        .iter()
        .any(|w| upper.contains(w))
    {
        return Cow::Borrowed(sql);
    }
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location() else {
        return Cow::Borrowed(sql);
    };
    let sig: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            sql.chars()
                .enumerate()
                .filter(|(_, c)| *c == '\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let pos = |l: &Location| {
        line_starts
            .get(l.line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(0)
            + l.column.saturating_sub(1) as usize
    };
    // (start char, end char, replacement); start == end inserts
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for i in 0..sig.len() {
        let t = sig[i];
        let next = |k: usize| sig.get(i + k).copied();
        // TRIM ( BOTH FROM
        if is_word(t, "TRIM")
            && next(1).is_some_and(|n| n.token == Token::LParen)
            && next(2).is_some_and(|n| {
                is_word(n, "BOTH") || is_word(n, "LEADING") || is_word(n, "TRAILING")
            })
            && next(3).is_some_and(|n| is_word(n, "FROM"))
        {
            let at = pos(&sig[i + 2].span.end);
            edits.push((at, at, " ' '".into()));
        }
        // JSON_EXISTS ( … X ON ERROR )
        if is_word(t, "JSON_EXISTS") && next(1).is_some_and(|n| n.token == Token::LParen) {
            let mut depth = 0i32;
            let close = (i + 1..sig.len()).find(|&j| {
                match sig[j].token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ => {}
                }
                depth == 0
            });
            if let Some(close) = close
                && close >= i + 5
                && is_word(sig[close - 1], "ERROR")
                && is_word(sig[close - 2], "ON")
                && let Some(b) = ["TRUE", "FALSE", "UNKNOWN", "ERROR"]
                    .into_iter()
                    .find(|b| is_word(sig[close - 3], b))
            {
                edits.push((
                    pos(&sig[close - 3].span.start),
                    pos(&sig[close - 1].span.end),
                    format!(", '{b}'"),
                ));
            }
        }
        // IS [NOT] JSON [kind]
        if is_word(t, "IS") {
            let not = next(1).is_some_and(|n| is_word(n, "NOT"));
            let j = if not { 2 } else { 1 };
            if next(j).is_some_and(|n| is_word(n, "JSON")) {
                let kind = ["VALUE", "SCALAR", "ARRAY", "OBJECT"]
                    .into_iter()
                    .find(|k| next(j + 1).is_some_and(|n| is_word(n, k)));
                let last = if kind.is_some() { j + 1 } else { j };
                edits.push((
                    pos(&sig[i + 1].span.start),
                    pos(&sig[i + last].span.end),
                    format!(
                        "{}DISTINCT FROM {}('{}')",
                        if not { "" } else { "NOT " },
                        crate::functions::json::is_json::KIND_MARKER,
                        kind.unwrap_or("VALUE")
                    ),
                ));
            }
        }
        // JSON_OBJECT ( KEY k VALUE v , KEY …
        if is_word(t, "KEY")
            && i >= 2
            && (sig[i - 1].token == Token::Comma || sig[i - 1].token == Token::LParen)
            && enclosing_call(&sig, i).is_some_and(|c| {
                is_word(sig[c], "JSON_OBJECT") || is_word(sig[c], "JSON_OBJECTAGG")
            })
        {
            edits.push((pos(&t.span.start), pos(&t.span.end), String::new()));
        }
        // $SUM0 (
        if matches!(&t.token, Token::Placeholder(p) if p.eq_ignore_ascii_case("$SUM0"))
            && next(1).is_some_and(|n| n.token == Token::LParen)
        {
            edits.push((
                pos(&t.span.start),
                pos(&t.span.end),
                crate::functions::aggregate::SUM0.into(),
            ));
        }
        // AS BYTES
        if is_word(t, "BYTES") && i > 0 && is_word(sig[i - 1], "AS") {
            edits.push((pos(&t.span.start), pos(&t.span.end), "BYTEA".into()));
        }
        // BETWEEN SYMMETRIC lo AND
        if is_word(t, "BETWEEN") && next(1).is_some_and(|n| is_word(n, "SYMMETRIC")) {
            let mut depth = 0i32;
            let and = (i + 2..sig.len()).find(|&j| {
                match sig[j].token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ => {}
                }
                depth == 0 && is_word(sig[j], "AND")
            });
            let Some(and) = and else { continue };
            let s = sig[i + 1];
            edits.push((
                pos(&s.span.start),
                pos(&s.span.end),
                format!("{BETWEEN_SYMMETRIC}("),
            ));
            let at = pos(&sig[and - 1].span.end);
            edits.push((at, at, ")".into()));
        }
    }
    if edits.is_empty() {
        return Cow::Borrowed(sql);
    }
    edits.sort_by_key(|e| (e.0, e.1));
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len() + edits.len() * 8);
    let mut at = 0;
    for (start, end, with) in edits {
        if start < at || end > chars.len() {
            return Cow::Borrowed(sql);
        }
        out.extend(&chars[at..start]);
        out.push_str(&with);
        at = end;
    }
    out.extend(&chars[at..]);
    Cow::Owned(out)
}
