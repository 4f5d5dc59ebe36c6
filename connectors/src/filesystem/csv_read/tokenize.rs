//! Splitting CSV bytes into rows and fields the way Flink's CSV format (Jackson's CSV
//! parser) does, recorded from Flink 2.3 (`integration/fixtures/flink/csv.sql`):
//! - a row ends at `\n`, `\r\n` or `\r`; the end of the file ends the last row;
//! - a blank line is a row of one empty field;
//! - a field is quoted only when the quote is its first byte (`ab"c` and ` "x"` are text);
//!   inside quotes a doubled quote is one quote, and delimiters and line ends are text;
//!   a closing quote must be followed by the delimiter or the row's end;
//! - the escape character (`csv.escape-character`, none by default) takes the next byte
//!   as text, quoted or not;
//! - with `csv.allow-comments`, a line starting with `#` is skipped;
//! - a row with more fields than the table has fails, and so does one with fewer, unless
//!   `csv.ignore-parse-errors` is set: then a longer row is skipped and the missing fields
//!   of a shorter one are NULL. Broken quoting fails either way.
//!
//! Pure functions over a byte block; reading files is the opener's business.

/// The bytes that shape a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    pub delimiter: u8,
    /// `None` with `csv.disable-quote-character`.
    pub quote: Option<u8>,
    pub escape: Option<u8>,
    pub comments: bool,
}

/// How many fields a row must have, and what happens when it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub columns: usize,
    /// `csv.ignore-parse-errors`.
    pub lenient: bool,
}

/// One field: a range of the block, or of [`Rows::text`] when it had quotes or escapes
/// to take out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    start: u32,
    end: u32,
    owned: bool,
}

/// Rows split from one block.
#[derive(Debug, Default)]
pub struct Rows {
    fields: Vec<Field>,
    /// For each row, the end of its fields in `fields`.
    ends: Vec<u32>,
    /// For each row, the offset of its first byte in the block.
    starts: Vec<u32>,
    /// Text of fields that had doubled quotes or escapes.
    text: Vec<u8>,
}

impl Rows {
    pub fn clear(&mut self) {
        self.fields.clear();
        self.ends.clear();
        self.starts.clear();
        self.text.clear();
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Offset in the block of row `r`'s first byte.
    pub fn start(&self, r: usize) -> usize {
        self.starts[r] as usize
    }

    /// The fields of row `r`.
    fn row(&self, r: usize) -> &[Field] {
        let from = if r == 0 { 0 } else { self.ends[r - 1] as usize };
        &self.fields[from..self.ends[r] as usize]
    }

    /// Field `c` of row `r` as bytes of `block`, `None` when the row is shorter.
    pub fn get<'a>(&'a self, block: &'a [u8], r: usize, c: usize) -> Option<&'a [u8]> {
        let f = self.row(r).get(c)?;
        let bytes = if f.owned { &self.text } else { block };
        Some(&bytes[f.start as usize..f.end as usize])
    }

    /// Drops fields pushed after the first `fields` (and their copied text).
    fn truncate(&mut self, fields: usize, text: usize) {
        self.fields.truncate(fields);
        self.text.truncate(text);
    }
}

/// What is wrong with a file, at which byte offset of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// The row starting at `offset` has `fields` fields.
    FieldCount { offset: usize, fields: usize },
    /// A quoted field starting at `offset` is not closed before the end of the file.
    MissingClosingQuote { offset: usize },
    /// A closing quote is followed by `found` at `offset`.
    AfterQuote { offset: usize, found: u8 },
    /// The escape character is the last byte of the file.
    DanglingEscape { offset: usize },
}

impl TokenError {
    pub fn offset(&self) -> usize {
        match *self {
            TokenError::FieldCount { offset, .. }
            | TokenError::MissingClosingQuote { offset }
            | TokenError::AfterQuote { offset, .. }
            | TokenError::DanglingEscape { offset } => offset,
        }
    }
}

/// Where a record ended: the offset after it, or `None` when `block` holds only part of it.
type Next = Result<Option<usize>, TokenError>;

