//! Finding input files: a single file, a folder read recursively, or a `.zip` archive.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{IngestError, Result};

/// Where one input file's bytes live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputLocation {
    /// A file on disk.
    File(PathBuf),
    /// An entry of a zip archive, by index.
    ZipEntry {
        /// The archive.
        archive: PathBuf,
        /// The entry's index in the archive.
        index: usize,
    },
}

/// One CSV file to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file name without folders, e.g. `2024-01-city-of-london-street.csv`. The store
    /// keys files by profile and this name, so a republished month replaces the old one.
    pub name: String,
    /// The path shown to the user: the file path, or `archive.zip!entry/path.csv`.
    pub display: String,
    /// Where the bytes are.
    pub location: InputLocation,
    /// Size in bytes (uncompressed for zip entries).
    pub bytes: u64,
}

impl InputFile {
    /// Read the whole file into memory.
    pub fn read(&self) -> Result<Vec<u8>> {
        match &self.location {
            InputLocation::File(path) if is_gz(path) => {
                let read_err = |source| IngestError::Read {
                    path: path.clone(),
                    source,
                };
                let file = fs::File::open(path).map_err(read_err)?;
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(file)
                    .read_to_end(&mut out)
                    .map_err(read_err)?;
                Ok(out)
            }
            InputLocation::File(path) => fs::read(path).map_err(|source| IngestError::Read {
                path: path.clone(),
                source,
            }),
            InputLocation::ZipEntry { archive, index } => {
                let zip_err = |e: zip::result::ZipError| IngestError::Zip {
                    path: archive.clone(),
                    message: e.to_string(),
                };
                let file = fs::File::open(archive).map_err(|source| IngestError::Read {
                    path: archive.clone(),
                    source,
                })?;
                let mut zip = zip::ZipArchive::new(file).map_err(zip_err)?;
                let mut entry = zip.by_index(*index).map_err(zip_err)?;
                // The declared size is untrusted: reserve at most 64 MiB up front.
                let mut out = Vec::with_capacity(entry.size().min(64 << 20) as usize);
                entry.read_to_end(&mut out).map_err(|e| IngestError::Zip {
                    path: archive.clone(),
                    message: format!("{}: {e}", self.display),
                })?;
                Ok(out)
            }
        }
    }
}

/// A gzip-compressed CSV (`*.csv.gz`), read through a decoder.
fn is_gz(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".csv.gz"))
}

fn is_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Expand the given paths into CSV inputs, sorted for a deterministic order.
///
/// Folders are read recursively for `*.csv` and `*.zip`; archives for their `*.csv`
/// entries. Hidden files and folders (a leading `.`) are skipped.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|source| IngestError::Read {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut out)?;
        } else if is_ext(path, "zip") {
            zip_entries(path, &mut out)?;
        } else {
            out.push(file_input(path, meta.len()));
        }
    }
    if out.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(IngestError::NoInputs {
            paths: shown.join(", "),
        });
    }
    Ok(out)
}

fn file_input(path: &Path, bytes: u64) -> InputFile {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    InputFile {
        name,
        display: path.display().to_string(),
        location: InputLocation::File(path.to_path_buf()),
        bytes,
    }
}

fn walk(dir: &Path, out: &mut Vec<InputFile>) -> Result<()> {
    let read_err = |source| IngestError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(read_err)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(read_err)?;
    entries.sort();
    for path in entries {
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        let meta = fs::metadata(&path).map_err(|source| IngestError::Read {
            path: path.clone(),
            source,
        })?;
        let is_link = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if meta.is_dir() && is_link {
            // Linked folders are not followed: a link to a parent would never end.
            continue;
        } else if meta.is_dir() {
            walk(&path, out)?;
        } else if is_ext(&path, "csv") || is_gz(&path) {
            out.push(file_input(&path, meta.len()));
        } else if is_ext(&path, "zip") {
            zip_entries(&path, out)?;
        }
    }
    Ok(())
}

fn zip_entries(archive: &Path, out: &mut Vec<InputFile>) -> Result<()> {
    let zip_err = |e: zip::result::ZipError| IngestError::Zip {
        path: archive.to_path_buf(),
        message: e.to_string(),
    };
    let file = fs::File::open(archive).map_err(|source| IngestError::Read {
        path: archive.to_path_buf(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_err)?;
    let mut found = Vec::new();
    for index in 0..zip.len() {
        let entry = zip.by_index(index).map_err(zip_err)?;
        let entry_name = entry.name().map_err(zip_err)?.to_string();
        let path = Path::new(&entry_name);
        let hidden = path
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if entry.is_file() && is_ext(path, "csv") && !hidden {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            found.push(InputFile {
                name,
                display: format!("{}!{}", archive.display(), entry_name),
                location: InputLocation::ZipEntry {
                    archive: archive.to_path_buf(),
                    index,
                },
                bytes: entry.size(),
            });
        }
    }
    found.sort_by(|a, b| a.display.cmp(&b.display));
    out.extend(found);
    Ok(())
}
