//! A consumer subtask's reads: per reduce partition, the coordinator's read plan names the
//! epochs holding each committed map attempt's batches and how many there are; each epoch is
//! read from its primary, falling back to the replica (skipping batches already delivered)
//! when the primary fails, holds too few batches, or serves a frame that fails its CRC.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use tokio::sync::mpsc::Sender;
use tokio_stream::wrappers::ReceiverStream;
use weft_core::error::to_datafusion;
use weft_core::rpc_error::from_peer_status;
use weft_core::shuffle::local::FrameDecoder;
use weft_core::{Result, WeftError};

use super::ClientOptions;
use super::conn;
use crate::location::{RemoteLocation, data_path, in_shuffle};
use crate::proto::{
    EpochRead, MapAttempt, ReadOpen, ReadPlanRequest, ReadRequest, ReportFailedWorkerRequest,
};

/// Chunks a reader lets a worker send ahead.
const INITIAL_CREDITS: u32 = 4;

type BatchTx = Sender<datafusion::error::Result<RecordBatch>>;

struct Group {
    shuffle_id: String,
    reduce: u32,
    maps: Vec<MapAttempt>,
}

/// Stream the targets' batches, reduce partition after reduce partition.
pub fn read(
    options: Arc<ClientOptions>,
    targets: Vec<(RemoteLocation, usize)>,
    schema: SchemaRef,
) -> SendableRecordBatchStream {
    let mut groups: Vec<Group> = Vec::new();
    for (loc, p) in targets {
        let reduce = loc.reduce_id(p);
        let m = MapAttempt {
            map_id: loc.map_id,
            attempt: loc.attempt,
        };
        match groups.last_mut() {
            Some(g) if g.shuffle_id == loc.shuffle_id && g.reduce == reduce => g.maps.push(m),
            _ => groups.push(Group {
                shuffle_id: loc.shuffle_id,
                reduce,
                maps: vec![m],
            }),
        }
    }
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        for g in groups {
            match read_group(&options, &g, &tx).await {
                Ok(true) => {}
                Ok(false) => return, // the consumer went away
                Err(e) => {
                    let _ = tx.send(Err(to_datafusion(e))).await;
                    return;
                }
            }
        }
    });
    Box::pin(RecordBatchStreamAdapter::new(
        schema,
        ReceiverStream::new(rx),
    ))
}

async fn read_group(o: &ClientOptions, g: &Group, tx: &BatchTx) -> Result<bool> {
    let t = std::time::Instant::now();
    let mut c = conn::coordinator(&o.coordinator).await?;
    let plan = c
        .get_read_plan(ReadPlanRequest {
            shuffle_id: g.shuffle_id.clone(),
            partition: g.reduce,
            maps: g.maps.clone(),
        })
        .await
        .map_err(|s| {
            let e = from_peer_status(&s, "shuffle coordinator", &o.coordinator);
            in_shuffle(e, &data_path(&o.coordinator, &g.shuffle_id))
        })?
        .into_inner();
    tracing::debug!(shuffle = %g.shuffle_id, reduce = g.reduce, "GetReadPlan took {:?}", t.elapsed());
    for e in plan.epochs {
        if !read_epoch(o, g, e, tx).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

enum SourceEnd {
    Done,
    ConsumerGone,
}

async fn read_epoch(o: &ClientOptions, g: &Group, e: EpochRead, tx: &BatchTx) -> Result<bool> {
    let local_read = o.local_read;
    let placement = e.placement.clone().unwrap_or_default();
    let expected: HashMap<(u32, u32), u32> = e
        .maps
        .iter()
        .zip(&e.batches)
        .map(|(m, n)| ((m.map_id, m.attempt), *n))
        .collect();
    let mut seen: HashMap<(u32, u32), HashSet<u32>> = HashMap::new();
    let mut problems = Vec::new();
    let mut sources = vec![(placement.primary.clone(), false)];
    if !placement.replica.is_empty() {
        sources.push((placement.replica.clone(), true));
    }
    for (addr, replica) in sources {
        match read_source(g, &e, &addr, replica, local_read, &mut seen, tx).await {
            Ok(SourceEnd::ConsumerGone) => return Ok(false),
            Ok(SourceEnd::Done) => {
                let missing: Vec<String> = expected
                    .iter()
                    .filter(|(k, n)| seen.get(k).map_or(0, |s| s.len()) < **n as usize)
                    .map(|((m, a), n)| {
                        format!(
                            "map {m} attempt {a}: {} of {n} batches",
                            seen.get(&(*m, *a)).map_or(0, |s| s.len())
                        )
                    })
                    .collect();
                if missing.is_empty() {
                    return Ok(true);
                }
                problems.push(format!("{addr} holds too little ({})", missing.join(", ")));
            }
            Err(err) => {
                if matches!(err, WeftError::Unreachable { .. })
                    && let Ok(mut c) = conn::coordinator(&o.coordinator).await
                {
                    let _ = c
                        .report_failed_worker(ReportFailedWorkerRequest {
                            address: addr.clone(),
                            reason: err.to_string(),
                        })
                        .await;
                }
                problems.push(format!("{addr}: {err}"));
            }
        }
    }
    Err(WeftError::PartitionNotFound {
        partition: data_path(&o.coordinator, &g.shuffle_id),
        message: format!(
            "reduce partition {} (epoch {}) of shuffle {} cannot be read: {}",
            g.reduce,
            placement.epoch,
            g.shuffle_id,
            problems.join("; ")
        ),
    })
}

fn open_request(g: &Group, e: &EpochRead, replica: bool) -> ReadOpen {
    ReadOpen {
        shuffle_id: g.shuffle_id.clone(),
        partition: g.reduce,
        epoch: e.placement.as_ref().map_or(0, |p| p.epoch),
        replica,
        maps: e.maps.clone(),
    }
}

/// The worker runs on this host: `addr` is a loopback address or this host's name.
fn same_host(addr: &str) -> bool {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if matches!(host, "127.0.0.1" | "localhost" | "::1") {
        return true;
    }
    static HOSTNAME: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    });
    !HOSTNAME.is_empty() && host == HOSTNAME.as_str()
}

