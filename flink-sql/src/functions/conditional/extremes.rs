//! GREATEST and LEAST as Flink answers them: the common type of the arguments
//! ([`super::widen`]), NULL when any argument is NULL (DataFusion skips NULLs), and
//! numbers in Java's `compareTo` order (NaN above every other DOUBLE).

use arrow::array::{Array, ArrayRef, BooleanArray};
use arrow::compute::kernels::boolean::or;
use arrow::compute::kernels::cmp::{gt, lt};
use arrow::compute::kernels::zip::zip;
use arrow::compute::{cast, is_null, nullif};
use arrow::datatypes::DataType;
use datafusion::common::plan_err;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use super::widen::common_type;
use crate::functions::args::{arrays, eval_rows, nulls_false, result};
use crate::functions::scalar;
use crate::types::flink_name;

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            "greatest",
            Signature::user_defined(Volatility::Immutable),
            |t| Ok(common_type(t).unwrap_or(DataType::Null)),
            |a, n, r| eval_extreme(a, n, r, true),
        )
        .coerced(|t| coerce("GREATEST", t))
        .build(),
        scalar(
            "least",
            Signature::user_defined(Volatility::Immutable),
            |t| Ok(common_type(t).unwrap_or(DataType::Null)),
            |a, n, r| eval_extreme(a, n, r, false),
        )
        .coerced(|t| coerce("LEAST", t))
        .build(),
    ]
}

/// Whether values of type `t` have an order Flink compares by.
fn ordered(t: &DataType) -> bool {
    use DataType::*;
    t.is_numeric()
        || matches!(
            t,
            Null | Boolean
                | Utf8
                | Utf8View
                | LargeUtf8
                | Binary
                | BinaryView
                | LargeBinary
                | Date32
                | Date64
                | Time32(_)
                | Time64(_)
                | Timestamp(_, _)
                | Interval(_)
                | Duration(_)
        )
}

fn coerce(name: &str, t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() < 2 {
        return plan_err!("{name} takes at least two arguments, got {}", t.len());
    }
    match common_type(t) {
        Some(c) if ordered(&c) => Ok(vec![c; t.len()]),
        _ => plan_err!(
            "All types in a comparison should support both 'EQUALS' and 'ORDER' comparison with each other: {name}({})",
            t.iter().map(flink_name).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn eval_extreme(
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
    greatest: bool,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let mut out: ArrayRef = a[0].clone();
    let mut any_null: BooleanArray = is_null(&a[0])?;
    for x in &a[1..] {
        // arrow orders floats by IEEE totalOrder, as Java's Double.compareTo: NaN is
        // the greatest; a NULL comparison keeps `out` (the row is NULL below anyway)
        let better = if greatest { gt(x, &out)? } else { lt(x, &out)? };
        let better = nulls_false(&better);
        out = zip(&better, x, &out)?;
        any_null = or(&any_null, &is_null(x)?)?;
    }
    let mut out = if any_null.true_count() > 0 {
        nullif(&out, &any_null)?
    } else {
        out
    };
    if out.data_type() != ret {
        out = cast(&out, ret)?;
    }
    result(args, out)
}
