//! Value construction and access: `ARRAY[…]`, `MAP[…]`, `ROW(…)` / `(a, b)`, `x[i]`,
//! `CARDINALITY`, `ELEMENT`, and the rewrites that route Flink's syntax to them.

use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int32Array, Int64Array, MapArray, StructArray, UInt64Array};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};
use datafusion::sql::sqlparser::ast::{self, AccessExpr, Subscript};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use super::{
    as_list, as_map, common_of, comparable, key_value_of, list_of, map_of, pool, range, type_name,
};
use crate::functions::args::{arrays, eval_rows, result};
use crate::functions::scalar;
use crate::functions::udf::{CoerceFn, EvalFn, ReturnFn};
use crate::sql_ast::call;

pub const ARRAY: &str = "flink_array";
pub const MAP: &str = "flink_map";
pub const ITEM: &str = "flink_item";

pub fn functions() -> Vec<ScalarUDF> {
    let udf = |name: &'static str, ret: ReturnFn, eval: EvalFn, coerce: CoerceFn| {
        scalar(
            name,
            Signature::user_defined(Volatility::Immutable),
            ret,
            eval,
        )
        .coerced(coerce)
        .build()
    };
    vec![
        udf(
            ARRAY,
            |t| Ok(list_of(t.first().cloned().unwrap_or(DataType::Null))),
            eval_array,
            coerce_array,
        ),
        udf(MAP, ret_map, eval_map, coerce_map),
        udf("row", ret_row, eval_row, coerce_row),
        udf(ITEM, ret_item, eval_item, coerce_item),
        udf(
            "cardinality",
            |_| Ok(DataType::Int32),
            eval_cardinality,
            coerce_cardinality,
        ),
        udf("element", ret_element, eval_element, coerce_element),
    ]
}

// ---- ARRAY[…] ----------------------------------------------------------------------------

