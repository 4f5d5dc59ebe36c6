//! The service end to end in one process (real gRPC servers on loopback): maps push through
//! the client, reducers read back exactly what was written, replicas serve when a primary
//! copy is damaged, and a corrupted frame without a replica is an error naming the CRC.

use std::sync::Arc;
use std::time::Duration;

use arrow::array::{Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use futures::TryStreamExt;
use weft_core::security::ClusterSecret;
use weft_core::shuffle::local::CompressionCodec;
use weft_core::shuffle::{PartitionLocation, ShuffleEnvironment, WriterSpec};
use weft_remote_shuffle::client::ClientOptions;
use weft_remote_shuffle::{
    Coordinator, CoordinatorOptions, RemoteShuffleEnvironment, Worker, WorkerOptions,
};

struct Service {
    coordinator: String,
    workers: Vec<Arc<Worker>>,
    _dirs: Vec<tempfile::TempDir>,
}

/// One service secret and one application per test process (credentials are per process).
static SECRET: std::sync::LazyLock<ClusterSecret> = std::sync::LazyLock::new(|| {
    let s = ClusterSecret::generate();
    weft_remote_shuffle::auth::set_service_secret(s.clone());
    weft_remote_shuffle::auth::set_application(&ClusterSecret::generate());
    s
});

async fn service(workers: usize) -> Service {
    let c = Coordinator::new(CoordinatorOptions {
        worker_timeout: Duration::from_secs(30),
        heartbeat_interval: Duration::from_millis(200),
        expiry: Duration::from_secs(3600),
        disk_reserve: 0,
        secret: SECRET.clone(),
    });
    let coordinator = c.start("127.0.0.1:0").await.unwrap().to_string();
    let mut ws = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..workers {
        let d = tempfile::tempdir().unwrap();
        ws.push(
            Worker::start(WorkerOptions {
                coordinator: coordinator.clone(),
                listen: "127.0.0.1:0".into(),
                data_dirs: vec![d.path().to_path_buf()],
                disk_reserve: 0,
                secret: SECRET.clone(),
            })
            .await
            .unwrap(),
        );
        dirs.push(d);
    }
    Service {
        coordinator,
        workers: ws,
        _dirs: dirs,
    }
}

fn env(coordinator: &str, replicas: u32) -> RemoteShuffleEnvironment {
    env_with(coordinator, replicas, true)
}

/// `local_read = false`: every read streams through the worker (credit-based), as for a
/// reader on another host.
fn env_with(coordinator: &str, replicas: u32, local_read: bool) -> RemoteShuffleEnvironment {
    RemoteShuffleEnvironment::new(ClientOptions {
        coordinator: coordinator.into(),
        replicas,
        codec: CompressionCodec::Lz4,
        push_buffer: 64 << 10,
        local_read,
    })
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("v", DataType::Utf8, false),
    ]))
}

fn batch(map: i64, from: i64, n: i64) -> RecordBatch {
    let k: Vec<i64> = (from..from + n).collect();
    let v: Vec<String> = k.iter().map(|k| format!("map{map}-row{k}")).collect();
    RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Int64Array::from(k)),
            Arc::new(StringArray::from(v)),
        ],
    )
    .unwrap()
}

/// `maps` map subtasks write `rows` rows each over `parts` partitions (by k % parts).
async fn write(
    env: &RemoteShuffleEnvironment,
    job: &str,
    maps: u32,
    parts: usize,
    rows: i64,
) -> Vec<PartitionLocation> {
    let mut locs = Vec::new();
    for m in 0..maps {
        let spec = WriterSpec {
            job_id: job.into(),
            vertex: 0,
            subtask: m,
            attempt: 0,
            parallelism: maps,
            num_partitions: parts,
            memory_budget: 1 << 20,
            batch_rows: 8192,
        };
        let mut w = env.create_writer(&spec, schema()).unwrap();
        for chunk in 0..rows / 1000 {
            let b = batch(m as i64, chunk * 1000, 1000);
            for p in 0..parts {
                let idx: Vec<u32> = (0..1000u32)
                    .filter(|i| (chunk * 1000 + *i as i64) as usize % parts == p)
                    .collect();
                let taken =
                    arrow::compute::take_record_batch(&b, &arrow::array::UInt32Array::from(idx))
                        .unwrap();
                w.write(p, taken).await.unwrap();
            }
        }
        locs.push(w.finish().await.unwrap().0);
    }
    locs
}

