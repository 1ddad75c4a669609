//! The commands, each a thin layer over a library call.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use crimescope_engine::{Session, store_info};
use crimescope_ingest::{FileCounts, IngestOptions, IngestReport, NoProgress, ingest as run_ingest};

use crate::error::CliError;
use crate::output::{Format, json_rows, write_batches};
use crate::progress::IngestBar;

/// Run a future on a multi-threaded tokio runtime.
pub fn block_on<F: Future<Output = Result<(), CliError>>>(future: F) -> Result<(), CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the async runtime: {e}")))?
        .block_on(future)
}

/// `crimescope ingest`.
pub fn ingest(
    store: &Path,
    paths: &[PathBuf],
    json: bool,
    threads: Option<usize>,
    profile: Option<&Path>,
) -> Result<(), CliError> {
    let mapping = profile
        .map(crimescope_ingest::mapping::MappingProfile::load)
        .transpose()?;
    // The pseudonymisation key: CRIMESCOPE_KEY, or the key file (created on first use).
    // Read lazily by the library only for files with person identifiers; resolved here
    // so that a key problem is reported once, before any work.
    let key = crimescope_ingest::pseudonym::PseudonymKey::from_env_or_file(
        &crimescope_ingest::pseudonym::PseudonymKey::default_file(),
    )?;
    let options = IngestOptions {
        threads,
        key: Some(key),
        mapping,
    };
    let report = if std::io::stderr().is_terminal() && !json {
        let bar = IngestBar::new();
        let report = run_ingest(store, paths, &options, &bar);
        bar.finish();
        report?
    } else {
        run_ingest(store, paths, &options, &NoProgress)?
    };
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({
            "files": report.files.iter().map(|f| serde_json::json!({
                "path": f.path,
                "profile": f.profile,
                "status": f.status,
                "rows_read": f.counts.rows_read,
                "rows_loaded": f.counts.rows_loaded,
                "rows_rejected": f.counts.rows_rejected,
                "duplicates_dropped": f.counts.duplicates_dropped,
                "duplicate_ids_flagged": f.counts.duplicate_ids_flagged,
                "no_location": f.counts.no_location,
                "outside_gb": f.counts.outside_gb,
                "outside_boundaries": f.counts.outside_boundaries,
            })).collect::<Vec<_>>(),
            "totals": counts_json(&report.totals),
        });
        writeln!(out, "{value}").map_err(CliError::io)?;
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

fn counts_json(c: &FileCounts) -> serde_json::Value {
    serde_json::json!({
        "rows_read": c.rows_read,
        "rows_loaded": c.rows_loaded,
        "rows_rejected": c.rows_rejected,
        "duplicates_dropped": c.duplicates_dropped,
        "duplicate_ids_flagged": c.duplicate_ids_flagged,
        "no_location": c.no_location,
        "outside_gb": c.outside_gb,
        "outside_boundaries": c.outside_boundaries,
    })
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

/// `crimescope info`.
pub async fn info(store: &Path, format: Format) -> Result<(), CliError> {
    let session = Session::open(store).await?;
    let info = store_info(&session).await?;
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let value = serde_json::json!({
            "store": session.root().display().to_string(),
            "files": info.files,
            "replacements": info.replacements,
            "harm_table": info.harm_table,
            "totals": counts_json(&info.totals),
            "sources": json_rows(&info.sources)?,
            "months": json_rows(&info.months)?,
            "categories": json_rows(&info.categories)?,
            "rejects": json_rows(&info.rejects)?,
        });
        writeln!(out, "{value}").map_err(CliError::io)?;
        return Ok(());
    }
    let t = &info.totals;
    writeln!(
        out,
        "store {}: {} files ({} replaced over its life), harm table {}\nrows read {} = loaded {} + rejected {} + duplicates dropped {}\n",
        session.root().display(),
        info.files,
        info.replacements,
        info.harm_table,
        t.rows_read,
        t.rows_loaded,
        t.rows_rejected,
        t.duplicates_dropped
    )
    .map_err(CliError::io)?;
    for (title, batches) in [
        ("Sources", &info.sources),
        ("Months", &info.months),
        ("Rows by source and category", &info.categories),
        ("Rejects by reason", &info.rejects),
    ] {
        writeln!(out, "{title}").map_err(CliError::io)?;
        if batches.iter().all(|b| b.num_rows() == 0) {
            writeln!(out, "  (none)\n").map_err(CliError::io)?;
        } else {
            write_batches(&mut out, batches, Format::Table)?;
            writeln!(out).map_err(CliError::io)?;
        }
    }
    Ok(())
}

/// `crimescope sql`.
pub async fn sql(
    store: &Path,
    query: &str,
    format: Format,
    cluster: &crate::cluster::ClusterOpt,
) -> Result<(), CliError> {
    let session = crate::cluster::open_session(store, cluster).await?;
    let mut batches = session.sql(query).await?;
    if batches.is_empty() {
        // Keep the header of an empty result (CSV and table formats show it).
        let schema = session.sql_schema(query).await?;
        batches.push(crimescope_engine::arrow::array::RecordBatch::new_empty(schema));
    }
    let mut out = std::io::stdout().lock();
    write_batches(&mut out, &batches, format)
}

/// `crimescope generate`.
pub fn generate(scale: &str, year: i32, seed: u64, out: PathBuf, with_errors: bool) -> Result<(), CliError> {
    use crimescope_synth::{GenerateOptions, Scale, generate as run_generate};
    let scale = Scale::parse(scale).map_err(CliError::user)?;
    let mut options = GenerateOptions::new(scale, year, seed, out);
    options.with_errors = with_errors;
    let spinner = std::io::stderr().is_terminal().then(|| {
        let s = indicatif::ProgressBar::new_spinner();
        s.set_message(format!(
            "generating {} {}-{year} (seed {seed})",
            scale.name(),
            year.saturating_sub(1)
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

/// `crimescope profiles`: the built-in input profiles.
pub fn profiles() -> Result<(), CliError> {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["profile", "writes", "person ids", "recognised by the header"]);
    for p in crimescope_ingest::Profile::ALL {
        let header = if p == crimescope_ingest::Profile::FireLfb {
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

/// `crimescope boundaries add`.
pub fn boundaries_add(
    store: &Path,
    file: &Path,
    level: &str,
    code_field: &str,
    name_field: &str,
) -> Result<(), CliError> {
    let entry = crimescope_ingest::boundaries::add_boundaries(store, file, level, code_field, name_field)?;
    writeln!(
        std::io::stdout().lock(),
        "stored {} {} areas from {} as {}; ingests from now on fill missing {} codes from them",
        entry.areas,
        entry.level,
        entry.source,
        entry.path,
        entry.level
    )
    .map_err(CliError::io)
}

/// `crimescope boundaries lookup`.
pub fn boundaries_lookup(store: &Path, file: &Path) -> Result<(), CliError> {
    let output = crimescope_ingest::boundaries::add_lsoa_lookup(store, file)?;
    writeln!(
        std::io::stdout().lock(),
        "stored {} LSOA 2011 -> 2021 rows as {}; query them as the table lsoa_lookup",
        output.rows,
        output.path
    )
    .map_err(CliError::io)
}

/// `crimescope compact`.
pub fn compact(store: &Path) -> Result<(), CliError> {
    // Refuse a path that holds no store rather than creating one.
    crimescope_ingest::store::read_manifest(store)?;
    let mut writer = crimescope_ingest::store::StoreWriter::open(store, crimescope_model::HarmWeights::v1().name())?;
    let before = writer.manifest().outputs_of("incidents").count();
    let compaction = writer.compact()?;
    let rows: u64 = compaction.outputs.iter().map(|o| o.rows).sum();
    writeln!(
        std::io::stdout().lock(),
        "incidents: {before} files -> {} compacted files ({rows} rows) under compacted/; queries read them until the \
         next ingest changes the store's input files",
        compaction.outputs.len()
    )
    .map_err(CliError::io)
}
