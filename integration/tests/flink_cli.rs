//! Apache Flink 2.3's own CLI (PyPI's `apache-flink`, installed by `.ci/setup-flink.sh`)
//! against a local Weft JobManager's REST API: `flink list -m` shows the running job,
//! `flink cancel -m` is refused without the application's secret and cancels the job with
//! it (sent from `FLINK_REST_CLIENT_HEADERS`, as Flink's CLI does).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use weft_integration::weft_bin::{weft_bin, workspace_root};

/// Flink's `bin/flink` in the venv `.ci/setup-flink.sh` fills.
fn flink_cli() -> PathBuf {
    let venv = std::env::var_os("WEFT_PYFLINK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/weft-pyflink")
        });
    let found = std::fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|python| python.path().join("site-packages/pyflink/bin/flink"))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "Flink's CLI is not installed in {}: run {}/.ci/setup-flink.sh first",
            venv.display(),
            workspace_root().display()
        )
    })
}

/// A minimal Flink configuration directory (Flink's CLI wants one).
fn flink_conf_dir(dir: &Path, cli: &Path) -> PathBuf {
    let conf = dir.join("flink-conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("config.yaml"), "parallelism.default: 1\n").unwrap();
    let log4j = cli.parent().unwrap().join("../conf/log4j-cli.properties");
    if log4j.is_file() {
        std::fs::copy(&log4j, conf.join("log4j-cli.properties")).unwrap();
    }
    conf
}

fn flink(cli: &Path, conf: &Path, args: &[&str], headers: Option<&str>) -> Output {
    let mut cmd = Command::new(cli);
    cmd.args(args)
        .env("FLINK_CONF_DIR", conf)
        .env(
            "JAVA_TOOL_OPTIONS",
            "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
        )
        .env_remove("FLINK_REST_CLIENT_HEADERS")
        .stdin(Stdio::null());
    if let Some(h) = headers {
        cmd.env("FLINK_REST_CLIENT_HEADERS", h);
    }
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let child = child.expect("Flink's CLI starts");
    wait_output(child, Duration::from_secs(120), "Flink's CLI")
}

/// Wait for a process with a deadline (never hang the test run).
fn wait_output(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on the REST API, its JSON (None while nothing listens yet).
fn rest_json(port: u16, path: &str) -> Option<Value> {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    conn.read_to_string(&mut raw).ok()?;
    let (_, body) = raw.split_once("\r\n\r\n")?;
    serde_json::from_str(body).ok()
}

fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A TPC-H join at scale 1 that runs far longer than the test needs (each supplier's
/// 600 lines joined with each other: 3.6 billion pairs), so it is still running when
/// Flink's CLI lists and cancels it.
fn script(out: &Path) -> String {
    format!(
        "SET 'parallelism.default' = '2';
SET 'table.optimizer.join.broadcast-threshold' = '0';
CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '1');
CREATE TABLE result (l_suppkey BIGINT, pairs BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO result
SELECT a.l_suppkey, COUNT(*)
FROM lineitem a JOIN lineitem b ON a.l_suppkey = b.l_suppkey
GROUP BY a.l_suppkey;
",
        out.display()
    )
}

/// The local cluster's secret, from `<io.tmp.dirs>/weft-local-*/cluster.secret`.
fn cluster_secret(tmp_dirs: &Path) -> String {
    wait_for(
        "the local cluster's secret file",
        Duration::from_secs(30),
        || {
            std::fs::read_dir(tmp_dirs)
                .ok()?
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("weft-local-"))
                .find_map(|e| std::fs::read_to_string(e.path().join("cluster.secret")).ok())
                .map(|s| s.trim().to_string())
                .filter(|s| s.len() == 64)
        },
    )
}

#[test]
fn flinks_cli_lists_a_weft_job_and_cancels_it_with_the_applications_secret() {
    let cli = flink_cli();
    let dir = tempfile::tempdir().unwrap();
    let conf = flink_conf_dir(dir.path(), &cli);
    let tmp_dirs = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp_dirs).unwrap();
    let port = free_port();
    let job_file = dir.path().join("join.sql");
    std::fs::write(&job_file, script(&dir.path().join("out"))).unwrap();
    let weft = Command::new(weft_bin())
        .args(["run", "-f"])
        .arg(&job_file)
        .args(["-D", &format!("rest.port={port}")])
        .args(["-D", &format!("io.tmp.dirs={}", tmp_dirs.display())])
        .args(["-D", "local.number-taskmanager=2"])
        .stdin(Stdio::null())
        // Files, not pipes: nothing reads them while the job runs.
        .stdout(std::fs::File::create(dir.path().join("weft.out")).unwrap())
        .stderr(std::fs::File::create(dir.path().join("weft.err")).unwrap())
        .spawn()
        .expect("start weft");
    // Kill weft whatever happens below.
    struct KillOnDrop(Option<Child>);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            if let Some(c) = self.0.as_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
    let mut weft = KillOnDrop(Some(weft));

    let (job_id, name) = wait_for("the job to run", Duration::from_secs(120), || {
        let v = rest_json(port, "/v1/jobs/overview")?;
        let job = v["jobs"].as_array()?.first()?.clone();
        (job["state"] == "RUNNING").then(|| {
            (
                job["jid"].as_str().unwrap().to_string(),
                job["name"].as_str().unwrap().to_string(),
            )
        })
    });
    let master = format!("127.0.0.1:{port}");

    let listed = flink(&cli, &conf, &["list", "-m", &master], None);
    let listed_text = text(&listed);
    assert!(listed.status.success(), "flink list failed:\n{listed_text}");
    assert!(
        listed_text.contains(&job_id) && listed_text.contains("(RUNNING)"),
        "flink list does not show job {job_id}:\n{listed_text}"
    );
    // Flink prints the first line of a job's name.
    let first_line = name.lines().next().unwrap_or_default();
    assert!(
        listed_text.contains(first_line),
        "flink list does not show the name {first_line:?}:\n{listed_text}"
    );

    let refused = flink(&cli, &conf, &["cancel", "-m", &master, &job_id], None);
    let refused_text = text(&refused);
    assert!(
        !refused.status.success(),
        "flink cancel without the secret succeeded:\n{refused_text}"
    );
    assert!(
        refused_text.contains("needs the application's secret"),
        "the refusal does not say what to do:\n{refused_text}"
    );
    let v = rest_json(port, &format!("/v1/jobs/{job_id}")).expect("the job's details");
    assert_eq!(v["state"], "RUNNING", "the refused cancel changed the job");

    let secret = cluster_secret(&tmp_dirs);
    let header = format!("Authorization:Bearer {secret}");
    let cancelled = flink(
        &cli,
        &conf,
        &["cancel", "-m", &master, &job_id],
        Some(&header),
    );
    let cancelled_text = text(&cancelled);
    assert!(
        cancelled.status.success(),
        "flink cancel with the secret failed:\n{cancelled_text}"
    );

    let out = wait_output(
        weft.0.take().unwrap(),
        Duration::from_secs(60),
        "the cancelled weft run",
    );
    let weft_text = ["weft.out", "weft.err"]
        .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default())
        .concat();
    assert!(!out.status.success(), "weft run succeeded:\n{weft_text}");
    assert!(
        weft_text.contains("CANCELED") && weft_text.contains("cancelled"),
        "weft run does not say the job was cancelled:\n{weft_text}"
    );
}
