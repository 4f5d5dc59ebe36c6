//! Cutting a DataFusion physical plan into JobVertices at its exchange points: a hash or
//! round-robin `RepartitionExec` (all-to-all), a `CoalescePartitionsExec` (all producers
//! into one consumer: also how a CollectLeft join's build side is broadcast), and the input
//! of a `SortPreservingMergeExec` (pointwise, merged by the consumer). Everything between
//! two cuts is chained into one vertex, whose subtask i runs partition i.

use std::sync::Arc;

use datafusion::common::JoinType;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::physical_expr::scalar_subquery::ScalarSubqueryExpr;
use datafusion::physical_expr::{EquivalenceProperties, Partitioning};
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::joins::{HashJoinExec, NestedLoopJoinExec, PartitionMode};
use datafusion::physical_plan::limit::GlobalLimitExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::scalar_subquery::ScalarSubqueryExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;
use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};

use datafusion::common::NullEquality;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::filter::FilterExec;

use crate::adaptive::AdaptiveSettings;
use crate::catalog::CommitSpec;
use crate::config::{BROADCAST_THRESHOLD, Configuration};
use crate::error::Result;
use crate::jobgraph::{DistributionPattern, JobEdge, JobVertex, ResultPartitionType};
use crate::runtime_filter::{self, JoinFacts, RuntimeFilterExec, RuntimeFilterSettings, Side};
use crate::shuffle::exec::{ShuffleReaderExec, ShuffleWriterExec};

/// Accumulates the vertices of one job across all of its statements.
#[derive(Default)]
pub struct StageBuilder {
    pub vertices: Vec<JobVertex>,
    /// Largest estimated size (bytes) of a side copied to every subtask of a join
    /// (`table.optimizer.join.broadcast-threshold` when the root was added; 0 = never).
    broadcast_threshold: usize,
    /// Adaptive batch parallelism: how many subpartitions a hash shuffle writes.
    adaptive: Option<AdaptiveSettings>,
    /// Runtime filters across stages (`runtime_filter.rs` decides which joins get one).
    runtime_filter: Option<RuntimeFilterSettings>,
}

impl StageBuilder {
    /// Add a root: a sink plan (`commit` set), or a query whose rows go to the client.
    pub fn add_root(
        &mut self,
        plan: Arc<dyn ExecutionPlan>,
        commit: Option<CommitSpec>,
        collect: bool,
        config: &Configuration,
    ) -> Result<u32> {
        self.broadcast_threshold = config.get_memory(BROADCAST_THRESHOLD) as usize;
        self.adaptive = Some(AdaptiveSettings::from_config(config));
        self.runtime_filter = Some(RuntimeFilterSettings::from_config(config));
        let plan = self.cut(plan)?;
        let mut v = self.vertex(plan, 0);
        v.commit = commit;
        v.collect = collect;
        let id = v.id;
        self.vertices.push(v);
        Ok(id)
    }

    fn vertex(&self, plan: Arc<dyn ExecutionPlan>, num_result_partitions: u32) -> JobVertex {
        let mut inputs = Vec::new();
        collect_inputs(&plan, &mut inputs);
        let mut runtime_filter_sources = Vec::new();
        collect_filter_sources(&plan, &mut runtime_filter_sources);
        JobVertex {
            id: self.vertices.len() as u32,
            name: chain_name(&plan),
            parallelism: plan.output_partitioning().partition_count() as u32,
            plan,
            inputs,
            commit: None,
            collect: false,
            num_result_partitions,
            adaptive: false,
            runtime_filter_sources,
        }
    }

    /// The vertices, those whose parallelism can be decided at run time marked adaptive.
    pub fn finish(mut self) -> Vec<JobVertex> {
        if self.adaptive.is_some_and(|a| a.enabled) {
            let pointwise_sources: Vec<u32> = self
                .vertices
                .iter()
                .flat_map(|v| v.inputs.iter())
                .filter(|e| e.pattern == DistributionPattern::Pointwise)
                .map(|e| e.source)
                .collect();
            for v in &mut self.vertices {
                v.adaptive = !pointwise_sources.contains(&v.id) && adaptive_candidate(&v.plan);
            }
        }
        self.vertices
    }

