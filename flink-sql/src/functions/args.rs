//! Helpers for evaluating arguments: arrays of a batch's length, scalars kept as scalars.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::ColumnarValue;

/// Every argument as an array of `rows` rows.
pub fn arrays(args: &[ColumnarValue], rows: usize) -> Result<Vec<ArrayRef>> {
    args.iter().map(|a| a.to_array(rows)).collect()
}

/// The result is a scalar when every argument was one (so constant folding stays cheap).
pub fn all_scalar(args: &[ColumnarValue]) -> bool {
    args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)))
}

/// Wrap an evaluated array: a one-row scalar when all arguments were scalars.
pub fn result(args: &[ColumnarValue], array: ArrayRef) -> Result<ColumnarValue> {
    if all_scalar(args) && array.len() == 1 {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &array, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

/// The row count to evaluate: 1 when every argument is a scalar.
pub fn eval_rows(args: &[ColumnarValue], rows: usize) -> usize {
    if all_scalar(args) { 1 } else { rows }
}

/// An argument as a `StringArray` (Utf8), whatever string type it has.
pub fn utf8(array: &ArrayRef) -> Result<StringArray> {
    let a = match array.data_type() {
        DataType::Utf8 => array.clone(),
        _ => cast(array, &DataType::Utf8)?,
    };
    Ok(a.as_any()
        .downcast_ref::<StringArray>()
        .expect("cast to Utf8 gives a StringArray")
        .clone())
}

/// A constant string argument (a pattern, a format), if the argument is a scalar.
pub fn const_str(arg: &ColumnarValue) -> Option<Option<String>> {
    match arg {
        ColumnarValue::Scalar(s) => Some(match s {
            ScalarValue::Utf8(v) | ScalarValue::Utf8View(v) | ScalarValue::LargeUtf8(v) => {
                v.clone()
            }
            ScalarValue::Null => None,
            _ => return None,
        }),
        ColumnarValue::Array(_) => None,
    }
}

pub fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
}

pub fn is_integer(t: &DataType) -> bool {
    t.is_integer()
}

/// Coerce every argument that is a string type or NULL to Utf8; others unchanged.
pub fn strings_to_utf8(types: &[DataType]) -> Vec<DataType> {
    types
        .iter()
        .map(|t| match t {
            DataType::Null => DataType::Utf8,
            t if is_string(t) => DataType::Utf8,
            t => t.clone(),
        })
        .collect()
}

pub fn null_array(t: &DataType, rows: usize) -> ArrayRef {
    arrow::array::new_null_array(t, rows)
}

pub fn arc<A: Array + 'static>(a: A) -> ArrayRef {
    Arc::new(a)
}

/// A boolean mask with NULL as FALSE (arrow's `prep_null_mask_filter` wants a null buffer).
pub fn nulls_false(b: &arrow::array::BooleanArray) -> arrow::array::BooleanArray {
    if b.null_count() > 0 {
        arrow::compute::prep_null_mask_filter(b)
    } else {
        b.clone()
    }
}
