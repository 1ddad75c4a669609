//! `crimescope repeats`, `near-repeat` and `reoffending`.

use std::io::Write;
use std::path::Path;

use clap::ValueEnum;
use crimescope_engine::Session;
use crimescope_engine::near_repeat::{NearRepeatRequest, near_repeat};
use crimescope_engine::reoffending::reoffending;
use crimescope_engine::repeats::{RepeatKind, RepeatRequest, TIME_TO_NEXT_BINS, location_repeats, people_repeats};
use crimescope_model::{Period, Source};
use crimescope_spatial::Metric;
use serde_json::{Value, json};

use crate::error::CliError;
use crate::output::Format;

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
pub struct RepeatArgs<'a> {
    /// The store.
    pub store: &'a Path,
    /// `--period`.
    pub period: &'a str,
    /// `--kind`.
    pub kind: Kind,
    /// `--category`.
    pub category: Option<&'a str>,
    /// `--source`.
    pub source: Option<&'a str>,
    /// `--window`.
    pub window: i64,
    /// `--top`.
    pub top: usize,
    /// `--format`.
    pub format: Format,
    /// `--cluster`: where the query plans run.
    pub cluster: &'a crate::cluster::ClusterOpt,
}

fn print(
    value: &Value,
    format: Format,
    table: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{value}").map_err(CliError::io),
        _ => table(&mut out).map_err(CliError::io),
    }
}