    fn producer(&mut self, input: Arc<dyn ExecutionPlan>, partitioning: Partitioning) -> u32 {
        self.producer_with(ShuffleWriterExec::new(input, partitioning))
    }

    fn producer_with(&mut self, writer: ShuffleWriterExec) -> u32 {
        let n = writer.partitioning().partition_count() as u32;
        let writer: Arc<dyn ExecutionPlan> = Arc::new(writer);
        let v = self.vertex(writer, n);
        let id = v.id;
        self.vertices.push(v);
        id
    }

    /// Cut `plan` at its exchanges. Inside the main input of a `ScalarSubqueryExec`, an
    /// exchange whose input evaluates a scalar subquery stays in-process: the subquery's
    /// value lives in the `ScalarSubqueryExec`, so both must run in the same task.
    fn cut(&mut self, plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
        self.cut_within(plan, false)
    }

    fn cut_within(
        &mut self,
        plan: Arc<dyn ExecutionPlan>,
        in_subquery_input: bool,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = match self.replicate_small_probe(&plan, in_subquery_input)? {
            Some(p) => p,
            None => split_final_emission_join(plan)?,
        };
        if !in_subquery_input && let Some(p) = self.runtime_filtered_join(&plan)? {
            return Ok(p);
        }
        let is_subquery_exec = plan.downcast_ref::<ScalarSubqueryExec>().is_some();
        let children = plan
            .children()
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                self.cut_within(c.clone(), in_subquery_input || (is_subquery_exec && i == 0))
            })
            .collect::<Result<Vec<_>>>()?;
        let plan = if children.is_empty() {
            plan
        } else {
            with_children(plan, children)?
        };
        if in_subquery_input && plan.children().into_iter().any(|c| uses_scalar_subquery(c)) {
            return Ok(plan);
        }
        if let Some(r) = plan.downcast_ref::<RepartitionExec>() {
            let input = r.input().clone();
            return Ok(self.cut_repartition(r, input, |w| w).0);
        }
        if let Some(c) = plan.downcast_ref::<CoalescePartitionsExec>() {
            let input = c.input().clone();
            if input.output_partitioning().partition_count() <= 1 {
                return Ok(match c.fetch() {
                    Some(f) => Arc::new(GlobalLimitExec::new(input, 0, Some(f))),
                    None => input,
                });
            }
            let schema = input.schema();
            let eq = merged(c.properties().equivalence_properties());
            let id = self.producer(input, Partitioning::UnknownPartitioning(1));
            let reader: Arc<dyn ExecutionPlan> = Arc::new(
                ShuffleReaderExec::new(schema, id, DistributionPattern::AllToAll, 1)
                    .with_properties(vec![], eq),
            );
            return Ok(match c.fetch() {
                Some(f) => Arc::new(GlobalLimitExec::new(reader, 0, Some(f))),
                None => reader,
            });
        }
        if let Some(s) = plan.downcast_ref::<SortPreservingMergeExec>() {
            let input = s.input().clone();
            let n = input.output_partitioning().partition_count();
            if n <= 1 {
                return Ok(plan);
            }
            let schema = input.schema();
            // Reader partition p is producer subtask p's output: its order, constants and
            // partitioning hold as they were.
            let eq = input.equivalence_properties().clone();
            let hash = match input.output_partitioning() {
                Partitioning::Hash(exprs, _) => exprs.clone(),
                _ => vec![],
            };
            let id = self.producer(input, Partitioning::UnknownPartitioning(1));
            let reader: Arc<dyn ExecutionPlan> = Arc::new(
                ShuffleReaderExec::new(schema, id, DistributionPattern::Pointwise, n)
                    .with_properties(hash, eq),
            );
            return Ok(with_children(plan.clone(), vec![reader])?);
        }
        Ok(plan)
    }
}

