//! `crimescope`: the command-line tool. Each command is a thin layer over the library.
//!
//! Exit codes: 0 success, 1 a user error (the message names the file, line or field),
//! 2 an internal error.

mod analysis;
mod assess;
mod cluster;
mod commands;
mod error;
mod hotspots;
mod output;
mod progress;
mod repeats;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::Format;

/// Strategic Assessment engine for Community Safety Partnerships.
#[derive(Debug, Parser)]
#[command(name = "crimescope", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the Strategic Assessment: every analysis of an assessment.toml, run
    /// concurrently, as assessment.html (self-contained), .md, .json, tables/*.csv and
    /// hotspots.geojson.
    Assess {
        /// The assessment config (docs/assessment.md).
        #[arg(long, required_unless_present = "demo")]
        config: Option<PathBuf>,
        /// The output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The published version: small counts suppressed (with secondary
        /// suppression), lists of people left out, marked for publication.
        #[arg(long)]
        public: bool,
        /// Build a store from the bundled fixtures (real City of London police.uk data,
        /// synthetic Coventry partner data) and assess it.
        #[arg(long, conflicts_with = "config")]
        demo: bool,
        /// A folder whose assessment.html / assessment.md replace the built-in templates.
        #[arg(long)]
        templates: Option<PathBuf>,
    },
    /// Load police.uk and partner CSV files, folders or .zip archives into a store.
    Ingest {
        /// The store directory (created if missing).
        #[arg(long)]
        store: PathBuf,
        /// Print only the JSON summary on stdout.
        #[arg(long)]
        json: bool,
        /// Parsing threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Read every input with this TOML mapping profile instead of a built-in one.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Files, folders (read recursively) or .zip archives.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List the built-in input profiles and the headers that select them.
    Profiles,
    /// Manage the boundary polygons kept in a store.
    Boundaries {
        #[command(subcommand)]
        action: BoundariesAction,
    },
    /// Write seeded synthetic years of every source format, with planted patterns and truth.json.
    Generate {
        /// coventry, west-midlands or national.
        #[arg(long, default_value = "coventry")]
        scale: String,
        /// The current year; the year before is written too.
        #[arg(long, default_value_t = 2025)]
        year: i32,
        /// The seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The output folder.
        #[arg(long)]
        out: PathBuf,
        /// Plant a stated number of bad rows (listed in truth.json) for rejection tests.
        #[arg(long)]
        with_errors: bool,
    },
    /// Rewrite incidents as one Parquet file per source and month (a read cache that makes
    /// scans faster; the per-input files stay the source of truth).
    Compact {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
    },
    /// Show what a store holds: sources, months, categories and rejects.
    Info {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// table or json.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Levels and change between two periods by group, with Wheeler's z, harm and rates;
    /// --series gives monthly series with rolling totals, seasonality, control charts and Mann-Kendall.
    Trend {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// The current period, an inclusive month range: 2025-01..2025-12.
        #[arg(long)]
        period: String,
        /// `previous` (the same length immediately before) or a period.
        #[arg(long, default_value = "previous")]
        compare: String,
        /// category, source, theme, lsoa, ward or force.
        #[arg(long, default_value = "category")]
        by: String,
        /// Only this source: police, asb or fire.
        #[arg(long)]
        source: Option<String>,
        /// Only this category, by name or slug.
        #[arg(long)]
        category: Option<String>,
        /// Monthly series from the comparison period's start to the period's end, with their statistics.
        #[arg(long)]
        series: bool,
        /// For --series: none (c-chart of counts) or days (u-chart of incidents per day).
        #[arg(long, default_value = "none")]
        exposure: String,
        /// table, csv or json.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[command(flatten)]
        cluster: cluster::ClusterOpt,
    },
    /// Where incidents concentrate: grid, LSOA and ward counts, kernel density, Getis-Ord Gi*
    /// with FDR, emerging hot spots, and concentration (Gini, Lorenz, nearest neighbour index).
    Hotspots {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// The period, an inclusive month range: 2025-01..2025-12.
        #[arg(long)]
        period: String,
        /// grid, lsoa, ward, kde, gi, emerging or concentration.
        #[arg(long, value_enum, default_value = "grid")]
        method: hotspots::Method,
        /// Cell size in metres (default 250; 50 for kde).
        #[arg(long)]
        cell: Option<f64>,
        /// Gi* distance band in metres: neighbours are cell centres within it, self included.
        #[arg(long, default_value_t = 500.0)]
        band: f64,
        /// Kernel density bandwidth in metres (default: ArcGIS's rule).
        #[arg(long)]
        bandwidth: Option<f64>,
        /// Only this category, by name or slug.
        #[arg(long)]
        category: Option<String>,
        /// Only this source: police, asb or fire.
        #[arg(long)]
        source: Option<String>,
        /// The study area: lsoa, ward or csp (every stored area of the level) or LEVEL:CODE.
        #[arg(long)]
        area: Option<String>,
        /// Gi*: conditional permutations for a pseudo p-value (e.g. 999).
        #[arg(long, default_value_t = 0)]
        permutations: usize,
        /// The seed for permutations.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Emerging hot spots: month or quarter steps.
        #[arg(long, default_value = "month")]
        step: String,
        /// table, csv, json or geojson.
        #[arg(long, value_enum, default_value = "table")]
        format: hotspots::MapFormat,
        #[command(flatten)]
        cluster: cluster::ClusterOpt,
    },
    /// Repeat victims, offenders (with the power few) and locations.
    Repeats {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// The period: 2025-01..2025-12.
        #[arg(long)]
        period: String,
        /// victim, offender or location.
        #[arg(long, value_enum)]
        kind: repeats::Kind,
        /// Only this category, by name or slug.
        #[arg(long)]
        category: Option<String>,
        /// Only this source: police, asb or fire.
        #[arg(long)]
        source: Option<String>,
        /// A repeat is a later incident within this many days of the previous one.
        #[arg(long, default_value_t = 365)]
        window: i64,
        /// How many top people or places to list.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// table, csv or json (json is one object).
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[command(flatten)]
        cluster: cluster::ClusterOpt,
    },
    /// The Knox near-repeat test (needs dates to the day; police.uk is refused).
    NearRepeat {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// The period: 2025-01..2025-12.
        #[arg(long)]
        period: String,
        /// Only this category, e.g. Burglary.
        #[arg(long)]
        category: Option<String>,
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
        /// Distance band edges in metres; bands are [a, b) and the last is open.
        #[arg(long, default_value = "0,100,200,300,400")]
        space_bands: String,
        /// Time band edges in days; bands are [a, b) and the last is open.
        #[arg(long, default_value = "0,7,14,21,28")]
        time_bands: String,
        /// euclidean or manhattan.
        #[arg(long, default_value = "euclidean")]
        metric: String,
        /// Permutations of the dates over the locations.
        #[arg(long, default_value_t = 999)]
        permutations: usize,
        /// The seed: the same seed gives the same table on any number of threads.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// table, csv or json (json is one object).
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Proven re-offending of a probation cohort (MoJ definition), by index offence, tier and IOM.
    Reoffending {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// The cohort, by cohort start: 2024-01..2024-12.
        #[arg(long)]
        cohort: String,
        /// table, csv or json.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// List and run the named SQL queries of queries/ or your own folder.
    Query {
        #[command(subcommand)]
        action: QueryAction,
    },
    /// Manage the population tables used for rates.
    Population {
        #[command(subcommand)]
        action: PopulationAction,
    },
    /// Run a read-only SQL query over the store's tables (incidents, rejects, parties, ...).
    Sql {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// table, csv or json.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// The query.
        query: String,
        #[command(flatten)]
        cluster: cluster::ClusterOpt,
    },
    /// Run a Ballista scheduler with crimescope's functions, for `--cluster`
    /// (needs `--features distributed`; docs/scale-out.md).
    Scheduler(cluster::SchedulerArgs),
    /// Run a Ballista executor with crimescope's functions; it joins the scheduler
    /// (needs `--features distributed`; docs/scale-out.md).
    Executor(cluster::ExecutorArgs),
}

#[derive(Debug, Subcommand)]
enum QueryAction {
    /// List the named queries (built-in, and from --queries DIR) with their parameters.
    List {
        /// Also read the analyst's .sql files in this folder.
        #[arg(long)]
        queries: Option<PathBuf>,
        /// table or json.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Run named queries, concurrently on one session; parameters are bound as values.
    Run {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// Sets period_start and period_end, e.g. 2025-01..2025-12.
        #[arg(long)]
        period: Option<String>,
        /// Sets compare_start and compare_end: `previous` (the same length just before) or a period.
        #[arg(long, default_value = "previous")]
        compare: String,
        /// Any other parameter, as name=value (repeatable).
        #[arg(long = "param")]
        params: Vec<String>,
        /// Also read the analyst's .sql files in this folder (a file may replace a built-in).
        #[arg(long)]
        queries: Option<PathBuf>,
        /// table, csv or json.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// The query names.
        #[arg(required = true)]
        names: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PopulationAction {
    /// Store residents by area (CSV) for rates per 1,000 residents; replaces the level's earlier table.
    Add {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// lsoa, ward or csp.
        #[arg(long, default_value = "lsoa")]
        level: String,
        /// The column holding the area code.
        #[arg(long, default_value = "area_code")]
        code_field: String,
        /// The column holding the residents.
        #[arg(long, default_value = "population")]
        population_field: String,
        /// The column holding the area name (used when present).
        #[arg(long, default_value = "area_name")]
        name_field: String,
        /// The CSV (or .csv.gz) file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum BoundariesAction {
    /// Store a GeoJSON of WGS84 polygons; later ingests fill missing LSOA/ward codes from it.
    Add {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// lsoa, ward or csp.
        #[arg(long)]
        level: String,
        /// The feature property holding the area code.
        #[arg(long)]
        code_field: String,
        /// The feature property holding the area name.
        #[arg(long)]
        name_field: String,
        /// The GeoJSON file.
        file: PathBuf,
    },
    /// Store the ONS LSOA 2011 -> 2021 lookup CSV (or .csv.gz) as the `lsoa_lookup` table.
    Lookup {
        /// The store directory.
        #[arg(long)]
        store: PathBuf,
        /// The lookup file (columns LSOA11CD, LSOA21CD, ...).
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("internal error: {info}\nThis is a bug in crimescope; please report it with the command you ran.");
    }));
    let cli = Cli::parse();
    let result = std::panic::catch_unwind(|| run(cli));
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(e.exit_code() as u8)
        }
        Err(_) => ExitCode::from(2),
    }
}

fn run(cli: Cli) -> Result<(), error::CliError> {
    match cli.command {
        Command::Ingest {
            store,
            json,
            threads,
            profile,
            paths,
        } => commands::ingest(&store, &paths, json, threads, profile.as_deref()),
        Command::Profiles => commands::profiles(),
        Command::Boundaries {
            action:
                BoundariesAction::Add {
                    store,
                    level,
                    code_field,
                    name_field,
                    file,
                },
        } => commands::boundaries_add(&store, &file, &level, &code_field, &name_field),
        Command::Boundaries {
            action: BoundariesAction::Lookup { store, file },
        } => commands::boundaries_lookup(&store, &file),
        Command::Generate {
            scale,
            year,
            seed,
            out,
            with_errors,
        } => commands::generate(&scale, year, seed, out, with_errors),
        Command::Compact { store } => commands::compact(&store),
        Command::Assess {
            config,
            out,
            public,
            demo,
            templates,
        } => commands::block_on(assess::assess_command(config, out, public, demo, templates)),
        Command::Info { store, format } => commands::block_on(commands::info(&store, format)),
        Command::Trend {
            store,
            period,
            compare,
            by,
            source,
            category,
            series,
            exposure,
            format,
            cluster,
        } => commands::block_on(analysis::trend_command(analysis::TrendArgs {
            store: &store,
            period: &period,
            compare: &compare,
            by: &by,
            source: source.as_deref(),
            category: category.as_deref(),
            series,
            exposure: &exposure,
            format,
            cluster: &cluster,
        })),
        Command::Hotspots {
            store,
            period,
            method,
            cell,
            band,
            bandwidth,
            category,
            source,
            area,
            permutations,
            seed,
            step,
            format,
            cluster,
        } => commands::block_on(hotspots::hotspots(hotspots::HotspotArgs {
            store: &store,
            period: &period,
            method,
            cell,
            band,
            bandwidth,
            category: category.as_deref(),
            source: source.as_deref(),
            area: area.as_deref(),
            permutations,
            seed,
            step: &step,
            format,
            cluster: &cluster,
        })),
        Command::Repeats {
            store,
            period,
            kind,
            category,
            source,
            window,
            top,
            format,
            cluster,
        } => commands::block_on(repeats::repeats(repeats::RepeatArgs {
            store: &store,
            period: &period,
            kind,
            category: category.as_deref(),
            source: source.as_deref(),
            window,
            top,
            format,
            cluster: &cluster,
        })),
        Command::NearRepeat {
            store,
            period,
            category,
            source,
            space_bands,
            time_bands,
            metric,
            permutations,
            seed,
            format,
        } => commands::block_on(repeats::near_repeat_command(repeats::NearRepeatArgs {
            store: &store,
            period: &period,
            category: category.as_deref(),
            source: source.as_deref(),
            space_bands: &space_bands,
            time_bands: &time_bands,
            metric: &metric,
            permutations,
            seed,
            format,
        })),
        Command::Reoffending { store, cohort, format } => {
            commands::block_on(repeats::reoffending_command(&store, &cohort, format))
        }
        Command::Query {
            action: QueryAction::List { queries, format },
        } => analysis::query_list(queries.as_deref(), format),
        Command::Query {
            action:
                QueryAction::Run {
                    store,
                    period,
                    compare,
                    params,
                    queries,
                    format,
                    names,
                },
        } => commands::block_on(analysis::query_run(analysis::QueryRunArgs {
            store: &store,
            names: &names,
            period: period.as_deref(),
            compare: &compare,
            params: &params,
            queries: queries.as_deref(),
            format,
        })),
        Command::Population {
            action:
                PopulationAction::Add {
                    store,
                    level,
                    code_field,
                    population_field,
                    name_field,
                    file,
                },
        } => analysis::population_add(
            &store,
            &file,
            &level,
            crimescope_ingest::population::PopulationColumns {
                code: code_field,
                population: population_field,
                name: name_field,
            },
        ),
        Command::Sql {
            store,
            format,
            query,
            cluster,
        } => commands::block_on(commands::sql(&store, &query, format, &cluster)),
        Command::Scheduler(args) => cluster::block_on_server(cluster::scheduler(args)),
        Command::Executor(args) => cluster::block_on_server(cluster::executor(args)),
    }
}
