fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A vendored protoc: no system package needed on a fresh machine.
    // SAFETY: build scripts are single-threaded.
    unsafe { std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?) };
    println!("cargo:rerun-if-changed=proto/weft.proto");
    tonic_prost_build::configure().compile_protos(&["proto/weft.proto"], &["proto"])?;
    Ok(())
}
