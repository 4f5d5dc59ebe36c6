//! The progress line while a job runs and the summary when it ends.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use weft_core::proto::{JobState, JobStatusProto};

pub struct Progress {
    tty: bool,
    last_line: String,
    last_print: Instant,
}

impl Progress {
    pub fn new() -> Self {
        Progress {
            tty: std::io::stderr().is_terminal(),
            last_line: String::new(),
            last_print: Instant::now() - Duration::from_secs(60),
        }
    }

    pub fn update(&mut self, st: &JobStatusProto) {
        let rows: u64 = st
            .vertices
            .iter()
            .filter(|v| v.name.ends_with("Sink") || v.name.contains("FileSink"))
            .map(|v| v.records_out)
            .sum();
        let running: u32 = st.vertices.iter().map(|v| v.running).sum();
        let line = format!(
            "[{}] {}  subtasks {}/{} finished, {} running{}{}  {:.1}s",
            short(&st.job_id),
            state_name(st.state),
            st.finished_subtasks,
            st.total_subtasks,
            running,
            if rows > 0 {
                format!(", {} rows written", thousands(rows))
            } else {
                String::new()
            },
            if st.restarts > 0 {
                format!(", {} restart(s)", st.restarts)
            } else {
                String::new()
            },
            st.duration_ms as f64 / 1000.0
        );
        let mut err = std::io::stderr();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        } else if line_changed(&self.last_line, &line)
            && self.last_print.elapsed() >= Duration::from_secs(1)
        {
            let _ = writeln!(err, "{line}");
            self.last_print = Instant::now();
        }
        self.last_line = line;
    }

    pub fn done(&mut self) {
        if self.tty && !self.last_line.is_empty() {
            eprintln!();
        }
    }
}

/// Ignore changes in the elapsed time alone.
fn line_changed(old: &str, new: &str) -> bool {
    let strip = |s: &str| {
        s.rsplit_once("  ")
            .map(|(a, _)| a.to_string())
            .unwrap_or_default()
    };
    strip(old) != strip(new)
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

pub fn state_name(state: i32) -> &'static str {
    match JobState::try_from(state).unwrap_or(JobState::Created) {
        JobState::Created => "CREATED",
        JobState::Running => "RUNNING",
        JobState::Finished => "FINISHED",
        JobState::Failed => "FAILED",
        JobState::Canceled => "CANCELED",
        JobState::Failing => "FAILING",
        JobState::Cancelling => "CANCELLING",
    }
}

pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
