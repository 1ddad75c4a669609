//! Grid, Gi*, kernel density and emerging hot spot maps.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crimescope_model::Month;
use crimescope_spatial::{
    EmergingClass, GiStar, classify_emerging_with_trend, gi_permutation_p, gi_star_grid, quartic_kde, space_time_gi,
};
use datafusion::arrow::array::{
    ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray, StringBuilder, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Float64Type, Int64Type, Schema};

use super::study_area::{StudyArea, study_area};
use super::{HotspotRequest, TimeStep, request_params};
use crate::error::{EngineError, Result};
use crate::session::Session;

const DEFAULT_GRID_CELL: f64 = 250.0;
const DEFAULT_KDE_CELL: f64 = 50.0;

/// Counts per grid cell over the study area, zero cells included.
#[derive(Debug, Clone)]
pub struct GridMap {
    /// The study area and its grid.
    pub area: StudyArea,
    /// Incidents per cell (row-major over the grid; 0 outside the mask).
    pub counts: Vec<u64>,
    /// Located incidents in the period (inside and outside the study area).
    pub located: u64,
}

fn spatial(e: crimescope_spatial::SpatialError) -> EngineError {
    EngineError::Spatial(e)
}

fn int_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a datafusion::arrow::array::Int64Array> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or_else(|| EngineError::internal(format!("hotspot query returned no BIGINT column {name}")))
}

/// Count located incidents into the cells of the study area (`queries/hotspot_grid.sql`).
///
/// The study area is the stored boundary of `request.area`, or else the extent of the
/// incidents after dropping locational outliers (see
/// [`crimescope_spatial::outlier_trimmed_extent`]); `area.outside` says how many
/// incidents fell outside it.
pub async fn grid_counts(session: &Session, request: &HotspotRequest) -> Result<GridMap> {
    let params = request_params(session, request).await?;
    grid_counts_with(session, request, &params).await
}

/// [`grid_counts`] with the request's filter parameters already resolved.
pub(crate) async fn grid_counts_with(
    session: &Session,
    request: &HotspotRequest,
    filters: &HashMap<String, String>,
) -> Result<GridMap> {
    let cell = request.cell.unwrap_or(DEFAULT_GRID_CELL);
    let mut params = filters.clone();
    params.insert("cell".into(), cell.to_string());
    let batches = session.run_builtin("hotspot_grid", &params).await?;
    let mut cells: Vec<(i64, i64, u64)> = Vec::new();
    for b in &batches {
        let (i, j, n) = (int_column(b, "i")?, int_column(b, "j")?, int_column(b, "incidents")?);
        for r in 0..b.num_rows() {
            cells.push((i.value(r), j.value(r), n.value(r) as u64));
        }
    }
    let located: u64 = cells.iter().map(|c| c.2).sum();
    if located == 0 {
        return Err(EngineError::Unanswerable(format!(
            "no located incidents match in {}; nothing to map",
            request.period
        )));
    }
    let centres: Vec<(f64, f64, u64)> = cells
        .iter()
        .map(|&(i, j, n)| ((i as f64 + 0.5) * cell, (j as f64 + 0.5) * cell, n))
        .collect();
    let area = study_area(session, request.area.as_ref(), &centres, cell)?;
    let mut counts = vec![0u64; area.grid.len()];
    let mut outside = 0u64;
    for &(e, n, c) in &centres {
        match area.grid.index_of(e, n) {
            Some(k) => counts[k] += c,
            None => outside += c,
        }
    }
    Ok(GridMap {
        area: StudyArea { outside, ..area },
        counts,
        located,
    })
}

/// Which cells a per-cell table lists. The statistics are computed over every cell of
/// the study area, zero cells included, whatever is listed; this decides only the rows
/// written, so that a national grid of millions of mostly empty cells prints as the few
/// hundred thousand a reader wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CellRows {
    /// Every cell of the study area.
    All,
    /// Cells with an incident, a non-zero density or a significant statistic.
    #[default]
    Occupied,
}

/// For each study-area cell (in the order of `Grid::inside_cells`), whether `rows`
/// lists it: every cell, or those `occupied` says hold something.
fn listed_flags(g: &crimescope_spatial::Grid, rows: CellRows, occupied: impl Fn(usize) -> bool) -> Vec<bool> {
    g.inside_cells().map(|k| rows == CellRows::All || occupied(k)).collect()
}

