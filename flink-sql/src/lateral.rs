//! `FROM t CROSS JOIN UNNEST(t.a) AS u(x)` (and the comma form `FROM t, UNNEST(a)`): Flink's
//! lateral UNNEST, one row per element of each row's array, joined to that row. DataFusion
//! plans it as a join with a subquery over `outer_ref(t.a)`, which it cannot execute; this
//! rewrite plans it as DataFusion's own `Unnest` over `t`: the subquery's projections and
//! unnest run on `t`'s rows (outer references become `t`'s columns, `t`'s columns pass
//! through), and a projection gives back the join's columns under their qualifiers (`t.*`,
//! `u.x`). A row whose array is NULL or empty gives no rows in a CROSS JOIN, and one row of
//! NULLs in `LEFT JOIN UNNEST(…) ON TRUE`, as in Flink. Other joins on an UNNEST that refers
//! to the outer row are refused at planning by name.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, NullHandling, ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    Expr, JoinType, LogicalPlan, LogicalPlanBuilder, Projection, Unnest, col,
};

/// Every lateral UNNEST join of `plan` as an unnest of its left side.
pub fn unnest_joins(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up(|p| {
        let LogicalPlan::Join(join) = &p else {
            return Ok(Transformed::no(p));
        };
        let LogicalPlan::SubqueryAlias(alias) = join.right.as_ref() else {
            return Ok(Transformed::no(p));
        };
        let LogicalPlan::Subquery(sub) = alias.input.as_ref() else {
            return Ok(Transformed::no(p));
        };
        if !has_unnest(&sub.subquery) {
            return Ok(Transformed::no(p));
        }
        let always = match &join.filter {
            None => true,
            Some(Expr::Literal(ScalarValue::Boolean(Some(true)), _)) => true,
            Some(_) => false,
        };
        let null_handling = match join.join_type {
            JoinType::Inner if join.on.is_empty() && always => NullHandling::Drop,
            JoinType::Left if join.on.is_empty() && always => NullHandling::PreserveAndExpandEmpty,
            other => {
                return plan_err!(
                    "UNNEST(…) may refer to the outer row only in CROSS JOIN UNNEST, `FROM t, UNNEST(…)` or LEFT JOIN UNNEST(…) ON TRUE, not in a {other} join with a condition"
                );
            }
        };
        let left = join.left.clone();
        let mut chain = Vec::new();
        if !collect_chain(&sub.subquery, &mut chain) {
            return plan_err!(
                "UNNEST(…) referring to the outer row is supported only as a plain `UNNEST(t.a) AS u(x)` in FROM"
            );
        }
        let left_columns: Vec<Column> = left.schema().columns();
        let mut current: LogicalPlan = left.as_ref().clone();
        let top = chain.len() - 1;
        for (i, node) in chain.iter().rev().enumerate() {
            current = match node {
                LogicalPlan::Projection(pr) => {
                    let mut exprs: Vec<Expr> = Vec::new();
                    for (j, e) in pr.expr.iter().enumerate() {
                        let e = decorrelate(e.clone())?;
                        // the subquery's own names could clash with t's: internal names on
                        // the top projection, the join's names come back at the end
                        exprs.push(if i == top {
                            e.alias(internal_name(j))
                        } else {
                            e
                        });
                    }
                    exprs.extend(left_columns.iter().cloned().map(Expr::Column));
                    LogicalPlan::Projection(Projection::try_new(exprs, Arc::new(current))?)
                }
                LogicalPlan::Unnest(Unnest {
                    exec_columns,
                    options,
                    ..
                }) => {
                    let options = options.clone().with_null_handling(null_handling);
                    LogicalPlanBuilder::from(current)
                        .unnest_columns_with_options(exec_columns.clone(), options)?
                        .build()?
                }
                _ => unreachable!("collect_chain keeps projections and unnests"),
            };
        }
        let mut out: Vec<Expr> = left_columns.into_iter().map(Expr::Column).collect();
        for (j, (_, field)) in alias.schema.iter().enumerate() {
            out.push(col(internal_name(j)).alias_qualified(Some(alias.alias.clone()), field.name()));
        }
        let plan = LogicalPlanBuilder::from(current).project(out)?.build()?;
        Ok(Transformed::yes(plan))
    })
    .map(|t| t.data)
}

fn internal_name(i: usize) -> String {
    format!("__weft_lateral_{i}")
}

fn has_unnest(plan: &LogicalPlan) -> bool {
    let mut found = false;
    let _ = plan.apply(|p| {
        if matches!(p, LogicalPlan::Unnest(_)) {
            found = true;
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

/// The subquery's nodes top-down, when it is projections and unnests over one empty row.
fn collect_chain<'a>(plan: &'a LogicalPlan, out: &mut Vec<&'a LogicalPlan>) -> bool {
    match plan {
        LogicalPlan::Projection(p) => {
            out.push(plan);
            collect_chain(&p.input, out)
        }
        LogicalPlan::Unnest(u) => {
            out.push(plan);
            collect_chain(&u.input, out)
        }
        LogicalPlan::EmptyRelation(e) => e.produce_one_row && !out.is_empty(),
        _ => false,
    }
}

/// `e` with outer references as plain columns.
fn decorrelate(e: Expr) -> Result<Expr> {
    e.transform_up(|e| match e {
        Expr::OuterReferenceColumn(_, c) => Ok(Transformed::yes(Expr::Column(c))),
        e => Ok(Transformed::no(e)),
    })
    .map(|t| t.data)
}
