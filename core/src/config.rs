//! The typed configuration registry. Every key Weft reads is declared once in [`OPTIONS`] with
//! its type, default and doc line; keys use Flink's names where Flink has one. A
//! [`Configuration`] is layered: defaults, then `-D key=value` on the command line, then
//! `SET 'key' = 'value';` in the script.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::{Result, WeftError};

/// The kind of value a key holds (used for validation and the generated docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Bool,
    Duration,
    MemorySize,
    /// A number in [0, 1], e.g. `0.4`.
    Fraction,
    String,
    Enum(&'static [&'static str]),
}

/// One declared configuration key.
#[derive(Debug)]
pub struct ConfigOption {
    pub key: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub doc: &'static str,
}

macro_rules! options {
    ($($name:ident : $key:literal, $kind:expr, $default:literal, $doc:literal;)*) => {
        $(pub const $name: &ConfigOption = &ConfigOption { key: $key, kind: $kind, default: $default, doc: $doc };)*
        /// Every key Weft reads.
        pub const OPTIONS: &[&ConfigOption] = &[$($name),*];
    };
}

options! {
    PARALLELISM_DEFAULT: "parallelism.default", Kind::Int, "1",
        "Parallelism of every vertex (the number of partitions DataFusion plans with).";
    ADAPTIVE_ENABLED: "execution.batch.adaptive.auto-parallelism.enabled", Kind::Bool, "true",
        "Batch: decide the parallelism of a vertex that only reads shuffled data when its inputs have finished, from the bytes they produced (Flink's AdaptiveBatchScheduler).";
    ADAPTIVE_MIN_PARALLELISM: "execution.batch.adaptive.auto-parallelism.min-parallelism", Kind::Int, "1",
        "Batch: the lowest parallelism decided adaptively.";
    ADAPTIVE_MAX_PARALLELISM: "execution.batch.adaptive.auto-parallelism.max-parallelism", Kind::Int, "-1",
        "Batch: the highest parallelism decided adaptively, and the number of subpartitions each shuffle writes; -1 = parallelism.default.";
    ADAPTIVE_AVG_DATA_VOLUME: "execution.batch.adaptive.auto-parallelism.avg-data-volume-per-task", Kind::MemorySize, "16mb",
        "Batch: the input bytes one subtask of an adaptively decided vertex is meant to process.";
    RUNTIME_MODE: "execution.runtime-mode", Kind::Enum(&["batch", "streaming"]), "batch",
        "Batch runs stages one after another over BLOCKING results; streaming runs the script as a sequence of checkpointed epochs over new Kafka records.";
    CHECKPOINT_INTERVAL: "execution.checkpointing.interval", Kind::Duration, "10 s",
        "Streaming: how often a checkpoint (an epoch over the records that arrived since the last one) is taken.";
    CHECKPOINTS_DIR: "state.checkpoints.dir", Kind::String, "",
        "Streaming: where checkpoints are written (chk-<id>/_metadata): a local directory, or hdfs:// (needed on YARN); `weft run -s` resumes from one.";
    SAVEPOINT_PATH: "execution.savepoint.path", Kind::String, "",
        "Streaming: the checkpoint to resume from (what `-s` sets): a checkpoints directory, chk-<id> or its _metadata.";
    PIPELINE_NAME: "pipeline.name", Kind::String, "",
        "The job's name; defaults to the script's file name.";
    NUM_TASK_SLOTS: "taskmanager.numberOfTaskSlots", Kind::Int, "2",
        "Slots per TaskManager: how many subtasks one TaskManager runs at once.";
    LOCAL_NUMBER_TASKMANAGER: "local.number-taskmanager", Kind::Int, "2",
        "How many TaskManager processes a local (embedded) run starts.";
    MANAGED_MEMORY_SIZE: "taskmanager.memory.managed.size", Kind::MemorySize, "",
        "Memory per TaskManager for operators and shuffle buffers, split evenly over its slots; operators spill to disk beyond it. Unset: taskmanager.memory.managed.fraction of taskmanager.memory.process.size.";
    MANAGED_MEMORY_FRACTION: "taskmanager.memory.managed.fraction", Kind::Fraction, "0.3",
        "The share of taskmanager.memory.process.size that is managed memory when taskmanager.memory.managed.size is not set (the rest covers Arrow batches in flight, network buffers and the runtime).";
    TM_PROCESS_SIZE: "taskmanager.memory.process.size", Kind::MemorySize, "1728mb",
        "Total memory of a TaskManager process (the YARN container size).";
    JM_PROCESS_SIZE: "jobmanager.memory.process.size", Kind::MemorySize, "1600mb",
        "Total memory of the JobManager process (the YARN ApplicationMaster container size).";
    YARN_QUEUE: "yarn.application.queue", Kind::String, "default",
        "The YARN queue the application is submitted to.";
    YARN_APP_NAME: "yarn.application.name", Kind::String, "",
        "The YARN application's name; defaults to the job's name (or 'Weft session').";
    YARN_APP_ATTEMPTS: "yarn.application-attempts", Kind::Int, "1",
        "How many times YARN starts the ApplicationMaster if it dies.";
    YARN_TAGS: "yarn.tags", Kind::String, "",
        "Comma-separated YARN application tags.";
    YARN_APP_ID: "yarn.application.id", Kind::String, "",
        "The YARN session (application id) that `-t yarn-session` submits the job to.";
    YARN_PROPERTIES_FILE: "yarn.properties-file.location", Kind::String, "",
        "Directory of the session properties file `.yarn-properties-<user>` (application id and, mode 600, the session's secret) that `-t yarn-session` clients read; empty = the system temp directory.";
    YARN_AM_VCORES: "yarn.appmaster.vcores", Kind::Int, "1",
        "Virtual cores of the ApplicationMaster container.";
    YARN_TM_VCORES: "yarn.containers.vcores", Kind::Int, "-1",
        "Virtual cores of each TaskManager container (-1 = taskmanager.numberOfTaskSlots).";
    YARN_HEARTBEAT: "yarn.heartbeat.interval", Kind::Duration, "5 s",
        "How often the ApplicationMaster heartbeats the YARN ResourceManager (faster while containers are awaited).";
    TM_IDLE_TIMEOUT: "resourcemanager.taskmanager-timeout", Kind::Duration, "30 s",
        "A TaskManager without work for this long is released (session mode).";
    RESTART_STRATEGY: "restart-strategy.type", Kind::Enum(&["none", "off", "disable", "fixed-delay", "fixeddelay"]), "none",
        "What to do when a subtask fails: none fails the job; fixed-delay restarts the failed pipeline region.";
    RESTART_ATTEMPTS: "restart-strategy.fixed-delay.attempts", Kind::Int, "1",
        "How many region restarts fixed-delay allows before the job fails.";
    RESTART_DELAY: "restart-strategy.fixed-delay.delay", Kind::Duration, "1 s",
        "How long fixed-delay waits before restarting a region.";
    SHUFFLE_MODE: "shuffle.mode", Kind::Enum(&["local", "remote"]), "local",
        "Where blocking results live: local = sort-based files in the producing TaskManager; remote = the remote shuffle service's workers.";
    SHUFFLE_REMOTE_COORDINATOR: "shuffle.remote.coordinator", Kind::String, "",
        "host:port of the remote shuffle coordinator (`weft shuffle coordinator`), for shuffle.mode = remote.";
    SHUFFLE_REMOTE_SECRET_FILE: "shuffle.remote.secret-file", Kind::String, "",
        "The remote shuffle service's secret (a file of mode 600, made by `weft shuffle secret`): the coordinator and workers refuse calls without it. Jobs name it too; on YARN the client ships its content in the containers' credentials.";
    SHUFFLE_REMOTE_REPLICAS: "shuffle.remote.replicas", Kind::Int, "1",
        "Copies of each reduce partition on different shuffle workers (1 or 2).";
    SHUFFLE_REMOTE_PUSH_BUFFER: "shuffle.remote.push-buffer", Kind::MemorySize, "1mb",
        "Bytes a map subtask buffers per reduce partition before pushing them as one batch.";
    SHUFFLE_REMOTE_LOCAL_READ: "shuffle.remote.local-read", Kind::Bool, "true",
        "Readers on a shuffle worker's host read its files directly instead of streaming them through the worker.";
    SHUFFLE_REMOTE_WORKER_TIMEOUT: "shuffle.remote.worker-timeout", Kind::Duration, "10 s",
        "Coordinator: a shuffle worker silent this long is lost; its partitions move to other workers.";
    SHUFFLE_REMOTE_HEARTBEAT: "shuffle.remote.heartbeat-interval", Kind::Duration, "1 s",
        "How often shuffle workers heartbeat the coordinator.";
    SHUFFLE_REMOTE_EXPIRY: "shuffle.remote.expiry", Kind::Duration, "1 h",
        "Coordinator: a shuffle untouched this long (its job vanished without unregistering) is deleted.";
    SHUFFLE_REMOTE_DISK_RESERVE: "shuffle.remote.disk-reserve", Kind::MemorySize, "1gb",
        "Worker: refuse new partitions when a data dir has less free space than this.";
    SHUFFLE_COMPRESSION: "shuffle.compression.codec", Kind::Enum(&["lz4", "zstd", "none"]), "lz4",
        "Compression of shuffle data (Arrow IPC buffer compression).";
    HEARTBEAT_INTERVAL: "heartbeat.interval", Kind::Duration, "2 s",
        "How often TaskManagers and the JobManager exchange heartbeats.";
    HEARTBEAT_TIMEOUT: "heartbeat.timeout", Kind::Duration, "20 s",
        "A TaskManager silent this long is considered lost; its subtasks fail and its results are gone.";
    SLOT_REQUEST_TIMEOUT: "slot.request.timeout", Kind::Duration, "300 s",
        "A job that has subtasks to deploy but gets no slot for this long fails.";
    TMP_DIRS: "io.tmp.dirs", Kind::String, "",
        "Directory for shuffle files and spills; defaults to the system temp dir.";
    RUNTIME_FILTER_ENABLED: "table.optimizer.runtime-filter.enabled", Kind::Bool, "true",
        "Batch: a partitioned hash join whose build side is small and filtered sends the keys it holds, as a Bloom filter, to the probe side's stage, which then shuffles only rows that may match (Flink's runtime filter; Flink's default is false, Weft's true: a filter that keeps nearly every row stops itself).";
    RUNTIME_FILTER_MAX_BUILD: "table.optimizer.runtime-filter.max-build-data-size", Kind::MemorySize, "150mb",
        "Batch: the largest source side a runtime filter is made from, checked on the bytes it wrote when it has run (planning refuses only an estimate 8 times over); its filter holds at most this / 64 distinct keys (2.4 M at the default).";
    RUNTIME_FILTER_MIN_PROBE: "table.optimizer.runtime-filter.min-probe-data-size", Kind::MemorySize, "64mb",
        "Batch: the smallest estimated probe side a runtime filter is applied to (Flink's default is 10gb).";
    RUNTIME_FILTER_MIN_RATIO: "table.optimizer.runtime-filter.min-filter-ratio", Kind::Fraction, "0.5",
        "Batch: the smallest share of rows a runtime filter must drop to stay on; measured on its first 128 k rows (Flink estimates it at planning).";
    BROADCAST_THRESHOLD: "table.optimizer.join.broadcast-threshold", Kind::MemorySize, "64mb",
        "A hash join whose build side is estimated below this size broadcasts it: every probe subtask reads the whole build side (and holds its hash table in its slot's memory) instead of both sides being shuffled (0 = never broadcast).";
    BATCH_SIZE: "execution.batch-size", Kind::Int, "8192",
        "Rows per Arrow batch.";
    REST_PORT: "rest.port", Kind::Int, "0",
        "Port of the JobManager's REST API and web UI (0 = any free port).";
    REST_ADDRESS: "rest.bind-address", Kind::String, "127.0.0.1",
        "Address the JobManager's REST API binds to.";
}

