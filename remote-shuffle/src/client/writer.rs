//! A map subtask's writer: buffers each reduce partition up to `shuffle.remote.push-buffer`,
//! pushes it as one frame to the partition's primary worker (which forwards it to the
//! replica), and commits the map's per-partition batch counts to the coordinator at the end.
//! A worker failure fails the subtask with `PartitionNotFound` for the whole shuffle, after
//! telling the coordinator, which moves that worker's partitions: the producing vertex reruns.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use weft_core::rpc_error::from_peer_status;
use weft_core::shuffle::local::encode_frame;
use weft_core::shuffle::{PartitionLocation, ResultPartitionWriter, WriterSpec};
use weft_core::{Result, WeftError};

use super::ClientOptions;
use super::conn;
use crate::location::{RemoteLocation, data_path, in_shuffle, shuffle_id};
use crate::proto::{
    CommitMapRequest, PartitionPlacement, PushBatch, PushRequest, PushResponse,
    RegisterShuffleRequest, ReportFailedWorkerRequest,
};

/// Bytes of frames sent to a worker in one push message.
const PUSH_MESSAGE_BYTES: usize = 1 << 20;

struct PushStream {
    tx: tokio::sync::mpsc::Sender<PushRequest>,
    done: tokio::task::JoinHandle<Result<PushResponse>>,
    sent: u64,
}

pub struct RemoteWriter {
    options: Arc<ClientOptions>,
    spec: WriterSpec,
    schema: SchemaRef,
    shuffle_id: String,
    per_map: bool,
    num_reduce: usize,
    placement: Vec<PartitionPlacement>,
    buffers: Vec<Vec<RecordBatch>>,
    buffered: Vec<usize>,
    total_buffered: usize,
    flush_at: usize,
    budget: usize,
    next_batch: u32,
    counts: Vec<u32>,
    pending: HashMap<String, (Vec<PushBatch>, usize)>,
    streams: HashMap<String, PushStream>,
    bytes: u64,
}

impl RemoteWriter {
    pub fn new(options: Arc<ClientOptions>, spec: WriterSpec, schema: SchemaRef) -> Self {
        // A single output (pointwise consumers, or one consumer) is a reduce partition of
        // its own per map; otherwise maps share reduce partitions.
        let per_map = spec.num_partitions == 1;
        let num_reduce = if per_map {
            spec.parallelism.max(1) as usize
        } else {
            spec.num_partitions
        };
        let budget = spec.memory_budget.max(4 << 20);
        let flush_at = (budget / spec.num_partitions.max(1))
            .clamp(64 << 10, options.push_buffer.max(64 << 10));
        RemoteWriter {
            shuffle_id: shuffle_id(&spec.job_id, spec.vertex),
            per_map,
            num_reduce,
            placement: Vec::new(),
            buffers: vec![Vec::new(); num_reduce],
            buffered: vec![0; num_reduce],
            total_buffered: 0,
            flush_at,
            budget,
            next_batch: 0,
            counts: vec![0; num_reduce],
            pending: HashMap::new(),
            streams: HashMap::new(),
            bytes: 0,
            options,
            spec,
            schema,
        }
    }

    fn data_path(&self) -> String {
        data_path(&self.options.coordinator, &self.shuffle_id)
    }

    fn coordinator_error(&self, s: &tonic::Status) -> WeftError {
        let o = &self.options;
        in_shuffle(
            from_peer_status(s, "shuffle coordinator", &o.coordinator),
            &self.data_path(),
        )
    }

    async fn ensure_placement(&mut self) -> Result<()> {
        if !self.placement.is_empty() {
            return Ok(());
        }
        let o = &self.options;
        let t = std::time::Instant::now();
        let mut c = conn::coordinator(&o.coordinator).await?;
        let p = c
            .register_shuffle(RegisterShuffleRequest {
                job_id: self.spec.job_id.clone(),
                shuffle_id: self.shuffle_id.clone(),
                num_partitions: self.num_reduce as u32,
                replicas: o.replicas,
            })
            .await
            .map_err(|s| self.coordinator_error(&s))?
            .into_inner();
        if p.partitions.len() != self.num_reduce {
            return Err(WeftError::internal(format!(
                "shuffle {} has {} partitions at the coordinator, this map writes {}",
                self.shuffle_id,
                p.partitions.len(),
                self.num_reduce
            )));
        }
        self.placement = p.partitions;
        tracing::debug!(shuffle = %self.shuffle_id, map = self.spec.subtask, "RegisterShuffle took {:?}", t.elapsed());
        Ok(())
    }

    /// The worker at `address` failed: tell the coordinator (it moves the worker's
    /// partitions to a new epoch) and fail this map so the producing vertex reruns.
    async fn worker_failed(&self, primary: &str, cause: WeftError) -> WeftError {
        // A primary that could not forward to its replica names the replica.
        let address = match &cause {
            WeftError::Unreachable { address, .. } if address.contains(':') => address.clone(),
            _ => primary.to_string(),
        };
        let address = address.as_str();
        let reason = cause.to_string();
        if let Ok(mut c) = conn::coordinator(&self.options.coordinator).await {
            let _ = c
                .report_failed_worker(ReportFailedWorkerRequest {
                    address: address.to_string(),
                    reason: reason.clone(),
                })
                .await;
        }
        WeftError::PartitionNotFound {
            partition: self.data_path(),
            message: format!(
                "shuffle worker {address} failed while map {} attempt {} of shuffle {} pushed to it ({reason}); its partitions move to other workers and the producing vertex reruns",
                self.spec.subtask, self.spec.attempt, self.shuffle_id
            ),
        }
    }

