//! The YARN client and `weft yarn` against a real Hadoop mini cluster (started once for this
//! test binary; see `weft_integration::minicluster`), plus the failure modes a user meets:
//! an unreachable RM, a silent one, an unknown application id, a malformed conf file.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use weft_integration::minicluster::minicluster;
use weft_yarn_client::conf::{HadoopConf, current_user};
use weft_yarn_client::ipc::IpcSettings;
use weft_yarn_client::proto::yarn::{
    AllocateRequestProto, ApplicationSubmissionContextProto, ContainerLaunchContextProto,
    ContainerStateProto, FinalApplicationStatusProto, PriorityProto, ResourceRequestProto,
};
use weft_yarn_client::records::{Resource, YarnApplicationState};
use weft_yarn_client::{AmRmClient, ApplicationId, NmClient, YarnClient, YarnError};

fn cluster_client() -> YarnClient {
    let conf = HadoopConf::load_dirs(&[minicluster().conf_dir.clone()]).unwrap();
    YarnClient::new(&conf, &current_user()).unwrap()
}

/// The `weft` binary of this build: next to the test binary's `deps/` directory.
fn weft_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let candidates = [
        exe.parent().and_then(Path::parent).map(|d| d.join("weft")),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/weft")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("the weft binary is not built next to {}: run `cargo build -p weft-cli` with the same target dir", exe.display()))
}

