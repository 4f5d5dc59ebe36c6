//! String functions (Flink docs: "String Functions").
//!
//! Positions and lengths count characters (code points), as Flink's `BinaryStringData`
//! does. Regular expressions are Java's, translated by [`java_regex`]. Each function gives
//! NULL for a NULL argument unless its comment says otherwise.

mod java_regex;
mod text;

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryBuilder, BooleanBuilder, Int32Builder, Int64Array,
    ListBuilder, MapBuilder, MapFieldNames, StringArray, StringBuilder, StringViewArray,
    StringViewBuilder,
};
use arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, exec_err, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, Expr, ScalarUDF, Signature, Volatility};
use datafusion::sql::sqlparser::ast;

use super::args::{eval_rows, is_string, result};
use super::scalar;
use super::udf::EvalFn;
pub use java_regex::{JavaRegex, RegexError};

// ---------------------------------------------------------------------------------------
// Argument shapes and evaluation helpers
// ---------------------------------------------------------------------------------------

/// Coerce arguments by a shape: one letter per argument — `s` string, `i` integer (as
/// BIGINT), `x` string or bytes, `b` bytes, `n` integer or string or bytes, `a` any;
/// a trailing `*` repeats the letter before it. Several shapes give the arities accepted.
fn coerce(name: &str, t: &[DataType], shapes: &[&str]) -> Result<Vec<DataType>> {
    let shape = shapes.iter().find_map(|s| {
        let letters: Vec<char> = s.chars().collect();
        if let Some(pos) = letters.iter().position(|&c| c == '*') {
            let fixed = pos - 1;
            (t.len() >= fixed).then(|| {
                (0..t.len())
                    .map(|k| {
                        if k < fixed {
                            letters[k]
                        } else {
                            letters[pos - 1]
                        }
                    })
                    .collect::<Vec<_>>()
            })
        } else {
            (letters.len() == t.len()).then_some(letters)
        }
    });
    let Some(shape) = shape else {
        return plan_err!("{name}: wrong number of arguments ({})", t.len());
    };
    let is_bin = |t: &DataType| {
        matches!(
            t,
            DataType::Binary
                | DataType::LargeBinary
                | DataType::BinaryView
                | DataType::FixedSizeBinary(_)
        )
    };
    let mut out = Vec::with_capacity(t.len());
    for (k, (ty, l)) in t.iter().zip(shape).enumerate() {
        let bad = || {
            plan_err!(
                "Invalid input arguments for {name}: argument {} has type {}",
                k + 1,
                crate::types::flink_name(ty)
            )
        };
        out.push(match l {
            's' if *ty == DataType::Utf8View => DataType::Utf8View,
            's' if is_string(ty) || *ty == DataType::Null => DataType::Utf8,
            's' if matches!(ty, DataType::Dictionary(_, v) if is_string(v)) => DataType::Utf8,
            'i' if ty.is_integer() || *ty == DataType::Null => DataType::Int64,
            'b' if is_bin(ty) || *ty == DataType::Null => DataType::Binary,
            'x' if is_bin(ty) => DataType::Binary,
            'x' if is_string(ty) || *ty == DataType::Null => DataType::Utf8,
            'n' if ty.is_integer() => DataType::Int64,
            // HEX takes no BYTES in Flink ('HEX(<INTEGER>)' or a string)
            'n' if is_string(ty) || *ty == DataType::Null => DataType::Utf8,
            'a' => ty.clone(),
            _ => return bad(),
        });
    }
    Ok(out)
}

/// Evaluated arguments. The first is an array of the batch's rows (or of one row); a
/// later string or BIGINT argument given as a scalar (a pattern, a length, a separator)
/// stays one, read for every row without being copied into an array, as DataFusion's own
/// string functions do.
struct Cols {
    n: usize,
    /// Each argument as an array: of `n` rows, or of one row where `scalar[k]`.
    arrays: Vec<ArrayRef>,
    scalar: Vec<bool>,
    /// A scalar argument is NULL: every row is NULL.
    scalar_null: bool,
    /// Array arguments that hold NULLs.
    nullable: Vec<usize>,
}

impl Cols {
    fn new(args: &[ColumnarValue], rows: usize) -> Result<Cols> {
        let n = eval_rows(args, rows);
        let mut c = Cols {
            n,
            arrays: Vec::with_capacity(args.len()),
            scalar: Vec::with_capacity(args.len()),
            scalar_null: false,
            nullable: Vec::new(),
        };
        for (k, a) in args.iter().enumerate() {
            let kept = match a {
                ColumnarValue::Scalar(v) if k > 0 && n > 1 => matches!(
                    v.data_type(),
                    DataType::Utf8 | DataType::Utf8View | DataType::Int64
                )
                .then_some(v),
                _ => None,
            };
            let array = match kept {
                Some(v) => {
                    c.scalar_null |= v.is_null();
                    v.to_array_of_size(1)?
                }
                None => a.to_array(n)?,
            };
            if kept.is_none() && array.null_count() > 0 {
                c.nullable.push(k);
            }
            c.scalar.push(kept.is_some());
            c.arrays.push(array);
        }
        Ok(c)
    }
    fn strs(&self, k: usize) -> Strs<'_> {
        let s = Strs::of(&self.arrays[k]);
        match self.scalar[k] {
            true => Strs::Scalar(opt_str(s, 0)),
            false => s,
        }
    }
    fn ints(&self, k: usize) -> Ints<'_> {
        let a = self.arrays[k].as_primitive::<arrow::datatypes::Int64Type>();
        match self.scalar[k] {
            true => Ints::Scalar((!a.is_null(0)).then(|| a.value(0))),
            false => Ints::Array(a),
        }
    }
    fn bins(&self, k: usize) -> &BinaryArray {
        self.arrays[k].as_binary::<i32>()
    }
    #[inline]
    fn any_null(&self, i: usize) -> bool {
        self.scalar_null || self.nullable.iter().any(|&k| self.arrays[k].is_null(i))
    }
}

