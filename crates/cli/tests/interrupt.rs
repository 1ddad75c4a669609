//! Ctrl-C (SIGINT) and SIGTERM during `ingest`, `compact`, `boundaries add` and
//! `assess`, sent at several points: each stops within a second, removes what it
//! staged, leaves the store byte-for-byte as it was, says what was not done, and exits
//! 130 or 143. A run that finished before its signal is allowed, but each command must
//! be caught mid-work at least once, or the test proves nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::crimescope;

/// The cases run one at a time: timing is what they check.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Generated inputs (two years of a Coventry-sized force at twice the volume) and a
/// store holding them, made once.
fn workload() -> &'static (PathBuf, PathBuf) {
    static WORKLOAD: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    WORKLOAD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let inputs = dir.join("inputs");
        let out = crimescope(&[
            "--quiet",
            "generate",
            "--scale",
            "coventry",
            "--years",
            "2",
            "--volume",
            "2",
            "--out",
            inputs.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let store = dir.join("store");
        let police = inputs.join("police-uk");
        let out = crimescope(&[
            "--quiet",
            "ingest",
            "--store",
            store.to_str().unwrap(),
            police.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (inputs, store)
    })
}

/// Every file under `root` with its bytes, for a byte-for-byte comparison.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    files.sort();
    files
}

struct Stopped {
    interrupted: bool,
    stderr: String,
}

/// Start `args`, send `signal` after `delay`, and check how it ends.
fn signal_after(args: &[&str], signal: &str, delay: Duration) -> Stopped {
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_crimescope"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let sent = Instant::now();
    let _ = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(30),
            "{args:?} still running 30 s after {signal}"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = sent.elapsed();
    eprintln!(
        "{:?} SIG{signal} at {delay:?}: exit {:?} {took:?} later",
        args.first(),
        status.code()
    );
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    if status.success() {
        return Stopped {
            interrupted: false,
            stderr,
        };
    }
    let code = if signal == "INT" { 130 } else { 143 };
    assert_eq!(status.code(), Some(code), "{args:?} after SIG{signal}: {stderr}");
    assert!(
        took <= Duration::from_secs(1),
        "{args:?} took {took:?} to stop after SIG{signal} sent at {delay:?}"
    );
    assert!(stderr.contains(&format!("SIG{signal} received")), "{stderr}");
    Stopped {
        interrupted: true,
        stderr,
    }
}

/// Run a writing command on a copy of `store` at each delay and signal; the store must
/// be as it was whenever the command was interrupted.
fn interrupt_each(command: &[&str], store: &Path, delays_ms: &[u64], expect: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut caught = 0;
    for (i, &ms) in delays_ms.iter().enumerate() {
        let signal = if i % 2 == 0 { "INT" } else { "TERM" };
        let scratch = tempfile::tempdir().unwrap();
        let copy = scratch.path().join("store");
        common::copy_dir(store, &copy);
        let before = snapshot(&copy);
        let mut args: Vec<&str> = command.to_vec();
        let copy_str = copy.to_str().unwrap().to_string();
        args.extend(["--store", &copy_str]);
        let stopped = signal_after(&args, signal, Duration::from_millis(ms));
        if stopped.interrupted {
            caught += 1;
            assert!(stopped.stderr.contains(expect), "{}", stopped.stderr);
            let mut after = snapshot(&copy);
            // The lock files are created on first use; they hold no data.
            after.retain(|(p, _)| !matches!(p.to_str(), Some(".lock" | ".readers")));
            let mut before = before.clone();
            before.retain(|(p, _)| !matches!(p.to_str(), Some(".lock" | ".readers")));
            assert_eq!(
                after.iter().map(|(p, _)| p).collect::<Vec<_>>(),
                before.iter().map(|(p, _)| p).collect::<Vec<_>>(),
                "files left behind or removed by {command:?} after {ms} ms"
            );
            assert!(after == before, "a file changed under {command:?} after {ms} ms");
        }
    }
    assert!(
        caught > 0,
        "{command:?} finished before every signal: make the work longer"
    );
}

#[test]
fn an_interrupted_ingest_commits_nothing() {
    let (inputs, store) = workload();
    let partners = inputs.join("partners");
    let police = inputs.join("police-uk");
    let empty = tempfile::tempdir().unwrap();
    // Into a store that already holds the police files (partners are new), and into an
    // empty one (everything is new).
    let command = ["ingest", "--threads", "1", partners.to_str().unwrap()];
    interrupt_each(&command, store, &[150, 700], "nothing was committed");
    let command = ["ingest", "--threads", "1", police.to_str().unwrap()];
    interrupt_each(&command, empty.path(), &[300, 1200, 2500], "nothing was committed");
}

#[test]
fn an_interrupted_compaction_commits_nothing() {
    let (_, store) = workload();
    interrupt_each(&["compact"], store, &[200, 900, 2000], "nothing was committed");
}

#[test]
fn an_interrupted_boundaries_add_commits_nothing() {
    let (_, store) = workload();
    let polygons = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/coventry/coventry_lsoa21_wgs84.geojson");
    let command = [
        "boundaries",
        "add",
        "--level",
        "lsoa",
        "--code-field",
        "LSOA21CD",
        "--name-field",
        "LSOA21NM",
        polygons.to_str().unwrap(),
    ];
    interrupt_each(&command, store, &[60, 250, 600], "nothing was committed");
}

#[test]
fn an_interrupted_assessment_writes_nothing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut caught = 0;
    for (i, ms) in [1500u64, 4000].into_iter().enumerate() {
        let signal = if i % 2 == 0 { "INT" } else { "TERM" };
        let out = tempfile::tempdir().unwrap();
        let args = [
            "assess",
            "--demo",
            "city-of-london",
            "--out",
            out.path().to_str().unwrap(),
        ];
        let stopped = signal_after(&args, signal, Duration::from_millis(ms));
        if stopped.interrupted {
            caught += 1;
            let written = ["assessment.html", "assessment.md", "assessment.json", "assessment.xlsx"];
            if stopped.stderr.contains("no file of it was written") {
                for name in written {
                    assert!(
                        !out.path().join(name).exists(),
                        "{name} written by a stopped assessment"
                    );
                }
            } else {
                assert!(stopped.stderr.contains("written in full"), "{}", stopped.stderr);
            }
        }
    }
    assert!(caught > 0, "the assessment finished before every signal");
}
