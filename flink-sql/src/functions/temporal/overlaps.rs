//! `(a, b) OVERLAPS (c, d)` (Flink's temporalOverlaps): whether the two time ranges, each a
//! time point and either a second time point or an interval from it, overlap — their ends
//! put in order, `left_lo <= right_hi AND right_lo <= left_hi`; FALSE when a bound is NULL
//! (as Flink answers).
//! sqlparser parses OVERLAPS as a binary operator on two tuples (which the collection
//! family has made ROW calls by then); [`rewrite_sql`] calls `flink_overlaps(a, b, c, d)`.

use arrow::array::{ArrayRef, BooleanArray};
use arrow::compute::cast;
use arrow::compute::kernels::boolean::and;
use arrow::compute::kernels::cmp::lt_eq;
use arrow::compute::kernels::numeric::add;
use arrow::compute::kernels::zip::zip;
use arrow::datatypes::DataType;
use datafusion::common::plan_err;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};
use datafusion::sql::sqlparser::ast;

use crate::functions::args::{arc, arrays, eval_rows, nulls_false, result};
use crate::functions::scalar;

const OVERLAPS: &str = "flink_overlaps";

fn temporal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date32 | DataType::Timestamp(_, _) | DataType::Time32(_) | DataType::Time64(_)
    )
}

/// The time points go to their common type (DATE and TIMESTAMP(p) widen to the finer
/// TIMESTAMP); intervals stay.
fn coerce(t: &[DataType]) -> Result<Vec<DataType>> {
    let bad = || {
        plan_err!(
            "Cannot apply 'OVERLAPS' to arguments of type ({}): each range is a time point and a time point or an interval",
            t.iter()
                .map(crate::types::flink_name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let interval = |t: &DataType| matches!(t, DataType::Interval(_));
    if t.len() != 4 || !temporal(&t[0]) || !temporal(&t[2]) {
        return bad();
    }
    let points: Vec<DataType> = t.iter().filter(|t| !interval(t)).cloned().collect();
    let Some(common) = crate::functions::conditional::widen::common_type(&points) else {
        return bad();
    };
    if !temporal(&common) {
        return bad();
    }
    Ok(t.iter()
        .map(|x| {
            if interval(x) {
                x.clone()
            } else {
                common.clone()
            }
        })
        .collect())
}

/// A range's (lower, upper) bounds: `b` is its end or an interval from `a`.
fn range(a: &ArrayRef, b: &ArrayRef) -> Result<(ArrayRef, ArrayRef)> {
    let end = match b.data_type() {
        DataType::Interval(_) => add(a, b)?,
        t if t != a.data_type() => cast(b, a.data_type())?,
        _ => b.clone(),
    };
    let ordered = lt_eq(a, &end)?;
    let ordered = nulls_false(&ordered);
    Ok((zip(&ordered, a, &end)?, zip(&ordered, &end, a)?))
}

fn eval(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let (l_lo, l_hi) = range(&a[0], &a[1])?;
    let (r_lo, r_hi) = range(&a[2], &a[3])?;
    let out: BooleanArray = and(&lt_eq(&l_lo, &r_hi)?, &lt_eq(&r_lo, &l_hi)?)?;
    let out = nulls_false(&out);
    result(args, arc(out))
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            OVERLAPS,
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Boolean),
            eval,
        )
        .coerced(coerce)
        .build(),
    ]
}

/// `(a, b) OVERLAPS (c, d)` as `flink_overlaps(a, b, c, d)`.
pub fn rewrite_sql(e: &mut ast::Expr) {
    let ast::Expr::BinaryOp {
        left,
        op: ast::BinaryOperator::Overlaps,
        right,
    } = e
    else {
        return;
    };
    let (Some(l), Some(r)) = (pair(left), pair(right)) else {
        return;
    };
    let args = l.into_iter().chain(r).collect();
    *e = crate::sql_ast::call(OVERLAPS, args);
}

/// The two items of `(x, y)`: a tuple, or the ROW call the collection family made of it.
fn pair(e: &ast::Expr) -> Option<Vec<ast::Expr>> {
    let items: Vec<ast::Expr> = match e {
        ast::Expr::Tuple(items) => items.clone(),
        ast::Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("row") => {
            let ast::FunctionArguments::List(l) = &f.args else {
                return None;
            };
            l.args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x.clone()),
                    _ => None,
                })
                .collect::<Option<_>>()?
        }
        _ => return None,
    };
    (items.len() == 2).then_some(items)
}
