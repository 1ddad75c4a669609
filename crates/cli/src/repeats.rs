//! `crimescope repeats`, `near-repeat` and `reoffending`.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use crimescope_engine::Session;
use crimescope_engine::near_repeat::{DEFAULT_MIN_KNOX_RATIO, NearRepeatRequest, near_repeat as run_near_repeat};
use crimescope_engine::quality::{PersonKeyPolicy, screen_person_keys};
use crimescope_engine::reoffending::reoffending as run_reoffending;
use crimescope_engine::repeats::{RepeatKind, RepeatRequest, TIME_TO_NEXT_BINS, location_repeats, people_repeats};
use crimescope_model::{Period, Source};

use crate::error::CliError;
use crate::options::MetricArg;
use crate::output::{Format, write_json};

/// What `repeats` analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Repeat victims (needs person keys).
    Victim,
    /// Repeat offenders and the power few (needs person keys).
    Offender,
    /// Repeat locations.
    Location,
}

/// The options of `crimescope repeats`.
#[derive(Debug, clap::Args)]
pub struct RepeatsArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The period: 2025-01..2025-12, a month, or a financial year such as 2024/25.
    #[arg(long, value_parser = crate::options::period)]
    pub period: Period,
    /// What repeats.
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// Only this category, by name or slug.
    #[arg(long)]
    pub category: Option<String>,
    /// Only this source: police, asb or fire.
    #[arg(long, value_parser = crate::options::source)]
    pub source: Option<Source>,
    /// A repeat is a later incident within this many days of the previous one.
    #[arg(long, default_value_t = 365)]
    pub window: i64,
    /// How many top people or places to list.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// table, csv or json (json is one object).
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Victims and offenders: flag person keys with more incidents than this in the
    /// period (default: max(50, 10 × the 99.9th percentile of keys)).
    #[arg(long)]
    pub max_incidents_per_person: Option<u64>,
    /// Victims and offenders: keep flagged keys (a placeholder such as UNKNOWN) in the
    /// figures instead of leaving them out.
    #[arg(long)]
    pub keep_implausible_keys: bool,
    /// Which incidents count.
    #[command(flatten)]
    pub selection: crate::options::SelectionOpt,
    /// Where the queries run.
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterOpt,
}

fn print<T: serde::Serialize>(
    value: &T,
    format: Format,
    table: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => write_json(&mut out, value),
        _ => table(&mut out).map_err(CliError::io),
    }
}

