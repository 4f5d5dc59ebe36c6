//! One JSON text (a file's line, a Kafka record) into rows, as Flink's json format reads a
//! message: an object is a row, an array of objects a row each; empty text is no row;
//! blanks, `null`, a scalar or broken JSON are not rows (failing the read, or skipped with
//! `json.ignore-parse-errors`). Read columns are matched by exact name, a repeated name keeps
//! its last value, other fields are skipped.

use std::collections::HashMap;

use super::columns::{Column, Reading};
use super::lexer::{Kind, Lexer, SyntaxError, Token};

/// Why a text gave no row (or, of an array, no more rows).
#[derive(Debug, Clone, PartialEq)]
pub enum Bad {
    /// A value a column cannot hold: (column, the value's JSON text, why).
    Value(String, String, String),
    /// A read column the object lacks, with `json.fail-on-missing-field`.
    Missing(String),
    /// Text that is not a JSON object (or array of them) Flink's reader takes.
    Line(String),
}

impl Bad {
    /// The problem in words (without where it is).
    pub fn describe(&self) -> String {
        match self {
            Bad::Value(column, text, why) => {
                format!("cannot read {text} into column `{column}` ({why})")
            }
            Bad::Missing(column) => format!(
                "the object has no field `{column}`, which 'json.fail-on-missing-field' = 'true' requires"
            ),
            Bad::Line(why) => format!("not a JSON object: {why}"),
        }
    }
}

/// How a table's rows are read from JSON text.
#[derive(Debug, Clone)]
pub struct RowReader {
    /// A read column's name → its index among the columns being filled.
    pub names: HashMap<String, usize>,
    pub how: Reading,
}

impl RowReader {
    /// Reads `text` into `columns`: the rows added, and what stopped it. In lenient mode a
    /// value that cannot be read is NULL, and only a text that is not JSON stops it.
    pub fn read(&self, text: &str, columns: &mut [Column]) -> (usize, Option<Bad>) {
        if text.is_empty() {
            return (0, None);
        }
        let mut lx = Lexer::new(text);
        let syntax = |e: SyntaxError| Bad::Line(format!("{} at character {}", e.what, e.at + 1));
        match lx.peek() {
            None => (0, Some(Bad::Line("it holds only blanks".into()))),
            Some(b'{') => match self.object(&mut lx, columns) {
                Ok(()) => (1, None),
                Err(Ok(bad)) => (0, Some(bad)),
                Err(Err(e)) => (0, Some(syntax(e))),
            },
            Some(b'[') => {
                let mut elements = Vec::new();
                if let Err(e) = lx.elements(|t| elements.push(t)) {
                    return (0, Some(syntax(e)));
                }
                let mut rows = 0;
                for e in elements {
                    if e.kind != Kind::Object {
                        let what = if e.kind == Kind::Null {
                            "null"
                        } else {
                            "not an object"
                        };
                        return (rows, Some(Bad::Line(format!("an array element is {what}"))));
                    }
                    match self.object(&mut Lexer::new(e.text), columns) {
                        Ok(()) => rows += 1,
                        Err(Ok(bad)) => return (rows, Some(bad)),
                        Err(Err(e)) => return (rows, Some(syntax(e))),
                    }
                }
                (rows, None)
            }
            Some(_) => {
                let what = match lx.value() {
                    Ok(v) if v.kind == Kind::Null => "null",
                    Ok(_) => "a single value",
                    Err(e) => return (0, Some(syntax(e))),
                };
                (
                    0,
                    Some(Bad::Line(format!("it holds {what}, not an object"))),
                )
            }
        }
    }

    /// One object's row. `Err(Ok(bad))`: a value; `Err(Err(syntax))`: the text.
    fn object(
        &self,
        lx: &mut Lexer<'_>,
        columns: &mut [Column],
    ) -> Result<(), Result<Bad, SyntaxError>> {
        let mut slots: Vec<Option<Token<'_>>> = vec![None; columns.len()];
        lx.fields(|name, v| {
            if let Some(&i) = self.names.get(name.as_ref()) {
                slots[i] = Some(v);
            }
        })
        .map_err(Err)?;
        let mut first_bad: Option<(usize, String)> = None;
        for (i, (c, slot)) in columns.iter_mut().zip(slots.iter()).enumerate() {
            match slot {
                None if self.how.fail_on_missing => {
                    // Flink: "Some field is missing in the JSON data."
                    first_bad.get_or_insert((i, String::new()));
                    c.append_null();
                }
                None => c.append_null(),
                Some(v) => {
                    if let Err(why) = c.append(v, self.how) {
                        c.append_null();
                        if !self.how.lenient {
                            first_bad.get_or_insert((i, why));
                        }
                    }
                }
            }
        }
        let Some((i, why)) = first_bad else {
            return Ok(());
        };
        // the row is not kept: the caller fails the read
        let name = self
            .names
            .iter()
            .find(|(_, j)| **j == i)
            .map(|(n, _)| n.clone())
            .unwrap_or_default();
        Err(Ok(match slots[i] {
            Some(v) => Bad::Value(name, v.text.to_string(), why),
            None => Bad::Missing(name),
        }))
    }
}