/// Set by the streaming driver for each epoch (not for users): the checkpoint id, the
/// application id sinks commit under, and per Kafka table the offsets to read.
pub const STREAMING_CHECKPOINT_ID: &str = "weft.streaming.checkpoint-id";
pub const STREAMING_APP_ID: &str = "weft.streaming.app-id";
pub const STREAMING_KAFKA_RANGES: &str = "weft.streaming.kafka-ranges";

/// Look up a declared option by key.
/// The warning for a `SET` of a key Weft does not read, naming the closest key it does
/// (a misspelt `parallelism.default` would otherwise be ignored without a word). Keys of
/// other components (`table.*` options Weft does not use, connector options) may be set
/// on purpose, so this warns rather than fails. `None` for known and internal keys.
pub fn unknown_key_warning(key: &str) -> Option<String> {
    if option(key).is_some() || key.starts_with("weft.") {
        return None;
    }
    let closest = OPTIONS
        .iter()
        .map(|o| (edit_distance(key, o.key), o.key))
        .min()
        .filter(|(d, k)| *d <= (k.len() / 3).max(2));
    Some(match closest {
        Some((_, k)) => {
            format!("SET '{key}': Weft does not know this key and ignores it; did you mean '{k}'?")
        }
        None => format!(
            "SET '{key}': Weft does not know this key and ignores it (core/src/config.rs lists the keys it reads)"
        ),
    })
}

