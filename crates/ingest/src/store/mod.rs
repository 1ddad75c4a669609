//! The store: a directory of Parquet files plus `manifest.json`.
//!
//! Layout:
//!
//! ```text
//! STORE/manifest.json
//! STORE/incidents/source=police/month=2024-01/<file>-<sha12>.parquet
//! STORE/outcomes/month=2024-01/<file>-<sha12>.parquet
//! STORE/stop_search/month=2026-02/<file>-<sha12>.parquet
//! STORE/rejects/<file>-<sha12>.parquet
//! ```
//!
//! Writes are atomic. An ingest writes its Parquet files under `STORE/.staging/`, moves
//! them into place, and then commits by replacing `manifest.json` with a rename. Readers
//! use only the files that the manifest lists, so a crash or Ctrl-C at any point leaves
//! the store as it was before; the next ingest removes whatever the failed one left.
//! An exclusive lock on `STORE/.lock` keeps two ingests apart. Readers hold a shared
//! lease on `STORE/.readers` (see [`ReaderLease`]), and a file that a commit stops
//! listing is deleted only once no reader holds one.

mod compact;
mod concatenate;
mod dictionary_chunk;
pub mod digest;
pub(crate) mod file_writer;
pub(crate) mod held;
pub mod manifest;
mod output_reader;
mod reader_lease;
mod verify;
pub(crate) mod writer;

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crimescope_model::schema::TABLES;

use crate::error::{IngestError, Result};
pub use digest::WrittenFile;
pub use held::HELD_BYTES_LIMIT;
pub use manifest::{
    BoundaryEntry, Compaction, CompactionMethod, FileCounts, FileEntry, Manifest, OutputFile, PopulationEntry,
    Replacement, RowGroups,
};
pub use output_reader::output_reader;
pub use reader_lease::{READERS_FILE, ReaderLease};
pub use verify::{FileProblem, VerifyReport, verify};
pub use writer::UNPRUNED_TEXT_COLUMNS;

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";
const STAGING_DIR: &str = ".staging";
const LOCK_FILE: &str = ".lock";

/// Read a store's manifest without locking it (for queries).
pub fn read_manifest(root: &Path) -> Result<Manifest> {
    let path = root.join(MANIFEST_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(IngestError::Store {
                path: root.to_path_buf(),
                message: "not a crimescope store (no manifest.json); create one with `crimescope ingest --store DIR FILES...`"
                    .into(),
            });
        }
        Err(source) => return Err(IngestError::Read { path, source }),
    };
    // The format and version first, so a newer store is refused for what it is rather
    // than for a field this build does not know.
    #[derive(serde::Deserialize)]
    struct Header {
        format: String,
        version: u32,
    }
    let damaged = |e: serde_json::Error| IngestError::Store {
        path: path.clone(),
        message: format!(
            "manifest.json is damaged ({e}); no query can trust this store. Restore manifest.json from a backup \
             (then check the files with `crimescope verify`), or re-ingest into a new store"
        ),
    };
    let header: Header = serde_json::from_str(&text).map_err(damaged)?;
    if header.format != manifest::FORMAT {
        return Err(IngestError::Store {
            path,
            message: format!("manifest format '{}' is not '{}'", header.format, manifest::FORMAT),
        });
    }
    if header.version > manifest::VERSION {
        return Err(IngestError::Store {
            path,
            message: format!(
                "this store was written by a newer crimescope (manifest version {}; this build reads versions up to \
                 {}); upgrade crimescope to use it",
                header.version,
                manifest::VERSION
            ),
        });
    }
    serde_json::from_str(&text).map_err(damaged)
}

/// A store opened for writing, holding its lock until dropped.
pub struct StoreWriter {
    root: PathBuf,
    manifest: Manifest,
    /// The key fingerprint the next commit records ([`Manifest::person_key`]).
    person_key: Option<String>,
    /// Files staged for the next commit, synced by it ([`digest::PendingSyncs`]).
    pending: std::sync::Arc<digest::PendingSyncs>,
    /// `incidents` files of the next commit held in memory ([`held::HeldFiles`]).
    held: std::sync::Arc<held::HeldFiles>,
    _lock: File,
}

