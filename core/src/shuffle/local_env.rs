//! The TaskManager side of the built-in local shuffle: map outputs are sort-based files in
//! the TaskManager's shuffle directory; consumers on the same host read them directly
//! (short-circuit), others fetch the raw frames over gRPC from the producer's data service.

use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use super::local::{
    CompressionCodec, FrameDecoder, PartitionReader, ShuffleWriteOptions, SortShuffleWriter,
};
use super::{PartitionLocation, ResultPartitionWriter, ShuffleEnvironment, WriterSpec};
use crate::error::{Result, WeftError, to_datafusion};
use crate::ids::{ExecutionAttemptId, result_partition_name};
use crate::proto::FetchPartitionRequest;
use crate::proto::task_executor_gateway_client::TaskExecutorGatewayClient;
use crate::security::{ClusterSecret, Peer};

#[derive(Debug, Clone)]
pub struct LocalShuffleEnvironment {
    /// This TaskManager's identity, stamped into the locations it produces.
    pub resource_id: String,
    pub address: String,
    pub host: String,
    pub dir: PathBuf,
    pub codec: CompressionCodec,
    /// The application's secret, for fetching from other TaskManagers' data services.
    pub secret: ClusterSecret,
}

struct LocalWriter {
    inner: SortShuffleWriter,
    env: LocalShuffleEnvironment,
}

#[async_trait]
impl ResultPartitionWriter for LocalWriter {
    async fn write(&mut self, partition: usize, batch: RecordBatch) -> Result<()> {
        Ok(self.inner.write(partition, batch)?)
    }

    async fn finish(self: Box<Self>) -> Result<(PartitionLocation, u64)> {
        let LocalWriter { inner, env } = *self;
        let meta = tokio::task::spawn_blocking(move || inner.finish())
            .await
            .map_err(|e| WeftError::internal(format!("shuffle writer panicked: {e}")))??;
        Ok((
            PartitionLocation {
                resource_id: env.resource_id,
                address: env.address,
                host: env.host,
                data_path: meta.data_path.to_string_lossy().into_owned(),
                index_path: meta.index_path.to_string_lossy().into_owned(),
            },
            meta.bytes_written,
        ))
    }
}

impl ShuffleEnvironment for LocalShuffleEnvironment {
    fn create_writer(
        &self,
        spec: &WriterSpec,
        schema: SchemaRef,
    ) -> Result<Box<dyn ResultPartitionWriter>> {
        let mut options = ShuffleWriteOptions::new(self.dir.join("spill"));
        options.codec = self.codec;
        options.memory_budget_bytes = spec.memory_budget.max(1 << 20);
        options.target_batch_rows = spec.batch_rows.max(1);
        std::fs::create_dir_all(&options.spill_dir)?;
        let name = result_partition_name(
            &spec.job_id,
            &ExecutionAttemptId {
                vertex: spec.vertex,
                subtask: spec.subtask,
                attempt: spec.attempt,
            },
        );
        let inner =
            SortShuffleWriter::try_new(&self.dir, &name, spec.num_partitions, schema, options)?;
        Ok(Box::new(LocalWriter {
            inner,
            env: self.clone(),
        }))
    }

    fn read_partition(
        &self,
        location: &PartitionLocation,
        partition: usize,
        schema: SchemaRef,
    ) -> Result<SendableRecordBatchStream> {
        if location.host == self.host && Path::new(&location.index_path).exists() {
            return Ok(read_local(location, partition, schema));
        }
        Ok(fetch_remote(
            location.clone(),
            self.secret.clone(),
            partition,
            schema,
        ))
    }
}

fn read_local(
    location: &PartitionLocation,
    partition: usize,
    schema: SchemaRef,
) -> SendableRecordBatchStream {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let data = PathBuf::from(&location.data_path);
    let index = PathBuf::from(&location.index_path);
    tokio::task::spawn_blocking(move || {
        let reader = match PartitionReader::open(&data, &index, partition) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Err(to_datafusion(e.into())));
                return;
            }
        };
        for batch in reader {
            let failed = batch.is_err();
            if tx
                .blocking_send(batch.map_err(|e| to_datafusion(e.into())))
                .is_err()
                || failed
            {
                return;
            }
        }
    });
    Box::pin(RecordBatchStreamAdapter::new(
        schema,
        ReceiverStream::new(rx),
    ))
}

/// A typed error from the producer's data service, or its transport failure.
fn fetch_error(location: &PartitionLocation, s: &tonic::Status) -> WeftError {
    crate::rpc_error::from_peer_status(
        s,
        &format!("producer TaskManager {}", location.resource_id),
        &location.address,
    )
}

fn fetch_remote(
    location: PartitionLocation,
    secret: ClusterSecret,
    partition: usize,
    schema: SchemaRef,
) -> SendableRecordBatchStream {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let result: Result<()> = async {
            let what = format!("producer TaskManager {}", location.resource_id);
            let channel = Peer::new(location.address.clone(), secret)
                .channel(&what)
                .await?;
            let mut client =
                TaskExecutorGatewayClient::new(channel).max_decoding_message_size(64 << 20);
            let result_partition = Path::new(&location.data_path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut stream = client
                .fetch_partition(FetchPartitionRequest {
                    result_partition,
                    partition: partition as u32,
                })
                .await
                .map_err(|s| fetch_error(&location, &s))?
                .into_inner();
            let mut decoder =
                FrameDecoder::new(format!("{}:{}", location.address, location.data_path));
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|s| fetch_error(&location, &s))?;
                decoder.push(&chunk.data)?;
                while let Some(batch) = decoder.next_batch() {
                    if tx.send(Ok(batch)).await.is_err() {
                        return Ok(());
                    }
                }
            }
            decoder.finish()?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            let _ = tx.send(Err(to_datafusion(e))).await;
        }
    });
    Box::pin(RecordBatchStreamAdapter::new(
        schema,
        ReceiverStream::new(rx),
    ))
}
