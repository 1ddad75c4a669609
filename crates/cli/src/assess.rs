//! `crimescope assess`: the Strategic Assessment, with a progress line per section,
//! and `--demo`, which builds a store from the bundled fixtures first.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;

use crimescope_assess::{AssessProgress, AssessmentConfig, SectionId, assess};
use crimescope_ingest::pseudonym::PseudonymKey;
use crimescope_ingest::{IngestOptions, NoProgress, ingest};
use crimescope_model::AreaLevel;
use crimescope_report::disclosure::{make_public, suppress_geojson_counts};
use crimescope_report::render::write_document;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::CliError;

/// The fixtures folder of the checkout this binary was built from.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// The options of `crimescope assess`.
#[derive(Debug, clap::Args)]
pub struct AssessArgs {
    /// The assessment config (docs/assessment.md).
    #[arg(long, required_unless_present = "demo")]
    pub config: Option<PathBuf>,
    /// The output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The published version: small counts suppressed (with secondary
    /// suppression), lists of people left out, marked for publication.
    #[arg(long)]
    pub public: bool,
    /// Build a store from the bundled fixtures (real City of London police.uk data,
    /// synthetic Coventry partner data) and assess it.
    #[arg(long, conflicts_with = "config")]
    pub demo: bool,
    /// A folder whose assessment.html / assessment.md replace the built-in templates.
    #[arg(long)]
    pub templates: Option<PathBuf>,
}

/// A bar over the sections, with a line per finished section.
struct SectionBar {
    bar: ProgressBar,
    running: Mutex<Vec<String>>,
}

impl SectionBar {
    fn new() -> SectionBar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} sections {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        SectionBar {
            bar,
            running: Mutex::new(Vec::new()),
        }
    }

    fn show_running(&self) {
        if let Ok(r) = self.running.lock() {
            self.bar.set_message(format!("running: {}", r.join(", ")));
        }
    }
}

impl AssessProgress for SectionBar {
    fn begin(&self, sections: &[SectionId]) {
        self.bar.set_length(sections.len() as u64);
    }

    fn started(&self, section: SectionId) {
        if let Ok(mut r) = self.running.lock() {
            r.push(section.key());
        }
        self.show_running();
    }

    fn finished(&self, section: SectionId, seconds: f64, produced: bool) {
        let section = section.key();
        if let Ok(mut r) = self.running.lock() {
            r.retain(|s| *s != section);
        }
        let line = format!(
            "  {section:<14} {seconds:>7.2} s{}",
            if produced {
                ""
            } else {
                "  (not produced: see the document)"
            }
        );
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
        self.bar.inc(1);
        self.show_running();
    }
}

