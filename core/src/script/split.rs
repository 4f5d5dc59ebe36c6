//! Splits a script into statements at top-level `;`, keeping each statement's position.

/// One statement's text and where it starts in the script.
#[derive(Debug, Clone, PartialEq)]
pub struct RawStatement {
    /// 1-based index of the statement in the script.
    pub index: usize,
    /// Byte offset of the statement's first character in the script.
    pub offset: usize,
    /// 1-based line and column of the first character.
    pub line: usize,
    pub column: usize,
    /// The statement text, without the trailing `;`.
    pub text: String,
}

/// Split at `;` outside quotes and comments. Empty statements (only comments) are dropped.
pub fn split_statements(script: &str) -> Vec<RawStatement> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    let push = |start: &mut Option<usize>, end: usize, out: &mut Vec<RawStatement>| {
        if let Some(s) = start.take() {
            let text = script[s..end].trim_end().to_string();
            if !text.is_empty() {
                let (line, column) = line_col(script, s);
                out.push(RawStatement {
                    index: out.len() + 1,
                    offset: s,
                    line,
                    column,
                    text,
                });
            }
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
                continue;
            }
            b'\'' | b'"' | b'`' => {
                start.get_or_insert(i);
                let q = c;
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            b';' => {
                push(&mut start, i, &mut out);
            }
            c if c.is_ascii_whitespace() => {}
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
    }
    push(&mut start, script.len(), &mut out);
    out
}

/// 1-based line and character column of a byte offset.
pub fn line_col(script: &str, offset: usize) -> (usize, usize) {
    let before = &script[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|p| p + 1).unwrap_or(0);
    (line, script[line_start..offset].chars().count() + 1)
}

/// The script with everything outside `[from, to)` blanked (newlines kept), so a parser
/// run on it reports positions that are exact in the original script.
pub fn padded(script: &str, from: usize, to: usize) -> String {
    let mut s = String::with_capacity(to);
    for ch in script[..from].chars() {
        s.push(if ch == '\n' { '\n' } else { ' ' });
    }
    s.push_str(&script[from..to]);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_positions_quotes_and_comments() {
        let s = "SET 'a' = 'x;y';\n-- c;omment\n  CREATE TABLE t (a INT) /* ; */ WITH ('k'='v');\n\nSELECT 1";
        let st = split_statements(s);
        assert_eq!(st.len(), 3);
        assert_eq!(st[0].text, "SET 'a' = 'x;y'");
        assert_eq!((st[1].line, st[1].column), (3, 3));
        assert!(st[1].text.ends_with("WITH ('k'='v')"));
        assert_eq!(
            (st[2].index, st[2].line, st[2].text.as_str()),
            (3, 5, "SELECT 1")
        );
    }
}
