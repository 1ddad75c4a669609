//! Errors raised while ingesting. Row-level problems are never errors: they become
//! rows of `rejects`. These are the problems that stop an ingest as a whole, which then
//! leaves the store exactly as it was.

use std::path::PathBuf;

use thiserror::Error;

/// An error that stops an ingest. The store is left unchanged.
#[derive(Debug, Error)]
pub enum IngestError {
    /// An input path does not exist or cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A value in a reference file (population, lookup) is unusable; nothing was stored.
    #[error("{file}, line {line}, field {field}: {message}")]
    BadValue {
        /// The file.
        file: String,
        /// 1-based physical line.
        line: u64,
        /// The column.
        field: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A file's header matches no known profile.
    #[error(
        "{file}, line 1: the header matches no known profile.\n  found:    {found}\n  expected one of:\n{expected}\n  \
         Pass only police.uk street, outcomes or stop-and-search CSV files, or write a mapping profile."
    )]
    UnknownHeader {
        /// The file.
        file: String,
        /// The header as read (invalid UTF-8 replaced).
        found: String,
        /// The known headers, one per line.
        expected: String,
    },
    /// A file holds person identifiers but no pseudonymisation key was given.
    #[error(
        "{file} is a {profile} file with person identifiers, and no pseudonymisation key was given; \
         set CRIMESCOPE_KEY or let crimescope create its key file"
    )]
    NoKey {
        /// The file.
        file: String,
        /// Its profile.
        profile: &'static str,
    },
    /// A file holds person identifiers and the key differs from the one the store's
    /// person keys were made with.
    #[error(
        "{file} holds person identifiers, and the pseudonymisation key given (fingerprint {given}) is \
         not the one this store's person keys were made with (fingerprint {stored}); with it, the same \
         person would get a new key and not link. Use the store's key (CRIMESCOPE_KEY or the key file)"
    )]
    KeyMismatch {
        /// The file.
        file: String,
        /// The store's key fingerprint.
        stored: String,
        /// The given key's fingerprint.
        given: String,
    },
    /// A mapping profile is malformed, or names a column the file lacks.
    #[error("mapping profile {profile}: {message}")]
    Profile {
        /// The profile file (or the input file, for a missing column).
        profile: String,
        /// What is wrong, naming the TOML key or the missing column.
        message: String,
    },
    /// A zip archive could not be read.
    #[error("{path}: not a readable zip archive ({message}); re-download it or unzip it and pass the folder")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What the zip reader said.
        message: String,
    },
    /// No CSV files were found under the given paths.
    #[error("no CSV files found in {paths}; pass police.uk CSV files, a folder of them, or a .zip of the archive")]
    NoInputs {
        /// The paths given.
        paths: String,
    },
    /// Two different inputs in one run share a name, so one would silently replace the other.
    #[error(
        "two different files are both named '{name}' ({first} and {second}); ingest them in separate runs so the replacement is recorded"
    )]
    ConflictingInputs {
        /// The shared file name.
        name: String,
        /// The first path.
        first: String,
        /// The second path.
        second: String,
    },
    /// The store directory or its manifest is unusable.
    #[error("store {path}: {message}")]
    Store {
        /// The store directory or file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// Writing to the store failed (disk full, a file-size limit, permissions). The
    /// store is left as it was.
    #[error("writing {path}: {source}{hint}; nothing was committed and the store is as it was", hint = space_hint(.source))]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The commit is made (the new manifest is in place and names only files that are
    /// on disk), but the folder entry of its manifest could not be made durable: until
    /// the system writes it back, a power cut may return the store to the commit
    /// before.
    #[error(
        "the commit is made, but syncing {path} failed: {source}; a power cut before the system writes it to disk may undo the commit"
    )]
    NotDurable {
        /// The file whose entry could not be synced.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The Parquet writer failed.
    #[error("writing Parquet {path}: {message}")]
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// What the writer said.
        message: String,
    },
    /// The caller asked the work to stop (Ctrl-C, SIGTERM) before it committed; staged
    /// files were removed and the store is as it was.
    #[error("interrupted {during}: nothing was committed and the store is as it was{done}")]
    Interrupted {
        /// What was running: `while reading the inputs`, `before the commit`, ...
        during: &'static str,
        /// What had been done when it stopped, as `; ...` (may be empty).
        done: String,
    },
    /// An Arrow batch could not be built; this is a defect in crimescope.
    #[error("internal error building an Arrow batch for {file}: {message} (please report this)")]
    Arrow {
        /// The input file.
        file: String,
        /// The Arrow error.
        message: String,
    },
}

impl IngestError {
    /// Whether the error is the user's to fix (bad input or paths) rather than a defect
    /// or an environment failure. The CLI maps this to exit code 1, others to 2.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            IngestError::Read { .. }
                | IngestError::BadValue { .. }
                | IngestError::UnknownHeader { .. }
                | IngestError::Zip { .. }
                | IngestError::NoInputs { .. }
                | IngestError::ConflictingInputs { .. }
                | IngestError::NoKey { .. }
                | IngestError::KeyMismatch { .. }
                | IngestError::Profile { .. }
                | IngestError::Store { .. }
                | IngestError::Write { .. }
                | IngestError::NotDurable { .. }
                | IngestError::Interrupted { .. }
        )
    }

    /// A Parquet writer's error for `path`: an I/O failure underneath (disk full, a
    /// file-size limit) is reported as [`IngestError::Write`], anything else as
    /// [`IngestError::Parquet`].
    pub fn from_parquet(path: &std::path::Path, e: parquet::errors::ParquetError) -> IngestError {
        if let parquet::errors::ParquetError::External(inner) = &e
            && let Some(io) = inner.downcast_ref::<std::io::Error>()
        {
            return IngestError::Write {
                path: path.to_path_buf(),
                source: std::io::Error::new(io.kind(), io.to_string()),
            };
        }
        IngestError::Parquet {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// What to do about a write that failed for want of space.
fn space_hint(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind::{FileTooLarge, QuotaExceeded, StorageFull};
    match e.kind() {
        StorageFull | QuotaExceeded => {
            " (the disk or quota is full: free some space, or ingest into a store on another disk)"
        }
        FileTooLarge => " (the file grew past a size limit, such as `ulimit -f`: raise the limit or free space)",
        _ => "",
    }
}

/// Result with [`IngestError`].
pub type Result<T, E = IngestError> = std::result::Result<T, E>;