    async fn flush_partition(&mut self, r: usize) -> Result<()> {
        let batches = std::mem::take(&mut self.buffers[r]);
        self.total_buffered -= std::mem::take(&mut self.buffered[r]);
        if batches.is_empty() {
            return Ok(());
        }
        let batch = if batches.len() == 1 {
            batches.into_iter().next().unwrap()
        } else {
            concat_batches(&self.schema, &batches)?
        };
        let mut frame = Vec::with_capacity(batch.get_array_memory_size() / 2 + 1024);
        encode_frame(&batch, self.options.codec, &mut frame)?;
        let p = &self.placement[r];
        let b = PushBatch {
            shuffle_id: self.shuffle_id.clone(),
            partition: r as u32,
            epoch: p.epoch,
            map_id: self.spec.subtask,
            attempt: self.spec.attempt,
            batch_id: self.next_batch,
            frame: frame.into(),
            replica: p.replica.clone(),
            is_replica: false,
        };
        self.next_batch += 1;
        self.counts[r] += 1;
        self.bytes += b.frame.len() as u64;
        let primary = p.primary.clone();
        let e = self.pending.entry(primary.clone()).or_default();
        e.1 += b.frame.len();
        e.0.push(b);
        if e.1 >= PUSH_MESSAGE_BYTES {
            self.send_pending(&primary).await?;
        }
        Ok(())
    }

    async fn send_pending(&mut self, address: &str) -> Result<()> {
        let Some((batches, _)) = self.pending.remove(address) else {
            return Ok(());
        };
        if !self.streams.contains_key(address) {
            let (tx, done) = match conn::open_push(address, "shuffle worker", None).await {
                Ok(p) => p,
                Err(e) => return Err(self.worker_failed(address, e).await),
            };
            self.streams
                .insert(address.to_string(), PushStream { tx, done, sent: 0 });
        }
        let n = batches.len() as u64;
        let s = self.streams.get_mut(address).unwrap();
        s.sent += n;
        if s.tx.send(PushRequest { batches }).await.is_err() {
            let s = self.streams.remove(address).unwrap();
            let cause = match s.done.await {
                Ok(Err(e)) => e,
                _ => WeftError::internal("push stream ended early"),
            };
            return Err(self.worker_failed(address, cause).await);
        }
        Ok(())
    }
}

#[async_trait]
impl ResultPartitionWriter for RemoteWriter {
    async fn write(&mut self, partition: usize, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.ensure_placement().await?;
        let r = if self.per_map {
            self.spec.subtask as usize
        } else {
            partition
        };
        let size = batch.get_array_memory_size();
        self.buffers[r].push(batch);
        self.buffered[r] += size;
        self.total_buffered += size;
        if self.buffered[r] >= self.flush_at {
            self.flush_partition(r).await?;
        }
        while self.total_buffered > self.budget {
            let largest = (0..self.num_reduce)
                .max_by_key(|&i| self.buffered[i])
                .unwrap();
            self.flush_partition(largest).await?;
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<(PartitionLocation, u64)> {
        let t = std::time::Instant::now();
        self.ensure_placement().await?;
        for r in 0..self.num_reduce {
            self.flush_partition(r).await?;
        }
        let addrs: Vec<String> = self.pending.keys().cloned().collect();
        for a in addrs {
            self.send_pending(&a).await?;
        }
        for (addr, s) in std::mem::take(&mut self.streams) {
            drop(s.tx);
            let resp = match s.done.await {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => return Err(self.worker_failed(&addr, e).await),
                Err(e) => return Err(WeftError::internal(format!("push to {addr}: {e}"))),
            };
            if resp.batches != s.sent {
                let e = WeftError::internal(format!(
                    "acknowledged {} of {} batches",
                    resp.batches, s.sent
                ));
                return Err(self.worker_failed(&addr, e).await);
            }
        }
        let acked = t.elapsed();
        let o = &self.options;
        let mut c = conn::coordinator(&o.coordinator).await?;
        c.commit_map(CommitMapRequest {
            shuffle_id: self.shuffle_id.clone(),
            map_id: self.spec.subtask,
            attempt: self.spec.attempt,
            epochs: self.placement.iter().map(|p| p.epoch).collect(),
            batches: self.counts.clone(),
        })
        .await
        .map_err(|s| self.coordinator_error(&s))?;
        tracing::debug!(shuffle = %self.shuffle_id, map = self.spec.subtask, "finish: pushes acknowledged after {acked:?}, committed after {:?}", t.elapsed());
        let location = RemoteLocation {
            coordinator: o.coordinator.clone(),
            shuffle_id: self.shuffle_id.clone(),
            map_id: self.spec.subtask,
            attempt: self.spec.attempt,
            per_map: self.per_map,
        };
        Ok((location.to_location(), self.bytes))
    }
}