/// `crimescope assess`.
pub async fn assess_command(args: AssessArgs) -> Result<(), CliError> {
    let AssessArgs {
        config,
        out,
        public,
        demo,
        templates,
    } = args;
    let config_path = match (demo, config) {
        (true, None) => prepare_demo(&out)?,
        (false, Some(path)) => path,
        (true, Some(_)) => return Err(CliError::user("give either --demo or --config, not both")),
        (false, None) => {
            return Err(CliError::user(
                "give --config assessment.toml (see docs/assessment.md), or --demo to run on the bundled data",
            ));
        }
    };
    let config = AssessmentConfig::load(&config_path).map_err(CliError::user)?;
    let templates = templates.or_else(|| config.templates.clone());
    eprintln!(
        "assessing {} for {} against {} ({} themes)",
        config.area,
        config.period,
        config.compare,
        config.themes.themes().len()
    );
    let bar = Arc::new(SectionBar::new());
    let run = assess(Arc::new(config.clone()), bar.clone()).await?;
    bar.bar.finish_and_clear();
    let mut document = run.document;
    let mut geojson = run.hotspots_geojson;
    if public {
        let report = make_public(&mut document);
        if let Some(g) = &mut geojson {
            suppress_geojson_counts(g, &["count"], config.threshold);
        }
        eprintln!(
            "published version: {} cells suppressed as small counts, {} more to protect them, {} derived figures \
             hidden, {} small numbers in the prose and {} chart tooltips removed, {} tables of people left out",
            report.cells.primary,
            report.cells.secondary,
            report.cells.derived,
            report.prose,
            report.tooltips,
            report.removed_tables.len()
        );
    }
    let written = write_document(&document, &out, templates.as_deref())?;
    let mut files = written.files.len();
    if let Some(g) = geojson {
        let path = out.join("hotspots.geojson");
        let text = serde_json::to_string(&g).map_err(CliError::internal)?;
        std::fs::write(&path, text).map_err(|e| CliError::user(format!("cannot write {}: {e}", path.display())))?;
        files += 1;
    }
    let missing: Vec<String> = document
        .sections
        .iter()
        .flat_map(|s| std::iter::once(s).chain(s.subsections.iter()))
        .filter(|s| !s.produced)
        .map(|s| format!("{} ({})", s.title, s.reason.clone().unwrap_or_default()))
        .collect();
    for m in &missing {
        eprintln!("not produced: {m}");
    }
    println!(
        "wrote {} ({files} files) in {:.1} s: {}; marked {}",
        out.join("assessment.html").display(),
        run.seconds,
        if missing.is_empty() {
            "every section produced".to_string()
        } else {
            format!("{} sections not produced", missing.len())
        },
        document.meta.marking
    );
    Ok(())
}

/// Build the demo store under `out/demo` from the bundled fixtures and return the path
/// of its config: the real City of London police.uk files for 2024 and synthetic
/// Coventry partner extracts (seed 42), with the central London LSOA boundaries.
fn prepare_demo(out: &Path) -> Result<PathBuf, CliError> {
    let fixtures = PathBuf::from(FIXTURES);
    let demo_src = fixtures.join("demo");
    if !demo_src.join("assessment.toml").is_file() {
        return Err(CliError::user(format!(
            "the demo fixtures are not at {}; run --demo from the crimescope checkout it was built from",
            demo_src.display()
        )));
    }
    let demo = out.join("demo");
    if demo.exists() {
        std::fs::remove_dir_all(&demo).map_err(CliError::io)?;
    }
    let inputs = demo.join("inputs");
    std::fs::create_dir_all(&inputs).map_err(CliError::io)?;
    eprintln!("building the demo store in {}", demo.display());
    let options = crimescope_synth::GenerateOptions::new(crimescope_synth::Scale::Coventry, 2024, 42, inputs.clone());
    crimescope_synth::generate(&options).map_err(CliError::internal)?;
    let partners = inputs.join("partners").join("west-midlands");
    let mut paths = vec![fixtures.join("police-uk").join("city-of-london")];
    for name in ["council-asb", "fire-irs", "probation-cohort", "probation-reoffences"] {
        paths.push(partners.join(format!("west-midlands-{name}.csv")));
    }
    let store = demo.join("store");
    let key = PseudonymKey::from_bytes(b"crimescope demo key: not for real data").map_err(CliError::internal)?;
    let options = IngestOptions {
        key: Some(key),
        ..IngestOptions::default()
    };
    crimescope_ingest::boundaries::add_boundaries(
        &store,
        &fixtures.join("boundaries").join("central_london_lsoa11.geojson"),
        AreaLevel::Lsoa,
        "lsoa_code",
        "lsoa_name",
    )?;
    let report = ingest(&store, &paths, &options, &NoProgress)?;
    eprintln!(
        "demo store: {} rows loaded from {} files",
        report.totals.rows_loaded,
        report.files.len()
    );
    for name in ["assessment.toml", "consultation.csv"] {
        std::fs::copy(demo_src.join(name), demo.join(name)).map_err(CliError::io)?;
    }
    Ok(demo.join("assessment.toml"))
}
