//! Size and SHA-256 of the files the store writes, taken while they are written, so
//! `verify` can later tell a damaged file from a good one without a second read at
//! ingest; and when those files are made durable ([`PendingSyncs`]).

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// What was written to a file: its size and the SHA-256 of its bytes (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// Bytes written.
    pub bytes: u64,
    /// SHA-256 of them, lower-case hex.
    pub sha256: String,
}

/// A file being written, hashed as it goes. Only sequential writes are supported, which
/// is how the Parquet writer and the store's other writers use a file.
pub struct DigestingFile {
    file: File,
    path: PathBuf,
    hasher: Sha256,
    bytes: u64,
    /// Made durable by the commit that lists it rather than when it is finished.
    pending: Option<Arc<PendingSyncs>>,
}

impl DigestingFile {
    /// Create (or truncate) the file at `path`; [`DigestingFile::finish`] makes it
    /// durable.
    pub fn create(path: &Path) -> io::Result<DigestingFile> {
        Ok(DigestingFile {
            file: File::create(path)?,
            path: path.to_path_buf(),
            hasher: Sha256::new(),
            bytes: 0,
            pending: None,
        })
    }

    /// Create (or truncate) a file in the staging folder that the next commit makes
    /// durable when `pending` is given ([`PendingSyncs`]): finishing it only starts its
    /// bytes on their way to disk, so the thread that wrote it goes on with the next
    /// file. Without `pending`, as [`DigestingFile::create`].
    pub(crate) fn create_for_commit(path: &Path, pending: Option<&Arc<PendingSyncs>>) -> io::Result<DigestingFile> {
        let mut file = DigestingFile::create(path)?;
        file.pending = pending.cloned();
        Ok(file)
    }

    /// Finish the file and return its size and hash. It is durable on return, unless it
    /// was created for the next commit: then its writing to disk has started and the
    /// commit that lists it waits for it ([`PendingSyncs::sync_listed`]).
    pub fn finish(mut self) -> io::Result<WrittenFile> {
        self.file.flush()?;
        match &self.pending {
            Some(pending) if pending.add(&self.path) => start_writeback(&self.file),
            _ => self.file.sync_all()?,
        }
        Ok(WrittenFile {
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }
}

/// The files written in a store's staging folder for its next commit whose bytes may
/// not be on disk yet.
///
/// Syncing each file as it was finished made the ingest's worker threads wait for the
/// disk once per file: a national year (516 input files, about 1,050 store files) spent
/// about 1.1 s of its 11 s waiting so (measured by leaving the syncs out). Instead a
/// finished file's writing starts at once without waiting (Linux `sync_file_range` with
/// `SYNC_FILE_RANGE_WRITE`, the early write-back PostgreSQL and RocksDB use; elsewhere the
/// operating system's own write-back), and the commit syncs every file the new manifest
/// lists before writing the manifest, by then mostly a wait for nothing. What a commit
/// makes visible is durable before the manifest names it, as before.
///
/// One weakening, the one PostgreSQL documents for the same design: the commit syncs a
/// file through a new descriptor, and Linux reports a write-back error to it unless the
/// kernel dropped the file's cached pages between the write and the commit, when the
/// error is lost. Holding every file open until the commit would avoid it but a national
/// ingest writes more files than a process may usually keep open (1,024).
#[derive(Debug)]
pub struct PendingSyncs {
    /// The staging folder: a file's path below it is its path below the store's root
    /// once moved into place.
    staging: PathBuf,
    root: PathBuf,
    /// Relative paths of the finished files not yet synced.
    files: Mutex<HashSet<String>>,
    /// Files the commits have synced so far.
    synced: AtomicUsize,
    /// Folders the commits have synced so far.
    folders_synced: AtomicUsize,
}

impl PendingSyncs {
    /// An empty set for the store at `root` staging its files in `staging`.
    pub(crate) fn new(root: &Path, staging: &Path) -> PendingSyncs {
        PendingSyncs {
            staging: staging.to_path_buf(),
            root: root.to_path_buf(),
            files: Mutex::new(HashSet::new()),
            synced: AtomicUsize::new(0),
            folders_synced: AtomicUsize::new(0),
        }
    }

    /// How many files the commits have synced (what a test can see of them).
    #[cfg(test)]
    pub(crate) fn synced(&self) -> usize {
        self.synced.load(Ordering::Relaxed)
    }

    /// The path below the staging folder of a file at `path`, `/`-separated, as the
    /// manifest lists it.
    fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.staging).ok()?;
        let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
        Some(parts?.join("/"))
    }

    /// Leave the file at `path` to the next commit to sync: false (and nothing added)
    /// when it is not in the staging folder, so its writer must sync it itself.
    fn add(&self, path: &Path) -> bool {
        let Some(rel) = self.relative(path) else { return false };
        self.files.lock().unwrap_or_else(|e| e.into_inner()).insert(rel);
        true
    }

