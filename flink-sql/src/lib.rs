//! Flink's SQL on DataFusion. DataFusion plans and executes; this crate gives the plans
//! Flink's meaning, in one place:
//!
//! - [`functions`]: Flink's built-in functions as vectorized DataFusion UDFs / UDAFs,
//!   registered over DataFusion's own where the name is shared ([`register_functions`]);
//! - [`catalog`]: every name Flink's `SHOW FUNCTIONS` lists, and what Weft does with it;
//! - [`cast_text`]: the text `CAST(… AS STRING)` gives in Flink, for every type;
//! - [`rewrite`]: Flink's SQL surface before DataFusion plans it (default names `EXPR$n`),
//!   and the analyzer rule that routes casts to text through [`cast_text`];
//! - [`check`]: refuses, by name, any function whose Flink meaning Weft does not have.
//!
//! [`plan_sql`] is the whole path from SQL text to a checked logical plan.

pub mod cast_text;
pub mod catalog;
pub mod check;
pub mod functions;
pub mod lateral;
pub mod rewrite;
pub mod setops;
pub mod sql_ast;
pub mod sql_text;
pub mod types;

use std::sync::Arc;

use datafusion::error::Result;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};

/// Register Flink's functions in a context, over DataFusion's functions of the same name.
/// Every process that decodes plans (TaskManagers too) needs them: plans name their UDFs.
pub fn register_functions(ctx: &SessionContext) {
    for f in functions::scalar_udfs() {
        ctx.register_udf(f.as_ref().clone());
    }
    for f in functions::aggregate_udfs() {
        ctx.register_udaf(f.as_ref().clone());
    }
    for f in functions::window_udfs() {
        ctx.register_udwf(f.as_ref().clone());
    }
}

/// Flink's functions and planning rules in a planning context: the functions, and the
/// cast-text analyzer rule after DataFusion's own (so it sees the casts type coercion adds).
pub fn install(ctx: &SessionContext) {
    register_functions(ctx);
    ctx.add_analyzer_rule(Arc::new(rewrite::FlinkCastText));
}

/// The DataFusion options Flink's SQL needs: identifiers keep their case.
pub fn session_config(config: SessionConfig) -> SessionConfig {
    let mut config = config;
    config.options_mut().sql_parser.enable_ident_normalization = false;
    // Flink (Calcite's NullCollation.LOW): NULLs sort first ascending, last descending.
    config.options_mut().sql_parser.default_null_ordering = "nulls_min".to_string();
    config
}

/// A context with Flink's functions and planning rules, for tests and tools.
pub fn flink_context(config: SessionConfig) -> SessionContext {
    let ctx = SessionContext::new_with_config(session_config(config));
    install(&ctx);
    ctx
}

/// Plan one SQL query (or DML) with Flink's meaning: parse, rewrite Flink's surface, plan
/// with DataFusion, and refuse what Weft cannot answer as Flink does.
pub async fn plan_sql(state: &SessionState, sql: &str) -> Result<LogicalPlan> {
    let dialect = state.config().options().sql_parser.dialect.clone();
    // Flink's `MAP[k, v, …]` does not parse in sqlparser: rewritten in the text first.
    let sql = functions::collection::rewrite_sql_text(sql);
    // TRIM(BOTH FROM s), CAST(x AS BYTES), BETWEEN SYMMETRIC: likewise
    let sql = sql_text::rewrite(&sql);
    let mut statement = state.sql_to_statement(&sql, &dialect)?;
    rewrite::flink_surface(&mut statement)?;
    let plan = state.statement_to_plan(statement).await?;
    check::refuse_non_flink(&plan)?;
    let plan = lateral::unnest_joins(plan)?;
    setops::bag_semantics(plan)
}
