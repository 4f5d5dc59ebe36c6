//! Arithmetic, comparison and logical functions (Flink docs: "Arithmetic Functions", "Comparison Functions", "Logical Functions").
//!
//! - numeric literals get Flink's types ([`literals`]);
//! - DECIMAL `+ - * / %` get Flink's result types and exact HALF_UP values ([`decimal`]);
//! - the DOUBLE functions (SQRT, LN, SIN, …) take any numeric argument as DOUBLE and
//!   compute as `java.lang.Math` does.

pub mod decimal;
pub mod in_list;
pub mod literals;
pub mod random;
pub mod round;
pub mod rounding;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, Operator, ScalarUDF, Signature, Volatility,
};
use datafusion::sql::sqlparser::ast;

use super::args::{arrays, eval_rows, result};
use super::scalar;

/// Every numeric argument as DOUBLE (Flink's implicit widening for its DOUBLE functions).
fn to_doubles(name: &str, t: &[DataType], n: usize) -> Result<Vec<DataType>> {
    if t.len() != n {
        return plan_err!(
            "{} takes {n} numeric argument(s), got {}",
            name.to_uppercase(),
            t.len()
        );
    }
    t.iter()
        .map(|t| {
            if t.is_numeric() || *t == DataType::Null {
                Ok(DataType::Float64)
            } else {
                plan_err!(
                    "Cannot apply '{}' to an argument of type {}",
                    name.to_uppercase(),
                    crate::types::flink_name(t)
                )
            }
        })
        .collect()
}

fn doubles(args: &[ColumnarValue], rows: usize) -> Result<(usize, Vec<ArrayRef>)> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?
        .into_iter()
        .map(|a| {
            if *a.data_type() == DataType::Float64 {
                Ok(a)
            } else {
                Ok(cast(&a, &DataType::Float64)?)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((n, a))
}

fn map1(args: &[ColumnarValue], rows: usize, f: fn(f64) -> f64) -> Result<ColumnarValue> {
    let (_, a) = doubles(args, rows)?;
    let out: Float64Array = a[0].as_primitive::<Float64Type>().unary(f);
    result(args, Arc::new(out))
}

fn map2(args: &[ColumnarValue], rows: usize, f: fn(f64, f64) -> f64) -> Result<ColumnarValue> {
    let (_, a) = doubles(args, rows)?;
    let out: Float64Array = arrow::compute::binary(
        a[0].as_primitive::<Float64Type>(),
        a[1].as_primitive::<Float64Type>(),
        f,
    )?;
    result(args, Arc::new(out))
}

macro_rules! double1 {
    ($name:literal, $f:expr) => {{
        fn eval(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
            map1(args, rows, $f)
        }
        scalar(
            $name,
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Float64),
            eval,
        )
        .coerced(|t| to_doubles($name, t, 1))
        .build()
    }};
}

macro_rules! double2 {
    ($name:literal, $f:expr) => {{
        fn eval(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
            map2(args, rows, $f)
        }
        scalar(
            $name,
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Float64),
            eval,
        )
        .coerced(|t| to_doubles($name, t, 2))
        .build()
    }};
}

fn constant(v: f64, args: &[ColumnarValue], rows: usize) -> Result<ColumnarValue> {
    let _ = (args, rows);
    Ok(ColumnarValue::Scalar(
        datafusion::common::ScalarValue::Float64(Some(v)),
    ))
}

/// LOG(x) is LN(x); LOG(b, x) is LN(x) / LN(b).
fn eval_log(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    if args.len() == 1 {
        map1(args, rows, f64::ln)
    } else {
        map2(args, rows, |b, x| x.ln() / b.ln())
    }
}

