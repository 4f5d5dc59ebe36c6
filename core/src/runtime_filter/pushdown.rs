//! Where a runtime filter goes in the probe side's (not yet cut) plan: as deep as it keeps
//! its meaning, so rows are dropped before the work that would be spent on them. A filter
//! on keys moves below an operator when every output row with a key comes from one input
//! row with the same key: repartitions, sorts and merges without a fetch, filters,
//! projections (keys rewritten to the projected expressions), aggregations on their group
//! keys, UNION ALL (into every input), and the side of a join whose rows the join passes
//! through (either side of an inner join, the preserved side of an outer join, the output
//! side of a semi or anti join) — and, when the keys are that side's equi-join keys, also
//! the other side on its matching keys. Elsewhere it stays on top.

use std::sync::Arc;

use datafusion::common::JoinType;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::aggregates::AggregateExec;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::execution_plan::{ChildrenPropertiesMode, ReplaceChildrenOptions};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::joins::HashJoinExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;
use datafusion::physical_plan::union::UnionExec;

use super::RuntimeFilterExec;

/// `plan` with a runtime filter on `keys` (over its output) placed as deep as it goes.
pub fn push_down(
    plan: Arc<dyn ExecutionPlan>,
    keys: Vec<Arc<dyn PhysicalExpr>>,
    build_vertex: u32,
    min_filter_ratio: f64,
) -> Result<Arc<dyn ExecutionPlan>> {
    let Some(moves) = below(&plan, &keys)? else {
        return Ok(Arc::new(RuntimeFilterExec::new(
            plan,
            keys,
            build_vertex,
            min_filter_ratio,
        )));
    };
    let mut children: Vec<Arc<dyn ExecutionPlan>> = plan.children().into_iter().cloned().collect();
    for (i, child_keys) in moves {
        children[i] = push_down(
            children[i].clone(),
            child_keys,
            build_vertex,
            min_filter_ratio,
        )?;
    }
    plan.replace_children(
        children,
        ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
    )
}

/// The children the filter moves into, each with the keys over its own output; None
/// when it stays above `plan`.
fn below(
    plan: &Arc<dyn ExecutionPlan>,
    keys: &[Arc<dyn PhysicalExpr>],
) -> Result<Option<Vec<(usize, Vec<Arc<dyn PhysicalExpr>>)>>> {
    let same = || Some(vec![(0, keys.to_vec())]);
    if plan.downcast_ref::<RepartitionExec>().is_some() {
        return Ok(same());
    }
    if let Some(s) = plan.downcast_ref::<SortExec>() {
        return Ok(s.fetch().is_none().then(same).flatten());
    }
    if let Some(s) = plan.downcast_ref::<SortPreservingMergeExec>() {
        return Ok(s.fetch().is_none().then(same).flatten());
    }
    if let Some(c) = plan.downcast_ref::<CoalescePartitionsExec>() {
        return Ok(c.fetch().is_none().then(same).flatten());
    }
    if let Some(f) = plan.downcast_ref::<FilterExec>() {
        let input = f.input().schema();
        return Ok(match f.projection() {
            None => same(),
            Some(p) => rewrite(keys, |c| {
                let j = *p.get(c.index())?;
                Some(Arc::new(Column::new(input.field(j).name(), j)) as _)
            })?
            .map(|k| vec![(0, k)]),
        });
    }
    if let Some(p) = plan.downcast_ref::<ProjectionExec>() {
        let exprs = p.expr();
        return Ok(
            rewrite(keys, |c| Some(exprs.get(c.index())?.expr.clone()))?.map(|k| vec![(0, k)])
        );
    }
    if let Some(a) = plan.downcast_ref::<AggregateExec>() {
        let group = a.group_expr();
        if !group.is_single() || group.expr().is_empty() {
            return Ok(None);
        }
        let exprs = group.expr();
        return Ok(rewrite(keys, |c| Some(exprs.get(c.index())?.0.clone()))?.map(|k| vec![(0, k)]));
    }
    if let Some(u) = plan.downcast_ref::<UnionExec>() {
        let mut moves = Vec::new();
        for (i, input) in u.inputs().iter().enumerate() {
            let schema = input.schema();
            let Some(k) = rewrite(keys, |c| {
                Some(Arc::new(Column::new(schema.field(c.index()).name(), c.index())) as _)
            })?
            else {
                return Ok(None);
            };
            moves.push((i, k));
        }
        return Ok(Some(moves));
    }
    if let Some(h) = plan.downcast_ref::<HashJoinExec>() {
        return join_side(h, keys);
    }
    Ok(None)
}