/// A string argument as it came: Utf8, or Utf8View (what Weft's sources give) read in
/// place rather than copied by a cast, or one value for every row.
#[derive(Clone, Copy)]
enum Strs<'a> {
    Utf8(&'a StringArray),
    View(&'a StringViewArray),
    Scalar(Option<&'a str>),
}

impl<'a> Strs<'a> {
    fn of(a: &'a ArrayRef) -> Strs<'a> {
        match a.data_type() {
            DataType::Utf8View => Strs::View(a.as_string_view()),
            _ => Strs::Utf8(a.as_string::<i32>()),
        }
    }
    #[inline]
    fn value(self, i: usize) -> &'a str {
        match self {
            Strs::Utf8(a) => a.value(i),
            Strs::View(a) => a.value(i),
            Strs::Scalar(v) => v.unwrap_or(""),
        }
    }
    #[inline]
    fn is_null(self, i: usize) -> bool {
        match self {
            Strs::Utf8(a) => a.is_null(i),
            Strs::View(a) => a.is_null(i),
            Strs::Scalar(v) => v.is_none(),
        }
    }
}

/// A BIGINT argument: an array, or one value for every row.
#[derive(Clone, Copy)]
enum Ints<'a> {
    Array(&'a Int64Array),
    Scalar(Option<i64>),
}

impl Ints<'_> {
    #[inline]
    fn value(self, i: usize) -> i64 {
        match self {
            Ints::Array(a) => a.value(i),
            Ints::Scalar(v) => v.unwrap_or(0),
        }
    }
    #[inline]
    fn is_null(self, i: usize) -> bool {
        match self {
            Ints::Array(a) => a.is_null(i),
            Ints::Scalar(v) => v.is_none(),
        }
    }
}

/// A string searched for in every row: its searcher built once when it is one value for
/// all rows (a LOCATE needle, a REPLACE target, a SPLIT_INDEX separator).
enum Needle<'a> {
    Fixed(&'a str, memchr::memmem::Finder<'a>),
    PerRow(Strs<'a>),
}

impl<'a> Needle<'a> {
    fn of(s: Strs<'a>) -> Needle<'a> {
        match s {
            Strs::Scalar(Some(v)) => Needle::Fixed(v, memchr::memmem::Finder::new(v.as_bytes())),
            other => Needle::PerRow(other),
        }
    }
    #[inline]
    fn text(&self, i: usize) -> &'a str {
        match self {
            Needle::Fixed(v, _) => v,
            Needle::PerRow(s) => s.value(i),
        }
    }
    /// The first byte offset of the row's needle in `hay`.
    #[inline]
    fn find(&self, i: usize, hay: &str) -> Option<usize> {
        match self {
            Needle::Fixed(_, f) => f.find(hay.as_bytes()),
            Needle::PerRow(s) => hay.find(s.value(i)),
        }
    }
}

fn opt_str(a: Strs<'_>, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}
fn opt_int(a: Ints<'_>, i: usize) -> Option<i64> {
    (!a.is_null(i)).then(|| a.value(i))
}

/// A string result: `f` writes row `i` into the buffer and says whether it is non-NULL.
fn out_str(
    args: &[ColumnarValue],
    c: &Cols,
    mut f: impl FnMut(usize, &mut String) -> Result<bool>,
) -> Result<ColumnarValue> {
    let mut out = StringBuilder::with_capacity(c.n, c.n * 8);
    let mut buf = String::new();
    for i in 0..c.n {
        buf.clear();
        if f(i, &mut buf)? {
            out.append_value(&buf);
        } else {
            out.append_null();
        }
    }
    result(args, Arc::new(out.finish()))
}

/// The type of a result cut from the first argument: a view over views, else Utf8.
fn slice_type(t: &[DataType]) -> Result<DataType> {
    Ok(match t.first() {
        Some(DataType::Utf8View) => DataType::Utf8View,
        _ => DataType::Utf8,
    })
}

/// A result that is a piece of the first argument's value (or NULL). Over a Utf8View
/// argument the pieces are views into its buffers, not copies (as DataFusion's `substr`
/// and `btrim` answer); else a new Utf8 array.
fn out_slice<'a>(
    args: &[ColumnarValue],
    c: &'a Cols,
    mut f: impl FnMut(usize) -> Result<Option<&'a str>>,
) -> Result<ColumnarValue> {
    let Strs::View(v) = c.strs(0) else {
        return out_str(args, c, |i, o| {
            Ok(f(i)?.map(|piece| o.push_str(piece)).is_some())
        });
    };
    let mut b = StringViewBuilder::with_capacity(c.n);
    let blocks: Vec<u32> = v
        .data_buffers()
        .iter()
        .map(|buf| b.append_block(buf.clone()))
        .collect();
    for i in 0..c.n {
        let Some(piece) = f(i)? else {
            b.append_null();
            continue;
        };
        if piece.len() <= 12 {
            b.append_value(piece);
            continue;
        }
        // A piece of more than 12 bytes is cut from a long value, which lies in a buffer.
        let view = arrow::array::ByteView::from(v.views()[i]);
        let k = view.buffer_index as usize;
        let buf = &v.data_buffers()[k];
        let start = (piece.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
        if view.length > 12 && start + piece.len() <= buf.len() {
            // SAFETY: block `blocks[k]` was appended above (it is buffer k), the range
            // start..start + len was checked to lie inside it, and the bytes there are
            // `piece`, a &str, so valid UTF-8 (what try_append_view would check again).
            unsafe { b.append_view_unchecked(blocks[k], start as u32, piece.len() as u32) };
        } else {
            b.append_value(piece);
        }
    }
    result(args, Arc::new(b.finish()))
}

fn out_int(
    args: &[ColumnarValue],
    c: &Cols,
    mut f: impl FnMut(usize) -> Result<Option<i32>>,
) -> Result<ColumnarValue> {
    let mut out = Int32Builder::with_capacity(c.n);
    for i in 0..c.n {
        out.append_option(f(i)?);
    }
    result(args, Arc::new(out.finish()))
}

fn out_bool(
    args: &[ColumnarValue],
    c: &Cols,
    mut f: impl FnMut(usize) -> Result<Option<bool>>,
) -> Result<ColumnarValue> {
    let mut out = BooleanBuilder::with_capacity(c.n);
    for i in 0..c.n {
        out.append_option(f(i)?);
    }
    result(args, Arc::new(out.finish()))
}

fn out_bytes(
    args: &[ColumnarValue],
    c: &Cols,
    mut f: impl FnMut(usize) -> Result<Option<Vec<u8>>>,
) -> Result<ColumnarValue> {
    let mut out = BinaryBuilder::with_capacity(c.n, c.n * 8);
    for i in 0..c.n {
        match f(i)? {
            Some(v) => out.append_value(v),
            None => out.append_null(),
        }
    }
    result(args, Arc::new(out.finish()))
}

fn string_list_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

fn out_list(
    args: &[ColumnarValue],
    c: &Cols,
    mut f: impl FnMut(usize, &mut Vec<Option<String>>) -> Result<bool>,
) -> Result<ColumnarValue> {
    let mut out = ListBuilder::new(StringBuilder::new());
    let mut items = Vec::new();
    for i in 0..c.n {
        items.clear();
        if f(i, &mut items)? {
            for it in &items {
                out.values().append_option(it.as_deref());
            }
            out.append(true);
        } else {
            out.append(false);
        }
    }
    result(args, Arc::new(out.finish()))
}

/// Byte offset of the character at char index `k` (or the length when past the end).
fn byte_at(s: &str, k: usize) -> usize {
    if s.is_ascii() {
        return k.min(s.len());
    }
    s.char_indices().nth(k).map(|(b, _)| b).unwrap_or(s.len())
}

fn char_count(s: &str) -> usize {
    s.chars().count()
}

/// Compiled Java patterns of one batch, by pattern text.
#[derive(Default)]
struct Patterns {
    cache: HashMap<String, std::result::Result<JavaRegex, RegexError>>,
}

impl Patterns {
    /// The pattern, or `None` when it is not a valid Java pattern (Flink's NULL / FALSE);
    /// a valid pattern Weft cannot translate is an error naming it.
    fn get(&mut self, function: &str, p: &str) -> Result<Option<&JavaRegex>> {
        if !self.cache.contains_key(p) {
            self.cache.insert(p.to_string(), JavaRegex::new(p));
        }
        match self.cache.get(p).unwrap() {
            Ok(r) => Ok(Some(r)),
            Err(RegexError::Invalid(_)) => Ok(None),
            Err(e @ RegexError::Unsupported(_)) => {
                Err(DataFusionError::Execution(e.message(function, p)))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The functions
// ---------------------------------------------------------------------------------------

fn udf(
    name: &'static str,
    ret: super::udf::ReturnFn,
    eval: EvalFn,
    c: super::udf::CoerceFn,
) -> ScalarUDF {
    scalar(
        name,
        Signature::user_defined(Volatility::Immutable),
        ret,
        eval,
    )
    .coerced(c)
    .build()
}

fn utf8(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Utf8)
}
fn int(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Int32)
}
fn boolean(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Boolean)
}
fn bytes(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Binary)
}
fn list(_: &[DataType]) -> Result<DataType> {
    Ok(string_list_type())
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        // CONCAT(s1, s2, …): NULL if any argument is NULL (DataFusion's skips NULLs).
        udf("concat", utf8, eval_concat, |t| {
            coerce("CONCAT", t, &["ss*"])
        }),
        udf("concat_ws", utf8, eval_concat_ws, |t| {
            coerce("CONCAT_WS", t, &["ss*"])
        }),
        udf("char_length", int, eval_char_length, |t| {
            coerce("CHAR_LENGTH", t, &["s"])
        })
        .with_aliases(["character_length"]),
        udf(
            "upper",
            utf8,
            |a, n, _| map1(a, n, |s, o| push_cased(s, o, true)),
            |t| coerce("UPPER", t, &["s"]),
        ),
        udf(
            "lower",
            utf8,
            |a, n, _| map1(a, n, |s, o| push_cased(s, o, false)),
            |t| coerce("LOWER", t, &["s"]),
        ),
        udf(
            "reverse",
            utf8,
            |a, n, _| map1(a, n, |s, o| o.extend(s.chars().rev())),
            |t| coerce("REVERSE", t, &["s"]),
        ),
        udf(
            "initcap",
            utf8,
            |a, n, _| map1(a, n, text::initcap),
            |t| coerce("INITCAP", t, &["s"]),
        ),
        udf("to_base64", utf8, eval_to_base64, |t| {
            coerce("TO_BASE64", t, &["x"])
        }),
        udf("from_base64", utf8, eval_from_base64, |t| {
            coerce("FROM_BASE64", t, &["s"])
        }),
        udf(
            "url_encode",
            utf8,
            |a, n, _| map1(a, n, text::url_encode),
            |t| coerce("URL_ENCODE", t, &["s"]),
        ),
        udf("url_decode", utf8, eval_url_decode, |t| {
            coerce("URL_DECODE", t, &["s"])
        }),
        udf("ascii", int, eval_ascii, |t| coerce("ASCII", t, &["s"])),
        udf("chr", utf8, eval_chr, |t| coerce("CHR", t, &["i"])),
        udf(
            "position",
            int,
            |a, n, _| eval_locate(a, n, 0, 1, None),
            |t| coerce("POSITION", t, &["ss"]),
        ),
        udf(
            "instr",
            int,
            |a, n, _| eval_locate(a, n, 1, 0, None),
            |t| coerce("INSTR", t, &["ss"]),
        ),
        udf(
            "locate",
            int,
            |a, n, _| eval_locate(a, n, 0, 1, Some(2)),
            |t| coerce("LOCATE", t, &["ss", "ssi"]),
        ),
        udf(
            "trim",
            slice_type,
            |a, n, _| eval_trim(a, n, true, true),
            |t| coerce("TRIM", t, &["s", "ss"]),
        ),
        udf(
            "btrim",
            slice_type,
            |a, n, _| eval_trim(a, n, true, true),
            |t| coerce("BTRIM", t, &["s", "ss"]),
        ),
        udf(
            "ltrim",
            slice_type,
            |a, n, _| eval_trim(a, n, true, false),
            |t| coerce("LTRIM", t, &["s", "ss"]),
        ),
        udf(
            "rtrim",
            slice_type,
            |a, n, _| eval_trim(a, n, false, true),
            |t| coerce("RTRIM", t, &["s", "ss"]),
        ),
        udf("repeat", utf8, eval_repeat, |t| {
            coerce("REPEAT", t, &["si"])
        }),
        udf("replace", utf8, eval_replace, |t| {
            coerce("REPLACE", t, &["sss"])
        }),
        udf("overlay", utf8, eval_overlay, |t| {
            coerce("OVERLAY", t, &["ssi", "ssii"])
        }),
        udf("substring", slice_type, eval_substring, |t| {
            coerce("SUBSTRING", t, &["si", "sii"])
        }),
        udf("substr", slice_type, eval_substring, |t| {
            coerce("SUBSTR", t, &["si", "sii"])
        }),
        udf(
            "left",
            slice_type,
            |a, n, _| eval_left_right(a, n, true),
            |t| coerce("LEFT", t, &["si"]),
        ),
        udf(
            "right",
            slice_type,
            |a, n, _| eval_left_right(a, n, false),
            |t| coerce("RIGHT", t, &["si"]),
        ),
        udf(
            "lpad",
            utf8,
            |a, n, _| eval_pad(a, n, true),
            |t| coerce("LPAD", t, &["sis"]),
        ),
        udf(
            "rpad",
            utf8,
            |a, n, _| eval_pad(a, n, false),
            |t| coerce("RPAD", t, &["sis"]),
        ),
        udf("translate", utf8, eval_translate, |t| {
            coerce("TRANSLATE", t, &["sss"])
        }),
        udf("split_index", slice_type, eval_split_index, |t| {
            coerce("SPLIT_INDEX", t, &["ssi"])
        }),
        udf("split", list, eval_split, |t| coerce("SPLIT", t, &["ss"])),
        udf(
            "str_to_map",
            |_| Ok(map_type()),
            eval_str_to_map,
            |t| coerce("STR_TO_MAP", t, &["s", "sss"]),
        ),
        udf("elt", utf8, eval_elt, |t| coerce("ELT", t, &["is*"])),
        udf(
            "startswith",
            boolean,
            |a, n, _| eval_starts_ends(a, n, true),
            coerce_same_kind,
        ),
        udf(
            "endswith",
            boolean,
            |a, n, _| eval_starts_ends(a, n, false),
            coerce_same_kind,
        ),
        udf("hex", utf8, eval_hex, |t| coerce("HEX", t, &["n"])),
        udf("unhex", bytes, eval_unhex, |t| coerce("UNHEX", t, &["s"])),
        udf("bin", utf8, eval_bin, |t| coerce("BIN", t, &["i"])),
        udf("encode", bytes, eval_encode, |t| {
            coerce("ENCODE", t, &["ss"])
        }),
        udf("decode", utf8, eval_decode, |t| {
            coerce("DECODE", t, &["bs"])
        }),
        udf("parse_url", utf8, eval_parse_url, |t| {
            coerce("PARSE_URL", t, &["ss", "sss"])
        }),
        udf("printf", utf8, text::eval_printf, |t| {
            coerce("PRINTF", t, &["sa*"])
        }),
        scalar(
            "uuid",
            Signature::nullary(Volatility::Volatile),
            utf8,
            eval_uuid,
        )
        .build(),
        // Regular expressions (Java's).
        udf("regexp_replace", utf8, eval_regexp_replace, |t| {
            coerce("REGEXP_REPLACE", t, &["sss"])
        }),
        udf("regexp_extract", utf8, eval_regexp_extract, |t| {
            coerce("REGEXP_EXTRACT", t, &["ss", "ssi"])
        }),
        udf("regexp_extract_all", list, eval_regexp_extract_all, |t| {
            coerce("REGEXP_EXTRACT_ALL", t, &["ss", "ssi"])
        }),
        udf(
            "regexp_count",
            int,
            |a, n, _| eval_regexp_int(a, n, "REGEXP_COUNT", true),
            |t| coerce("REGEXP_COUNT", t, &["ss"]),
        ),
        udf(
            "regexp_instr",
            int,
            |a, n, _| eval_regexp_int(a, n, "REGEXP_INSTR", false),
            |t| coerce("REGEXP_INSTR", t, &["ss"]),
        ),
        udf("regexp_substr", utf8, eval_regexp_substr, |t| {
            coerce("REGEXP_SUBSTR", t, &["ss"])
        }),
        udf("regexp", boolean, eval_regexp, |t| {
            coerce("REGEXP", t, &["ss"])
        }),
        // `s [NOT] LIKE p [ESCAPE e]` and `s [NOT] SIMILAR TO p [ESCAPE e]` (see rewrite_sql).
        udf(
            FLINK_LIKE,
            boolean,
            |a, n, _| eval_like(a, n, false),
            |t| coerce("LIKE", t, &["ss", "sss"]),
        ),
        ScalarUDF::new_from_impl(Refused {
            signature: Signature::any(1, Volatility::Immutable),
        }),
        udf(
            FLINK_SIMILAR,
            boolean,
            |a, n, _| eval_like(a, n, true),
            |t| coerce("SIMILAR TO", t, &["ss", "sss"]),
        ),
    ]
}

const FLINK_LIKE: &str = "flink_like";
const FLINK_SIMILAR: &str = "flink_similar_to";

fn coerce_same_kind(t: &[DataType]) -> Result<Vec<DataType>> {
    let c = coerce("STARTSWITH/ENDSWITH", t, &["xx"])?;
    if c[0] != c[1] && t[0] != DataType::Null && t[1] != DataType::Null {
        return plan_err!("Invalid input arguments: both arguments must be strings or both binary");
    }
    let kind = if c.contains(&DataType::Binary) {
        DataType::Binary
    } else {
        DataType::Utf8
    };
    Ok(vec![kind.clone(), kind])
}

fn map_type() -> DataType {
    DataType::Map(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![
                Field::new("keys", DataType::Utf8, false),
                Field::new("values", DataType::Utf8, true),
            ])),
            false,
        )),
        false,
    )
}

