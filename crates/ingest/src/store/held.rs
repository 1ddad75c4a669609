//! `incidents` files of the next commit held in memory instead of the staging folder.
//!
//! Every commit copies each partition's per-input `incidents` files into one file (see
//! `concatenate`), which is what queries read. Writing the per-input files to disk
//! first, hashing them and reading them back cost a national ingest about a tenth of
//! its CPU (measured by leaving the copy out: 11.8 → 10.7 s). So an ingest holds them
//! here, as finished Parquet files in memory, and the commit writes each partition once:
//! the inputs' rows become row groups of the shared file
//! ([`super::OutputFile::row_groups`]).
//!
//! Memory is bounded: once [`HeldFiles::limit`] bytes are held, further files go to the
//! staging folder as before, and the commit copies their row groups into the shared
//! file too (a file alone in its partition is kept as it is). A national year's are
//! about 350 MB.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::digest::DigestingFile;

/// Bytes of finished files an ingest holds in memory at most, beyond which it writes
/// them to the staging folder.
pub const HELD_BYTES_LIMIT: u64 = 512 << 20;

/// Finished Parquet files of the next commit, by path relative to the store.
#[derive(Debug)]
pub(crate) struct HeldFiles {
    files: Mutex<HashMap<String, Bytes>>,
    bytes: AtomicU64,
    limit: u64,
}

impl HeldFiles {
    /// Holding at most `limit` bytes (a file is taken whole while there is room).
    pub(crate) fn new(limit: u64) -> HeldFiles {
        HeldFiles {
            files: Mutex::new(HashMap::new()),
            bytes: AtomicU64::new(0),
            limit,
        }
    }

    /// Whether a file started now may be held.
    pub(crate) fn has_room(&self) -> bool {
        self.bytes.load(Ordering::Relaxed) < self.limit
    }

    /// Hold the finished file `rel`.
    pub(crate) fn hold(&self, rel: &str, bytes: Vec<u8>) {
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.lock().insert(rel.to_string(), Bytes::from(bytes));
    }

    /// The held file `rel`, if it is held.
    pub(crate) fn get(&self, rel: &str) -> Option<Bytes> {
        self.lock().get(rel).cloned()
    }

    /// Whether `rel` is held.
    pub(crate) fn holds(&self, rel: &str) -> bool {
        self.lock().contains_key(rel)
    }

    /// Drop every held file (after a commit, or when an ingest is abandoned).
    pub(crate) fn clear(&self) {
        self.lock().clear();
        self.bytes.store(0, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bytes>> {
        // A panic while holding the lock leaves the map whole (inserts and clears only).
        self.files.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Where a staged Parquet file's bytes go: a file in the staging folder, hashed as it
/// is written, or memory, for [`HeldFiles`].
pub(crate) enum StagedFile {
    /// A file in the staging folder.
    OnDisk(DigestingFile),
    /// A file to be held.
    Held(Vec<u8>),
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            StagedFile::OnDisk(file) => file.write(buf),
            StagedFile::Held(bytes) => bytes.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            StagedFile::OnDisk(file) => file.flush(),
            StagedFile::Held(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_held_until_the_limit_is_reached_and_cleared_together() {
        let held = HeldFiles::new(10);
        assert!(held.has_room());
        held.hold("a.parquet", vec![1; 6]);
        assert!(held.has_room(), "6 of 10 bytes held");
        held.hold("b.parquet", vec![2; 6]);
        assert!(!held.has_room(), "12 of 10 bytes held");
        assert_eq!(held.get("a.parquet").as_deref(), Some(&[1u8; 6][..]));
        assert_eq!(held.get("c.parquet"), None);
        assert!(held.holds("b.parquet") && !held.holds("c.parquet"));
        held.clear();
        assert!(held.has_room());
        assert_eq!(held.get("b.parquet"), None);
    }
}
