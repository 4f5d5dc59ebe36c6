//! The remote shuffle service as real processes for tests: `weft shuffle coordinator` and
//! `weft shuffle worker`s on 127.0.0.1, each with its Prometheus endpoint.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::weft_bin::weft_bin;

pub struct Process {
    child: Child,
    /// Its service address (host:port).
    pub address: String,
    /// Its metrics endpoint (host:port).
    pub metrics: String,
}

impl Process {
    /// Start `weft <args>` and wait for its "listening on ADDR; metrics at http://M/metrics" line.
    fn start(args: &[String], log: PathBuf) -> Process {
        let mut child = Command::new(weft_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start weft shuffle");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the ready line");
        let (Some(a), Some(m)) = (line.find("listening on "), line.find("metrics at http://"))
        else {
            let _ = child.kill();
            panic!(
                "weft {} did not start: {line:?}; log:\n{}",
                args.join(" "),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let address = line[a + 13..].split(';').next().unwrap().trim().to_string();
        let metrics = line[m + 18..]
            .trim()
            .trim_end_matches("/metrics")
            .to_string();
        Process {
            child,
            address,
            metrics,
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The value of one sample of its `/metrics` page.
    pub fn metric(&self, name: &str) -> u64 {
        let mut s = TcpStream::connect(&self.metrics).expect("connect to the metrics endpoint");
        write!(s, "GET /metrics HTTP/1.0\r\nHost: {}\r\n\r\n", self.metrics).unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        body.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no sample {name} in:\n{body}"))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct ShuffleService {
    pub coordinator: Process,
    pub workers: Vec<Process>,
    pub dir: tempfile::TempDir,
}

impl ShuffleService {
    /// A coordinator (workers time out after 3 s) and `workers` workers.
    pub fn start(workers: usize) -> ShuffleService {
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = dir.path().join("shuffle.secret");
        let o = Command::new(weft_bin())
            .args(["shuffle", "secret", "--out"])
            .arg(&secret)
            .output()
            .expect("run weft shuffle secret");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let secret_setting = format!("shuffle.remote.secret-file={}", secret.display());
        let coordinator = Process::start(
            &[
                "shuffle".into(),
                "coordinator".into(),
                "--listen".into(),
                "127.0.0.1:0".into(),
                "-D".into(),
                "shuffle.remote.worker-timeout=3s".into(),
                "-D".into(),
                secret_setting.clone(),
            ],
            dir.path().join("coordinator.log"),
        );
        let mut s = ShuffleService {
            coordinator,
            workers: Vec::new(),
            dir,
        };
        for i in 0..workers {
            let data = s.dir.path().join(format!("worker{i}"));
            std::fs::create_dir_all(&data).unwrap();
            let w = Process::start(
                &[
                    "shuffle".into(),
                    "worker".into(),
                    "--coordinator".into(),
                    s.coordinator.address.clone(),
                    "--data-dirs".into(),
                    data.display().to_string(),
                    "-D".into(),
                    "shuffle.remote.disk-reserve=0".into(),
                    "-D".into(),
                    secret_setting.clone(),
                ],
                s.dir.path().join(format!("worker{i}.log")),
            );
            s.workers.push(w);
        }
        s
    }

    /// `-D` settings that point a job at this service.
    pub fn job_settings(&self, replicas: u32) -> Vec<String> {
        vec![
            "shuffle.mode=remote".into(),
            format!("shuffle.remote.coordinator={}", self.coordinator.address),
            format!("shuffle.remote.replicas={replicas}"),
            format!(
                "shuffle.remote.secret-file={}",
                self.secret_file().display()
            ),
        ]
    }

    /// The service's secret file.
    pub fn secret_file(&self) -> PathBuf {
        self.dir.path().join("shuffle.secret")
    }

    /// The service's logs, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for e in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "log") {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                out.push_str(&format!("--- {}\n", e.path().display()));
                for l in tail.into_iter().rev() {
                    out.push_str(l);
                    out.push('\n');
                }
            }
        }
        out
    }
}
