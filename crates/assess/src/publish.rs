//! Run an assessment and write its files, in full or as the published version: the one
//! path that the command line and the Python package both take, so that the two write
//! the same document.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crimescope_report::disclosure::{DisclosureReport, make_public, suppress_geojson_counts};
use crimescope_report::render::{RenderError, write_document};

use crimescope_engine::Session;

use crate::{AssessError, AssessProgress, AssessmentConfig, assess_with_session};

/// How the document is written.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The published version: small counts suppressed, tables of people left out, marked
    /// FOR PUBLICATION ([`make_public`]).
    pub public: bool,
    /// A folder of templates that replace the built-in ones (default: the config's
    /// `templates`, else the built-in ones).
    pub templates: Option<PathBuf>,
}

/// What [`assess_and_write`] wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WrittenAssessment {
    /// Every file written, in order (`assessment.html` first).
    pub files: Vec<PathBuf>,
    /// Wall time of the analysis (not of the writing), in seconds.
    pub seconds: f64,
    /// The document's protective marking.
    pub marking: String,
    /// The sections and subsections not produced, each as "title (reason)".
    pub not_produced: Vec<String>,
    /// What disclosure control did, for the published version.
    pub disclosure: Option<DisclosureReport>,
}

impl WrittenAssessment {
    /// The HTML document.
    pub fn html(&self) -> Option<&Path> {
        self.files
            .iter()
            .find(|p| p.file_name().is_some_and(|n| n == "assessment.html"))
            .map(PathBuf::as_path)
    }
}

/// Run the assessment of `config` ([`assess`]) and write it to `out`: HTML, Markdown,
/// JSON, the workbook, CSV tables and, when the map could be drawn, `hotspots.geojson`
/// (its counts suppressed in the published version).
pub async fn assess_and_write(
    config: Arc<AssessmentConfig>,
    out: &Path,
    options: &WriteOptions,
    progress: Arc<dyn AssessProgress>,
) -> Result<WrittenAssessment, AssessError> {
    let session = Session::open_with(&config.store, &config.session_options()?).await?;
    assess_and_write_with_session(Arc::new(session), config, out, options, progress).await
}

/// [`assess_and_write`] on a session the caller opened: on a cluster
/// (`crimescope_engine::cluster::connect`), or with its own runtime settings. The
/// session must carry the config's tables ([`AssessmentConfig::session_options`]).
pub async fn assess_and_write_with_session(
    session: Arc<Session>,
    config: Arc<AssessmentConfig>,
    out: &Path,
    options: &WriteOptions,
    progress: Arc<dyn AssessProgress>,
) -> Result<WrittenAssessment, AssessError> {
    let templates = options.templates.clone().or_else(|| config.templates.clone());
    let run = assess_with_session(session, config.clone(), progress).await?;
    let mut document = run.document;
    let mut geojson = run.hotspots_geojson;
    let disclosure = options.public.then(|| {
        if let Some(g) = &mut geojson {
            suppress_geojson_counts(g, &["count"], config.threshold);
        }
        make_public(&mut document)
    });
    let mut files = write_document(&document, out, templates.as_deref())?.files;
    if let Some(g) = geojson {
        let path = out.join("hotspots.geojson");
        let text = serde_json::to_string(&g).map_err(|e| AssessError::Internal(format!("hotspots GeoJSON: {e}")))?;
        std::fs::write(&path, text).map_err(|e| RenderError::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
        files.push(path);
    }
    let not_produced = document
        .sections
        .iter()
        .flat_map(|s| std::iter::once(s).chain(s.subsections.iter()))
        .filter(|s| !s.produced)
        .map(|s| format!("{} ({})", s.title, s.reason.clone().unwrap_or_default()))
        .collect();
    Ok(WrittenAssessment {
        files,
        seconds: run.seconds,
        marking: document.meta.marking.to_string(),
        not_produced,
        disclosure,
    })
}
