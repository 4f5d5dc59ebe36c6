//! Refuse, at planning and by name, every function whose Flink meaning Weft does not have.
//!
//! A function call in a plan is accepted when it is one of Weft's Flink UDFs
//! ([`crate::functions`]) or a DataFusion function listed in a family's `DATAFUSION_AS_FLINK` (or the catalog's)
//! (used as is because its meaning is Flink's, which the conformance cases check). Anything
//! else is refused: a DataFusion function that is not Flink's would answer a query Flink
//! rejects, and one that shares a Flink name but not its meaning would answer differently.

use datafusion::common::plan_err;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, LogicalPlan};

use crate::catalog;

pub fn refuse_non_flink(plan: &LogicalPlan) -> Result<()> {
    let mut bad: Option<String> = None;
    plan.apply_with_subqueries(|node| {
        node.apply_expressions(|e| {
            e.apply(|e| {
                if let Some(name) = called_name(e)
                    && !accepted(name)
                {
                    bad = Some(name.to_string());
                    return Ok(TreeNodeRecursion::Stop);
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })?;
        Ok(if bad.is_some() {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    match bad {
        None => Ok(()),
        Some(name) => plan_err!("{}", refusal(&name)),
    }
}

fn called_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::ScalarFunction(f) => Some(f.func.name()),
        Expr::AggregateFunction(f) => Some(f.func.name()),
        Expr::WindowFunction(f) => Some(f.fun.name()),
        _ => None,
    }
}

pub fn accepted(name: &str) -> bool {
    crate::functions::is_flink_udf(name)
        || crate::functions::datafusion_as_flink(name)
        || catalog::DATAFUSION_AS_FLINK.contains(&name)
}

/// The one-sentence refusal for a function named `name` in a plan.
pub fn refusal(name: &str) -> String {
    match catalog::sql_name_for(name) {
        Some(sql) => format!(
            "Flink's function {sql} is not supported by Weft yet; Weft refuses it rather than answer differently from Flink"
        ),
        None => format!(
            "`{name}` is not a Flink SQL function (Flink: No match found for function signature {name})"
        ),
    }
}
