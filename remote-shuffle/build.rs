fn main() -> Result<(), Box<dyn std::error::Error>> {
    // SAFETY: build scripts are single-threaded.
    unsafe { std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?) };
    println!("cargo:rerun-if-changed=proto/rss.proto");
    tonic_prost_build::configure()
        .bytes(".")
        .compile_protos(&["proto/rss.proto"], &["proto"])?;
    Ok(())
}