/// The study-area cells `rows` lists, in the order of `Grid::inside_cells`: the cells of
/// [`listed_flags`], found in one pass without the flags (a national 250 m grid has
/// about 3.3 million cells).
fn listed_cells(g: &crimescope_spatial::Grid, rows: CellRows, occupied: impl Fn(usize) -> bool) -> Vec<usize> {
    g.inside_cells()
        .filter(|&k| rows == CellRows::All || occupied(k))
        .collect()
}

impl GridMap {
    /// One row per study-area cell: `cell_id, i, j, easting, northing, count`
    /// (easting and northing are the cell centre in BNG metres).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        self.cell_table(CellRows::All)
    }

    /// Which study-area cells `rows` lists (occupied: a count above 0), in the order of
    /// [`GridMap::to_record_batch`]'s rows (for `cells_geojson_where`).
    pub fn listed(&self, rows: CellRows) -> Vec<bool> {
        listed_flags(&self.area.grid, rows, |k| self.occupied(k))
    }

    /// Whether cell `k` holds an incident.
    fn occupied(&self, k: usize) -> bool {
        self.counts[k] > 0
    }

    /// [`GridMap::to_record_batch`] for the cells `rows` chooses.
    pub fn cell_table(&self, rows: CellRows) -> Result<RecordBatch> {
        let g = &self.area.grid;
        let cells = listed_cells(g, rows, |k| self.occupied(k));
        let schema = Arc::new(Schema::new(vec![
            Field::new("cell_id", DataType::Utf8, false),
            Field::new("i", DataType::Int64, false),
            Field::new("j", DataType::Int64, false),
            Field::new("easting", DataType::Float64, false),
            Field::new("northing", DataType::Float64, false),
            Field::new("count", DataType::UInt64, false),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(cell_id_array(g, &cells)),
            Arc::new(Int64Array::from_iter_values(cells.iter().map(|&k| g.ij(k).0))),
            Arc::new(Int64Array::from_iter_values(cells.iter().map(|&k| g.ij(k).1))),
            Arc::new(Float64Array::from_iter_values(cells.iter().map(|&k| g.centre(k).0))),
            Arc::new(Float64Array::from_iter_values(cells.iter().map(|&k| g.centre(k).1))),
            Arc::new(UInt64Array::from_iter_values(cells.iter().map(|&k| self.counts[k]))),
        ];
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}

/// The `cell_id` column: [`crimescope_spatial::Grid::cell_id`] of each cell, written
/// into one buffer with the `<cell>m:` prefix formatted once and the indices by `itoa`,
/// not a `String` or a `write!` per cell (a national 250 m map lists about 250,000
/// cells).
fn cell_id_array(g: &crimescope_spatial::Grid, cells: &[usize]) -> StringArray {
    use std::fmt::Write;
    let prefix = format!("{}m:", g.cell);
    let mut ids = StringBuilder::with_capacity(cells.len(), cells.len() * (prefix.len() + 12));
    let mut digits = itoa::Buffer::new();
    for &k in cells {
        let (i, j) = g.ij(k);
        let written = ids
            .write_str(&prefix)
            .and_then(|()| ids.write_str(digits.format(i)))
            .and_then(|()| ids.write_char(':'))
            .and_then(|()| ids.write_str(digits.format(j)));
        written.expect("writing to a StringBuilder cannot fail");
        ids.append_value("");
    }
    ids.finish()
}

/// The leading columns of the per-cell tables: `cell_id`, `easting`, `northing` (the
/// cell centre in BNG metres).
fn cell_columns(g: &crimescope_spatial::Grid, cells: &[usize]) -> (Vec<Field>, Vec<ArrayRef>) {
    (
        vec![
            Field::new("cell_id", DataType::Utf8, false),
            Field::new("easting", DataType::Float64, false),
            Field::new("northing", DataType::Float64, false),
        ],
        vec![
            Arc::new(cell_id_array(g, cells)),
            Arc::new(Float64Array::from_iter_values(cells.iter().map(|&k| g.centre(k).0))),
            Arc::new(Float64Array::from_iter_values(cells.iter().map(|&k| g.centre(k).1))),
        ],
    )
}

/// ArcGIS's Gi_Bin: ±3, ±2, ±1 for hot (+) or cold (−) at 99%, 95% and 90% confidence,
/// 0 not significant; here applied to the FDR-adjusted p.
pub fn gi_bin(z: f64, p_fdr: f64) -> i8 {
    if z.is_nan() || p_fdr.is_nan() {
        return 0;
    }
    let level = if p_fdr <= 0.01 {
        3
    } else if p_fdr <= 0.05 {
        2
    } else if p_fdr <= 0.10 {
        1
    } else {
        0
    };
    if z > 0.0 { level } else { -level }
}

/// The words for a Gi_Bin value.
pub fn gi_class(bin: i8) -> &'static str {
    match bin {
        3 => "hot spot 99%",
        2 => "hot spot 95%",
        1 => "hot spot 90%",
        -1 => "cold spot 90%",
        -2 => "cold spot 95%",
        -3 => "cold spot 99%",
        _ => "not significant",
    }
}

/// Gi* over the grid cells with FDR-adjusted significance.
#[derive(Debug, Clone)]
pub struct GiMap {
    /// The counts.
    pub grid: GridMap,
    /// The band in metres.
    pub band: f64,
    /// Gi* per cell.
    pub gi: GiStar,
    /// Benjamini–Hochberg adjusted p per cell (over the study-area cells).
    pub p_fdr: Vec<f64>,
    /// Conditional-permutation pseudo p, when permutations were asked for.
    pub p_sim: Option<Vec<f64>>,
}

/// Getis-Ord Gi* over the study-area grid, zero cells included: binary weights on cell
/// centres within `request.band` (inclusive), self included (DESIGN.md); two-sided p,
/// Benjamini–Hochberg FDR over the study-area cells, and ArcGIS-style classes applied
/// to the adjusted p. With `request.permutations > 0`, a seeded conditional-permutation
/// pseudo p as well.
pub async fn gi_hotspots(session: &Session, request: &HotspotRequest) -> Result<GiMap> {
    let grid = grid_counts(session, request).await?;
    let g = &grid.area.grid;
    let values: Vec<f64> = grid.counts.iter().map(|&c| c as f64).collect();
    let gi = gi_star_grid(g, &values, request.band).map_err(spatial)?;
    let inside: Vec<usize> = g.inside_cells().collect();
    let adjusted = crimescope_stats::benjamini_hochberg(&inside.iter().map(|&k| gi.p[k]).collect::<Vec<_>>());
    let mut p_fdr = vec![f64::NAN; g.len()];
    for (pos, &k) in inside.iter().enumerate() {
        p_fdr[k] = adjusted[pos];
    }
    let p_sim =
        (request.permutations > 0).then(|| gi_permutation_p(g, &values, &gi, request.permutations, request.seed));
    Ok(GiMap {
        band: request.band,
        grid,
        gi,
        p_fdr,
        p_sim,
    })
}

impl GiMap {
    /// One row per study-area cell: `cell_id, easting, northing, count, neighbours, z,
    /// p, p_fdr, gi_bin, class[, p_sim]`.
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        self.cell_table(CellRows::All)
    }

    /// Which study-area cells `rows` lists (occupied: a count above 0, or a hot or
    /// cold spot, which an empty cell can be through its neighbours).
    pub fn listed(&self, rows: CellRows) -> Vec<bool> {
        listed_flags(&self.grid.area.grid, rows, |k| self.occupied(k))
    }

    /// Whether cell `k` holds an incident or a significant statistic.
    fn occupied(&self, k: usize) -> bool {
        self.grid.counts[k] > 0 || gi_bin(self.gi.z[k], self.p_fdr[k]) != 0
    }

    /// [`GiMap::to_record_batch`] for the cells `rows` chooses.
    pub fn cell_table(&self, rows: CellRows) -> Result<RecordBatch> {
        let g = &self.grid.area.grid;
        let cells = listed_cells(g, rows, |k| self.occupied(k));
        let bins: Vec<i8> = cells.iter().map(|&k| gi_bin(self.gi.z[k], self.p_fdr[k])).collect();
        let (mut fields, mut columns) = cell_columns(g, &cells);
        fields.extend([
            Field::new("count", DataType::UInt64, false),
            Field::new("neighbours", DataType::UInt64, false),
            Field::new("z", DataType::Float64, true),
            Field::new("p", DataType::Float64, true),
            Field::new("p_fdr", DataType::Float64, true),
            Field::new("gi_bin", DataType::Int64, false),
            Field::new("class", DataType::Utf8, false),
        ]);
        let nan_null = |v: f64| (!v.is_nan()).then_some(v);
        columns.extend::<[ArrayRef; 7]>([
            Arc::new(UInt64Array::from_iter_values(
                cells.iter().map(|&k| self.grid.counts[k]),
            )),
            Arc::new(UInt64Array::from_iter_values(
                cells.iter().map(|&k| self.gi.neighbours[k] as u64),
            )),
            Arc::new(cells.iter().map(|&k| nan_null(self.gi.z[k])).collect::<Float64Array>()),
            Arc::new(cells.iter().map(|&k| nan_null(self.gi.p[k])).collect::<Float64Array>()),
            Arc::new(cells.iter().map(|&k| nan_null(self.p_fdr[k])).collect::<Float64Array>()),
            Arc::new(Int64Array::from_iter_values(bins.iter().map(|&b| b as i64))),
            Arc::new(StringArray::from_iter_values(bins.iter().map(|&b| gi_class(b)))),
        ]);
        if let Some(sim) = &self.p_sim {
            fields.push(Field::new("p_sim", DataType::Float64, true));
            columns.push(Arc::new(
                cells.iter().map(|&k| nan_null(sim[k])).collect::<Float64Array>(),
            ));
        }
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
    }
}

