//! Embedding crimescope's trend analysis: ingest the City of London 2024 street files,
//! compare the second half-year with the first, and get Arrow record batches back;
//! then the monthly series with its Mann–Kendall test.
//!
//! `cargo run -p crimescope-engine --example trend`

use std::path::Path;

use crimescope_engine::Session;
use crimescope_engine::arrow::util::pretty::pretty_format_batches;
use crimescope_engine::series::{Exposure, SeriesRequest, trend_series};
use crimescope_engine::trend::{TrendGroup, TrendRequest, trend};
use crimescope_ingest::{IngestOptions, NoProgress, ingest};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = tempfile::tempdir()?;
    let files = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/police-uk/city-of-london");
    ingest(store.path(), &[files], &IngestOptions::default(), &NoProgress)?;
    let session = Session::open(store.path()).await?;

    let mut request = TrendRequest::new("2024-07..2024-12".parse()?);
    // The fixtures hold 2024 only, so compare with the first half rather than the
    // default (the same months of 2023); season can then pass for change.
    request.compare = Some("2024-01..2024-06".parse()?);
    request.by = TrendGroup::Source;
    let table = trend(&session, &request).await?;
    println!("{} against {}:", table.period, table.compare);
    println!("{}", pretty_format_batches(&table.batches)?);

    let series = trend_series(
        &session,
        &SeriesRequest {
            trend: request,
            span: None,
            exposure: Exposure::DaysInMonth,
        },
    )
    .await?;
    for g in &series.groups {
        let mk = g.mann_kendall;
        println!(
            "{}: {} incidents over {} months; Mann-Kendall S = {}, z = {:.2}, p = {:.3} ({}); {} months outside the \
             control limits ({})",
            g.group,
            g.counts.iter().sum::<u64>(),
            g.months.len(),
            mk.s,
            mk.z,
            mk.p,
            mk.direction.as_str(),
            g.chart.exceedances().len(),
            g.chart_reason
        );
    }
    Ok(())
}