impl StoreWriter {
    /// Open (or create) the store at `root` for writing, and clean up after any ingest
    /// that did not commit.
    pub fn open(root: &Path, harm_table: &str) -> Result<StoreWriter> {
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| IngestError::Write { path, source }
        };
        fs::create_dir_all(root).map_err(write_err(root))?;
        let lock_path = root.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(write_err(&lock_path))?;
        lock.try_lock().map_err(|_| IngestError::Store {
            path: root.to_path_buf(),
            message: "another crimescope ingest is writing to this store; wait for it to finish".into(),
        })?;
        let manifest = if root.join(MANIFEST_FILE).exists() {
            read_manifest(root)?
        } else {
            // Without a manifest every Parquet file would look uncommitted and be removed:
            // refuse rather than delete data this store did not write.
            if let Some(table) = TABLES.iter().find(|t| has_parquet(&root.join(t))) {
                return Err(IngestError::Store {
                    path: root.to_path_buf(),
                    message: format!(
                        "{table}/ holds Parquet files but there is no manifest.json; this is not a crimescope store \
                         (or its manifest was lost). Use an empty folder, or restore manifest.json"
                    ),
                });
            }
            Manifest::new(harm_table)
        };
        let mut store = StoreWriter {
            root: root.to_path_buf(),
            manifest,
            person_key: None,
            pending: std::sync::Arc::new(digest::PendingSyncs::new(root, &root.join(STAGING_DIR))),
            held: std::sync::Arc::new(held::HeldFiles::new(held::HELD_BYTES_LIMIT)),
            _lock: lock,
        };
        store.remove_uncommitted()?;
        store.sweep_retired();
        Ok(store)
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The committed manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The files staged for the next commit that it will sync: writers of the bulk of
    /// an ingest's files create them with [`digest::DigestingFile::create_for_commit`].
    pub(crate) fn pending_syncs(&self) -> std::sync::Arc<digest::PendingSyncs> {
        self.pending.clone()
    }

    /// Where the next commit's `incidents` files may be held in memory rather than
    /// staged on disk ([`held::HeldFiles`]).
    pub(crate) fn held_files(&self) -> std::sync::Arc<held::HeldFiles> {
        self.held.clone()
    }

    /// Hold at most `limit` bytes of the next commit's files in memory (0: none).
    pub(crate) fn set_held_limit(&mut self, limit: u64) {
        self.held = std::sync::Arc::new(held::HeldFiles::new(limit));
    }

    /// The staging folder for this ingest (created on demand by the writers).
    pub fn staging(&self) -> PathBuf {
        self.root.join(STAGING_DIR)
    }

