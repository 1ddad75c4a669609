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
//! Memory is bounded: once the held files and the inputs being read come to
//! [`HeldFiles::limit`] bytes, further files go to the staging folder as before, and
//! the commit copies their row groups into the shared file too (a file alone in its
//! partition is kept as it is). A national year's police.uk files hold about 350 MB.
//! Inputs being read count against the limit because a large one (a force's crime
//! extract of a few hundred MB) needs several times its size while it is read: holding
//! files beside it took a national ingest of partners' extracts from 1.69 to 2.23 GiB.

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
    /// Bytes of the inputs being read now ([`HeldFiles::reading`]).
    reading: AtomicU64,
    limit: u64,
}

/// An input being read, counted against the held files' limit until dropped.
#[must_use]
pub(crate) struct Reading<'h> {
    held: &'h HeldFiles,
    bytes: u64,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.held.reading.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

impl HeldFiles {
    /// Holding at most `limit` bytes (a file is taken whole while there is room).
    pub(crate) fn new(limit: u64) -> HeldFiles {
        HeldFiles {
            files: Mutex::new(HashMap::new()),
            bytes: AtomicU64::new(0),
            reading: AtomicU64::new(0),
            limit,
        }
    }

    /// Whether a file started now may be held: the held files and the inputs being
    /// read come to less than the limit.
    pub(crate) fn has_room(&self) -> bool {
        self.bytes
            .load(Ordering::Relaxed)
            .saturating_add(self.reading.load(Ordering::Relaxed))
            < self.limit
    }

    /// Count an input of `bytes` (in memory) against the limit while it is read.
    pub(crate) fn reading(&self, bytes: u64) -> Reading<'_> {
        self.reading.fetch_add(bytes, Ordering::Relaxed);
        Reading { held: self, bytes }
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

    #[test]
    fn inputs_being_read_count_against_the_limit_until_they_are_read() {
        let held = HeldFiles::new(10);
        held.hold("a.parquet", vec![1; 4]);
        let big = held.reading(6);
        assert!(!held.has_room(), "4 held and 6 being read of 10");
        {
            let _small = held.reading(1);
            assert!(!held.has_room());
        }
        drop(big);
        assert!(held.has_room(), "4 held, nothing being read");
        let _again = held.reading(5);
        assert!(held.has_room(), "4 held and 5 being read of 10");
    }
}