async fn read(
    env: &RemoteShuffleEnvironment,
    locs: &[PartitionLocation],
    p: usize,
) -> weft_core::Result<Vec<String>> {
    let targets: Vec<_> = locs.iter().map(|l| (l.clone(), p)).collect();
    let stream = env.read_input(&targets, schema()).unwrap()?;
    let batches: Vec<RecordBatch> = stream
        .try_collect()
        .await
        .map_err(weft_core::error::unwrap_datafusion)?;
    let mut out = Vec::new();
    for b in batches {
        let v = b.column(1).as_any().downcast_ref::<StringArray>().unwrap();
        out.extend(v.iter().map(|s| s.unwrap().to_string()));
    }
    out.sort();
    Ok(out)
}

fn expected(maps: u32, parts: usize, p: usize, rows: i64) -> Vec<String> {
    let mut e: Vec<String> = (0..maps)
        .flat_map(|m| {
            (0..rows)
                .filter(move |k| *k as usize % parts == p)
                .map(move |k| format!("map{m}-row{k}"))
        })
        .collect();
    e.sort();
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_partitions_read_back_exactly_with_replicas() {
    let s = service(2).await;
    let env = env(&s.coordinator, 2);
    let locs = write(&env, "job1", 3, 4, 20_000).await;
    let streamed = env_with(&s.coordinator, 2, false);
    for p in 0..4 {
        assert_eq!(
            read(&env, &locs, p).await.unwrap(),
            expected(3, 4, p, 20_000),
            "partition {p}"
        );
        assert_eq!(
            read(&streamed, &locs, p).await.unwrap(),
            expected(3, 4, p, 20_000),
            "streamed partition {p}"
        );
    }
    let located: u64 = s
        .workers
        .iter()
        .map(|w| w.metrics.local_bytes_located.get())
        .sum();
    let read_total: u64 = s.workers.iter().map(|w| w.metrics.bytes_read.get()).sum();
    assert!(
        located > 0 && read_total > located,
        "both read paths were used: {located} of {read_total}"
    );
    // Both workers hold data: every partition has a primary and a replica copy.
    for w in &s.workers {
        let pushed = w.metrics.bytes_pushed.get();
        assert!(pushed > 0);
    }
    let total: u64 = s.workers.iter().map(|w| w.metrics.bytes_pushed.get()).sum();
    let replicated: u64 = s
        .workers
        .iter()
        .map(|w| w.metrics.bytes_replicated.get())
        .sum();
    assert_eq!(total, 2 * replicated, "every byte stored twice");
}

fn data_files(s: &Service) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for d in &s._dirs {
        for e in walk(d.path()) {
            if e.extension().is_some_and(|x| x == "data") {
                out.push(e);
            }
        }
    }
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn corrupt(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_data_file_is_detected_by_crc() {
    let s = service(1).await;
    let env = env(&s.coordinator, 1);
    let locs = write(&env, "job2", 1, 1, 5_000).await;
    let files = data_files(&s);
    assert_eq!(files.len(), 1, "{files:?}");
    corrupt(&files[0]);
    for local_read in [true, false] {
        let env = env_with(&s.coordinator, 1, local_read);
        let err = read(&env, &locs, 0).await.unwrap_err().to_string();
        assert!(err.contains("crc32"), "local_read {local_read}: {err}");
        assert!(err.contains("reduce partition 0"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_primary_is_read_from_the_replica() {
    let s = service(2).await;
    let env = env(&s.coordinator, 2);
    let locs = write(&env, "job3", 1, 1, 5_000).await;
    let primary = data_files(&s)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("-p.data"))
        .unwrap();
    corrupt(&primary);
    assert_eq!(
        read(&env, &locs, 0).await.unwrap(),
        expected(1, 1, 0, 5_000)
    );
    let streamed = env_with(&s.coordinator, 2, false);
    assert_eq!(
        read(&streamed, &locs, 0).await.unwrap(),
        expected(1, 1, 0, 5_000)
    );
    let replica_reads: u64 = s
        .workers
        .iter()
        .map(|w| w.metrics.replica_bytes_read.get())
        .sum();
    assert!(replica_reads > 0);
}