/// A kernel density surface.
#[derive(Debug, Clone)]
pub struct KdeMap {
    /// The study area (its extent padded by the bandwidth, so edge mass is kept).
    pub area: StudyArea,
    /// Density per cell in incidents per km² per year.
    pub density: Vec<f64>,
    /// The bandwidth in metres.
    pub bandwidth: f64,
    /// Whether the bandwidth came from ArcGIS's default rule.
    pub default_bandwidth: bool,
    /// The period's length in years.
    pub years: f64,
    /// Incidents used (inside the study area).
    pub points: usize,
}

/// Quartic kernel density of the located incidents, in incidents per km² per year
/// ([`crimescope_spatial::quartic_kde`]); the bandwidth is `request.bandwidth` or
/// ArcGIS's rule ([`crimescope_spatial::default_bandwidth`]). Default cell 50 m.
pub async fn kde_map(session: &Session, request: &HotspotRequest) -> Result<KdeMap> {
    let cell = request.cell.unwrap_or(DEFAULT_KDE_CELL);
    let params = request_params(session, request).await?;
    let batches = session.run_builtin("hotspot_points", &params).await?;
    let mut points: Vec<(f64, f64)> = Vec::new();
    for b in &batches {
        let e = b.column(0).as_primitive::<Float64Type>();
        let n = b.column(1).as_primitive::<Float64Type>();
        points.extend(e.values().iter().copied().zip(n.values().iter().copied()));
    }
    if points.is_empty() {
        return Err(EngineError::Unanswerable(format!(
            "no located incidents match in {}",
            request.period
        )));
    }
    let weighted: Vec<(f64, f64, u64)> = points.iter().map(|&(e, n)| (e, n, 1)).collect();
    // The area without padding decides which incidents are in; the bandwidth comes from those.
    let core = study_area(session, request.area.as_ref(), &weighted, cell)?;
    let kept: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|&(e, n)| core.grid.index_of(e, n).is_some())
        .collect();
    let (bandwidth, default_bandwidth) = match request.bandwidth {
        Some(h) => (h, false),
        None => (
            crimescope_spatial::default_bandwidth(&kept).ok_or_else(|| EngineError::Parameter {
                name: "bandwidth",
                message: "is needed: the incidents all share one point, so the default rule gives none".into(),
            })?,
            true,
        ),
    };
    let area = core.padded(bandwidth)?;
    let years = request.period.months() as f64 / 12.0;
    let density = quartic_kde(&kept, &area.grid, bandwidth, years).map_err(spatial)?;
    Ok(KdeMap {
        area,
        density,
        bandwidth,
        default_bandwidth,
        years,
        points: kept.len(),
    })
}