/// Levenshtein distance between two keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub fn option(key: &str) -> Option<&'static ConfigOption> {
    OPTIONS.iter().copied().find(|o| o.key == key)
}

/// A set of key/value settings over the declared defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Configuration {
    values: BTreeMap<String, String>,
}

impl Configuration {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set a key after validating its value against the declared kind. Unknown keys are kept
    /// (connectors and later layers read their own), as Flink does.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        if let Some(opt) = option(key) {
            validate(opt, value)?;
        }
        self.values.insert(key.to_string(), value.to_string());
        Ok(())
    }

    /// Parse `key=value` (the `-D` form).
    pub fn set_pair(&mut self, pair: &str) -> Result<()> {
        let (k, v) = pair.split_once('=').ok_or_else(|| {
            WeftError::config(pair, "expected key=value, e.g. -D parallelism.default=4")
        })?;
        self.set(k.trim(), v.trim())
    }

    pub fn merge(&mut self, other: &Configuration) {
        for (k, v) in &other.values {
            self.values.insert(k.clone(), v.clone());
        }
    }

    pub fn raw(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn entries(&self) -> impl Iterator<Item = (&String, &String)> {
        self.values.iter()
    }

    fn value<'a>(&'a self, opt: &'a ConfigOption) -> &'a str {
        self.raw(opt.key).unwrap_or(opt.default)
    }

    pub fn get_string(&self, opt: &ConfigOption) -> String {
        self.value(opt).to_string()
    }

    pub fn get_int(&self, opt: &ConfigOption) -> i64 {
        // Values were validated on `set`; defaults are valid by construction.
        self.value(opt)
            .trim()
            .parse()
            .unwrap_or_else(|_| opt.default.parse().expect("declared default is an integer"))
    }

    pub fn get_usize(&self, opt: &ConfigOption) -> usize {
        self.get_int(opt).max(0) as usize
    }

    pub fn get_bool(&self, opt: &ConfigOption) -> bool {
        self.value(opt).eq_ignore_ascii_case("true")
    }

    pub fn get_duration(&self, opt: &ConfigOption) -> Duration {
        parse_duration(self.value(opt))
            .or_else(|_| parse_duration(opt.default))
            .expect("declared default is a duration")
    }

    pub fn get_fraction(&self, opt: &ConfigOption) -> f64 {
        self.value(opt)
            .trim()
            .parse()
            .unwrap_or_else(|_| opt.default.parse().expect("declared default is a number"))
    }

    /// A TaskManager's managed memory: `taskmanager.memory.managed.size` when set, else
    /// `taskmanager.memory.managed.fraction` of `taskmanager.memory.process.size` (as Flink
    /// derives it). Errors when it would not fit in the process.
    pub fn managed_memory(&self) -> Result<u64> {
        let process = self.get_memory(TM_PROCESS_SIZE);
        let managed = match self
            .raw(MANAGED_MEMORY_SIZE.key)
            .filter(|v| !v.trim().is_empty())
        {
            Some(v) => {
                parse_memory_size(v).map_err(|e| WeftError::config(MANAGED_MEMORY_SIZE.key, e))?
            }
            None => (process as f64 * self.get_fraction(MANAGED_MEMORY_FRACTION)) as u64,
        };
        if managed >= process {
            return Err(WeftError::config(
                MANAGED_MEMORY_SIZE.key,
                format!(
                    "{} MiB of managed memory does not fit in taskmanager.memory.process.size = {} MiB; lower it or raise the process size",
                    managed >> 20,
                    process >> 20
                ),
            ));
        }
        Ok(managed)
    }

    pub fn get_memory(&self, opt: &ConfigOption) -> u64 {
        parse_memory_size(self.value(opt))
            .or_else(|_| parse_memory_size(opt.default))
            .expect("declared default is a memory size")
    }
}

