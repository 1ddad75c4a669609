//! The runner: every analysis section of a config runs concurrently over one session
//! built for the run, then the priority matrix, the executive summary and the
//! appendices are built from their typed figures.

use std::sync::Arc;
use std::time::Instant;

use crimescope_engine::Session;
use crimescope_engine::arrow::array::AsArray;
use crimescope_engine::arrow::compute::cast;
use crimescope_engine::arrow::datatypes::DataType;
use crimescope_engine::hotspots::AreaFilter;
use crimescope_engine::trend::months_in_store;
use crimescope_engine::trend::{TrendGroup, TrendRequest, trend};
use crimescope_model::{Period, Source};
use crimescope_report::document::{Assessment, Meta, Section, gather_appendix_tables};
use serde_json::{Map, Value, json};

use crate::config::AssessmentConfig;
use crate::error::{AssessError, Result};
use crate::findings::Findings;
use crate::format::round;
use crate::section_id::SectionId;
use crate::sections::{self, Produced, RunContext, SectionOutput};

/// Progress of an assessment, section by section. Calls arrive from several tasks.
pub trait AssessProgress: Send + Sync {
    /// The sections about to run, in the order they start.
    fn begin(&self, sections: &[SectionId]);
    /// A section has started.
    fn started(&self, section: SectionId);
    /// A section has finished, in `seconds`; `produced` is false when its data was
    /// missing.
    fn finished(&self, section: SectionId, seconds: f64, produced: bool);
}

/// Progress that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAssessProgress;

impl AssessProgress for NoAssessProgress {
    fn begin(&self, _: &[SectionId]) {}
    fn started(&self, _: SectionId) {}
    fn finished(&self, _: SectionId, _: f64, _: bool) {}
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

/// Run the Strategic Assessment of `config`: open its store with the config's themes
/// and harm weights, run every section and build the document.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use crimescope_assess::{AssessmentConfig, NoAssessProgress, assess};
/// let config = AssessmentConfig::load(std::path::Path::new("assessment.toml"))?;
/// let run = assess(Arc::new(config), Arc::new(NoAssessProgress)).await?;
/// println!("{} sections in {:.1} s", run.document.sections.len(), run.seconds);
/// # Ok(()) }
/// ```
pub async fn assess(config: Arc<AssessmentConfig>, progress: Arc<dyn AssessProgress>) -> Result<AssessmentRun> {
    let session = Session::open_with(&config.store, &config.session_options()?).await?;
    assess_with_session(Arc::new(session), config, progress).await
}

/// Run the assessment on a session the caller opened (on a cluster, say). The session
/// must carry the config's tables ([`AssessmentConfig::session_options`]); a session
/// with other themes or harm weights is refused rather than changed.
pub async fn assess_with_session(
    session: Arc<Session>,
    config: Arc<AssessmentConfig>,
    progress: Arc<dyn AssessProgress>,
) -> Result<AssessmentRun> {
    if *session.options() != config.session_options()? {
        return Err(AssessError::SessionMismatch);
    }
    check_coverage(&session, &config)?;
    let started = Instant::now();
    let mut by_theme = TrendRequest::new(config.period);
    by_theme.compare = Some(config.compare);
    by_theme.by = TrendGroup::Theme;
    let ctx = Arc::new(RunContext {
        area: area_filter(&session, &config),
        sources: sources_present(&session, &config).await?,
        by_theme: trend(&session, &by_theme).await?.records()?,
        person_keys: crimescope_engine::quality::screen_person_keys(
            &session,
            config.period,
            config.data_quality.policy(),
        )
        .await?,
        session,
        config,
    });
    let analyses = SectionId::analyses(ctx.config.themes.themes().len());
    let mut all = analyses.clone();
    all.extend(SectionId::SYNTHESES);
    progress.begin(&all);

    let mut handles = Vec::with_capacity(analyses.len());
    for id in analyses {
        let (ctx, progress) = (ctx.clone(), progress.clone());
        handles.push(tokio::spawn(async move {
            progress.started(id);
            let t0 = Instant::now();
            let mut out = sections::run(&ctx, id).await?;
            out.section.seconds = t0.elapsed().as_secs_f64();
            progress.finished(id, out.section.seconds, out.section.produced);
            Ok::<(SectionId, SectionOutput), AssessError>((id, out))
        }));
    }
    let mut findings = Findings::default();
    let mut done: Vec<(SectionId, Section)> = Vec::with_capacity(handles.len() + 3);
    for handle in handles {
        let (id, out) = handle
            .await
            .map_err(|e| AssessError::Internal(format!("an assessment section task failed: {e}")))??;
        absorb(&mut findings, out.produced);
        done.push((id, out.section));
    }

    let timed = |id: SectionId, build: &mut dyn FnMut() -> Section| {
        progress.started(id);
        let t0 = Instant::now();
        let mut s = build();
        s.seconds = t0.elapsed().as_secs_f64();
        progress.finished(id, s.seconds, s.produced);
        s
    };
    let mut scored = Vec::new();
    let priorities = timed(SectionId::Priorities, &mut || {
        let (section, rows) = sections::priorities::matrix(&ctx.config, &findings);
        scored = rows;
        section
    });
    let produced: Vec<&Section> = done.iter().map(|(_, s)| s).collect();
    let summary = timed(SectionId::Summary, &mut || {
        sections::summary::summary(&ctx.config, &findings, &scored, &produced)
    });
    let appendices = timed(SectionId::Appendices, &mut || sections::appendix::appendices(&ctx));
    done.extend([
        (SectionId::Priorities, priorities),
        (SectionId::Summary, summary),
        (SectionId::Appendices, appendices),
    ]);
    // The statutory order (SectionId's order).
    done.sort_by_key(|(id, _)| *id);
    let mut sections: Vec<Section> = done.into_iter().map(|(_, s)| s).collect();
    // Raw tables go to the appendix so the body reads as findings; each is printed once.
    gather_appendix_tables(&mut sections, &SectionId::Appendices.key());

    let total = started.elapsed().as_secs_f64();
    let mut data = Map::new();
    if !findings.consultation.is_empty() {
        data.insert(
            "consultation".into(),
            Value::Array(
                findings
                    .consultation
                    .iter()
                    .map(|r| json!({"priority": r.priority, "share": r.share, "respondents": r.respondents}))
                    .collect(),
            ),
        );
    }
    let mut seconds = Map::new();
    for s in &sections {
        seconds.insert(s.id.clone(), round(s.seconds, 4));
    }
    seconds.insert("total".into(), round(total, 4));
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
        hotspots_geojson: findings.hotspots_geojson,
        seconds: total,
    })
}

