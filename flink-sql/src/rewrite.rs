//! Flink's SQL surface on DataFusion's planner:
//! - [`flink_surface`] rewrites the parsed statement before DataFusion plans it: an output
//!   expression without a name gets Flink's (Calcite's) default name `EXPR$<position>`;
//!   then every family's `rewrite_sql` runs on every expression, bottom-up;
//! - [`FlinkCastText`] is an analyzer rule, run after DataFusion's type coercion, that gives
//!   every cast to a string type Flink's text ([`crate::cast_text`]), and then runs every
//!   family's `rewrite_expr` (Flink's result types and semantics on planned expressions).

use std::ops::ControlFlow;
use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, DFSchemaRef};
use datafusion::config::ConfigOptions;
use datafusion::error::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{Cast, Expr, ExprSchemable, LogicalPlan, TryCast};
use datafusion::optimizer::AnalyzerRule;
use datafusion::optimizer::analyzer::type_coercion::TypeCoercion;
use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::{
    self, Ident, Query, SelectItem, SetExpr, VisitMut, VisitorMut,
};

use crate::cast_text::CAST_STRING;
use crate::sql_ast::call;

/// Rewrite a parsed statement into what DataFusion should plan for Flink's meaning.
pub fn flink_surface(statement: &mut DFStatement) -> Result<()> {
    if let DFStatement::Statement(s) = statement {
        let _ = s.visit(&mut DefaultNames);
    }
    Ok(())
}

/// Calcite's derived column names: a column reference keeps its name, an alias is used as
/// given, and any other expression is `EXPR$i`, i its 0-based position in the SELECT list.
struct DefaultNames;

impl VisitorMut for DefaultNames {
    type Break = ();

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        // Flink's literal types for whole SELECT items and VALUES entries (operands and
        // arguments are typed by math::rewrite_sql, in post_visit_expr)
        crate::functions::math::literals::type_query(&mut query.body);
        name_set_expr(&mut query.body);
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut ast::Expr) -> ControlFlow<()> {
        crate::functions::rewrite_sql(expr);
        ControlFlow::Continue(())
    }

    /// `UNNEST(a) WITH ORDINALITY` is `UNNEST(a, flink_ordinals(a))` (see
    /// `functions::collection::ordinals`).
    fn post_visit_table_factor(&mut self, factor: &mut ast::TableFactor) -> ControlFlow<()> {
        if let ast::TableFactor::UNNEST {
            array_exprs,
            with_ordinality,
            alias,
            ..
        } = factor
            && array_exprs.len() == 1
        {
            let columns = alias.as_ref().map_or(0, |a| a.columns.len());
            let ordinality = *with_ordinality;
            let parts = columns.saturating_sub(ordinality as usize);
            let array = array_exprs[0].clone();
            // several column names for one argument: a MAP's keys and values, or an ARRAY of
            // ROWs' fields, each as an array of its own
            if parts > 1 {
                *array_exprs = (0..parts)
                    .map(|i| {
                        call(
                            crate::functions::collection::unnest_parts::NAME,
                            vec![
                                array.clone(),
                                ast::Expr::value(ast::Value::Number(i.to_string(), false)),
                            ],
                        )
                    })
                    .collect();
            }
            if ordinality {
                let first = array_exprs[0].clone();
                array_exprs.push(call(
                    crate::functions::collection::ordinals::NAME,
                    vec![first],
                ));
                *with_ordinality = false;
            }
        }
        ControlFlow::Continue(())
    }
}

fn name_set_expr(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            for (i, item) in select.projection.iter_mut().enumerate() {
                if let SelectItem::UnnamedExpr(e) = item
                    && !keeps_its_name(e)
                {
                    let name = niladic_name(e).unwrap_or_else(|| format!("EXPR${i}"));
                    let expr = std::mem::replace(e, ast::Expr::value(ast::Value::Null));
                    *item = SelectItem::ExprWithAlias {
                        expr,
                        alias: Ident::with_quote('`', name),
                    };
                }
            }
        }
        SetExpr::SetOperation { left, .. } => name_set_expr(left),
        SetExpr::Query(q) => name_set_expr(&mut q.body),
        _ => {}
    }
}