fn coerce_array(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.is_empty() {
        return plan_err!("ARRAY[…] requires at least 1 argument");
    }
    match common_of(t.iter()) {
        Some(c) => Ok(vec![c; t.len()]),
        None => plan_err!(
            "ARRAY[…]'s elements must be of the same type (Flink: Parameters must be of the same type), got {}",
            t.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn eval_array(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let k = a.len();
    let elem = a[0].data_type().clone();
    let refs: Vec<&ArrayRef> = a.iter().collect();
    let (p, starts) = pool(&refs)?;
    let sel: Vec<Option<Vec<usize>>> = (0..n)
        .map(|i| Some((0..k).map(|j| starts[j] + i).collect()))
        .collect();
    result(args, super::build_list(&elem, &p, &sel)?)
}

// ---- MAP[…] ------------------------------------------------------------------------------

fn coerce_map(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.is_empty() || t.len() % 2 != 0 {
        return plan_err!(
            "MAP[…] requires an even number of arguments (key, value, …), got {}",
            t.len()
        );
    }
    let k = common_of(t.iter().step_by(2));
    let v = common_of(t.iter().skip(1).step_by(2));
    match (k, v) {
        (Some(k), Some(v)) => Ok((0..t.len())
            .map(|i| if i % 2 == 0 { k.clone() } else { v.clone() })
            .collect()),
        _ => plan_err!(
            "MAP[…]'s keys and values must each be of one type (Flink: Parameters must be of the same type), got {}",
            t.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn ret_map(t: &[DataType]) -> Result<DataType> {
    Ok(map_of(t[0].clone(), t[1].clone()))
}

fn eval_map(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let pairs = a.len() / 2;
    let keys: Vec<&ArrayRef> = a.iter().step_by(2).collect();
    let values: Vec<&ArrayRef> = a.iter().skip(1).step_by(2).collect();
    let (kp, starts) = pool(&keys)?;
    let (vp, _) = pool(&values)?;
    let enc = comparable(&[&kp])?.remove(0);
    // A key given twice keeps its first place and its last value.
    let mut kidx: Vec<u64> = Vec::new();
    let mut vidx: Vec<u64> = Vec::new();
    let mut lens = Vec::with_capacity(n);
    for i in 0..n {
        let mut taken: Vec<usize> = Vec::with_capacity(pairs);
        for j in 0..pairs {
            let at = starts[j] + i;
            match taken.iter().position(|&t| enc.row(t) == enc.row(at)) {
                Some(p) => {
                    let row_start = vidx.len() - taken.len();
                    vidx[row_start + p] = at as u64
                }
                None => {
                    taken.push(at);
                    kidx.push(at as u64);
                    vidx.push(at as u64);
                }
            }
        }
        lens.push(taken.len());
    }
    let map = make_map(ret, &kp, &vp, kidx, vidx, lens, None)?;
    result(args, map)
}

/// A map array of type `ret` from pools of keys and values, entry indexes and row lengths.
pub(crate) fn make_map(
    ret: &DataType,
    keys: &ArrayRef,
    values: &ArrayRef,
    kidx: Vec<u64>,
    vidx: Vec<u64>,
    lens: Vec<usize>,
    nulls: Option<NullBuffer>,
) -> Result<ArrayRef> {
    let (kt, vt) = key_value_of(ret).expect("a map type");
    let k = arrow::compute::take(keys.as_ref(), &UInt64Array::from(kidx), None)?;
    let v = arrow::compute::take(values.as_ref(), &UInt64Array::from(vidx), None)?;
    let k = if *k.data_type() == kt {
        k
    } else {
        arrow::compute::cast(&k, &kt)?
    };
    if k.null_count() > 0 {
        return exec_err!(
            "a MAP key is NULL: Flink allows NULL map keys (MAP_FROM_ARRAYS), Weft's maps cannot hold one"
        );
    }
    let v = if *v.data_type() == vt {
        v
    } else {
        arrow::compute::cast(&v, &vt)?
    };
    let DataType::Map(entries_field, sorted) = ret else {
        unreachable!()
    };
    let DataType::Struct(fields) = entries_field.data_type() else {
        unreachable!()
    };
    let entries = StructArray::try_new(fields.clone(), vec![k, v], None)?;
    let nulls = nulls.filter(|n| n.null_count() > 0);
    Ok(Arc::new(MapArray::try_new(
        entries_field.clone(),
        OffsetBuffer::from_lengths(lens),
        entries,
        nulls,
        *sorted,
    )?))
}

// ---- ROW(…) ------------------------------------------------------------------------------

fn coerce_row(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.is_empty() {
        return plan_err!("ROW(…) requires at least 1 field");
    }
    Ok(t.iter()
        .map(|t| {
            if *t == DataType::Null {
                DataType::Null
            } else {
                super::norm(t)
            }
        })
        .collect())
}

/// Calcite's field names for a row constructor: `EXPR$0`, `EXPR$1`, …
fn ret_row(t: &[DataType]) -> Result<DataType> {
    Ok(DataType::Struct(
        t.iter()
            .enumerate()
            .map(|(i, t)| Field::new(format!("EXPR${i}"), t.clone(), true))
            .collect::<Fields>(),
    ))
}

fn eval_row(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let DataType::Struct(fields) = ret else {
        unreachable!()
    };
    result(
        args,
        Arc::new(StructArray::try_new(fields.clone(), a, None)?),
    )
}

// ---- x[i] --------------------------------------------------------------------------------

fn coerce_item(t: &[DataType]) -> Result<Vec<DataType>> {
    super::arity("[] (element access)", t, 2, 2)?;
    if let Some(e) = super::elem_of(&t[0]) {
        if !(t[1].is_integer() || t[1] == DataType::Null) {
            return plan_err!(
                "Cannot apply 'ITEM' to arguments of type 'ITEM(<{} ARRAY>, <{}>)'. Supported form(s): <ARRAY>[<INTEGER>]",
                type_name(&e),
                type_name(&t[1])
            );
        }
        return Ok(vec![list_of(e), DataType::Int64]);
    }
    if let Some((k, v)) = key_value_of(&t[0]) {
        return match super::common_type(&k, &t[1]) {
            Some(c) if c == k => Ok(vec![map_of(k.clone(), v), k]),
            _ => plan_err!(
                "Cannot apply 'ITEM' to arguments of type 'ITEM(<MAP<{}, {}>>, <{}>)'",
                type_name(&k),
                type_name(&v),
                type_name(&t[1])
            ),
        };
    }
    plan_err!(
        "Cannot apply '[]' (element access) to a value of type {}: it needs an ARRAY or a MAP",
        type_name(&t[0])
    )
}

fn ret_item(t: &[DataType]) -> Result<DataType> {
    match super::elem_of(&t[0]) {
        Some(e) => Ok(e),
        None => Ok(key_value_of(&t[0])
            .map(|(_, v)| v)
            .unwrap_or(DataType::Null)),
    }
}

fn eval_item(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let mut pick: Vec<Option<u64>> = Vec::with_capacity(n);
    let values = if let DataType::List(_) = a[0].data_type() {
        let l = as_list(&a[0])?;
        let idx = a[1]
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("coerced to BIGINT");
        for i in 0..n {
            if l.is_null(i) || idx.is_null(i) {
                pick.push(None);
                continue;
            }
            let k = idx.value(i);
            if k < 1 {
                return exec_err!("Array element access needs an index starting at 1 but was {k}.");
            }
            let r = range(l, i);
            pick.push(((k as usize) <= r.len()).then(|| (r.start + k as usize - 1) as u64));
        }
        l.values().clone()
    } else {
        let m = as_map(&a[0])?;
        let (kp, starts) = pool(&[m.keys(), &a[1]])?;
        let enc = comparable(&[&kp])?.remove(0);
        let o = m.value_offsets();
        for i in 0..n {
            if m.is_null(i) || a[1].is_null(i) {
                pick.push(None);
                continue;
            }
            let needle = enc.row(starts[1] + i);
            let found = (o[i] as usize..o[i + 1] as usize)
                .find(|&j| !m.keys().is_null(j) && enc.row(j) == needle);
            pick.push(found.map(|j| j as u64));
        }
        m.values().clone()
    };
    result(
        args,
        arrow::compute::take(values.as_ref(), &UInt64Array::from(pick), None)?,
    )
}

// ---- CARDINALITY, ELEMENT ------------------------------------------------------------------

fn coerce_cardinality(t: &[DataType]) -> Result<Vec<DataType>> {
    super::arity("CARDINALITY", t, 1, 1)?;
    match (super::elem_of(&t[0]), key_value_of(&t[0])) {
        (Some(e), _) => Ok(vec![list_of(e)]),
        (_, Some((k, v))) => Ok(vec![map_of(k, v)]),
        _ => plan_err!(
            "Cannot apply 'CARDINALITY' to arguments of type 'CARDINALITY(<{}>)': it needs an ARRAY or a MAP",
            type_name(&t[0])
        ),
    }
}

fn eval_cardinality(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let (offsets, nulls) = match a[0].data_type() {
        DataType::List(_) => {
            let l = as_list(&a[0])?;
            (l.value_offsets().to_vec(), l.nulls().cloned())
        }
        _ => {
            let m = as_map(&a[0])?;
            (m.value_offsets().to_vec(), m.nulls().cloned())
        }
    };
    let lens: Vec<i32> = (0..n).map(|i| offsets[i + 1] - offsets[i]).collect();
    result(args, Arc::new(Int32Array::new(lens.into(), nulls)))
}

fn coerce_element(t: &[DataType]) -> Result<Vec<DataType>> {
    super::arity("ELEMENT", t, 1, 1)?;
    Ok(vec![list_of(super::array_arg("ELEMENT", t, 0)?)])
}

fn ret_element(t: &[DataType]) -> Result<DataType> {
    Ok(super::elem_of(&t[0]).unwrap_or(DataType::Null))
}

fn eval_element(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let mut pick: Vec<Option<u64>> = Vec::with_capacity(n);
    for i in 0..n {
        let r = range(l, i);
        if l.is_null(i) || r.is_empty() {
            pick.push(None);
        } else if r.len() > 1 {
            return exec_err!(
                "ELEMENT: Array has more than one element ({} elements).",
                r.len()
            );
        } else {
            pick.push(Some(r.start as u64));
        }
    }
    result(
        args,
        arrow::compute::take(l.values().as_ref(), &UInt64Array::from(pick), None)?,
    )
}

// ---- rewrites ----------------------------------------------------------------------------

/// `ARRAY[…]` → `flink_array(…)`, `(a, b)` → `row(a, b)`, `x[i]` → `flink_item(x, i)`,
/// `f(…).field` → a named field access DataFusion plans.
pub fn rewrite_sql(e: &mut ast::Expr) {
    match e {
        ast::Expr::Array(arr) if arr.named => {
            let elems = std::mem::take(&mut arr.elem);
            *e = call(ARRAY, elems);
        }
        ast::Expr::Tuple(values) => {
            let values = std::mem::take(values);
            *e = call("row", values);
        }
        ast::Expr::CompoundFieldAccess { root, access_chain } => {
            if !access_chain.iter().any(|a| {
                matches!(
                    a,
                    AccessExpr::Subscript(_) | AccessExpr::Dot(ast::Expr::Identifier(_))
                )
            }) {
                return;
            }
            let mut acc = std::mem::replace(root.as_mut(), ast::Expr::value(ast::Value::Null));
            let mut rest: Vec<AccessExpr> = Vec::new();
            for access in std::mem::take(access_chain) {
                match access {
                    // `x[i:j]` is not Flink SQL: a call to no function, so planning refuses it
                    AccessExpr::Subscript(Subscript::Slice { .. }) => {
                        *e = call("array slice `x[i:j]` (not Flink SQL syntax)", vec![]);
                        return;
                    }
                    AccessExpr::Subscript(Subscript::Index { index }) => {
                        acc = close(acc, std::mem::take(&mut rest));
                        acc = call(ITEM, vec![acc, index]);
                    }
                    AccessExpr::Dot(ast::Expr::Identifier(id)) if rest.is_empty() => match acc {
                        ast::Expr::Identifier(root_id) => {
                            acc = ast::Expr::CompoundIdentifier(vec![root_id, id])
                        }
                        ast::Expr::CompoundIdentifier(mut ids) => {
                            ids.push(id);
                            acc = ast::Expr::CompoundIdentifier(ids);
                        }
                        // a field of a computed row: DataFusion plans `x['f']` as get_field
                        other => {
                            acc = ast::Expr::CompoundFieldAccess {
                                root: Box::new(other),
                                access_chain: vec![AccessExpr::Subscript(Subscript::Index {
                                    index: ast::Expr::value(ast::Value::SingleQuotedString(
                                        id.value,
                                    )),
                                })],
                            }
                        }
                    },
                    other => rest.push(other),
                }
            }
            *e = close(acc, rest);
        }
        _ => {}
    }
}

fn close(acc: ast::Expr, rest: Vec<AccessExpr>) -> ast::Expr {
    if rest.is_empty() {
        acc
    } else {
        ast::Expr::CompoundFieldAccess {
            root: Box::new(acc),
            access_chain: rest,
        }
    }
}

/// Flink's map constructor `MAP[k, v, …]`, which sqlparser cannot parse, as the call
/// `flink_map(k, v, …)`: a rewrite of the SQL text before parsing (tokens, so strings and
/// comments are left alone). Returns the text unchanged when it has none.
pub fn rewrite_sql_text(sql: &str) -> Cow<'_, str> {
    if !sql.to_ascii_uppercase().contains("MAP") {
        return Cow::Borrowed(sql);
    }
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location() else {
        return Cow::Borrowed(sql);
    };
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    // (start char, end char, replacement)
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            sql.chars()
                .enumerate()
                .filter(|(_, c)| *c == '\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let pos = |l: &datafusion::sql::sqlparser::tokenizer::Location| {
        line_starts
            .get(l.line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(0)
            + l.column.saturating_sub(1) as usize
    };
    for (s, &i) in significant.iter().enumerate() {
        let is_map = matches!(&tokens[i].token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("MAP"));
        let Some(&next) = significant.get(s + 1) else {
            continue;
        };
        if !is_map || tokens[next].token != Token::LBracket {
            continue;
        }
        let mut depth = 0;
        let close = significant[s + 1..].iter().copied().find(|&j| {
            match tokens[j].token {
                Token::LBracket => depth += 1,
                Token::RBracket => depth -= 1,
                _ => {}
            }
            depth == 0
        });
        let Some(close) = close else { continue };
        edits.push((
            pos(&tokens[i].span.start),
            pos(&tokens[next].span.end),
            "flink_map(",
        ));
        edits.push((
            pos(&tokens[close].span.start),
            pos(&tokens[close].span.end),
            ")",
        ));
    }
    if edits.is_empty() {
        return Cow::Borrowed(sql);
    }
    edits.sort_by_key(|e| e.0);
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len() + edits.len() * 8);
    let mut at = 0;
    for (start, end, with) in edits {
        if start < at || end > chars.len() {
            return Cow::Borrowed(sql);
        }
        out.extend(&chars[at..start]);
        out.push_str(with);
        at = end;
    }
    out.extend(&chars[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_constructors_become_calls() {
        assert_eq!(
            rewrite_sql_text("SELECT MAP['a', 1]['a']"),
            "SELECT flink_map('a', 1)['a']"
        );
        assert_eq!(
            rewrite_sql_text("SELECT map [ 'x]', ARRAY[1] ],\n MAP['b', MAP[1, 2]]"),
            "SELECT flink_map( 'x]', ARRAY[1] ),\n flink_map('b', flink_map(1, 2))"
        );
        assert_eq!(
            rewrite_sql_text("SELECT 'MAP[1]', `map`[1]"),
            "SELECT 'MAP[1]', `map`[1]"
        );
    }
}
