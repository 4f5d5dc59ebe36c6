//! Script → JobGraph. Statements are applied in order (SET changes what follows, as in
//! Flink's SQL client); every INSERT and bare SELECT of the script becomes part of ONE job,
//! like a Flink statement set.

mod catalogs;
mod insert_schema;
mod schema_provider;
mod show;
mod stages;

use std::sync::Arc;

use datafusion::datasource::ViewTable;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;

pub use insert_schema::{fit_to_table, implicitly_castable};
pub use schema_provider::ScriptSchema;
pub use stages::StageBuilder;

use crate::catalog::{ConnectorRegistry, SinkContext, TableDef};
use crate::config::{self, Configuration};
use crate::error::{Result, WeftError, unwrap_datafusion};
use crate::ids::JobId;
use crate::jobgraph::JobGraph;
use crate::script::{ParsedStatement, Statement, parse_script, split};
use crate::session::session_context;

/// Plan a whole script into one JobGraph.
pub async fn plan_script(
    script: &str,
    default_name: &str,
    base: &Configuration,
    registry: &ConnectorRegistry,
) -> Result<JobGraph> {
    let statements = parse_script(script)?;
    let mut config = base.clone();
    let ctx = session_context(&config, registry)?;
    let schema = Arc::new(ScriptSchema::new(registry.clone(), config.clone()));
    schema.set_session(&ctx);
    ctx.catalog("datafusion")
        .ok_or_else(|| WeftError::internal("default catalog missing"))?
        .register_schema("public", schema.clone())?;
    let job_id = JobId::generate();
    let mut stages = StageBuilder::default();
    let mut catalogs = catalogs::Catalogs::default();

    for st in &statements {
        match &st.statement {
            Statement::Set { key, value } => {
                config.set(key, value).map_err(|e| at(st, e))?;
                if let Some(w) = config::unknown_key_warning(key) {
                    tracing::warn!("statement {} (line {}): {w}", st.raw.index, st.raw.line);
                }
                if key == config::RUNTIME_MODE.key
                    && value.eq_ignore_ascii_case("streaming")
                    && config.raw(config::STREAMING_CHECKPOINT_ID).is_none()
                {
                    return Err(at_msg(
                        st,
                        "execution.runtime-mode = streaming runs as checkpointed epochs with `weft run` (locally or on YARN); `weft explain` shows batch jobs only",
                    ));
                }
                apply_to_session(&ctx, &config);
                schema.set_config(config.clone());
            }
            Statement::Reset { key } => {
                let mut fresh = base.clone();
                if let Some(k) = key {
                    for (ek, ev) in config.entries() {
                        if ek != k {
                            fresh.set(ek, ev)?;
                        }
                    }
                }
                config = fresh;
                apply_to_session(&ctx, &config);
                schema.set_config(config.clone());
            }
            Statement::CreateTable(def) => {
                if schema.has(&def.name) {
                    return Err(at_msg(
                        st,
                        format!("table `{}` is already defined", def.name),
                    ));
                }
                let connector = registry.for_table(def).map_err(|e| at(st, e))?;
                let def = connector.resolve(def).await.map_err(|e| at(st, e))?;
                schema.add_table(def);
            }
            Statement::CreateCatalog { name, options } => {
                catalogs
                    .create(&ctx, registry, &config, name, options)
                    .map_err(|e| at(st, e))?;
            }
            Statement::UseCatalog { name } => {
                catalogs.use_catalog(&ctx, name).map_err(|e| at(st, e))?;
            }
            Statement::UseDatabase { name } => {
                catalogs.use_database(&ctx, name).map_err(|e| at(st, e))?;
            }
            Statement::CreateView { name, query_offset } => {
                if schema.has(name) {
                    return Err(at_msg(st, format!("`{name}` is already defined")));
                }
                let plan = logical_plan(&ctx, script, *query_offset, st).await?;
                schema.add_view(name, Arc::new(ViewTable::new(plan, None)));
            }
            Statement::Insert(ins) => {
                let def = match schema.table_def(&ins.table) {
                    Some(def) => def,
                    None => {
                        let def = catalogs.table_def(&ins.table).ok_or_else(|| {
                            at_msg(
                                st,
                                format!(
                                    "INSERT target `{}` is not a table declared with CREATE TABLE or in a catalog",
                                    ins.table
                                ),
                            )
                        })?;
                        let connector = registry.for_table(&def).map_err(|e| at(st, e))?;
                        connector.resolve(&def).await.map_err(|e| at(st, e))?
                    }
                };
                if let Some(m) = def.metadata.iter().find(|m| !m.is_virtual) {
                    // Flink writes such a column through SupportsWritingMetadata (Kafka's
                    // headers and timestamp); no Weft sink writes metadata yet.
                    return Err(at_msg(
                        st,
                        format!(
                            "table `{}` declares the METADATA column `{}` (key '{}') without VIRTUAL, so an INSERT must write it, and Weft's '{}' sink cannot write metadata yet; declare it VIRTUAL to only read it",
                            def.name,
                            m.field.name(),
                            m.key,
                            def.connector().unwrap_or("?")
                        ),
                    ));
                }
                let query = logical_plan(&ctx, script, ins.query_offset, st).await?;
                let fitted = fit_to_table(
                    query,
                    &def.name,
                    &def.schema(),
                    &ins.columns,
                    &ins.static_partitions,
                )
                .map_err(|m| at_msg(st, m))?;
                let physical = ctx
                    .state()
                    .create_physical_plan(&fitted)
                    .await
                    .map_err(|e| df_at(st, e))?;
                let connector = registry.for_table(&def).map_err(|e| at(st, e))?;
                let sink = connector
                    .create_sink(
                        &def,
                        physical,
                        &SinkContext {
                            job_id: job_id.0.clone(),
                            overwrite: ins.overwrite,
                            config: config.clone(),
                        },
                    )
                    .await
                    .map_err(|e| at(st, e))?;
                stages.add_root(sink.plan, Some(sink.commit), false, &config)?;
            }
            Statement::ShowTables => {
                // The script's tables and views (a Hive catalog's tables are listed by the
                // metastore, not here).
                let names = schema.table_names_declared();
                let sql = show::show_tables(names);
                add_rows(&ctx, &mut stages, &config, &sql, st).await?;
            }
            Statement::Describe { table } | Statement::ShowCreateTable { table } => {
                let def = match schema.table_def(table) {
                    Some(def) => def,
                    None => match catalogs.table_def(table) {
                        Some(def) => {
                            let connector = registry.for_table(&def).map_err(|e| at(st, e))?;
                            connector.resolve(&def).await.map_err(|e| at(st, e))?
                        }
                        None => match schema.view_columns(table) {
                            Some(columns) => TableDef {
                                columns,
                                ..TableDef::with_options(table, &[])
                            },
                            None => {
                                return Err(at_msg(
                                    st,
                                    format!(
                                        "table or view `{table}` is not declared in the script or its catalogs"
                                    ),
                                ));
                            }
                        },
                    },
                };
                let sql = match &st.statement {
                    Statement::Describe { .. } => show::describe(&def),
                    _ => show::show_create_table(&def),
                };
                add_rows(&ctx, &mut stages, &config, &sql, st).await?;
            }
            Statement::Explain { query_offset } => {
                let plan = logical_plan(&ctx, script, *query_offset, st).await?;
                let optimized = ctx.state().optimize(&plan).map_err(|e| df_at(st, e))?;
                let physical = ctx
                    .state()
                    .create_physical_plan(&plan)
                    .await
                    .map_err(|e| df_at(st, e))?;
                let text = format!(
                    "== Optimized Logical Plan ==\n{}\n\n== Physical Plan ==\n{}",
                    optimized.display_indent(),
                    datafusion::physical_plan::displayable(physical.as_ref()).indent(true)
                );
                add_rows(&ctx, &mut stages, &config, &show::explain(&text), st).await?;
            }
            Statement::Query { query_offset } => {
                let plan = logical_plan(&ctx, script, *query_offset, st).await?;
                let physical = ctx
                    .state()
                    .create_physical_plan(&plan)
                    .await
                    .map_err(|e| df_at(st, e))?;
                stages.add_root(physical, None, true, &config)?;
            }
        }
    }
    if stages.vertices.is_empty() {
        return Err(WeftError::Sql {
            statement: statements.len(),
            line: statements.last().map(|s| s.raw.line).unwrap_or(1),
            column: 1,
            message: "the script has no INSERT or SELECT statement, so there is nothing to run"
                .to_string(),
        });
    }
    let name = match config.get_string(config::PIPELINE_NAME) {
        n if n.is_empty() => default_name.to_string(),
        n => n,
    };
    Ok(JobGraph {
        job_id,
        name,
        vertices: stages.finish(),
        config,
    })
}