fn validate(opt: &ConfigOption, value: &str) -> Result<()> {
    let v = value.trim();
    let ok = match opt.kind {
        Kind::Int => v.parse::<i64>().map(|n| n >= 0).unwrap_or(false),
        Kind::Bool => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
        Kind::Duration => parse_duration(v).is_ok(),
        Kind::MemorySize => parse_memory_size(v).is_ok(),
        Kind::Fraction => v.parse::<f64>().is_ok_and(|f| (0.0..=1.0).contains(&f)),
        Kind::String => true,
        Kind::Enum(allowed) => allowed.iter().any(|a| a.eq_ignore_ascii_case(v)),
    };
    if ok {
        return Ok(());
    }
    let expected = match opt.kind {
        Kind::Int => "a non-negative integer".to_string(),
        Kind::Bool => "true or false".to_string(),
        Kind::Duration => "a duration such as 500 ms, 10 s or 1 min".to_string(),
        Kind::MemorySize => "a memory size such as 512mb or 2g".to_string(),
        Kind::Fraction => "a number between 0 and 1 such as 0.3".to_string(),
        Kind::String => unreachable!(),
        Kind::Enum(allowed) => format!("one of {}", allowed.join(", ")),
    };
    Err(WeftError::config(
        opt.key,
        format!("invalid value '{value}', expected {expected}"),
    ))
}

