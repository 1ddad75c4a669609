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
//! An exclusive lock on `STORE/.lock` keeps two ingests apart.

mod compact;
pub mod manifest;
pub(crate) mod writer;

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crimescope_model::schema::TABLES;

use crate::error::{IngestError, Result};
pub use manifest::{
    BoundaryEntry, Compaction, FileCounts, FileEntry, Manifest, OutputFile, PopulationEntry, Replacement,
};

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
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| IngestError::Store {
        path: path.clone(),
        message: format!("manifest.json is not valid ({e}); restore it from a backup or re-ingest into a new store"),
    })?;
    if manifest.format != manifest::FORMAT || manifest.version != manifest::VERSION {
        return Err(IngestError::Store {
            path,
            message: format!(
                "manifest format {} v{} is not {} v{}; use the crimescope version that wrote it",
                manifest.format,
                manifest.version,
                manifest::FORMAT,
                manifest::VERSION
            ),
        });
    }
    Ok(manifest)
}

/// A store opened for writing, holding its lock until dropped.
pub struct StoreWriter {
    root: PathBuf,
    manifest: Manifest,
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
        let store = StoreWriter {
            root: root.to_path_buf(),
            manifest,
            _lock: lock,
        };
        store.remove_uncommitted()?;
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

    /// The staging folder for this ingest (created on demand by the writers).
    pub fn staging(&self) -> PathBuf {
        self.root.join(STAGING_DIR)
    }

    /// Remove the staging folder and any Parquet file the manifest does not list.
    pub(crate) fn remove_uncommitted(&self) -> Result<()> {
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

    /// Commit new file entries whose outputs are in the staging folder: move the files
    /// into place, replace entries with the same key, and write the manifest atomically.
    pub fn commit(&mut self, new_entries: Vec<FileEntry>, now: &str) -> Result<()> {
        if new_entries.is_empty() {
            return self.remove_uncommitted();
        }
        let staging = self.staging();
        for entry in &new_entries {
            for output in &entry.outputs {
                let from = staging.join(&output.path);
                let to = self.root.join(&output.path);
                if let Some(dir) = to.parent() {
                    fs::create_dir_all(dir).map_err(|source| IngestError::Write {
                        path: dir.to_path_buf(),
                        source,
                    })?;
                }
                if to.exists() {
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
        // Make the moves durable before the manifest names the files (best effort where a
        // platform cannot sync a folder).
        let dirs: HashSet<PathBuf> = new_entries
            .iter()
            .flat_map(|e| &e.outputs)
            .filter_map(|o| self.root.join(&o.path).parent().map(Path::to_path_buf))
            .collect();
        for dir in dirs {
            if let Ok(d) = File::open(&dir) {
                let _ = d.sync_all();
            }
        }
        let mut next = self.manifest.clone();
        let mut obsolete = Vec::new();
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
                obsolete.extend(old.outputs.into_iter().map(|o| o.path));
            }
            next.files.push(entry);
        }
        // A compaction of another set of inputs is stale: drop it (its files go below).
        if next.current_compaction().is_none()
            && let Some(old) = next.compaction.take()
        {
            obsolete.extend(old.outputs.into_iter().map(|o| o.path));
        }
        self.write_manifest(&next)?;
        self.manifest = next;
        // The new manifest no longer lists the replaced files; removing them is tidying.
        let still_listed = self.manifest.listed_paths();
        for path in obsolete.iter().filter(|p| !still_listed.contains(p.as_str())) {
            let _ = fs::remove_file(self.root.join(path));
        }
        // Committed. Tidying what is left is best effort: a failure here must not report
        // the ingest as failed; the next ingest tries again.
        let _ = self.remove_uncommitted();
        Ok(())
    }

    /// Add (or replace) the boundary set of a level: the file is staged, moved to
    /// `boundaries/<level>-<sha12>.geojson`, and committed with the manifest.
    pub fn add_boundary(&mut self, entry_without_path: BoundaryEntry, bytes: &[u8]) -> Result<BoundaryEntry> {
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
            return Ok(entry); // the same file at the same level: nothing to do
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
        self.write_manifest(&next)?;
        self.manifest = next;
        let _ = self.remove_uncommitted();
        Ok(entry)
    }

    /// Replace the store's LSOA 2011 to 2021 lookup with `batch`.
    pub fn set_lsoa_lookup(&mut self, batch: &arrow::record_batch::RecordBatch, sha256: &str) -> Result<OutputFile> {
        let rel = format!("lookups/lsoa11_lsoa21-{}.parquet", &sha256[..12]);
        let output = self.write_reference("lsoa_lookup", &rel, batch)?;
        let mut next = self.manifest.clone();
        next.lsoa_lookup = Some(output.clone());
        self.commit_reference(next)?;
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
        self.commit_reference(next)?;
        Ok(entry)
    }

    /// Write a reference table (lookup, population) to `rel` through the staging folder.
    fn write_reference(&self, table: &str, rel: &str, batch: &arrow::record_batch::RecordBatch) -> Result<OutputFile> {
        let staged = self.staging().join(rel);
        let to = self.root.join(rel);
        let write = || -> std::result::Result<(), String> {
            fs::create_dir_all(staged.parent().unwrap_or(Path::new("."))).map_err(|e| e.to_string())?;
            let file = File::create(&staged).map_err(|e| e.to_string())?;
            let mut writer =
                parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).map_err(|e| e.to_string())?;
            writer.write(batch).map_err(|e| e.to_string())?;
            writer
                .into_inner()
                .map_err(|e| e.to_string())?
                .sync_all()
                .map_err(|e| e.to_string())?;
            fs::create_dir_all(to.parent().unwrap_or(Path::new("."))).map_err(|e| e.to_string())?;
            fs::rename(&staged, &to).map_err(|e| e.to_string())
        };
        write().map_err(|message| IngestError::Parquet {
            path: to.clone(),
            message,
        })?;
        Ok(OutputFile {
            table: table.into(),
            path: rel.to_string(),
            rows: batch.num_rows() as u64,
        })
    }

    fn commit_reference(&mut self, next: Manifest) -> Result<()> {
        self.replace_manifest(next)
    }

    /// Commit `next` as the store's manifest (one atomic replace) and tidy files it no
    /// longer lists.
    pub(crate) fn replace_manifest(&mut self, next: Manifest) -> Result<()> {
        self.write_manifest(&next)?;
        self.manifest = next;
        let _ = self.remove_uncommitted();
        Ok(())
    }

    pub(crate) fn write_manifest(&self, manifest: &Manifest) -> Result<()> {
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
            fs::rename(&tmp, &path)?;
            // Make the rename durable where the platform allows syncing a directory.
            if let Ok(dir) = File::open(&self.root) {
                let _ = dir.sync_all();
            }
            Ok(())
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
