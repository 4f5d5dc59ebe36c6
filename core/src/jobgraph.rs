//! The JobGraph: vertices (chained operators with a parallelism) connected by edges whose
//! result partitions are BLOCKING (batch) or PIPELINED, as in Flink.

use std::sync::Arc;

use datafusion::physical_plan::{ExecutionPlan, displayable};

use crate::catalog::CommitSpec;
use crate::codec::WeftCodec;
use crate::config::Configuration;
use crate::error::Result;
use crate::ids::JobId;
use crate::proto;
pub use crate::shuffle::exec::DistributionPattern;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultPartitionType {
    Blocking,
    Pipelined,
}

#[derive(Debug, Clone)]
pub struct JobEdge {
    pub source: u32,
    pub pattern: DistributionPattern,
    pub partition_type: ResultPartitionType,
}

#[derive(Debug, Clone)]
pub struct JobVertex {
    pub id: u32,
    pub name: String,
    pub parallelism: u32,
    /// The vertex's operator chain.
    pub plan: Arc<dyn ExecutionPlan>,
    pub inputs: Vec<JobEdge>,
    pub commit: Option<CommitSpec>,
    pub collect: bool,
    /// Reduce partitions of this vertex's result (0 for sinks and collecting vertices).
    pub num_result_partitions: u32,
    /// The JobManager decides this vertex's parallelism when its inputs have finished
    /// (`adaptive.rs`); `parallelism` is then only the planned one.
    pub adaptive: bool,
    /// Build-side vertices of runtime filters this vertex applies: it runs after them.
    pub runtime_filter_sources: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct JobGraph {
    pub job_id: JobId,
    pub name: String,
    /// In topological order: a vertex's inputs come before it.
    pub vertices: Vec<JobVertex>,
    pub config: Configuration,
}

impl JobGraph {
    pub fn to_proto(&self, codec: &WeftCodec) -> Result<proto::JobGraphProto> {
        let vertices = self
            .vertices
            .iter()
            .map(|v| {
                Ok(proto::JobVertexProto {
                    id: v.id,
                    name: v.name.clone(),
                    parallelism: v.parallelism,
                    plan: codec.encode_plan(v.plan.clone())?,
                    inputs: v.inputs.iter().map(edge_to_proto).collect(),
                    commit_spec: v
                        .commit
                        .as_ref()
                        .map(|c| serde_json::to_string(c).expect("CommitSpec serializes"))
                        .unwrap_or_default(),
                    collect: v.collect,
                    num_result_partitions: v.num_result_partitions,
                    adaptive: v.adaptive,
                    runtime_filter_sources: v.runtime_filter_sources.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(proto::JobGraphProto {
            job_id: self.job_id.0.clone(),
            name: self.name.clone(),
            vertices,
            config: self
                .config
                .entries()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }

    /// Human-readable plan: vertices, parallelism, edges, pipeline regions.
    pub fn explain(&self) -> String {
        let mut out = format!("Job \"{}\" ({})\n", self.name, self.job_id);
        for v in &self.vertices {
            out.push_str(&format!(
                "\nVertex {} [parallelism {}]{}{}\n  {}\n",
                v.id,
                if v.adaptive {
                    format!(
                        "decided at run time from input bytes, at most {}",
                        v.parallelism
                    )
                } else {
                    v.parallelism.to_string()
                },
                v.commit
                    .as_ref()
                    .map(|c| format!(" sink -> {} ({})", c.table, c.connector))
                    .unwrap_or_default(),
                if v.collect { " collect -> client" } else { "" },
                v.name
            ));
            for e in &v.inputs {
                out.push_str(&format!(
                    "  input: vertex {} --{:?}, {:?}--> vertex {}\n",
                    e.source, e.pattern, e.partition_type, v.id
                ));
            }
            for s in &v.runtime_filter_sources {
                out.push_str(&format!(
                    "  runtime filter: runs after vertex {s}, keeps rows whose keys it wrote\n"
                ));
            }
            let plan = displayable(v.plan.as_ref()).indent(false).to_string();
            for line in plan.lines() {
                out.push_str(&format!("    | {line}\n"));
            }
        }
        let regions = crate::regions::pipeline_regions(&self.region_topology());
        out.push_str(&format!(
            "\nPipeline regions: {} ({} subtasks in total)\n",
            regions.len(),
            self.vertices.iter().map(|v| v.parallelism).sum::<u32>()
        ));
        out
    }

    pub fn region_topology(&self) -> Vec<crate::regions::VertexTopology> {
        self.vertices
            .iter()
            .map(|v| crate::regions::VertexTopology {
                id: v.id,
                parallelism: v.parallelism,
                inputs: v
                    .inputs
                    .iter()
                    .map(|e| (e.source, e.pattern, e.partition_type))
                    .collect(),
            })
            .collect()
    }
}

fn edge_to_proto(e: &JobEdge) -> proto::JobEdgeProto {
    proto::JobEdgeProto {
        source: e.source,
        pattern: match e.pattern {
            DistributionPattern::AllToAll => proto::DistributionPattern::AllToAll as i32,
            DistributionPattern::Pointwise => proto::DistributionPattern::Pointwise as i32,
        },
        partition_type: match e.partition_type {
            ResultPartitionType::Blocking => proto::ResultPartitionType::Blocking as i32,
            ResultPartitionType::Pipelined => proto::ResultPartitionType::Pipelined as i32,
        },
    }
}

/// The topology part of a proto JobGraph (what the JobMaster schedules by).
pub fn topology_from_proto(g: &proto::JobGraphProto) -> Vec<crate::regions::VertexTopology> {
    g.vertices
        .iter()
        .map(|v| crate::regions::VertexTopology {
            id: v.id,
            parallelism: v.parallelism,
            inputs: v
                .inputs
                .iter()
                .map(|e| {
                    (
                        e.source,
                        if e.pattern == proto::DistributionPattern::Pointwise as i32 {
                            DistributionPattern::Pointwise
                        } else {
                            DistributionPattern::AllToAll
                        },
                        if e.partition_type == proto::ResultPartitionType::Pipelined as i32 {
                            ResultPartitionType::Pipelined
                        } else {
                            ResultPartitionType::Blocking
                        },
                    )
                })
                .collect(),
        })
        .collect()
}
