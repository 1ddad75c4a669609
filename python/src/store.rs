//! `crimescope.Store`: a store opened for queries, each returning a `pyarrow.Table`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use crimescope_engine::hotspots::{
    CellRows, HotspotRequest, area_hotspots, emerging_hotspots, gi_hotspots, grid_counts, kde_map,
};
use crimescope_engine::near_repeat::{DEFAULT_MIN_KNOX_RATIO, NearRepeatRequest, near_repeat};
use crimescope_engine::quality::{PersonKeyPolicy, screen_person_keys};
use crimescope_engine::repeats::{RepeatKind, RepeatRequest, location_repeats, people_repeats};
use crimescope_engine::selection::CrimeSource;
use crimescope_engine::trend::{TrendGroup, TrendRequest, trend};
use crimescope_engine::{Session, SessionOptions, store_info};
use crimescope_model::{AreaLevel, Comparison, Period, Source};
use crimescope_spatial::Metric;
use pyo3::prelude::*;
use serde_json::{Value, json};

use crate::arrow_export::{pyarrow_table, schema_of};
use crate::errors::{bad_argument, engine_error, internal};
use crate::python_values::to_python;
use crate::runtime::block_on;

/// A crimescope store opened for queries.
///
/// `area` keeps only the incidents of a partnership, district or police force area (by
/// name or ONS code, e.g. "Coventry" or "E22000336"); `crime_source` chooses where
/// police-recorded crime is counted from when both police.uk and a force extract cover
/// a month: "auto" (the force extract where it covers the month), "force" or
/// "police.uk". Every query returns a `pyarrow.Table`; what the figures cover (notes,
/// coverage, summary figures) is JSON in `table.schema.metadata[b"crimescope"]`.
#[pyclass(module = "crimescope", frozen)]
pub struct Store {
    root: PathBuf,
    session: Session,
}

/// A period argument: `2024-07..2024-12`, a month, or a financial year `2024/25`.
fn period(text: &str) -> PyResult<Period> {
    text.parse::<Period>()
        .map_err(|e| crate::errors::UserError::new_err(format!("period {e}")))
}

fn source(text: Option<&str>) -> PyResult<Option<Source>> {
    text.map(|t| Source::lookup(t).map_err(|e| crate::errors::UserError::new_err(format!("source {e}"))))
        .transpose()
}

fn u64_column(values: impl IntoIterator<Item = u64>) -> ArrayRef {
    Arc::new(UInt64Array::from_iter_values(values))
}

fn f64_column(values: impl IntoIterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(values))
}

fn str_column<'a>(values: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