pub fn functions() -> Vec<ScalarUDF> {
    let mut all = vec![
        double1!("sqrt", f64::sqrt),
        double1!("ln", f64::ln),
        double1!("log10", f64::log10),
        double1!("log2", |x| x.ln() / std::f64::consts::LN_2),
        double1!("exp", f64::exp),
        double1!("sin", f64::sin),
        double1!("cos", f64::cos),
        double1!("tan", f64::tan),
        double1!("cot", |x| 1.0 / x.tan()),
        double1!("asin", f64::asin),
        double1!("acos", f64::acos),
        double1!("atan", f64::atan),
        double1!("sinh", f64::sinh),
        double1!("cosh", f64::cosh),
        double1!("tanh", f64::tanh),
        double1!("degrees", f64::to_degrees),
        double1!("radians", f64::to_radians),
        scalar(
            "atan2",
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Float64),
            |a, n, _| map2(a, n, f64::atan2),
        )
        .coerced(|t| {
            if t.iter().any(|t| matches!(t, DataType::Decimal128(_, _))) {
                return plan_err!(
                    "Unsupported call: ATAN2 on DECIMAL arguments (Flink has no ATAN2 for DECIMAL)"
                );
            }
            to_doubles("atan2", t, 2)
        })
        .build(),
        scalar(
            "flink_int_divide",
            Signature::any(2, Volatility::Immutable),
            |t| Ok(t[0].clone()),
            eval_int_divide,
        )
        .build(),
        double2!("power", f64::powf),
        scalar(
            "log",
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Float64),
            eval_log,
        )
        .coerced(|t| match t.len() {
            1 => to_doubles("log", t, 1),
            _ => to_doubles("log", t, 2),
        })
        .build(),
        scalar(
            "pi",
            Signature::exact(vec![], Volatility::Immutable),
            |_| Ok(DataType::Float64),
            |a, n, _| constant(std::f64::consts::PI, a, n),
        )
        .build(),
        scalar(
            "e",
            Signature::exact(vec![], Volatility::Immutable),
            |_| Ok(DataType::Float64),
            |a, n, _| constant(std::f64::consts::E, a, n),
        )
        .build(),
    ];
    all.push(
        scalar(
            "mod",
            Signature::user_defined(Volatility::Immutable),
            mod_type,
            eval_mod,
        )
        .coerced(coerce_mod)
        .build(),
    );
    all.extend(float_comparisons());
    all.extend(decimal::functions());
    all.extend(rounding::functions());
    all.extend(round::functions());
    all.extend(random::functions());
    all
}

/// `op(x, y)` of an integer column by one non-zero constant (the usual case) in one
/// vectorized pass, wrapped to `ret` as Java's int arithmetic wraps; None when the
/// arguments are not so (the row-by-row paths handle NULL and zero divisors).
fn by_constant_divisor(
    args: &[ColumnarValue],
    ret: &DataType,
    op: fn(i64, i64) -> i64,
) -> Result<Option<ColumnarValue>> {
    let (ColumnarValue::Array(x), ColumnarValue::Scalar(y)) = (&args[0], &args[1]) else {
        return Ok(None);
    };
    let Ok(ScalarValue::Int64(Some(y))) = y.cast_to(&DataType::Int64) else {
        return Ok(None);
    };
    if y == 0 {
        return Ok(None);
    }
    let x = cast(x, &DataType::Int64)?;
    let x = x.as_primitive::<arrow::datatypes::Int64Type>();
    let out: arrow::array::Int64Array = match ret {
        DataType::Int8 => x.unary(|v| op(v, y) as i8 as i64),
        DataType::Int16 => x.unary(|v| op(v, y) as i16 as i64),
        DataType::Int32 => x.unary(|v| op(v, y) as i32 as i64),
        _ => x.unary(|v| op(v, y)),
    };
    let arr: ArrayRef = Arc::new(out);
    Ok(Some(ColumnarValue::Array(cast(&arr, ret)?)))
}

/// Integer division as Java's: truncating, wrapping (MIN / -1 is MIN), `/ by zero` an error.
fn eval_int_divide(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    if let Some(out) = by_constant_divisor(args, ret, i64::wrapping_div)? {
        return Ok(out);
    }
    let a = arrays(args, n)?;
    let x = cast(&a[0], &DataType::Int64)?;
    let y = cast(&a[1], &DataType::Int64)?;
    let (x, y) = (
        x.as_primitive::<arrow::datatypes::Int64Type>(),
        y.as_primitive::<arrow::datatypes::Int64Type>(),
    );
    let mut out = arrow::array::Int64Builder::with_capacity(n);
    for i in 0..n {
        if x.is_null(i) || y.is_null(i) {
            out.append_null();
        } else if y.value(i) == 0 {
            return datafusion::common::exec_err!("divide: / by zero ({} / 0)", x.value(i));
        } else {
            let q = x.value(i).wrapping_div(y.value(i));
            // narrower types wrap as Java's int arithmetic does
            out.append_value(match ret {
                DataType::Int8 => q as i8 as i64,
                DataType::Int16 => q as i16 as i64,
                DataType::Int32 => q as i32 as i64,
                _ => q,
            });
        }
    }
    let arr: ArrayRef = Arc::new(out.finish());
    result(args, cast(&arr, ret)?)
}

fn exact_numeric(t: &DataType) -> bool {
    t.is_integer() || matches!(t, DataType::Decimal128(_, _)) || *t == DataType::Null
}

