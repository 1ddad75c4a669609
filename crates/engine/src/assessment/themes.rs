//! Section 6: one chapter per theme, laid out by victim, offender and location, with
//! near repeats and the time profile; and the hotspot map shared with the profile.

use crimescope_ingest::boundaries::BoundarySet;
use crimescope_ingest::projection::{Projected, to_bng};
use crimescope_report::document::{Figure, Section};
use crimescope_report::svg;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::tables::{count, records, round, table_from_records, text, thousands};
use super::{Ctx, SectionOut, or_not_produced};
use crate::error::{EngineError, Result};
use crate::hotspots::{HotspotRequest, area_hotspots, cells_geojson_where, gi_class, gi_hotspots};
use crate::near_repeat::{NearRepeatRequest, near_repeat};
use crate::repeats::{RepeatKind, RepeatRequest, TIME_TO_NEXT_BINS, location_repeats, people_repeats};

/// A Gi* hotspot map: the figure, the table of the hottest cells, what it shows in
/// words, and (for the all-incident map) the cells as GeoJSON.
pub(crate) struct HotspotMap {
    pub figure: Figure,
    pub table: Table,
    pub paragraphs: Vec<String>,
    pub geojson: Option<Value>,
}

/// Gi* over the grid of the request, drawn over the stored boundaries.
pub(crate) async fn hotspot_map(ctx: &Ctx, request: &HotspotRequest, id: &str, label: &str) -> Result<HotspotMap> {
    let gi = gi_hotspots(&ctx.session, request).await?;
    let grid = &gi.grid.area.grid;
    let cells: Vec<usize> = grid.inside_cells().collect();
    let bins: Vec<i8> = cells
        .iter()
        .map(|&k| crate::hotspots::gi_bin(gi.gi.z[k], gi.p_fdr[k]))
        .collect();
    let mut map_cells = Vec::new();
    for (&k, &bin) in cells.iter().zip(&bins) {
        if bin != 0 {
            let (i, j) = grid.ij(k);
            map_cells.push(svg::MapCell {
                x: i as f64 * grid.cell,
                y: j as f64 * grid.cell,
                size: grid.cell,
                bin,
                label: format!(
                    "{} incidents, z = {:.2}, {}",
                    gi.grid.counts[k],
                    gi.gi.z[k],
                    gi_class(bin)
                ),
            });
        }
    }
    let (x0, y0) = (grid.i0 as f64 * grid.cell, grid.j0 as f64 * grid.cell);
    let (x1, y1) = (x0 + grid.width as f64 * grid.cell, y0 + grid.height as f64 * grid.cell);
    let areas = map_areas(ctx, (x0, y0, x1, y1))?;
    let hot = bins.iter().filter(|&&b| b > 0).count();
    let cold = bins.iter().filter(|&&b| b < 0).count();
    let located: u64 = gi.grid.counts.iter().sum();
    let mut paragraphs = vec![format!(
        "{label}: Getis-Ord Gi* over {} cells of {:.0} m with a {:.0} m band finds {hot} hot-spot and {cold} cold-spot \
         cells at 90% confidence or more after Benjamini–Hochberg adjustment, from {} located incidents ({} fell \
         outside the study area). {}",
        thousands(cells.len() as u64),
        grid.cell,
        gi.band,
        thousands(located),
        thousands(gi.grid.area.outside),
        gi.grid.area.rule
    )];
    let mut order: Vec<usize> = (0..cells.len()).filter(|&n| bins[n] > 0).collect();
    order.sort_by(|&a, &b| gi.gi.z[cells[b]].total_cmp(&gi.gi.z[cells[a]]).then(a.cmp(&b)));
    let mut table = Table::new(
        &format!("{id}-hot-cells"),
        &format!("{label}: the hottest grid cells (Gi*)"),
        vec![
            Column::new("easting", "Centre easting", ColumnKind::Text),
            Column::new("northing", "Centre northing", ColumnKind::Text),
            Column::new("incidents", "Incidents", ColumnKind::Count),
            Column::new("z", "Gi* z", ColumnKind::Measure),
            Column::new("p_fdr", "p (FDR)", ColumnKind::Measure),
            Column::new("class", "Class", ColumnKind::Text),
        ],
    );
    for &n in order.iter().take(ctx.config.hotspots.top_areas) {
        let k = cells[n];
        let (e, nn) = grid.centre(k);
        table.push(vec![
            json!(format!("{e:.0}")),
            json!(format!("{nn:.0}")),
            json!(gi.grid.counts[k]),
            round(gi.gi.z[k], 2),
            round(gi.p_fdr[k], 4),
            json!(gi_class(bins[n])),
        ]);
    }
    if let Some(&n) = order.first() {
        let (e, nn) = grid.centre(cells[n]);
        paragraphs.push(format!(
            "The hottest cell is centred at {e:.0} E, {nn:.0} N with {} incidents (z = {:.2}).",
            gi.grid.counts[cells[n]], gi.gi.z[cells[n]]
        ));
    }
    let figure = Figure {
        id: format!("{id}-map"),
        title: format!("{label}: Gi* hot and cold spots, {}", request.period),
        svg: svg::map(&svg::Map {
            title: format!("{label}: Gi* hot and cold spots"),
            areas,
            cells: map_cells,
            note: format!("{:.0} m cells, {:.0} m band", grid.cell, gi.band),
        }),
        caption: format!(
            "Cells coloured by Gi* confidence (99, 95, 90%) after FDR adjustment, over {} boundaries. British \
             National Grid; north up.",
            ctx.config.boundaries.to_uppercase()
        ),
    };
    let geojson = if id == "profile" {
        let keep: Vec<bool> = bins.iter().map(|&b| b != 0).collect();
        let notes = [
            gi.grid.area.rule.clone(),
            "only the hot and cold spot cells (90% confidence or more after FDR) are listed".to_string(),
        ];
        Some(cells_geojson_where(grid, &gi.to_record_batch()?, &notes, &keep)?)
    } else {
        None
    };
    Ok(HotspotMap {
        figure,
        table,
        paragraphs,
        geojson,
    })
}

