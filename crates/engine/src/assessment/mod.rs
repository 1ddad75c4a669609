//! The Strategic Assessment runner: every analysis of an [`AssessmentConfig`] run
//! concurrently over one session, gathered into a [`crimescope_report::document::Assessment`].
//!
//! Each section is a tokio task on the shared [`Session`]: DataFusion runs its queries,
//! and the spatial statistics inside them (Gi*, Knox) use rayon. The priority matrix,
//! the executive summary and the appendices are built last, from the sections' figures.
//! A section whose data is missing (no fire data, no person identifiers, no consultation
//! file) is kept in the document as "not produced" with the reason.

mod appendix;
mod context;
mod overview;
mod partner;
mod priorities;
mod tables;
mod themes;

use std::sync::Arc;
use std::time::Instant;

use crimescope_model::Source;
use crimescope_report::config::AssessmentConfig;
use crimescope_report::document::{Assessment, Meta, Section};
use serde_json::{Map, Value};

use crate::error::{EngineError, Result};
use crate::hotspots::{AreaFilter, HotspotRequest};
use crate::session::Session;
use crate::trend::{TrendGroup, TrendRequest, trend};

/// Progress of an assessment, section by section. Calls arrive from several tasks.
pub trait AssessProgress: Send + Sync {
    /// The sections about to run, in document order.
    fn begin(&self, sections: &[String]);
    /// A section has started.
    fn started(&self, section: &str);
    /// A section has finished, in `seconds`; `produced` is false when its data was
    /// missing.
    fn finished(&self, section: &str, seconds: f64, produced: bool);
}

/// Progress that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAssessProgress;

impl AssessProgress for NoAssessProgress {
    fn begin(&self, _: &[String]) {}
    fn started(&self, _: &str) {}
    fn finished(&self, _: &str, _: f64, _: bool) {}
}

/// A finished assessment: the document, the hotspot GeoJSON and the wall time.
#[derive(Debug, Clone)]
pub struct AssessmentRun {
    /// The document, before any disclosure control.
    pub document: Assessment,
    /// Gi* hot and cold spots of every incident in the period as an RFC 7946
    /// FeatureCollection (`hotspots.geojson`), when the map could be drawn.
    pub hotspots_geojson: Option<Value>,
    /// Wall time of the whole run, in seconds.
    pub seconds: f64,
}

/// What every section reads.
pub(crate) struct Ctx {
    pub session: Arc<Session>,
    pub config: Arc<AssessmentConfig>,
    /// The study area for maps: every stored area of the configured boundary level, if
    /// the store holds that level.
    pub area: Option<AreaFilter>,
    /// The configured sources that the store holds incidents of.
    pub sources: Vec<Source>,
    /// The trend by theme (one record per theme), run once for the theme chapters and
    /// the plan review.
    pub by_theme: Vec<Map<String, Value>>,
}

impl Ctx {
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

    /// The area level of the top-area tables: ward when the boundaries are wards, else
    /// LSOA.
    pub(crate) fn area_level(&self) -> &'static str {
        if self.config.boundaries == "ward" {
            "ward"
        } else {
            "lsoa"
        }
    }
}

/// A section and the machine-readable figures it adds to `assessment.json`.
pub(crate) struct SectionOut {
    pub section: Section,
    pub data: Map<String, Value>,
}

impl SectionOut {
    pub(crate) fn new(section: Section) -> SectionOut {
        SectionOut {
            section,
            data: Map::new(),
        }
    }
}

/// The key under which the profile section hands over the hotspot GeoJSON.
pub(crate) const GEOJSON_KEY: &str = "hotspots_geojson";