/// Splits rows off `block` into `rows`, at most `max_rows`, not starting any row at or
/// after `stop` (the end of a byte-range split). `eof`: `block` ends the file (else a
/// row running to its end is left for the next block). Returns the bytes consumed.
pub fn tokenize(
    block: &[u8],
    eof: bool,
    stop: usize,
    dialect: &Dialect,
    shape: &Shape,
    max_rows: usize,
    rows: &mut Rows,
) -> Result<usize, TokenError> {
    let n = block.len();
    let mut pos = 0;
    while rows.len() < max_rows && pos < n && pos < stop {
        if dialect.comments && block[pos] == b'#' {
            match line_end(block, pos, eof) {
                Some(next) => {
                    pos = next;
                    continue;
                }
                None => break,
            }
        }
        let (fields, text) = (rows.fields.len(), rows.text.len());
        let Some(next) = record(block, pos, eof, dialect, rows)? else {
            rows.truncate(fields, text);
            break;
        };
        let count = rows.fields.len() - fields;
        if count > shape.columns || (count < shape.columns && !shape.lenient) {
            if !shape.lenient {
                return Err(TokenError::FieldCount {
                    offset: pos,
                    fields: count,
                });
            }
            rows.truncate(fields, text);
        } else {
            rows.ends.push(rows.fields.len() as u32);
            rows.starts.push(pos as u32);
        }
        pos = next;
    }
    Ok(pos)
}

/// The offset after the line starting at `pos`, `None` if it runs past a block that
/// does not end the file.
fn line_end(block: &[u8], pos: usize, eof: bool) -> Option<usize> {
    match block[pos..].iter().position(|&b| b == b'\n' || b == b'\r') {
        Some(i) => terminator_end(block, pos + i, eof).ok().flatten(),
        None => eof.then_some(block.len()),
    }
}

/// The offset after the line end at `at` (`\n`, `\r` or `\r\n`).
fn terminator_end(block: &[u8], at: usize, eof: bool) -> Next {
    if block[at] == b'\n' {
        return Ok(Some(at + 1));
    }
    match block.get(at + 1) {
        Some(b'\n') => Ok(Some(at + 2)),
        Some(_) => Ok(Some(at + 1)),
        None if eof => Ok(Some(at + 1)),
        None => Ok(None),
    }
}

/// One record starting at `pos`: its fields pushed to `rows`.
fn record(block: &[u8], mut pos: usize, eof: bool, d: &Dialect, rows: &mut Rows) -> Next {
    let n = block.len();
    loop {
        let quoted = d.quote.is_some_and(|q| pos < n && block[pos] == q);
        let after = if quoted {
            match quoted_field(block, pos, eof, d, rows)? {
                Some(after) => after,
                None => return Ok(None),
            }
        } else {
            match plain_field(block, pos, eof, d, rows)? {
                Some(after) => after,
                None => return Ok(None),
            }
        };
        // `after` is the field's end: a delimiter, a line end, or the end of the block
        if after >= n {
            return Ok(eof.then_some(n));
        }
        match block[after] {
            c if c == d.delimiter => pos = after + 1,
            b'\n' | b'\r' => return terminator_end(block, after, eof),
            found => {
                return Err(TokenError::AfterQuote {
                    offset: after,
                    found,
                });
            }
        }
    }
}

/// An unquoted field from `pos`; returns the offset of the byte that ends it.
fn plain_field(block: &[u8], pos: usize, eof: bool, d: &Dialect, rows: &mut Rows) -> Next {
    let n = block.len();
    let mut i = pos;
    let mut seg = pos;
    let mut owned = None;
    while i < n {
        let c = block[i];
        if c == d.delimiter || c == b'\n' || c == b'\r' {
            break;
        }
        if Some(c) == d.escape {
            if i + 1 >= n {
                return if eof {
                    Err(TokenError::DanglingEscape { offset: i })
                } else {
                    Ok(None)
                };
            }
            owned.get_or_insert(rows.text.len());
            rows.text.extend_from_slice(&block[seg..i]);
            seg = i + 1;
            i += 2;
            continue;
        }
        i += 1;
    }
    if i >= n && !eof {
        return Ok(None);
    }
    push(rows, block, seg, i, owned);
    Ok(Some(i))
}

