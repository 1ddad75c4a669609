//! Embedding the Strategic Assessment: build a store from the bundled City of London
//! police.uk files and LSOA boundaries, run the assessment of a config written in code,
//! make the published version (small counts suppressed, people left out) and write it
//! as HTML, Markdown, JSON and CSV.
//!
//! `cargo run -p crimescope-assess --example assess_public [-- OUT]`

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crimescope_assess::{AssessmentConfig, NoAssessProgress, assess};
use crimescope_ingest::{IngestOptions, NoProgress, boundaries::add_boundaries, ingest};
use crimescope_model::AreaLevel;
use crimescope_report::disclosure::make_public;
use crimescope_report::render::write_document;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let work = tempfile::tempdir()?;
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| work.path().join("published"), PathBuf::from);

    // 1. A store: boundaries first, so ingest fills LSOA codes from them where missing.
    let store = work.path().join("store");
    let lsoa = fixtures.join("boundaries/central_london_lsoa11.geojson");
    add_boundaries(&store, &lsoa, AreaLevel::Lsoa, "lsoa_code", "lsoa_name")?;
    let streets = fixtures.join("police-uk/city-of-london");
    let report = ingest(&store, &[streets], &IngestOptions::default(), &NoProgress)?;
    println!("store: {} rows loaded", report.totals.rows_loaded);

    // 2. The config: the four required keys, and smaller cells for a small area.
    let text = "area = \"City of London\"\nstore = \"store\"\nperiod = \"2024-07..2024-12\"\n\
                compare = \"2024-01..2024-06\"\n[hotspots]\ncell = 100\nband = 200\n";
    let config = AssessmentConfig::parse(text, Path::new("assessment.toml"), work.path())?;

    // 3. Every section, concurrently; then the published version, written out.
    let mut run = assess(Arc::new(config), Arc::new(NoAssessProgress)).await?;
    let produced = run.document.sections.iter().filter(|s| s.produced).count();
    println!(
        "{} sections ({produced} produced) in {:.1} s",
        run.document.sections.len(),
        run.seconds
    );
    let protection = make_public(&mut run.document);
    println!(
        "published: {} small counts suppressed, {} more to protect them, {} tables of people left out",
        protection.cells.primary,
        protection.cells.secondary,
        protection.removed_tables.len()
    );
    let written = write_document(&run.document, &out, None)?;
    println!(
        "wrote {} files to {}, marked {}",
        written.files.len(),
        out.display(),
        run.document.meta.marking
    );
    Ok(())
}