    /// Remove the staging folder, the files held in memory and any Parquet file the
    /// manifest does not list.
    pub(crate) fn remove_uncommitted(&self) -> Result<()> {
        self.held.clear();
        let staging = self.staging();
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|source| IngestError::Write {
                path: staging.clone(),
                source,
            })?;
        }
        let listed = self.manifest.listed_paths();
        for table in TABLES
            .iter()
            .chain(&["boundaries", "lookups", "population", "compacted"])
        {
            remove_unlisted(&self.root, &self.root.join(table), &listed)?;
        }
        let tmp = self.root.join(format!("{MANIFEST_FILE}.tmp"));
        if tmp.exists() {
            fs::remove_file(&tmp).map_err(|source| IngestError::Write { path: tmp, source })?;
        }
        Ok(())
    }

    /// Move the staged file `rel` (relative to the store) to its place in the store,
    /// creating its folder; it stays invisible until a commit lists it.
    pub(crate) fn place_staged(&self, rel: &str) -> Result<()> {
        let to = self.root.join(rel);
        if let Some(d) = to.parent() {
            fs::create_dir_all(d).map_err(|source| IngestError::Write {
                path: d.to_path_buf(),
                source,
            })?;
        }
        fs::rename(self.staging().join(rel), &to).map_err(|source| IngestError::Write { path: to, source })
    }

    /// Record with the next commit that its person keys were made with the key of this
    /// fingerprint ([`crate::pseudonym::PseudonymKey::fingerprint`]).
    pub fn set_person_key(&mut self, fingerprint: String) {
        self.person_key = Some(fingerprint);
    }

    /// Commit new file entries whose outputs are in the staging folder: move the files
    /// into place, replace entries with the same key, make the concatenated compaction
    /// of the resulting `incidents` (see [`CompactionMethod::Concatenated`]) and write
    /// the manifest atomically.
    pub fn commit(&mut self, new_entries: Vec<FileEntry>, now: &str) -> Result<()> {
        self.commit_unless(new_entries, now, &|| false)
    }

    /// [`StoreWriter::commit`], asking `stop` while it concatenates; once it answers
    /// true nothing is committed and [`IngestError::Interrupted`] is returned.
    pub fn commit_unless(&mut self, new_entries: Vec<FileEntry>, now: &str, stop: &dyn Fn() -> bool) -> Result<()> {
        if new_entries.is_empty() {
            return self.remove_uncommitted();
        }
        let staging = self.staging();
        for entry in &new_entries {
            // A held file has no file to move: the compaction writes its rows.
            for output in entry.outputs.iter().filter(|o| !self.held.holds(&o.path)) {
                let from = staging.join(&output.path);
                let to = self.root.join(&output.path);
                if let Some(dir) = to.parent() {
                    fs::create_dir_all(dir).map_err(|source| IngestError::Write {
                        path: dir.to_path_buf(),
                        source,
                    })?;
                }
                // A retired file of the same name is this same output from an earlier
                // ingest of the same bytes (names hash key and content): it may be
                // replaced, as a reader still holding it keeps its own handle.
                if to.exists() && !self.manifest.retired.contains(&output.path) {
                    return Err(IngestError::Store {
                        path: to,
                        message: "an output file with this name is already in the store; nothing was committed. \
                                  Please report this (file names are unique per input and content)"
                            .into(),
                    });
                }
                fs::rename(&from, &to).map_err(|source| IngestError::Write {
                    path: to.clone(),
                    source,
                })?;
            }
        }
        // The moves are made durable by the commit (`commit_manifest`).
        let mut next = self.manifest.clone();
        if let Some(fingerprint) = self.person_key.take() {
            next.person_key = Some(fingerprint);
        }
        for entry in new_entries {
            if let Some(pos) = next.files.iter().position(|f| f.key == entry.key) {
                let old = next.files.remove(pos);
                next.replaced.push(Replacement {
                    key: entry.key.clone(),
                    old_sha256: old.sha256.clone(),
                    new_sha256: entry.sha256.clone(),
                    old_rows_loaded: old.counts.rows_loaded,
                    new_rows_loaded: entry.counts.rows_loaded,
                    replaced_at: now.to_string(),
                });
            }
            next.files.push(entry);
        }
        // A compaction of another set of inputs is stale: replace it with a concatenated
        // one (the stale one's files retire), so the store as ingested reads as few files.
        if next.current_compaction().is_none() {
            self.concatenated_compaction(&mut next, stop)?;
        }
        // Every held file is now row groups of a file in place; a manifest that named
        // one would name a file that does not exist.
        if let Some(output) = next
            .files
            .iter()
            .flat_map(|f| &f.outputs)
            .find(|o| o.row_groups.is_none() && self.held.holds(&o.path))
        {
            let path = self.root.join(&output.path);
            let _ = self.remove_uncommitted();
            return Err(IngestError::Store {
                path,
                message: "rows held for the commit were not written to the store; nothing was committed. \
                          Please report this"
                    .into(),
            });
        }
        self.commit_manifest(next)
    }

    /// Add (or replace) the boundary set of a level: the file is staged, moved to
    /// `boundaries/<level>-<sha12>.geojson`, and committed with the manifest.
    pub fn add_boundary(&mut self, entry_without_path: BoundaryEntry, bytes: &[u8]) -> Result<BoundaryEntry> {
        let (entry, next) = self.place_boundary(entry_without_path, bytes)?;
        if &next != self.manifest() {
            self.commit_manifest(next)?;
        }
        Ok(entry)
    }

    /// Put a boundary set's file in place, uncommitted: the entry, and the manifest that
    /// would list it (the committed one when the same file is already stored at this
    /// level). Until a commit lists it the file is invisible, and the next writer
    /// removes it.
    pub fn place_boundary(&self, entry_without_path: BoundaryEntry, bytes: &[u8]) -> Result<(BoundaryEntry, Manifest)> {
        let rel = format!(
            "boundaries/{}-{}.geojson",
            entry_without_path.level,
            &entry_without_path.sha256[..12]
        );
        let entry = BoundaryEntry {
            path: rel.clone(),
            ..entry_without_path
        };
        if self
            .manifest
            .boundaries
            .iter()
            .any(|b| b == &entry || (b.path == entry.path && b.level == entry.level))
        {
            return Ok((entry, self.manifest.clone())); // the same file at the same level
        }
        let staged = self.staging().join(&rel);
        let write = || -> std::io::Result<()> {
            fs::create_dir_all(staged.parent().unwrap_or(Path::new(".")))?;
            let mut f = File::create(&staged)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            let to = self.root.join(&rel);
            fs::create_dir_all(to.parent().unwrap_or(Path::new(".")))?;
            fs::rename(&staged, &to)
        };
        write().map_err(|source| IngestError::Write {
            path: self.root.join(&rel),
            source,
        })?;
        let mut next = self.manifest.clone();
        next.boundaries.retain(|b| b.level != entry.level);
        next.boundaries.push(entry.clone());
        Ok((entry, next))
    }

    /// Replace the store's LSOA 2011 to 2021 lookup with `batch`.
    pub fn set_lsoa_lookup(&mut self, batch: &arrow::record_batch::RecordBatch, sha256: &str) -> Result<OutputFile> {
        let rel = format!("lookups/lsoa11_lsoa21-{}.parquet", &sha256[..12]);
        let output = self.write_reference("lsoa_lookup", &rel, batch)?;
        let mut next = self.manifest.clone();
        next.lsoa_lookup = Some(output.clone());
        self.commit_manifest(next)?;
        Ok(output)
    }

    /// Replace the store's population table for `level` with `batch`.
    pub fn set_population(
        &mut self,
        level: &str,
        batch: &arrow::record_batch::RecordBatch,
        source: &str,
        sha256: &str,
        residents: u64,
    ) -> Result<PopulationEntry> {
        let rel = format!("population/{level}-{}.parquet", &sha256[..12]);
        let output = self.write_reference("population", &rel, batch)?;
        let entry = PopulationEntry {
            level: level.to_string(),
            output,
            source: source.to_string(),
            sha256: sha256.to_string(),
            residents,
        };
        let mut next = self.manifest.clone();
        next.population.retain(|p| p.level != level);
        next.population.push(entry.clone());
        self.commit_manifest(next)?;
        Ok(entry)
    }

    /// Write a reference table (lookup, population) to `rel` through the staging folder.
    fn write_reference(&self, table: &str, rel: &str, batch: &arrow::record_batch::RecordBatch) -> Result<OutputFile> {
        let staged = self.staging().join(rel);
        let to = self.root.join(rel);
        let io_err = |source| IngestError::Write {
            path: to.clone(),
            source,
        };
        fs::create_dir_all(staged.parent().unwrap_or(Path::new("."))).map_err(io_err)?;
        let file = digest::DigestingFile::create(&staged).map_err(io_err)?;
        let parquet_err = |e| IngestError::from_parquet(&to, e);
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).map_err(parquet_err)?;
        writer.write(batch).map_err(parquet_err)?;
        let written = writer.into_inner().map_err(parquet_err)?.finish().map_err(io_err)?;
        fs::create_dir_all(to.parent().unwrap_or(Path::new("."))).map_err(io_err)?;
        fs::rename(&staged, &to).map_err(io_err)?;
        Ok(OutputFile::written(table, rel, batch.num_rows() as u64, &written))
    }

    /// Commit `next` as the store's manifest, in one atomic replace. Files the current
    /// manifest lists and `next` does not are recorded in `next` as retired rather than
    /// deleted, then deleted at once if no reader holds a lease (else by a later
    /// commit or ingest); staged leftovers are tidied.
    pub(crate) fn commit_manifest(&mut self, mut next: Manifest) -> Result<()> {
        next.version = manifest::VERSION;
        let live: HashSet<String> = next.live_paths().into_iter().map(String::from).collect();
        let mut retired: Vec<String> = self
            .manifest
            .retired
            .iter()
            .map(String::as_str)
            .chain(self.manifest.live_paths())
            .filter(|p| !live.contains(*p))
            .map(String::from)
            .collect();
        retired.sort();
        retired.dedup();
        next.retired = retired;
        // Every file the new manifest lists is durable before the manifest is, and so
        // are the folder entries that reach the files it lists for the first time.
        let listed = next.live_paths();
        self.pending.sync_listed(&listed)?;
        let committed = self.manifest.live_paths();
        self.pending
            .sync_folders_of(listed.iter().copied().filter(|p| !committed.contains(p)))?;
        self.write_manifest(&next)?;
        self.manifest = next;
        // Committed; the manifest's new folder entry made durable, or the caller told
        // that it may not be.
        let durable = digest::sync_folder(&self.root).map_err(|source| IngestError::NotDurable {
            path: self.root.join(MANIFEST_FILE),
            source,
        });
        // What follows is tidying: a failure here must not report the commit as
        // failed; the next one tries again.
        self.sweep_retired();
        let _ = self.remove_uncommitted();
        durable
    }

    /// Delete the retired files if no reader holds a lease, and commit a manifest
    /// without them. Best effort: with a reader open, or on any error, they stay
    /// listed as retired and the next commit tries again.
    pub(crate) fn sweep_retired(&mut self) {
        if self.manifest.retired.is_empty() {
            return;
        }
        let Some(_no_readers) = reader_lease::NoReaders::try_acquire(&self.root) else {
            return;
        };
        let mut left = Vec::new();
        for rel in &self.manifest.retired {
            match fs::remove_file(self.root.join(rel)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(_) => left.push(rel.clone()),
            }
        }
        let mut next = self.manifest.clone();
        next.retired = left;
        if self.write_manifest(&next).is_ok() {
            self.manifest = next;
            // Best effort: the next commit syncs the folder again.
            let _ = digest::sync_folder(&self.root);
        }
    }

    fn write_manifest(&self, manifest: &Manifest) -> Result<()> {
        let path = self.root.join(MANIFEST_FILE);
        let tmp = self.root.join(format!("{MANIFEST_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(manifest).map_err(|e| IngestError::Store {
            path: path.clone(),
            message: format!("cannot serialise manifest: {e}"),
        })?;
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(&json)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|source| IngestError::Write { path, source })
    }
}

fn has_parquet(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let path = e.path();
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => has_parquet(&path),
            Ok(m) if m.is_file() => path.extension().is_some_and(|x| x == "parquet"),
            _ => false,
        }
    })
}

/// Remove Parquet files under `dir` that the manifest does not list. Symbolic links
/// are never followed, so nothing outside the store is touched.
fn remove_unlisted(root: &Path, dir: &Path, listed: &HashSet<&str>) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            remove_unlisted(root, &path, listed)?;
            let _ = fs::remove_dir(&path); // only succeeds when empty
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "parquet" || e == "geojson") {
            let rel = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if !listed.contains(rel.as_str()) {
                fs::remove_file(&path).map_err(|source| IngestError::Write {
                    path: path.clone(),
                    source,
                })?;
            }
        }
    }
    Ok(())
}

/// The current time as RFC 3339 UTC, e.g. `2026-11-26T12:00:00Z`.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i32;
    let rem = secs % 86_400;
    let (y, m, d) = crimescope_model::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}
