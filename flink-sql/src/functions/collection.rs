//! Collection functions and value construction / access (Flink docs: "Collection Functions",
//! "Value Construction Functions", "Value Access Functions"): `ARRAY[…]`, `MAP[…]`, `ROW(…)`,
//! `arr[i]`, `map[key]`, `CARDINALITY`, `ELEMENT`, `ARRAY_*`, `MAP_*`.
//!
//! Flink's syntax reaches the UDFs through rewrites: `MAP[k, v, …]` (which sqlparser cannot
//! parse) is rewritten in the SQL text to `flink_map(k, v, …)` ([`rewrite_sql_text`]);
//! `ARRAY[…]` becomes `flink_array(…)`, `(a, b)` becomes `row(a, b)` and `x[i]` becomes
//! `flink_item(x, i)` in the parsed AST ([`rewrite_sql`]).
//!
//! Values are compared as Flink compares them (NULL elements equal each other) through
//! Arrow's row format, which also orders them for `ARRAY_SORT`, `ARRAY_MAX` and `ARRAY_MIN`.

mod arrays;
mod construct;
mod maps;
pub mod ordinals;
pub mod unnest_parts;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, ListArray, MapArray, UInt64Array};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Fields};
use arrow::row::{RowConverter, Rows, SortField};
use datafusion::common::DFSchema;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::type_coercion::binary::comparison_coercion;
use datafusion::logical_expr::{Expr, ScalarUDF};
use datafusion::sql::sqlparser::ast;

pub use construct::rewrite_sql_text;

