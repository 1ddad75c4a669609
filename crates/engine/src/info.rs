//! `crimescope info`: what a store holds.

use crimescope_ingest::store::FileCounts;
use datafusion::arrow::record_batch::RecordBatch;

use crate::columns::Columns;
use crate::error::Result;
use crate::queries;
use crate::session::Session;

/// A summary of a store: its files and what the tables hold.
#[derive(Debug, Clone)]
pub struct StoreInfo {
    /// The store's root directory.
    pub store: std::path::PathBuf,
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

/// As JSON: the store, its file counts and each table as an array of row objects.
impl serde::Serialize for StoreInfo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct View<'a> {
            store: String,
            files: usize,
            replacements: usize,
            harm_table: &'a str,
            totals: &'a FileCounts,
            sources: Vec<serde_json::Map<String, serde_json::Value>>,
            months: Vec<serde_json::Map<String, serde_json::Value>>,
            categories: Vec<serde_json::Map<String, serde_json::Value>>,
            rejects: Vec<serde_json::Map<String, serde_json::Value>>,
        }
        let rows = |b: &[RecordBatch]| crate::json_rows(b).map_err(serde::ser::Error::custom);
        View {
            store: self.store.display().to_string(),
            files: self.files,
            replacements: self.replacements,
            harm_table: &self.harm_table,
            totals: &self.totals,
            sources: rows(&self.sources)?,
            months: rows(&self.months)?,
            categories: rows(&self.categories)?,
            rejects: rows(&self.rejects)?,
        }
        .serialize(serializer)
    }
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
        store: session.root().to_path_buf(),
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

/// Incidents of one source in the store (`queries/info_sources.sql`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceSummary {
    /// `police`, `asb` or `fire`.
    pub source: String,
    /// Incidents stored.
    pub incidents: u64,
    /// The first month with incidents, `YYYY-MM`.
    pub first_month: String,
    /// The last month with incidents.
    pub last_month: String,
    /// Months with at least one incident.
    pub months: u64,
    /// Incidents with no coordinates.
    pub no_location: u64,
    /// Incidents with coordinates outside Great Britain.
    pub outside_gb: u64,
}

/// Rejected rows of one reason and field (`queries/info_rejects.sql`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RejectSummary {
    /// The reason code (`bad_date`, `field_count`, …).
    pub reason: String,
    /// The field, when the reason concerns one.
    pub field: Option<String>,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Files they came from.
    pub files: u64,
}

/// Incidents by source, as typed rows (source order).
pub async fn source_summaries(session: &Session) -> Result<Vec<SourceSummary>> {
    let mut out = Vec::new();
    for batch in session.named(queries::INFO_SOURCES).await? {
        let c = Columns::new(&batch, queries::INFO_SOURCES.name);
        let (source, incidents, first, last) = (
            c.texts_required("source")?,
            c.counts("incidents")?,
            c.texts_required("first_month")?,
            c.texts_required("last_month")?,
        );
        let (months, no_location, outside_gb) =
            (c.counts("months")?, c.counts("no_location")?, c.counts("outside_gb")?);
        for i in 0..batch.num_rows() {
            out.push(SourceSummary {
                source: source[i].clone(),
                incidents: incidents[i],
                first_month: first[i].clone(),
                last_month: last[i].clone(),
                months: months[i],
                no_location: no_location[i],
                outside_gb: outside_gb[i],
            });
        }
    }
    Ok(out)
}

/// Rejects by reason and field, as typed rows (most first).
pub async fn reject_summaries(session: &Session) -> Result<Vec<RejectSummary>> {
    let mut out = Vec::new();
    for batch in session.named(queries::INFO_REJECTS).await? {
        let c = Columns::new(&batch, queries::INFO_REJECTS.name);
        let (reason, field, rows, files) = (
            c.texts_required("reason")?,
            c.texts("field")?,
            c.counts("rows_rejected")?,
            c.counts("files")?,
        );
        for i in 0..batch.num_rows() {
            out.push(RejectSummary {
                reason: reason[i].clone(),
                field: field[i].clone(),
                rows_rejected: rows[i],
                files: files[i],
            });
        }
    }
    Ok(out)
}