/// A quoted field whose quote is at `pos`; returns the offset after its closing quote.
fn quoted_field(block: &[u8], pos: usize, eof: bool, d: &Dialect, rows: &mut Rows) -> Next {
    let q = d.quote.expect("quoted field without a quote character");
    let n = block.len();
    let mut i = pos + 1;
    let mut seg = i;
    let mut owned = None;
    loop {
        if i >= n {
            return if eof {
                Err(TokenError::MissingClosingQuote { offset: pos })
            } else {
                Ok(None)
            };
        }
        let c = block[i];
        if c == q {
            match block.get(i + 1) {
                Some(&next) if next == q => {
                    owned.get_or_insert(rows.text.len());
                    rows.text.extend_from_slice(&block[seg..=i]);
                    i += 2;
                    seg = i;
                    continue;
                }
                None if !eof => return Ok(None),
                _ => {
                    push(rows, block, seg, i, owned);
                    return Ok(Some(i + 1));
                }
            }
        }
        if Some(c) == d.escape {
            if i + 1 >= n {
                return if eof {
                    Err(TokenError::DanglingEscape { offset: i })
                } else {
                    Ok(None)
                };
            }
            owned.get_or_insert(rows.text.len());
            rows.text.extend_from_slice(&block[seg..i]);
            seg = i + 1;
            i += 2;
            continue;
        }
        i += 1;
    }
}

