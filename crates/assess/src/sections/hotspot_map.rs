//! The Gi* hotspot map shared by the area profile (every incident) and the theme
//! chapters (one theme's incidents), drawn over the stored boundaries.

use crimescope_engine::hotspots::{HotspotRequest, cells_geojson_where, gi_bin, gi_class, gi_hotspots};
use crimescope_ingest::boundaries::BoundarySet;
use crimescope_ingest::projection::ring_to_bng;
use crimescope_report::document::Figure;
use crimescope_report::svg;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::RunContext;
use crate::error::Result;
use crate::format::{round, thousands};

/// Which map: the profile's map of every incident (whose cells also go to
/// `hotspots.geojson`), or a theme chapter's, under its subsection id.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MapKind<'a> {
    /// The area profile.
    Profile,
    /// A theme's locations subsection (`theme-2-location`).
    Theme(&'a str),
}

/// A Gi* hotspot map: the figure, the table of the hottest cells, what it shows in
/// words, and (for the all-incident map) the cells as GeoJSON.
pub(crate) struct HotspotMap {
    pub figure: Figure,
    pub table: Table,
    pub paragraphs: Vec<String>,
    pub geojson: Option<Value>,
}

/// Gi* over the grid of the request, drawn over the stored boundaries.
pub(crate) async fn hotspot_map(
    ctx: &RunContext,
    request: &HotspotRequest,
    kind: MapKind<'_>,
    label: &str,
) -> Result<HotspotMap> {
    let id = match kind {
        MapKind::Profile => "profile",
        MapKind::Theme(sid) => sid,
    };
    let gi = gi_hotspots(&ctx.session, request).await?;
    let grid = &gi.grid.area.grid;
    let cells: Vec<usize> = grid.inside_cells().collect();
    let bins: Vec<i8> = cells.iter().map(|&k| gi_bin(gi.gi.z[k], gi.p_fdr[k])).collect();
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
         outside the study area). The study area is {}.",
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
            ctx.config.boundaries.name().to_uppercase()
        ),
    };
    let geojson = if matches!(kind, MapKind::Profile) {
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
fn map_areas(ctx: &RunContext, (x0, y0, x1, y1): (f64, f64, f64, f64)) -> Result<Vec<svg::MapArea>> {
    let session = &ctx.session;
    let Some(set) = BoundarySet::load_level(session.root(), session.manifest(), ctx.config.boundaries)
        .map_err(crimescope_engine::EngineError::from)?
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for area in &set.areas {
        let mut rings = Vec::new();
        for polygon in area.polygons() {
            for ring in polygon {
                let projected = ring_to_bng(ring);
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