    /// Sync every pending file that `listed` (a manifest's paths, relative to the store)
    /// names, now in place below the store's root; forget the others (files not
    /// committed are removed with the staging folder). The first failure names its file.
    pub(crate) fn sync_listed(&self, listed: &HashSet<&str>) -> crate::error::Result<()> {
        use rayon::prelude::*;
        let pending = std::mem::take(&mut *self.files.lock().unwrap_or_else(|e| e.into_inner()));
        let mut to_sync: Vec<&String> = pending.iter().filter(|rel| listed.contains(rel.as_str())).collect();
        to_sync.sort();
        to_sync.par_iter().try_for_each(|rel| {
            let path = self.root.join(rel);
            // Opened for writing: Windows flushes a file's buffers only through a handle
            // with write access.
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|source| crate::error::IngestError::Write { path, source })?;
            self.synced.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
    }

    /// Sync the folders holding `new_paths` (files a commit lists for the first time,
    /// relative to the root; [`folders_holding`]), so their renames into place are
    /// durable before the manifest names them, in parallel ([`sync_folder`]). The first
    /// failure names its folder and fails the commit.
    pub(crate) fn sync_folders_of<'p>(&self, new_paths: impl IntoIterator<Item = &'p str>) -> crate::error::Result<()> {
        use rayon::prelude::*;
        let folders: Vec<String> = folders_holding(new_paths).into_iter().collect();
        folders.par_iter().try_for_each(|folder| {
            let path = self.root.join(folder);
            sync_folder(&path).map_err(|source| crate::error::IngestError::Write { path, source })?;
            self.folders_synced.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
    }

    /// How many folders the commits have synced (what a test can see of them).
    #[cfg(test)]
    pub(crate) fn folders_synced(&self) -> usize {
        self.folders_synced.load(Ordering::Relaxed)
    }
}

/// The folders, relative to the store's root (`""` for the root), whose entries make
/// the files at `paths` reachable: each file's folder and every folder above it, since
/// a folder made for a file is itself an entry of its parent.
pub(crate) fn folders_holding<'p>(paths: impl IntoIterator<Item = &'p str>) -> std::collections::BTreeSet<String> {
    let mut folders = std::collections::BTreeSet::new();
    for path in paths {
        let mut rest = path;
        while let Some((folder, _)) = rest.rsplit_once('/') {
            if !folders.insert(folder.to_string()) {
                break; // and every folder above it, already
            }
            rest = folder;
        }
        folders.insert(String::new());
    }
    folders
}

/// Make the entries of `folder` (files renamed or made in it) durable, as `fsync` of
/// the folder does on Unix. An error is returned, not ignored: on Linux a folder's
/// `fsync` can report a failed write-back (`EIO`), and a commit that went on would name
/// files whose renames may be lost. Two errors are taken to mean the platform or file
/// system cannot sync folders at all and are ignored, as PostgreSQL's
/// `fsync_fname_ext` (src/backend/storage/file/fd.c) ignores them for folders:
/// `EINVAL` and `EBADF`. Where a folder cannot be opened as a file (Windows), a no-op:
/// NTFS journals its renames.
pub(crate) fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        const EBADF: i32 = 9; // the same number on Linux, the BSDs and macOS
        match File::open(folder)?.sync_all() {
            Err(e) if e.kind() == io::ErrorKind::InvalidInput || e.raw_os_error() == Some(EBADF) => Ok(()),
            done => done,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        Ok(())
    }
}