/// A one-string-argument function: NULL for NULL.
/// `s` in upper (or lower) case appended to `o`; ASCII text without allocating.
fn push_cased(s: &str, o: &mut String, upper: bool) {
    if s.is_ascii() {
        let start = o.len();
        o.push_str(s);
        let t = &mut o.as_mut_str()[start..];
        if upper {
            t.make_ascii_uppercase();
        } else {
            t.make_ascii_lowercase();
        }
    } else if upper {
        o.push_str(&s.to_uppercase());
    } else {
        o.push_str(&s.to_lowercase());
    }
}

fn map1(
    args: &[ColumnarValue],
    rows: usize,
    f: impl Fn(&str, &mut String),
) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let s = c.strs(0);
    out_str(args, &c, |i, o| {
        Ok(opt_str(s, i).map(|v| f(v, o)).is_some())
    })
}

fn eval_concat(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_str(args, &c, |i, o| {
        for k in 0..c.arrays.len() {
            match opt_str(c.strs(k), i) {
                Some(v) => o.push_str(v),
                None => return Ok(false),
            }
        }
        Ok(true)
    })
}

/// CONCAT_WS(sep, s…): NULL if sep is NULL; NULL strings are skipped.
fn eval_concat_ws(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_str(args, &c, |i, o| {
        let Some(sep) = opt_str(c.strs(0), i) else {
            return Ok(false);
        };
        let mut first = true;
        for k in 1..c.arrays.len() {
            if let Some(v) = opt_str(c.strs(k), i) {
                if !first {
                    o.push_str(sep);
                }
                first = false;
                o.push_str(v);
            }
        }
        Ok(true)
    })
}

