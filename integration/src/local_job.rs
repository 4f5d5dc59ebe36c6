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

/// The TaskManager processes a local `weft run` (process `parent`) started.
pub fn child_taskmanagers(parent: u32) -> Vec<u32> {
    let out = Command::new("pgrep")
        .arg("-P")
        .arg(parent.to_string())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .filter(|pid: &u32| {
            std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .map(|c| c.contains("taskmanager"))
                .unwrap_or(false)
        })
        .collect()
}
