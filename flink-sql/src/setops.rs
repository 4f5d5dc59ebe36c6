//! Set operations with Flink's (SQL's) multiplicities. DataFusion plans `INTERSECT ALL` and
//! `EXCEPT ALL` as a semi / anti join of the left input against the right, on every column
//! with NULLs equal: that keeps every left copy that has a match (INTERSECT ALL) or drops
//! every left copy that has one (EXCEPT ALL). Flink gives `min(m, n)` copies of a row that
//! occurs `m` times on the left and `n` times on the right for INTERSECT ALL, and
//! `max(m - n, 0)` for EXCEPT ALL.
//!
//! [`bag_semantics`] rewrites those joins: each side numbers its equal rows
//! (`ROW_NUMBER() OVER (PARTITION BY every column)`), the semi / anti join runs on the
//! columns and the number, and a projection drops the number. The `k`-th copy on the left
//! then survives an INTERSECT ALL exactly when the right has at least `k` copies, and an
//! EXCEPT ALL exactly when it has fewer.
//!
//! Recognizing the joins: before optimization, a plan holds a semi or anti join with NULLs
//! equal and no filter only where `INTERSECT` / `EXCEPT` made one (SQL joins compare with
//! `=`, which never matches NULLs). The DISTINCT forms put a `Distinct` on the left input;
//! a left input that is distinct anyway gives the same rows either way.
//!
//! UNION's inputs are cast to their common type in the plan itself, so the plan's schema
//! shows the widened type (`INT UNION BIGINT` is BIGINT) before DataFusion's analyzer runs.

use std::sync::Arc;

use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, NullEquality};
use datafusion::error::Result;
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::expr_rewriter::coerce_plan_expr_for_schema;
use datafusion::logical_expr::{
    Distinct, Expr, ExprFunctionExt, Join, JoinType, LogicalPlan, LogicalPlanBuilder, Union,
    WindowFunctionDefinition,
};
use datafusion::optimizer::analyzer::type_coercion::coerce_union_schema;

/// The column each side's copy number goes in.
const COPY: &str = "__weft_copy";

/// Give every INTERSECT ALL / EXCEPT ALL in `plan` (and its subqueries) bag semantics.
pub fn bag_semantics(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| match node {
        LogicalPlan::Join(join) if is_all_set_operation(&join) => {
            Ok(Transformed::yes(numbered_join(join)?))
        }
        LogicalPlan::Union(union) => Ok(Transformed::yes(coerced_union(union)?)),
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}

/// A UNION's inputs cast to their common types now, so the plan's schema (what a client
/// sees as the result's types) is the coerced one: `INT UNION BIGINT` is BIGINT, as in Flink.
fn coerced_union(union: Union) -> Result<LogicalPlan> {
    let schema = Arc::new(coerce_union_schema(&union.inputs)?);
    let inputs = union
        .inputs
        .into_iter()
        .map(|p| coerce_plan_expr_for_schema(Arc::unwrap_or_clone(p), &schema).map(Arc::new))
        .collect::<Result<Vec<_>>>()?;
    Ok(LogicalPlan::Union(Union { inputs, schema }))
}

fn is_all_set_operation(join: &Join) -> bool {
    let width = join.left.schema().fields().len();
    matches!(join.join_type, JoinType::LeftSemi | JoinType::LeftAnti)
        && join.null_equality == NullEquality::NullEqualsNull
        && join.filter.is_none()
        && !join.null_aware
        && width == join.right.schema().fields().len()
        && join.on.len() == width
        && !matches!(join.left.as_ref(), LogicalPlan::Distinct(Distinct::All(_)))
        && join
            .on
            .iter()
            .enumerate()
            .all(|(i, (l, r))| column_at(l, &join.left, i) && column_at(r, &join.right, i))
}

/// Whether `e` is the `i`-th column of `plan`'s output.
fn column_at(e: &Expr, plan: &LogicalPlan, i: usize) -> bool {
    match e {
        Expr::Column(c) => plan.schema().index_of_column(c).ok() == Some(i),
        _ => false,
    }
}

fn numbered_join(join: Join) -> Result<LogicalPlan> {
    let width = join.left.schema().fields().len();
    let left = numbered(Arc::unwrap_or_clone(join.left))?;
    let right = numbered(Arc::unwrap_or_clone(join.right))?;
    let keys = |p: &LogicalPlan| -> Vec<Column> { p.schema().columns() };
    let (lk, rk) = (keys(&left), keys(&right));
    let kept: Vec<Expr> = lk[..width].iter().cloned().map(Expr::Column).collect();
    LogicalPlanBuilder::from(left)
        .join_detailed(
            right,
            join.join_type,
            (lk, rk),
            None,
            NullEquality::NullEqualsNull,
        )?
        .project(kept)?
        .build()
}

/// `plan` with one more column: the copy number of each row among the rows equal to it.
fn numbered(plan: LogicalPlan) -> Result<LogicalPlan> {
    let columns: Vec<Expr> = plan
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    let row_number = crate::functions::window_udfs()
        .iter()
        .find(|f| f.name() == "row_number")
        .cloned()
        .unwrap_or_else(datafusion::functions_window::row_number::row_number_udwf);
    let copy = Expr::from(WindowFunction::new(
        WindowFunctionDefinition::WindowUDF(row_number),
        vec![],
    ))
    .partition_by(columns)
    .build()?
    .alias(COPY);
    LogicalPlanBuilder::from(plan).window(vec![copy])?.build()
}
