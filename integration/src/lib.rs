//! Test harness for Weft's end-to-end tests.
pub mod minicluster;
pub mod tpch;
pub mod weft_bin;
