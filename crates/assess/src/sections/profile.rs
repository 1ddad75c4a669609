//! Section 3: the area profile, with the hotspot map of every incident.

use crimescope_engine::hotspots::{AreaCount, area_counts};
use crimescope_engine::trend::{TrendGroup, trend};
use crimescope_model::Source;
use crimescope_model::{AreaLevel, Period};
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::hotspot_map::{MapKind, hotspot_map};
use super::{Produced, RunContext, SectionOutput};
use crate::config::Deprivation;
use crate::error::Result;
use crate::format::{round, thousands};

/// Section 3: the area profile, with the hotspot map of every incident.
pub(crate) async fn profile(ctx: &RunContext) -> Result<SectionOutput> {
    let c = &ctx.config;
    let session = &ctx.session;
    let mut s = Section::new("profile", "Area profile");
    let manifest = session.manifest();
    let areas = manifest
        .boundaries
        .iter()
        .find(|b| b.level == c.boundaries.name())
        .map(|b| b.areas);
    let residents = session.residents();
    s.para(format!(
        "{}: {}; {}.",
        c.area,
        match areas {
            Some(n) => format!(
                "{n} {} areas in the stored boundaries",
                c.boundaries.name().to_uppercase()
            ),
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
    let rows = trend(session, &ctx.trend_request(TrendGroup::Source, None))
        .await?
        .records()?;
    let mut t = Table::with_columns(
        "profile-sources",
        &format!("Incidents by source, {} and {}", c.period, c.compare),
        &[
            ("group", "Source", ColumnKind::Text),
            ("current", "Current", ColumnKind::Count),
            ("previous", "Previous", ColumnKind::Count),
            ("change", "Change", ColumnKind::Derived),
            ("rate_current", "Per 1,000 residents", ColumnKind::Derived),
        ],
    );
    for r in &rows {
        t.push(vec![
            json!(r.group),
            json!(r.current),
            json!(r.previous),
            json!(r.change),
            r.rate_current.map_or(Value::Null, |v| round(v, 2)),
        ]);
        if let Ok(src) = Source::lookup(&r.group) {
            s.para(format!(
                "{} incidents from {} in the current period, against {} in the comparison period.",
                thousands(r.current),
                src.name(),
                thousands(r.previous)
            ));
        }
    }
    s.tables.push(t.in_appendix());

    let request = ctx.hotspot_request(None);
    let level = c.area_level();
    let top = area_counts(session, &request, level).await?;
    let mut top_table = Table::new(
        "profile-top-areas",
        &format!(
            "The {} {} areas with most incidents, {}",
            c.hotspots.top_areas,
            level.name().to_uppercase(),
            c.period
        ),
        vec![
            Column::new("rank", "Rank", ColumnKind::Measure),
            Column::new("area_code", "Code", ColumnKind::Text),
            Column::new("area_name", "Name", ColumnKind::Text),
            Column::new("incidents", "Incidents", ColumnKind::Count),
            Column::new("harm", "Harm", ColumnKind::Derived),
        ],
    );
    for a in top.iter().take(c.hotspots.top_areas) {
        top_table.push(vec![
            json!(a.rank),
            json!(a.area_code),
            json!(a.area_name),
            json!(a.incidents),
            round(a.harm, 1),
        ]);
    }
    s.tables.push(top_table.in_appendix());
    if let Some(deprivation) = &c.deprivation {
        let by_lsoa = if level == AreaLevel::Lsoa {
            top
        } else {
            area_counts(session, &request, AreaLevel::Lsoa).await?
        };
        by_decile(&mut s, c.period, deprivation, &by_lsoa);
    }

    let (mut hotspots, mut geojson) = (None, None);
    match hotspot_map(ctx, &request, MapKind::Profile, "All incidents").await {
        Ok(map) => {
            s.figures.push(map.figure);
            s.tables.push(map.table.in_appendix());
            hotspots = Some(map.summary);
            s.paragraphs.extend(map.paragraphs);
            geojson = map.geojson;
        }
        Err(e) if e.is_unanswerable() => {
            s.para(format!("No hotspot map: {e}"));
        }
        Err(e) => return Err(e),
    }
    Ok(SectionOutput {
        section: s,
        produced: Produced::Profile { hotspots, geojson },
    })
}

/// Incidents and harm by IMD decile of their LSOA (1 = the most deprived tenth of
/// England's LSOAs), as the plan and its equality impact assessment ask who is affected.
fn by_decile(s: &mut Section, period: Period, deprivation: &Deprivation, by_lsoa: &[AreaCount]) {
    let mut rows = [(0u64, 0u64, 0.0f64); 10];
    let (mut unmatched, mut total, mut harm_total) = (0u64, 0u64, 0.0);
    for a in by_lsoa {
        total += a.incidents;
        harm_total += a.harm;
        match deprivation.deciles.get(&a.area_code) {
            Some(&d) => {
                let r = &mut rows[usize::from(d) - 1];
                r.0 += 1;
                r.1 += a.incidents;
                r.2 += a.harm;
            }
            None => unmatched += a.incidents,
        }
    }
    let mut t = Table::with_columns(
        "profile-deprivation",
        &format!("Incidents and harm by deprivation decile of the LSOA, {period}"),
        &[
            ("decile", "IMD decile (1 = most deprived)", ColumnKind::Text),
            ("lsoas", "LSOAs with incidents", ColumnKind::Measure),
            ("incidents", "Incidents", ColumnKind::Count),
            ("incident_share", "Share of incidents (%)", ColumnKind::Derived),
            ("harm", "Harm", ColumnKind::Derived),
            ("harm_share", "Share of harm (%)", ColumnKind::Derived),
        ],
    );
    let share = |x: f64, of: f64| {
        if of > 0.0 {
            round(100.0 * x / of, 1)
        } else {
            Value::Null
        }
    };
    for (d, (lsoas, n, harm)) in rows.iter().enumerate() {
        t.push(vec![
            json!((d + 1).to_string()),
            json!(lsoas),
            json!(n),
            share(*n as f64, total as f64),
            round(*harm, 1),
            share(*harm, harm_total),
        ]);
    }
    t.note = Some(format!(
        "Deciles from {} (2011 LSOAs carried to their 2021 counterparts through the ONS lookup; where 2011 LSOAs \
         merged, the most deprived decile). {} incidents lie in LSOAs the file does not cover.",
        deprivation
            .path
            .file_name()
            .map_or(String::new(), |f| f.to_string_lossy().into_owned()),
        thousands(unmatched)
    ));
    let most = rows[0].1 + rows[1].1;
    s.para(format!(
        "{} of the {} incidents located in an LSOA in {period} ({:.1}%) were in the 20% most deprived LSOAs of \
         England (IMD deciles 1 and 2), with {:.1}% of the harm.",
        thousands(most),
        thousands(total),
        if total > 0 {
            100.0 * most as f64 / total as f64
        } else {
            0.0
        },
        if harm_total > 0.0 {
            100.0 * (rows[0].2 + rows[1].2) / harm_total
        } else {
            0.0
        }
    ));
    s.tables.push(t);
}