fn eval_char_length(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let s = c.strs(0);
    out_int(
        args,
        &c,
        |i| Ok(opt_str(s, i).map(|v| char_count(v) as i32)),
    )
}

fn eval_to_base64(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    use base64::Engine;
    let c = Cols::new(args, rows)?;
    let a = &c.arrays[0];
    out_str(args, &c, |i, o| {
        if a.is_null(i) {
            return Ok(false);
        }
        let b: &[u8] = match a.data_type() {
            DataType::Binary => a.as_binary::<i32>().value(i),
            _ => a.as_string::<i32>().value(i).as_bytes(),
        };
        base64::engine::general_purpose::STANDARD.encode_string(b, o);
        Ok(true)
    })
}

/// FROM_BASE64(s): Java's basic decoder (padding optional); a bad character is an error.
fn eval_from_base64(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let c = Cols::new(args, rows)?;
    let s = c.strs(0);
    out_str(args, &c, |i, o| {
        let Some(v) = opt_str(s, i) else {
            return Ok(false);
        };
        match engine.decode(v) {
            Ok(b) => {
                o.push_str(&String::from_utf8_lossy(&b));
                Ok(true)
            }
            Err(e) => exec_err!("FROM_BASE64: illegal base64 input '{v}': {e}"),
        }
    })
}

fn eval_url_decode(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let s = c.strs(0);
    out_str(args, &c, |i, o| {
        Ok(opt_str(s, i).is_some_and(|v| text::url_decode(v, o)))
    })
}

/// ASCII(s): the first byte of s's UTF-8 (signed, as Java's byte), 0 for ''.
fn eval_ascii(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let s = c.strs(0);
    out_int(args, &c, |i| {
        Ok(opt_str(s, i).map(|v| v.as_bytes().first().map(|&b| b as i8 as i32).unwrap_or(0)))
    })
}

/// CHR(n): the character n mod 256; '' for a negative n.
fn eval_chr(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let n = c.ints(0);
    out_str(args, &c, |i, o| {
        let Some(v) = opt_int(n, i) else {
            return Ok(false);
        };
        if v >= 0 {
            o.push(char::from_u32((v & 0xFF) as u32).unwrap());
        }
        Ok(true)
    })
}

/// Position (1-based, in characters) of `needle` in `hay` from char `from` (0-based), 0 if
/// absent; an empty needle is found at 1.
#[cfg(test)]
fn locate(hay: &str, needle: &str, from: usize) -> i32 {
    locate_with(hay, needle.is_empty(), from, |h| h.find(needle))
}

/// [`locate`] with the search given: `find` answers the needle's first byte offset.
#[inline]
fn locate_with(hay: &str, empty: bool, from: usize, find: impl Fn(&str) -> Option<usize>) -> i32 {
    if empty {
        return 1;
    }
    let start = byte_at(hay, from);
    if start >= hay.len() && from > 0 {
        return 0;
    }
    match find(&hay[start..]) {
        Some(b) => (from + char_count(&hay[start..start + b]) + 1) as i32,
        None => 0,
    }
}

/// POSITION(needle IN hay), INSTR(hay, needle), LOCATE(needle, hay[, from]).
fn eval_locate(
    args: &[ColumnarValue],
    rows: usize,
    needle: usize,
    hay: usize,
    from: Option<usize>,
) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let (h, nd) = (c.strs(hay), Needle::of(c.strs(needle)));
    let from = from.filter(|&k| c.arrays.len() > k).map(|k| c.ints(k));
    out_int(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let start = from.map_or(0, |f| (f.value(i) - 1).max(0) as usize);
        let empty = nd.text(i).is_empty();
        Ok(Some(locate_with(h.value(i), empty, start, |x| {
            nd.find(i, x)
        })))
    })
}

/// TRIM / BTRIM / LTRIM / RTRIM (s[, chars]): removes spaces, or any of `chars`.
fn eval_trim(
    args: &[ColumnarValue],
    rows: usize,
    leading: bool,
    trailing: bool,
) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_slice(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let mut t = c.strs(0).value(i);
        if c.arrays.len() > 1 {
            let set = c.strs(1).value(i);
            let in_set = |ch: char| set.contains(ch);
            if leading {
                t = t.trim_start_matches(in_set);
            }
            if trailing {
                t = t.trim_end_matches(in_set);
            }
        } else {
            if leading {
                t = t.trim_start_matches(' ');
            }
            if trailing {
                t = t.trim_end_matches(' ');
            }
        }
        Ok(Some(t))
    })
}

fn eval_repeat(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, n) = (c.strs(0).value(i), c.ints(1).value(i));
        if n > 0 {
            if (s.len() as i128) * (n as i128) > i32::MAX as i128 {
                return exec_err!(
                    "REPEAT: the result of repeating a string of {} bytes {n} times is too large",
                    s.len()
                );
            }
            for _ in 0..n {
                o.push_str(s);
            }
        }
        Ok(true)
    })
}

fn eval_replace(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let (text, target, with) = (c.strs(0), Needle::of(c.strs(1)), c.strs(2));
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, from, to) = (text.value(i), target.text(i), with.value(i));
        if from.is_empty() {
            // Java's String.replace("", r) puts r between every character and at both ends.
            o.push_str(&s.replace(from, to));
            return Ok(true);
        }
        let mut last = 0;
        while let Some(at) = target.find(i, &s[last..]) {
            o.push_str(&s[last..last + at]);
            o.push_str(to);
            last += at + from.len();
        }
        o.push_str(&s[last..]);
        Ok(true)
    })
}

/// OVERLAY(s PLACING r FROM start [FOR len]): len defaults to r's length; a start outside
/// s leaves s; the rest of s after the replaced part follows only when len > 0 and it ends
/// inside s.
fn eval_overlay(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, r, start) = (c.strs(0).value(i), c.strs(1).value(i), c.ints(2).value(i));
        let len = if c.arrays.len() > 3 {
            c.ints(3).value(i)
        } else {
            char_count(r) as i64
        };
        let n = char_count(s) as i64;
        if start <= 0 || start > n {
            o.push_str(s);
            return Ok(true);
        }
        o.push_str(&s[..byte_at(s, (start - 1) as usize)]);
        o.push_str(r);
        if len > 0 && start + len <= n {
            o.push_str(&s[byte_at(s, (start - 1 + len) as usize)..]);
        }
        Ok(true)
    })
}

