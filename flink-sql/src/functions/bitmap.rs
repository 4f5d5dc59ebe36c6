//! Bitmap functions (Flink 2.3's BITMAP type, FLIP-556): `BITMAP_BUILD`,
//! `BITMAP_CARDINALITY`, `BITMAP_TO_ARRAY`, `BITMAP_TO_STRING`, `BITMAP_TO_BYTES`,
//! `BITMAP_FROM_BYTES`, the set operations `BITMAP_AND` / `OR` / `XOR` / `ANDNOT`, and the
//! aggregates `BITMAP_BUILD_AGG`, `BITMAP_AND_AGG`, `BITMAP_OR_AGG`, `BITMAP_XOR_AGG` with
//! their `…_CARDINALITY_AGG` forms. `CAST(x AS BITMAP)` takes a NULL or a BITMAP, as Flink's.
//!
//! A BITMAP is a set of 32-bit integers ordered as unsigned (-1 is 4294967295 and comes
//! last); the representation and its bytes are in [`format`]. Every scalar function is NULL
//! when an argument is.

pub mod aggregate;
pub mod format;

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryBuilder, Int32Array, Int64Array, ListArray,
    StringBuilder, StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field};
use datafusion::common::DFSchema;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{exec_err, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    AggregateUDF, ColumnarValue, Expr, ScalarUDF, Signature, Volatility,
};
use datafusion::sql::sqlparser::ast;

use super::args::{arrays, eval_rows, result};
use super::scalar;
use crate::types::flink_name;
pub use format::{bitmap_type, is_bitmap};

/// What `CAST(x AS BITMAP)` calls.
pub const CAST_TO_BITMAP: &str = "flink_cast_to_bitmap";

pub const DATAFUSION_AS_FLINK: &[&str] = &[];

pub fn functions() -> Vec<ScalarUDF> {
    let user = || Signature::user_defined(Volatility::Immutable);
    vec![
        scalar("bitmap_build", user(), |_| Ok(bitmap_type()), eval_build)
            .coerced(build_args)
            .build(),
        scalar(
            "bitmap_cardinality",
            user(),
            |_| Ok(DataType::Int64),
            eval_cardinality,
        )
        .coerced(|t| bitmaps("BITMAP_CARDINALITY", t, 1))
        .build(),
        scalar("bitmap_to_array", user(), |_| Ok(int_list()), eval_to_array)
            .coerced(|t| bitmaps("BITMAP_TO_ARRAY", t, 1))
            .build(),
        scalar(
            "bitmap_to_string",
            user(),
            |_| Ok(DataType::Utf8),
            eval_to_string,
        )
        .coerced(|t| bitmaps("BITMAP_TO_STRING", t, 1))
        .build(),
        scalar(
            "bitmap_to_bytes",
            user(),
            |_| Ok(DataType::Binary),
            eval_to_bytes,
        )
        .coerced(|t| bitmaps("BITMAP_TO_BYTES", t, 1))
        .build(),
        scalar(
            "bitmap_from_bytes",
            user(),
            |_| Ok(bitmap_type()),
            eval_from_bytes,
        )
        .coerced(from_bytes_args)
        .build(),
        scalar(
            "bitmap_and",
            user(),
            |_| Ok(bitmap_type()),
            |a, n, _| eval_set_op(a, n, format::and),
        )
        .coerced(|t| bitmaps("BITMAP_AND", t, 2))
        .build(),
        scalar(
            "bitmap_or",
            user(),
            |_| Ok(bitmap_type()),
            |a, n, _| eval_set_op(a, n, format::or),
        )
        .coerced(|t| bitmaps("BITMAP_OR", t, 2))
        .build(),
        scalar(
            "bitmap_xor",
            user(),
            |_| Ok(bitmap_type()),
            |a, n, _| eval_set_op(a, n, format::xor),
        )
        .coerced(|t| bitmaps("BITMAP_XOR", t, 2))
        .build(),
        scalar(
            "bitmap_andnot",
            user(),
            |_| Ok(bitmap_type()),
            |a, n, _| eval_set_op(a, n, format::and_not),
        )
        .coerced(|t| bitmaps("BITMAP_ANDNOT", t, 2))
        .build(),
        scalar(CAST_TO_BITMAP, user(), |_| Ok(bitmap_type()), eval_cast)
            .coerced(cast_args)
            .build(),
    ]
}

