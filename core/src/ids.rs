//! Identifiers, shaped like Flink's: a JobID is 32 hex characters; a subtask attempt is
//! named `<vertex>_<subtask>_<attempt>`.

use std::fmt;

/// A job's id (32 lowercase hex characters, like Flink's JobID).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub String);

impl JobId {
    pub fn generate() -> Self {
        JobId(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One execution attempt of one subtask of one vertex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecutionAttemptId {
    pub vertex: u32,
    pub subtask: u32,
    pub attempt: u32,
}

impl fmt::Display for ExecutionAttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}_{}", self.vertex, self.subtask, self.attempt)
    }
}

/// The result partition one attempt produces: the file stem of its shuffle output.
pub fn result_partition_name(job: &str, attempt: &ExecutionAttemptId) -> String {
    format!("{job}-{attempt}")
}