/// SUBSTRING(s, start[, len]): start 0 is 1, a negative start counts from the end; a
/// negative len gives NULL.
fn eval_substring(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let (strs, starts) = (c.strs(0), c.ints(1));
    let lens = (c.arrays.len() > 2).then(|| c.ints(2));
    out_slice(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let (s, pos) = (strs.value(i), starts.value(i));
        let len = lens.map_or(i32::MAX as i64, |l| l.value(i));
        if len < 0 {
            return Ok(None);
        }
        if len > i32::MAX as i64 || pos > i32::MAX as i64 {
            return Ok(None);
        }
        let n = char_count(s) as i64;
        let start = if pos > 0 {
            pos - 1
        } else if pos < 0 {
            n + pos
        } else {
            0
        };
        if start < 0 || start >= n {
            return Ok(Some(""));
        }
        let end = (start + len).min(n);
        Ok(Some(
            &s[byte_at(s, start as usize)..byte_at(s, end as usize)],
        ))
    })
}

/// LEFT(s, n) / RIGHT(s, n): '' for a negative n.
fn eval_left_right(args: &[ColumnarValue], rows: usize, left: bool) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_slice(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let (s, k) = (c.strs(0).value(i), c.ints(1).value(i));
        if k <= 0 {
            return Ok(Some(""));
        }
        let n = char_count(s) as i64;
        Ok(Some(if left {
            &s[..byte_at(s, k.min(n) as usize)]
        } else {
            &s[byte_at(s, (n - k).max(0) as usize)..]
        }))
    })
}

/// LPAD / RPAD(s, len, pad): NULL for a negative len or an empty pad; s is cut to len.
fn eval_pad(args: &[ColumnarValue], rows: usize, left: bool) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let (strs, lens, pads) = (c.strs(0), c.ints(1), c.strs(2));
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, len, pad) = (strs.value(i), lens.value(i), pads.value(i));
        if len < 0 || pad.is_empty() {
            return Ok(false);
        }
        let len = len as usize;
        if s.is_ascii() && pad.is_ascii() {
            // characters are bytes
            let fill = len.saturating_sub(s.len());
            let padding = |o: &mut String| {
                let mut left = fill;
                while left >= pad.len() {
                    o.push_str(pad);
                    left -= pad.len();
                }
                o.push_str(&pad[..left]);
            };
            if left {
                padding(o);
                o.push_str(&s[..len - fill]);
            } else {
                o.push_str(&s[..len.min(s.len())]);
                padding(o);
            }
            return Ok(true);
        }
        let n = char_count(s);
        let fill = len.saturating_sub(n);
        let pad_chars = pad.chars().cycle().take(fill);
        if left {
            o.extend(pad_chars);
            o.extend(s.chars().take(len - fill));
        } else {
            o.extend(s.chars().take(len));
            o.extend(pad_chars);
        }
        Ok(true)
    })
}

/// TRANSLATE(s, from, to): each character of `from` becomes the one at its position in
/// `to`, or is removed if `to` is shorter; a NULL `from` leaves s, a NULL `to` removes.
fn eval_translate(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let (s, f, t) = (c.strs(0), c.strs(1), c.strs(2));
    out_str(args, &c, |i, o| {
        let Some(v) = opt_str(s, i) else {
            return Ok(false);
        };
        let Some(from) = opt_str(f, i) else {
            o.push_str(v);
            return Ok(true);
        };
        let to: Vec<char> = opt_str(t, i).unwrap_or("").chars().collect();
        let mut map: HashMap<char, Option<char>> = HashMap::new();
        for (k, ch) in from.chars().enumerate() {
            map.entry(ch).or_insert(to.get(k).copied());
        }
        for ch in v.chars() {
            match map.get(&ch) {
                Some(Some(r)) => o.push(*r),
                Some(None) => {}
                None => o.push(ch),
            }
        }
        Ok(true)
    })
}

/// SPLIT_INDEX(s, sep, i): the i-th (0-based) piece of s split at the whole separator
/// (every piece kept; an empty separator splits at whitespace); NULL when out of range.
fn eval_split_index(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let (strs, seps, index) = (c.strs(0), Needle::of(c.strs(1)), c.ints(2));
    out_slice(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let (s, sep, idx) = (strs.value(i), seps.text(i), index.value(i));
        if idx < 0 || s.is_empty() {
            return Ok(None);
        }
        if sep.is_empty() {
            return Ok(s
                .split(|ch: char| text::java_whitespace(ch))
                .nth(idx as usize));
        }
        // the idx-th piece between separators
        let mut start = 0;
        for _ in 0..idx {
            match seps.find(i, &s[start..]) {
                Some(at) => start += at + sep.len(),
                None => return Ok(None),
            }
        }
        let end = seps.find(i, &s[start..]).map_or(s.len(), |at| start + at);
        Ok(Some(&s[start..end]))
    })
}

/// SPLIT(s, delimiter): every piece kept; an empty delimiter splits into characters.
fn eval_split(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_list(args, &c, |i, items| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, d) = (c.strs(0).value(i), c.strs(1).value(i));
        if s.is_empty() {
            return Ok(true);
        }
        if d.is_empty() {
            items.extend(s.chars().map(|ch| Some(ch.to_string())));
        } else {
            items.extend(s.split(d).map(|p| Some(p.to_string())));
        }
        Ok(true)
    })
}

/// STR_TO_MAP(s[, pairs, kv]): `pairs` (default ',') and `kv` (default '=') are Java
/// regular expressions as `String.split` takes them; a pair without `kv` maps to NULL; a
/// later duplicate key wins; entries come in the order of Java's `HashMap`.
fn eval_str_to_map(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let mut patterns = Patterns::default();
    let mut out = MapBuilder::new(
        Some(MapFieldNames {
            entry: "entries".into(),
            key: "keys".into(),
            value: "values".into(),
        }),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    for i in 0..c.n {
        if c.any_null(i) {
            out.append(false)?;
            continue;
        }
        let s = c.strs(0).value(i);
        let (ld, kvd) = if c.arrays.len() > 1 {
            (c.strs(1).value(i), c.strs(2).value(i))
        } else {
            (",", "=")
        };
        let mut entries: Vec<(String, Option<String>)> = Vec::new();
        if !s.is_empty() {
            let Some(lre) = patterns.get("STR_TO_MAP", ld)?.cloned() else {
                return exec_err!("STR_TO_MAP: invalid regular expression '{ld}'");
            };
            let Some(kre) = patterns.get("STR_TO_MAP", kvd)?.cloned() else {
                return exec_err!("STR_TO_MAP: invalid regular expression '{kvd}'");
            };
            lre.check_input("STR_TO_MAP", s)?;
            for pair in text::java_split(&lre.regex, s, 0) {
                kre.check_input("STR_TO_MAP", pair)?;
                let kv = text::java_split(&kre.regex, pair, 2);
                let (k, v) = if kv.len() < 2 {
                    (pair.to_string(), None)
                } else {
                    (kv[0].to_string(), Some(kv[1].to_string()))
                };
                match entries.iter_mut().find(|(ek, _)| *ek == k) {
                    Some(e) => e.1 = v,
                    None => entries.push((k, v)),
                }
            }
            let pairs = text::java_split(&lre.regex, s, 0).len();
            text::java_hash_map_order(&mut entries, pairs);
        }
        for (k, v) in &entries {
            out.keys().append_value(k);
            out.values().append_option(v.as_deref());
        }
        out.append(true)?;
    }
    result(args, Arc::new(out.finish()))
}

/// ELT(i, s1, …): the i-th string (1-based), NULL when out of range.
fn eval_elt(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_str(args, &c, |i, o| {
        let Some(k) = opt_int(c.ints(0), i) else {
            return Ok(false);
        };
        if k < 1 || k as usize >= c.arrays.len() {
            return Ok(false);
        }
        match opt_str(c.strs(k as usize), i) {
            Some(v) => {
                o.push_str(v);
                Ok(true)
            }
            None => Ok(false),
        }
    })
}

fn eval_starts_ends(args: &[ColumnarValue], rows: usize, starts: bool) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    fn get(c: &Cols, k: usize, i: usize) -> &[u8] {
        match c.arrays[k].data_type() {
            DataType::Binary => c.bins(k).value(i),
            _ => c.strs(k).value(i).as_bytes(),
        }
    }
    out_bool(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let (s, p) = (get(&c, 0, i), get(&c, 1, i));
        Ok(Some(if starts {
            s.starts_with(p)
        } else {
            s.ends_with(p)
        }))
    })
}

