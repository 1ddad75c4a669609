//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The workspace's `fixtures/`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every data row of the City of London 2024 street files as its 12 fields, read with
/// the `csv` crate (independent of crimescope's reader), less exact repeats of a row
/// with the same non-empty Crime ID in the same file (which ingest drops).
pub fn raw_city_rows() -> Vec<Vec<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("police-uk/city-of-london"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("-street.csv"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let mut seen: HashSet<Vec<String>> = HashSet::new();
        for rec in csv::Reader::from_path(&f).unwrap().records() {
            let fields: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
            if !fields[0].is_empty() && !seen.insert(fields.clone()) {
                continue;
            }
            out.push(fields);
        }
    }
    out
}

/// A store holding the City of London 2024 street files, and a session over it.
pub async fn city_store() -> (tempfile::TempDir, crimescope_engine::Session) {
    let dir = tempfile::tempdir().unwrap();
    crimescope_ingest::ingest(
        dir.path(),
        &[fixtures().join("police-uk/city-of-london")],
        &crimescope_ingest::IngestOptions::default(),
        &crimescope_ingest::NoProgress,
    )
    .unwrap();
    let session = crimescope_engine::Session::open(dir.path()).await.unwrap();
    (dir, session)
}