/// MOD (and `%`) takes exact numerics only; on integers its type is the divisor's.
fn coerce_mod(t: &[DataType]) -> Result<Vec<DataType>> {
    if t.len() != 2 || !t.iter().all(exact_numeric) {
        let names: Vec<String> = t.iter().map(crate::types::flink_name).collect();
        return plan_err!(
            "Cannot apply 'MOD' to arguments of type 'MOD({})': MOD takes two exact numerics",
            names.join(", ")
        );
    }
    if t.iter().any(|t| matches!(t, DataType::Decimal128(_, _))) {
        return Ok(t
            .iter()
            .map(|t| match decimal::dec(t) {
                Some((p, s)) => DataType::Decimal128(p, s),
                None => DataType::Decimal128(1, 0),
            })
            .collect());
    }
    let rhs = if t[1] == DataType::Null {
        t[0].clone()
    } else {
        t[1].clone()
    };
    let rhs = if rhs == DataType::Null {
        DataType::Int32
    } else {
        rhs
    };
    let lhs = if t[0] == DataType::Null {
        rhs.clone()
    } else {
        t[0].clone()
    };
    Ok(vec![lhs, rhs])
}

fn mod_type(t: &[DataType]) -> Result<DataType> {
    match (decimal::dec(&t[0]), decimal::dec(&t[1])) {
        (Some(a), Some(b))
            if matches!(t[0], DataType::Decimal128(_, _))
                || matches!(t[1], DataType::Decimal128(_, _)) =>
        {
            let (p, s) = decimal::result_type(datafusion::logical_expr::Operator::Modulo, a, b)
                .expect("modulo");
            Ok(DataType::Decimal128(p, s))
        }
        _ => Ok(t[1].clone()),
    }
}

fn eval_mod(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    if matches!(ret, DataType::Decimal128(_, _)) {
        return decimal::eval_decimal(datafusion::logical_expr::Operator::Modulo, args, rows, ret);
    }
    let n = eval_rows(args, rows);
    if let Some(out) = by_constant_divisor(args, ret, i64::wrapping_rem)? {
        return Ok(out);
    }
    let a = arrays(args, n)?;
    let x = cast(&a[0], &DataType::Int64)?;
    let y = cast(&a[1], &DataType::Int64)?;
    let (x, y) = (
        x.as_primitive::<arrow::datatypes::Int64Type>(),
        y.as_primitive::<arrow::datatypes::Int64Type>(),
    );
    let mut out = arrow::array::Int64Builder::with_capacity(n);
    for i in 0..n {
        if x.is_null(i) || y.is_null(i) {
            out.append_null();
        } else if y.value(i) == 0 {
            return datafusion::common::exec_err!("MOD: / by zero (MOD({}, 0))", x.value(i));
        } else {
            out.append_value(x.value(i).wrapping_rem(y.value(i)));
        }
    }
    let arr: ArrayRef = Arc::new(out.finish());
    result(args, cast(&arr, ret)?)
}

/// Comparisons of FLOAT / DOUBLE as Flink answers them: IEEE order (NaN is neither less
/// nor greater than anything, -0.0 equals 0.0), except that NaN equals NaN.
fn float_comparisons() -> Vec<ScalarUDF> {
    macro_rules! cmp {
        ($name:literal, $f:expr) => {{
            fn eval(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
                let (n, a) = doubles(args, rows)?;
                let (x, y) = (
                    a[0].as_primitive::<Float64Type>(),
                    a[1].as_primitive::<Float64Type>(),
                );
                let f: fn(f64, f64) -> bool = $f;
                let out: arrow::array::BooleanArray = (0..n)
                    .map(|i| (x.is_valid(i) && y.is_valid(i)).then(|| f(x.value(i), y.value(i))))
                    .collect();
                result(args, Arc::new(out))
            }
            scalar(
                $name,
                Signature::any(2, Volatility::Immutable),
                |_| Ok(DataType::Boolean),
                eval,
            )
            .build()
        }};
    }
    fn eq(a: f64, b: f64) -> bool {
        a == b || (a.is_nan() && b.is_nan())
    }
    vec![
        cmp!("flink_double_eq", eq),
        cmp!("flink_double_ne", |a, b| !eq(a, b)),
        cmp!("flink_double_lt", |a, b| a < b),
        cmp!("flink_double_le", |a, b| a < b || eq(a, b)),
        cmp!("flink_double_gt", |a, b| a > b),
        cmp!("flink_double_ge", |a, b| a > b || eq(a, b)),
    ]
}

