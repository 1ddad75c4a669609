//! Hotspot analysis: where incidents concentrate, and which places are significant
//! hot spots.
//!
//! The counting is SQL (`queries/hotspot_*.sql`, `concentration_places.sql`); the
//! statistics are `crimescope-spatial` and `crimescope-stats`, run on the client with
//! rayon over the aggregated counts.

mod concentration;
mod geojson;
pub(crate) use geojson::rows as batch_rows;

mod maps;
mod study_area;

pub use concentration::{Concentration, ConcentrationRow, concentration};
pub use geojson::{areas_geojson, cells_geojson, cells_geojson_where};
pub use maps::{
    CellRows, EmergingMap, GiMap, GridMap, KdeMap, emerging_hotspots, gi_bin, gi_class, gi_hotspots, grid_counts,
    kde_map,
};
pub use study_area::{AreaFilter, StudyArea, study_area};

use std::collections::HashMap;

use crimescope_model::{AreaLevel, Period, Source};

use crate::error::{EngineError, Result};
use crate::queries::{filter_params, with_theme};
use crate::session::Session;
use crate::trend::resolve_category;

/// The time step of emerging hot spot analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeStep {
    /// Calendar months.
    #[default]
    Month,
    /// Calendar quarters (Jan–Mar, …).
    Quarter,
}

/// A hotspot request: what to map and how.
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotRequest {
    /// The period.
    pub period: Period,
    /// Only this source.
    pub source: Option<Source>,
    /// Only this category (name or slug).
    pub category: Option<String>,
    /// Only the categories of this theme (a name in the session's themes table).
    pub theme: Option<String>,
    /// Cell size in metres (default 250 for grids and Gi*, 50 for kernel density).
    pub cell: Option<f64>,
    /// The Gi* distance band in metres (default 500).
    pub band: f64,
    /// The kernel density bandwidth in metres (default: ArcGIS's rule).
    pub bandwidth: Option<f64>,
    /// The study area; `None` is the outlier-trimmed extent of the incidents.
    pub area: Option<AreaFilter>,
    /// Conditional permutations for Gi* pseudo p-values (0: none).
    pub permutations: usize,
    /// The seed for the permutations.
    pub seed: u64,
    /// The emerging hot spot time step.
    pub step: TimeStep,
}

impl HotspotRequest {
    /// A request with the defaults: 250 m cells, a 500 m band, no permutations.
    pub fn new(period: Period) -> HotspotRequest {
        HotspotRequest {
            period,
            source: None,
            category: None,
            theme: None,
            cell: None,
            band: 500.0,
            bandwidth: None,
            area: None,
            permutations: 0,
            seed: 1,
            step: TimeStep::Month,
        }
    }
}

/// The filter parameters of a period, source and category name, resolving the name
/// (which may query the store) once.
pub(crate) async fn resolved_params(
    session: &Session,
    period: Period,
    source: Option<Source>,
    category: Option<&str>,
    theme: Option<&str>,
) -> Result<HashMap<String, String>> {
    let category = match category {
        Some(name) => Some(resolve_category(session, name).await?),
        None => None,
    };
    Ok(with_theme(filter_params(period, source, category.as_deref()), theme))
}

/// [`resolved_params`] for a hotspot request.
pub(crate) async fn request_params(session: &Session, request: &HotspotRequest) -> Result<HashMap<String, String>> {
    resolved_params(
        session,
        request.period,
        request.source,
        request.category.as_deref(),
        request.theme.as_deref(),
    )
    .await
}

/// Area counts with rank and rates (`queries/hotspot_by_lsoa.sql` or `hotspot_by_ward.sql`).
pub async fn area_hotspots(
    session: &Session,
    request: &HotspotRequest,
    level: AreaLevel,
) -> Result<Vec<datafusion::arrow::record_batch::RecordBatch>> {
    let name = area_query(level)?;
    let params = request_params(session, request).await?;
    session.run_builtin(name, &params).await
}

fn area_query(level: AreaLevel) -> Result<&'static str> {
    match level {
        AreaLevel::Lsoa => Ok("hotspot_by_lsoa"),
        AreaLevel::Ward => Ok("hotspot_by_ward"),
        AreaLevel::Csp => Err(EngineError::Parameter {
            name: "level",
            message: "csp: area counts are by lsoa or ward".into(),
        }),
    }
}

/// One area of an area ranking ([`area_counts`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AreaCount {
    /// 1 for the area with most incidents; ties share a rank.
    pub rank: u64,
    /// The LSOA or ward code.
    pub area_code: String,
    /// Its name, when the population table gives one.
    pub area_name: Option<String>,
    /// Incidents in the period.
    pub incidents: u64,
    /// Their harm (as stored at ingest).
    pub harm: f64,
    /// Residents, when a population of the level is loaded.
    pub residents: Option<f64>,
    /// Incidents per 1,000 residents.
    pub rate: Option<f64>,
}

/// [`area_hotspots`] as typed rows, most incidents first.
pub async fn area_counts(session: &Session, request: &HotspotRequest, level: AreaLevel) -> Result<Vec<AreaCount>> {
    let query = area_query(level)?;
    let mut out = Vec::new();
    for batch in area_hotspots(session, request, level).await? {
        let c = crate::columns::Columns::new(&batch, query);
        let (rank, code, name) = (c.counts("rank")?, c.texts_required("area_code")?, c.texts("area_name")?);
        let (incidents, harm) = (c.counts("incidents")?, c.floats("harm")?);
        let (residents, rate) = (c.floats("residents")?, c.floats("rate")?);
        for i in 0..batch.num_rows() {
            out.push(AreaCount {
                rank: rank[i],
                area_code: code[i].clone(),
                area_name: name[i].clone(),
                incidents: incidents[i],
                harm: harm[i].unwrap_or(0.0),
                residents: residents[i],
                rate: rate[i],
            });
        }
    }
    Ok(out)
}