/// The side of a hash join all of `keys` come from, when the join passes that side's rows
/// through unchanged (so a row's key in the output is its key in the input).
fn join_side(
    h: &HashJoinExec,
    keys: &[Arc<dyn PhysicalExpr>],
) -> Result<Option<Vec<(usize, Vec<Arc<dyn PhysicalExpr>>)>>> {
    let left_len = h.left().schema().fields().len();
    let (left_out, right_out) = match h.join_type() {
        JoinType::Inner | JoinType::Left | JoinType::Right | JoinType::Full => (true, true),
        JoinType::LeftSemi | JoinType::LeftAnti | JoinType::LeftMark => (true, false),
        JoinType::RightSemi | JoinType::RightAnti | JoinType::RightMark => (false, true),
    };
    // Sides a filter may enter: an outer join's preserved side only.
    let (left_ok, right_ok) = match h.join_type() {
        JoinType::Inner => (true, true),
        JoinType::Left | JoinType::LeftSemi | JoinType::LeftAnti | JoinType::LeftMark => {
            (true, false)
        }
        JoinType::Right | JoinType::RightSemi | JoinType::RightAnti | JoinType::RightMark => {
            (false, true)
        }
        JoinType::Full => (false, false),
    };
    // Output column i → (side, column index in that side).
    let side_of = |i: usize| -> Option<(usize, usize)> {
        let j = match &h.projection {
            Some(p) => *p.get(i)?,
            None => i,
        };
        match (left_out, right_out) {
            (true, true) if j < left_len => Some((0, j)),
            (true, true) => Some((1, j - left_len)),
            (true, false) if j < left_len => Some((0, j)),
            (false, true) if j < h.right().schema().fields().len() => Some((1, j)),
            _ => None, // a mark column
        }
    };
    let children = [h.left(), h.right()];
    let on = h.on();
    for (side, ok) in [(0usize, left_ok), (1, right_ok)] {
        if !ok {
            continue;
        }
        let schema = children[side].schema();
        let Some(k) = rewrite(keys, |c| {
            let (s, j) = side_of(c.index())?;
            (s == side).then(|| Arc::new(Column::new(schema.field(j).name(), j)) as _)
        })?
        else {
            continue;
        };
        let mut moves = vec![(side, k.clone())];
        // Keys that are this side's equi-join keys filter the other side too, by its
        // matching keys: an other-side row with a key outside the filter could only match
        // rows the filter drops here.
        let other = 1 - side;
        let equi: Option<Vec<Arc<dyn PhysicalExpr>>> = k
            .iter()
            .map(|key| {
                on.iter().find_map(|(l, r)| {
                    let (mine, theirs) = if side == 0 { (l, r) } else { (r, l) };
                    mine.eq(key).then(|| theirs.clone())
                })
            })
            .collect();
        // (A NOT IN join's NULL keys on the other side change its answer.)
        if h.join_type() != &JoinType::Full
            && !h.null_aware
            && let Some(theirs) = equi
        {
            moves.push((other, theirs));
        }
        return Ok(Some(moves));
    }
    Ok(None)
}