/// Pushes the field `block[seg..end]`, appended to the copied text when it started there.
fn push(rows: &mut Rows, block: &[u8], seg: usize, end: usize, owned: Option<usize>) {
    let field = match owned {
        None => Field {
            start: seg as u32,
            end: end as u32,
            owned: false,
        },
        Some(start) => {
            rows.text.extend_from_slice(&block[seg..end]);
            Field {
                start: start as u32,
                end: rows.text.len() as u32,
                owned: true,
            }
        }
    };
    rows.fields.push(field);
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: Dialect = Dialect {
        delimiter: b',',
        quote: Some(b'"'),
        escape: None,
        comments: false,
    };

    fn split(
        block: &[u8],
        d: &Dialect,
        columns: usize,
        lenient: bool,
    ) -> Result<Vec<Vec<Option<String>>>, TokenError> {
        let mut rows = Rows::default();
        let shape = Shape { columns, lenient };
        let used = tokenize(block, true, usize::MAX, d, &shape, usize::MAX, &mut rows)?;
        assert_eq!(used, block.len());
        Ok((0..rows.len())
            .map(|r| {
                (0..columns)
                    .map(|c| {
                        rows.get(block, r, c)
                            .map(|b| String::from_utf8(b.to_vec()).unwrap())
                    })
                    .collect()
            })
            .collect())
    }

    fn s(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|x| x.map(str::to_string)).collect()
    }

    #[test]
    fn rows_and_fields_as_flink_splits_them() {
        // integration/fixtures/flink/layout.csv, as Flink read it (lenient)
        let block = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../integration/fixtures/flink/layout.csv"
        ))
        .unwrap();
        let got = split(&block, &CSV, 3, true).unwrap();
        assert_eq!(got[0], s(&[Some("1"), Some("plain"), Some("x")]));
        assert_eq!(
            got[1],
            s(&[Some("2"), Some("quoted, comma"), Some("say \"hi\"")])
        );
        assert_eq!(
            got[2],
            s(&[Some(""), None, None]),
            "a blank line is one empty field"
        );
        assert_eq!(got[3], s(&[Some("3"), Some("  spaced  "), Some(" x ")]));
        assert_eq!(got[4], s(&[Some("4"), Some("multi\nline"), Some("y")]));
        assert_eq!(got[5], s(&[Some("7"), Some(""), Some("")]));
        assert_eq!(got[6], s(&[Some("8"), Some("crlf"), Some("z")]));
        assert_eq!(got[7], s(&[Some("10"), Some("ab\"c"), Some("d")]));
        assert_eq!(got[8], s(&[Some("11"), Some(" \"lead\""), Some("e")]));
        assert_eq!(got[9], s(&[Some("9"), Some("tail"), Some("w")]));
        assert_eq!(got.len(), 10);
    }

    #[test]
    fn strict_rows_need_every_field() {
        assert_eq!(
            split(b"1,a,b\n2,c\n", &CSV, 3, false),
            Err(TokenError::FieldCount {
                offset: 6,
                fields: 2
            })
        );
        assert_eq!(
            split(b"1,a,b\n2,c,d,e\n", &CSV, 3, false),
            Err(TokenError::FieldCount {
                offset: 6,
                fields: 4
            })
        );
        // lenient: the longer row is skipped
        assert_eq!(
            split(b"1,a,b\n2,c,d,e\n3,f,g\n", &CSV, 3, true)
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            split(b"1,a\n\n2,b\n", &CSV, 2, false),
            Err(TokenError::FieldCount {
                offset: 4,
                fields: 1
            })
        );
    }

    #[test]
    fn comments_escapes_and_bad_quotes() {
        let comments = Dialect {
            comments: true,
            ..CSV
        };
        let got = split(
            b"# a note\n1,a\n#2,b\n3,c # not a note\n",
            &comments,
            2,
            false,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                s(&[Some("1"), Some("a")]),
                s(&[Some("3"), Some("c # not a note")])
            ]
        );

        let escaped = Dialect {
            escape: Some(b'\\'),
            ..CSV
        };
        let got = split(b"1,a\\,b,\"x\\\"y\"\n2,\\\\n,z\n", &escaped, 3, false).unwrap();
        assert_eq!(got[0], s(&[Some("1"), Some("a,b"), Some("x\"y")]));
        assert_eq!(got[1], s(&[Some("2"), Some("\\n"), Some("z")]));

        assert_eq!(
            split(b"1,\"x\"y,z\n", &CSV, 3, true),
            Err(TokenError::AfterQuote {
                offset: 5,
                found: b'y'
            })
        );
        assert_eq!(
            split(b"1,\"open,z\n", &CSV, 3, true),
            Err(TokenError::MissingClosingQuote { offset: 2 })
        );
        let unquoted = Dialect { quote: None, ..CSV };
        let got = split(b"1,\"a\",b\n", &unquoted, 3, false).unwrap();
        assert_eq!(got[0], s(&[Some("1"), Some("\"a\""), Some("b")]));
    }

    #[test]
    fn a_row_cut_by_the_block_waits_for_the_next() {
        let shape = Shape {
            columns: 2,
            lenient: false,
        };
        for block in [
            &b"1,a\n2,\"b"[..],
            b"1,a\n2,b",
            b"1,a\n2,b\r",
            b"1,a\n2,\"b\"",
        ] {
            let mut rows = Rows::default();
            let used = tokenize(
                block,
                false,
                usize::MAX,
                &CSV,
                &shape,
                usize::MAX,
                &mut rows,
            )
            .unwrap();
            assert_eq!(
                (used, rows.len()),
                (4, 1),
                "{:?}",
                String::from_utf8_lossy(block)
            );
            assert_eq!(rows.get(block, 0, 1), Some(&b"a"[..]));
        }
        // no row starts at or after `stop`; the row holding it is read whole
        let mut rows = Rows::default();
        let block = b"1,a\n2,b\n3,c\n";
        let used = tokenize(block, true, 5, &CSV, &shape, usize::MAX, &mut rows).unwrap();
        assert_eq!((used, rows.len()), (8, 2));
        // at most max_rows
        rows.clear();
        let used = tokenize(block, true, usize::MAX, &CSV, &shape, 1, &mut rows).unwrap();
        assert_eq!((used, rows.len()), (4, 1));
    }
}