impl KdeMap {
    /// The incidents the surface holds: Σ density × cell area (km²) × years.
    pub fn mass(&self) -> f64 {
        let km2 = (self.area.grid.cell / 1000.0).powi(2);
        self.density.iter().sum::<f64>() * km2 * self.years
    }

    /// One row per cell: `cell_id, easting, northing, density` (incidents per km² per year).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        self.cell_table(CellRows::All)
    }

    /// Which study-area cells `rows` lists (occupied: a density above 0).
    pub fn listed(&self, rows: CellRows) -> Vec<bool> {
        listed_flags(&self.area.grid, rows, |k| self.occupied(k))
    }

    /// Whether cell `k` has a density above 0.
    fn occupied(&self, k: usize) -> bool {
        self.density[k] > 0.0
    }

    /// [`KdeMap::to_record_batch`] for the cells `rows` chooses.
    pub fn cell_table(&self, rows: CellRows) -> Result<RecordBatch> {
        let g = &self.area.grid;
        let cells = listed_cells(g, rows, |k| self.occupied(k));
        let (mut fields, mut columns) = cell_columns(g, &cells);
        fields.push(Field::new("density_per_km2_per_year", DataType::Float64, false));
        columns.push(Arc::new(Float64Array::from_iter_values(
            cells.iter().map(|&k| self.density[k]),
        )));
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
    }
}