impl StageBuilder {
    /// The shuffle that replaces repartition `r`, whose input (already cut) is `input`:
    /// the producer vertex writing it (its writer shaped by `writer`), and the reader that
    /// takes the repartition's place.
    fn cut_repartition(
        &mut self,
        r: &RepartitionExec,
        input: Arc<dyn ExecutionPlan>,
        writer: impl FnOnce(ShuffleWriterExec) -> ShuffleWriterExec,
    ) -> (Arc<dyn ExecutionPlan>, u32) {
        let schema = input.schema();
        let n = r.partitioning().partition_count();
        let ordering = r
            .preserve_order()
            .then(|| r.properties().output_ordering().cloned())
            .flatten();
        let (written, hash) = match r.partitioning() {
            Partitioning::Hash(exprs, _) => {
                let m = self.adaptive.map_or(n, |a| a.subpartitions(n));
                (Partitioning::Hash(exprs.clone(), m), exprs.clone())
            }
            other => (other.clone(), vec![]),
        };
        let subpartitions = written.partition_count();
        let id = self.producer_with(writer(ShuffleWriterExec::new(input, written)));
        let reader: Arc<dyn ExecutionPlan> = Arc::new(
            ShuffleReaderExec::new(schema, id, DistributionPattern::AllToAll, n)
                .with_subpartitions(subpartitions)
                .with_properties(hash, merged(r.properties().equivalence_properties())),
        );
        // An order-preserving exchange: re-sort each partition after the shuffle.
        let reader = match ordering {
            Some(o) => Arc::new(SortExec::new(o, reader).with_preserve_partitioning(true)),
            None => reader,
        };
        (reader, id)
    }

    /// A partitioned hash join whose two sides are hash shuffles, given a runtime filter
    /// when `runtime_filter::decide` says so (the probe side filtered by the build side's
    /// keys, or else the other way round): the source side's writer collects its key
    /// hashes, and the target side's stages that hold the filter wait for it and drop rows
    /// whose keys it never wrote. None when the join gets no filter.
    fn runtime_filtered_join(
        &mut self,
        plan: &Arc<dyn ExecutionPlan>,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(settings) = self.runtime_filter.filter(|s| s.enabled) else {
            return Ok(None);
        };
        let Some(h) = plan
            .downcast_ref::<HashJoinExec>()
            .filter(|h| h.partition_mode() == &PartitionMode::Partitioned)
        else {
            return Ok(None);
        };
        if uses_scalar_subquery(h.left()) || uses_scalar_subquery(h.right()) {
            return Ok(None);
        }
        let (left_keys, right_keys): (Vec<_>, Vec<_>) = h.on().iter().cloned().unzip();
        let keys = [left_keys, right_keys];
        let children = [h.left(), h.right()];
        let types = |i: usize| {
            let schema = children[i].schema();
            keys[i]
                .iter()
                .map(|k| k.data_type(&schema).ok())
                .collect::<Vec<_>>()
        };
        let key_types_match = types(0).iter().all(Option::is_some) && types(0) == types(1);
        // The source side's writer collects the keys: the source must be a hash shuffle on
        // exactly the join keys, or already hash-partitioned on them (a shuffle on the same
        // keys is then added above it, which keeps its partitioning).
        let source_exchange = |i: usize| -> Option<RepartitionExec> {
            let same = |hashed: &[Arc<dyn PhysicalExpr>]| {
                hashed.len() == keys[i].len() && hashed.iter().zip(&keys[i]).all(|(a, b)| a.eq(b))
            };
            if let Some((r, hashed)) = hash_exchange(children[i]) {
                return same(&hashed).then(|| r.clone());
            }
            match children[i].output_partitioning() {
                Partitioning::Hash(hashed, n) if same(hashed) => RepartitionExec::try_new(
                    children[i].clone(),
                    Partitioning::Hash(keys[i].clone(), *n),
                )
                .ok(),
                _ => None,
            }
        };
        let target = [Side::Right, Side::Left].into_iter().find(|&target| {
            let (t, s) = match target {
                Side::Right => (1, 0),
                Side::Left => (0, 1),
            };
            if source_exchange(s).is_none() {
                return false;
            }
            let facts = JoinFacts {
                join_type: *h.join_type(),
                target,
                null_aware: h.null_aware,
                nulls_equal: h.null_equality() == NullEquality::NullEqualsNull,
                key_types_match,
                source_reduced: has_filter(children[s]),
                source_bytes: estimated_bytes(children[s]).map(|b| b as u64),
                target_bytes: estimated_bytes(children[t]).map(|b| b as u64),
            };
            match runtime_filter::decide(&settings, &facts) {
                Ok(()) => true,
                Err(why) => {
                    tracing::debug!(
                        "no runtime filter on the {target:?} side of a {} join: {why}",
                        h.join_type()
                    );
                    false
                }
            }
        });
        let Some(target) = target else {
            return Ok(None);
        };
        let (s, t) = match target {
            Side::Right => (0, 1),
            Side::Left => (1, 0),
        };
        let source = source_exchange(s).expect("checked above");
        let source_input = self.cut_within(source.input().clone(), false)?;
        let max_keys = settings.max_keys();
        let (source_reader, source_id) =
            self.cut_repartition(&source, source_input, |w| w.with_runtime_filter(max_keys));
        // The filter goes as deep into the target side as it can, then the target side is
        // cut: every vertex that holds it runs after the source side (`vertex`).
        let pushed = runtime_filter::pushdown::push_down(
            children[t].clone(),
            keys[t].clone(),
            source_id,
            settings.min_filter_ratio,
        )?;
        let target_plan = self.cut_within(pushed, false)?;
        let children = match target {
            Side::Right => vec![source_reader, target_plan],
            Side::Left => vec![target_plan, source_reader],
        };
        Ok(Some(with_children(plan.clone(), children)?))
    }
}

