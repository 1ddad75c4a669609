//! `crimescope verify`: check a store's files against its manifest.

use std::io::Write;
use std::path::PathBuf;

use crate::error::CliError;

/// The options of `crimescope verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `crimescope verify`: exit 0 when every file is as the manifest records, 1 when any
/// is missing or damaged (each named with what is wrong).
pub fn verify(args: &VerifyArgs) -> Result<(), CliError> {
    let report = crimescope_ingest::store::verify(&args.store)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        crate::output::write_json(&mut out, &report)?;
    } else {
        for p in &report.problems {
            writeln!(out, "DAMAGED  {}: {}", args.store.join(&p.path).display(), p.problem).map_err(CliError::io)?;
        }
        writeln!(
            out,
            "{} files checked ({} by SHA-256, the rest by size and footer; manifest version {}), {:.1} MiB read: {}",
            report.files_checked,
            report.hashes_checked,
            report.manifest_version,
            report.bytes_read as f64 / (1024.0 * 1024.0),
            if report.is_ok() {
                "every file is as the manifest records".to_string()
            } else {
                format!("{} damaged or missing", report.problems.len())
            }
        )
        .map_err(CliError::io)?;
    }
    if report.is_ok() {
        return Ok(());
    }
    Err(CliError::user(format!(
        "{} of {} files in {} are damaged or missing; restore them (or the whole store) from a backup, or re-ingest \
         into a new store",
        report.problems.len(),
        report.files_checked,
        args.store.display()
    )))
}
