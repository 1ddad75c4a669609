//! # crimescope-engine
//!
//! A DataFusion 55 session over a crimescope store, the named SQL queries in
//! `queries/`, and the analyses built on them: [`trend::trend`] (change between two
//! periods), [`series::trend_series`] (monthly series with their statistics) and
//! [`hotspots`] (grid, area, kernel density, Gi*, emerging hot spots, concentration),
//! [`repeats`], [`near_repeat`] (the Knox test) and [`reoffending`].
//!
//! Embedding crates get Arrow record batches back:
//!
//! ```no_run
//! # async fn run() -> Result<(), crimescope_engine::EngineError> {
//! use crimescope_engine::{Session, store_info};
//! let session = Session::open(std::path::Path::new("store")).await?;
//! let info = store_info(&session).await?;
//! println!("{} files, {} rows loaded", info.files, info.totals.rows_loaded);
//! # Ok(()) }
//! ```
//!
//! Every session registers crimescope's SQL functions ([`functions`]: OSTN15
//! projection, grid cells, harm weights). With the `distributed` feature, the `cluster`
//! module opens the same [`Session`] on an Apache Ballista cluster (docs/scale-out.md).
//!
//! The crate re-exports [`datafusion`] and its [`arrow`] so callers never drift to a
//! second arrow version.
#![warn(missing_docs)]

pub mod area_lsoa;
mod change_functions;
#[cfg(feature = "distributed")]
pub mod cluster;
mod columns;
pub mod drivers;
mod error;
pub mod functions;
pub mod hotspots;
mod info;
pub mod latest_of;
pub mod local_store;
pub mod lsoa_vintage;
mod metadata_warm;
pub mod near_repeat;
pub mod offence_harm;
pub mod quality;
pub mod queries;
pub mod read_only;
pub mod reoffending;
pub mod repeats;
pub mod selection;
pub mod series;
mod session;
pub mod text_key;
mod text_month_key;
pub mod trend;

pub use error::{EngineError, Result};
pub use info::{RejectSummary, SourceSummary, StoreInfo, reject_summaries, source_summaries, store_info};
pub use session::{Session, SessionOptions};

/// The rows of query results as JSON objects, every column present (nulls explicit),
/// for callers that print or serialize results.
pub fn json_rows(
    batches: &[datafusion::arrow::record_batch::RecordBatch],
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let mut out = Vec::new();
    for b in batches {
        out.extend(hotspots::batch_rows(b)?);
    }
    Ok(out)
}

/// How many blocking threads a tokio runtime that runs sessions should allow: four per
/// core, at least eight. DataFusion reads local Parquet files on tokio's blocking pool,
/// which by default grows to 512 threads; a store as `ingest` leaves it has a file per
/// input and month (1,032 for a national year), and spawning a thread for each read cost
/// 8% of a national `trend --by category` (0.63 → 0.58 s) and 4% of `repeats --kind
/// location` (1.44 → 1.37 s) on 2 cores (BENCHMARKS.md, 2026-12-05).
pub fn blocking_threads() -> usize {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    (4 * cores).max(8)
}

pub use datafusion;
pub use datafusion::arrow;