pub fn aggregates() -> Vec<AggregateUDF> {
    aggregate::aggregates()
}

fn int_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int32, true)))
}

/// `n` BITMAP arguments (a typed NULL is a BITMAP; an untyped NULL is refused, as Flink's
/// "Illegal use of 'NULL'").
fn bitmaps(name: &str, t: &[DataType], n: usize) -> Result<Vec<DataType>> {
    if t.len() != n {
        return plan_err!("{name} takes {n} BITMAP argument(s), got {}", t.len());
    }
    for a in t {
        if !is_bitmap(a) {
            return plan_err!(
                "{name} takes BITMAP arguments, not {} (Flink: Invalid input arguments)",
                flink_name(a)
            );
        }
    }
    Ok(t.to_vec())
}

fn build_args(t: &[DataType]) -> Result<Vec<DataType>> {
    let ok = match t {
        [DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)] => {
            matches!(
                f.data_type(),
                DataType::Int8 | DataType::Int16 | DataType::Int32
            )
        }
        _ => false,
    };
    if !ok {
        let got: Vec<String> = t.iter().map(flink_name).collect();
        return plan_err!(
            "BITMAP_BUILD takes one ARRAY<INT> (or of SMALLINT / TINYINT), not ({}) (Flink: Invalid input arguments)",
            got.join(", ")
        );
    }
    Ok(vec![int_list()])
}

fn from_bytes_args(t: &[DataType]) -> Result<Vec<DataType>> {
    match t {
        [
            DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_)
            | DataType::Null,
        ] => Ok(vec![DataType::Binary]),
        [other] => plan_err!(
            "BITMAP_FROM_BYTES takes BYTES, not {} (Flink: Expected type of family 'BINARY_STRING')",
            flink_name(other)
        ),
        _ => plan_err!("BITMAP_FROM_BYTES takes one BYTES argument"),
    }
}

fn cast_args(t: &[DataType]) -> Result<Vec<DataType>> {
    match t {
        [DataType::Null] => Ok(vec![DataType::Null]),
        [b] if is_bitmap(b) => Ok(vec![b.clone()]),
        [other] => plan_err!(
            "Cast function cannot convert value of type {} to type BITMAP",
            flink_name(other)
        ),
        _ => plan_err!("CAST to BITMAP takes one value"),
    }
}

/// The serialized sets of a BITMAP array (None for NULL rows).
fn bitmap_bytes(a: &ArrayRef) -> Result<(&BinaryArray, Option<&NullBuffer>)> {
    let Some(s) = a.as_any().downcast_ref::<StructArray>() else {
        return exec_err!(
            "a BITMAP value is not Weft's BITMAP struct: {}",
            a.data_type()
        );
    };
    Ok((s.column(0).as_binary::<i32>(), s.nulls()))
}

/// Row `i` of a BITMAP array as its set, None when NULL.
fn set_at(a: &ArrayRef, i: usize) -> Result<Option<Vec<u32>>> {
    if a.is_null(i) {
        return Ok(None);
    }
    let (b, _) = bitmap_bytes(a)?;
    format::decode(b.value(i))
        .map(Some)
        .map_err(|e| DataFusionError::Execution(format!("a BITMAP value is damaged: {e}")))
}

/// A BITMAP array from sets (None for NULL).
pub fn bitmap_array(sets: impl IntoIterator<Item = Option<Vec<u8>>>) -> ArrayRef {
    let mut b = BinaryBuilder::new();
    for s in sets {
        match s {
            Some(bytes) => b.append_value(bytes),
            None => b.append_null(),
        }
    }
    let bytes = b.finish();
    let nulls = bytes.nulls().cloned();
    let DataType::Struct(fields) = bitmap_type() else {
        unreachable!()
    };
    Arc::new(StructArray::new(fields, vec![Arc::new(bytes)], nulls))
}

