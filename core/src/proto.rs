//! Generated gRPC/protobuf code for Weft's control plane (see `proto/weft.proto`).
#![allow(clippy::all, missing_docs)]
tonic::include_proto!("weft");