/// HEX(n) of an integer (two's complement, 64 bits) or of a string's UTF-8.
fn eval_hex(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let a = &c.arrays[0];
    out_str(args, &c, |i, o| {
        if a.is_null(i) {
            return Ok(false);
        }
        match a.data_type() {
            DataType::Int64 => o.push_str(&format!("{:X}", c.ints(0).value(i) as u64)),
            _ => o.push_str(&hex::encode_upper(c.strs(0).value(i).as_bytes())),
        }
        Ok(true)
    })
}

/// UNHEX(s): the bytes of hex digits (an odd count is read as if led by '0'); NULL if s
/// holds a non-hex character.
fn eval_unhex(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let s = c.strs(0);
    out_bytes(args, &c, |i| Ok(opt_str(s, i).and_then(text::unhex)))
}

fn eval_bin(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let n = c.ints(0);
    out_str(args, &c, |i, o| {
        let Some(v) = opt_int(n, i) else {
            return Ok(false);
        };
        o.push_str(&format!("{:b}", v as u64));
        Ok(true)
    })
}

fn eval_encode(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_bytes(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let (s, cs) = (c.strs(0).value(i), c.strs(1).value(i));
        text::encode(s, cs).map(Some).ok_or_else(|| {
            DataFusionError::Execution(format!("ENCODE: unsupported charset '{cs}'"))
        })
    })
}

fn eval_decode(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (b, cs) = (c.bins(0).value(i), c.strs(1).value(i));
        match text::decode(b, cs) {
            Some(s) => {
                o.push_str(&s);
                Ok(true)
            }
            None => exec_err!("DECODE: unsupported charset '{cs}'"),
        }
    })
}

fn eval_parse_url(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (u, part) = (c.strs(0).value(i), c.strs(1).value(i));
        let key = (c.arrays.len() > 2).then(|| c.strs(2).value(i));
        match text::parse_url(u, part, key) {
            Some(v) => {
                o.push_str(&v);
                Ok(true)
            }
            None => Ok(false),
        }
    })
}

fn eval_uuid(_: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let mut out = StringBuilder::with_capacity(rows, rows * 36);
    for _ in 0..rows {
        out.append_value(uuid::Uuid::new_v4().to_string());
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish())))
}

// ---------------------------------------------------------------------------------------
// Regular expressions
// ---------------------------------------------------------------------------------------

/// REGEXP_REPLACE(s, regex, replacement): every match replaced by the replacement taken
/// literally (Flink quotes it: `$1` is not a group); NULL for an invalid regex.
/// Results of a costly per-row function for inputs that repeat within a batch (a column of
/// a few distinct values, as TPC-H's `l_shipinstruct`), when its other arguments are
/// constants: kept while they pay, given up once the inputs turn out mostly distinct.
struct Memo<'a> {
    map: std::collections::HashMap<&'a str, Option<String>>,
    on: bool,
    looked: usize,
    hits: usize,
}

impl<'a> Memo<'a> {
    /// On when every argument after the first is a constant.
    fn new(args: &[ColumnarValue]) -> Self {
        Memo {
            map: std::collections::HashMap::new(),
            on: args[1..]
                .iter()
                .all(|a| matches!(a, ColumnarValue::Scalar(_))),
            looked: 0,
            hits: 0,
        }
    }

    /// The remembered result of `s`, written to `o`: `Some(is_value)`.
    fn lookup(&mut self, s: &str, o: &mut String) -> Option<bool> {
        if !self.on {
            return None;
        }
        self.looked += 1;
        if self.looked == 1024 && self.hits * 2 < self.looked {
            self.on = false;
            self.map = Default::default();
            return None;
        }
        let hit = self.map.get(s)?;
        self.hits += 1;
        if let Some(v) = hit {
            o.push_str(v);
        }
        Some(hit.is_some())
    }

    fn remember(&mut self, s: &'a str, result: Option<&str>) {
        if self.on && self.map.len() < 4096 {
            self.map.insert(s, result.map(str::to_string));
        }
    }
}

fn eval_regexp_replace(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let mut pats = Patterns::default();
    let mut memo = Memo::new(args);
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, p, r) = (c.strs(0).value(i), c.strs(1).value(i), c.strs(2).value(i));
        if let Some(done) = memo.lookup(s, o) {
            return Ok(done);
        }
        let Some(re) = pats.get("REGEXP_REPLACE", p)? else {
            memo.remember(s, None);
            return Ok(false);
        };
        re.check_input("REGEXP_REPLACE", s)?;
        java_regex::java_replace_all(&re.regex, s, r, o);
        memo.remember(s, Some(o));
        Ok(true)
    })
}

/// REGEXP_EXTRACT(s, regex[, group]): the group (default 0, the whole match) of the first
/// match; NULL if none, the group does not exist or did not take part, or the regex is
/// invalid.
fn eval_regexp_extract(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let mut pats = Patterns::default();
    let mut memo = Memo::new(args);
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, p) = (c.strs(0).value(i), c.strs(1).value(i));
        if let Some(done) = memo.lookup(s, o) {
            return Ok(done);
        }
        let found = regexp_extract_one(&c, &mut pats, i, s, p, o)?;
        memo.remember(s, found.then_some(o.as_str()));
        Ok(found)
    })
}

fn regexp_extract_one(
    c: &Cols,
    pats: &mut Patterns,
    i: usize,
    s: &str,
    p: &str,
    o: &mut String,
) -> Result<bool> {
    let g = if c.arrays.len() > 2 {
        c.ints(2).value(i)
    } else {
        0
    };
    let Some(re) = pats.get("REGEXP_EXTRACT", p)? else {
        return Ok(false);
    };
    re.check_input("REGEXP_EXTRACT", s)?;
    if g < 0 {
        return Ok(false);
    }
    match re.regex.captures(s).and_then(|caps| caps.get(g as usize)) {
        Some(m) => {
            o.push_str(m.as_str());
            Ok(true)
        }
        None => Ok(false),
    }
}

/// REGEXP_EXTRACT_ALL(s, regex[, group]): the group (default 1) of every match, NULL
/// items for a group that did not take part; NULL if the group does not exist.
fn eval_regexp_extract_all(
    args: &[ColumnarValue],
    rows: usize,
    _: &DataType,
) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let mut pats = Patterns::default();
    out_list(args, &c, |i, items| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, p) = (c.strs(0).value(i), c.strs(1).value(i));
        let g = if c.arrays.len() > 2 {
            c.ints(2).value(i)
        } else {
            REGEXP_EXTRACT_ALL_DEFAULT_GROUP
        };
        let Some(re) = pats.get("REGEXP_EXTRACT_ALL", p)? else {
            return Ok(false);
        };
        re.check_input("REGEXP_EXTRACT_ALL", s)?;
        if g < 0 || g as usize >= re.regex.captures_len() {
            return Ok(false);
        }
        for caps in java_regex::java_captures_iter(&re.regex, s) {
            items.push(caps.get(g as usize).map(|m| m.as_str().to_string()));
        }
        Ok(true)
    })
}

const REGEXP_EXTRACT_ALL_DEFAULT_GROUP: i64 = 1;

/// REGEXP_COUNT (number of matches) / REGEXP_INSTR (1-based character position of the
/// first match, 0 if none); NULL for an invalid regex.
fn eval_regexp_int(
    args: &[ColumnarValue],
    rows: usize,
    name: &'static str,
    count: bool,
) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let mut pats = Patterns::default();
    out_int(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let (s, p) = (c.strs(0).value(i), c.strs(1).value(i));
        let Some(re) = pats.get(name, p)? else {
            return Ok(None);
        };
        re.check_input(name, s)?;
        Ok(Some(if count {
            java_regex::java_find_iter(&re.regex, s).len() as i32
        } else {
            re.regex
                .find(s)
                .map(|m| char_count(&s[..m.start()]) as i32 + 1)
                .unwrap_or(0)
        }))
    })
}

