//! Compiles the Hadoop / YARN `.proto` subset under `proto/` with prost.

const PROTOS: &[&str] = &[
    "proto/RpcHeader.proto",
    "proto/ProtobufRpcEngine.proto",
    "proto/IpcConnectionContext.proto",
    "proto/Security.proto",
    "proto/yarn_protos.proto",
    "proto/yarn_service_protos.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A vendored protoc: no system package needed on a fresh machine.
    // SAFETY: build scripts are single-threaded.
    unsafe { std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?) };
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    prost_build::Config::new().compile_protos(PROTOS, &["proto"])?;
    Ok(())
}
