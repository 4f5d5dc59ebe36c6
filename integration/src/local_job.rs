//! Running `weft run -f <script>` locally (the embedded default) from tests.

use std::path::Path;
use std::process::{Command, Output};

use crate::weft_bin::weft_bin;
pub use crate::yarn_job::text;

/// Write `script` to `dir/name` and run it with parallelism 2; the process's output.
pub fn run_local(dir: &Path, name: &str, script: &str) -> Output {
    let file = dir.join(name);
    std::fs::write(&file, script).unwrap();
    Command::new(weft_bin())
        .args(["run", "-f"])
        .arg(&file)
        .args(["-D", "parallelism.default=2"])
        .output()
        .expect("weft runs")
}