/// Parse Flink-style durations: `10 s`, `500ms`, `1 min`, `2h`, or a bare number of ms.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("bad duration '{s}'"))?;
    let ms = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => n,
        "s" | "sec" | "secs" | "second" | "seconds" => n * 1000,
        "m" | "min" | "minute" | "minutes" => n * 60_000,
        "h" | "hour" | "hours" => n * 3_600_000,
        "d" | "day" | "days" => n * 86_400_000,
        other => return Err(format!("unknown duration unit '{other}'")),
    };
    Ok(Duration::from_millis(ms))
}

/// Parse Flink-style memory sizes: `512mb`, `1g`, `64 kb`, or a bare number of bytes.
pub fn parse_memory_size(s: &str) -> std::result::Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("bad memory size '{s}'"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        other => return Err(format!("unknown memory unit '{other}'")),
    };
    Ok(n * mult)
}

/// The configuration reference as Markdown, generated from [`OPTIONS`].
pub fn docs_markdown() -> String {
    let mut out = String::from("| key | default | description |\n|---|---|---|\n");
    for o in OPTIONS {
        out.push_str(&format!("| `{}` | `{}` | {} |\n", o.key, o.default, o.doc));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_names_the_closest_known_one() {
        let w = unknown_key_warning("parallelsim.default").unwrap();
        assert!(w.contains("did you mean 'parallelism.default'"), "{w}");
        assert!(unknown_key_warning("parallelism.default").is_none());
        assert!(unknown_key_warning("weft.streaming.checkpoint-id").is_none());
        let far = unknown_key_warning("sql-client.execution.result-mode").unwrap();
        assert!(!far.contains("did you mean"), "{far}");
    }

    #[test]
    fn typed_values_and_defaults() {
        let mut c = Configuration::new();
        assert_eq!(c.get_int(PARALLELISM_DEFAULT), 1);
        c.set_pair("parallelism.default=4").unwrap();
        assert_eq!(c.get_int(PARALLELISM_DEFAULT), 4);
        c.set("restart-strategy.fixed-delay.delay", "250 ms")
            .unwrap();
        assert_eq!(c.get_duration(RESTART_DELAY), Duration::from_millis(250));
        c.set("taskmanager.memory.managed.size", "2g").unwrap();
        assert_eq!(c.get_memory(MANAGED_MEMORY_SIZE), 2 << 30);
    }

    #[test]
    fn managed_memory_is_a_share_of_the_process_unless_set() {
        let mut c = Configuration::new();
        c.set("taskmanager.memory.process.size", "1000mb").unwrap();
        assert_eq!(c.managed_memory().unwrap(), 300 << 20);
        c.set("taskmanager.memory.managed.fraction", "0.5").unwrap();
        assert_eq!(c.managed_memory().unwrap(), 500 << 20);
        c.set("taskmanager.memory.managed.size", "128m").unwrap();
        assert_eq!(c.managed_memory().unwrap(), 128 << 20);
        c.set("taskmanager.memory.managed.size", "2g").unwrap();
        let e = c.managed_memory().unwrap_err().to_string();
        assert!(
            e.contains("does not fit in taskmanager.memory.process.size = 1000 MiB"),
            "{e}"
        );
        assert!(c.set("taskmanager.memory.managed.fraction", "1.5").is_err());
    }

    #[test]
    fn bad_values_name_the_key_and_the_expectation() {
        let mut c = Configuration::new();
        let e = c
            .set("parallelism.default", "four")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("parallelism.default") && e.contains("integer"),
            "{e}"
        );
        let e = c
            .set("shuffle.compression.codec", "snappy")
            .unwrap_err()
            .to_string();
        assert!(e.contains("lz4, zstd, none"), "{e}");
        assert!(c.set_pair("novalue").is_err());
    }
}