/// Emerging hot spots: one class per cell.
#[derive(Debug, Clone)]
pub struct EmergingMap {
    /// Counts over the whole period.
    pub grid: GridMap,
    /// The time steps, as (first month, last month).
    pub steps: Vec<(Month, Month)>,
    /// z per step and cell.
    pub z: Vec<Vec<f64>>,
    /// Whether each (step, cell) bin is significant after FDR over all bins.
    pub significant: Vec<Vec<bool>>,
    /// The class per cell (row-major; `NoPattern` outside the mask).
    pub classes: Vec<EmergingClass>,
    /// The Mann–Kendall test of each study-area cell's z series (`None` outside).
    pub trends: Vec<Option<crimescope_stats::MannKendall>>,
}

/// Emerging hot spot analysis: space-time Gi* over monthly or quarterly steps (a cell's
/// neighbours are the cells within the band in the same and the previous step, as
/// ESRI's default neighbourhood time step of 1), Benjamini–Hochberg FDR at 5% over all
/// bins, then a Mann–Kendall test and a pattern class per cell
/// ([`crimescope_spatial::classify_emerging`]). Needs at least 4 steps.
pub async fn emerging_hotspots(session: &Session, request: &HotspotRequest) -> Result<EmergingMap> {
    let filters = request_params(session, request).await?;
    let grid = grid_counts_with(session, request, &filters).await?;
    let cell = grid.area.grid.cell;
    let steps: Vec<(Month, Month)> = match request.step {
        TimeStep::Month => request.period.iter().map(|m| (m, m)).collect(),
        TimeStep::Quarter => {
            let mut out: Vec<(Month, Month)> = Vec::new();
            for m in request.period.iter() {
                let q = (m.month() - 1) / 3;
                match out.last_mut() {
                    Some(last) if last.0.year() == m.year() && (last.0.month() - 1) / 3 == q => last.1 = m,
                    _ => out.push((m, m)),
                }
            }
            out
        }
    };
    if steps.len() < 4 {
        return Err(EngineError::Parameter {
            name: "step",
            message: format!(
                "gives {} time steps over {}; emerging hot spots need at least 4 — use a longer period or monthly steps",
                steps.len(),
                request.period
            ),
        });
    }
    let mut params = filters;
    params.insert("cell".into(), cell.to_string());
    let batches = session.run_builtin("hotspot_grid_monthly", &params).await?;
    let step_of: BTreeMap<Month, usize> = steps
        .iter()
        .enumerate()
        .flat_map(|(s, &(a, b))| {
            crimescope_model::Period::new(a, b)
                .map(|p| p.iter().map(move |m| (m, s)).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    let g = &grid.area.grid;
    let mut layers = vec![vec![0.0f64; g.len()]; steps.len()];
    for b in &batches {
        let month = b.column(0).as_primitive::<Date32Type>();
        let (i, j, n) = (int_column(b, "i")?, int_column(b, "j")?, int_column(b, "incidents")?);
        for r in 0..b.num_rows() {
            let Some(m) = Month::from_date32(month.value(r)) else {
                continue;
            };
            let (Some(&s), Some(k)) = (
                step_of.get(&m),
                g.index_of((i.value(r) as f64 + 0.5) * cell, (j.value(r) as f64 + 0.5) * cell),
            ) else {
                continue;
            };
            layers[s][k] += n.value(r) as f64;
        }
    }
    let z = space_time_gi(g, &layers, request.band, 1).map_err(spatial)?;
    let inside: Vec<usize> = g.inside_cells().collect();
    let p: Vec<f64> = z
        .iter()
        .flat_map(|layer| inside.iter().map(|&k| layer[k]))
        .map(|v| {
            if v.is_nan() {
                f64::NAN
            } else {
                crimescope_stats::normal::two_sided_p(v)
            }
        })
        .collect();
    let q = crimescope_stats::benjamini_hochberg(&p);
    let mut significant = vec![vec![false; g.len()]; steps.len()];
    for (s, row) in significant.iter_mut().enumerate() {
        for (pos, &k) in inside.iter().enumerate() {
            row[k] = q[s * inside.len() + pos] <= 0.05;
        }
    }
    // One Mann–Kendall test per cell, used for the class and reported beside it.
    let (trends, classes): (Vec<Option<crimescope_stats::MannKendall>>, Vec<EmergingClass>) = (0..g.len())
        .map(|k| {
            if !g.inside(k) {
                return (None, EmergingClass::NoPattern);
            }
            let zs: Vec<f64> = z.iter().map(|l| if l[k].is_nan() { 0.0 } else { l[k] }).collect();
            let sig: Vec<bool> = significant.iter().map(|l| l[k]).collect();
            let mk = crimescope_stats::mann_kendall(&zs);
            (Some(mk), classify_emerging_with_trend(&zs, &sig, mk.direction))
        })
        .unzip();
    Ok(EmergingMap {
        grid,
        steps,
        z,
        significant,
        classes,
        trends,
    })
}

impl EmergingMap {
    /// One row per study-area cell: `cell_id, easting, northing, count, hot_steps,
    /// cold_steps, mk_z, mk_p, trend, class`.
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        self.cell_table(CellRows::All)
    }

    /// Which study-area cells `rows` lists (occupied: a count above 0 or a significant
    /// step).
    pub fn listed(&self, rows: CellRows) -> Vec<bool> {
        listed_flags(&self.grid.area.grid, rows, |k| self.occupied(k))
    }

    /// Whether cell `k` holds an incident or is significant in some step.
    fn occupied(&self, k: usize) -> bool {
        self.grid.counts[k] > 0 || (0..self.steps.len()).any(|s| self.significant[s][k])
    }

    /// [`EmergingMap::to_record_batch`] for the cells `rows` chooses.
    pub fn cell_table(&self, rows: CellRows) -> Result<RecordBatch> {
        let g = &self.grid.area.grid;
        let cells = listed_cells(g, rows, |k| self.occupied(k));
        let mk: Vec<crimescope_stats::MannKendall> = cells.iter().filter_map(|&k| self.trends[k]).collect();
        let count_steps = |k: usize, hot: bool| -> u64 {
            (0..self.steps.len())
                .filter(|&s| self.significant[s][k] && (self.z[s][k] > 0.0) == hot)
                .count() as u64
        };
        let (mut fields, mut columns) = cell_columns(g, &cells);
        fields.extend([
            Field::new("count", DataType::UInt64, false),
            Field::new("hot_steps", DataType::UInt64, false),
            Field::new("cold_steps", DataType::UInt64, false),
            Field::new("mk_z", DataType::Float64, false),
            Field::new("mk_p", DataType::Float64, false),
            Field::new("trend", DataType::Utf8, false),
            Field::new("class", DataType::Utf8, false),
        ]);
        columns.extend::<[ArrayRef; 7]>([
            Arc::new(UInt64Array::from_iter_values(
                cells.iter().map(|&k| self.grid.counts[k]),
            )),
            Arc::new(UInt64Array::from_iter_values(
                cells.iter().map(|&k| count_steps(k, true)),
            )),
            Arc::new(UInt64Array::from_iter_values(
                cells.iter().map(|&k| count_steps(k, false)),
            )),
            Arc::new(Float64Array::from_iter_values(mk.iter().map(|m| m.z))),
            Arc::new(Float64Array::from_iter_values(mk.iter().map(|m| m.p))),
            Arc::new(StringArray::from_iter_values(mk.iter().map(|m| m.direction.as_str()))),
            Arc::new(StringArray::from_iter_values(
                cells.iter().map(|&k| self.classes[k].label()),
            )),
        ]);
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Array;

    #[test]
    fn cell_ids_written_into_one_buffer_are_the_grids_cell_ids() {
        // A fractional cell size and a grid reaching below 0 (negative indices).
        for (cell, min, max) in [
            (62.5, -300.0, 400.0),
            (250.0, 0.0, 1_000.0),
            (1_000.0, 123_456.0, 131_000.0),
        ] {
            let g = crimescope_spatial::Grid::covering(cell, min, max, min - 50.0, max + 75.0).unwrap();
            let cells: Vec<usize> = g.inside_cells().collect();
            assert!(cells.len() > 4);
            let ids = cell_id_array(&g, &cells);
            assert_eq!(ids.len(), cells.len());
            for (row, &k) in cells.iter().enumerate() {
                assert_eq!(ids.value(row), g.cell_id(k));
            }
        }
    }
}
