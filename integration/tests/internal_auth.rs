//! Nobody outside an application gets into its internal ports. Against a real local
//! cluster (`weft run`, its TaskManager processes) and real `weft shuffle` processes, with
//! raw gRPC clients generated from the protocol files:
//! - a call without the application's secret, or with another secret, is refused by the
//!   Dispatcher, the JobManager gateway and the TaskManagers (whose `Shutdown` would
//!   otherwise stop the job), and the job still writes every row;
//! - the secret is on no command line and in no environment;
//! - a partition request naming a path is refused by the TaskManager's data service;
//! - the shuffle service refuses callers without its secret, and one application cannot
//!   read, commit to or unregister another application's shuffle.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use prost::Message;
use tonic::Code;
use weft_core::proto::dispatcher_client::DispatcherClient;
use weft_core::proto::job_manager_gateway_client::JobManagerGatewayClient;
use weft_core::proto::task_executor_gateway_client::TaskExecutorGatewayClient;
use weft_core::proto::{
    ErrorProto, FetchPartitionRequest, ListJobsRequest, ShutdownRequest, TaskManagerHeartbeat,
};
use weft_core::security::ClusterSecret;
use weft_integration::local_job::child_taskmanagers;
use weft_integration::shuffle_service::ShuffleService;
use weft_integration::tpch::read_csv_dir;
use weft_integration::weft_bin::weft_bin;
use weft_remote_shuffle::proto::shuffle_coordinator_client::ShuffleCoordinatorClient;
use weft_remote_shuffle::proto::shuffle_worker_client::ShuffleWorkerClient;
use weft_remote_shuffle::proto::{
    CommitMapRequest, MapAttempt, PushBatch, PushRequest, ReadOpen, ReadPlanRequest, ReadRequest,
    RegisterShuffleRequest, ShuffleAck, UnregisterJobRequest,
};

const AUTH: &str = "weft-auth";
const APP: &str = "weft-shuffle-app";

/// A request carrying `headers`.
fn req<T>(msg: T, headers: &[(&'static str, &str)]) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    for (k, v) in headers {
        r.metadata_mut().insert(*k, v.parse().unwrap());
    }
    r
}

fn error_kind(s: &tonic::Status) -> String {
    ErrorProto::decode(s.details())
        .map(|p| p.kind)
        .unwrap_or_default()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(authority: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(authority).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A job that runs for a while: TPC-H lineitem at scale 1, aggregated.
fn start_job(dir: &Path, rest_port: u16) -> Child {
    let script = format!(
        "CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '1');
CREATE TABLE result (l_returnflag STRING, n BIGINT, qty DOUBLE)
  WITH ('connector' = 'filesystem', 'path' = 'file://{}', 'format' = 'csv');
INSERT INTO result
SELECT l_returnflag, COUNT(*), SUM(l_quantity) FROM lineitem GROUP BY l_returnflag;
",
        dir.join("out").display()
    );
    let path = dir.join("job.sql");
    std::fs::write(&path, script).unwrap();
    Command::new(weft_bin())
        .args(["run", "-f"])
        .arg(&path)
        .args([
            "-D",
            "parallelism.default=2",
            "-D",
            "local.number-taskmanager=2",
        ])
        .args(["-D", &format!("rest.port={rest_port}")])
        .args(["-D", &format!("io.tmp.dirs={}", dir.display())])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("job.out")).unwrap())
        .stderr(std::fs::File::create(dir.join("job.err")).unwrap())
        .spawn()
        .expect("start weft")
}

/// The local cluster's work directory under `dir` (io.tmp.dirs).
fn work_dir(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("weft-local-"))
        })
}

fn arg_after(cmdline: &[String], flag: &str) -> Option<String> {
    let i = cmdline.iter().position(|a| a == flag)?;
    cmdline.get(i + 1).cloned()
}

