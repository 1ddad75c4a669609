//! GeoJSON (RFC 7946) output: grid cells or areas as WGS84 polygons, with every figure
//! of their row in the properties.

use crimescope_ingest::boundaries::BoundarySet;
use crimescope_ingest::projection::bng_to_lonlat;
use crimescope_spatial::Grid;
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::{Value, json};

use crate::error::{EngineError, Result};
use crate::session::Session;

/// Rows of a batch as JSON objects (nulls explicit).
pub(crate) fn rows(batch: &RecordBatch) -> Result<Vec<serde_json::Map<String, Value>>> {
    let mut buf = Vec::new();
    {
        let mut writer = datafusion::arrow::json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, datafusion::arrow::json::writer::JsonArray>(&mut buf);
        writer.write(batch)?;
        writer.finish()?;
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_slice(&buf)
        .map_err(|e| EngineError::internal(format!("Arrow's JSON writer gave invalid JSON: {e}")))?;
    Ok(match value {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// The study-area cells of `grid` as a FeatureCollection of WGS84 squares
/// (counter-clockwise, as RFC 7946 asks), one per row of `batch` — which must list the
/// study-area cells in grid order, as every hotspot map's `to_record_batch` does.
/// Corners are projected from BNG with the OSTN15 inverse; coordinates keep 7 decimals
/// (about 1 cm).
pub fn cells_geojson(grid: &Grid, batch: &RecordBatch, notes: &[String]) -> Result<Value> {
    cells_geojson_where(grid, batch, notes, &vec![true; batch.num_rows()])
}

/// [`cells_geojson`] for the rows where `keep` is true only (for example the
/// significant Gi* cells of a national grid, where every cell would not fit in memory).
pub fn cells_geojson_where(grid: &Grid, batch: &RecordBatch, notes: &[String], keep: &[bool]) -> Result<Value> {
    let all: Vec<usize> = grid.inside_cells().collect();
    if batch.num_rows() != all.len() || keep.len() != all.len() {
        return Err(EngineError::Unanswerable(format!(
            "{} rows and {} flags for {} cells; the batch must list the study-area cells in order",
            batch.num_rows(),
            keep.len(),
            all.len()
        )));
    }
    let mask = datafusion::arrow::array::BooleanArray::from(keep.to_vec());
    let kept = datafusion::arrow::compute::filter_record_batch(batch, &mask)?;
    let cells: Vec<usize> = all.into_iter().zip(keep).filter(|(_, k)| **k).map(|(c, _)| c).collect();
    let props = rows(&kept)?;
    let c = grid.cell;
    let mut features = Vec::with_capacity(cells.len());
    for (k, properties) in cells.into_iter().zip(props) {
        let (i, j) = grid.ij(k);
        let (x0, y0) = (i as f64 * c, j as f64 * c);
        let corners = [(x0, y0), (x0 + c, y0), (x0 + c, y0 + c), (x0, y0 + c), (x0, y0)];
        let ring: Option<Vec<Value>> = corners
            .iter()
            .map(|&(e, n)| bng_to_lonlat(e, n).map(|(lon, lat)| json!([round7(lon), round7(lat)])))
            .collect();
        let Some(ring) = ring else { continue };
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": properties,
        }));
    }
    Ok(json!({"type": "FeatureCollection", "features": features, "crimescope_notes": notes}))
}

/// Areas of `level` as a FeatureCollection of their stored WGS84 polygons, with each
/// row of `batch` (matched on its `area_code` column) as properties. Areas without a
/// stored boundary are left out and counted in the notes.
pub fn areas_geojson(session: &Session, level: crimescope_model::AreaLevel, batch: &RecordBatch) -> Result<Value> {
    let set = BoundarySet::load_level(session.root(), session.manifest(), level)?.ok_or_else(|| {
        EngineError::NoBoundaries {
            level,
            purpose: "GeoJSON of areas",
        }
    })?;
    let by_code: std::collections::HashMap<&str, &crimescope_ingest::boundaries::Area> =
        set.areas.iter().map(|a| (a.code.as_str(), a)).collect();
    let mut features = Vec::new();
    let mut missing = 0;
    for properties in rows(batch)? {
        let code = properties.get("area_code").and_then(Value::as_str).unwrap_or_default();
        let Some(area) = by_code.get(code) else {
            missing += 1;
            continue;
        };
        let polygons: Vec<Value> = area
            .polygons()
            .iter()
            .map(|rings| {
                Value::Array(
                    rings
                        .iter()
                        .map(|r| Value::Array(r.iter().map(|&(x, y)| json!([x, y])).collect()))
                        .collect(),
                )
            })
            .collect();
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            "properties": properties,
        }));
    }
    let notes = if missing > 0 {
        vec![format!(
            "{missing} areas have no stored {level} boundary and are left out of the map"
        )]
    } else {
        Vec::new()
    };
    Ok(json!({"type": "FeatureCollection", "features": features, "crimescope_notes": notes}))
}
