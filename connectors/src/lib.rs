//! Weft's connectors: the `datagen` and `tpch` generator tables, the Flink-compatible
//! `filesystem` connector (Parquet / CSV / JSON, Hive-style partitions, staged sink with
//! commit / abort), the object stores they read and write through (`file`, `hdfs` / `viewfs`,
//! `s3`), and the codec that ships their execution-plan nodes to TaskManagers.
//!
//! [`default_registry`] is the one entry point the rest of Weft needs.

use std::sync::Arc;

use weft_core::catalog::ConnectorRegistry;

pub mod codec;
pub mod datagen;
pub mod delta;
mod exec_util;
pub mod filesystem;
pub mod formats;
pub mod hive;
pub mod iceberg;
pub mod kafka;
pub mod object_stores;
pub mod tpch;

pub use codec::ConnectorCodec;
pub use datagen::{DatagenConnector, DatagenExec};
pub use filesystem::{FileSinkExec, FilesystemConnector};
pub use object_stores::WeftObjectStoreRegistry;
pub use tpch::{TpchConnector, TpchExec};

/// Every connector Weft ships, the codec for their plan nodes and a lazily populated
/// object-store registry (one store per scheme + authority). Install `object_stores` as the
/// `RuntimeEnv`'s registry in every process (client, JobManager, TaskManagers), and `codec` as
/// the `PhysicalExtensionCodec` when (de)serializing plan fragments.
pub fn default_registry() -> ConnectorRegistry {
    let object_stores = Arc::new(WeftObjectStoreRegistry::new());
    ConnectorRegistry {
        connectors: vec![
            Arc::new(DatagenConnector),
            Arc::new(TpchConnector),
            Arc::new(FilesystemConnector::new(object_stores.clone())),
            Arc::new(hive::HiveConnector::new(object_stores.clone())),
            Arc::new(kafka::KafkaConnector),
            Arc::new(delta::DeltaConnector::new(object_stores.clone())),
            Arc::new(iceberg::IcebergConnector::new(object_stores.clone())),
        ],
        codec: Arc::new(ConnectorCodec),
        object_stores,
    }
}