/// Run the Strategic Assessment of `config` over `session`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use crimescope_engine::{Session, assessment::{assess, NoAssessProgress}};
/// use crimescope_report::config::AssessmentConfig;
/// let config = AssessmentConfig::load(std::path::Path::new("assessment.toml"))?;
/// let session = Session::open(&config.store).await?;
/// let run = assess(Arc::new(session), Arc::new(config), Arc::new(NoAssessProgress)).await?;
/// println!("{} sections in {:.1} s", run.document.sections.len(), run.seconds);
/// # Ok(()) }
/// ```
pub async fn assess(
    session: Arc<Session>,
    config: Arc<AssessmentConfig>,
    progress: Arc<dyn AssessProgress>,
) -> Result<AssessmentRun> {
    let started = Instant::now();
    session.set_themes(&config.themes)?;
    let mut by_theme = TrendRequest::new(config.period);
    by_theme.compare = Some(config.compare);
    by_theme.by = TrendGroup::Theme;
    let ctx = Arc::new(Ctx {
        area: area_filter(&session, &config.boundaries),
        sources: sources_present(&session, &config).await?,
        by_theme: tables::records(&trend(&session, &by_theme).await?.batches)?,
        session,
        config,
    });
    let theme_names: Vec<String> = ctx.config.themes.themes().iter().map(|t| t.to_string()).collect();

    // Document order; the last three are built from the others' figures.
    let mut names: Vec<String> = ["context", "profile", "overview", "trends"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend((1..=theme_names.len()).map(|i| format!("theme-{i}")));
    names.extend(["partner", "consultation", "plan-review"].iter().map(|s| s.to_string()));
    let mut all = names.clone();
    all.extend(["priorities", "summary", "appendices"].iter().map(|s| s.to_string()));
    progress.begin(&all);

    let mut handles = Vec::new();
    for name in &names {
        let ctx = ctx.clone();
        let progress = progress.clone();
        let name = name.clone();
        let theme = name
            .strip_prefix("theme-")
            .and_then(|i| i.parse::<usize>().ok())
            .map(|i| (i, theme_names[i - 1].clone()));
        handles.push(tokio::spawn(async move {
            progress.started(&name);
            let t0 = Instant::now();
            let out = match (name.as_str(), theme) {
                ("context", _) => context::context(&ctx).await,
                ("profile", _) => context::profile(&ctx).await,
                ("overview", _) => overview::overview(&ctx).await,
                ("trends", _) => overview::trends(&ctx).await,
                ("partner", _) => partner::partner(&ctx).await,
                ("consultation", _) => partner::consultation(&ctx),
                ("plan-review", _) => priorities::plan_review(&ctx).await,
                (_, Some((i, theme))) => themes::chapter(&ctx, i, &theme).await,
                _ => Err(EngineError::Unanswerable(format!("no section {name}"))),
            };
            let seconds = t0.elapsed().as_secs_f64();
            let mut out = out?;
            out.section.seconds = seconds;
            progress.finished(&name, seconds, out.section.produced);
            Ok::<SectionOut, EngineError>(out)
        }));
    }
    let mut outs = Vec::with_capacity(handles.len());
    for h in handles {
        outs.push(
            h.await
                .map_err(|e| EngineError::Unanswerable(format!("an assessment task failed: {e}")))??,
        );
    }

    let mut data = Map::new();
    let mut hotspots_geojson = None;
    for out in &mut outs {
        if let Some(g) = out.data.remove(GEOJSON_KEY) {
            hotspots_geojson = Some(g);
        }
        for (k, v) in std::mem::take(&mut out.data) {
            data.insert(k, v);
        }
    }
    let mut sections: Vec<Section> = outs.into_iter().map(|o| o.section).collect();

    let timed = |name: &str, f: &mut dyn FnMut() -> Section| {
        progress.started(name);
        let t0 = Instant::now();
        let mut s = f();
        s.seconds = t0.elapsed().as_secs_f64();
        progress.finished(name, s.seconds, s.produced);
        s
    };
    let priorities = timed("priorities", &mut || priorities::matrix(&ctx.config, &sections, &data));
    let summary = timed("summary", &mut || {
        priorities::summary(&ctx.config, &sections, &priorities)
    });
    let appendices = timed("appendices", &mut || appendix::appendices(&ctx));
    // Statutory order: summary, context, profile, overview, trends, themes, partner,
    // consultation, priorities, plan review, appendices.
    let plan_review = sections.pop();
    sections.insert(0, summary);
    sections.push(priorities);
    sections.extend(plan_review);
    sections.push(appendices);

    let mut seconds = Map::new();
    for s in &sections {
        seconds.insert(s.id.clone(), tables::round(s.seconds, 4));
    }
    let total = started.elapsed().as_secs_f64();
    seconds.insert("total".into(), tables::round(total, 4));
    data.insert("section_seconds".into(), Value::Object(seconds));

    let config = &ctx.config;
    Ok(AssessmentRun {
        document: Assessment {
            meta: Meta {
                title: config.title.clone(),
                area: config.area.clone(),
                period: config.period.to_string(),
                compare: config.compare.to_string(),
                marking: "OFFICIAL-SENSITIVE".into(),
                public: false,
                threshold: config.threshold,
                seed: config.seed,
                generator: format!("crimescope {}", env!("CARGO_PKG_VERSION")),
                store: config.store.display().to_string(),
            },
            sections,
            data,
        },
        hotspots_geojson,
        seconds: total,
    })
}

/// Every stored area of the configured level, when the store holds that level.
fn area_filter(session: &Session, level: &str) -> Option<AreaFilter> {
    session
        .manifest()
        .boundaries
        .iter()
        .any(|b| b.level == level)
        .then(|| AreaFilter::Level(level.to_string()))
}

/// The configured sources that have incidents in the store.
async fn sources_present(session: &Session, config: &AssessmentConfig) -> Result<Vec<Source>> {
    let batches = session
        .run_bound(
            "SELECT DISTINCT CAST(source AS VARCHAR) AS source FROM incidents",
            Vec::new(),
        )
        .await?;
    let present: Vec<String> = tables::records(&batches)?
        .iter()
        .map(|r| tables::text(r, "source"))
        .collect();
    Ok(config
        .sources
        .iter()
        .copied()
        .filter(|s| present.iter().any(|p| p == s.name()))
        .collect())
}

/// A section for an analysis that could not run: user-level errors (no data, month-only
/// dates, incomplete follow-up) become the reason; defects stay errors.
pub(crate) fn or_not_produced(id: &str, title: &str, result: Result<Section>) -> Result<Section> {
    match result {
        Ok(s) => Ok(s),
        Err(e) if e.is_user_error() => Ok(Section::not_produced(id, title, e.to_string())),
        Err(e) => Err(e),
    }
}
