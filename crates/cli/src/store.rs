//! `crimescope info`, `sql` and `compact`: what a store holds, SQL over it, and its
//! read cache.

use std::io::Write;
use std::path::PathBuf;

use crimescope_engine::{Session, store_info};
use crimescope_ingest::store::{StoreWriter, read_manifest};

use crate::error::CliError;
use crate::output::{Format, write_batches, write_json};

/// The options of `crimescope info`.
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// The options of `crimescope sql`.
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// table, csv or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// The query.
    pub query: String,
    /// Which incidents the table `incidents` holds (`incidents_all` holds every one, and
    /// with --area `incidents_placed` adds each one's `placement`).
    #[command(flatten)]
    pub selection: crate::options::SelectionOpt,
    /// Where the query runs.
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterOpt,
}

/// The options of `crimescope compact`.
#[derive(Debug, clap::Args)]
pub struct CompactArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
}

/// `crimescope info`.
pub async fn info(args: &InfoArgs) -> Result<(), CliError> {
    let session = Session::open(&args.store).await?;
    let info = store_info(&session).await?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        return write_json(&mut out, &info);
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
pub async fn sql(args: &SqlArgs) -> Result<(), CliError> {
    let options = args.selection.session_options()?;
    let session = crate::cluster::open_session_until_exit(&args.store, &args.cluster, &options).await?;
    let mut batches = session.sql(&args.query).await?;
    if batches.is_empty() {
        // Keep the header of an empty result (CSV and table formats show it).
        let schema = session.sql_schema(&args.query).await?;
        batches.push(crimescope_engine::arrow::array::RecordBatch::new_empty(schema));
    }
    let mut out = std::io::stdout().lock();
    write_batches(&mut out, &batches, args.format)
}

/// `crimescope compact`.
pub fn compact(args: &CompactArgs) -> Result<(), CliError> {
    // Refuse a path that holds no store rather than creating one.
    read_manifest(&args.store)?;
    let mut writer = StoreWriter::open(&args.store, crimescope_model::HarmWeights::v1().name())?;
    let (files, runs) = (
        writer.manifest().incidents_files().len(),
        writer.manifest().outputs_of("incidents").count(),
    );
    let compaction = writer
        .compact_unless(&crate::signals::stop_requested)
        .map_err(crate::signals::from_library)?;
    let rows: u64 = compaction.outputs.iter().map(|o| o.rows).sum();
    writeln!(
        std::io::stdout().lock(),
        "incidents: {runs} parts of input files in {files} files -> {} compacted files ({rows} rows) under \
         compacted/; queries read them until the next ingest changes the store's input files",
        compaction.outputs.len()
    )
    .map_err(CliError::io)
}
