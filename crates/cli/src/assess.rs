//! `crimescope assess`: the Strategic Assessment, with a progress line per section,
//! and `--demo`, which builds a store from the bundled fixtures first.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;

use crimescope_assess::{AssessProgress, AssessmentConfig, SectionId, WriteOptions, assess_and_write_with_session};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::CliError;

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
    /// Build a store from the bundled data and assess it: `coventry` (the default; a
    /// synthetic West Midlands force, real Coventry geography) or `city-of-london` (the
    /// real City of London police.uk files for 2024).
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "coventry", conflicts_with = "config")]
    pub demo: Option<crate::demo::Demo>,
    /// A folder whose assessment.html / assessment.md replace the built-in templates.
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Where the queries run.
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterOpt,
}

/// A bar over the sections, with a line per finished section.
struct SectionBar {
    bar: ProgressBar,
    running: Mutex<Vec<String>>,
}

impl SectionBar {
    fn new() -> SectionBar {
        let target = if crate::terminal::get().quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
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
            crate::terminal::info(&line);
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
        cluster,
    } = args;
    let config_path = match (demo, config) {
        (Some(demo), None) => crate::demo::prepare(demo, &out)?,
        (None, Some(path)) => path,
        (Some(_), Some(_)) => return Err(CliError::user("give either --demo or --config, not both")),
        (None, None) => {
            return Err(CliError::user(
                "give --config assessment.toml (see docs/assessment.md), or --demo to run on the bundled data",
            ));
        }
    };
    let config = AssessmentConfig::load(&config_path).map_err(CliError::user)?;
    crate::terminal::info(&format!(
        "assessing {} for {} against {} ({} themes)",
        config.area,
        config.period,
        config.compare,
        config.themes.themes().len()
    ));
    let bar = Arc::new(SectionBar::new());
    let options = WriteOptions { public, templates };
    // Ctrl-C or SIGTERM while the sections run drops them before anything is written
    // (the files are written only once every section is done).
    // Here, or on the cluster --cluster names (the SQL runs on its executors; the
    // statistics over the rows that come back, and the writing, run here).
    let session_options = config.session_options().map_err(CliError::user)?;
    let work = async {
        let session = crate::cluster::open_session(&config.store, &cluster, &session_options).await?;
        assess_and_write_with_session(Arc::new(session), Arc::new(config), &out, &options, bar.clone())
            .await
            .map_err(CliError::from)
    };
    let written = tokio::select! {
        biased;
        written = work => written,
        signal = crate::signals::wait() => {
            bar.bar.finish_and_clear();
            return Err(crate::signals::interrupted(
                signal,
                format!("the assessment was stopped while its sections ran; no file of it was written to {}", out.display()),
            ));
        }
    };
    bar.bar.finish_and_clear();
    let written = written?;
    if let Some(signal) = crate::signals::received() {
        return Err(crate::signals::interrupted(
            signal,
            format!(
                "it arrived as the files were written; the assessment was written in full to {}",
                out.display()
            ),
        ));
    }
    if let Some(report) = &written.disclosure {
        crate::terminal::info(&format!(
            "published version: {} cells suppressed as small counts, {} more to protect them, {} derived figures \
             hidden, {} small numbers in the prose and {} chart tooltips removed, {} tables of people left out",
            report.cells.primary,
            report.cells.secondary,
            report.cells.derived,
            report.prose + report.cells.prose,
            report.tooltips,
            report.removed_tables.len()
        ));
    }
    for m in &written.not_produced {
        crate::terminal::note(&format!("not produced: {m}"));
    }
    println!(
        "wrote {} ({} files) in {:.1} s: {}; marked {}",
        out.join("assessment.html").display(),
        written.files.len(),
        written.seconds,
        if written.not_produced.is_empty() {
            "every section produced".to_string()
        } else {
            format!("{} sections not produced", written.not_produced.len())
        },
        written.marking
    );
    Ok(())
}
