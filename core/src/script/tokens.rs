//! A small token cursor over sqlparser's tokenizer, with script-absolute positions.

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Word};

use super::split::{RawStatement, padded};
use crate::error::{Result, WeftError};

pub struct Cursor<'a> {
    tokens: Vec<TokenWithSpan>,
    pos: usize,
    stmt: &'a RawStatement,
}

impl<'a> Cursor<'a> {
    pub fn new(script: &str, stmt: &'a RawStatement) -> Result<Self> {
        let text = padded(script, stmt.offset, stmt.offset + stmt.text.len());
        let tokens = Tokenizer::new(&GenericDialect {}, &text)
            .tokenize_with_location()
            .map_err(|e| WeftError::Sql {
                statement: stmt.index,
                line: e.location.line as usize,
                column: e.location.column as usize,
                message: e.message.clone(),
            })?
            .into_iter()
            .filter(|t| {
                !matches!(
                    t.token,
                    Token::Whitespace(_) | Token::EOF | Token::SemiColon
                )
            })
            .collect();
        Ok(Cursor {
            tokens,
            pos: 0,
            stmt,
        })
    }

    pub fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|t| &t.token)
    }

    pub fn next(&mut self) -> Option<&Token> {
        let t = self.tokens.get(self.pos).map(|t| &t.token);
        self.pos += 1;
        t
    }

    /// Eat a `>` closing a type's brackets; `>>` (two nested closings, as in
    /// `ARRAY<ARRAY<INT>>`) counts as two.
    pub fn eat_closing_angle(&mut self) -> bool {
        match self.peek() {
            Some(Token::Gt) => {
                self.pos += 1;
                true
            }
            Some(Token::ShiftRight) => {
                self.tokens[self.pos].token = Token::Gt;
                true
            }
            _ => false,
        }
    }

    pub fn is_lt(&self) -> bool {
        matches!(self.peek(), Some(Token::Lt))
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// Position (line, column) of the current token, or the statement end.
    pub fn position(&self) -> (usize, usize) {
        match self.tokens.get(self.pos).or(self.tokens.last()) {
            Some(t) => (t.span.start.line as usize, t.span.start.column as usize),
            None => (self.stmt.line, self.stmt.column),
        }
    }

    pub fn error(&self, message: impl Into<String>) -> WeftError {
        let (line, column) = self.position();
        WeftError::Sql {
            statement: self.stmt.index,
            line,
            column,
            message: message.into(),
        }
    }

    fn describe(&self) -> String {
        match self.peek() {
            Some(t) => format!("'{t}'"),
            None => "the end of the statement".to_string(),
        }
    }

    /// Is the current token the keyword `kw` (case-insensitive, unquoted)?
    pub fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    pub fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.is_keyword(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_keyword(&mut self, kw: &str) -> Result<()> {
        if self.eat_keyword(kw) {
            Ok(())
        } else {
            Err(self.error(format!("expected {kw} but found {}", self.describe())))
        }
    }

    pub fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect(&mut self, t: &Token) -> Result<()> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.error(format!("expected '{t}' but found {}", self.describe())))
        }
    }

    pub fn identifier(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::Word(Word { value, .. })) => {
                let v = value.clone();
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.error(format!("expected a name but found {}", self.describe()))),
        }
    }

    /// A possibly qualified name (`db.t`, `` `my table` ``), returned as written.
    pub fn object_name(&mut self) -> Result<String> {
        let mut name = self.identifier()?;
        while self.eat(&Token::Period) {
            name.push('.');
            name.push_str(&self.identifier()?);
        }
        Ok(name)
    }

    pub fn string_literal(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::SingleQuotedString(s)) | Some(Token::DoubleQuotedString(s)) => {
                let v = s.clone();
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.error(format!(
                "expected a quoted string but found {}",
                self.describe()
            ))),
        }
    }

    /// A literal value as text (string, number, or a bare word like `true`).
    pub fn literal_text(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::SingleQuotedString(s)) | Some(Token::DoubleQuotedString(s)) => {
                let v = s.clone();
                self.pos += 1;
                Ok(v)
            }
            Some(Token::Number(n, _)) => {
                let v = n.clone();
                self.pos += 1;
                Ok(v)
            }
            Some(Token::Word(w)) => {
                let v = w.value.clone();
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.error(format!("expected a value but found {}", self.describe()))),
        }
    }

    /// A parenthesized, comma-separated list of names.
    pub fn name_list(&mut self) -> Result<Vec<String>> {
        self.expect(&Token::LParen)?;
        let mut names = vec![self.identifier()?];
        while self.eat(&Token::Comma) {
            names.push(self.identifier()?);
        }
        self.expect(&Token::RParen)?;
        Ok(names)
    }

    /// Byte offset in the script of the current token (for handing the rest to DataFusion).
    pub fn offset_in(&self, script: &str) -> usize {
        let (line, column) = match self.tokens.get(self.pos) {
            Some(t) => (t.span.start.line as usize, t.span.start.column as usize),
            None => return self.stmt.offset + self.stmt.text.len(),
        };
        let line_start = script
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum::<usize>();
        let col_bytes: usize = script[line_start..]
            .chars()
            .take(column - 1)
            .map(char::len_utf8)
            .sum();
        line_start + col_bytes
    }
}
