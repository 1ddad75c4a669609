//! The command line: one [`clap::Args`] struct per command, defined beside the command.

use clap::{Parser, Subcommand};

use crate::{assess, cluster, generate, hotspots, ingest, query, reference, repeats, shell, store, trend, verify};

/// Strategic Assessment engine for Community Safety Partnerships.
#[derive(Debug, Parser)]
#[command(name = "crimescope", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// Colour "error:" and "note:" on stderr: auto (when stderr is a terminal and
    /// NO_COLOR is unset), always or never.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub color: crate::terminal::ColorChoice,
    /// Print only results and errors: no progress bars, notes or "wrote …" lines.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the Strategic Assessment: every analysis of an assessment.toml, run
    /// concurrently, as assessment.html (self-contained), .md, .json, tables/*.csv and
    /// hotspots.geojson.
    Assess(assess::AssessArgs),
    /// Load police.uk and partner CSV files, folders or .zip archives into a store.
    Ingest(ingest::IngestArgs),
    /// List the built-in input profiles and the headers that select them.
    Profiles,
    /// Manage the boundary polygons kept in a store.
    Boundaries {
        /// What to do.
        #[command(subcommand)]
        action: BoundariesAction,
    },
    /// Write seeded synthetic years of every source format, with planted patterns and truth.json.
    Generate(generate::GenerateArgs),
    /// Rewrite incidents as one Parquet file per source and month (a read cache that makes
    /// scans faster; the per-input files stay the source of truth).
    Compact(store::CompactArgs),
    /// Check every file of a store against its manifest (size, SHA-256, Parquet footer)
    /// and name any that is missing or damaged.
    Verify(verify::VerifyArgs),
    /// Show what a store holds: sources, months, categories and rejects.
    Info(store::InfoArgs),
    /// Levels and change between two periods by group, with the Poisson E-test (adjusted across rows), harm and rates;
    /// --series gives monthly series with rolling totals, seasonality, control charts and Mann-Kendall.
    Trend(trend::TrendArgs),
    /// Where incidents concentrate: grid, LSOA and ward counts, kernel density, Getis-Ord Gi*
    /// with FDR, emerging hot spots, and concentration (Gini, Lorenz, nearest neighbour index).
    Hotspots(hotspots::HotspotsArgs),
    /// Repeat victims, offenders (with the power few) and locations.
    Repeats(repeats::RepeatsArgs),
    /// The Knox near-repeat test (needs dates to the day; police.uk is refused).
    NearRepeat(repeats::NearRepeatArgs),
    /// Proven re-offending of a probation cohort (MoJ definition), by index offence, tier and IOM.
    Reoffending(repeats::ReoffendingArgs),
    /// List and run the named SQL queries of queries/ or your own folder.
    Query {
        /// What to do.
        #[command(subcommand)]
        action: QueryAction,
    },
    /// Manage the population tables used for rates.
    Population {
        /// What to do.
        #[command(subcommand)]
        action: PopulationAction,
    },
    /// Run a read-only SQL query over the store's tables (incidents, rejects, parties, ...).
    Sql(store::SqlArgs),
    /// Run a Ballista scheduler with crimescope's functions, for `--cluster`
    /// (needs `--features distributed`; docs/scale-out.md).
    Scheduler(cluster::SchedulerArgs),
    /// Run a Ballista executor with crimescope's functions; it joins the scheduler
    /// (needs `--features distributed`; docs/scale-out.md).
    Executor(cluster::ExecutorArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    Completions(shell::CompletionsArgs),
    /// Write man pages: crimescope.1 and one per command (crimescope-assess.1, …).
    Man(shell::ManArgs),
}

/// `crimescope query …`.
#[derive(Debug, Subcommand)]
pub enum QueryAction {
    /// List the named queries (built-in, and from --queries DIR) with their parameters.
    List(query::QueryListArgs),
    /// Run named queries, concurrently on one session; parameters are bound as values.
    Run(query::QueryRunArgs),
}

/// `crimescope population …`.
#[derive(Debug, Subcommand)]
pub enum PopulationAction {
    /// Store residents by area (CSV) for rates per 1,000 residents; replaces the level's earlier table.
    Add(reference::PopulationAddArgs),
}

/// `crimescope boundaries …`.
#[derive(Debug, Subcommand)]
pub enum BoundariesAction {
    /// Store a GeoJSON of WGS84 polygons; later ingests fill missing LSOA/ward codes from it.
    Add(reference::BoundariesAddArgs),
    /// Store the ONS LSOA 2011 -> 2021 lookup CSV (or .csv.gz) as the `lsoa_lookup` table.
    Lookup(reference::LookupArgs),
}
