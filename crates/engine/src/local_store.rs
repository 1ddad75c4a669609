//! The store's files read on the calling thread.
//!
//! DataFusion reads Parquet through an object store. `object_store`'s `LocalFileSystem`
//! hands every read (a footer, a row group's column chunks, a `head`) to tokio's
//! blocking pool and opens the file again for it, so a scan of a few thousand row groups
//! pays a few thousand thread hand-offs and opens. A store is local and its files are
//! small and usually in the page cache, so [`InlineLocalFiles`] answers reads, ranged
//! reads and `head` at once with positioned reads (`pread`) on the thread that asks. It
//! delegates everything else (listing, writing, deleting) to `LocalFileSystem`.

use std::fmt;
use std::fs::{File, Metadata};
use std::ops::Range;
use std::os::unix::fs::{FileExt, MetadataExt};

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::object_store::local::LocalFileSystem;
use datafusion::object_store::path::Path;
use datafusion::object_store::{
    Attributes, CopyOptions, Error, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};
use futures::stream::BoxStream;

/// `LocalFileSystem` with reads done in place (see the module docs).
#[derive(Debug, Default)]
pub struct InlineLocalFiles {
    inner: LocalFileSystem,
}

impl InlineLocalFiles {
    /// Files addressed by absolute path, like `LocalFileSystem::new()`.
    pub fn new() -> InlineLocalFiles {
        InlineLocalFiles::default()
    }

    /// Make it the store `runtime` reads `file://` paths through: a local session's
    /// and a scheduler's (which lists the tables' files when it plans).
    pub fn register_in(runtime: &datafusion::execution::runtime_env::RuntimeEnv) {
        let files = datafusion::execution::object_store::ObjectStoreUrl::local_filesystem();
        runtime.register_object_store(files.as_ref(), std::sync::Arc::new(InlineLocalFiles::new()));
    }

    fn open(&self, location: &Path) -> Result<(File, std::path::PathBuf)> {
        let path = self.inner.path_to_filesystem(location)?;
        match File::open(&path) {
            Ok(file) => Ok((file, path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound {
                path: path.display().to_string(),
                source: Box::new(e),
            }),
            Err(e) => Err(generic(e)),
        }
    }
}

/// The name its errors carry (`Error::Generic::store`), by which
/// [`crate::EngineError`] knows a store file that is missing or cut short.
pub const STORE_NAME: &str = "InlineLocalFiles";

/// What follows the path of a listed file that is not on disk, in the error a listing
/// gives (and a cluster's job failure repeats).
pub const MISSING_FILE: &str = " is missing: a file the store lists was removed after the session opened";

/// An error of this store (named [`STORE_NAME`]) from an error or a message.
fn generic(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::Generic {
        store: STORE_NAME,
        source: source.into(),
    }
}

/// The object's metadata as `LocalFileSystem` reports it (the same e-tag scheme, so
/// caches keyed on it agree).
fn object_meta(location: &Path, metadata: &Metadata) -> ObjectMeta {
    let modified = metadata.modified().ok();
    let mtime = modified
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .unwrap_or_default();
    ObjectMeta {
        location: location.clone(),
        last_modified: modified.map(chrono::DateTime::from).unwrap_or_default(),
        size: metadata.len(),
        e_tag: Some(format!(
            "{:x}-{:x}-{:x}",
            metadata.ino(),
            mtime.as_micros(),
            metadata.len()
        )),
        version: None,
    }
}

/// Read `range` of `file` in full.
fn read_range(file: &File, path: &std::path::Path, range: Range<u64>) -> Result<Bytes> {
    let mut buf = vec![0u8; (range.end - range.start) as usize];
    file.read_exact_at(&mut buf, range.start).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            generic(format!(
                "{} ends before byte {} (it was truncated while being read)",
                path.display(),
                range.end
            ))
        } else {
            generic(e)
        }
    })?;
    Ok(buf.into())
}

impl fmt::Display for InlineLocalFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InlineLocalFiles")
    }
}

#[async_trait]
impl ObjectStore for InlineLocalFiles {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let (file, path) = self.open(location)?;
        let metadata = file.metadata().map_err(generic)?;
        let meta = object_meta(location, &metadata);
        options.check_preconditions(&meta)?;
        let range = match &options.range {
            Some(r) => r.as_range(meta.size).map_err(|e| generic(e.to_string()))?,
            None => 0..meta.size,
        };
        let bytes = if options.head {
            Bytes::new()
        } else {
            read_range(&file, &path, range.clone())?
        };
        Ok(GetResult {
            payload: GetResultPayload::Stream(Box::pin(futures::stream::once(async move { Ok(bytes) }))),
            meta,
            range,
            attributes: Attributes::default(),
        })
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let (file, path) = self.open(location)?;
        ranges.iter().map(|r| read_range(&file, &path, r.clone())).collect()
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    /// As `LocalFileSystem`, except that a prefix naming nothing on disk is an error.
    /// DataFusion lists a table's path as a prefix when `head` finds no file there, and
    /// every table path of a store is a file, so a missing one was removed after the
    /// session opened: listing it would give no files, and the table silently fewer rows.
    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        if let Some(prefix) = prefix
            && let Ok(path) = self.inner.path_to_filesystem(prefix)
            && !path.exists()
        {
            let missing = generic(format!("{}{MISSING_FILE}", path.display()));
            return Box::pin(futures::stream::once(async move { Err(missing) }));
        }
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use datafusion::object_store::ObjectStoreExt;

    use super::*;

    #[tokio::test]
    async fn reads_ranges_heads_and_whole_files_as_the_local_file_system_does() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.bin");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&file, &data).unwrap();
        let location = Path::from_filesystem_path(&file).unwrap();
        let ours = InlineLocalFiles::new();
        let theirs = LocalFileSystem::new();
        assert_eq!(
            ours.head(&location).await.unwrap(),
            theirs.head(&location).await.unwrap()
        );
        let ranges = [0..10, 500..70_000, 99_990..100_000];
        assert_eq!(
            ours.get_ranges(&location, &ranges).await.unwrap(),
            theirs.get_ranges(&location, &ranges).await.unwrap()
        );
        assert_eq!(
            ours.get_range(&location, 3..4).await.unwrap(),
            Bytes::from(vec![data[3]])
        );
        let whole = ours.get(&location).await.unwrap().bytes().await.unwrap();
        assert_eq!(whole, Bytes::from(data));
        // Past the end, and a missing file: errors, not short reads.
        let past_the_end = vec![Range {
            start: 99_990,
            end: 100_010,
        }];
        assert!(ours.get_ranges(&location, &past_the_end).await.is_err());
        let missing = Path::from(format!("{location}.missing"));
        assert!(matches!(ours.head(&missing).await, Err(Error::NotFound { .. })));
        // Listing a missing path is an error, not an empty listing; an existing folder
        // lists its files as before.
        use futures::StreamExt;
        let listed: Vec<Result<ObjectMeta>> = ours.list(Some(&missing)).collect().await;
        assert!(matches!(
            listed.as_slice(),
            [Err(Error::Generic { store: STORE_NAME, .. })]
        ));
        let folder = Path::from_filesystem_path(dir.path()).unwrap();
        let listed: Vec<Result<ObjectMeta>> = ours.list(Some(&folder)).collect().await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].as_ref().unwrap().location, location);
    }
}