fn eval_build(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    let list = a[0].as_list::<i32>();
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        if list.is_null(i) {
            out.push(None);
            continue;
        }
        let items = cast(&list.value(i), &DataType::Int32)?;
        let items = items.as_primitive::<arrow::datatypes::Int32Type>();
        let mut values: Vec<u32> = items.iter().flatten().map(|v| v as u32).collect();
        format::normalize(&mut values);
        out.push(Some(format::encode(&values)));
    }
    result(args, bitmap_array(out))
}

fn eval_cardinality(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    let (b, _) = bitmap_bytes(&a[0])?;
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        out.push(if a[0].is_null(i) {
            None
        } else {
            Some(format::cardinality(b.value(i)).map_err(DataFusionError::Execution)? as i64)
        });
    }
    result(args, Arc::new(Int64Array::from(out)))
}

fn eval_to_array(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    let mut offsets = vec![0i32];
    let mut values: Vec<i32> = Vec::new();
    let mut valid = Vec::with_capacity(rows);
    for i in 0..rows {
        let set = set_at(&a[0], i)?;
        valid.push(set.is_some());
        values.extend(set.unwrap_or_default().into_iter().map(|v| v as i32));
        offsets.push(values.len() as i32);
    }
    let list = ListArray::try_new(
        Arc::new(Field::new_list_field(DataType::Int32, true)),
        OffsetBuffer::new(offsets.into()),
        Arc::new(Int32Array::from(values)),
        Some(NullBuffer::from(valid)),
    )?;
    result(args, Arc::new(list))
}

fn eval_to_string(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    let mut out = StringBuilder::new();
    for i in 0..rows {
        match set_at(&a[0], i)? {
            Some(set) => out.append_value(format::text(&set)),
            None => out.append_null(),
        }
    }
    result(args, Arc::new(out.finish()))
}

fn eval_to_bytes(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    let (b, nulls) = bitmap_bytes(&a[0])?;
    let bytes = BinaryArray::new(
        b.offsets().clone(),
        b.values().clone(),
        NullBuffer::union(nulls, b.nulls()),
    );
    result(args, Arc::new(bytes))
}

fn eval_from_bytes(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    let b = cast(&a[0], &DataType::Binary)?;
    let b = b.as_binary::<i32>();
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        if b.is_null(i) {
            out.push(None);
            continue;
        }
        let set = format::decode(b.value(i)).map_err(|e| {
            DataFusionError::Execution(format!(
                "BITMAP_FROM_BYTES failed to deserialize a bitmap from bytes: {e}"
            ))
        })?;
        out.push(Some(format::encode(&set)));
    }
    result(args, bitmap_array(out))
}

fn eval_set_op(
    args: &[ColumnarValue],
    rows: usize,
    op: fn(&[u32], &[u32]) -> Vec<u32>,
) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        out.push(match (set_at(&a[0], i)?, set_at(&a[1], i)?) {
            (Some(x), Some(y)) => Some(format::encode(&op(&x, &y))),
            _ => None,
        });
    }
    result(args, bitmap_array(out))
}

fn eval_cast(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    if is_bitmap(a[0].data_type()) {
        return result(args, a[0].clone());
    }
    result(args, bitmap_array((0..rows).map(|_| None)))
}

/// `CAST(x AS BITMAP)`: sqlparser reads the type as a custom name; it becomes a call.
pub fn rewrite_sql(e: &mut ast::Expr) {
    let ast::Expr::Cast {
        expr, data_type, ..
    } = e
    else {
        return;
    };
    let ast::DataType::Custom(name, modifiers) = data_type else {
        return;
    };
    if !modifiers.is_empty() || name.to_string().to_ascii_uppercase() != "BITMAP" {
        return;
    }
    let inner = std::mem::replace(expr.as_mut(), ast::Expr::value(ast::Value::Null));
    *e = crate::sql_ast::call(CAST_TO_BITMAP, vec![inner]);
}

pub fn rewrite_expr(e: Expr, _: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}
