//! The typed figures sections hand to each other. The analysis sections produce them;
//! the priority matrix and the executive summary read them. They become JSON and
//! document tables only when the document is built.

use std::collections::BTreeMap;

use crimescope_model::{Aim, Month};
use crimescope_stats::PeriodChange;

use crate::consultation::ConsultationRow;
use crate::format::{change_words, significance_words};

/// One row of the crime and ASB overview: a category of one source, or the total.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewRow {
    /// `police`, `asb`, or `all` for the total.
    pub source: String,
    /// The category (`All crime and ASB` for the total).
    pub category: String,
    /// Incidents in the current period.
    pub current: u64,
    /// Incidents in the comparison period.
    pub previous: u64,
    /// Harm in the current period: the count times the configured weight of the
    /// category (the harm stored at ingest where the table has no weight).
    pub harm: f64,
    /// Incidents per 1,000 residents, when a population is loaded.
    pub rate: Option<f64>,
    /// The change from `previous` to `current` with its E-test, adjusted across the
    /// categories of the overview (the total is tested on its own).
    pub change: PeriodChange,
    /// For a significant change: where it happened, by place (the busiest few's share
    /// of the change), for the summary.
    pub why: Option<String>,
}

/// The overview's rows and their total.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    /// One row per category of each source, in the order of the table.
    pub rows: Vec<OverviewRow>,
    /// Every row summed (`source` = `all`).
    pub total: OverviewRow,
}

impl Overview {
    /// A category's share of all harm, in percent; `None` when there is no harm.
    pub fn harm_share(&self, row: &OverviewRow) -> Option<f64> {
        (self.total.harm > 0.0).then(|| 100.0 * row.harm / self.total.harm)
    }

    /// The rows, most harm first (ties by category), for the summary's sentence and chart.
    pub fn by_harm(&self) -> Vec<&OverviewRow> {
        let mut rows: Vec<&OverviewRow> = self.rows.iter().collect();
        rows.sort_by(|a, b| b.harm.total_cmp(&a.harm).then_with(|| a.category.cmp(&b.category)));
        rows
    }
}

/// Current and comparison totals of a partner source, for the RAG table.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerTotal {
    /// The measure's label (`Fires`, `ASB (all categories)`).
    pub label: &'static str,
    /// Incidents in the comparison period.
    pub previous: u64,
    /// Incidents in the current period.
    pub current: u64,
}

/// One previous priority measured then and now.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanReviewRow {
    /// The priority as the plan worded it.
    pub priority: String,
    /// Its measure as written in the config.
    pub measure: String,
    /// The direction the plan wanted.
    pub aim: Aim,
    /// The measure in the comparison period.
    pub then: u64,
    /// The measure in the current period.
    pub now: u64,
    /// The change with its E-test, adjusted across the plan's priorities.
    pub change: PeriodChange,
}

/// What a theme chapter found, for the summary and its plan on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeHeadline {
    /// The theme.
    pub theme: String,
    /// Its level and change, in words (the chapter's own sentence).
    pub sentence: String,
    /// Incidents in the current period.
    pub current: u64,
    /// Incidents in the comparison period.
    pub previous: u64,
    /// The change with its E-test, adjusted across the themes; `None` when the theme
    /// had no incidents in either period.
    pub change: Option<PeriodChange>,
    /// Where the evidence points for victims, offenders and places: one short phrase
    /// each, or why the chapter could not say.
    pub focus: TriangleFocus,
}

impl ThemeHeadline {
    /// "down 51 (-2.3%); no significant change"; `None` when the theme had no incidents
    /// in either period.
    pub fn change_phrase(&self) -> Option<String> {
        self.change.as_ref().map(|change| {
            format!(
                "{}; {}",
                change_words(self.current, self.previous),
                significance_words(change)
            )
        })
    }
}

/// One short phrase per side of the problem-analysis triangle (victim, offender,
/// location): a cell of the plan on a page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriangleFocus {
    /// Repeat victims and their share of incidents.
    pub victims: String,
    /// The power few among offenders.
    pub offenders: String,
    /// The busiest places and hot spots.
    pub locations: String,
}

/// The all-incident Gi* map in figures, for the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotSummary {
    /// Grid cells in the study area.
    pub cells: usize,
    /// The cell side in metres.
    pub cell_m: f64,
    /// Hot-spot cells at 90% confidence or more after adjustment.
    pub hot: usize,
    /// The busiest street of each of the hottest cells, hottest first, without repeats.
    pub hottest_streets: Vec<String>,
}

/// One scored category of the priority matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPriority {
    /// `police` or `asb`.
    pub source: String,
    /// The category.
    pub category: String,
    /// The themes it belongs to, joined with `; `.
    pub themes: String,
    /// Incidents in the current period.
    pub current: u64,
    /// Harm, volume, trend and concern, each scaled to 0–1.
    pub parts: [f64; 4],
    /// Their weighted mean.
    pub score: f64,
}

/// Everything the analysis sections found that later sections read.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// The overview, when it was produced.
    pub overview: Option<Overview>,
    /// The all-incident hotspot map in figures, when it was drawn.
    pub hotspots: Option<HotspotSummary>,
    /// Crime and ASB per month over the trend span (the sources of the overview summed),
    /// when the trends section was produced.
    pub monthly: BTreeMap<Month, u64>,
    /// The all-incident hotspot cells as GeoJSON (`hotspots.geojson`).
    pub hotspots_geojson: Option<serde_json::Value>,
    /// One sentence per theme, in theme order.
    pub themes: Vec<ThemeHeadline>,
    /// Fire and ASB totals from the partner section.
    pub partner_totals: Vec<PartnerTotal>,
    /// The previous plan measured.
    pub plan_review: Vec<PlanReviewRow>,
    /// The consultation results.
    pub consultation: Vec<ConsultationRow>,
}