/// The stored boundary areas that meet the box, in BNG metres.
fn map_areas(ctx: &Ctx, (x0, y0, x1, y1): (f64, f64, f64, f64)) -> Result<Vec<svg::MapArea>> {
    let session = &ctx.session;
    let Some(set) = BoundarySet::load_level(session.root(), session.manifest(), &ctx.config.boundaries)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for area in &set.areas {
        let mut rings = Vec::new();
        for polygon in area.polygons() {
            for ring in polygon {
                let projected: Vec<(f64, f64)> = ring
                    .iter()
                    .filter_map(|&(lon, lat)| match to_bng(lon, lat) {
                        Projected::Bng { easting, northing } => Some((easting, northing)),
                        Projected::OutsideGreatBritain => None,
                    })
                    .collect();
                if projected.len() >= 3 {
                    rings.push(projected);
                }
            }
        }
        let meets = rings
            .iter()
            .flatten()
            .any(|&(x, y)| x >= x0 && x <= x1 && y >= y0 && y <= y1);
        if meets {
            out.push(svg::MapArea {
                code: area.code.clone(),
                name: area.name.clone(),
                rings,
            });
        }
    }
    Ok(out)
}

/// One theme's chapter.
pub(crate) async fn chapter(ctx: &Ctx, index: usize, theme: &str) -> Result<SectionOut> {
    let c = &ctx.config;
    let id = format!("theme-{index}");
    let mut s = Section::new(&id, &format!("Theme: {theme}"));
    let categories: Vec<&str> = c
        .themes
        .pairs()
        .iter()
        .filter(|(_, t)| t == theme)
        .map(|(cat, _)| cat.as_str())
        .collect();
    s.para(format!("Categories in this theme: {}.", categories.join("; ")));
    if let Some(r) = ctx.by_theme.iter().find(|r| text(r, "group") == theme) {
        let z = r.get("z").and_then(Value::as_f64).unwrap_or(0.0);
        s.para(format!(
            "{} incidents in {}, {} on {} ({}; Wheeler's z = {z:.2}).",
            thousands(count(r, "current")),
            c.period,
            super::tables::change_words(count(r, "current"), count(r, "previous")),
            c.compare,
            super::tables::significance_words(z)
        ));
    } else {
        s.para(format!("No incidents of this theme in {} or {}.", c.period, c.compare));
    }

    let victim = people_section(ctx, &id, theme, RepeatKind::Victim).await;
    s.subsections
        .push(or_not_produced(&format!("{id}-victim"), "Victims", victim)?);
    let offender = people_section(ctx, &id, theme, RepeatKind::Offender).await;
    s.subsections
        .push(or_not_produced(&format!("{id}-offender"), "Offenders", offender)?);
    let location = location_section(ctx, &id, theme).await;
    s.subsections
        .push(or_not_produced(&format!("{id}-location"), "Locations", location)?);
    let near = near_repeat_section(ctx, &id, theme).await;
    s.subsections
        .push(or_not_produced(&format!("{id}-near-repeat"), "Near repeats", near)?);
    let profile = time_profile_section(ctx, &id, theme).await;
    s.subsections
        .push(or_not_produced(&format!("{id}-time"), "Time profile", profile)?);
    Ok(SectionOut::new(s))
}

