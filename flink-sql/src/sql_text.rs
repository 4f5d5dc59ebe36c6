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
//! - JSON_VALUE / JSON_QUERY's `… [RETURNING t] [wrapper] [b ON EMPTY] [b ON ERROR])` pass
//!   the wrapper and behaviours as `, flink_json_behaviours('W', 'B', default, 'B', default)`
//!   before the RETURNING clause (see `functions::json::behaviour`);
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

/// The clause words that end a JSON_VALUE / JSON_QUERY path argument.
const JSON_CLAUSE_WORDS: [&str; 7] = [
    "RETURNING",
    "NULL",
    "ERROR",
    "DEFAULT",
    "EMPTY",
    "WITH",
    "WITHOUT",
];

/// The edit passing a JSON_VALUE / JSON_QUERY call's wrapper and behaviours (the call's
/// name at `i`) as a `flink_json_behaviours(…)` argument, or None when it has none or they
/// do not read as Flink's syntax.
fn json_behaviours(
    sig: &[&TokenWithSpan],
    i: usize,
    query: bool,
    pos: &dyn Fn(&Location) -> usize,
    sql: &str,
) -> Option<(usize, usize, String)> {
    // the call's closing parenthesis and the first top-level comma
    let (mut depth, mut comma, mut close) = (0i32, None, None);
    for (j, tok) in sig.iter().enumerate().skip(i + 1) {
        match tok.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            Token::Comma if depth == 1 && comma.is_none() => comma = Some(j),
            _ => {}
        }
    }
    let (comma, close) = (comma?, close?);
    // the tail: from the first top-level clause word after the path
    let mut depth = 0i32;
    let tail = (comma + 1..close).find(|&j| {
        match sig[j].token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        depth == 0 && j > comma + 1 && JSON_CLAUSE_WORDS.iter().any(|w| is_word(sig[j], w))
    })?;
    let chars: Vec<char> = sql.chars().collect();
    let text = |a: usize, b: usize| -> String {
        chars[pos(&sig[a].span.start)..pos(&sig[b].span.end)]
            .iter()
            .collect()
    };
    let (mut returning, mut wrapper) = (None, "WITHOUT");
    let mut on_empty = ("NULL".to_string(), "NULL".to_string());
    let mut on_error = ("NULL".to_string(), "NULL".to_string());
    let mut found = false;
    let mut j = tail;
    let word = |k: usize, w: &str| k < close && is_word(sig[k], w);
    while j < close {
        if word(j, "RETURNING") {
            let end = (j + 1..close)
                .find(|&k| {
                    JSON_CLAUSE_WORDS[1..].iter().any(|w| is_word(sig[k], w))
                    // ARRAY<…> types hold no clause words; NULL in one is not a type
                })
                .unwrap_or(close);
            returning = Some(text(j, end - 1));
            j = end;
            continue;
        }
        if query && (word(j, "WITH") || word(j, "WITHOUT")) {
            let mut k = j + 1;
            wrapper = if word(j, "WITHOUT") {
                "WITHOUT"
            } else if word(k, "CONDITIONAL") {
                k += 1;
                "CONDITIONAL"
            } else {
                if word(k, "UNCONDITIONAL") {
                    k += 1;
                }
                "UNCONDITIONAL"
            };
            if word(k, "ARRAY") {
                k += 1;
            }
            if !word(k, "WRAPPER") {
                return None;
            }
            found = true;
            j = k + 1;
            continue;
        }
        // a behaviour: NULL | ERROR | DEFAULT expr | EMPTY ARRAY | EMPTY OBJECT, ON EMPTY | ERROR
        let (kind, default, on_at) = if word(j, "NULL") || word(j, "ERROR") {
            (text(j, j).to_ascii_uppercase(), "NULL".to_string(), j + 1)
        } else if query && word(j, "EMPTY") && (word(j + 1, "ARRAY") || word(j + 1, "OBJECT")) {
            (
                format!("EMPTY {}", text(j + 1, j + 1).to_ascii_uppercase()),
                "NULL".to_string(),
                j + 2,
            )
        } else if !query && word(j, "DEFAULT") {
            let mut depth = 0i32;
            let on = (j + 1..close).find(|&k| {
                match sig[k].token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ => {}
                }
                depth == 0
                    && k > j + 1
                    && is_word(sig[k], "ON")
                    && (word(k + 1, "EMPTY") || word(k + 1, "ERROR"))
            })?;
            ("DEFAULT".to_string(), text(j + 1, on - 1), on)
        } else {
            return None;
        };
        if !word(on_at, "ON") {
            return None;
        }
        if word(on_at + 1, "EMPTY") {
            on_empty = (kind, default);
        } else if word(on_at + 1, "ERROR") {
            on_error = (kind, default);
        } else {
            return None;
        }
        found = true;
        j = on_at + 2;
    }
    if !found {
        return None;
    }
    let call = format!(
        ", {}('{wrapper}', '{}', {}, '{}', {}){}",
        crate::functions::json::behaviour::MARKER,
        on_empty.0,
        on_empty.1,
        on_error.0,
        on_error.1,
        returning.map(|r| format!(" {r}")).unwrap_or_default()
    );
    Some((
        pos(&sig[tail].span.start),
        pos(&sig[close].span.start),
        call,
    ))
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
        // JSON_VALUE / JSON_QUERY ( s , p … behaviours )
        if (is_word(t, "JSON_VALUE") || is_word(t, "JSON_QUERY"))
            && next(1).is_some_and(|n| n.token == Token::LParen)
            && let Some(edit) = json_behaviours(&sig, i, is_word(t, "JSON_QUERY"), &pos, sql)
        {
            edits.push(edit);
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
