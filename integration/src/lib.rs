//! Test harness for Weft's end-to-end tests.
pub mod iceberg;
pub mod java_harness;
pub mod kafka;
pub mod local_job;
pub mod metastore;
pub mod minicluster;
pub mod shuffle_service;
pub mod streaming_job;
pub mod tpch;
pub mod weft_bin;
pub mod yarn_job;
