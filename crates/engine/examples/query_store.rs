//! Embedding crimescope: ingest a police.uk file into a store and query it as Arrow.
//!
//! `cargo run -p crimescope-engine --example query_store`

use std::path::Path;

use crimescope_engine::Session;
use crimescope_engine::arrow::util::pretty::pretty_format_batches;
use crimescope_ingest::{IngestOptions, NoProgress, ingest};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = tempfile::tempdir()?;
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/police-uk/city-of-london/2024-01-city-of-london-street.csv");
    let report = ingest(store.path(), &[file], &IngestOptions::default(), &NoProgress)?;
    println!(
        "loaded {} of {} rows",
        report.totals.rows_loaded, report.totals.rows_read
    );

    let session = Session::open(store.path()).await?;
    let batches = session
        .sql("SELECT CAST(category AS VARCHAR) AS category, COUNT(*) AS incidents FROM incidents GROUP BY 1 ORDER BY 2 DESC LIMIT 5")
        .await?;
    println!("{}", pretty_format_batches(&batches)?);
    Ok(())
}
