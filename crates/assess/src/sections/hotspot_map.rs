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
use crate::findings::HotspotSummary;
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
    pub summary: HotspotSummary,
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
    let top: Vec<usize> = order
        .iter()
        .take(ctx.config.hotspots.top_areas)
        .map(|&n| cells[n])
        .collect();
    let keys: Vec<i64> = top
        .iter()
        .map(|&k| {
            let (e, n) = grid.centre(k);
            grid_key(e, n, grid.cell)
        })
        .collect();
    let streets = busiest_streets(ctx, request, grid.cell, &keys).await?;
    let mut table = Table::new(
        &format!("{id}-hot-cells"),
        &format!("{label}: the hottest grid cells (Gi*)"),
        vec![
            Column::new("where", "Where (busiest street in the cell)", ColumnKind::Text),
            Column::new("incidents", "Incidents", ColumnKind::Count),
            Column::new("z", "Gi* z", ColumnKind::Measure),
            Column::new("p_fdr", "p (FDR)", ColumnKind::Measure),
            Column::new("class", "Class", ColumnKind::Text),
        ],
    );
    for (i, &k) in top.iter().enumerate() {
        let n = order[i];
        table.push(vec![
            json!(place_name(&streets, keys[i], gi.grid.counts[k])),
            json!(gi.grid.counts[k]),
            round(gi.gi.z[k], 2),
            json!(gi.p_fdr[k]),
            json!(gi_class(bins[n])),
        ]);
    }
    if let (Some(&n), Some(&key)) = (order.first(), keys.first()) {
        let (count, z) = (gi.grid.counts[cells[n]], gi.gi.z[cells[n]]);
        paragraphs.push(match streets.get(&key) {
            Some(_) => format!(
                "The hottest cell (z = {z:.2}) is around {}, with {} {}.",
                place_name(&streets, key, count),
                thousands(count),
                if count == 1 { "incident" } else { "incidents" }
            ),
            None if count == 0 => {
                format!("The hottest cell (z = {z:.2}) has no incidents of its own: it is hot through its neighbours.")
            }
            None => format!(
                "The hottest cell (z = {z:.2}) has {} {}, none with a street recorded.",
                thousands(count),
                if count == 1 { "incident" } else { "incidents" }
            ),
        });
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
    let mut hottest_streets: Vec<String> = Vec::new();
    for key in &keys {
        if let Some((street, _, _)) = streets.get(key)
            && !hottest_streets.contains(street)
        {
            hottest_streets.push(street.clone());
        }
    }
    let summary = HotspotSummary {
        cells: cells.len(),
        cell_m: grid.cell,
        hot,
        hottest_streets,
    };
    Ok(HotspotMap {
        figure,
        table,
        paragraphs,
        geojson,
        summary,
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

/// The packed `grid_cell` key of the cell holding a point (cells anchored at 0, as the
/// grid queries build them).
fn grid_key(easting: f64, northing: f64, cell: f64) -> i64 {
    (easting / cell).floor() as i64 * crimescope_engine::functions::GRID_KEY_STRIDE + (northing / cell).floor() as i64
}

/// A cell's name: its busiest street with that street's share of the cell's incidents
/// that name one; a cell without any is said to be hot through its neighbours (no
/// incidents) or to have no street recorded.
fn place_name(streets: &std::collections::HashMap<i64, (String, u64, u64)>, key: i64, incidents: u64) -> String {
    match streets.get(&key) {
        Some((street, n, all)) => format!("{street} ({n} of {all})"),
        None if incidents == 0 => "a cell with no incidents of its own, hot through its neighbours".to_string(),
        None => "a place with no street recorded".to_string(),
    }
}

/// For each cell key: the location text with most incidents in the period (ties by
/// name), its count and the cell's count of incidents with any location text.
async fn busiest_streets(
    ctx: &RunContext,
    request: &HotspotRequest,
    cell: f64,
    keys: &[i64],
) -> Result<std::collections::HashMap<i64, (String, u64, u64)>> {
    use crimescope_engine::arrow::array::AsArray;
    use crimescope_engine::arrow::compute::cast;
    use crimescope_engine::arrow::datatypes::{DataType, Int64Type};
    use crimescope_engine::datafusion::scalar::ScalarValue;
    let mut out = std::collections::HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    let batches = ctx
        .session
        .run_bound(
            "SELECT grid_cell(easting, northing, $3) AS cell, CAST(location_text AS VARCHAR) AS street, COUNT(*) AS n \
             FROM incidents WHERE month BETWEEN $1 AND $2 AND location_text IS NOT NULL \
             AND ($4 = '' OR CAST(category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $4)) \
             GROUP BY 1, 2",
            vec![
                (
                    "1".into(),
                    ScalarValue::Date32(Some(request.period.first().to_date32())),
                ),
                ("2".into(), ScalarValue::Date32(Some(request.period.last().to_date32()))),
                ("3".into(), ScalarValue::Float64(Some(cell))),
                (
                    "4".into(),
                    ScalarValue::Utf8(Some(request.theme.clone().unwrap_or_default())),
                ),
            ],
        )
        .await?;
    let mut by_cell: std::collections::HashMap<i64, Vec<(String, u64)>> = std::collections::HashMap::new();
    for b in &batches {
        let street =
            cast(b.column(1), &DataType::Utf8).map_err(|e| crate::error::AssessError::Internal(e.to_string()))?;
        let (Some(key), Some(street), Some(n)) = (
            b.column(0).as_primitive_opt::<Int64Type>(),
            street.as_string_opt::<i32>(),
            b.column(2).as_primitive_opt::<Int64Type>(),
        ) else {
            return Err(crate::error::AssessError::Internal(
                "the street query returned other columns".into(),
            ));
        };
        for r in 0..b.num_rows() {
            use crimescope_engine::arrow::array::Array;
            if key.is_valid(r) && street.is_valid(r) && keys.contains(&key.value(r)) {
                by_cell
                    .entry(key.value(r))
                    .or_default()
                    .push((street.value(r).to_string(), n.value(r).max(0) as u64));
            }
        }
    }
    for (key, mut streets) in by_cell {
        let all = streets.iter().map(|s| s.1).sum();
        streets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if let Some((street, n)) = streets.into_iter().next() {
            out.insert(key, (street, n, all));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_centre_gives_the_key_grid_cell_gives_its_incidents() {
        // The grid's cell (i, j) has centre ((i + 0.5) c, (j + 0.5) c) (Grid::centre);
        // grid_cell(e, n, c) is floor(e / c) * 2^24 + floor(n / c) (functions.rs).
        let grid = crimescope_spatial::Grid::covering(250.0, 433_000.0, 436_000.0, 278_000.0, 281_000.0).unwrap();
        for k in [0, 7, grid.len() - 1] {
            let (e, n) = grid.centre(k);
            let id = grid.cell_id(k); // "250m:<i>:<j>"
            let mut parts = id.split(':').skip(1).map(|p| p.parse::<i64>().unwrap());
            let (i, j) = (parts.next().unwrap(), parts.next().unwrap());
            assert_eq!(
                grid_key(e, n, 250.0),
                i * crimescope_engine::functions::GRID_KEY_STRIDE + j
            );
        }
        let mut streets = std::collections::HashMap::new();
        streets.insert(5, ("On or near High Street".to_string(), 3, 4));
        assert_eq!(place_name(&streets, 5, 4), "On or near High Street (3 of 4)");
        assert!(place_name(&streets, 6, 0).contains("hot through its neighbours"));
        assert!(place_name(&streets, 6, 2).contains("no street"));
    }
}
