//! `weft bench shuffle`: push `--bytes` through one remote shuffle worker on loopback from
//! `--maps` concurrent map writers into `--reduces` partitions, read every partition back,
//! and in the same run measure the machine's raw loopback TCP and sequential disk write
//! throughput; the shuffle's push throughput is reported as a ratio of the smaller.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use arrow::array::{Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use futures::TryStreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use weft_core::config::parse_memory_size;
use weft_core::shuffle::local::CompressionCodec;
use weft_core::shuffle::{PartitionLocation, ShuffleEnvironment, WriterSpec};
use weft_remote_shuffle::client::ClientOptions;
use weft_remote_shuffle::{
    Coordinator, CoordinatorOptions, RemoteShuffleEnvironment, Worker, WorkerOptions,
};

#[derive(clap::Args, Clone, Debug)]
pub struct ShuffleBenchArgs {
    /// Bytes to shuffle (Arrow IPC frames pushed), e.g. 4GiB, 512mb.
    #[arg(long, default_value = "4GiB")]
    pub bytes: String,
    /// Concurrent map writers.
    #[arg(long, default_value_t = 4)]
    pub maps: u32,
    /// Reduce partitions.
    #[arg(long, default_value_t = 16)]
    pub reduces: usize,
    /// Compression of the frames (none measures the service, not LZ4).
    #[arg(long, default_value = "none")]
    pub codec: String,
    /// Stream reads through the worker instead of reading its files directly.
    #[arg(long)]
    pub stream: bool,
    /// Where the worker and the disk baseline write (default: the system temp dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

fn size(s: &str) -> anyhow::Result<u64> {
    let norm = s.trim().to_ascii_lowercase().replace("ib", "b");
    parse_memory_size(&norm).map_err(|e| anyhow::anyhow!("--bytes: {e}"))
}

fn gbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / (1u64 << 30) as f64
}

/// About 1 MiB per batch: 8192 rows of a key and a 120-byte value that does not compress.
fn batches(schema: &SchemaRef, n: usize, seed: u64) -> Vec<RecordBatch> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            let keys: Vec<i64> = (0..8192).map(|i| i as i64).collect();
            let vals: Vec<String> = (0..8192)
                .map(|_| {
                    (0..15)
                        .map(|_| {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            format!("{:08x}", x as u32)
                        })
                        .collect()
                })
                .collect();
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from(keys)),
                    Arc::new(StringArray::from(vals)),
                ],
            )
            .unwrap()
        })
        .collect()
}

async fn loopback_tcp(bytes: u64) -> anyhow::Result<Duration> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let reader = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await?;
        let mut buf = vec![0u8; 1 << 20];
        let mut got = 0u64;
        loop {
            let n = s.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            got += n as u64;
        }
        anyhow::Ok(got)
    });
    let started = Instant::now();
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let buf = vec![7u8; 1 << 20];
    let mut sent = 0;
    while sent < bytes {
        s.write_all(&buf).await?;
        sent += buf.len() as u64;
    }
    s.shutdown().await?;
    drop(s);
    let got = reader.await??;
    anyhow::ensure!(got == sent, "loopback lost bytes");
    Ok(started.elapsed())
}

/// Sequential 1 MiB writes (page cache, like the worker), and the time with an fsync at the end.
fn disk_write(dir: &std::path::Path, bytes: u64) -> anyhow::Result<(Duration, Duration)> {
    use std::io::Write;
    let path = dir.join("weft-bench-disk.tmp");
    let buf = vec![7u8; 1 << 20];
    let started = Instant::now();
    let mut f = std::fs::File::create(&path)?;
    let mut written = 0;
    while written < bytes {
        f.write_all(&buf)?;
        written += buf.len() as u64;
    }
    let buffered = started.elapsed();
    f.sync_all()?;
    let synced = started.elapsed();
    drop(f);
    std::fs::remove_file(&path)?;
    Ok((buffered, synced))
}