/// A period the store holds no incidents for is an error, not a fall to zero.
fn check_coverage(session: &Session, config: &AssessmentConfig) -> Result<()> {
    let held = months_in_store(session, None);
    for (key, period) in [("period", config.period), ("compare", config.compare)] {
        if !period.iter().any(|m| held.contains(&m)) {
            let holds = match (held.first(), held.last()) {
                (Some(a), Some(b)) if held.len() as u32 == Period::new(*a, *b).map_or(0, |p| p.months()) => {
                    format!("the store holds incidents for {a}..{b}")
                }
                (Some(_), Some(_)) => format!(
                    "the store holds incidents for {}",
                    held.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ")
                ),
                _ => "the store holds no incidents".to_string(),
            };
            return Err(AssessError::NoData(format!(
                "key `{key}`: {period} has no data in the store ({holds}); choose months the store holds"
            )));
        }
    }
    Ok(())
}

/// Add what a section produced to the findings.
fn absorb(findings: &mut Findings, produced: Produced) {
    match produced {
        Produced::Nothing => {}
        Produced::Trends(monthly) => findings.monthly = monthly,
        Produced::Profile { hotspots, geojson } => {
            findings.hotspots = hotspots;
            findings.hotspots_geojson = geojson;
        }
        Produced::Overview(overview) => findings.overview = Some(overview),
        Produced::Theme(headline) => findings.themes.push(headline),
        Produced::Partner(totals) => findings.partner_totals = totals,
        Produced::Consultation(rows) => findings.consultation = rows,
        Produced::PlanReview(rows) => findings.plan_review = rows,
    }
}

/// Every stored area of the configured level, when the store holds that level.
fn area_filter(session: &Session, config: &AssessmentConfig) -> Option<AreaFilter> {
    let level = config.boundaries;
    session
        .manifest()
        .boundaries
        .iter()
        .any(|b| b.level == level.name())
        .then_some(AreaFilter::Level(level))
}

/// The configured sources that have incidents in the store.
async fn sources_present(session: &Session, config: &AssessmentConfig) -> Result<Vec<Source>> {
    let batches = session
        .run_bound(
            "SELECT DISTINCT CAST(source AS VARCHAR) AS source FROM incidents",
            Vec::new(),
        )
        .await?;
    let mut present: Vec<String> = Vec::new();
    for b in &batches {
        let column = cast(b.column(0), &DataType::Utf8).map_err(|e| {
            AssessError::Internal(format!(
                "the distinct sources query returned a column that is not text: {e}"
            ))
        })?;
        present.extend(column.as_string::<i32>().iter().flatten().map(str::to_string));
    }
    Ok(config
        .sources
        .iter()
        .copied()
        .filter(|s| present.iter().any(|p| p == s.name()))
        .collect())
}