/// `crimescope repeats`.
pub async fn repeats(args: &RepeatsArgs) -> Result<(), CliError> {
    let mut request = RepeatRequest::new(args.period);
    request.category = args.category.clone();
    request.source = args.source;
    request.window_days = args.window;
    request.top = args.top;
    let options = args.selection.session_options()?;
    let session = crate::cluster::open_session_until_exit(&args.store, &args.cluster, &options).await?;
    if args.kind == Kind::Location {
        let r = location_repeats(&session, &request).await?;
        for n in &r.notes {
            crate::terminal::note(n);
        }
        return print(&r, args.format, |out| {
            writeln!(
                out,
                "{} places; {} repeat places (2+ incidents) hold {} of {} located incidents ({:.1}%); {} places are shared by more than one source",
                r.locations,
                r.repeat_locations,
                r.incidents_at_repeat_locations,
                r.incidents_located,
                100.0 * share(r.incidents_at_repeat_locations, r.incidents_located),
                r.multi_source_locations
            )?;
            writeln!(out, "place,location,incidents,police,asb,fire")?;
            for t in &r.top {
                writeln!(
                    out,
                    "\"{}\",\"{}\",{},{},{},{}",
                    t.0,
                    t.1.replace('"', "'"),
                    t.2,
                    t.3,
                    t.4,
                    t.5
                )?;
            }
            Ok(())
        });
    }
    let kind = if args.kind == Kind::Victim {
        RepeatKind::Victim
    } else {
        RepeatKind::Offender
    };
    let policy = PersonKeyPolicy {
        max_incidents: args.max_incidents_per_person,
        keep: args.keep_implausible_keys,
    };
    let screen = screen_person_keys(&session, args.period, policy).await?;
    let role = if kind == RepeatKind::Victim {
        "victim"
    } else {
        "offender"
    };
    request.exclude_keys = screen.excluded(role);
    let r = people_repeats(&session, &request, kind).await?;
    if !r.excluded.is_empty() {
        crate::terminal::note(&format!(
            "left out {} {role} key(s) with implausibly many incidents ({} incidents under these filters; over {} \
             in the period); --keep-implausible-keys keeps them",
            r.excluded.len(),
            r.excluded.iter().map(|e| e.1).sum::<u64>(),
            screen.roles.iter().find(|x| x.role == role).map_or(0, |x| x.threshold)
        ));
    } else if screen.kept && screen.flagged.iter().any(|f| f.role == role) {
        crate::terminal::note(&format!(
            "implausible {role} keys are kept in these figures (--keep-implausible-keys)"
        ));
    }
    print(&r, args.format, |out| {
        writeln!(
            out,
            "{} {}s (prevalence) linked to {} incidents (incidence): {:.2} per {} (concentration). {} {}s ({:.1}%) had \
             a repeat within {} days; {} incidents ({:.1}%) were repeats.",
            r.people,
            r.role,
            r.incidents,
            r.concentration,
            r.role,
            r.repeat_people,
            r.role,
            100.0 * share(r.repeat_people, r.people),
            request.window_days,
            r.repeat_incidents,
            100.0 * share(r.repeat_incidents, r.incidents)
        )?;
        writeln!(
            out,
            "incidents per {}: 1: {}, 2: {}, 3: {}, 4+: {}",
            r.role, r.frequency[0], r.frequency[1], r.frequency[2], r.frequency[3]
        )?;
        let bins: Vec<String> = TIME_TO_NEXT_BINS
            .iter()
            .zip(r.time_to_next)
            .map(|(b, n)| format!("{b}: {n}"))
            .collect();
        writeln!(out, "days to the next incident: {}", bins.join(", "))?;
        for p in &r.power_few {
            writeln!(
                out,
                "the top {:.0}% of offenders committed {:.1}% of offences and {:.1}% of harm",
                100.0 * p.0,
                100.0 * p.1,
                100.0 * p.2
            )?;
        }
        writeln!(out, "top {} (pseudonymised keys):", r.top.len())?;
        for t in &r.top {
            writeln!(out, "  {} {} incidents, harm {:.0}", t.0, t.1, t.2)?;
        }
        Ok(())
    })
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The options of `crimescope near-repeat`.
#[derive(Debug, clap::Args)]
pub struct NearRepeatArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The period: 2025-01..2025-12, a month, or a financial year such as 2024/25.
    #[arg(long, value_parser = crate::options::period)]
    pub period: Period,
    /// Only this category, e.g. Burglary.
    #[arg(long)]
    pub category: Option<String>,
    /// Only this source.
    #[arg(long, value_parser = crate::options::source)]
    pub source: Option<Source>,
    /// Distance band edges in metres; bands are [a, b) and the last is open.
    #[arg(long, default_value = "0,100,200,300,400")]
    pub space_bands: String,
    /// Time band edges in days; bands are [a, b) and the last is open.
    #[arg(long, default_value = "0,7,14,21,28")]
    pub time_bands: String,
    /// The distance between events.
    #[arg(long, value_enum, default_value = "euclidean")]
    pub metric: MetricArg,
    /// Permutations of the dates over the locations.
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// The seed: the same seed gives the same table on any number of threads.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// table, csv or json (json is one object).
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Victims and offenders: flag person keys with more incidents than this in the
    /// period (default: max(50, 10 × the 99.9th percentile of keys)).
    #[arg(long)]
    pub max_incidents_per_person: Option<u64>,
    /// Victims and offenders: keep flagged keys (a placeholder such as UNKNOWN) in the
    /// figures instead of leaving them out.
    #[arg(long)]
    pub keep_implausible_keys: bool,
    /// Which incidents count.
    #[command(flatten)]
    pub selection: crate::options::SelectionOpt,
}

/// The options of `crimescope reoffending`.
#[derive(Debug, clap::Args)]
pub struct ReoffendingArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The cohort, by cohort start: 2024-01..2024-12.
    #[arg(long, value_parser = crate::options::period)]
    pub cohort: Period,
    /// table, csv or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