pub fn functions() -> Vec<ScalarUDF> {
    let mut all = construct::functions();
    all.extend(arrays::functions());
    all.extend(maps::functions());
    all.extend(ordinals::functions());
    all.extend(unnest_parts::functions());
    all
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`):
/// `get_field` is what DataFusion plans a ROW's field access `r.f` as.
pub const DATAFUSION_AS_FLINK: &[&str] = &["get_field"];

/// Rewrites of this family's SQL syntax before DataFusion plans it (see `crate::rewrite`).
pub fn rewrite_sql(e: &mut ast::Expr) {
    construct::rewrite_sql(e)
}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
///
/// DataFusion plans `||` on arrays as its own `array_concat` / `array_append` /
/// `array_prepend`, which share names with Weft's (so the name check passes them); in Flink
/// `||` only concatenates strings, so these are refused here.
pub fn rewrite_expr(e: Expr, _schema: &DFSchema) -> Result<Transformed<Expr>> {
    if let Expr::ScalarFunction(f) = &e
        && matches!(
            f.func.name(),
            "array_concat" | "array_append" | "array_prepend"
        )
        && super::scalar_udf(f.func.name()).is_some_and(|mine| *mine != *f.func)
    {
        return plan_err!(
            "`||` concatenates strings in Flink, not arrays (Flink: String expression type expected); use ARRAY_CONCAT, ARRAY_APPEND or ARRAY_PREPEND"
        );
    }
    Ok(Transformed::no(e))
}

// ---- types -------------------------------------------------------------------------------

/// The list type Weft gives an ARRAY of `elem`.
pub(crate) fn list_of(elem: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(elem, true)))
}

/// The map type Weft gives a MAP of `key` to `value` (Arrow's map keys are never NULL).
pub(crate) fn map_of(key: DataType, value: DataType) -> DataType {
    DataType::Map(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(entry_fields(key, value)),
            false,
        )),
        false,
    )
}

fn entry_fields(key: DataType, value: DataType) -> Fields {
    Fields::from(vec![
        Field::new("key", key, false),
        Field::new("value", value, true),
    ])
}

/// The element type of an array type (`None` if it is not one).
pub(crate) fn elem_of(t: &DataType) -> Option<DataType> {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            Some(norm(f.data_type()))
        }
        _ => None,
    }
}

/// Key and value types of a map type.
pub(crate) fn key_value_of(t: &DataType) -> Option<(DataType, DataType)> {
    match t {
        DataType::Map(f, _) => match f.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                Some((norm(kv[0].data_type()), norm(kv[1].data_type())))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The type Weft computes with: one string type, one list type, one map type.
pub(crate) fn norm(t: &DataType) -> DataType {
    match t {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::BinaryView | DataType::LargeBinary => DataType::Binary,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
            list_of(elem_of(t).unwrap())
        }
        DataType::Map(_, _) => {
            let (k, v) = key_value_of(t).unwrap();
            map_of(k, v)
        }
        DataType::Struct(fs) => DataType::Struct(
            fs.iter()
                .map(|f| f.as_ref().clone().with_data_type(norm(f.data_type())))
                .collect(),
        ),
        DataType::Dictionary(_, v) => norm(v),
        t => t.clone(),
    }
}

fn is_str(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
}

/// The common type of two values Flink lets share an array or map: the same type, or both
/// strings, or both numbers (the wider), or arrays / maps of common types. NULL goes with any.
pub(crate) fn common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    let (a, b) = (norm(a), norm(b));
    match (&a, &b) {
        (DataType::Null, t) | (t, DataType::Null) => Some(t.clone()),
        _ if a == b => Some(a),
        _ if is_str(&a) && is_str(&b) => Some(DataType::Utf8),
        _ if a.is_numeric() && b.is_numeric() => comparison_coercion(&a, &b),
        (DataType::List(_), DataType::List(_)) => {
            Some(list_of(common_type(&elem_of(&a)?, &elem_of(&b)?)?))
        }
        (DataType::Map(_, _), DataType::Map(_, _)) => {
            let (ka, va) = key_value_of(&a)?;
            let (kb, vb) = key_value_of(&b)?;
            Some(map_of(common_type(&ka, &kb)?, common_type(&va, &vb)?))
        }
        _ => None,
    }
}

/// The common type of many values (`None` if they have none); all-NULL gives NULL.
pub(crate) fn common_of<'a>(mut types: impl Iterator<Item = &'a DataType>) -> Option<DataType> {
    let first = norm(types.next()?);
    types.try_fold(first, |acc, t| common_type(&acc, t))
}

fn numeric_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        DataType::Decimal128(_, _) | DataType::Decimal256(_, _) => 5,
        DataType::Float32 => 6,
        DataType::Float64 => 7,
        _ => return None,
    })
}

/// Whether Flink casts a value of type `from` implicitly to `to` where a function needs an
/// element of an array (`ARRAY_CONTAINS(haystack, needle)`): NULL, the same type, a string
/// for a string, or a number that widens without loss.
pub(crate) fn casts_implicitly(from: &DataType, to: &DataType) -> bool {
    let (from, to) = (norm(from), norm(to));
    if from == DataType::Null || from == to || (is_str(&from) && is_str(&to)) {
        return true;
    }
    match (numeric_rank(&from), numeric_rank(&to)) {
        (Some(f), Some(t)) => f <= t,
        _ => match (&from, &to) {
            (DataType::List(_), DataType::List(_)) => {
                casts_implicitly(&elem_of(&from).unwrap(), &elem_of(&to).unwrap())
            }
            _ => false,
        },
    }
}

/// Whether values of `t` can be ordered as Flink orders them (`ARRAY_SORT`, `ARRAY_MAX`).
pub(crate) fn is_orderable(t: &DataType) -> bool {
    t.is_numeric()
        || is_str(t)
        || matches!(
            t,
            DataType::Date32
                | DataType::Date64
                | DataType::Time32(_)
                | DataType::Time64(_)
                | DataType::Timestamp(_, _)
                | DataType::Binary
                | DataType::Null
        )
}

/// Type name for error messages, as Flink would print it.
pub(crate) fn type_name(t: &DataType) -> String {
    crate::types::flink_name(t)
}

/// The array argument `i` of `name` after coercion, or a planning error naming the function.
pub(crate) fn array_arg(name: &str, types: &[DataType], i: usize) -> Result<DataType> {
    match types.get(i).and_then(elem_of) {
        Some(e) => Ok(e),
        None if types.get(i) == Some(&DataType::Null) => Ok(DataType::Null),
        None => plan_err!(
            "Invalid input arguments for {name}: argument {} must be an ARRAY, got {}",
            i + 1,
            types
                .get(i)
                .map(type_name)
                .unwrap_or_else(|| "nothing".into())
        ),
    }
}

pub(crate) fn map_arg(name: &str, types: &[DataType], i: usize) -> Result<(DataType, DataType)> {
    match types.get(i).and_then(key_value_of) {
        Some(kv) => Ok(kv),
        None => plan_err!(
            "Invalid input arguments for {name}: argument {} must be a MAP, got {}",
            i + 1,
            types
                .get(i)
                .map(type_name)
                .unwrap_or_else(|| "nothing".into())
        ),
    }
}

pub(crate) fn arity(name: &str, types: &[DataType], min: usize, max: usize) -> Result<()> {
    if types.len() < min || types.len() > max {
        let want = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return plan_err!("{name} takes {want} arguments, got {}", types.len());
    }
    Ok(())
}

// ---- values ------------------------------------------------------------------------------

pub(crate) fn as_list(a: &ArrayRef) -> Result<&ListArray> {
    match a.as_any().downcast_ref::<ListArray>() {
        Some(l) => Ok(l),
        None => exec_err!("expected an ARRAY argument, got {}", a.data_type()),
    }
}

pub(crate) fn as_map(a: &ArrayRef) -> Result<&MapArray> {
    match a.as_any().downcast_ref::<MapArray>() {
        Some(m) => Ok(m),
        None => exec_err!("expected a MAP argument, got {}", a.data_type()),
    }
}

/// Comparable encodings of values (NULLs equal each other; order is Flink's natural order
/// for numbers, strings by code point, dates and times).
pub(crate) fn comparable(columns: &[&ArrayRef]) -> Result<Vec<Rows>> {
    let t = columns[0].data_type().clone();
    let conv = RowConverter::new(vec![SortField::new(t)])?;
    columns
        .iter()
        .map(|c| Ok(conv.convert_columns(&[(*c).clone()])?))
        .collect()
}

/// One array pool of several value arrays (of one type), and where each starts in it.
pub(crate) fn pool(parts: &[&ArrayRef]) -> Result<(ArrayRef, Vec<usize>)> {
    let mut starts = Vec::with_capacity(parts.len());
    let mut at = 0;
    for p in parts {
        starts.push(at);
        at += p.len();
    }
    let refs: Vec<&dyn Array> = parts.iter().map(|p| p.as_ref()).collect();
    Ok((arrow::compute::concat(&refs)?, starts))
}

/// A list array of type `list_of(elem)` whose row `i` holds `pool[j]` for the indexes
/// `sel[i]` (`None`: a NULL array).
pub(crate) fn build_list(
    elem: &DataType,
    pool: &ArrayRef,
    sel: &[Option<Vec<usize>>],
) -> Result<ArrayRef> {
    let mut idx: Vec<u64> = Vec::new();
    let mut lens = Vec::with_capacity(sel.len());
    for s in sel {
        match s {
            Some(v) => {
                idx.extend(v.iter().map(|&j| j as u64));
                lens.push(v.len());
            }
            None => lens.push(0),
        }
    }
    let values = arrow::compute::take(pool.as_ref(), &UInt64Array::from(idx), None)?;
    let values = if values.data_type() == elem {
        values
    } else {
        arrow::compute::cast(&values, elem)?
    };
    let nulls = NullBuffer::from(sel.iter().map(|s| s.is_some()).collect::<Vec<_>>());
    let nulls = if nulls.null_count() > 0 {
        Some(nulls)
    } else {
        None
    };
    Ok(Arc::new(ListArray::try_new(
        Arc::new(Field::new_list_field(elem.clone(), true)),
        OffsetBuffer::from_lengths(lens),
        values,
        nulls,
    )?))
}

/// The value indexes of row `i` of a list (absolute, into `values()`).
pub(crate) fn range(l: &ListArray, i: usize) -> std::ops::Range<usize> {
    let o = l.value_offsets();
    o[i] as usize..o[i + 1] as usize
}