fn float_comparison(op: Operator) -> Option<&'static str> {
    Some(match op {
        Operator::Eq => "flink_double_eq",
        Operator::NotEq => "flink_double_ne",
        Operator::Lt => "flink_double_lt",
        Operator::LtEq => "flink_double_le",
        Operator::Gt => "flink_double_gt",
        Operator::GtEq => "flink_double_ge",
        _ => return None,
    })
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`).
pub const DATAFUSION_AS_FLINK: &[&str] = &[];

/// Rewrites of this family's SQL syntax before DataFusion plans it (see `crate::rewrite`):
/// numeric literals get Flink's types.
pub fn rewrite_sql(e: &mut ast::Expr) {
    literals::type_children(e);
    between_symmetric(e);
    // `a % b` is MOD(a, b)
    if let ast::Expr::BinaryOp {
        left,
        op: ast::BinaryOperator::Modulo,
        right,
    } = e
    {
        let (l, r) = (
            std::mem::replace(left.as_mut(), ast::Expr::value(ast::Value::Null)),
            std::mem::replace(right.as_mut(), ast::Expr::value(ast::Value::Null)),
        );
        *e = crate::sql_ast::call("mod", vec![l, r]);
    }
}

/// `x [NOT] BETWEEN SYMMETRIC lo AND hi` (its lower bound marked by `crate::sql_text`) is
/// `[NOT] (x BETWEEN lo AND hi OR x BETWEEN hi AND lo)`, as Calcite expands it.
fn between_symmetric(e: &mut ast::Expr) {
    let ast::Expr::Between {
        expr,
        negated,
        low,
        high,
    } = e
    else {
        return;
    };
    let ast::Expr::Function(f) = low.as_ref() else {
        return;
    };
    if !f
        .name
        .to_string()
        .eq_ignore_ascii_case(crate::sql_text::BETWEEN_SYMMETRIC)
    {
        return;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return;
    };
    let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(lo))] = list.args.as_slice() else {
        return;
    };
    let between = |low: &ast::Expr, high: &ast::Expr| ast::Expr::Between {
        expr: expr.clone(),
        negated: false,
        low: Box::new(low.clone()),
        high: Box::new(high.clone()),
    };
    let either = ast::Expr::Nested(Box::new(ast::Expr::BinaryOp {
        left: Box::new(between(lo, high)),
        op: ast::BinaryOperator::Or,
        right: Box::new(between(high, lo)),
    }));
    *e = if *negated {
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Not,
            expr: Box::new(either),
        }
    } else {
        either
    };
}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`):
/// FLOAT / DOUBLE comparisons as Flink's, integer division as Java's, IN lists of DECIMAL
/// constants cast to the tested integer's type, and arithmetic on DECIMALs as Flink's
/// ([`decimal`]): division always (Flink rounds HALF_UP to its result scale), `+ - * %`
/// where Flink's result type is not DataFusion's (past 38 digits Flink keeps 6 of scale);
/// where the types agree those are exact in both, so DataFusion's kernels stay.
pub fn rewrite_expr(e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    if let Some(rewritten) = in_list::values_to_tested_type(&e, schema) {
        return Ok(Transformed::yes(rewritten));
    }
    if let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &e
        && let Some(name) = float_comparison(*op)
        && let Ok(t) = left.get_type(schema)
        && t.is_floating()
    {
        let udf = super::scalar_udf(name).expect("float comparisons are registered");
        return Ok(Transformed::yes(Expr::ScalarFunction(
            ScalarFunction::new_udf(udf, vec![(**left).clone(), (**right).clone()]),
        )));
    }
    if let Expr::BinaryExpr(BinaryExpr {
        left,
        op: Operator::Divide,
        right,
    }) = &e
        && let (Ok(lt), Ok(rt)) = (left.get_type(schema), right.get_type(schema))
        && lt.is_integer()
        && rt.is_integer()
    {
        let udf = super::scalar_udf("flink_int_divide").expect("integer division is registered");
        return Ok(Transformed::yes(Expr::ScalarFunction(
            ScalarFunction::new_udf(udf, vec![(**left).clone(), (**right).clone()]),
        )));
    }
    if let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &e
        && let Some(name) = decimal::udf_name(*op)
    {
        let (Ok(lt), Ok(rt)) = (left.get_type(schema), right.get_type(schema)) else {
            return Ok(Transformed::no(e));
        };
        let is_dec = |t: &DataType| matches!(t, DataType::Decimal128(_, _));
        let exact = |t: &DataType| is_dec(t) || t.is_integer() || *t == DataType::Null;
        let same_type = || {
            let flink = decimal::dec(&lt)
                .zip(decimal::dec(&rt))
                .and_then(|(a, b)| decimal::result_type(*op, a, b));
            let datafusion = e.get_type(schema).ok().and_then(|t| decimal::dec(&t));
            flink.is_some() && flink == datafusion
        };
        if (is_dec(&lt) || is_dec(&rt))
            && exact(&lt)
            && exact(&rt)
            && (*op == Operator::Divide || !same_type())
        {
            let udf = super::scalar_udf(name).expect("decimal arithmetic is registered");
            return Ok(Transformed::yes(Expr::ScalarFunction(
                ScalarFunction::new_udf(udf, vec![(**left).clone(), (**right).clone()]),
            )));
        }
    }
    Ok(Transformed::no(e))
}
