//! Aggregate functions (Flink docs: "Aggregate Functions"): result types of SUM / AVG,
//! LISTAGG, FIRST_VALUE / LAST_VALUE, STDDEV_* / VAR_*, ARRAY_AGG, PERCENTILE, `$SUM0`,
//! GROUPING / GROUPING_ID.
//!
//! Where DataFusion's aggregate computes Flink's value, [`retyped`] wraps it with Flink's
//! result type; AVG ([`avg`]), LISTAGG ([`listagg`]), PERCENTILE ([`percentile`]), SUM of
//! FLOAT ([`float_sum`], in FLOAT precision) and STDDEV_* / VAR_* of integers and decimals
//! ([`variance`], from SUM(x * x), SUM(x) and COUNT(x) in the argument's own type) are
//! Weft's own. Aggregates over casts get distinct names ([`typed_args`]). Refused: COLLECT
//! (its MULTISET type has no Arrow form in Weft).

pub mod avg;
pub mod collect;
pub mod float_sum;
pub mod listagg;
pub mod percentile;
pub mod retyped;
pub mod typed_args;
pub mod variance;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Int8Type, Int16Type, Int32Type, Int64Type};
use datafusion::common::plan_err;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::error::Result;
use datafusion::functions_aggregate as df;
use datafusion::logical_expr::{AggregateUDF, Expr, ScalarUDF};
use datafusion::sql::sqlparser::ast;

use retyped::{cast_finish, retyped};
use variance::{Kind, variance};

pub fn functions() -> Vec<ScalarUDF> {
    typed_args::functions()
}

pub fn aggregates() -> Vec<AggregateUDF> {
    let mut first = retyped(
        "first_value",
        df::first_last::first_value_udaf(),
        same_one,
        cast_finish,
    );
    first.ignore_nulls = true;
    let mut last = retyped(
        "last_value",
        df::first_last::last_value_udaf(),
        same_one,
        cast_finish,
    );
    last.ignore_nulls = true;
    let mut array_agg = retyped(
        "array_agg",
        df::array_agg::array_agg_udaf(),
        array_of,
        cast_finish,
    );
    array_agg.not_null = true;
    vec![
        float_sum::sum(retyped("sum", df::sum::sum_udaf(), sum_type, sum_finish).build()),
        // Flink's $SUM0 (`crate::sql_text` renames it): SUM, but 0 where SUM is NULL
        retyped(SUM0, df::sum::sum_udaf(), sum_type, sum0_finish).build(),
        avg::avg(),
        retyped("count", df::count::count_udaf(), count_type, cast_finish).build(),
        first.build(),
        last.build(),
        array_agg.build(),
        listagg::listagg(),
        collect::collect(),
        percentile::percentile(),
        variance(
            "stddev_pop",
            Kind {
                sample: false,
                root: true,
            },
            retyped(
                "stddev_pop",
                df::stddev::stddev_pop_udaf(),
                floating,
                cast_finish,
            )
            .build(),
        ),
        variance(
            "stddev_samp",
            Kind {
                sample: true,
                root: true,
            },
            retyped(
                "stddev_samp",
                df::stddev::stddev_udaf(),
                floating,
                cast_finish,
            )
            .build(),
        ),
        variance(
            "stddev",
            Kind {
                sample: true,
                root: true,
            },
            retyped("stddev", df::stddev::stddev_udaf(), floating, cast_finish).build(),
        ),
        variance(
            "var_pop",
            Kind {
                sample: false,
                root: false,
            },
            retyped(
                "var_pop",
                df::variance::var_pop_udaf(),
                floating,
                cast_finish,
            )
            .build(),
        ),
        variance(
            "var_samp",
            Kind {
                sample: true,
                root: false,
            },
            retyped(
                "var_samp",
                df::variance::var_samp_udaf(),
                floating,
                cast_finish,
            )
            .build(),
        ),
        variance(
            "variance",
            Kind {
                sample: true,
                root: false,
            },
            retyped(
                "variance",
                df::variance::var_samp_udaf(),
                floating,
                cast_finish,
            )
            .build(),
        ),
    ]
}

fn one(t: &[DataType], name: &str) -> Result<DataType> {
    match t {
        [t] => Ok(t.clone()),
        _ => plan_err!("{name} takes one argument"),
    }
}

fn same_one(t: &[DataType]) -> Result<DataType> {
    one(t, "FIRST_VALUE / LAST_VALUE")
}

fn array_of(t: &[DataType]) -> Result<DataType> {
    let t = one(t, "ARRAY_AGG")?;
    Ok(DataType::new_list(t, true))
}

/// COUNT(*) and COUNT(x) are BIGINT; Flink counts one field only.
fn count_type(t: &[DataType]) -> Result<DataType> {
    match t.len() {
        0 | 1 => Ok(DataType::Int64),
        _ => plan_err!("Flink: We now only support the count of one field"),
    }
}