fn parse_list<T: std::str::FromStr>(flag: &str, text: &str) -> Result<Vec<T>, CliError> {
    text.split(',')
        .map(|v| v.trim().parse::<T>())
        .collect::<Result<Vec<T>, _>>()
        .map_err(|_| {
            CliError::user(format!(
                "{flag} '{text}': write comma-separated numbers, e.g. 0,100,200"
            ))
        })
}

/// `crimescope near-repeat`.
pub async fn near_repeat(args: &NearRepeatArgs) -> Result<(), CliError> {
    let mut request = NearRepeatRequest::new(args.period);
    request.category = args.category.clone();
    request.source = args.source;
    request.space_bands = parse_list("--space-bands", &args.space_bands)?;
    request.time_bands = parse_list("--time-bands", &args.time_bands)?;
    request.metric = args.metric.into();
    request.permutations = args.permutations;
    request.seed = args.seed;
    let session = Session::open_with(&args.store, &args.selection.session_options()?).await?;
    let t = run_near_repeat(&session, &request).await?;
    let (space, time) = (t.space_labels(), t.time_labels());
    let q = t.p_fdr();
    let patterns = t.patterns(DEFAULT_MIN_KNOX_RATIO);
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => write_json(&mut out, &t),
        Format::Csv => {
            writeln!(out, "space_band,time_band,observed,expected,knox_ratio,p,p_fdr").map_err(CliError::io)?;
            for (s, sb) in space.iter().enumerate() {
                for (k, tb) in time.iter().enumerate() {
                    writeln!(
                        out,
                        "\"{sb}\",\"{tb}\",{},{},{},{},{}",
                        t.observed[s][k], t.expected[s][k], t.knox_ratio[s][k], t.p[s][k], q[s][k]
                    )
                    .map_err(CliError::io)?;
                }
            }
            Ok(())
        }
        Format::Table => {
            writeln!(
                out,
                "Knox test: {} events, {} permutations (seed {}); rows are distance bands (m), columns days apart; each cell: \
                 observed pairs, Knox ratio (observed / mean simulated) and p = (#sim ≥ obs + 1)/(perms + 1). * a \
                 near-repeat pattern: p adjusted across the cells (Benjamini-Hochberg) < 0.05 and ratio >= {DEFAULT_MIN_KNOX_RATIO}",
                t.n, t.permutations, t.seed
            )
            .map_err(CliError::io)?;
            write!(out, "{:>14}", "").map_err(CliError::io)?;
            for tb in &time {
                write!(out, " {tb:>22}").map_err(CliError::io)?;
            }
            writeln!(out).map_err(CliError::io)?;
            for (s, sb) in space.iter().enumerate() {
                write!(out, "{sb:>14}").map_err(CliError::io)?;
                for k in 0..time.len() {
                    let cell = format!(
                        "{} {:.2} p={:.3}{}",
                        t.observed[s][k],
                        t.knox_ratio[s][k],
                        t.p[s][k],
                        if patterns.iter().any(|p| p.space_band == s && p.time_band == k) {
                            "*"
                        } else {
                            " "
                        }
                    );
                    write!(out, " {cell:>22}").map_err(CliError::io)?;
                }
                writeln!(out).map_err(CliError::io)?;
            }
            Ok(())
        }
    }
}

/// `crimescope reoffending`.
pub async fn reoffending(args: &ReoffendingArgs) -> Result<(), CliError> {
    let (cohort, format) = (args.cohort, args.format);
    let session = Session::open(&args.store).await?;
    let r = run_reoffending(&session, cohort).await?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => write_json(&mut out, &r),
        _ => {
            if format == Format::Table {
                writeln!(
                    out,
                    "Proven re-offending, cohort {}: a re-offence committed within 12 months of the cohort start and proven \
                     within a further 6 (MoJ).",
                    r.cohort
                )
                .map_err(CliError::io)?;
            }
            writeln!(
                out,
                "breakdown,group,offenders,reoffenders,rate,reoffences,reoffences_per_reoffender,median_days_to_first"
            )
            .map_err(CliError::io)?;
            for (b, row) in &r.rows {
                writeln!(
                    out,
                    "{b},{},{},{},{:.4},{},{:.3},{}",
                    row.group,
                    row.offenders,
                    row.reoffenders,
                    row.rate,
                    row.reoffences,
                    row.per_reoffender,
                    row.median_days_to_first.map_or(String::new(), |d| d.to_string())
                )
                .map_err(CliError::io)?;
            }
            Ok(())
        }
    }
}