/// A worker on this host: ask where the frames are and read its files directly (no copy
/// through the worker). `None` when that is not possible (another host, or the file is not
/// visible here, e.g. another container's disk): then the worker streams them.
async fn read_local(
    g: &Group,
    e: &EpochRead,
    addr: &str,
    replica: bool,
    seen: &mut HashMap<(u32, u32), HashSet<u32>>,
    tx: &BatchTx,
) -> Result<Option<SourceEnd>> {
    if !same_host(addr) {
        return Ok(None);
    }
    let t = std::time::Instant::now();
    let mut client = conn::worker(addr).await?;
    let frames = client
        .locate(open_request(g, e, replica))
        .await
        .map_err(|s| from_peer_status(&s, "shuffle worker", addr))?
        .into_inner();
    tracing::debug!(shuffle = %g.shuffle_id, reduce = g.reduce, "Locate took {:?}", t.elapsed());
    let Ok(file) = std::fs::File::open(&frames.data_path) else {
        return Ok(None);
    };
    let file = Arc::new(file);
    let what = format!("{}", frames.data_path);
    for f in frames.entries {
        let key = (f.map_id, f.attempt);
        if seen.get(&key).is_some_and(|s| s.contains(&f.batch_id)) {
            continue;
        }
        let (file, what) = (file.clone(), what.clone());
        let batch = tokio::task::spawn_blocking(move || -> Result<RecordBatch> {
            use std::os::unix::fs::FileExt;
            let mut buf = vec![0u8; f.length as usize];
            file.read_exact_at(&mut buf, f.offset)?;
            decode(&what, f.offset, &buf)
        })
        .await
        .map_err(|e| WeftError::internal(format!("local shuffle read panicked: {e}")))??;
        seen.entry(key).or_default().insert(f.batch_id);
        if tx.send(Ok(batch)).await.is_err() {
            return Ok(Some(SourceEnd::ConsumerGone));
        }
    }
    Ok(Some(SourceEnd::Done))
}

/// One frame's batch; the CRC is checked.
fn decode(what: &str, offset: u64, frame: &[u8]) -> Result<RecordBatch> {
    let mut d = FrameDecoder::new(format!("{what}@{offset}"));
    d.push(frame)?;
    d.finish()?;
    d.next_batch()
        .ok_or_else(|| WeftError::internal(format!("{what}@{offset}: an empty frame")))
}

async fn read_source(
    g: &Group,
    e: &EpochRead,
    addr: &str,
    replica: bool,
    local_read: bool,
    seen: &mut HashMap<(u32, u32), HashSet<u32>>,
    tx: &BatchTx,
) -> Result<SourceEnd> {
    if local_read && let Some(end) = read_local(g, e, addr, replica, seen, tx).await? {
        return Ok(end);
    }
    let mut client = conn::worker(addr).await?;
    let (req_tx, req_rx) = tokio::sync::mpsc::channel(INITIAL_CREDITS as usize + 2);
    let epoch = e.placement.as_ref().map_or(0, |p| p.epoch);
    let _ = req_tx
        .send(ReadRequest {
            open: Some(open_request(g, e, replica)),
            credits: INITIAL_CREDITS,
        })
        .await;
    let mut stream = client
        .read(ReceiverStream::new(req_rx))
        .await
        .map_err(|s| from_peer_status(&s, "shuffle worker", addr))?
        .into_inner();
    let what = format!("{addr}:{}/{}-{epoch}", g.shuffle_id, g.reduce);
    loop {
        let chunk = match stream.message().await {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(SourceEnd::Done),
            Err(s) => return Err(from_peer_status(&s, "shuffle worker", addr)),
        };
        for f in chunk.frames {
            let key = (f.map_id, f.attempt);
            if seen.get(&key).is_some_and(|s| s.contains(&f.batch_id)) {
                continue;
            }
            let batch = decode(&what, 0, &f.frame)?;
            seen.entry(key).or_default().insert(f.batch_id);
            if tx.send(Ok(batch)).await.is_err() {
                return Ok(SourceEnd::ConsumerGone);
            }
        }
        let _ = req_tx
            .send(ReadRequest {
                open: None,
                credits: 1,
            })
            .await;
    }
}