async fn people_section(ctx: &Ctx, id: &str, theme: &str, kind: RepeatKind) -> Result<Section> {
    let c = &ctx.config;
    let (sid, title, who) = match kind {
        RepeatKind::Victim => (format!("{id}-victim"), "Victims", "victim"),
        _ => (format!("{id}-offender"), "Offenders", "offender"),
    };
    let mut request = RepeatRequest::new(c.period);
    request.theme = Some(theme.to_string());
    let r = people_repeats(&ctx.session, &request, kind).await?;
    if r.people == 0 {
        return Err(EngineError::Unanswerable(format!(
            "no {who} records for this theme in {}: police.uk data carries no person identifiers, so repeat \
             {who} analysis needs a force crime extract with pseudonymised {who} keys (docs/formats.md)",
            c.period
        )));
    }
    let mut s = Section::new(&sid, title);
    s.para(format!(
        "{} {who}s were linked to {} incidents ({:.2} per {who}; Farrell and Pease's concentration). {} {who}s \
         ({:.1}%) had a repeat within {} days, accounting for {} repeat incidents ({:.1}% of incidents).",
        thousands(r.people),
        thousands(r.incidents),
        r.concentration,
        thousands(r.repeat_people),
        100.0 * r.repeat_people as f64 / r.people as f64,
        request.window_days,
        thousands(r.repeat_incidents),
        if r.incidents > 0 {
            100.0 * r.repeat_incidents as f64 / r.incidents as f64
        } else {
            0.0
        }
    ));
    let mut freq = Table::new(
        &format!("{sid}-frequency"),
        &format!("{title} by number of incidents, {}", c.period),
        vec![
            Column::new("incidents", "Incidents per person", ColumnKind::Text),
            Column::new("people", "People", ColumnKind::Count),
        ],
    );
    for (label, n) in ["1", "2", "3", "4 or more"].iter().zip(r.frequency) {
        freq.push(vec![json!(label), json!(n)]);
    }
    freq.push(vec![json!("Total"), json!(r.frequency.iter().sum::<u64>())]);
    freq.total_row = true;
    s.tables.push(freq);
    let mut gaps = Table::new(
        &format!("{sid}-time-to-next"),
        "Days from an incident to the same person's next",
        vec![
            Column::new("days", "Days", ColumnKind::Text),
            Column::new("incidents", "Incidents", ColumnKind::Count),
        ],
    );
    for (label, n) in TIME_TO_NEXT_BINS.iter().zip(r.time_to_next) {
        gaps.push(vec![json!(label), json!(n)]);
    }
    s.tables.push(gaps);
    if !r.power_few.is_empty() {
        let mut few = Table::new(
            &format!("{sid}-power-few"),
            "The power few: shares held by the most prolific offenders",
            vec![
                Column::new("top_share_of_offenders", "Top offenders (%)", ColumnKind::Measure),
                Column::new("share_of_offences", "Share of offences (%)", ColumnKind::Measure),
                Column::new("share_of_harm", "Share of harm (%)", ColumnKind::Measure),
            ],
        );
        for &(top, offences, harm) in &r.power_few {
            few.push(vec![
                round(100.0 * top, 1),
                round(100.0 * offences, 1),
                round(100.0 * harm, 1),
            ]);
        }
        s.tables.push(few);
    }
    let mut top = Table::new(
        &format!("{sid}-top"),
        &format!("The {who}s with most incidents (pseudonymised keys)"),
        vec![
            Column::new("person_key", "Person key", ColumnKind::PersonKey),
            Column::new("incidents", "Incidents", ColumnKind::Count),
            Column::new("harm", "Harm", ColumnKind::Derived),
        ],
    );
    top.sensitive = true;
    for (key, n, harm) in r.top.iter().take(10) {
        top.push(vec![json!(key), json!(n), round(*harm, 1)]);
    }
    s.tables.push(top);
    Ok(s)
}

