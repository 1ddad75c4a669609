//! Sections 2 and 3: the statutory context with the data sources and their quality, and
//! the area profile.

use crimescope_model::Source;
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::tables::{count, records, round, table_from_records, text, thousands};
use super::themes::hotspot_map;
use super::{Ctx, GEOJSON_KEY, SectionOut};
use crate::error::Result;
use crate::hotspots::area_hotspots;
use crate::trend::{TrendGroup, trend};

/// Section 2: data sources, periods and data-quality caveats.
pub(crate) async fn context(ctx: &Ctx) -> Result<SectionOut> {
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

    let sources = records(&session.named(crate::queries::INFO_SOURCES).await?)?;
    let mut t = table_from_records(
        "data-sources",
        "Incidents in the store by source",
        &sources,
        &[
            ("source", "Source", ColumnKind::Text),
            ("first_month", "First month", ColumnKind::Text),
            ("last_month", "Last month", ColumnKind::Text),
            ("months", "Months", ColumnKind::Measure),
            ("incidents", "Incidents", ColumnKind::Count),
            ("no_location", "No location", ColumnKind::Count),
            ("outside_gb", "Outside Great Britain", ColumnKind::Count),
        ],
    );
    let share_col = t.columns.len();
    t.columns
        .push(Column::new("no_location_pct", "No location (%)", ColumnKind::Derived));
    let (mut all, mut unlocated) = (0u64, 0u64);
    for (row, r) in t.rows.iter_mut().zip(&sources) {
        let (n, nl) = (count(r, "incidents"), count(r, "no_location"));
        all += n;
        unlocated += nl;
        row.push(if n > 0 {
            round(100.0 * nl as f64 / n as f64, 1)
        } else {
            Value::Null
        });
    }
    debug_assert_eq!(share_col, t.columns.len() - 1);
    s.tables.push(t);
    if all > 0 {
        s.para(format!(
            "{} of {} incidents in the store ({:.1}%) have no location (police.uk publishes about 8% of crimes as \
             “No Location”, mostly those with no fixed place). They count in every table but cannot appear on maps, \
             in hotspot statistics or in near-repeat analysis.",
            thousands(unlocated),
            thousands(all),
            100.0 * unlocated as f64 / all as f64
        ));
    }

    let rejects = records(&session.named(crate::queries::INFO_REJECTS).await?)?;
    let rejected: u64 = rejects.iter().map(|r| count(r, "rows_rejected")).sum();
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
        s.tables.push(table_from_records(
            "rejects",
            "Rows rejected at ingest, by reason",
            &rejects,
            &[
                ("reason", "Reason", ColumnKind::Text),
                ("field", "Field", ColumnKind::Text),
                ("rows_rejected", "Rows", ColumnKind::Count),
                ("files", "Files", ColumnKind::Measure),
            ],
        ));
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
    s.para("Every input file, its checksum and its row counts are listed below and in the appendix.");
    s.tables.push(lineage_table(ctx, "lineage"));
    Ok(SectionOut::new(s))
}

/// The lineage of every input file, from the store's manifest.
pub(crate) fn lineage_table(ctx: &Ctx, id: &str) -> Table {
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
    t.note = Some("rows read = loaded + rejected + duplicates dropped for every file.".into());
    t
}

/// Section 3: the area profile, with the hotspot map of every incident.
pub(crate) async fn profile(ctx: &Ctx) -> Result<SectionOut> {
    let c = &ctx.config;
    let session = &ctx.session;
    let mut s = Section::new("profile", "Area profile");
    let manifest = session.manifest();
    let areas = manifest
        .boundaries
        .iter()
        .find(|b| b.level == c.boundaries)
        .map(|b| b.areas);
    let residents = crate::repeats::residents(session);
    s.para(format!(
        "{}: {}; {}.",
        c.area,
        match areas {
            Some(n) => format!("{n} {} areas in the stored boundaries", c.boundaries.to_uppercase()),
            None => format!(
                "no {} boundaries are stored, so maps use the extent of the incidents",
                c.boundaries
            ),
        },
        match residents {
            Some(r) => format!("{} residents (the loaded population table)", thousands(r)),
            None => "no population table is loaded, so rates per 1,000 residents are not given \
                     (crimescope population add)"
                .to_string(),
        }
    ));
    let rows = records(
        &trend(session, &ctx.trend_request(TrendGroup::Source, None))
            .await?
            .batches,
    )?;
    let mut t = table_from_records(
        "profile-sources",
        &format!("Incidents by source, {} and {}", c.period, c.compare),
        &rows,
        &[
            ("group", "Source", ColumnKind::Text),
            ("current", "Current", ColumnKind::Count),
            ("previous", "Previous", ColumnKind::Count),
            ("change", "Change", ColumnKind::Derived),
            ("rate_current", "Per 1,000 residents", ColumnKind::Derived),
        ],
    );
    for row in &mut t.rows {
        if let Some(v) = row[4].as_f64() {
            row[4] = round(v, 2);
        }
    }
    for r in &rows {
        if let Ok(src) = Source::lookup(&text(r, "group")) {
            s.para(format!(
                "{} incidents from {} in the current period, against {} in the comparison period.",
                thousands(count(r, "current")),
                src.name(),
                thousands(count(r, "previous"))
            ));
        }
    }
    s.tables.push(t);

    let request = ctx.hotspot_request(None);
    let level = ctx.area_level();
    let top = records(&area_hotspots(session, &request, level).await?)?;
    let mut top_table = table_from_records(
        "profile-top-areas",
        &format!(
            "The {} {} areas with most incidents, {}",
            c.hotspots.top_areas,
            level.to_uppercase(),
            c.period
        ),
        &top.iter().take(c.hotspots.top_areas).cloned().collect::<Vec<_>>(),
        &[
            ("rank", "Rank", ColumnKind::Measure),
            ("area_code", "Code", ColumnKind::Text),
            ("area_name", "Name", ColumnKind::Text),
            ("incidents", "Incidents", ColumnKind::Count),
            ("harm", "Harm", ColumnKind::Derived),
        ],
    );
    for row in &mut top_table.rows {
        if let Some(v) = row[4].as_f64() {
            row[4] = round(v, 1);
        }
    }
    s.tables.push(top_table);

    let mut out = SectionOut::new(Section::default());
    match hotspot_map(ctx, &request, "profile", "All incidents").await {
        Ok(map) => {
            s.figures.push(map.figure);
            s.tables.push(map.table);
            s.paragraphs.extend(map.paragraphs);
            if let Some(g) = map.geojson {
                out.data.insert(GEOJSON_KEY.into(), g);
            }
        }
        Err(e) if e.is_user_error() => {
            s.para(format!("No hotspot map: {e}"));
        }
        Err(e) => return Err(e),
    }
    out.section = s;
    Ok(out)
}
