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

/// Whether `job` can be a job id: letters and digits only (so it names no path).
pub fn is_job_id(job: &str) -> bool {
    !job.is_empty() && job.len() <= 64 && job.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The job and attempt of a name [`result_partition_name`] made; `None` for anything else
/// (a path, `..`, an empty job id).
pub fn parse_result_partition_name(name: &str) -> Option<(String, ExecutionAttemptId)> {
    let (job, attempt) = name.split_once('-')?;
    if !is_job_id(job) {
        return None;
    }
    let mut parts = attempt.split('_');
    let mut next = || -> Option<u32> {
        let p = parts.next()?;
        (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let id = ExecutionAttemptId {
        vertex: next()?,
        subtask: next()?,
        attempt: next()?,
    };
    if parts.next().is_some() || result_partition_name(job, &id) != name {
        return None;
    }
    Some((job.to_string(), id))
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn result_partition_names_round_trip_and_nothing_else_parses() {
        let id = ExecutionAttemptId {
            vertex: 3,
            subtask: 1,
            attempt: 0,
        };
        let job = JobId::generate().0;
        let name = result_partition_name(&job, &id);
        assert_eq!(parse_result_partition_name(&name), Some((job.clone(), id)));
        for bad in [
            "",
            "../etc/passwd",
            "/tmp/x.data",
            &format!("{job}-3_1"),
            &format!("{job}-3_1_0_9"),
            &format!("{job}-3_1_0/../../x"),
            &format!("{job}-03_1_0"),
            "-3_1_0",
            "a/b-3_1_0",
        ] {
            assert_eq!(parse_result_partition_name(bad), None, "{bad}");
        }
    }
}
