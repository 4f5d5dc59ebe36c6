//! One CSV line split into its fields the way Flink's CSV format (Jackson's CSV parser)
//! splits it: `flink_csv_split(line, delimiter, quote, <typed NULL struct>)`.
//!
//! The struct type names the table's data columns' slots, `f0` … `f{n-1}` (all STRING):
//! a field the line has is its text, `''` for an empty one; a field the line does not have
//! is NULL. A line with more than n fields gives a NULL struct (Flink skips such a row when
//! `csv.ignore-parse-errors` is set). The filesystem connector reads such tables one line
//! at a time, because DataFusion's CSV reader cannot tell an empty field from a missing one.
//!
//! Fields: separated by the delimiter; a field that starts with the quote runs to the
//! closing quote, a doubled quote inside it being one quote; text after the closing quote
//! up to the next delimiter is kept as it is.

use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder, StructArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Fields};
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use crate::functions::args::{arrays, eval_rows, utf8};
use crate::functions::scalar;

pub const NAME: &str = "flink_csv_split";

/// The struct [`NAME`] returns for a table of `n` data columns.
pub fn struct_type(n: usize) -> DataType {
    DataType::Struct(Fields::from(
        (0..n)
            .map(|i| arrow::datatypes::Field::new(slot(i), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ))
}

/// The struct field holding data column `i`.
pub fn slot(i: usize) -> String {
    format!("f{i}")
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            NAME,
            Signature::any(4, Volatility::Immutable),
            |t| Ok(t[3].clone()),
            eval,
        )
        .build(),
    ]
}

/// The fields of `line` into `out` (cleared first).
pub fn split_line(line: &str, delimiter: char, quote: char, out: &mut Vec<String>) {
    out.clear();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&quote) {
            chars.next();
            while let Some(c) = chars.next() {
                if c == quote {
                    if chars.peek() == Some(&quote) {
                        chars.next();
                        field.push(quote);
                    } else {
                        break;
                    }
                } else {
                    field.push(c);
                }
            }
        }
        let mut ended = true;
        for c in chars.by_ref() {
            if c == delimiter {
                ended = false;
                break;
            }
            field.push(c);
        }
        out.push(field);
        if ended {
            return;
        }
    }
}

fn one_char(v: &ColumnarValue, what: &str) -> Result<char> {
    match v {
        ColumnarValue::Scalar(ScalarValue::Utf8(Some(s))) if s.chars().count() == 1 => {
            Ok(s.chars().next().expect("one char"))
        }
        _ => exec_err!("{NAME} needs a one-character {what}"),
    }
}

fn eval(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let DataType::Struct(fields) = ret else {
        return exec_err!("{NAME} returns a struct");
    };
    let n = eval_rows(args, rows);
    let lines = utf8(&arrays(&args[..1], n)?[0])?;
    let (delimiter, quote) = (
        one_char(&args[1], "delimiter")?,
        one_char(&args[2], "quote")?,
    );
    let mut builders: Vec<StringBuilder> = (0..fields.len())
        .map(|_| StringBuilder::with_capacity(n, 16 * n))
        .collect();
    let mut valid = Vec::with_capacity(n);
    let mut parts = Vec::new();
    for line in lines.iter() {
        split_line(line.unwrap_or(""), delimiter, quote, &mut parts);
        let fits = line.is_some() && parts.len() <= fields.len();
        valid.push(fits);
        for (k, b) in builders.iter_mut().enumerate() {
            match parts.get(k) {
                Some(p) if fits => b.append_value(p),
                _ => b.append_null(),
            }
        }
    }
    let columns: Vec<ArrayRef> = builders
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let out = StructArray::try_new(fields.clone(), columns, Some(NullBuffer::from(valid)))?;
    Ok(ColumnarValue::Array(Arc::new(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        split_line(line, ',', '"', &mut out);
        out
    }

    #[test]
    fn fields_as_jackson_reads_them() {
        assert_eq!(split("1,,"), ["1", "", ""]);
        assert_eq!(split(""), [""]);
        assert_eq!(split("a"), ["a"]);
        assert_eq!(split(r#""a,b",c"#), ["a,b", "c"]);
        assert_eq!(split(r#""say ""hi""",x"#), [r#"say "hi""#, "x"]);
        assert_eq!(split(r#""",x"#), ["", "x"]);
        assert_eq!(split(r#"a"b,c"#), [r#"a"b"#, "c"]);
        assert_eq!(split(" 5 ,e"), [" 5 ", "e"]);
    }
}
