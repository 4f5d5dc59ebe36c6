//! Generated protobuf messages for the Hadoop / YARN `.proto` subset in `proto/`.

#![allow(clippy::all, missing_docs)]

pub mod hadoop {
    pub mod common {
        include!(concat!(env!("OUT_DIR"), "/hadoop.common.rs"));
    }
    pub mod yarn {
        include!(concat!(env!("OUT_DIR"), "/hadoop.yarn.rs"));
    }
}

pub use hadoop::common;
pub use hadoop::yarn;