impl StageBuilder {
    /// A join that emits build rows at the end (LEFT, LEFT SEMI/ANTI/MARK, incl. a
    /// null-aware NOT IN) whose probe side is small: instead of merging the probe side
    /// into one task, keep the build side's own partitions and give every subtask the
    /// whole probe side (cut here, read replicated). Each build row then lives in exactly
    /// one subtask that sees every probe row, so its match state is final there, and
    /// nothing is shuffled but the small side. None when that does not apply.
    fn replicate_small_probe(
        &mut self,
        plan: &Arc<dyn ExecutionPlan>,
        in_subquery_input: bool,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        // FULL joins also emit unmatched probe rows, which every subtask would repeat.
        let Some(h) = plan.downcast_ref::<HashJoinExec>().filter(|h| {
            h.partition_mode() == &PartitionMode::CollectLeft
                && emits_build_rows_at_end(*h.join_type())
                && *h.join_type() != JoinType::Full
        }) else {
            return Ok(None);
        };
        let probe = h.right().clone();
        // The build side keeps the partitions it had before being merged for collecting.
        let Some(build) = uncollected(h.left()) else {
            return Ok(None);
        };
        let m = build.output_partitioning().partition_count();
        if m <= 1
            || self.broadcast_threshold == 0
            || uses_scalar_subquery(&probe)
            || estimated_bytes(&probe).is_none_or(|b| b > self.broadcast_threshold)
        {
            return Ok(None);
        }
        let schema = probe.schema();
        let probe = self.cut_within(probe, in_subquery_input)?;
        let eq = merged(probe.equivalence_properties());
        let id = self.producer(probe, Partitioning::UnknownPartitioning(1));
        let replicated: Arc<dyn ExecutionPlan> =
            Arc::new(ShuffleReaderExec::replicated(schema, id, m).with_properties(vec![], eq));
        Ok(Some(
            h.builder()
                .with_partition_mode(PartitionMode::Partitioned)
                .with_new_children(vec![build, replicated])?
                .recompute_properties()
                .build_exec()?,
        ))
    }
}