/// SUM keeps an integer or DOUBLE argument's type (adding with Java's wrap-around) and
/// sums DECIMAL(p, s) as DECIMAL(38, s).
fn sum_type(t: &[DataType]) -> Result<DataType> {
    Ok(match one(t, "SUM")? {
        t @ (DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float64) => t,
        DataType::Decimal128(_, s) => DataType::Decimal128(38, s),
        // SUM of FLOAT adds in FLOAT precision: float_sum (DataFusion's would add DOUBLEs)
        DataType::Float32 => {
            return plan_err!("SUM of FLOAT is float_sum's; DataFusion's SUM would add DOUBLEs");
        }
        other => return plan_err!("Flink's SUM does not take {other}"),
    })
}

/// DataFusion sums integers as BIGINT: the low bits are the wrapped narrower sum.
fn sum_finish(a: ArrayRef, t: &DataType) -> Result<ArrayRef> {
    fn wrap<T: ArrowPrimitiveType>(a: &ArrayRef, f: impl Fn(i64) -> T::Native) -> ArrayRef {
        let a = a.as_primitive::<Int64Type>();
        Arc::new(a.unary::<_, T>(f)) as ArrayRef
    }
    Ok(match (a.data_type(), t) {
        (DataType::Int64, DataType::Int8) => wrap::<Int8Type>(&a, |v| v as i8),
        (DataType::Int64, DataType::Int16) => wrap::<Int16Type>(&a, |v| v as i16),
        (DataType::Int64, DataType::Int32) => wrap::<Int32Type>(&a, |v| v as i32),
        (DataType::Decimal128(_, _), DataType::Decimal128(p, s)) => {
            let d = a.as_primitive::<arrow::datatypes::Decimal128Type>().clone();
            let d: PrimitiveArray<arrow::datatypes::Decimal128Type> =
                d.with_precision_and_scale(*p, *s)?;
            Arc::new(d)
        }
        _ => cast_finish(a, t)?,
    })
}

/// The name `$SUM0` is planned as (sqlparser reads `$SUM0` as a placeholder).
pub const SUM0: &str = "flink_sum0";

/// $SUM0's values: SUM's, with 0 for no (non-NULL) values.
fn sum0_finish(a: ArrayRef, t: &DataType) -> Result<ArrayRef> {
    let sums = sum_finish(a, t)?;
    if sums.null_count() == 0 {
        return Ok(sums);
    }
    let zero = ScalarValue::new_zero(t)?.to_scalar()?;
    Ok(arrow::compute::kernels::zip::zip(
        &arrow::compute::is_not_null(&sums)?,
        &sums,
        &zero,
    )?)
}

/// STDDEV_* / VAR_* of FLOAT and DOUBLE: the argument's type (exact types: `variance`).
fn floating(t: &[DataType]) -> Result<DataType> {
    match one(t, "STDDEV / VARIANCE")? {
        t @ (DataType::Float32 | DataType::Float64) => Ok(t),
        other => plan_err!(
            "Flink computes STDDEV / VARIANCE of {other} in that type from SUM(x * x), SUM(x) and COUNT(x); Weft refuses it rather than answer differently"
        ),
    }
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`).
/// `grouping` is reached as GROUPING / GROUPING_ID, cast to Flink's BIGINT by `rewrite_sql`.
pub const DATAFUSION_AS_FLINK: &[&str] = &["min", "max", "grouping"];

/// GROUPING(…) and GROUPING_ID(…) are DataFusion's `grouping` (the same bits: the first
/// argument is the highest), as Flink's BIGINT.
pub fn rewrite_sql(e: &mut ast::Expr) {
    typed_args::rewrite_sql(e);
    let ast::Expr::Function(f) = e else { return };
    let name = f.name.to_string().to_ascii_lowercase();
    if name != "grouping" && name != "grouping_id" {
        return;
    }
    let mut call = f.clone();
    call.name = ast::ObjectName::from(vec![ast::Ident::new("grouping")]);
    *e = ast::Expr::Cast {
        kind: ast::CastKind::Cast,
        expr: Box::new(ast::Expr::Function(call)),
        data_type: ast::DataType::BigInt(None),
        array: false,
        format: None,
    };
}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
pub fn rewrite_expr(e: Expr, _schema: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::SessionConfig;

    async fn one_value(sql: &str) -> String {
        let ctx = crate::flink_context(SessionConfig::new().with_target_partitions(2));
        let plan = crate::plan_sql(&ctx.state(), sql).await.unwrap();
        let df = ctx.execute_logical_plan(plan).await.unwrap();
        let batches = df.collect().await.unwrap();
        arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string()
    }

    #[tokio::test]
    async fn narrow_sums_wrap_and_integer_averages_truncate() {
        let s = one_value("SELECT SUM(CAST(a AS TINYINT)) AS s FROM (VALUES (100), (100)) AS t(a)")
            .await;
        assert!(s.contains("-56"), "{s}");
        let s = one_value("SELECT AVG(a) AS m FROM (VALUES (-1), (-2)) AS t(a)").await;
        assert!(s.contains("-1"), "{s}");
    }
}