/// A statement answered with rows Weft computes itself (SHOW, DESCRIBE, EXPLAIN): a VALUES
/// query whose rows go back to the client like a bare SELECT's.
async fn add_rows(
    ctx: &SessionContext,
    stages: &mut StageBuilder,
    config: &Configuration,
    sql: &str,
    st: &ParsedStatement,
) -> Result<()> {
    let plan = weft_flink_sql::plan_sql(&ctx.state(), sql)
        .await
        .map_err(|e| df_at(st, e))?;
    let physical = ctx
        .state()
        .create_physical_plan(&plan)
        .await
        .map_err(|e| df_at(st, e))?;
    stages.add_root(physical, None, true, config)?;
    Ok(())
}

fn apply_to_session(ctx: &SessionContext, config: &Configuration) {
    let fresh = crate::session::session_config(config);
    let state = ctx.state_ref();
    let mut state = state.write();
    let opts = state.config_mut().options_mut();
    opts.execution.target_partitions = fresh.options().execution.target_partitions;
    opts.execution.batch_size = fresh.options().execution.batch_size;
}

async fn logical_plan(
    ctx: &SessionContext,
    script: &str,
    offset: usize,
    st: &ParsedStatement,
) -> Result<LogicalPlan> {
    let text = split::padded(script, offset, st.end());
    weft_flink_sql::plan_sql(&ctx.state(), &text)
        .await
        .map_err(|e| df_at(st, e))
}

