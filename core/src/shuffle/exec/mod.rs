//! The execution-plan nodes at the ends of a JobVertex: [`ShuffleWriterExec`] at the root
//! of a producing vertex, [`ShuffleReaderExec`] at the leaves of a consuming one.

mod reader;
mod writer;

pub use reader::{DistributionPattern, ShuffleReaderExec};
pub use writer::ShuffleWriterExec;
