//! Size and SHA-256 of the files the store writes, taken while they are written, so
//! `verify` can later tell a damaged file from a good one without a second read at
//! ingest.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

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
    hasher: Sha256,
    bytes: u64,
}

impl DigestingFile {
    /// Create (or truncate) the file at `path`.
    pub fn create(path: &Path) -> io::Result<DigestingFile> {
        Ok(DigestingFile {
            file: File::create(path)?,
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Make the file durable and return its size and hash.
    pub fn finish(mut self) -> io::Result<WrittenFile> {
        self.file.flush()?;
        self.file.sync_all()?;
        Ok(WrittenFile {
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }
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
    writer: parquet::arrow::ArrowWriter<DigestingFile>,
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
}
