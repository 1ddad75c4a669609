//! Helpers shared by the binary's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn crimescope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crimescope"))
        .args(args)
        .output()
        .expect("binary runs")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/police-uk")
}

pub fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not only JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A store holding the City of London 2024 street files.
pub fn city_store() -> tempfile::TempDir {
    let store = tempfile::tempdir().unwrap();
    let out = crimescope(&[
        "ingest",
        "--store",
        store.path().to_str().unwrap(),
        "--json",
        fixtures().join("city-of-london").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    store
}

/// The exit code and stderr of a run that must fail as a user error.
pub fn user_error(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Copy a folder tree (a store, a demo) file by file.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
