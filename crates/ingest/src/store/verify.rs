//! `verify`: check every file a store's manifest lists against what the manifest says
//! of it (present, size, SHA-256, and for Parquet a readable footer with the listed
//! number of rows).

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};
use rayon::prelude::*;
use serde::Serialize;

use super::digest::digest_of;
use super::{Manifest, ReaderLease, RowGroups, read_manifest};
use crate::error::Result;

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The store checked.
    pub store: PathBuf,
    /// The manifest's format version.
    pub manifest_version: u32,
    /// Files checked (every live file the manifest lists).
    pub files_checked: u64,
    /// Of those, files whose content hash was checked (stores written before manifest
    /// version 2 recorded no hash for their Parquet files; those are checked by size
    /// where known, and by footer).
    pub hashes_checked: u64,
    /// Bytes read.
    pub bytes_read: u64,
    /// Every problem, by path.
    pub problems: Vec<FileProblem>,
}

impl VerifyReport {
    /// Whether every file is as the manifest says.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One damaged or missing file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    /// The file's path relative to the store.
    pub path: String,
    /// What is wrong with it.
    pub problem: String,
}

/// One file to check, as the manifest lists it.
struct Expected {
    path: String,
    bytes: Option<u64>,
    sha256: Option<String>,
    parquet_rows: Option<u64>,
    /// The runs of its row groups that are inputs' rows, with their rows, when the file
    /// is shared ([`crate::store::OutputFile::row_groups`]).
    slices: Vec<(RowGroups, u64)>,
}

fn expected_files(manifest: &Manifest) -> Vec<Expected> {
    let mut files: Vec<Expected> = manifest
        .parquet_outputs()
        .map(|o| Expected {
            path: o.path.clone(),
            bytes: o.bytes,
            sha256: o.sha256.clone(),
            parquet_rows: o.row_groups.is_none().then_some(o.rows),
            slices: o.row_groups.map(|r| (r, o.rows)).into_iter().collect(),
        })
        .collect();
    // A boundary file is the input file's bytes, so its recorded hash is the file's.
    files.extend(manifest.boundaries.iter().map(|b| Expected {
        path: b.path.clone(),
        bytes: None,
        sha256: Some(b.sha256.clone()),
        parquet_rows: None,
        slices: Vec::new(),
    }));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    // A concatenated compaction lists a partition of one input file as that file, and a
    // shared file is listed by the compaction and by each input it holds: check each
    // file once, for everything recorded of it.
    let mut merged: Vec<Expected> = Vec::with_capacity(files.len());
    for file in files {
        match merged.last_mut() {
            Some(last) if last.path == file.path => {
                last.bytes = last.bytes.or(file.bytes);
                last.sha256 = last.sha256.take().or(file.sha256);
                last.parquet_rows = last.parquet_rows.or(file.parquet_rows);
                last.slices.extend(file.slices);
            }
            _ => merged.push(file),
        }
    }
    merged
}

/// Check every file the store at `root` lists: that it exists, has the recorded size
/// and SHA-256, and (for Parquet) has a readable footer with the recorded row count.
/// Files are checked in parallel. An unreadable or damaged `manifest.json` is an error;
/// damaged files are [`VerifyReport::problems`]. A reader lease is held throughout, so
/// an ingest committing meanwhile cannot delete a file being checked.
pub fn verify(root: &Path) -> Result<VerifyReport> {
    let _lease = ReaderLease::acquire(root);
    let manifest = read_manifest(root)?;
    let expected = expected_files(&manifest);
    let checked: Vec<(bool, u64, Option<FileProblem>)> = expected.par_iter().map(|e| check(root, e)).collect();
    let mut report = VerifyReport {
        store: root.to_path_buf(),
        manifest_version: manifest.version,
        files_checked: expected.len() as u64,
        ..VerifyReport::default()
    };
    for (hashed, bytes, problem) in checked {
        report.hashes_checked += u64::from(hashed);
        report.bytes_read += bytes;
        report.problems.extend(problem);
    }
    Ok(report)
}

/// Check one file: whether its hash was checked, the bytes read, and what is wrong.
fn check(root: &Path, expected: &Expected) -> (bool, u64, Option<FileProblem>) {
    let problem = |problem: String| {
        Some(FileProblem {
            path: expected.path.clone(),
            problem,
        })
    };
    let path = root.join(&expected.path);
    let actual = match digest_of(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (false, 0, problem("missing".into())),
        Err(e) => return (false, 0, problem(format!("cannot be read: {e}"))),
    };
    if let Some(bytes) = expected.bytes
        && bytes != actual.bytes
    {
        let what = if actual.bytes < bytes {
            "truncated"
        } else {
            "longer than recorded"
        };
        return (
            false,
            actual.bytes,
            problem(format!(
                "{what}: {} bytes where the manifest records {bytes}",
                actual.bytes
            )),
        );
    }
    if let Some(sha) = &expected.sha256
        && sha != &actual.sha256
    {
        return (
            true,
            actual.bytes,
            problem(format!(
                "content changed: SHA-256 {} where the manifest records {}",
                &actual.sha256[..16],
                &sha[..16.min(sha.len())]
            )),
        );
    }
    let hashed = expected.sha256.is_some();
    if expected.parquet_rows.is_none() && expected.slices.is_empty() {
        return (hashed, actual.bytes, None);
    }
    let footer = File::open(&path)
        .map_err(|e| e.to_string())
        .and_then(|f| SerializedFileReader::new(f).map_err(|e| e.to_string()));
    let reader = match footer {
        Err(e) => {
            return (
                hashed,
                actual.bytes,
                problem(format!("not a readable Parquet file: {e}")),
            );
        }
        Ok(reader) => reader,
    };
    let metadata = reader.metadata();
    let found = metadata.file_metadata().num_rows();
    if let Some(rows) = expected.parquet_rows
        && u64::try_from(found).ok() != Some(rows)
    {
        return (
            hashed,
            actual.bytes,
            problem(format!(
                "its footer says {found} rows where the manifest records {rows}"
            )),
        );
    }
    for (range, rows) in &expected.slices {
        let (groups, end) = (metadata.num_row_groups(), range.end());
        let Some(indices) = range.within(groups) else {
            return (
                hashed,
                actual.bytes,
                problem(format!(
                    "the manifest lists row groups {}..{end} of an input where the file has {groups}",
                    range.first
                )),
            );
        };
        let held: u64 = indices.map(|g| metadata.row_group(g).num_rows() as u64).sum();
        if held != *rows {
            return (
                hashed,
                actual.bytes,
                problem(format!(
                    "row groups {}..{end} hold {held} rows where the manifest records {rows} for an input",
                    range.first
                )),
            );
        }
    }
    (hashed, actual.bytes, None)
}