/// A WeftError raised while handling statement `st`: positionless errors get its position.
fn at(st: &ParsedStatement, e: WeftError) -> WeftError {
    match e {
        WeftError::DataFusion(d) => df_at(st, d),
        WeftError::Config { key, message } => {
            at_msg(st, format!("configuration `{key}`: {message}"))
        }
        other => other,
    }
}

fn at_msg(st: &ParsedStatement, message: impl Into<String>) -> WeftError {
    WeftError::Sql {
        statement: st.raw.index,
        line: st.raw.line,
        column: st.raw.column,
        message: message.into(),
    }
}

/// DataFusion's planning errors, with the script position sqlparser reports when it has one.
fn df_at(st: &ParsedStatement, e: DataFusionError) -> WeftError {
    match unwrap_datafusion(e) {
        WeftError::DataFusion(d) => {
            let text = d.strip_backtrace();
            let (line, column) = sql_position(&text).unwrap_or((st.raw.line, st.raw.column));
            let message = text
                .trim_start_matches("SQL error: ")
                .trim_start_matches("Error during planning: ")
                .trim_start_matches("Schema error: ")
                .trim_start_matches("ParserError(\"")
                .trim_end_matches("\")")
                .to_string();
            WeftError::Sql {
                statement: st.raw.index,
                line,
                column,
                message,
            }
        }
        other => other,
    }
}

fn sql_position(msg: &str) -> Option<(usize, usize)> {
    let i = msg.find("Line: ")?;
    let rest = &msg[i + 6..];
    let line: usize = rest
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    let j = rest.find("Column: ")?;
    let column: usize = rest[j + 8..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    Some((line, column))
}
