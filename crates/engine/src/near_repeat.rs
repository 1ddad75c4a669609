//! The near-repeat Knox test over the store.

use crimescope_model::{Period, Source};
pub use crimescope_spatial::{DEFAULT_MIN_KNOX_RATIO, KnoxPattern, KnoxTable};
use crimescope_spatial::{Event, Metric, knox_test};
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::{Float64Type, Int64Type};

use crate::error::{EngineError, Result};
use crate::hotspots::resolved_params;
use crate::session::Session;

/// A near-repeat request.
#[derive(Debug, Clone, PartialEq)]
pub struct NearRepeatRequest {
    /// The period.
    pub period: Period,
    /// Only this source.
    pub source: Option<Source>,
    /// Only this category (name or slug), e.g. Burglary.
    pub category: Option<String>,
    /// Only the categories of this theme (a name in the session's themes table).
    pub theme: Option<String>,
    /// Space band edges in metres (the first must be 0; the last band is open).
    pub space_bands: Vec<f64>,
    /// Time band edges in days.
    pub time_bands: Vec<i64>,
    /// The distance metric.
    pub metric: Metric,
    /// Permutations (default 999).
    pub permutations: usize,
    /// The seed.
    pub seed: u64,
}

impl NearRepeatRequest {
    /// The Near Repeat Calculator's usual bands: 0,100,200,300,400 m × 0,7,14,21,28
    /// days, 999 permutations, seed 1.
    pub fn new(period: Period) -> NearRepeatRequest {
        NearRepeatRequest {
            period,
            source: None,
            category: None,
            theme: None,
            space_bands: vec![0.0, 100.0, 200.0, 300.0, 400.0],
            time_bands: vec![0, 7, 14, 21, 28],
            metric: Metric::Euclidean,
            permutations: 999,
            seed: 1,
        }
    }
}

/// Run the Knox test ([`crimescope_spatial::knox_test`]) over the located incidents of
/// the period that have a date to the day (`queries/near_repeat_events.sql`).
///
/// Month-only data (police.uk) cannot show a near repeat within days, so a request
/// whose incidents have no day-level dates is refused with that reason.
pub async fn near_repeat(session: &Session, request: &NearRepeatRequest) -> Result<KnoxTable> {
    let params = resolved_params(
        session,
        request.period,
        request.source,
        request.category.as_deref(),
        request.theme.as_deref(),
    )
    .await?;
    let batches = session.run_builtin("near_repeat_events", &params).await?;
    let mut events = Vec::new();
    for b in &batches {
        let x = b.column(0).as_primitive::<Float64Type>();
        let y = b.column(1).as_primitive::<Float64Type>();
        let day = b.column(2).as_primitive::<Int64Type>();
        for r in 0..b.num_rows() {
            events.push(Event {
                x: x.value(r),
                y: y.value(r),
                day: day.value(r),
            });
        }
    }
    if events.len() < 2 {
        let located = session.run_builtin("hotspot_points", &params).await?;
        let month_only: usize = located.iter().map(|b| b.num_rows()).sum();
        return Err(EngineError::Unanswerable(if month_only > 0 {
            format!(
                "near-repeat analysis needs dates to the day, and the {month_only} located incidents that match in {} \
                 have months only (police.uk publishes months, not dates). Ingest a force crime extract with offence \
                 dates; see docs/formats.md",
                request.period
            )
        } else {
            format!("no located incidents match in {}", request.period)
        }));
    }
    knox_test(
        &events,
        &request.space_bands,
        &request.time_bands,
        request.metric,
        request.permutations,
        request.seed,
    )
    .map_err(EngineError::Spatial)
}