/// Whether a vertex's chain can run at any parallelism, each subtask reading a range of
/// its inputs' subpartitions: it reads only hash shuffles (and replicated small sides),
/// and every operator in it works on whatever share of the keys its subtask gets.
fn adaptive_candidate(plan: &Arc<dyn ExecutionPlan>) -> bool {
    const PER_KEY: &[&str] = &[
        "ShuffleWriterExec",
        "RuntimeFilterExec",
        "HashJoinExec",
        "SortMergeJoinExec",
        "AggregateExec",
        "FilterExec",
        "ProjectionExec",
        "SortExec",
        "BoundedWindowAggExec",
        "WindowAggExec",
        "CoalesceBatchesExec",
        "InterleaveExec",
        "FileSinkExec",
    ];
    // The subpartition count every hash input shares (their ranges must line up).
    fn walk(p: &Arc<dyn ExecutionPlan>, hashed: &mut Option<usize>) -> bool {
        if let Some(r) = p.downcast_ref::<ShuffleReaderExec>() {
            if !r.is_replicated() {
                let m = r.subpartitions();
                if r.pattern() != DistributionPattern::AllToAll
                    || m <= 1
                    || hashed.is_some_and(|h| h != m)
                {
                    return false;
                }
                *hashed = Some(m);
            }
            return true;
        }
        if let Some(s) = p.downcast_ref::<SortExec>()
            && !s.preserve_partitioning()
        {
            return false;
        }
        PER_KEY.contains(&p.name()) && p.children().into_iter().all(|c| walk(c, hashed))
    }
    let mut hashed = None;
    walk(plan, &mut hashed) && hashed.is_some()
}

/// What still holds of `eq` once the partitions of several producers are read as one
/// stream: constants the same in every partition, and equal columns; not orderings.
fn merged(eq: &EquivalenceProperties) -> EquivalenceProperties {
    let mut eq = eq.clone();
    eq.clear_orderings();
    eq.clear_per_partition_constants();
    eq
}

/// Estimated output size of `plan` in bytes (rows count at 64 bytes when a source
/// estimates no size, as for DataFusion's broadcast choice in `session.rs`).
fn estimated_bytes(plan: &Arc<dyn ExecutionPlan>) -> Option<usize> {
    let stats = StatisticsContext::new()
        .compute(plan.as_ref(), &StatisticsArgs::new())
        .ok()?;
    stats
        .total_byte_size
        .get_value()
        .copied()
        .or_else(|| stats.num_rows.get_value().map(|r| r.saturating_mul(64)))
}

/// A hash `RepartitionExec` and its hash keys.
fn hash_exchange(
    plan: &Arc<dyn ExecutionPlan>,
) -> Option<(&RepartitionExec, Vec<Arc<dyn PhysicalExpr>>)> {
    let r = plan.downcast_ref::<RepartitionExec>()?;
    match r.partitioning() {
        Partitioning::Hash(keys, _) if !r.preserve_order() => Some((r, keys.clone())),
        _ => None,
    }
}

/// Does the subtree filter its rows anywhere?
fn has_filter(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.downcast_ref::<FilterExec>().is_some() || plan.children().into_iter().any(has_filter)
}

/// A join that collects its build (left) side and emits build rows once every probe
/// partition is done (LEFT, LEFT SEMI/ANTI/MARK, FULL) counts its probe partitions in shared
/// memory: split over tasks, no task ever sees the last one. A hash join of that kind is
/// re-planned as a partitioned join (both sides hashed on the keys), so the probe side keeps
/// its parallelism; a null-aware anti join (NOT IN) or a nested-loop join instead gets its
/// probe side as one partition (merged by a cut), so it runs in one task.
fn split_final_emission_join(plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
    let hash_join = plan.downcast_ref::<HashJoinExec>().filter(|h| {
        h.partition_mode() == &PartitionMode::CollectLeft && emits_build_rows_at_end(*h.join_type())
    });
    let collects_left = hash_join.is_some()
        || plan
            .downcast_ref::<NestedLoopJoinExec>()
            .is_some_and(|n| emits_build_rows_at_end(*n.join_type()));
    let children: Vec<Arc<dyn ExecutionPlan>> = plan.children().into_iter().cloned().collect();
    let n = children
        .get(1)
        .map(|c| c.output_partitioning().partition_count())
        .unwrap_or(1);
    if !collects_left || children.len() != 2 || n <= 1 {
        return Ok(plan);
    }
    if let Some(h) = hash_join.filter(|h| !h.null_aware) {
        let (left_keys, right_keys): (Vec<_>, Vec<_>) = h.on().iter().cloned().unzip();
        // The build side was merged for collecting: hash its input instead.
        let build = uncollected(&children[0]).unwrap_or_else(|| children[0].clone());
        let left = Arc::new(RepartitionExec::try_new(
            build,
            Partitioning::Hash(left_keys, n),
        )?);
        let right = Arc::new(RepartitionExec::try_new(
            children[1].clone(),
            Partitioning::Hash(right_keys, n),
        )?);
        return Ok(h
            .builder()
            .with_partition_mode(PartitionMode::Partitioned)
            .with_new_children(vec![left, right])?
            .recompute_properties()
            .build_exec()?);
    }
    let probe: Arc<dyn ExecutionPlan> = Arc::new(CoalescePartitionsExec::new(children[1].clone()));
    Ok(with_children(plan, vec![children[0].clone(), probe])?)
}

