//! What an ingest did: one [`FileReport`] per input and the totals.

use serde::Serialize;

use crate::store::FileCounts;

/// What happened to one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// New to the store.
    Loaded,
    /// Replaced an older file with the same name and profile.
    Replaced,
    /// Identical (same SHA-256) to a file already in the store; nothing was written.
    Unchanged,
    /// The same file appears earlier in this run (a folder and its zip); it was read
    /// once, and this entry counts no rows.
    Repeated,
}

/// The outcome for one input file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// The path as given (zip entries as `archive.zip!entry`).
    pub path: String,
    /// The profile that read it.
    pub profile: String,
    /// Loaded, replaced or unchanged.
    pub status: FileStatus,
    /// Its row counts (for an unchanged file, those recorded when it was loaded).
    #[serde(flatten)]
    pub counts: FileCounts,
}

/// The outcome of an ingest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestReport {
    /// One report per input file, in input order.
    pub files: Vec<FileReport>,
    /// The sum over files.
    pub totals: FileCounts,
}
