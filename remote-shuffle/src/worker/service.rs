//! The worker's gRPC service: `Push` (append, forward to the replica, acknowledge when both
//! hold the data) and `Read` (the requested map attempts' frames of one partition file, in
//! append order, at most one chunk per credit the reader granted).

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use tokio::sync::Semaphore;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};
use weft_core::WeftError;
use weft_core::rpc_error::to_status;
use weft_core::shuffle::local::FRAME_HEADER_LEN;

use super::Worker;
use super::store::{FileKey, Store};
use crate::auth::{self, app_of};
use crate::client::conn;
use crate::proto::shuffle_worker_server::ShuffleWorker;
use crate::proto::{
    FrameEntry, LocalFrames, PushBatch, PushRequest, PushResponse, ReadChunk, ReadFrame, ReadOpen,
    ReadRequest,
};

/// Bytes of frames per read chunk.
const READ_CHUNK_BYTES: usize = 1 << 20;

pub struct WorkerService(pub Arc<Worker>);

/// A batch's frame must carry a valid header and CRC: corrupt data is refused at the door.
fn check_frame(b: &PushBatch) -> Result<(), WeftError> {
    let f = &b.frame;
    let bad = |why: String| WeftError::PartitionNotFound {
        partition: b.shuffle_id.clone(),
        message: format!(
            "batch {} of map {} attempt {} for partition {} was refused: {why}",
            b.batch_id, b.map_id, b.attempt, b.partition
        ),
    };
    if f.len() < FRAME_HEADER_LEN {
        return Err(bad("shorter than a frame header".into()));
    }
    let len = u32::from_le_bytes(f[0..4].try_into().unwrap()) as usize;
    let crc = u32::from_le_bytes(f[4..8].try_into().unwrap());
    if len != f.len() - FRAME_HEADER_LEN {
        return Err(bad(format!(
            "frame says {len} bytes, carries {}",
            f.len() - 8
        )));
    }
    let actual = crc32fast::hash(&f[FRAME_HEADER_LEN..]);
    if actual != crc {
        return Err(bad(format!(
            "crc32 expected {crc:#010x}, actual {actual:#010x}"
        )));
    }
    Ok(())
}

fn key_of(b: &PushBatch) -> FileKey {
    FileKey {
        shuffle: b.shuffle_id.clone(),
        partition: b.partition,
        epoch: b.epoch,
        replica: b.is_replica,
    }
}

/// A push stream to one replica worker, opened by a primary for the batches it forwards.
struct ReplicaStream {
    tx: tokio::sync::mpsc::Sender<PushRequest>,
    done: tokio::task::JoinHandle<Result<PushResponse, WeftError>>,
}

async fn open_replica(address: &str, app: &str) -> Result<ReplicaStream, WeftError> {
    let (tx, done) = conn::open_push(address, "replica shuffle worker", Some(app)).await?;
    Ok(ReplicaStream { tx, done })
}

impl WorkerService {
    async fn push_inner(
        &self,
        app: Option<String>,
        mut inbound: Streaming<PushRequest>,
    ) -> Result<PushResponse, WeftError> {
        let w = &self.0;
        let mut touched = HashSet::new();
        let mut replicas: HashMap<String, ReplicaStream> = HashMap::new();
        let mut out = PushResponse::default();
        loop {
            let req = match inbound.message().await {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(s) => {
                    return Err(WeftError::Unreachable {
                        what: "pushing map subtask".into(),
                        address: "client".into(),
                        message: s.message().to_string(),
                    });
                }
            };
            let mut forward: HashMap<String, Vec<PushBatch>> = HashMap::new();
            for b in &req.batches {
                w.owners
                    .lock()
                    .check_shuffle(&b.shuffle_id, app.as_deref())?;
                check_frame(b)?;
                if !b.replica.is_empty() {
                    forward
                        .entry(b.replica.clone())
                        .or_default()
                        .push(PushBatch {
                            replica: String::new(),
                            is_replica: true,
                            ..b.clone()
                        });
                }
            }
            for (addr, batches) in forward {
                if !replicas.contains_key(&addr) {
                    // The replica learns the shuffle's owner from the forwarded push.
                    let owner = app.clone().unwrap_or_default();
                    replicas.insert(addr.clone(), open_replica(&addr, &owner).await?);
                }
                let bytes: usize = batches.iter().map(|b| b.frame.len()).sum();
                let r = &replicas[&addr];
                if r.tx.send(PushRequest { batches }).await.is_err() {
                    let r = replicas.remove(&addr).unwrap();
                    return Err(match r.done.await {
                        Ok(Err(e)) => e,
                        _ => WeftError::internal(format!("replica stream to {addr} ended")),
                    });
                }
                w.metrics.bytes_replicated.add(bytes as u64);
            }
            let n = req.batches.len() as u64;
            let bytes: u64 = req.batches.iter().map(|b| b.frame.len() as u64).sum();
            touched.extend(req.batches.iter().map(key_of));
            out.batches += n;
            out.bytes += bytes;
            let store = w.store.clone();
            tokio::task::spawn_blocking(move || append_all(&store, &req.batches))
                .await
                .map_err(|e| WeftError::internal(format!("append panicked: {e}")))??;
            w.metrics.batches_pushed.add(n);
            w.metrics.bytes_pushed.add(bytes);
        }
        // Acknowledge only what both copies hold.
        for (addr, r) in replicas {
            drop(r.tx);
            let resp = r
                .done
                .await
                .map_err(|e| WeftError::internal(format!("replica stream to {addr}: {e}")))??;
            tracing::trace!("replica {addr} stored {} batches", resp.batches);
        }
        let store = w.store.clone();
        tokio::task::spawn_blocking(move || store.flush(&touched))
            .await
            .map_err(|e| WeftError::internal(format!("flush panicked: {e}")))??;
        Ok(out)
    }
}

