//! A real cluster on 127.0.0.1: `crimescope scheduler` and two `crimescope executor`
//! processes. The query commands give the same answers with `--cluster` as without,
//! and both executors take tasks. Only with `--features distributed`.
#![cfg(feature = "distributed")]

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::crimescope;
use serde_json::Value;

/// A role process, killed when the test ends however it ends.
struct Role {
    name: String,
    child: Child,
}

impl Drop for Role {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port `p` with `p + 1` free too (an executor uses both).
fn free_port_pair() -> u16 {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < 65000 && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

fn start(name: &str, args: &[&str], logs: &Path) -> Role {
    let log = std::fs::File::create(logs.join(format!("{name}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_crimescope"))
        .args(args)
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("the binary starts");
    Role {
        name: name.to_string(),
        child,
    }
}

/// Wait until `port` accepts connections, failing with the role's log if it exits.
fn wait_for(role: &mut Role, port: u16, logs: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = role.child.try_wait() {
            let log = std::fs::read_to_string(logs.join(format!("{}.log", role.name))).unwrap_or_default();
            panic!("{} exited with {status}:\n{log}", role.name);
        }
        assert!(
            Instant::now() < deadline,
            "{} did not listen on {port} within 60 s",
            role.name
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Equal JSON, numbers to 1e-9 relative (sums of non-integer weights may differ in their
/// last bits with the order in which partial sums are combined).
fn assert_same(local: &Value, cluster: &Value, at: &str) {
    match (local, cluster) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!(
                (a - b).abs() <= 1e-9 * a.abs().max(b.abs()),
                "{at}: {a} here, {b} on the cluster"
            );
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{at}: lengths differ");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "{at}: keys differ"
            );
            for (k, x) in a {
                assert_same(x, &b[k], &format!("{at}.{k}"));
            }
        }
        (a, b) => assert_eq!(a, b, "{at}"),
    }
}

fn json_of(args: &[&str]) -> Value {
    let out = crimescope(args);
    assert!(
        out.status.success(),
        "crimescope {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e})"))
}

fn nonempty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(false)
}

#[test]
fn a_scheduler_and_two_executors_give_the_local_answers() {
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let fixtures = common::fixtures();
    let out = crimescope(&[
        "ingest",
        "--store",
        store.to_str().unwrap(),
        "--json",
        fixtures.join("city-of-london").to_str().unwrap(),
        fixtures.join("constructed-outcomes").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let logs = work.path();
    let scheduler_port = free_port_pair();
    let scheduler_port_text = scheduler_port.to_string();
    let mut scheduler = start("scheduler", &["scheduler", "--port", &scheduler_port_text], logs);
    wait_for(&mut scheduler, scheduler_port, logs);
    let url = format!("df://127.0.0.1:{scheduler_port}");
    let mut executors = Vec::new();
    let mut work_dirs = Vec::new();
    for n in 1..=2 {
        let port = free_port_pair();
        let dir = work.path().join(format!("executor-{n}"));
        let mut role = start(
            &format!("executor-{n}"),
            &[
                "executor",
                "--scheduler",
                &url,
                "--port",
                &port.to_string(),
                "--cores",
                "2",
                "--work-dir",
                dir.to_str().unwrap(),
            ],
            logs,
        );
        wait_for(&mut role, port, logs);
        executors.push(role);
        work_dirs.push(dir);
    }

    let store = store.to_str().unwrap();
    let year = "2024-01..2024-12";
    let half = "2024-07..2024-12";
    let harm_and_cells = "SELECT CAST(category AS VARCHAR) AS category, COUNT(*) AS n, \
        SUM(harm_weight(category)) AS harm, COUNT(DISTINCT grid_cell(easting, northing, 500.0)) AS cells \
        FROM incidents GROUP BY 1 ORDER BY 1";
    // Each command with `--store STORE --format json` after its own options.
    let commands: Vec<Vec<&str>> = [
        vec!["trend", "--period", half, "--compare", "previous"],
        vec!["trend", "--period", half, "--compare", "previous", "--by", "lsoa"],
        vec!["hotspots", "--period", year, "--method", "grid"],
        vec!["hotspots", "--period", year, "--method", "lsoa"],
        vec!["hotspots", "--period", year, "--method", "gi"],
        vec!["repeats", "--period", year, "--kind", "location"],
        vec!["sql", harm_and_cells],
    ]
    .into_iter()
    .map(|mut args| {
        args.extend(["--store", store, "--format", "json"]);
        args
    })
    .collect();
    for command in &commands {
        let local = json_of(command);
        let mut on_cluster = command.clone();
        on_cluster.extend(["--cluster", url.as_str(), "--cluster-partitions", "4"]);
        let remote = json_of(&on_cluster);
        assert_same(&local, &remote, &command.join(" "));
    }
    for (dir, role) in work_dirs.iter().zip(&executors) {
        assert!(
            nonempty_dir(dir),
            "{} wrote no shuffle output: it ran no task",
            role.name
        );
    }

    // A scheduler that is not there: a clear error naming it, not a hang or a panic.
    let closed = format!("df://127.0.0.1:{}", free_port_pair());
    let out = crimescope(&[
        "sql",
        "--store",
        store,
        "--cluster",
        &closed,
        "SELECT 1 AS one FROM incidents LIMIT 1",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error:") && !stderr.contains("panicked"), "{stderr}");
}
