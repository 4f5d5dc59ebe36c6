//! Helpers for the connector tests: a single-process DataFusion session set up the way Weft
//! plans (parallelism = target partitions, no round-robin repartition, Weft's object stores).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use arrow::datatypes::{DataType, Field};
use datafusion::catalog::TableProvider;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::TryStreamExt;
use weft_core::catalog::{ConnectorRegistry, TableDef};
use weft_core::config::Configuration;

pub fn session(registry: &ConnectorRegistry, parallelism: usize) -> SessionContext {
    session_with_batch_size(registry, parallelism, 8192)
}

pub fn session_with_batch_size(
    registry: &ConnectorRegistry,
    parallelism: usize,
    batch_size: usize,
) -> SessionContext {
    let mut config = SessionConfig::new()
        .with_target_partitions(parallelism)
        .with_batch_size(batch_size);
    config
        .options_mut()
        .optimizer
        .enable_round_robin_repartition = false;
    let runtime = RuntimeEnvBuilder::new()
        .with_object_store_registry(registry.object_stores.clone())
        .build_arc()
        .unwrap();
    SessionContext::new_with_config_rt(config, runtime)
}

pub fn table(
    name: &str,
    columns: &[(&str, DataType)],
    partition_keys: &[&str],
    options: &[(&str, &str)],
) -> TableDef {
    TableDef {
        name: name.to_string(),
        columns: columns
            .iter()
            .map(|(n, t)| Field::new(*n, t.clone(), true))
            .collect(),
        primary_key: vec![],
        partition_keys: partition_keys.iter().map(|s| s.to_string()).collect(),
        options: options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        line: 1,
        computed: vec![],
        metadata: vec![],
    }
}

pub async fn source(registry: &ConnectorRegistry, t: &TableDef) -> Arc<dyn TableProvider> {
    registry
        .for_table(t)
        .unwrap()
        .create_source(t, &Configuration::new())
        .await
        .unwrap()
}

/// Run `sql` and return its physical plan.
pub async fn plan(ctx: &SessionContext, sql: &str) -> Arc<dyn ExecutionPlan> {
    ctx.sql(sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap()
}

/// Execute every partition of `plan` (each independently, as subtasks would) and return
/// the batches of each partition.
pub async fn run_partitions(
    ctx: &SessionContext,
    plan: &Arc<dyn ExecutionPlan>,
) -> Vec<Vec<RecordBatch>> {
    let n = plan.output_partitioning().partition_count();
    let mut out = Vec::new();
    for i in 0..n {
        let stream = plan.execute(i, ctx.task_ctx()).unwrap();
        out.push(stream.try_collect::<Vec<_>>().await.unwrap());
    }
    out
}

/// All rows of `sql`, as one batch.
pub async fn query(ctx: &SessionContext, sql: &str) -> RecordBatch {
    let df = ctx.sql(sql).await.unwrap();
    let schema = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await.unwrap();
    concat_batches(&schema, &batches).unwrap()
}

/// A result as sorted text lines, for order-insensitive comparisons.
pub fn lines(batches: &[RecordBatch]) -> Vec<String> {
    let text = arrow::util::pretty::pretty_format_batches(batches)
        .unwrap()
        .to_string();
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(1)
        .map(str::to_string)
        .collect();
    v.sort();
    v
}