/// `crimescope repeats`.
pub async fn repeats(args: RepeatArgs<'_>) -> Result<(), CliError> {
    let mut request = RepeatRequest::new(args.period.parse::<Period>().map_err(CliError::user)?);
    request.category = args.category.map(str::to_string);
    request.source = args.source.map(Source::lookup).transpose().map_err(CliError::user)?;
    request.window_days = args.window;
    request.top = args.top;
    let session = crate::cluster::open_session(args.store, args.cluster).await?;
    if args.kind == Kind::Location {
        let r = location_repeats(&session, &request).await?;
        for n in &r.notes {
            eprintln!("note: {n}");
        }
        let value = json!({
            "locations": r.locations, "repeat_locations": r.repeat_locations,
            "incidents_located": r.incidents_located, "incidents_at_repeat_locations": r.incidents_at_repeat_locations,
            "share_of_incidents_at_repeat_locations": share(r.incidents_at_repeat_locations, r.incidents_located),
            "multi_source_locations": r.multi_source_locations,
            "top": r.top.iter().map(|t| json!({"place": t.0, "location": t.1, "incidents": t.2, "police": t.3, "asb": t.4, "fire": t.5})).collect::<Vec<_>>(),
            "notes": r.notes,
        });
        return print(&value, args.format, |out| {
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
    let r = people_repeats(&session, &request, kind).await?;
    let value = json!({
        "role": r.role, "people": r.people, "incidents": r.incidents, "concentration": r.concentration,
        "repeat_people": r.repeat_people, "share_of_people_repeat": share(r.repeat_people, r.people),
        "repeat_incidents": r.repeat_incidents, "share_of_incidents_repeat": share(r.repeat_incidents, r.incidents),
        "window_days": request.window_days,
        "frequency": {"1": r.frequency[0], "2": r.frequency[1], "3": r.frequency[2], "4+": r.frequency[3]},
        "days_to_next": TIME_TO_NEXT_BINS.iter().zip(r.time_to_next).map(|(b, n)| (b.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "residents": r.residents,
        "prevalence_per_1000": r.residents.map(|p| 1000.0 * r.people as f64 / p as f64),
        "incidence_per_1000": r.residents.map(|p| 1000.0 * r.incidents as f64 / p as f64),
        "power_few": r.power_few.iter().map(|p| json!({"top_share_of_offenders": p.0, "share_of_offences": p.1, "share_of_harm": p.2})).collect::<Vec<_>>(),
        "top": r.top.iter().map(|t| json!({"person_key": t.0, "incidents": t.1, "harm": t.2})).collect::<Vec<_>>(),
    });
    print(&value, args.format, |out| {
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
pub struct NearRepeatArgs<'a> {
    /// The store.
    pub store: &'a Path,
    /// `--period`.
    pub period: &'a str,
    /// `--category`.
    pub category: Option<&'a str>,
    /// `--source`.
    pub source: Option<&'a str>,
    /// `--space-bands`.
    pub space_bands: &'a str,
    /// `--time-bands`.
    pub time_bands: &'a str,
    /// `--metric`.
    pub metric: &'a str,
    /// `--permutations`.
    pub permutations: usize,
    /// `--seed`.
    pub seed: u64,
    /// `--format`.
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
pub async fn near_repeat_command(args: NearRepeatArgs<'_>) -> Result<(), CliError> {
    let mut request = NearRepeatRequest::new(args.period.parse::<Period>().map_err(CliError::user)?);
    request.category = args.category.map(str::to_string);
    request.source = args.source.map(Source::lookup).transpose().map_err(CliError::user)?;
    request.space_bands = parse_list("--space-bands", args.space_bands)?;
    request.time_bands = parse_list("--time-bands", args.time_bands)?;
    request.metric = match args.metric {
        "euclidean" => Metric::Euclidean,
        "manhattan" => Metric::Manhattan,
        other => {
            return Err(CliError::user(format!(
                "--metric '{other}': use euclidean or manhattan"
            )));
        }
    };
    request.permutations = args.permutations;
    request.seed = args.seed;
    let session = Session::open(args.store).await?;
    let t = near_repeat(&session, &request).await?;
    let label = |edges: Vec<String>| -> Vec<String> {
        (0..edges.len())
            .map(|k| match edges.get(k + 1) {
                Some(next) => format!("[{}, {})", edges[k], next),
                None => format!("[{}, inf)", edges[k]),
            })
            .collect()
    };
    let space = label(t.space_bands.iter().map(|v| v.to_string()).collect());
    let time = label(t.time_bands.iter().map(|v| v.to_string()).collect());
    let nan_null = |v: f64| if v.is_nan() { Value::Null } else { json!(v) };
    let grid = |rows: &Vec<Vec<f64>>| -> Vec<Vec<Value>> {
        rows.iter().map(|r| r.iter().map(|&v| nan_null(v)).collect()).collect()
    };
    let value = json!({
        "n": t.n, "space_bands": space, "time_bands": time, "metric": args.metric,
        "permutations": t.permutations, "seed": t.seed, "close_pairs": t.close_pairs,
        "observed": t.observed, "expected": grid(&t.expected), "knox_ratio": grid(&t.knox_ratio), "p": grid(&t.p),
    });
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{value}").map_err(CliError::io),
        Format::Csv => {
            writeln!(out, "space_band,time_band,observed,expected,knox_ratio,p").map_err(CliError::io)?;
            for (s, sb) in space.iter().enumerate() {
                for (k, tb) in time.iter().enumerate() {
                    writeln!(
                        out,
                        "\"{sb}\",\"{tb}\",{},{},{},{}",
                        t.observed[s][k], t.expected[s][k], t.knox_ratio[s][k], t.p[s][k]
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
                 observed pairs, Knox ratio (observed / mean simulated) and p = (#sim ≥ obs + 1)/(perms + 1). * p < 0.05",
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
                        if t.p[s][k] < 0.05 { "*" } else { " " }
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
pub async fn reoffending_command(store: &Path, cohort: &str, format: Format) -> Result<(), CliError> {
    let cohort: Period = cohort.parse().map_err(CliError::user)?;
    let session = Session::open(store).await?;
    let r = reoffending(&session, cohort).await?;
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|(breakdown, row)| {
            json!({"breakdown": breakdown, "group": row.group, "offenders": row.offenders, "reoffenders": row.reoffenders,
                   "rate": row.rate, "reoffences": row.reoffences, "reoffences_per_reoffender": row.per_reoffender,
                   "median_days_to_first": row.median_days_to_first})
        })
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", Value::Array(rows)).map_err(CliError::io),
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