/// A function called without parentheses (`CURRENT_DATE`, `LOCALTIMESTAMP`, …) is named by
/// Calcite like an identifier: its name in upper case.
fn niladic_name(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Function(f) if matches!(f.args, ast::FunctionArguments::None) => {
            Some(f.name.to_string().to_uppercase())
        }
        _ => None,
    }
}

fn keeps_its_name(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => true,
        ast::Expr::Nested(inner) => keeps_its_name(inner),
        _ => false,
    }
}

/// Casts to STRING through Flink's text forms (`CAST(TRUE AS STRING)` is `TRUE`,
/// `CAST(1.0E20 AS STRING)` is `1.0E20`, timestamps show their precision's digits).
#[derive(Debug, Default)]
pub struct FlinkCastText;

impl AnalyzerRule for FlinkCastText {
    fn name(&self) -> &str {
        "flink_cast_text"
    }

    fn analyze(&self, plan: LogicalPlan, config: &ConfigOptions) -> Result<LogicalPlan> {
        let t = plan.transform_up_with_subqueries(|node| {
            let schema = input_schema(&node);
            // a rewritten expression keeps its name (as DataFusion's type coercion does), so
            // the columns that nodes above refer to by name stay
            let names = datafusion::logical_expr::expr_rewriter::NamePreserver::new(&node);
            let t = node.map_expressions(|e| {
                let name = names.save(&e);
                e.transform_up(|e| {
                    cast_text(e, &schema)?
                        .transform_data(|e| crate::functions::rewrite_expr(e, &schema))
                })?
                .map_data(|e| Ok(name.restore(e)))
            })?;
            // rewritten expressions (here or below) may have other types (Flink's): the
            // node's schema follows
            if t.transformed || !t.data.inputs().is_empty() {
                t.map_data(|p| p.recompute_schema())
            } else {
                Ok(t)
            }
        })?;
        if !t.transformed {
            return Ok(t.data);
        }
        // An expression with Flink's type inside a subquery changes the subquery's type
        // after DataFusion's type coercion has fitted the outer query to the old one (`x <
        // (SELECT 0.2 * AVG(y) …)` compared x cast to DECIMAL(38, 7) with Flink's
        // DECIMAL(38, 6)): coerce again, so both sides of every operator agree.
        TypeCoercion::new().analyze(t.data, config)
    }
}

fn input_schema(node: &LogicalPlan) -> DFSchemaRef {
    let inputs = node.inputs();
    match inputs.as_slice() {
        [] => node.schema().clone(),
        [one] => one.schema().clone(),
        many => {
            let mut merged = DFSchema::empty();
            for i in many {
                merged.merge(i.schema());
            }
            Arc::new(merged)
        }
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
}

fn cast_text(e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let (inner, target, is_try) = match &e {
        Expr::Cast(Cast { expr, field }) if is_text(field.data_type()) => {
            (expr, field.data_type(), false)
        }
        Expr::TryCast(TryCast { expr, field }) if is_text(field.data_type()) => {
            (expr, field.data_type(), true)
        }
        _ => return Ok(Transformed::no(e)),
    };
    let Ok(source) = inner.get_type(schema) else {
        return Ok(Transformed::no(e));
    };
    if is_text(&source)
        || source == DataType::Null
        || matches!(source, DataType::Dictionary(_, ref v) if is_text(v))
    {
        return Ok(Transformed::no(e));
    }
    if crate::functions::variant::is_variant(&source) {
        return datafusion::common::plan_err!(
            "Cast function cannot convert value of type VARIANT to type STRING"
        );
    }
    let udf = crate::functions::scalar_udfs()
        .iter()
        .find(|f| f.name() == CAST_STRING)
        .expect("the cast-text UDF is registered")
        .clone();
    let _ = is_try;
    let call = Expr::ScalarFunction(ScalarFunction::new_udf(udf, vec![(**inner).clone()]));
    let out = if *target == DataType::Utf8 {
        call
    } else {
        Expr::Cast(Cast::new(Box::new(call), target.clone()))
    };
    Ok(Transformed::yes(out))
}