async fn location_section(ctx: &Ctx, id: &str, theme: &str) -> Result<Section> {
    let c = &ctx.config;
    let sid = format!("{id}-location");
    let mut s = Section::new(&sid, "Locations");
    let request = ctx.hotspot_request(Some(theme));
    let map = hotspot_map(ctx, &request, &sid, theme).await?;
    s.paragraphs.extend(map.paragraphs);
    s.figures.push(map.figure);
    s.tables.push(map.table);
    let level = ctx.area_level();
    let top = records(&area_hotspots(&ctx.session, &request, level).await?)?;
    s.tables.push(table_from_records(
        &format!("{sid}-top-areas"),
        &format!(
            "The {} {} areas with most incidents",
            c.hotspots.top_areas,
            level.to_uppercase()
        ),
        &top.iter().take(c.hotspots.top_areas).cloned().collect::<Vec<_>>(),
        &[
            ("rank", "Rank", ColumnKind::Measure),
            ("area_code", "Code", ColumnKind::Text),
            ("area_name", "Name", ColumnKind::Text),
            ("incidents", "Incidents", ColumnKind::Count),
        ],
    ));
    let mut repeat = RepeatRequest::new(c.period);
    repeat.theme = Some(theme.to_string());
    let places = location_repeats(&ctx.session, &repeat).await?;
    s.para(format!(
        "{} places had located incidents; {} ({:.1}%) had two or more, and they hold {} of the {} located incidents \
         ({:.1}%).",
        thousands(places.locations),
        thousands(places.repeat_locations),
        pct(places.repeat_locations, places.locations),
        thousands(places.incidents_at_repeat_locations),
        thousands(places.incidents_located),
        pct(places.incidents_at_repeat_locations, places.incidents_located)
    ));
    s.paragraphs.extend(places.notes.iter().cloned());
    let mut t = Table::new(
        &format!("{sid}-repeat-places"),
        "Places with most incidents",
        vec![
            Column::new("place", "Place", ColumnKind::Text),
            Column::new("description", "Description", ColumnKind::Text),
            Column::new("incidents", "Incidents", ColumnKind::Count),
            Column::new("police", "Police", ColumnKind::Count),
            Column::new("asb", "ASB", ColumnKind::Count),
            Column::new("fire", "Fire", ColumnKind::Count),
        ],
    );
    t.total_column = Some(2);
    for (place, description, n, police, asb, fire) in places.top.iter().take(10) {
        t.push(vec![
            json!(place),
            json!(description),
            json!(n),
            json!(police),
            json!(asb),
            json!(fire),
        ]);
    }
    s.tables.push(t);
    Ok(s)
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

async fn near_repeat_section(ctx: &Ctx, id: &str, theme: &str) -> Result<Section> {
    let c = &ctx.config;
    let mut request = NearRepeatRequest::new(c.period);
    request.theme = Some(theme.to_string());
    request.space_bands = c.near_repeat.space_bands.clone();
    request.time_bands = c.near_repeat.time_bands.clone();
    request.permutations = c.near_repeat.permutations;
    request.seed = c.seed;
    let k = near_repeat(&ctx.session, &request).await?;
    let sid = format!("{id}-near-repeat");
    let mut s = Section::new(&sid, "Near repeats");
    let mut t = Table::new(
        &format!("{sid}-knox"),
        "Knox test: pairs of incidents close in space and time",
        vec![
            Column::new("distance", "Distance (m)", ColumnKind::Text),
            Column::new("days", "Days apart", ColumnKind::Text),
            Column::new("observed", "Observed pairs", ColumnKind::Count),
            Column::new("expected", "Expected pairs", ColumnKind::Measure),
            Column::new("knox_ratio", "Knox ratio", ColumnKind::Derived),
            Column::new("p", "p", ColumnKind::Measure),
        ],
    );
    let band = |edges: &[f64], i: usize| match edges.get(i + 1) {
        Some(next) => format!("{:.0}–{:.0}", edges[i], next),
        None => format!("{:.0}+", edges[i]),
    };
    let mut flagged = Vec::new();
    for (si, row) in k.observed.iter().enumerate() {
        for (ti, &obs) in row.iter().enumerate() {
            let days: Vec<f64> = k.time_bands.iter().map(|&d| d as f64).collect();
            let (dist, when) = (band(&k.space_bands, si), band(&days, ti));
            let ratio = k.knox_ratio[si][ti];
            if k.p[si][ti] <= 0.05 && ratio > 1.0 {
                flagged.push(format!("{dist} m and {when} days (ratio {ratio:.2})"));
            }
            t.push(vec![
                json!(dist),
                json!(when),
                json!(obs),
                round(k.expected[si][ti], 1),
                round(ratio, 2),
                round(k.p[si][ti], 4),
            ]);
        }
    }
    s.para(format!(
        "{} located incidents with dates to the day; {} permutations of the dates over the fixed locations, seed {}.",
        thousands(k.n as u64),
        k.permutations,
        k.seed
    ));
    s.para(if flagged.is_empty() {
        "No space–time band has significantly more pairs than expected at 5%.".to_string()
    } else {
        format!(
            "More pairs than expected (p ≤ 0.05) at: {}. Incidents there are followed by others nearby sooner than \
             chance would give, which supports prompt protective visits after each incident.",
            flagged.join("; ")
        )
    });
    s.tables.push(t);
    Ok(s)
}

async fn time_profile_section(ctx: &Ctx, id: &str, theme: &str) -> Result<Section> {
    let c = &ctx.config;
    let mut params = crate::queries::filter_params(c.period, None, None);
    params.insert("theme".into(), theme.to_string());
    let rows = records(&ctx.session.run_builtin("time_profile", &params).await?)?;
    let total: u64 = rows.iter().map(|r| count(r, "incidents")).sum();
    if total == 0 {
        return Err(EngineError::Unanswerable(format!(
            "no incident of this theme in {} has a time to the minute (police.uk publishes months only)",
            c.period
        )));
    }
    let mut cells = vec![vec![0.0; 24]; 7];
    for r in &rows {
        let (d, h) = (count(r, "day_of_week") as usize, count(r, "hour") as usize);
        if (1..=7).contains(&d) && h < 24 {
            cells[d - 1][h] += count(r, "incidents") as f64;
        }
    }
    let days: Vec<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .iter()
        .map(|d| d.to_string())
        .collect();
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let sid = format!("{id}-time");
    let mut s = Section::new(&sid, "Time profile");
    let (mut best, mut best_n) = ((0, 0), 0.0);
    for (d, row) in cells.iter().enumerate() {
        for (h, &n) in row.iter().enumerate() {
            if n > best_n {
                (best, best_n) = ((d, h), n);
            }
        }
    }
    s.para(format!(
        "{} incidents with a time to the minute. The busiest hour is {} {:02}:00–{:02}:59 with {} incidents.",
        thousands(total),
        days[best.0],
        best.1,
        best.1,
        best_n
    ));
    s.figures.push(Figure {
        id: format!("{sid}-heatmap"),
        title: format!("{theme}: incidents by day of week and hour, {}", c.period),
        svg: svg::heatmap(&format!("{theme}: day of week by hour"), &days, &hours, &cells),
        caption: "Darker cells hold more incidents. Times are local clock times as recorded.".into(),
    });
    let mut t = Table::new(
        &format!("{sid}-by-day"),
        "Incidents by day of week",
        vec![
            Column::new("day", "Day", ColumnKind::Text),
            Column::new("incidents", "Incidents", ColumnKind::Count),
        ],
    );
    for (d, row) in cells.iter().enumerate() {
        t.push(vec![json!(days[d]), json!(row.iter().sum::<f64>() as u64)]);
    }
    s.tables.push(t);
    Ok(s)
}