/// Start writing `file`'s dirty pages to disk without waiting for them (Linux); a
/// later `fsync` then finds little left to do. Elsewhere a no-op.
fn start_writeback(file: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: the descriptor is open for the duration of the call (borrowed from
        // `file`); the call reads no memory of ours. Its result is only advice: a
        // failure to start write-back is found, if it matters, by the commit's fsync.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

impl Write for DigestingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Close a Parquet writer over a [`DigestingFile`] at `path`: the footer written and the
/// file made durable; its size and hash.
pub(crate) fn close_parquet(
    writer: super::file_writer::StoreFileWriter<DigestingFile>,
    path: &Path,
) -> crate::error::Result<WrittenFile> {
    let file = writer
        .into_inner()
        .map_err(|e| crate::error::IngestError::from_parquet(path, e))?;
    file.finish().map_err(|source| crate::error::IngestError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The size and SHA-256 of a file on disk, read in 1 MiB pieces.
pub fn digest_of(path: &Path) -> io::Result<WrittenFile> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(WrittenFile {
        bytes,
        sha256: hex::encode(hasher.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_taken_while_writing_is_the_hash_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let mut f = DigestingFile::create(&path).unwrap();
        for i in 0..1000u32 {
            f.write_all(&i.to_le_bytes()).unwrap();
        }
        let written = f.finish().unwrap();
        assert_eq!(written.bytes, 4000);
        assert_eq!(written, digest_of(&path).unwrap());
        let independent = hex::encode(Sha256::digest(std::fs::read(&path).unwrap()));
        assert_eq!(written.sha256, independent);
    }

    fn pending_paths(pending: &PendingSyncs) -> Vec<String> {
        let mut paths: Vec<String> = pending.files.lock().unwrap().iter().cloned().collect();
        paths.sort();
        paths
    }

    fn staged_file(pending: &Arc<PendingSyncs>, staging: &Path, rel: &str) -> WrittenFile {
        let path = staging.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut f = DigestingFile::create_for_commit(&path, Some(pending)).unwrap();
        f.write_all(rel.as_bytes()).unwrap();
        f.finish().unwrap()
    }

    #[test]
    fn files_for_the_commit_wait_for_it_and_it_syncs_only_what_it_lists() {
        let dir = tempfile::tempdir().unwrap();
        let (root, staging) = (dir.path(), dir.path().join(".staging"));
        let pending = Arc::new(PendingSyncs::new(root, &staging));
        let listed = staged_file(&pending, &staging, "incidents/month=2025-01/a.parquet");
        staged_file(&pending, &staging, "incidents/month=2025-01/b.parquet");
        assert_eq!(
            listed,
            digest_of(&staging.join("incidents/month=2025-01/a.parquet")).unwrap()
        );
        // Finished, hashed, and waiting for the commit, under the paths a manifest uses.
        assert_eq!(
            pending_paths(&pending),
            ["incidents/month=2025-01/a.parquet", "incidents/month=2025-01/b.parquet"]
        );
        // The commit moved `a` into place and lists it; `b` was not committed.
        std::fs::create_dir_all(root.join("incidents/month=2025-01")).unwrap();
        std::fs::rename(
            staging.join("incidents/month=2025-01/a.parquet"),
            root.join("incidents/month=2025-01/a.parquet"),
        )
        .unwrap();
        let names: HashSet<&str> = ["incidents/month=2025-01/a.parquet", "lookups/old.parquet"].into();
        pending.sync_listed(&names).unwrap();
        assert!(pending_paths(&pending).is_empty(), "a commit leaves nothing pending");
        assert_eq!(pending.synced(), 1, "only the listed file is synced");
    }

    #[test]
    fn a_listed_file_the_commit_cannot_sync_fails_it_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let (root, staging) = (dir.path(), dir.path().join(".staging"));
        let pending = Arc::new(PendingSyncs::new(root, &staging));
        staged_file(&pending, &staging, "compacted/c.parquet");
        // Listed, but never moved into place: the commit must not go ahead.
        let names: HashSet<&str> = ["compacted/c.parquet"].into();
        match pending.sync_listed(&names) {
            Err(crate::error::IngestError::Write { path, .. }) => assert_eq!(path, root.join("compacted/c.parquet")),
            other => panic!("expected a write error naming the file, got {other:?}"),
        }
    }

    #[test]
    #[cfg(unix)] // elsewhere folders are not synced (sync_folder)
    fn a_folder_the_commit_cannot_sync_fails_it_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let pending = PendingSyncs::new(root, &root.join(".staging"));
        std::fs::create_dir_all(root.join("incidents/month=2025-01")).unwrap();
        pending.sync_folders_of(["incidents/month=2025-01/a.parquet"]).unwrap();
        assert_eq!(pending.folders_synced(), 3, "the root, incidents and the month");
        // A listed file whose folder is not there (its rename never happened): the
        // commit must stop, naming the folder, rather than write the manifest.
        match pending.sync_folders_of(["lookups/l.parquet"]) {
            Err(crate::error::IngestError::Write { path, .. }) => assert_eq!(path, root.join("lookups")),
            other => panic!("expected a write error naming the folder, got {other:?}"),
        }
    }

    #[test]
    fn the_folders_of_a_file_are_its_own_and_every_one_above_it() {
        let folders = folders_holding([
            "compacted/incidents/source=police/month=2025-01/concat-ab.parquet",
            "compacted/incidents/source=police/month=2025-02/concat-ab.parquet",
            "rejects/x.parquet",
            "manifest-level.json",
        ]);
        let want = [
            "",
            "compacted",
            "compacted/incidents",
            "compacted/incidents/source=police",
            "compacted/incidents/source=police/month=2025-01",
            "compacted/incidents/source=police/month=2025-02",
            "rejects",
        ];
        assert_eq!(folders.iter().map(String::as_str).collect::<Vec<_>>(), want);
        assert!(folders_holding([]).is_empty());
    }

    #[test]
    fn a_file_outside_the_staging_folder_is_synced_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let pending = Arc::new(PendingSyncs::new(dir.path(), &dir.path().join(".staging")));
        let mut f = DigestingFile::create_for_commit(&dir.path().join("elsewhere.bin"), Some(&pending)).unwrap();
        f.write_all(b"x").unwrap();
        f.finish().unwrap();
        assert!(pending_paths(&pending).is_empty());
    }
}