/// `keys` with every column replaced by `f`'s expression; None when `f` has none for one.
fn rewrite(
    keys: &[Arc<dyn PhysicalExpr>],
    f: impl Fn(&Column) -> Option<Arc<dyn PhysicalExpr>>,
) -> Result<Option<Vec<Arc<dyn PhysicalExpr>>>> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let mut missing = false;
        let e = k
            .clone()
            .transform_up(|e| {
                Ok(match e.downcast_ref::<Column>() {
                    Some(c) => match f(c) {
                        Some(new) => Transformed::yes(new),
                        None => {
                            missing = true;
                            Transformed::no(e)
                        }
                    },
                    None => Transformed::no(e),
                })
            })?
            .data;
        if missing {
            return Ok(None);
        }
        out.push(e);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::common::NullEquality;
    use datafusion::logical_expr::Operator;
    use datafusion::physical_expr::expressions::{binary, lit};
    use datafusion::physical_plan::aggregates::{AggregateMode, PhysicalGroupBy};
    use datafusion::physical_plan::displayable;
    use datafusion::physical_plan::empty::EmptyExec;
    use datafusion::physical_plan::joins::PartitionMode;

    fn scan(names: &[&str]) -> Arc<dyn ExecutionPlan> {
        let fields: Vec<Field> = names
            .iter()
            .map(|n| Field::new(*n, DataType::Int64, true))
            .collect();
        Arc::new(EmptyExec::new(Arc::new(Schema::new(fields))))
    }

    fn col(name: &str, plan: &Arc<dyn ExecutionPlan>) -> Arc<dyn PhysicalExpr> {
        let i = plan.schema().index_of(name).unwrap();
        Arc::new(Column::new(name, i))
    }

    /// The plan's lines, top first, without indentation.
    fn lines(plan: &Arc<dyn ExecutionPlan>) -> Vec<String> {
        displayable(plan.as_ref())
            .indent(false)
            .to_string()
            .lines()
            .map(|l| {
                l.trim().split(':').next().unwrap().to_string()
                    + &l.trim()
                        .split_once("keys=")
                        .map(|(_, k)| format!(" {k}"))
                        .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn below_an_aggregation_on_its_group_key_and_through_a_projection() {
        let input = scan(&["a", "b"]);
        let group = PhysicalGroupBy::new_single(vec![(col("b", &input), "k".into())]);
        let agg: Arc<dyn ExecutionPlan> = Arc::new(
            AggregateExec::try_new(
                AggregateMode::Partial,
                group,
                vec![],
                vec![],
                input.clone(),
                input.schema(),
            )
            .unwrap(),
        );
        let k = col("k", &agg);
        let plus = binary(k, Operator::Plus, lit(1i64), &agg.schema()).unwrap();
        let proj: Arc<dyn ExecutionPlan> =
            Arc::new(ProjectionExec::try_new(vec![(plus, "x".to_string())], agg).unwrap());
        let key = col("x", &proj);
        let out = push_down(proj, vec![key], 7, 0.5).unwrap();
        assert_eq!(
            lines(&out),
            [
                "ProjectionExec",
                "AggregateExec",
                "RuntimeFilterExec [b@1 + 1], from vertex 7",
                "EmptyExec"
            ]
        );
    }

    #[test]
    fn stays_above_a_sort_with_a_fetch_and_an_outer_joins_padded_side() {
        use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
        let input = scan(&["a"]);
        let order =
            LexOrdering::new(vec![PhysicalSortExpr::new_default(col("a", &input))]).unwrap();
        let topk: Arc<dyn ExecutionPlan> =
            Arc::new(SortExec::new(order, input.clone()).with_fetch(Some(10)));
        let key = col("a", &topk);
        assert_eq!(
            lines(&push_down(topk, vec![key], 1, 0.5).unwrap())[0],
            "RuntimeFilterExec [a@0], from vertex 1"
        );

        let (l, r) = (scan(&["a"]), scan(&["b"]));
        let join = |t: JoinType| -> Arc<dyn ExecutionPlan> {
            Arc::new(
                HashJoinExec::try_new(
                    l.clone(),
                    r.clone(),
                    vec![(col("a", &l), col("b", &r))],
                    None,
                    &t,
                    None,
                    PartitionMode::Partitioned,
                    NullEquality::NullEqualsNothing,
                    false,
                )
                .unwrap(),
            )
        };
        // A key of the right side that is its join key: into both inputs of an inner join,
        // the left one on its matching key …
        let inner = join(JoinType::Inner);
        let b = col("b", &inner);
        assert_eq!(
            lines(&push_down(inner, vec![b], 2, 0.5).unwrap()),
            [
                "HashJoinExec",
                "RuntimeFilterExec [a@0], from vertex 2",
                "EmptyExec",
                "RuntimeFilterExec [b@0], from vertex 2",
                "EmptyExec"
            ]
        );
        // … and of a LEFT join's left key, into the left side and the right side too.
        let left = join(JoinType::Left);
        let a = col("a", &left);
        assert_eq!(
            lines(&push_down(left, vec![a], 2, 0.5).unwrap()),
            [
                "HashJoinExec",
                "RuntimeFilterExec [a@0], from vertex 2",
                "EmptyExec",
                "RuntimeFilterExec [b@0], from vertex 2",
                "EmptyExec"
            ]
        );
        // … but above a LEFT join, whose right side is NULL-padded.
        let left = join(JoinType::Left);
        let b = col("b", &left);
        assert_eq!(
            lines(&push_down(left, vec![b], 2, 0.5).unwrap())[0],
            "RuntimeFilterExec [b@1], from vertex 2"
        );
    }
}
