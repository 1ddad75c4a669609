//! `crimescope generate`: seeded synthetic years of every source format.

use std::io::Write;
use std::path::PathBuf;

use crimescope_synth::{GenerateOptions, Scale, generate as run_generate};

use crate::error::CliError;
use crate::options::ScaleArg;

/// The options of `crimescope generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The geography and volume.
    #[arg(long, value_enum, default_value = "coventry")]
    pub scale: ScaleArg,
    /// The current year; the years before it are written too (see --years).
    #[arg(long, default_value_t = 2025)]
    pub year: i32,
    /// How many years to write, ending with --year (2 to 10; 3 gives 36 months of trend).
    #[arg(long, default_value_t = 2)]
    pub years: u32,
    /// Multiply every volume (1.0 is the scale's documented size; 0.1 a tenth).
    #[arg(long, default_value_t = 1.0)]
    pub volume: f64,
    /// The seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Plant a stated number of bad rows (listed in truth.json) for rejection tests.
    #[arg(long)]
    pub with_errors: bool,
}

/// `crimescope generate`.
pub fn generate(args: &GenerateArgs) -> Result<(), CliError> {
    let (year, seed) = (args.year, args.seed);
    let scale = Scale::from(args.scale);
    let mut options = GenerateOptions::new(scale, year, seed, args.out.clone());
    options.with_errors = args.with_errors;
    options.years = args.years;
    options.volume_factor = args.volume;
    let spinner = crate::terminal::progress_visible().then(|| {
        let s = indicatif::ProgressBar::new_spinner();
        s.set_message(format!(
            "generating {} {}-{year} (seed {seed})",
            scale.name(),
            year.saturating_sub(args.years as i32 - 1)
        ));
        s.enable_steady_tick(std::time::Duration::from_millis(120));
        s
    });
    let result = run_generate(&options);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let report = result.map_err(|e| match e {
        crimescope_synth::SynthError::Options(_) => CliError::user(e),
        other => CliError::internal(other),
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote {} files to {} in {:.1} s: {} police.uk rows, {} force-crime, {} council-asb, {} fire-irs, {} probation-cohort, {} probation-reoffences rows; planted truths in truth.json",
        report.files,
        options.out.display(),
        report.seconds,
        report.police_uk_rows,
        report.force_crime_rows,
        report.council_asb_rows,
        report.fire_irs_rows,
        report.probation_cohort_rows,
        report.probation_reoffence_rows
    )
    .map_err(CliError::io)
}