fn proc_words(pid: u32, file: &str) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/{file}"))
        .unwrap_or_default()
        .split(|b| *b == 0)
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_ports_refuse_callers_without_the_applications_secret() {
    let dir = tempfile::tempdir().unwrap();
    let rest_port = free_port();
    let mut child = start_job(dir.path(), rest_port);

    // The secret file the local TaskManagers read: owner-only, in an owner-only directory.
    let work = wait_for("the local cluster's work directory", || {
        work_dir(dir.path())
    });
    let secret_file = work.join("cluster.secret");
    let secret = wait_for("the secret file", || {
        ClusterSecret::read_private(&secret_file).ok()
    });
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&work), 0o700);
    assert_eq!(mode(&secret_file), 0o600);

    // The JobManager's address from a TaskManager's command line, which (like its
    // environment) does not hold the secret.
    let tms = wait_for("two TaskManagers", || {
        let t = child_taskmanagers(child.id());
        (t.len() == 2).then_some(t)
    });
    for pid in &tms {
        for file in ["cmdline", "environ"] {
            let words = proc_words(*pid, file);
            assert!(
                !words.iter().any(|w| w.contains(secret.as_str())),
                "the secret is in /proc/{pid}/{file}"
            );
        }
    }
    for file in ["cmdline", "environ"] {
        assert!(
            !proc_words(child.id(), file)
                .iter()
                .any(|w| w.contains(secret.as_str()))
        );
    }
    let jm = arg_after(&proc_words(tms[0], "cmdline"), "--jobmanager").expect("--jobmanager");
    let jm_url = format!("http://{jm}");

    // The TaskManagers' data service addresses, from the REST API (reads stay open).
    let rest = format!("127.0.0.1:{rest_port}");
    let tm_addresses: Vec<String> = wait_for("the REST API", || {
        let body = std::panic::catch_unwind(|| http_get(&rest, "/taskmanagers")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        let a: Vec<String> = v["taskmanagers"]
            .as_array()?
            .iter()
            .filter_map(|t| t["address"].as_str().map(String::from))
            .collect();
        (a.len() == 2).then_some(a)
    });

    let wrong = ClusterSecret::generate();
    let none: &[(&'static str, &str)] = &[];
    let bad: &[(&'static str, &str)] = &[(AUTH, wrong.as_str())];
    let good: &[(&'static str, &str)] = &[(AUTH, secret.as_str())];

    // The Dispatcher.
    let mut d = DispatcherClient::connect(jm_url.clone()).await.unwrap();
    for headers in [none, bad] {
        let e = d
            .list_jobs(req(ListJobsRequest {}, headers))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
        assert_eq!(error_kind(&e), "Unauthenticated");
    }
    d.list_jobs(req(ListJobsRequest {}, good))
        .await
        .expect("the application's own secret is accepted");

    // The JobManager gateway: a forged heartbeat.
    let mut g = JobManagerGatewayClient::connect(jm_url.clone())
        .await
        .unwrap();
    for headers in [none, bad] {
        let hb = TaskManagerHeartbeat {
            resource_id: "local-tm-1".into(),
            running_attempts: vec![],
        };
        let e = g.heartbeat(req(hb, headers)).await.unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
    }

    // Every TaskManager: Shutdown is refused (the job goes on), and its data service
    // serves result partitions by name, never a path.
    for tm in &tm_addresses {
        let mut t = TaskExecutorGatewayClient::connect(format!("http://{tm}"))
            .await
            .unwrap();
        for headers in [none, bad] {
            let e = t
                .shutdown(req(ShutdownRequest {}, headers))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::Unauthenticated, "{tm}: {e:?}");
        }
        for name in [
            "../../../../../../etc/passwd",
            "/etc/passwd",
            "00000000000000000000000000000000-1_0_0/../../../etc/passwd",
        ] {
            let fetch = FetchPartitionRequest {
                result_partition: name.into(),
                partition: 0,
            };
            let e = match t.fetch_partition(req(fetch, good)).await {
                Err(e) => e,
                Ok(mut stream) => stream
                    .get_mut()
                    .message()
                    .await
                    .expect_err("a path is never served"),
            };
            assert_eq!(error_kind(&e), "PartitionNotFound", "{name}: {e:?}");
            assert!(e.message().contains("never a path"), "{}", e.message());
        }
    }

    // The job was not disturbed.
    let status = wait_for("the job to end", || child.try_wait().unwrap());
    let err = std::fs::read_to_string(dir.path().join("job.err")).unwrap_or_default();
    assert!(status.success(), "the job failed:\n{err}");
    let lines = read_csv_dir(&dir.path().join("out")).unwrap();
    assert_eq!(lines.len(), 3, "{lines:?}");
    // The JobManager logged the refusals with the caller's address.
    assert!(
        err.contains("refused a call to the JobManager from 127.0.0.1:"),
        "no refusal logged:\n{err}"
    );
    let _ = child.kill();
}

/// One shuffle frame of a small batch.
fn frame() -> Vec<u8> {
    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field, Schema};
    let schema = std::sync::Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, false)]));
    let batch = arrow::record_batch::RecordBatch::try_new(
        schema,
        vec![std::sync::Arc::new(Int64Array::from(vec![1, 2, 3]))],
    )
    .unwrap();
    let mut out = Vec::new();
    weft_core::shuffle::local::encode_frame(
        &batch,
        weft_core::shuffle::local::CompressionCodec::None,
        &mut out,
    )
    .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shuffle_service_serves_an_application_only_its_own_shuffles() {
    let service = ShuffleService::start(1);
    let secret = ClusterSecret::read_private(&service.secret_file()).unwrap();
    let wrong = ClusterSecret::generate();
    let (app_a, app_b) = (
        ClusterSecret::generate().derive("a"),
        ClusterSecret::generate().derive("b"),
    );
    let a: &[(&'static str, &str)] = &[(AUTH, secret.as_str()), (APP, &app_a)];
    let b: &[(&'static str, &str)] = &[(AUTH, secret.as_str()), (APP, &app_b)];

    let mut c =
        ShuffleCoordinatorClient::connect(format!("http://{}", service.coordinator.address))
            .await
            .unwrap();
    // Without the service secret, or with another, nothing is answered.
    for headers in [&[][..], &[(AUTH, wrong.as_str())][..]] {
        let e = c.status(req(ShuffleAck {}, headers)).await.unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
    }
    let st = c
        .status(req(ShuffleAck {}, a))
        .await
        .expect("the service secret is accepted")
        .into_inner();
    assert_eq!(st.live_workers, 1);

    // Application A registers a shuffle, pushes a batch and commits it.
    let job = "0123456789abcdef0123456789abcdef";
    let shuffle = format!("{job}-v1");
    let register = || RegisterShuffleRequest {
        job_id: job.into(),
        shuffle_id: shuffle.clone(),
        num_partitions: 1,
        replicas: 1,
    };
    let placement = c
        .register_shuffle(req(register(), a))
        .await
        .unwrap()
        .into_inner();
    let p = &placement.partitions[0];
    let mut w = ShuffleWorkerClient::connect(format!("http://{}", p.primary))
        .await
        .unwrap();
    let push = |app: &[(&'static str, &str)]| {
        req(
            tokio_stream::iter(vec![PushRequest {
                batches: vec![PushBatch {
                    shuffle_id: shuffle.clone(),
                    partition: 0,
                    epoch: p.epoch,
                    map_id: 0,
                    attempt: 0,
                    batch_id: 0,
                    frame: frame().into(),
                    replica: String::new(),
                    is_replica: false,
                }],
            }]),
            app,
        )
    };
    w.push(push(a)).await.expect("the owner pushes");
    let commit = || CommitMapRequest {
        shuffle_id: shuffle.clone(),
        map_id: 0,
        attempt: 0,
        epochs: vec![p.epoch],
        batches: vec![1],
    };
    c.commit_map(req(commit(), a))
        .await
        .expect("the owner commits");

    // Application B: no registration over it, no commit, no read plan, no push, no read,
    // no unregistration.
    let denied = |e: tonic::Status| {
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        assert!(
            e.message().contains("another application"),
            "{}",
            e.message()
        );
    };
    denied(c.register_shuffle(req(register(), b)).await.unwrap_err());
    denied(c.commit_map(req(commit(), b)).await.unwrap_err());
    let plan = || ReadPlanRequest {
        shuffle_id: shuffle.clone(),
        partition: 0,
        maps: vec![MapAttempt {
            map_id: 0,
            attempt: 0,
        }],
    };
    denied(c.get_read_plan(req(plan(), b)).await.unwrap_err());
    denied(w.push(push(b)).await.unwrap_err());
    let open = || ReadOpen {
        shuffle_id: shuffle.clone(),
        partition: 0,
        epoch: p.epoch,
        replica: false,
        maps: vec![MapAttempt {
            map_id: 0,
            attempt: 0,
        }],
    };
    denied(w.locate(req(open(), b)).await.unwrap_err());
    // A read stream stays open while the reader wants chunks (its credits end with it).
    let read = |app| {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        tx.try_send(ReadRequest {
            open: Some(open()),
            credits: 4,
        })
        .unwrap();
        (
            req(tokio_stream::wrappers::ReceiverStream::new(rx), app),
            tx,
        )
    };
    let (request, _keep_open) = read(b);
    match w.read(request).await {
        Err(e) => denied(e),
        Ok(mut s) => denied(s.get_mut().message().await.unwrap_err()),
    }
    let unregister = || UnregisterJobRequest { job_id: job.into() };
    denied(c.unregister_job(req(unregister(), b)).await.unwrap_err());

    // A still reads its batch, and unregisters its job.
    c.get_read_plan(req(plan(), a))
        .await
        .expect("the owner's read plan");
    let (request, _keep_open) = read(a);
    let mut s = w.read(request).await.expect("the owner reads").into_inner();
    let chunk = s.message().await.unwrap().expect("one chunk");
    assert_eq!(chunk.frames.len(), 1);
    assert_eq!(chunk.frames[0].frame, frame());
    c.unregister_job(req(unregister(), a)).await.unwrap();
}