/// Join types whose collected build side emits rows once every probe row was seen.
fn emits_build_rows_at_end(t: JoinType) -> bool {
    matches!(
        t,
        JoinType::Left
            | JoinType::LeftAnti
            | JoinType::LeftSemi
            | JoinType::LeftMark
            | JoinType::Full
    )
}

/// The input of a build side merged for collecting (a `CoalescePartitionsExec` without a
/// fetch), with its own partitions.
fn uncollected(build: &Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
    build
        .downcast_ref::<CoalescePartitionsExec>()
        .filter(|c| c.fetch().is_none())
        .map(|c| c.input().clone())
}

/// Does any operator in the subtree evaluate a `ScalarSubqueryExpr`?
fn uses_scalar_subquery(plan: &Arc<dyn ExecutionPlan>) -> bool {
    let mut found = false;
    let _ = plan.apply_expressions(&mut |e| {
        e.apply(|x| {
            if x.downcast_ref::<ScalarSubqueryExpr>().is_some() {
                found = true;
                return Ok(TreeNodeRecursion::Stop);
            }
            Ok(TreeNodeRecursion::Continue)
        })
    });
    found || plan.children().into_iter().any(uses_scalar_subquery)
}

fn collect_inputs(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<JobEdge>) {
    if let Some(r) = plan.downcast_ref::<ShuffleReaderExec>() {
        if !out.iter().any(|e| e.source == r.source_vertex()) {
            out.push(JobEdge {
                source: r.source_vertex(),
                pattern: r.pattern(),
                partition_type: ResultPartitionType::Blocking,
            });
        }
        return;
    }
    for c in plan.children() {
        collect_inputs(c, out);
    }
}

/// The build-side vertices of the runtime filters in a vertex's chain.
fn collect_filter_sources(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<u32>) {
    if let Some(f) = plan.downcast_ref::<RuntimeFilterExec>()
        && !out.contains(&f.build_vertex())
    {
        out.push(f.build_vertex());
    }
    for c in plan.children() {
        collect_filter_sources(c, out);
    }
}

/// `Source -> Filter -> … -> Root` names of the chained operators, leaves first.
fn chain_name(plan: &Arc<dyn ExecutionPlan>) -> String {
    fn walk(p: &Arc<dyn ExecutionPlan>, out: &mut Vec<String>) {
        for c in p.children() {
            walk(c, out);
        }
        let name = p.name().trim_end_matches("Exec").to_string();
        if out.last() != Some(&name) {
            out.push(name);
        }
    }
    let mut names = Vec::new();
    walk(plan, &mut names);
    names.join(" -> ")
}

/// `plan` over new children, its properties recomputed from them.
fn with_children(
    plan: Arc<dyn ExecutionPlan>,
    children: Vec<Arc<dyn ExecutionPlan>>,
) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
    use datafusion::physical_plan::execution_plan::{
        ChildrenPropertiesMode, ReplaceChildrenOptions,
    };
    plan.replace_children(
        children,
        ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
    )
}
