//! Section 2: the statutory context, the data sources and their quality, and the
//! lineage of every input file.

use crimescope_engine::{reject_summaries, source_summaries};
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::{RunContext, SectionOutput};
use crate::error::Result;
use crate::format::{round, thousands};

/// Section 2: data sources, periods and data-quality caveats.
pub(crate) async fn context(ctx: &RunContext) -> Result<SectionOutput> {
    let c = &ctx.config;
    let session = &ctx.session;
    let mut s = Section::new("context", "Statutory context, data sources and data quality");
    s.para(format!(
        "This assessment covers {} for the current period {} ({} months), compared with {} ({} months). \
         Sources covered: {}.",
        c.area,
        c.period,
        c.period.months(),
        c.compare,
        c.compare.months(),
        if ctx.sources.is_empty() {
            "none of the configured sources has data in the store".to_string()
        } else {
            ctx.sources.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        }
    ));
    let missing: Vec<&str> = c
        .sources
        .iter()
        .filter(|s| !ctx.sources.contains(s))
        .map(|s| s.name())
        .collect();
    if !missing.is_empty() {
        s.para(format!(
            "Configured sources with no incidents in the store: {}. The sections that rely on them say so.",
            missing.join(", ")
        ));
    }
    super::population::describe(ctx, &mut s).await?;

    let sources = source_summaries(session).await?;
    let mut t = Table::new(
        "data-sources",
        "Incidents counted in this assessment by source (every month the store holds)",
        vec![
            Column::new("source", "Source", ColumnKind::Text),
            Column::new("first_month", "First month", ColumnKind::Text),
            Column::new("last_month", "Last month", ColumnKind::Text),
            Column::new("months", "Months", ColumnKind::Measure),
            Column::new("incidents", "Incidents", ColumnKind::Count),
            Column::new("no_location", "No location", ColumnKind::Count),
            Column::new("outside_gb", "Outside Great Britain", ColumnKind::Count),
            Column::new("no_location_pct", "No location (%)", ColumnKind::Derived),
        ],
    );
    let (mut all, mut unlocated) = (0u64, 0u64);
    for r in &sources {
        all += r.incidents;
        unlocated += r.no_location;
        t.push(vec![
            json!(r.source),
            json!(r.first_month),
            json!(r.last_month),
            json!(r.months),
            json!(r.incidents),
            json!(r.no_location),
            json!(r.outside_gb),
            if r.incidents > 0 {
                round(100.0 * r.no_location as f64 / r.incidents as f64, 1)
            } else {
                Value::Null
            },
        ]);
    }
    s.tables.push(t.in_appendix());
    if all > 0 && unlocated > 0 {
        s.para(format!(
            "{} of {} incidents counted ({:.1}%) have no location (police.uk publishes about 8% of crimes as \
             “No Location”, mostly those with no fixed place). They count in every table but cannot appear on maps, \
             in hotspot statistics or in near-repeat analysis.",
            thousands(unlocated),
            thousands(all),
            100.0 * unlocated as f64 / all as f64
        ));
    }

    let rejects = reject_summaries(session).await?;
    let rejected: u64 = rejects.iter().map(|r| r.rows_rejected).sum();
    s.para(if rejected == 0 {
        "No input row was rejected at ingest.".to_string()
    } else {
        format!(
            "{} input rows were rejected at ingest and are kept, with their file, line and reason, in the store's \
             rejects table (crimescope info). The reasons follow.",
            thousands(rejected)
        )
    });
    if !rejects.is_empty() {
        let mut t = Table::with_columns(
            "rejects",
            "Rows rejected at ingest, by reason",
            &[
                ("reason", "Reason", ColumnKind::Text),
                ("field", "Field", ColumnKind::Text),
                ("rows_rejected", "Rows", ColumnKind::Count),
                ("files", "Files", ColumnKind::Measure),
            ],
        );
        for r in &rejects {
            t.push(vec![
                json!(r.reason),
                json!(r.field),
                json!(r.rows_rejected),
                json!(r.files),
            ]);
        }
        s.tables.push(t.in_appendix());
    }
    if session
        .manifest()
        .files
        .iter()
        .any(|f| f.profile.starts_with("police-uk"))
    {
        s.para(
            "police.uk locations are anonymised: each crime is moved to the nearest of a fixed set of snap points \
             (the centre of a street, a public place or a commercial premises), chosen so that each point covers at \
             least eight postal addresses. Many crimes share one point, so repeat-location figures on police.uk data \
             are inflated and maps show points, not addresses.",
        );
    }
    super::screens::data_quality_screens(ctx, &mut s).await?;
    s.para("Every input file, its checksum and its row counts are listed in the appendix (data lineage).");
    Ok(SectionOutput::only(s))
}

/// The lineage of every input file, from the store's manifest.
pub(crate) fn lineage_table(ctx: &RunContext, id: &str) -> Table {
    let mut t = Table::new(
        id,
        "Data lineage: every input file in the store",
        vec![
            Column::new("file", "File", ColumnKind::Text),
            Column::new("profile", "Format", ColumnKind::Text),
            Column::new("sha256", "SHA-256 (first 12)", ColumnKind::Text),
            Column::new("ingested_at", "Ingested (UTC)", ColumnKind::Text),
            Column::new("rows_read", "Rows read", ColumnKind::Count),
            Column::new("rows_loaded", "Loaded", ColumnKind::Count),
            Column::new("rows_rejected", "Rejected", ColumnKind::Count),
            Column::new("duplicates_dropped", "Duplicates dropped", ColumnKind::Count),
        ],
    );
    let mut files: Vec<_> = ctx.session.manifest().files.iter().collect();
    files.sort_by(|a, b| a.name.cmp(&b.name).then(a.sha256.cmp(&b.sha256)));
    for f in files {
        t.push(vec![
            json!(f.name),
            json!(f.profile),
            json!(f.sha256.chars().take(12).collect::<String>()),
            json!(f.ingested_at),
            json!(f.counts.rows_read),
            json!(f.counts.rows_loaded),
            json!(f.counts.rows_rejected),
            json!(f.counts.duplicates_dropped),
        ]);
    }
    t.note = Some("For every file, rows read = loaded + rejected + duplicates dropped.".into());
    t
}