fn eval_regexp_substr(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let mut pats = Patterns::default();
    out_str(args, &c, |i, o| {
        if c.any_null(i) {
            return Ok(false);
        }
        let (s, p) = (c.strs(0).value(i), c.strs(1).value(i));
        let Some(re) = pats.get("REGEXP_SUBSTR", p)? else {
            return Ok(false);
        };
        re.check_input("REGEXP_SUBSTR", s)?;
        match re.regex.find(s) {
            Some(m) => {
                o.push_str(m.as_str());
                Ok(true)
            }
            None => Ok(false),
        }
    })
}

/// REGEXP(s, regex): whether regex matches somewhere in s; FALSE for an empty or invalid
/// regex.
fn eval_regexp(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let c = Cols::new(args, rows)?;
    let mut pats = Patterns::default();
    out_bool(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let (s, p) = (c.strs(0).value(i), c.strs(1).value(i));
        if p.is_empty() {
            return Ok(Some(false));
        }
        let Some(re) = pats.get("REGEXP", p)? else {
            return Ok(Some(false));
        };
        re.check_input("REGEXP", s)?;
        Ok(Some(re.regex.is_match(s)))
    })
}

/// LIKE / SIMILAR TO with an optional escape character, as whole-string matches.
fn eval_like(args: &[ColumnarValue], rows: usize, similar: bool) -> Result<ColumnarValue> {
    if let Some(out) = like_one_pattern(args, similar)? {
        return Ok(out);
    }
    let c = Cols::new(args, rows)?;
    let mut cache: HashMap<(String, Option<String>), Regex> = HashMap::new();
    out_bool(args, &c, |i| {
        if c.any_null(i) {
            return Ok(None);
        }
        let (s, p) = (c.strs(0).value(i), c.strs(1).value(i));
        let esc = (c.arrays.len() > 2).then(|| c.strs(2).value(i));
        let key = (p.to_string(), esc.map(str::to_string));
        if !cache.contains_key(&key) {
            cache.insert(key.clone(), like_regex(p, esc, similar)?);
        }
        Ok(Some(cache[&key].is_match(s)))
    })
}

/// LIKE / SIMILAR TO over a column with one (non-NULL) pattern and escape for the whole
/// batch, the usual case: the pattern compiled once; a LIKE pattern of literals and `%`
/// only goes to Arrow's kernel (its `%` is Flink's; its `_` and `\` are not, so those
/// patterns take the regex). None when the arguments are not so.
fn like_one_pattern(args: &[ColumnarValue], similar: bool) -> Result<Option<ColumnarValue>> {
    let ColumnarValue::Array(s) = &args[0] else {
        return Ok(None);
    };
    if !matches!(s.data_type(), DataType::Utf8 | DataType::Utf8View) {
        return Ok(None);
    }
    let scalar_text = |a: &ColumnarValue| match a {
        ColumnarValue::Scalar(v) => v.try_as_str().flatten().map(str::to_string),
        ColumnarValue::Array(_) => None,
    };
    let Some(p) = scalar_text(&args[1]) else {
        return Ok(None);
    };
    let esc = match args.get(2) {
        None => None,
        Some(a) => match scalar_text(a) {
            Some(e) => Some(e),
            None => return Ok(None),
        },
    };
    if !similar && esc.is_none() && !p.contains(['_', '\\']) {
        let out = if s.data_type() == &DataType::Utf8View {
            let pattern = arrow::array::Scalar::new(StringViewArray::from(vec![p.as_str()]));
            arrow::compute::kernels::comparison::like(s, &pattern)?
        } else {
            let pattern = arrow::array::Scalar::new(StringArray::from(vec![p.as_str()]));
            arrow::compute::kernels::comparison::like(s, &pattern)?
        };
        return Ok(Some(ColumnarValue::Array(Arc::new(out))));
    }
    let re = like_regex(&p, esc.as_deref(), similar)?;
    let strs = Strs::of(s);
    let out: arrow::array::BooleanArray = (0..s.len())
        .map(|i| opt_str(strs, i).map(|v| re.is_match(v)))
        .collect();
    Ok(Some(ColumnarValue::Array(Arc::new(out))))
}

/// The anchored regex of a LIKE / SIMILAR TO pattern with its escape, as Flink translates it.
fn like_regex(p: &str, esc: Option<&str>, similar: bool) -> Result<Regex> {
    let name = if similar { "SIMILAR TO" } else { "LIKE" };
    let esc_char = match esc {
        None => None,
        Some(e) if e.chars().count() == 1 => e.chars().next(),
        Some(e) => return exec_err!("{name}: invalid escape character '{e}'"),
    };
    let java = if similar {
        text::similar_to_java(p, esc_char)
    } else {
        text::like_to_java(p, esc_char)
    }
    .map_err(|m| DataFusionError::Execution(format!("{name}: {m} in pattern '{p}'")))?;
    let re = JavaRegex::new(&format!("(?:{java})"))
        .map_err(|e| DataFusionError::Execution(e.message(name, p)))?;
    Regex::new(&format!(r"\A(?:{})\z", re.regex.as_str()))
        .map_err(|e| DataFusionError::Execution(format!("{name}: pattern '{p}': {e}")))
}

use crate::sql_ast::call;
use regex::Regex;

// ---------------------------------------------------------------------------------------
// Rewrites
// ---------------------------------------------------------------------------------------

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`):
/// `uuid()` is a random (version 4) UUID's 36-character text, as Flink's UUID().
pub const DATAFUSION_AS_FLINK: &[&str] = &["uuid"];

fn take(e: &mut ast::Expr) -> ast::Expr {
    std::mem::replace(e, ast::Expr::value(ast::Value::Null))
}

fn escape_arg(v: &Option<ast::ValueWithSpan>) -> Option<ast::Expr> {
    v.as_ref().map(|v| ast::Expr::Value(v.clone()))
}

/// Flink's syntax for string functions onto Weft's UDFs: `POSITION(a IN b)`,
/// `SUBSTRING(s FROM p FOR l)`, `OVERLAY(…)`, `LIKE`, `SIMILAR TO` (DataFusion plans these
/// with its own functions, whose meaning is not Flink's). Function names in backticks
/// (`` `LEFT`(s, 1) ``, needed for Flink's reserved words) are resolved case-insensitively
/// as Flink does.
pub fn rewrite_sql(e: &mut ast::Expr) {
    // U&'…' (sqlparser has decoded its escapes) is a string literal
    if let ast::Expr::Value(v) = e
        && let ast::Value::UnicodeStringLiteral(text) = &v.value
    {
        v.value = ast::Value::SingleQuotedString(text.clone());
        return;
    }
    let new = match e {
        ast::Expr::Position { expr, r#in } => call("position", vec![take(expr), take(r#in)]),
        ast::Expr::Substring {
            expr,
            substring_from,
            substring_for,
            shorthand,
            ..
        } => {
            let from = match substring_from {
                Some(f) => take(f),
                None => ast::Expr::value(ast::Value::Number("1".into(), false)),
            };
            let mut a = vec![take(expr), from];
            if let Some(f) = substring_for {
                a.push(take(f));
            }
            call(if *shorthand { "substr" } else { "substring" }, a)
        }
        ast::Expr::Overlay {
            expr,
            overlay_what,
            overlay_from,
            overlay_for,
        } => {
            let mut a = vec![take(expr), take(overlay_what), take(overlay_from)];
            if let Some(f) = overlay_for {
                a.push(take(f));
            }
            call("overlay", a)
        }
        ast::Expr::Like {
            negated,
            any: false,
            expr,
            pattern,
            escape_char,
        } => {
            let mut a = vec![take(expr), take(pattern)];
            a.extend(escape_arg(escape_char));
            not_if(*negated, call(FLINK_LIKE, a))
        }
        ast::Expr::SimilarTo {
            negated,
            expr,
            pattern,
            escape_char,
        } => {
            let mut a = vec![take(expr), take(pattern)];
            a.extend(escape_arg(escape_char));
            not_if(*negated, call(FLINK_SIMILAR, a))
        }
        ast::Expr::Function(f) => {
            if let Some(why) = refusal(f) {
                *e = call(
                    REFUSED,
                    vec![ast::Expr::value(ast::Value::SingleQuotedString(why))],
                );
                return;
            }
            if f.name.0.len() == 1
                && let ast::ObjectNamePart::Identifier(id) = &mut f.name.0[0]
                && id.quote_style == Some('`')
            {
                id.value = id.value.to_lowercase();
                id.quote_style = None;
            }
            return;
        }
        _ => return,
    };
    *e = new;
}

