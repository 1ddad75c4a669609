//! The sections of the document. The analysis sections run concurrently, each a tokio
//! task on the run's session (DataFusion runs their queries; the spatial statistics
//! inside them use rayon), and each returns its part of the document with the typed
//! figures later sections read ([`Produced`]). The priority matrix, the summary and the
//! appendices are built afterwards from those figures.
//!
//! A section whose data is missing (no fire data, no person identifiers, no
//! consultation file) is kept as "not produced" with the reason.

pub(crate) mod appendix;
mod at_a_glance;
mod consultation;
mod data_quality;
mod hotspot_map;
mod overview;
mod partner;
mod plan_review;
mod population;
pub(crate) mod priorities;
mod profile;
mod screens;
pub(crate) mod summary;
mod theme;
mod trends;

use std::collections::BTreeMap;
use std::sync::Arc;

use crimescope_engine::Session;
use crimescope_engine::hotspots::{AreaFilter, HotspotRequest};
use crimescope_engine::trend::{TrendGroup, TrendRequest, TrendRow};
use crimescope_model::{Month, Source};
use crimescope_report::document::Section;

use crate::config::AssessmentConfig;
use crate::consultation::ConsultationRow;
use crate::error::{AssessError, Result};
use crate::findings::{HotspotSummary, Overview, PartnerTotal, PlanReviewRow, ThemeHeadline};
use crate::section_id::SectionId;

/// What every section reads.
pub(crate) struct RunContext {
    /// The session built for the run (the config's themes and harm weights).
    pub session: Arc<Session>,
    /// The config.
    pub config: Arc<AssessmentConfig>,
    /// The study area for maps: every stored area of the configured boundary level, if
    /// the store holds that level.
    pub area: Option<AreaFilter>,
    /// The configured sources that the store holds incidents of.
    pub sources: Vec<Source>,
    /// The trend by theme, run once for the theme chapters and the plan review.
    pub by_theme: Vec<TrendRow>,
    /// The person-key screen of the period, run once for the data-quality section and
    /// the victim and offender subsections.
    pub person_keys: crimescope_engine::quality::PersonKeyScreen,
}

impl RunContext {
    /// A trend of the configured period against the configured comparison.
    pub(crate) fn trend_request(&self, by: TrendGroup, source: Option<Source>) -> TrendRequest {
        let mut r = TrendRequest::new(self.config.period);
        r.compare = Some(self.config.compare);
        r.by = by;
        r.source = source;
        r
    }

    /// A hotspot request with the configured cell, band, permutations, seed and study
    /// area, for every incident or one theme.
    pub(crate) fn hotspot_request(&self, theme: Option<&str>) -> HotspotRequest {
        let c = &self.config;
        let mut r = HotspotRequest::new(c.period);
        r.theme = theme.map(str::to_string);
        r.cell = Some(c.hotspots.cell);
        r.band = c.hotspots.band;
        r.area = self.area.clone();
        r.permutations = c.hotspots.permutations;
        r.seed = c.seed;
        r
    }
}

/// The typed figures a section hands to the sections built after it.
pub(crate) enum Produced {
    /// Nothing later sections read.
    Nothing,
    /// The profile's hotspot map: its figures and the GeoJSON of its cells.
    Profile {
        hotspots: Option<HotspotSummary>,
        geojson: Option<serde_json::Value>,
    },
    /// Crime and ASB per month.
    Trends(BTreeMap<Month, u64>),
    /// The overview's rows.
    Overview(Overview),
    /// A theme chapter's headline.
    Theme(ThemeHeadline),
    /// Fire and ASB totals.
    Partner(Vec<PartnerTotal>),
    /// The consultation results.
    Consultation(Vec<ConsultationRow>),
    /// The previous plan measured.
    PlanReview(Vec<PlanReviewRow>),
}

/// A section of the document and its typed figures.
pub(crate) struct SectionOutput {
    pub section: Section,
    pub produced: Produced,
}

impl SectionOutput {
    /// A section with nothing for later sections.
    pub(crate) fn only(section: Section) -> SectionOutput {
        SectionOutput {
            section,
            produced: Produced::Nothing,
        }
    }
}

/// Run one analysis section.
pub(crate) async fn run(ctx: &RunContext, id: SectionId) -> Result<SectionOutput> {
    match id {
        SectionId::Context => data_quality::context(ctx).await,
        SectionId::Profile => profile::profile(ctx).await,
        SectionId::Overview => overview::overview(ctx).await,
        SectionId::Trends => trends::trends(ctx).await,
        SectionId::Theme(i) => {
            let name = ctx
                .config
                .themes
                .themes()
                .get(i.wrapping_sub(1))
                .map(|t| t.to_string())
                .ok_or_else(|| AssessError::Internal(format!("no theme {i} in the config")))?;
            theme::chapter(ctx, id, &name).await
        }
        SectionId::Partner => partner::partner(ctx).await,
        SectionId::Consultation => Ok(consultation::consultation(ctx)),
        SectionId::PlanReview => plan_review::plan_review(ctx).await,
        SectionId::Summary | SectionId::Priorities | SectionId::Appendices => Err(AssessError::Internal(format!(
            "{id} is built from the other sections, not run over the store"
        ))),
    }
}

/// A subsection for an analysis that could not run: what the data cannot answer (no
/// data, month-only dates, incomplete follow-up) becomes the reason; defects and
/// failures of the store or the cluster (a damaged file, a lost executor) stay errors.
pub(crate) fn or_not_produced(id: &str, title: &str, result: Result<Section>) -> Result<Section> {
    match result {
        Ok(s) => Ok(s),
        Err(e) if e.is_unanswerable() => Ok(Section::not_produced(id, title, e.to_string())),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crimescope_engine::EngineError;

    #[test]
    fn only_what_the_data_cannot_answer_leaves_an_analysis_out() {
        let unanswerable = AssessError::Engine(EngineError::Unanswerable("no incidents with a victim key".into()));
        let left_out = or_not_produced("t-victim", "Victims", Err(unanswerable)).unwrap();
        assert!(!left_out.produced);
        assert_eq!(left_out.reason.as_deref(), Some("no incidents with a victim key"));
        // Failures while the query ran stop the assessment instead of passing for lack of data.
        for failure in [
            EngineError::DamagedStore {
                path: None,
                problem: "a Parquet file could not be decoded".into(),
            },
            EngineError::QueryTimeout { seconds: 60.0 },
            EngineError::ExecutorLost {
                detail: "executor 3f2a was lost while the query ran".into(),
            },
        ] {
            let result = or_not_produced("t-victim", "Victims", Err(AssessError::Engine(failure)));
            assert!(result.is_err(), "{result:?}");
        }
    }
}