pub async fn run(args: ShuffleBenchArgs) -> anyhow::Result<ExitCode> {
    let bytes = size(&args.bytes)?;
    let codec: CompressionCodec = args
        .codec
        .parse()
        .map_err(|e| anyhow::anyhow!("--codec: {e}"))?;
    anyhow::ensure!(
        args.maps > 0 && args.reduces > 0,
        "--maps and --reduces must be positive"
    );
    let base = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let work = tempfile::tempdir_in(&base)
        .with_context(|| format!("cannot write under {}", base.display()))?;

    // One secret for the in-process service and its client; one application.
    let secret = weft_core::security::ClusterSecret::generate();
    weft_remote_shuffle::auth::set_service_secret(secret.clone());
    weft_remote_shuffle::auth::set_application(&weft_core::security::ClusterSecret::generate());
    let coordinator = Coordinator::new(CoordinatorOptions {
        worker_timeout: Duration::from_secs(60),
        heartbeat_interval: Duration::from_secs(1),
        expiry: Duration::from_secs(3600),
        disk_reserve: 0,
        secret: secret.clone(),
    });
    let caddr = coordinator.start("127.0.0.1:0").await?.to_string();
    let worker = Worker::start(WorkerOptions {
        coordinator: caddr.clone(),
        listen: "127.0.0.1:0".into(),
        data_dirs: vec![work.path().join("worker")],
        disk_reserve: 0,
        secret,
    })
    .await?;
    let env = RemoteShuffleEnvironment::new(ClientOptions {
        coordinator: caddr,
        replicas: 1,
        codec,
        push_buffer: 4 << 20,
        local_read: !args.stream,
    });
    let schema: SchemaRef = Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("v", DataType::Utf8, false),
    ]));
    let per_map = bytes / args.maps as u64;
    println!(
        "shuffle: {} MiB from {} maps into {} partitions through one worker ({}), codec {codec}",
        bytes >> 20,
        args.maps,
        args.reduces,
        worker.address
    );

    // Baselines first, on a clean page cache: the same byte count over raw loopback TCP
    // and written sequentially to the worker's disk.
    let tcp = loopback_tcp(bytes).await?;
    let (disk, disk_synced) = disk_write(work.path(), bytes)?;
    let (tcp_r, disk_r) = (gbps(bytes, tcp), gbps(bytes, disk));
    println!("  loopback TCP: {tcp_r:.2} GiB/s");
    println!(
        "  disk write: {disk_r:.2} GiB/s (page cache, as the worker writes; {:.2} GiB/s with fsync)",
        gbps(bytes, disk_synced)
    );
    // Push.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for m in 0..args.maps {
        let env = env.clone();
        let schema = schema.clone();
        let reduces = args.reduces;
        tasks.push(tokio::spawn(async move {
            let data = batches(&schema, reduces.min(16), m as u64 + 1);
            let spec = WriterSpec {
                job_id: "bench".into(),
                vertex: 0,
                subtask: m,
                attempt: 0,
                parallelism: 0,
                num_partitions: reduces,
                memory_budget: 64 << 20,
                batch_rows: 8192,
            };
            let mut w = env.create_writer(&spec, schema)?;
            let mut written = 0u64;
            let mut i = 0;
            while written < per_map {
                let b = data[i % data.len()].clone();
                written += b.get_array_memory_size() as u64;
                w.write(i % reduces, b).await?;
                i += 1;
            }
            w.finish().await
        }));
    }
    let mut locations: Vec<PartitionLocation> = Vec::new();
    let mut pushed = 0u64;
    for t in tasks {
        let (loc, b) = t.await??;
        locations.push(loc);
        pushed += b;
    }
    let push = started.elapsed();
    println!(
        "  push: {:.2} GiB/s ({} MiB in {:.2} s)",
        gbps(pushed, push),
        pushed >> 20,
        push.as_secs_f64()
    );

    // Read every partition back, `maps` partitions at a time.
    let started = Instant::now();
    for chunk in (0..args.reduces)
        .collect::<Vec<_>>()
        .chunks(args.maps as usize)
    {
        let mut readers = Vec::new();
        for &p in chunk {
            let targets: Vec<_> = locations.iter().map(|l| (l.clone(), p)).collect();
            let stream = env
                .read_input(&targets, schema.clone())
                .expect("remote locations")?;
            readers.push(tokio::spawn(async move {
                let batches: Vec<RecordBatch> = stream.try_collect().await?;
                let n: u64 = batches
                    .iter()
                    .map(|b| b.get_array_memory_size() as u64)
                    .sum();
                Ok::<u64, datafusion::error::DataFusionError>(n)
            }));
        }
        for r in readers {
            r.await??;
        }
    }
    let read = started.elapsed();
    let served = worker.metrics.bytes_read.get();
    println!(
        "  read: {:.2} GiB/s ({} MiB of frames in {:.2} s)",
        gbps(served, read),
        served >> 20,
        read.as_secs_f64()
    );
    anyhow::ensure!(
        served == pushed,
        "read {served} bytes of frames, pushed {pushed}"
    );

    let floor = tcp_r.min(disk_r);
    let ratio = gbps(pushed, push) / floor;
    println!(
        "  push / min(loopback, disk) = {ratio:.2} (target >= 0.7); read / min = {:.2}",
        gbps(served, read) / floor
    );
    Ok(ExitCode::SUCCESS)
}
