//! Reference data kept in a store: `boundaries add`, `boundaries lookup` and
//! `population add`.

use std::io::Write;
use std::path::PathBuf;

use crimescope_ingest::IngestError;
use crimescope_ingest::population::{PopulationColumns, add_population};
use crimescope_model::AreaLevel;

use crate::error::CliError;
use crate::options::LevelArg;

/// The options of `crimescope boundaries add`.
#[derive(Debug, clap::Args)]
pub struct BoundariesAddArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The level of the areas.
    #[arg(long, value_enum)]
    pub level: LevelArg,
    /// The feature property holding the area code.
    #[arg(long)]
    pub code_field: String,
    /// The feature property holding the area name.
    #[arg(long)]
    pub name_field: String,
    /// Leave incidents already in the store as they are (by default, located rows
    /// without a code get the code of the area holding their point, as a new store
    /// version).
    #[arg(long)]
    pub no_apply_to_stored: bool,
    /// The GeoJSON file.
    pub file: PathBuf,
}

/// The options of `crimescope boundaries lookup`.
#[derive(Debug, clap::Args)]
pub struct LookupArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The lookup file (columns LSOA11CD, LSOA21CD, ...).
    pub file: PathBuf,
}

/// The options of `crimescope population add`.
#[derive(Debug, clap::Args)]
pub struct PopulationAddArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The level of the areas.
    #[arg(long, value_enum, default_value = "lsoa")]
    pub level: LevelArg,
    /// The column holding the area code.
    #[arg(long, default_value = "area_code")]
    pub code_field: String,
    /// The column holding the residents.
    #[arg(long, default_value = "population")]
    pub population_field: String,
    /// The column holding the area name (used when present).
    #[arg(long, default_value = "area_name")]
    pub name_field: String,
    /// The CSV (or .csv.gz) file.
    pub file: PathBuf,
}

/// `crimescope boundaries add`.
pub fn boundaries_add(args: &BoundariesAddArgs) -> Result<(), CliError> {
    let request = crimescope_ingest::boundaries::BoundariesToAdd {
        file: &args.file,
        level: AreaLevel::from(args.level),
        code_field: &args.code_field,
        name_field: &args.name_field,
        apply_to_stored: !args.no_apply_to_stored,
    };
    // One commit: the set and the codes it fills in the stored incidents.
    let added =
        crimescope_ingest::boundaries::add_boundaries_with(&args.store, &request, &crate::signals::stop_requested)
            .map_err(crate::signals::from_library)?;
    let entry = &added.entry;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "stored {} {} areas from {} as {}; ingests from now on fill missing {} codes from them",
        entry.areas, entry.level, entry.source, entry.path, entry.level
    )
    .map_err(CliError::io)?;
    let Some(retag) = &added.retag else {
        return writeln!(
            out,
            "incidents already stored keep their codes (--no-apply-to-stored); run boundaries add again without it to fill them"
        )
        .map_err(CliError::io);
    };
    writeln!(
        out,
        "stored incidents: {} files read, {} rewritten; {} LSOA and {} ward codes filled from the boundaries; \
         {} located incidents lie in no stored area",
        retag.files_read,
        retag.files_rewritten,
        retag.lsoa_codes_filled,
        retag.ward_codes_filled,
        retag.outside_boundaries
    )
    .map_err(CliError::io)
}

/// `crimescope boundaries lookup`.
pub fn boundaries_lookup(args: &LookupArgs) -> Result<(), CliError> {
    let output = crimescope_ingest::boundaries::add_lsoa_lookup(&args.store, &args.file)?;
    writeln!(
        std::io::stdout().lock(),
        "stored {} LSOA 2011 -> 2021 rows as {}; query them as the table lsoa_lookup",
        output.rows,
        output.path
    )
    .map_err(CliError::io)
}

/// `crimescope population add`.
pub fn population_add(args: &PopulationAddArgs) -> Result<(), CliError> {
    let columns = PopulationColumns {
        code: args.code_field.clone(),
        population: args.population_field.clone(),
        name: args.name_field.clone(),
    };
    let entry = add_population(&args.store, &args.file, AreaLevel::from(args.level), &columns).map_err(|e| {
        let columns_missing = matches!(&e, IngestError::BadValue { line: 1, .. });
        let err = CliError::from(e);
        if columns_missing {
            err.with_hint("choose the columns with --code-field and --population-field")
        } else {
            err
        }
    })?;
    writeln!(
        std::io::stdout().lock(),
        "stored {} {} areas ({} residents) from {}; trend rates per 1,000 residents now use them",
        entry.output.rows,
        entry.level,
        entry.residents,
        entry.source
    )
    .map_err(CliError::io)
}