fn append_all(store: &Store, batches: &[PushBatch]) -> weft_core::Result<()> {
    for b in batches {
        store.append(&key_of(b), b.map_id, b.attempt, b.batch_id, &b.frame)?;
    }
    Ok(())
}

fn key_and_maps(open: &ReadOpen) -> (FileKey, HashSet<(u32, u32)>) {
    let key = FileKey {
        shuffle: open.shuffle_id.clone(),
        partition: open.partition,
        epoch: open.epoch,
        replica: open.replica,
    };
    let maps = open.maps.iter().map(|m| (m.map_id, m.attempt)).collect();
    (key, maps)
}

type ReadStream = Pin<Box<dyn Stream<Item = Result<ReadChunk, Status>> + Send>>;

#[tonic::async_trait]
impl ShuffleWorker for WorkerService {
    async fn push(
        &self,
        request: Request<Streaming<PushRequest>>,
    ) -> Result<Response<PushResponse>, Status> {
        let app = app_of(&request);
        match self.push_inner(app, request.into_inner()).await {
            Ok(r) => Ok(Response::new(r)),
            Err(e) => {
                self.0.metrics.pushes_rejected.add(1);
                tracing::warn!("push refused: {e}");
                Err(auth::to_status(&e))
            }
        }
    }

    type ReadStream = ReadStream;

    async fn locate(&self, request: Request<ReadOpen>) -> Result<Response<LocalFrames>, Status> {
        let app = app_of(&request);
        let open = request.into_inner();
        self.0
            .owners
            .lock()
            .check_read(&open.shuffle_id, app.as_deref())
            .map_err(|e| auth::to_status(&e))?;
        let (key, maps) = key_and_maps(&open);
        let (path, entries) = self
            .0
            .store
            .entries(&key, &maps)
            .map_err(|e| to_status(&e))?;
        let bytes: u64 = entries.iter().map(|e| e.len as u64).sum();
        let m = &self.0.metrics;
        m.reads.add(1);
        m.local_bytes_located.add(bytes);
        m.bytes_read.add(bytes);
        if open.replica {
            m.replica_bytes_read.add(bytes);
        }
        Ok(Response::new(LocalFrames {
            data_path: path.to_string_lossy().into_owned(),
            entries: entries
                .iter()
                .map(|e| FrameEntry {
                    map_id: e.map,
                    attempt: e.attempt,
                    batch_id: e.batch,
                    offset: e.offset,
                    length: e.len,
                })
                .collect(),
        }))
    }

    async fn read(
        &self,
        request: Request<Streaming<ReadRequest>>,
    ) -> Result<Response<ReadStream>, Status> {
        let app = app_of(&request);
        let mut inbound = request.into_inner();
        let first = inbound
            .message()
            .await?
            .ok_or_else(|| Status::invalid_argument("a read starts with an open message"))?;
        let open = first
            .open
            .ok_or_else(|| Status::invalid_argument("a read starts with an open message"))?;
        self.0
            .owners
            .lock()
            .check_read(&open.shuffle_id, app.as_deref())
            .map_err(|e| auth::to_status(&e))?;
        let (key, maps) = key_and_maps(&open);
        let (path, entries) = self
            .0
            .store
            .entries(&key, &maps)
            .map_err(|e| to_status(&e))?;
        self.0.metrics.reads.add(1);
        // Credits: the reader grants chunks; the sender waits for a permit per chunk.
        let credits = Arc::new(Semaphore::new(first.credits as usize));
        let c = credits.clone();
        tokio::spawn(async move {
            while let Ok(Some(m)) = inbound.message().await {
                c.add_permits(m.credits as usize);
            }
            c.close();
        });
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let worker = self.0.clone();
        let replica = open.replica;
        tokio::task::spawn_blocking(move || {
            let mut file = None;
            let mut i = 0;
            while i < entries.len() {
                match futures::executor::block_on(credits.acquire()) {
                    Ok(p) => p.forget(),
                    Err(_) => return, // the reader went away
                }
                let mut chunk = ReadChunk::default();
                let mut bytes = 0;
                while i < entries.len()
                    && (bytes == 0 || bytes + entries[i].len as usize <= READ_CHUNK_BYTES)
                {
                    let e = &entries[i];
                    match Store::read_at(&path, &mut file, e) {
                        Ok(frame) => {
                            bytes += frame.len();
                            chunk.frames.push(ReadFrame {
                                map_id: e.map,
                                attempt: e.attempt,
                                batch_id: e.batch,
                                frame: frame.into(),
                            });
                        }
                        Err(err) => {
                            let _ = tx.blocking_send(Err(to_status(&err)));
                            return;
                        }
                    }
                    i += 1;
                }
                worker.metrics.bytes_read.add(bytes as u64);
                if replica {
                    worker.metrics.replica_bytes_read.add(bytes as u64);
                }
                if tx.blocking_send(Ok(chunk)).is_err() {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
