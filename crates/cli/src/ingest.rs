//! `crimescope ingest` and `crimescope profiles`.

use std::io::Write;
use std::path::PathBuf;

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use crimescope_ingest::pseudonym::PseudonymKey;
use crimescope_ingest::{IngestOptions, IngestReport, MappingProfile, Profile, ingest as run_ingest};

use crate::error::CliError;
use crate::progress::{IngestBar, StopOnSignal};
use crate::signals;

/// The options of `crimescope ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// The store directory (created if missing).
    #[arg(long)]
    pub store: PathBuf,
    /// Print only the JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// Parsing threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Read every input with this TOML mapping profile instead of a built-in one.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Files, folders (read recursively) or .zip archives.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// `crimescope ingest`.
pub fn ingest(args: &IngestArgs) -> Result<(), CliError> {
    let (store, json) = (&args.store, args.json);
    let mapping = args.profile.as_deref().map(MappingProfile::load).transpose()?;
    // The pseudonymisation key: CRIMESCOPE_KEY, or the key file (created on first use).
    // Read lazily by the library only for files with person identifiers; resolved here
    // so that a key problem is reported once, before any work.
    let key = PseudonymKey::from_env_or_file(&PseudonymKey::default_file())?;
    let options = IngestOptions::default()
        .with_threads(args.threads)
        .with_key(key)
        .with_mapping(mapping);
    let report = if crate::terminal::progress_visible() && !json {
        let bar = IngestBar::new();
        let report = run_ingest(store, &args.paths, &options, &bar);
        bar.finish();
        report.map_err(signals::from_library)?
    } else {
        run_ingest(store, &args.paths, &options, &StopOnSignal).map_err(signals::from_library)?
    };
    let mut out = std::io::stdout().lock();
    if json {
        crate::output::write_json(&mut out, &report)?;
    } else {
        writeln!(out, "{}", ingest_table(&report)).map_err(CliError::io)?;
        let t = &report.totals;
        writeln!(
            out,
            "{} files: {} rows read = {} loaded + {} rejected + {} duplicates dropped. {} rows with No Location, \
             {} outside Great Britain, {} outside the stored boundaries, {} loaded rows share a Crime ID with different \
             content (flagged duplicate_id).",
            report.files.len(),
            t.rows_read,
            t.rows_loaded,
            t.rows_rejected,
            t.duplicates_dropped,
            t.no_location,
            t.outside_gb,
            t.outside_boundaries,
            t.duplicate_ids_flagged
        )
        .map_err(CliError::io)?;
        if t.clock_repeated_hour + t.clock_missing_hour > 0 {
            writeln!(
                out,
                "Local times converted to UTC (Europe/London unless a mapping profile says otherwise): {} in the \
                 repeated October hour read as the first (summer-time) one, {} in the missing March hour read with \
                 the winter offset.",
                t.clock_repeated_hour, t.clock_missing_hour
            )
            .map_err(CliError::io)?;
        }
        if t.rows_rejected > 0 {
            writeln!(
                out,
                "See the rejected rows with: crimescope sql --store {} \"SELECT * FROM rejects\"",
                store.display()
            )
            .map_err(CliError::io)?;
        }
    }
    Ok(())
}

fn ingest_table(report: &IngestReport) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "file",
        "profile",
        "status",
        "read",
        "loaded",
        "rejected",
        "duplicates",
    ]);
    let num = |n: u64| Cell::new(n).set_alignment(CellAlignment::Right);
    for f in &report.files {
        table.add_row(vec![
            Cell::new(&f.path),
            Cell::new(&f.profile),
            Cell::new(format!("{:?}", f.status).to_lowercase()),
            num(f.counts.rows_read),
            num(f.counts.rows_loaded),
            num(f.counts.rows_rejected),
            num(f.counts.duplicates_dropped),
        ]);
    }
    let t = &report.totals;
    table.add_row(vec![
        Cell::new("total"),
        Cell::new(""),
        Cell::new(""),
        num(t.rows_read),
        num(t.rows_loaded),
        num(t.rows_rejected),
        num(t.duplicates_dropped),
    ]);
    table
}

/// `crimescope profiles`: the built-in input profiles.
pub fn profiles() -> Result<(), CliError> {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["profile", "writes", "person ids", "recognised by the header"]);
    for p in Profile::ALL {
        let header = if p == Profile::FireLfb {
            format!("has the columns {}", p.header().join(","))
        } else {
            p.header().join(",")
        };
        table.add_row(vec![
            Cell::new(p.name()),
            Cell::new(p.tables()),
            Cell::new(if p.has_person_ids() { "pseudonymised" } else { "" }),
            Cell::new(header),
        ]);
    }
    writeln!(std::io::stdout().lock(), "{table}").map_err(CliError::io)
}
