//! Java test servers built by the `.ci/setup-*.sh` scripts (`integration/<name>/target`):
//! their classpath, a server started until it prints its ready line, and their `Probe`
//! command-line tools.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `integration/<name>/target/classes:…/dependency/*`, or what to run when not built.
pub fn classpath(name: &str, main_class: &str) -> Result<String, String> {
    let h = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let main = h
        .join("target/classes")
        .join(main_class.replace('.', "/") + ".class");
    if !main.is_file() {
        return Err(format!(
            "the {name} harness is not built ({} is missing): run .ci/setup-{name}.sh",
            main.display()
        ));
    }
    Ok(format!(
        "{}:{}/*",
        h.join("target/classes").display(),
        h.join("target/dependency").display()
    ))
}

/// A started server: its process, the stdin that keeps it alive, and the text after its
/// ready line's prefix (its address).
pub struct Started {
    pub child: Child,
    pub stdin: ChildStdin,
    pub address: String,
}

/// Start `java <jvm_args> -cp <cp> <main> <args>` with stderr to `log`, and wait for a
/// stdout line starting with `ready`.
pub fn start(
    cp: &str,
    jvm_args: &[&str],
    main: &str,
    args: &[&std::ffi::OsStr],
    ready: &'static str,
    log: &Path,
) -> Result<Started, String> {
    let log_file = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let mut child = Command::new("java")
        .args(jvm_args)
        .args(["-cp", cp, main])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log_file))
        .spawn()
        .map_err(|e| format!("cannot start java for {main}: {e}"))?;
    let stdout = child.stdout.take().unwrap();
    let stdin = child.stdin.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(a) = line.strip_prefix(ready) {
                let _ = tx.send(a.trim().to_string());
            }
        }
    });
    let address = rx
        .recv_timeout(Duration::from_secs(120))
        .map_err(|_| format!("{main} did not start within 120 s; see {}", log.display()))?;
    Ok(Started {
        child,
        stdin,
        address,
    })
}

/// Run a harness's `Probe` tool: `java -cp <cp> <class> <first> <args…>`; its stdout.
pub fn probe(cp: &str, class: &str, first: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new("java")
        .args(["-XX:TieredStopAtLevel=1", "-cp", cp, class, first])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "Probe {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A fresh work directory for a harness of this test process.
pub fn work_dir(name: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("weft-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}
