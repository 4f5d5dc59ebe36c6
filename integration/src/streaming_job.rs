//! Streaming `weft run` processes in tests: start one (optionally resuming), and follow its
//! checkpoints.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::weft_bin::weft_bin;

/// The settings the streaming tests share: streaming mode, a checkpoint every 300 ms under
/// `dir/checkpoints`, parallelism 2, up to 5 restarts 200 ms apart.
pub fn settings(dir: &Path) -> String {
    format!(
        "SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '300 ms';
SET 'state.checkpoints.dir' = '{}/checkpoints';
SET 'parallelism.default' = '2';
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '5';
SET 'restart-strategy.fixed-delay.delay' = '200 ms';
",
        dir.display()
    )
}

/// `weft run -f <script> [-s <resume>]` in the background, stderr appended to `log`.
pub fn start(script: &Path, resume: Option<&Path>, log: &Path) -> Child {
    start_crashing(script, resume, log, None)
}

/// [`start`], the job exiting right after epoch `crash_after` committed and before its
/// checkpoint is written (`WEFT_TEST_CRASH_AFTER_EPOCH`).
pub fn start_crashing(
    script: &Path,
    resume: Option<&Path>,
    log: &Path,
    crash_after: Option<u64>,
) -> Child {
    let mut cmd = Command::new(weft_bin());
    cmd.args(["run", "-f"]).arg(script);
    if let Some(r) = resume {
        cmd.arg("-s").arg(r);
    }
    if let Some(id) = crash_after {
        cmd.env("WEFT_TEST_CRASH_AFTER_EPOCH", id.to_string());
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap(),
        ))
        .spawn()
        .unwrap()
}

/// Records of `table` the latest checkpoint under `checkpoints` has read.
pub fn checkpointed(checkpoints: &Path, table: &str) -> i64 {
    std::fs::read_dir(checkpoints)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("_metadata")).ok())
        .filter_map(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .map(|v| {
            v["offsets"][table]
                .as_object()
                .map(|m| m.values().filter_map(|o| o.as_i64()).sum())
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

/// Wait (up to 2 min) until `n` records of `table` are checkpointed; panics with the job's
/// log if it exits first.
pub fn wait_for_checkpointed(checkpoints: &Path, table: &str, n: i64, job: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let log = || std::fs::read_to_string(log).unwrap_or_default();
    while checkpointed(checkpoints, table) < n {
        if let Ok(Some(status)) = job.try_wait() {
            panic!("the streaming job exited ({status}):\n{}", log());
        }
        assert!(
            Instant::now() < deadline,
            "{n} records were not checkpointed in time (at {}):\n{}",
            checkpointed(checkpoints, table),
            log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
