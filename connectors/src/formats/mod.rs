//! Message formats for Kafka records: the CDC formats (`cdc.rs`) and the changelog rows
//! they decode to (`changelog.rs`).

pub mod cdc;
pub mod changelog;

pub use cdc::{CdcFormat, decode};
pub use changelog::{Change, ROW_KIND_COLUMN, RowKind, SEQ_COLUMN, changelog_schema, to_batch};
