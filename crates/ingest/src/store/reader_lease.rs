//! Readers during writes: a reader holds a shared lock on `STORE/.readers` from before
//! it reads the manifest until it has finished with the files that manifest lists. A
//! commit that stops listing a file does not delete it: it records the file as
//! *retired* in the new manifest, and retired files are deleted only while the writer
//! holds `.readers` exclusively, that is while no reader is open. So a reader sees the
//! store before or after a commit, never a mix, and never a missing file.
//!
//! The locks are advisory `flock`s (`File::lock_shared`, `File::try_lock`): they hold
//! between processes on one machine and on file systems that honour them (local disks;
//! NFS and SMB vary). A reader that cannot create `.readers` (a read-only copy of a
//! store) reads without a lease, which is safe because nothing writes there.

use std::fs::{File, TryLockError};
use std::path::Path;

/// The reader lease file in a store.
pub const READERS_FILE: &str = ".readers";

/// A shared lock on a store's `.readers` file: while any is held, no commit deletes a
/// file that an earlier manifest listed. Released on drop.
#[derive(Debug)]
pub struct ReaderLease {
    _file: File,
}

impl ReaderLease {
    /// Take a lease on the store at `root` before reading its manifest. Blocks only
    /// while a writer is deleting retired files (milliseconds). `None` when the store
    /// has no manifest yet, or `.readers` can be neither opened nor created (a
    /// read-only copy, which no ingest can change).
    pub fn acquire(root: &Path) -> Option<ReaderLease> {
        if !root.join(super::MANIFEST_FILE).exists() {
            return None;
        }
        let path = root.join(READERS_FILE);
        let file = File::open(&path)
            .or_else(|_| File::options().create(true).truncate(false).write(true).open(&path))
            .ok()?;
        file.lock_shared().ok()?;
        Some(ReaderLease { _file: file })
    }
}

/// The writer's side: an exclusive lock on `.readers`, taken without waiting; `None`
/// while any reader holds a lease (or the file cannot be opened).
pub(crate) struct NoReaders {
    _file: File,
}

impl NoReaders {
    pub(crate) fn try_acquire(root: &Path) -> Option<NoReaders> {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(READERS_FILE))
            .ok()?;
        match file.try_lock() {
            Ok(()) => Some(NoReaders { _file: file }),
            Err(TryLockError::WouldBlock) | Err(TryLockError::Error(_)) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_keeps_the_writer_from_deleting_and_its_drop_lets_it() {
        let dir = tempfile::tempdir().unwrap();
        assert!(ReaderLease::acquire(dir.path()).is_none(), "no manifest, no lease");
        std::fs::write(dir.path().join(super::super::MANIFEST_FILE), "{}").unwrap();
        let lease = ReaderLease::acquire(dir.path()).expect("a lease");
        let second = ReaderLease::acquire(dir.path()).expect("leases are shared");
        assert!(NoReaders::try_acquire(dir.path()).is_none());
        drop(lease);
        assert!(NoReaders::try_acquire(dir.path()).is_none(), "one reader is still open");
        drop(second);
        assert!(NoReaders::try_acquire(dir.path()).is_some());
    }
}
