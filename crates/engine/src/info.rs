//! `crimescope info`: what a store holds.

use crimescope_ingest::store::FileCounts;
use datafusion::arrow::record_batch::RecordBatch;

use crate::error::Result;
use crate::queries;
use crate::session::Session;

/// A summary of a store: its files and what the tables hold.
#[derive(Debug, Clone)]
pub struct StoreInfo {
    /// Input files in the store.
    pub files: usize,
    /// Files replaced by newer versions over the store's life.
    pub replacements: usize,
    /// The harm table used.
    pub harm_table: String,
    /// Row counts summed over the files.
    pub totals: FileCounts,
    /// Incidents by source (`queries/info_sources.sql`).
    pub sources: Vec<RecordBatch>,
    /// Incidents by month and source (`queries/info_months.sql`).
    pub months: Vec<RecordBatch>,
    /// Incidents by source and category (`queries/info_categories.sql`).
    pub categories: Vec<RecordBatch>,
    /// Rejects by reason (`queries/info_rejects.sql`).
    pub rejects: Vec<RecordBatch>,
}

/// Summarise the store behind `session`; the four queries run concurrently.
pub async fn store_info(session: &Session) -> Result<StoreInfo> {
    let manifest = session.manifest();
    let mut totals = FileCounts::default();
    for f in &manifest.files {
        totals.add(&f.counts);
    }
    let (sources, months, categories, rejects) = tokio::try_join!(
        session.named(queries::INFO_SOURCES),
        session.named(queries::INFO_MONTHS),
        session.named(queries::INFO_CATEGORIES),
        session.named(queries::INFO_REJECTS),
    )?;
    Ok(StoreInfo {
        files: manifest.files.len(),
        replacements: manifest.replaced.len(),
        harm_table: manifest.harm_table.clone(),
        totals,
        sources,
        months,
        categories,
        rejects,
    })
}
