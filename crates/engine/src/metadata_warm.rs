//! The incidents files' Parquet footers and page indexes decoded on every core when a
//! local session opens.
//!
//! Planning a query over a listing table reads each file's footer and page index for
//! its statistics (`collect_statistics`, which the assessment's joins are planned from),
//! one file after another on the planning task: about 37 ms of a national grid map's
//! 0.34 s. DataFusion keeps what it decoded in the runtime's file metadata cache and
//! looks there first, so decoding the files in parallel tasks beforehand leaves planning
//! only the cache hits. The work is the same; it is spread over the cores.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::object_store::ObjectStoreExt;
use datafusion::object_store::path::Path as StorePath;
use datafusion::prelude::SessionContext;

/// Decode the footer and page index of each of `files` into `ctx`'s file metadata
/// cache, one task per file, and wait for them all.
///
/// Best effort by design: a file that cannot be read here is not reported, as the
/// query that reads it reports the same failure with its context; this only decides
/// whether planning finds the metadata already decoded.
pub(crate) async fn warm_metadata_cache(ctx: &SessionContext, files: &[PathBuf]) {
    let runtime = ctx.runtime_env();
    let Ok(store) = runtime.object_store(ObjectStoreUrl::local_filesystem()) else {
        return;
    };
    let cache = runtime.cache_manager.get_file_metadata_cache();
    let mut tasks = tokio::task::JoinSet::new();
    for file in files {
        let Some(location) = location_of(file) else { continue };
        let (store, cache) = (Arc::clone(&store), Arc::clone(&cache));
        tasks.spawn(async move {
            let Ok(meta) = store.head(&location).await else { return };
            let _ = DFParquetMetadata::new(store.as_ref(), &meta)
                .with_file_metadata_cache(Some(cache))
                .fetch_metadata()
                .await;
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// The object store path DataFusion's listing uses for an absolute file path.
fn location_of(file: &Path) -> Option<StorePath> {
    let url = url::Url::from_file_path(file).ok()?;
    StorePath::from_url_path(url.path()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_with_spaces_and_brackets_is_the_listing_location() {
        let file = Path::new("/store dir/[x]/month=2025-01/a b.parquet");
        let url = url::Url::from_file_path(file).unwrap();
        let listed = datafusion::datasource::listing::ListingTableUrl::try_new(url, None).unwrap();
        assert_eq!(location_of(file).as_ref(), Some(listed.prefix()));
    }
}
