//! `UNNEST(a) WITH ORDINALITY`: `crate::rewrite` makes it `UNNEST(a, flink_ordinals(a))`
//! DataFusion's UNNEST of two arrays of the same length side by side. `flink_ordinals(a)` is
//! the array `[1, 2, …, n]` for an array of n elements (NULL for NULL), Flink's 1-based INT
//! ordinality.

use std::sync::Arc;

use arrow::array::{Array, AsArray, Int32Array, ListArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field};
use datafusion::common::plan_err;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use crate::functions::args::{arrays, eval_rows, result};
use crate::functions::scalar;

pub const NAME: &str = "flink_ordinals";

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            NAME,
            Signature::user_defined(Volatility::Immutable),
            |_| {
                Ok(DataType::List(Arc::new(Field::new_list_field(
                    DataType::Int32,
                    false,
                ))))
            },
            eval,
        )
        .coerced(|t| match t {
            [DataType::List(_)] => Ok(t.to_vec()),
            [DataType::LargeList(f) | DataType::FixedSizeList(f, _)] => {
                Ok(vec![DataType::List(f.clone())])
            }
            _ => plan_err!("UNNEST … WITH ORDINALITY takes one ARRAY"),
        })
        .build(),
    ]
}

fn eval(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let rows = eval_rows(args, rows);
    let a = arrays(args, rows)?;
    let list = a[0].as_list::<i32>();
    let mut offsets = vec![0i32];
    let mut values = Vec::new();
    for i in 0..rows {
        let n = if list.is_null(i) {
            0
        } else {
            list.value_length(i)
        };
        values.extend(1..=n);
        offsets.push(values.len() as i32);
    }
    let out = ListArray::try_new(
        Arc::new(Field::new_list_field(DataType::Int32, false)),
        OffsetBuffer::new(offsets.into()),
        Arc::new(Int32Array::from(values)),
        list.nulls().cloned(),
    )?;
    result(args, Arc::new(out))
}