fn not_if(negated: bool, e: ast::Expr) -> ast::Expr {
    if negated {
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Not,
            expr: Box::new(e),
        }
    } else {
        e
    }
}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
pub fn rewrite_expr(e: Expr, _schema: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}

/// The constant Java pattern arguments of a regex function call, by argument position.
fn pattern_args(function: &str) -> &'static [usize] {
    match function {
        "regexp_replace" | "regexp_extract" | "regexp_extract_all" | "regexp_count"
        | "regexp_instr" | "regexp_substr" | "regexp" => &[1],
        "str_to_map" => &[1, 2],
        _ => &[],
    }
}

/// Why Weft refuses a call with constant arguments it cannot answer as Flink does (a
/// Java pattern it cannot translate), if it does.
fn refusal(f: &ast::Function) -> Option<String> {
    let [ast::ObjectNamePart::Identifier(id)] = f.name.0.as_slice() else {
        return None;
    };
    let name = id.value.to_lowercase();
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    for &k in pattern_args(&name) {
        if let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v)))) =
            list.args.get(k)
            && let ast::Value::SingleQuotedString(p) = &v.value
            && let Err(e @ RegexError::Unsupported(_)) = JavaRegex::new(p)
        {
            return Some(e.message(&name.to_uppercase(), p));
        }
    }
    None
}

/// `weft_refused('why')`: stands for a call Weft refuses; planning it fails with `why`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Refused {
    signature: Signature,
}

const REFUSED: &str = "weft_refused";

impl datafusion::logical_expr::ScalarUDFImpl for Refused {
    fn name(&self) -> &str {
        REFUSED
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!("Weft refuses this call")
    }
    fn return_field_from_args(
        &self,
        args: datafusion::logical_expr::ReturnFieldArgs,
    ) -> Result<arrow::datatypes::FieldRef> {
        match args.scalar_arguments.first() {
            Some(Some(datafusion::common::ScalarValue::Utf8(Some(why)))) => plan_err!("{why}"),
            _ => plan_err!("Weft refuses this call"),
        }
    }
    fn invoke_with_args(
        &self,
        _: datafusion::logical_expr::ScalarFunctionArgs,
    ) -> Result<ColumnarValue> {
        exec_err!("Weft refuses this call")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_results_are_the_computed_ones() {
        // few distinct values (remembered), then mostly distinct ones (the memo gives up)
        let mut values: Vec<String> = (0..3000).map(|i| format!("take  back {}", i % 3)).collect();
        values.extend((0..3000).map(|i| format!("row  {i}")));
        let input = ColumnarValue::Array(Arc::new(arrow::array::StringArray::from(values.clone())));
        let scalar = |v: &str| ColumnarValue::Scalar(ScalarValue::Utf8(Some(v.into())));
        let out = eval_regexp_replace(
            &[input.clone(), scalar(" +"), scalar("_")],
            values.len(),
            &DataType::Utf8,
        )
        .unwrap()
        .into_array(values.len())
        .unwrap();
        let out = out.as_string::<i32>();
        for (i, v) in values.iter().enumerate() {
            assert_eq!(
                out.value(i),
                v.split_whitespace().collect::<Vec<_>>().join("_")
            );
        }
        let out = eval_regexp_extract(
            &[
                input,
                scalar("([a-z]+) +(\\d+)"),
                ColumnarValue::Scalar(ScalarValue::Int64(Some(2))),
            ],
            values.len(),
            &DataType::Utf8,
        )
        .unwrap()
        .into_array(values.len())
        .unwrap();
        let out = out.as_string::<i32>();
        assert_eq!(out.value(1), "1");
        assert_eq!(out.value(4000), "1000");
    }
    use datafusion::common::ScalarValue;

    #[test]
    fn locate_counts_characters() {
        assert_eq!(locate("aéb", "b", 0), 3);
        assert_eq!(locate("abcb", "b", 2), 4);
        assert_eq!(locate("abc", "", 5), 1);
        assert_eq!(locate("abcb", "b", 10), 0);
    }

    #[test]
    fn empty_matches_count_as_java_does() {
        let r = JavaRegex::new("a*").unwrap();
        assert_eq!(java_regex::java_find_iter(&r.regex, "baa").len(), 3);
        let mut o = String::new();
        java_regex::java_replace_all(&r.regex, "baa", "X", &mut o);
        assert_eq!(o, "XbXX");
        assert_eq!(
            java_regex::java_find_iter(&JavaRegex::new("").unwrap().regex, "é").len(),
            2
        );
    }
    /// A scalar argument kept as one gives what the same value repeated in an array gives,
    /// NULL included.
    #[test]
    fn scalar_arguments_read_as_their_arrays() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            Some("a-b-c"),
            None,
            Some("xyz-"),
            Some("é-ab-b"),
        ]));
        let n = text.len();
        let s = |v: Option<&str>| ScalarValue::Utf8(v.map(str::to_string));
        let i = |v: Option<i64>| ScalarValue::Int64(v);
        type Eval = fn(&[ColumnarValue], usize, &DataType) -> Result<ColumnarValue>;
        let calls: Vec<(&str, Eval, Vec<ScalarValue>)> = vec![
            ("SUBSTRING", eval_substring, vec![i(Some(2)), i(Some(3))]),
            ("SUBSTRING", eval_substring, vec![i(Some(-2))]),
            ("SUBSTRING", eval_substring, vec![i(None), i(Some(1))]),
            (
                "SPLIT_INDEX",
                eval_split_index,
                vec![s(Some("-")), i(Some(1))],
            ),
            (
                "SPLIT_INDEX",
                eval_split_index,
                vec![s(Some("-")), i(Some(3))],
            ),
            ("SPLIT_INDEX", eval_split_index, vec![s(None), i(Some(0))]),
            ("REPLACE", eval_replace, vec![s(Some("-")), s(Some("+="))]),
            ("REPLACE", eval_replace, vec![s(Some("")), s(Some("."))]),
            (
                "LPAD",
                |a, r, _| eval_pad(a, r, true),
                vec![i(Some(7)), s(Some("01"))],
            ),
            (
                "RPAD",
                |a, r, _| eval_pad(a, r, false),
                vec![i(Some(2)), s(Some("0"))],
            ),
        ];
        for (name, f, rest) in calls {
            let mut scalars = vec![ColumnarValue::Array(text.clone())];
            let mut arrays = vec![ColumnarValue::Array(text.clone())];
            for v in &rest {
                scalars.push(ColumnarValue::Scalar(v.clone()));
                arrays.push(ColumnarValue::Array(v.to_array_of_size(n).unwrap()));
            }
            let got = f(&scalars, n, &DataType::Utf8)
                .unwrap()
                .into_array(n)
                .unwrap();
            let want = f(&arrays, n, &DataType::Utf8)
                .unwrap()
                .into_array(n)
                .unwrap();
            assert_eq!(
                arrow::compute::cast(&got, &DataType::Utf8)
                    .unwrap()
                    .as_string::<i32>(),
                arrow::compute::cast(&want, &DataType::Utf8)
                    .unwrap()
                    .as_string::<i32>(),
                "{name}{rest:?}"
            );
        }
        // LOCATE(needle, hay[, from]) with a scalar needle
        let needle = ColumnarValue::Scalar(s(Some("b")));
        let from = ColumnarValue::Scalar(i(Some(4)));
        let hay = ColumnarValue::Array(text.clone());
        let got = eval_locate(&[needle, hay, from], n, 0, 1, Some(2))
            .unwrap()
            .into_array(n)
            .unwrap();
        let got: Vec<Option<i32>> = got
            .as_primitive::<arrow::datatypes::Int32Type>()
            .iter()
            .collect();
        assert_eq!(got, vec![Some(0), None, Some(0), Some(4)]);
    }
}
