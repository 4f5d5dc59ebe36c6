//! Locating the `weft` binary the end-to-end tests run as a real process.

use std::path::{Path, PathBuf};

/// The workspace root (the integration crate's parent directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("integration crate lives inside the workspace")
        .to_path_buf()
}

/// The cargo target directory: `$CARGO_TARGET_DIR` (at run time, else at build time; a
/// relative value is taken relative to the workspace root), or `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    let configured = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| option_env!("CARGO_TARGET_DIR").map(PathBuf::from));
    match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => workspace_root().join(p),
        None => workspace_root().join("target"),
    }
}

/// The debug `weft` binary built by `cargo build -j2 --bin weft`.
///
/// # Panics
/// If the binary has not been built.
pub fn weft_bin() -> PathBuf {
    let bin = target_dir()
        .join("debug")
        .join(format!("weft{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        panic!(
            "the weft binary is missing at {}; build it first: cargo build -j2 --bin weft",
            bin.display()
        );
    }
    bin
}