/// One batch of `columns`, named and typed by `fields`.
fn batch_of(fields: Vec<(&str, DataType)>, columns: Vec<ArrayRef>) -> PyResult<(SchemaRef, RecordBatch)> {
    let schema = Arc::new(Schema::new(
        fields
            .into_iter()
            .map(|(name, t)| Field::new(name, t, false))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(internal)?;
    Ok((schema, batch))
}

/// The serde form of `value` without its `omit` keys: the summary of a result whose
/// rows are the table.
fn summary_of<T: serde::Serialize>(value: &T, omit: &[&str]) -> PyResult<Value> {
    let mut json = serde_json::to_value(value).map_err(internal)?;
    if let Value::Object(map) = &mut json {
        for key in omit {
            map.remove(*key);
        }
    }
    Ok(json)
}

impl Store {
    /// Run `work` on the session with the GIL released, so that other Python threads
    /// go on while a query runs.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        work: impl AsyncFnOnce(&Session) -> crimescope_engine::Result<T> + Send,
    ) -> PyResult<T> {
        let session = &self.session;
        py.detach(|| block_on(work(session)))?.map_err(engine_error)
    }
}

#[pymethods]
impl Store {
    /// Open the store at `path`.
    #[new]
    #[pyo3(signature = (path, area = None, crime_source = "auto"))]
    fn new(py: Python<'_>, path: PathBuf, area: Option<&str>, crime_source: &str) -> PyResult<Store> {
        let crime_source = crime_source
            .parse::<CrimeSource>()
            .map_err(|_| bad_argument("crime_source", crime_source, "auto, force or police.uk"))?;
        let area = match area {
            None => None,
            Some(name) => {
                let geography = crimescope_assess::area::OnsGeography::bundled().map_err(internal)?;
                Some(
                    geography
                        .resolve(name)
                        .map_err(|e| crate::errors::UserError::new_err(format!("area {e}")))?,
                )
            }
        };
        let options = SessionOptions {
            area,
            crime_source,
            ..SessionOptions::default()
        };
        let session = py
            .detach(|| block_on(Session::open_with(&path, &options)))?
            .map_err(engine_error)?;
        Ok(Store { root: path, session })
    }

    /// The store's folder.
    #[getter]
    fn path(&self) -> &Path {
        &self.root
    }

    fn __repr__(&self) -> String {
        format!("crimescope.Store({:?})", self.root.display().to_string())
    }

    /// What the store holds: files, rows loaded and rejected per source, months
    /// covered, boundaries (the command line's `info --json`).
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let info = self.run(py, async |s: &Session| store_info(s).await)?;
        to_python(py, &info)
    }

    /// Run a read-only SQL query over the store's tables (`incidents`, `parties`,
    /// `rejects`, ...), with crimescope's SQL functions.
    fn sql<'py>(&self, py: Python<'py>, query: &str) -> PyResult<Bound<'py, PyAny>> {
        let query = query.to_string();
        let (schema, batches) = self.run(py, async move |s: &Session| {
            crimescope_engine::read_only::check_read_only(&query)?;
            let batches = s.sql(&query).await?;
            let schema = match batches.first() {
                Some(b) => b.schema(),
                None => s.sql_schema(&query).await?,
            };
            Ok((schema, batches))
        })?;
        pyarrow_table(py, schema, batches, None)
    }

    /// Change between two periods by group: counts, rates, change, z, the Poisson
    /// E-test's p, p adjusted across the rows (Benjamini–Hochberg) and `significant`.
    /// `compare` is "year-earlier" (the default), "previous" or a period; `by` is
    /// category, source, theme, lsoa, ward or force.
    #[pyo3(signature = (period, compare = "year-earlier", by = "category", source = None, category = None))]
    fn trend<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        compare: &str,
        by: &str,
        source: Option<&str>,
        category: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let current = self::period(period)?;
        let compare = compare
            .parse::<Comparison>()
            .map_err(|e| crate::errors::UserError::new_err(format!("compare {e}")))?;
        let request = TrendRequest {
            period: current,
            compare: Some(compare.period_for(current)),
            by: by.parse::<TrendGroup>().map_err(engine_error)?,
            source: self::source(source)?,
            category,
        };
        let table = self.run(py, async |s: &Session| trend(s, &request).await)?;
        let about = json!({
            "analysis": "trend",
            "period": table.period.to_string(),
            "compare": table.compare.to_string(),
            "by": table.by.as_str(),
            "category": table.category,
            "coverage": table.coverage,
            "warnings": table.warnings,
        });
        let schema = schema_of(&table.batches, || Arc::new(Schema::empty()));
        pyarrow_table(py, schema, table.batches, Some(&about))
    }

    /// Hot spots of the period. `method`: grid (counts per cell), gi (Getis-Ord Gi*
    /// with FDR-adjusted classes), kde (quartic kernel density), emerging (space-time
    /// Gi* with Mann–Kendall), lsoa or ward (counts and rates per area). Cell methods
    /// list occupied or significant cells unless `all_cells=True`; the statistics are
    /// always over every cell.
    #[pyo3(signature = (
        period, method = "grid", cell = None, band = 500.0, bandwidth = None, category = None,
        source = None, permutations = 0, seed = 1, all_cells = false
    ))]
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments
    fn hotspots<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        method: &str,
        cell: Option<f64>,
        band: f64,
        bandwidth: Option<f64>,
        category: Option<String>,
        source: Option<&str>,
        permutations: usize,
        seed: u64,
        all_cells: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut request = HotspotRequest::new(self::period(period)?);
        request.cell = cell;
        request.band = band;
        request.bandwidth = bandwidth;
        request.category = category;
        request.source = self::source(source)?;
        request.permutations = permutations;
        request.seed = seed;
        let rows = if all_cells { CellRows::All } else { CellRows::Occupied };
        let method_name = method.to_ascii_lowercase();
        let (batch, about) = self.run(py, async |s: &Session| {
            Ok(match method_name.as_str() {
                "grid" => {
                    let map = grid_counts(s, &request).await?;
                    let about = cells_about("grid", &map.area, map.located, rows);
                    (map.cell_table(rows)?, about)
                }
                "gi" => {
                    let map = gi_hotspots(s, &request).await?;
                    let mut about = cells_about("gi", &map.grid.area, map.grid.located, rows);
                    about["band"] = json!(map.band);
                    (map.cell_table(rows)?, about)
                }
                "kde" => {
                    let map = kde_map(s, &request).await?;
                    let mut about = cells_about("kde", &map.area, map.points as u64, rows);
                    about["bandwidth"] = json!(map.bandwidth);
                    about["years"] = json!(map.years);
                    (map.cell_table(rows)?, about)
                }
                "emerging" => {
                    let map = emerging_hotspots(s, &request).await?;
                    let about = cells_about("emerging", &map.grid.area, map.grid.located, rows);
                    (map.cell_table(rows)?, about)
                }
                "lsoa" | "ward" => {
                    let level = if method_name == "lsoa" {
                        AreaLevel::Lsoa
                    } else {
                        AreaLevel::Ward
                    };
                    let batches = area_hotspots(s, &request, level).await?;
                    let schema = schema_of(&batches, || Arc::new(Schema::empty()));
                    let batch = datafusion_concat(&schema, &batches)?;
                    (batch, json!({"analysis": "hotspots", "method": method_name}))
                }
                _ => {
                    return Err(crimescope_engine::EngineError::Parameter {
                        name: "method",
                        message: format!("'{method}': choose one of grid, gi, kde, emerging, lsoa, ward"),
                    });
                }
            })
        })?;
        pyarrow_table(py, batch.schema(), vec![batch], Some(&about))
    }

    /// Repeat victimisation, offending or places. `kind`: location (the top places with
    /// their counts by source), victim or offender (the top pseudonymised people with
    /// incidents and harm; implausible keys are left out, as in the command line).
    /// The figures (prevalence, incidence, concentration, repeats within `window`
    /// days) are in the table's metadata.
    #[pyo3(signature = (period, kind = "location", category = None, source = None, window = 365, top = 20))]
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments
    fn repeats<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        kind: &str,
        category: Option<String>,
        source: Option<&str>,
        window: i64,
        top: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut request = RepeatRequest::new(self::period(period)?);
        request.category = category;
        request.source = self::source(source)?;
        request.window_days = window;
        request.top = top;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "location" => None,
            "victim" => Some(RepeatKind::Victim),
            "offender" => Some(RepeatKind::Offender),
            _ => return Err(bad_argument("kind", kind, "location, victim or offender")),
        };
        let Some(kind) = kind else {
            let r = self.run(py, async |s: &Session| location_repeats(s, &request).await)?;
            let (schema, batch) = batch_of(
                vec![
                    ("place", DataType::Utf8),
                    ("location", DataType::Utf8),
                    ("incidents", DataType::UInt64),
                    ("police", DataType::UInt64),
                    ("asb", DataType::UInt64),
                    ("fire", DataType::UInt64),
                ],
                vec![
                    str_column(r.top.iter().map(|t| t.0.as_str())),
                    str_column(r.top.iter().map(|t| t.1.as_str())),
                    u64_column(r.top.iter().map(|t| t.2)),
                    u64_column(r.top.iter().map(|t| t.3)),
                    u64_column(r.top.iter().map(|t| t.4)),
                    u64_column(r.top.iter().map(|t| t.5)),
                ],
            )?;
            return pyarrow_table(py, schema, vec![batch], Some(&summary_of(&r, &["top"])?));
        };
        let role = if kind == RepeatKind::Victim {
            "victim"
        } else {
            "offender"
        };
        let r = self.run(py, async |s: &Session| {
            let screen = screen_person_keys(s, request.period, PersonKeyPolicy::default()).await?;
            request.exclude_keys = screen.excluded(role);
            people_repeats(s, &request, kind).await
        })?;
        let (schema, batch) = batch_of(
            vec![
                ("key", DataType::Utf8),
                ("incidents", DataType::UInt64),
                ("harm", DataType::Float64),
            ],
            vec![
                str_column(r.top.iter().map(|t| t.0.as_str())),
                u64_column(r.top.iter().map(|t| t.1)),
                f64_column(r.top.iter().map(|t| t.2)),
            ],
        )?;
        pyarrow_table(py, schema, vec![batch], Some(&summary_of(&r, &["top"])?))
    }

    /// The Knox near-repeat test over the period's incidents dated to the day: one row
    /// per distance band × days-apart band with observed pairs, expected (mean
    /// simulated), Knox ratio, p = (#simulated ≥ observed + 1) / (permutations + 1) and
    /// p adjusted across the cells (Benjamini–Hochberg). Seeded: the same seed gives
    /// the same table on any number of threads.
    #[pyo3(signature = (
        period, category = None, source = None, space_bands = vec![0.0, 100.0, 200.0, 300.0, 400.0],
        time_bands = vec![0, 7, 14, 21, 28], metric = "euclidean", permutations = 999, seed = 1
    ))]
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments
    fn near_repeat<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        category: Option<String>,
        source: Option<&str>,
        space_bands: Vec<f64>,
        time_bands: Vec<i64>,
        metric: &str,
        permutations: usize,
        seed: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut request = NearRepeatRequest::new(self::period(period)?);
        request.category = category;
        request.source = self::source(source)?;
        request.space_bands = space_bands;
        request.time_bands = time_bands;
        request.metric = match metric.to_ascii_lowercase().as_str() {
            "euclidean" => Metric::Euclidean,
            "manhattan" => Metric::Manhattan,
            _ => return Err(bad_argument("metric", metric, "euclidean or manhattan")),
        };
        request.permutations = permutations;
        request.seed = seed;
        let t = self.run(py, async |s: &Session| near_repeat(s, &request).await)?;
        let (space, time, q) = (t.space_labels(), t.time_labels(), t.p_fdr());
        let cells: Vec<(usize, usize)> = (0..space.len())
            .flat_map(|s| (0..time.len()).map(move |k| (s, k)))
            .collect();
        let (schema, batch) = batch_of(
            vec![
                ("space_band", DataType::Utf8),
                ("time_band", DataType::Utf8),
                ("observed", DataType::UInt64),
                ("expected", DataType::Float64),
                ("knox_ratio", DataType::Float64),
                ("p", DataType::Float64),
                ("p_fdr", DataType::Float64),
            ],
            vec![
                str_column(cells.iter().map(|&(s, _)| space[s].as_str())),
                str_column(cells.iter().map(|&(_, k)| time[k].as_str())),
                u64_column(cells.iter().map(|&(s, k)| t.observed[s][k])),
                f64_column(cells.iter().map(|&(s, k)| t.expected[s][k])),
                f64_column(cells.iter().map(|&(s, k)| t.knox_ratio[s][k])),
                f64_column(cells.iter().map(|&(s, k)| t.p[s][k])),
                f64_column(cells.iter().map(|&(s, k)| q[s][k])),
            ],
        )?;
        let mut about = summary_of(&t, &["observed", "expected", "knox_ratio", "p"])?;
        about["patterns"] = serde_json::to_value(t.patterns(DEFAULT_MIN_KNOX_RATIO)).map_err(internal)?;
        about["min_ratio"] = json!(DEFAULT_MIN_KNOX_RATIO);
        pyarrow_table(py, schema, vec![batch], Some(&about))
    }
}

/// What a cell table covers: the study area's rule, its cells, the located incidents
/// and those outside it, and which cells are listed.
fn cells_about(method: &str, area: &crimescope_engine::hotspots::StudyArea, incidents: u64, rows: CellRows) -> Value {
    json!({
        "analysis": "hotspots",
        "method": method,
        "study_area": area.rule,
        "cell_m": area.grid.cell,
        "cells_inside": area.grid.cells_inside(),
        "incidents": incidents,
        "outside_study_area": area.outside,
        "listed": if rows == CellRows::All { "all cells" } else { "occupied or significant cells" },
    })
}

/// The area tables as one batch.
fn datafusion_concat(schema: &SchemaRef, batches: &[RecordBatch]) -> crimescope_engine::Result<RecordBatch> {
    arrow::compute::concat_batches(schema, batches)
        .map_err(|e| crimescope_engine::EngineError::internal(format!("joining the area tables: {e}")))
}