fn weft(conf_dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(weft_bin())
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .env_remove("YARN_CONF_DIR")
        .output()
        .unwrap();
    eprintln!(
        "$ weft {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "weft failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

async fn submit_sleep_app(client: &YarnClient, name: &str) -> ApplicationId {
    let app = client.get_new_application().await.unwrap();
    let context = ApplicationSubmissionContextProto {
        application_id: Some(app.id.into()),
        application_name: Some(name.to_string()),
        queue: Some("default".into()),
        am_container_spec: Some(ContainerLaunchContextProto {
            command: vec!["sleep 600".into()],
            ..Default::default()
        }),
        resource: Some(
            Resource {
                memory_mb: 256,
                vcores: 1,
            }
            .into(),
        ),
        max_app_attempts: Some(1),
        application_type: Some("WEFT-TEST".into()),
        ..Default::default()
    };
    client.submit_application(context).await.unwrap();
    app.id
}

async fn wait_for_state(
    client: &YarnClient,
    id: ApplicationId,
    want: &[YarnApplicationState],
) -> YarnApplicationState {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let r = client.get_application_report(id).await.unwrap();
        if want.contains(&r.state) {
            return r.state;
        }
        assert!(
            Instant::now() < deadline,
            "{id} stuck in {:?} (wanted {want:?}): {}",
            r.state,
            r.diagnostics
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Submits an unmanaged-AM application and waits for its AMRMToken, which the RM hands to
/// the submitting user in the application report once the attempt is launched.
async fn unmanaged_app(
    client: &YarnClient,
    name: &str,
) -> (ApplicationId, weft_yarn_client::Token) {
    let app = client.get_new_application().await.unwrap();
    client
        .submit_application(ApplicationSubmissionContextProto {
            application_id: Some(app.id.into()),
            application_name: Some(name.into()),
            unmanaged_am: Some(true),
            am_container_spec: Some(ContainerLaunchContextProto::default()),
            resource: Some(
                Resource {
                    memory_mb: 256,
                    vcores: 1,
                }
                .into(),
            ),
            max_app_attempts: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = client.get_application_report(app.id).await.unwrap();
        if let Some(t) = r.am_rm_token {
            return (app.id, t);
        }
        assert!(
            Instant::now() < deadline,
            "no AMRMToken for {}: {:?}",
            app.id,
            r.state
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn row_of<'a>(table: &'a str, id: &str) -> Option<Vec<&'a str>> {
    table
        .lines()
        .find(|l| l.trim_start().starts_with(id))
        .map(|l| l.split('\t').map(str::trim).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weft_yarn_lists_shows_and_kills_a_sleeping_application() {
    let mc = minicluster();
    let client = cluster_client();
    let id = submit_sleep_app(&client, "weft-it-sleep").await;
    let state = wait_for_state(
        &client,
        id,
        &[
            YarnApplicationState::Accepted,
            YarnApplicationState::Running,
        ],
    )
    .await;
    let state_name = state.as_str_name();

    let list = stdout_ok(&weft(&mc.conf_dir, &["yarn", "list"]));
    let row = row_of(&list, &id.to_string()).unwrap_or_else(|| panic!("{id} not listed:\n{list}"));
    let queue = client.get_application_report(id).await.unwrap().queue;
    assert!(queue.ends_with("default"), "{queue}");
    let expected = [
        "weft-it-sleep",
        "WEFT-TEST",
        &current_user(),
        &queue,
        state_name,
        "UNDEFINED",
    ];
    assert_eq!(&row[1..7], expected);

    let status = stdout_ok(&weft(&mc.conf_dir, &["yarn", "status", &id.to_string()]));
    assert!(
        status.contains(&format!("\tApplication-Id : {id}\n")),
        "{status}"
    );
    assert!(
        status.contains(&format!("\tState : {state_name}\n")),
        "{status}"
    );

    let kill = stdout_ok(&weft(&mc.conf_dir, &["yarn", "kill", &id.to_string()]));
    assert!(kill.contains(&format!("Killed application {id}")), "{kill}");
    assert_eq!(
        client.get_application_report(id).await.unwrap().state,
        YarnApplicationState::Killed
    );

    let status = stdout_ok(&weft(&mc.conf_dir, &["yarn", "status", &id.to_string()]));
    assert!(status.contains("\tState : KILLED\n"), "{status}");
    assert!(status.contains("\tFinal-State : KILLED\n"), "{status}");
    let running = stdout_ok(&weft(&mc.conf_dir, &["yarn", "list"]));
    assert!(
        row_of(&running, &id.to_string()).is_none(),
        "killed app still listed:\n{running}"
    );
    let killed = stdout_ok(&weft(&mc.conf_dir, &["yarn", "list", "--state", "KILLED"]));
    assert_eq!(row_of(&killed, &id.to_string()).unwrap()[6], "KILLED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weft_yarn_nodes_shows_the_nodemanager_and_its_resources() {
    let mc = minicluster();
    let out = stdout_ok(&weft(&mc.conf_dir, &["yarn", "nodes"]));
    assert!(out.starts_with("Total Nodes:1\n"), "{out}");
    let row: Vec<&str> = out
        .lines()
        .nth(2)
        .unwrap()
        .split('\t')
        .map(str::trim)
        .collect();
    assert_eq!(row[1], "RUNNING", "{out}");
    assert_eq!(row[5], "8192", "memory total: {out}");
    assert_eq!(row[7], "8", "vcores total: {out}");

    let nodes = cluster_client().get_cluster_nodes(&[]).await.unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(
        nodes[0].capability,
        Resource {
            memory_mb: 8192,
            vcores: 8
        }
    );
    assert_eq!(
        out.lines()
            .nth(2)
            .unwrap()
            .split('\t')
            .next()
            .unwrap()
            .trim(),
        nodes[0].node_id
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_calls_in_flight_share_one_connection() {
    let client = std::sync::Arc::new(cluster_client());
    let calls: Vec<_> = (0..32)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    c.get_cluster_metrics().await.map(|m| m.num_node_managers())
                } else {
                    c.get_cluster_nodes(&[]).await.map(|n| n.len() as i32)
                }
            })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_application_is_not_found_by_id() {
    let mc = minicluster();
    let client = cluster_client();
    let probe = client.get_new_application().await.unwrap().id;
    let missing = ApplicationId {
        cluster_timestamp: probe.cluster_timestamp,
        id: 9999,
    };
    let err = client.get_application_report(missing).await.unwrap_err();
    assert!(
        matches!(err, YarnError::ApplicationNotFound(ref s) if *s == missing.to_string()),
        "{err:?}"
    );
    assert_eq!(err.to_string(), format!("application {missing} not found"));
    let err = client.force_kill_application(missing).await.unwrap_err();
    assert!(matches!(err, YarnError::ApplicationNotFound(_)), "{err:?}");

    let out = weft(&mc.conf_dir, &["yarn", "status", &missing.to_string()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("application {missing} not found")),
        "{stderr}"
    );
}

/// An AM that is not in a container (unmanaged): gets its AMRMToken from the application
/// report, authenticates with SASL DIGEST-MD5 to the scheduler, gets a container and its
/// NMToken, and starts, inspects and stops `sleep` on the NodeManager.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmanaged_am_registers_allocates_and_runs_a_container_with_tokens() {
    let mc = minicluster();
    let conf = HadoopConf::load_dirs(&[mc.conf_dir.clone()]).unwrap();
    let client = cluster_client();
    let (app_id, token) = unmanaged_app(&client, "weft-it-unmanaged-am").await;
    assert_eq!(token.kind, "YARN_AM_RM_TOKEN");

    let am = AmRmClient::new(&conf, token).unwrap();
    let reg = am
        .register_application_master("127.0.0.1", 0, "")
        .await
        .unwrap();
    assert!(reg.maximum_capability.unwrap().memory() >= 1024);
    wait_for_state(&client, app_id, &[YarnApplicationState::Running]).await;

    let nm = NmClient::new(&current_user(), IpcSettings::from_conf(&conf).unwrap());
    let ask = ResourceRequestProto {
        priority: Some(PriorityProto { priority: Some(1) }),
        resource_name: Some("*".into()),
        capability: Some(
            Resource {
                memory_mb: 256,
                vcores: 1,
            }
            .into(),
        ),
        num_containers: Some(1),
        relax_locality: Some(true),
        ..Default::default()
    };
    let mut request = AllocateRequestProto {
        ask: vec![ask],
        progress: Some(0.1),
        ..Default::default()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let container = loop {
        let resp = am.allocate(std::mem::take(&mut request)).await.unwrap();
        nm.add_nm_tokens(&resp.nm_tokens);
        if let Some(c) = resp.allocated_containers.into_iter().next() {
            break c;
        }
        assert!(Instant::now() < deadline, "no container allocated");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };

    let node = weft_yarn_client::nm_client::node_of(&container).unwrap();
    let started = nm
        .start_container(
            &container,
            ContainerLaunchContextProto {
                command: vec!["sleep 600".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        started.failed_requests.is_empty(),
        "{:?}",
        started.failed_requests
    );
    assert_eq!(
        started.succeeded_requests,
        vec![container.id.clone().unwrap()]
    );

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = nm
            .get_container_statuses(&node, vec![container.id.clone().unwrap()])
            .await
            .unwrap();
        assert!(st.failed_requests.is_empty(), "{:?}", st.failed_requests);
        if st.status[0].state() == ContainerStateProto::CRunning {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "container not running: {:?}",
            st.status[0]
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let stopped = nm
        .stop_containers(&node, vec![container.id.clone().unwrap()])
        .await
        .unwrap();
    assert!(
        stopped.failed_requests.is_empty(),
        "{:?}",
        stopped.failed_requests
    );

    let deadline = Instant::now() + Duration::from_secs(60);
    while !am
        .finish_application_master(FinalApplicationStatusProto::AppSucceeded, "done", "")
        .await
        .unwrap()
    {
        assert!(Instant::now() < deadline, "AM never unregistered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_for_state(&client, app_id, &[YarnApplicationState::Finished]).await;
}

/// The scheduler checks the AMRMToken: the right identifier with a wrong password, or a
/// garbage identifier, is refused, and the error names the scheduler address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_rejects_an_am_with_a_forged_token() {
    let mc = minicluster();
    let conf = HadoopConf::load_dirs(&[mc.conf_dir.clone()]).unwrap();
    let client = cluster_client();
    let (app_id, token) = unmanaged_app(&client, "weft-it-forged-token").await;
    let wrong_password = weft_yarn_client::Token {
        password: token.password.iter().map(|b| b ^ 0xFF).collect(),
        ..token.clone()
    };
    let garbage = weft_yarn_client::Token {
        identifier: b"not-an-identifier".to_vec(),
        ..token
    };
    for forged in [wrong_password, garbage] {
        let am = AmRmClient::new(&conf, forged).unwrap();
        let err = am
            .register_application_master("127.0.0.1", 0, "")
            .await
            .unwrap_err();
        assert!(matches!(err, YarnError::Auth { .. }), "{err:?}");
        assert!(err.to_string().contains(&mc.scheduler_address), "{err}");
    }
    assert_eq!(
        client.get_application_report(app_id).await.unwrap().state,
        YarnApplicationState::Accepted
    );
    while !client.force_kill_application(app_id).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// ---- failure modes that need no cluster ----

fn write_conf(dir: &Path, rm_addr: &str, core: &[(&str, &str)]) -> PathBuf {
    let prop =
        |k: &str, v: &str| format!("  <property><name>{k}</name><value>{v}</value></property>\n");
    let mut core_xml = String::from("<configuration>\n");
    for (k, v) in core {
        core_xml.push_str(&prop(k, v));
    }
    core_xml.push_str("</configuration>\n");
    std::fs::write(dir.join("core-site.xml"), core_xml).unwrap();
    let yarn = dir.join("yarn-site.xml");
    std::fs::write(
        &yarn,
        format!(
            "<configuration>\n{}</configuration>\n",
            prop("yarn.resourcemanager.address", rm_addr)
        ),
    )
    .unwrap();
    yarn
}

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn unreachable_rm_names_host_port_and_conf_file_within_the_retry_budget() {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", closed_port());
    let yarn_site = write_conf(
        dir.path(),
        &addr,
        &[
            ("ipc.client.connect.max.retries", "2"),
            ("ipc.client.connect.retry.interval", "200"),
        ],
    );
    let conf = HadoopConf::load_dirs(&[dir.path().to_path_buf()]).unwrap();
    let client = YarnClient::new(&conf, "tester").unwrap();
    let started = Instant::now();
    let err = client.get_cluster_metrics().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, YarnError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&addr), "{msg}");
    assert!(msg.contains(&yarn_site.display().to_string()), "{msg}");
    assert!(msg.contains("3 attempts"), "{msg}");
    // 2 retries x 200 ms, plus slack; far below Hadoop's default of minutes.
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );

    let out = weft(dir.path(), &["yarn", "list"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&addr) && stderr.contains(&yarn_site.display().to_string()),
        "{stderr}"
    );
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one sentence, one line: {stderr}"
    );
}

#[tokio::test]
async fn silent_rm_times_out_after_the_rpc_timeout() {
    // A server that accepts and reads but never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    write_conf(dir.path(), &addr, &[("ipc.client.rpc-timeout.ms", "500")]);
    let conf = HadoopConf::load_dirs(&[dir.path().to_path_buf()]).unwrap();
    let client = YarnClient::new(&conf, "tester").unwrap();
    let started = Instant::now();
    let err = client.get_cluster_nodes(&[]).await.unwrap_err();
    assert!(matches!(err, YarnError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains(&addr), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn malformed_conf_file_is_named_with_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let yarn_site = dir.path().join("yarn-site.xml");
    std::fs::write(
        &yarn_site,
        "<configuration>\n  <property>\n    <name>yarn.resourcemanager.address</name>\n    <value>127.0.0.1:8032</valeu>\n  </property>\n</configuration>\n",
    )
    .unwrap();
    let err = HadoopConf::load_dirs(&[dir.path().to_path_buf()]).unwrap_err();
    assert!(
        matches!(err, YarnError::Config { ref path, .. } if *path == yarn_site),
        "{err:?}"
    );
    assert!(err.to_string().contains("line 4"), "{err}");

    let out = weft(dir.path(), &["yarn", "nodes"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&yarn_site.display().to_string()) && stderr.contains("line 4"),
        "{stderr}"
    );
}
