//! The analysis commands: `trend`, `query list`, `query run`, and `population add`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use comfy_table::{Cell, Table, presets::UTF8_FULL_CONDENSED};
use crimescope_engine::Session;
use crimescope_engine::queries::{QueryCatalog, QueryDef, QueryOrigin};
use crimescope_engine::series::{Exposure, SeriesRequest, TrendSeries, trend_series};
use crimescope_engine::trend::{TrendGroup, TrendRequest, trend};
use crimescope_model::{Period, Source};

use crate::error::CliError;
use crate::output::{Format, json_rows, write_batches};

/// The options shared by `trend` and `trend --series`.
pub struct TrendArgs<'a> {
    /// The store.
    pub store: &'a Path,
    /// `--period`.
    pub period: &'a str,
    /// `--compare` (`previous` or a period).
    pub compare: &'a str,
    /// `--by`.
    pub by: &'a str,
    /// `--source`.
    pub source: Option<&'a str>,
    /// `--category`.
    pub category: Option<&'a str>,
    /// `--series`.
    pub series: bool,
    /// `--exposure`.
    pub exposure: &'a str,
    /// `--format`.
    pub format: Format,
    /// `--cluster`: where the query plans run.
    pub cluster: &'a crate::cluster::ClusterOpt,
}

fn parse_periods(period: &str, compare: &str) -> Result<(Period, Option<Period>), CliError> {
    let period: Period = period.parse().map_err(CliError::user)?;
    let compare = if compare.eq_ignore_ascii_case("previous") {
        None
    } else {
        Some(compare.parse::<Period>().map_err(CliError::user)?)
    };
    Ok((period, compare))
}

/// `crimescope trend`.
pub async fn trend_command(args: TrendArgs<'_>) -> Result<(), CliError> {
    let (period, compare) = parse_periods(args.period, args.compare)?;
    let request = TrendRequest {
        period,
        compare,
        by: args.by.parse::<TrendGroup>()?,
        source: args.source.map(Source::lookup).transpose().map_err(CliError::user)?,
        category: args.category.map(str::to_string),
    };
    let session = crate::cluster::open_session(args.store, args.cluster).await?;
    if args.series {
        let exposure = match args.exposure {
            "none" => Exposure::None,
            "days" => Exposure::DaysInMonth,
            other => return Err(CliError::user(format!("--exposure '{other}': use none or days"))),
        };
        let series = trend_series(
            &session,
            &SeriesRequest {
                trend: request,
                span: None,
                exposure,
            },
        )
        .await?;
        return print_series(&series, args.format);
    }
    let table = trend(&session, &request).await?;
    for w in &table.warnings {
        eprintln!("note: {w}");
    }
    let mut out = std::io::stdout().lock();
    if args.format == Format::Table {
        writeln!(
            out,
            "Trend by {}: {} against {}{}. z is Wheeler's Poisson z = 2(√current − √previous); |z| ≥ 1.96 is \
             significant. Rates are per 1,000 residents.",
            table.by,
            table.period,
            table.compare,
            table
                .category
                .as_ref()
                .map(|c| format!(", {c} only"))
                .unwrap_or_default()
        )
        .map_err(CliError::io)?;
        if table.rows() == 0 {
            writeln!(out, "No incidents match in either period.").map_err(CliError::io)?;
            return Ok(());
        }
    }
    write_batches(&mut out, &table.batches, args.format)
}

fn print_series(series: &TrendSeries, format: Format) -> Result<(), CliError> {
    for w in &series.warnings {
        eprintln!("note: {w}");
    }
    let mut out = std::io::stdout().lock();
    match format {
        Format::Csv => write_batches(&mut out, &[series.to_record_batch()?], Format::Csv),
        Format::Json => {
            let value = series_json(series)?;
            writeln!(out, "{value}").map_err(CliError::io)
        }
        Format::Table => {
            writeln!(
                out,
                "Monthly series by {}, {} ({} groups). Mann–Kendall over the months; control limits are \
                 Phase I limits over the span ({}).",
                series.request.trend.by,
                series.span,
                series.groups.len(),
                match series.request.exposure {
                    Exposure::None => "c-chart of counts",
                    Exposure::DaysInMonth => "u-chart of incidents per day",
                }
            )
            .map_err(CliError::io)?;
            write_batches(&mut out, &[series.summary_batch()?], Format::Table)?;
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            let mut header = vec!["group".to_string()];
            header.extend(MONTHS.iter().map(|m| m.to_string()));
            table.set_header(header);
            for g in &series.groups {
                let mut row = vec![Cell::new(&g.group)];
                match g.seasonal_index {
                    Some(idx) => row.extend(idx.iter().map(|v| Cell::new(format!("{v:.2}")))),
                    None => row.push(Cell::new("needs 24 months")),
                }
                table.add_row(row);
            }
            writeln!(out, "Seasonal index (1.00 = the trend level):\n{table}").map_err(CliError::io)?;
            for g in &series.groups {
                let flagged: Vec<String> = g
                    .chart
                    .exceedances()
                    .into_iter()
                    .map(|i| {
                        format!(
                            "{} {} ({} limits {:.1}–{:.1})",
                            g.months[i],
                            if g.chart.points[i].above { "above" } else { "below" },
                            g.counts[i],
                            g.chart.points[i].lower,
                            g.chart.points[i].upper
                        )
                    })
                    .collect();
                if !flagged.is_empty() {
                    writeln!(out, "{}: outside control limits: {}", g.group, flagged.join("; "))
                        .map_err(CliError::io)?;
                }
            }
            let p = &series.time_profile;
            match &p.reason {
                Some(reason) => writeln!(out, "Day-of-week × hour profile: {reason}.").map_err(CliError::io),
                None => {
                    let mut t = Table::new();
                    t.load_preset(UTF8_FULL_CONDENSED);
                    let mut header = vec!["day".to_string()];
                    header.extend((0..24).map(|h| format!("{h:02}")));
                    t.set_header(header);
                    for (d, name) in DAYS.iter().enumerate() {
                        let mut row = vec![Cell::new(name)];
                        row.extend(p.cells[d].iter().map(Cell::new));
                        t.add_row(row);
                    }
                    writeln!(
                        out,
                        "Day-of-week × hour profile ({} incidents with times):\n{t}",
                        p.incidents
                    )
                    .map_err(CliError::io)
                }
            }
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn series_json(series: &TrendSeries) -> Result<serde_json::Value, CliError> {
    use serde_json::json;
    let groups: Vec<serde_json::Value> = series
        .groups
        .iter()
        .map(|g| {
            let mk = g.mann_kendall;
            json!({
                "group": g.group,
                "incidents": g.counts.iter().sum::<u64>(),
                "mann_kendall": {"n": mk.n, "s": mk.s, "var_s": mk.var_s, "z": mk.z, "p": mk.p, "tau": mk.tau,
                                 "trend": mk.direction.as_str()},
                "seasonal_index": g.seasonal_index.map(|s| s.to_vec()),
                "months": g.months.iter().enumerate().map(|(i, m)| {
                    let p = g.chart.points[i];
                    json!({"month": m.to_string(), "incidents": g.counts[i], "harm": g.harm[i],
                           "rolling_12": g.rolling_12[i], "value": p.value, "centre": p.centre,
                           "lower": p.lower, "upper": p.upper, "above": p.above, "below": p.below})
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let p = &series.time_profile;
    Ok(json!({
        "span": series.span.to_string(),
        "by": series.request.trend.by.as_str(),
        "chart": match series.request.exposure { Exposure::None => "c", Exposure::DaysInMonth => "u-per-day" },
        "groups": groups,
        "time_profile": {"available": p.available, "reason": p.reason, "incidents": p.incidents,
                          "cells": p.available.then(|| p.cells.iter().map(|d| d.to_vec()).collect::<Vec<_>>())},
        "warnings": series.warnings,
    }))
}

fn catalog(queries: Option<&Path>) -> Result<QueryCatalog, CliError> {
    Ok(match queries {
        Some(dir) => QueryCatalog::with_dir(dir)?,
        None => QueryCatalog::builtin()?,
    })
}

/// `crimescope query list`.
pub fn query_list(queries: Option<&Path>, format: Format) -> Result<(), CliError> {
    let catalog = catalog(queries)?;
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let list: Vec<serde_json::Value> = catalog
            .queries()
            .iter()
            .map(|q| {
                serde_json::json!({
                    "name": q.name,
                    "description": q.description,
                    "origin": match &q.origin { QueryOrigin::BuiltIn => "built-in".to_string(),
                                                QueryOrigin::File(p) => p.display().to_string() },
                    "params": q.params.iter().map(|p| serde_json::json!({
                        "name": p.name, "type": p.kind.as_str(), "default": p.default, "description": p.description
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        return writeln!(out, "{}", serde_json::Value::Array(list)).map_err(CliError::io);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["query", "parameters", "what it computes"]);
    for q in catalog.queries() {
        let params: Vec<String> = q
            .params
            .iter()
            .map(|p| match &p.default {
                Some(d) => format!("{} {} = '{d}'", p.name, p.kind.as_str()),
                None => format!("{} {}", p.name, p.kind.as_str()),
            })
            .collect();
        let name = match &q.origin {
            QueryOrigin::BuiltIn => q.name.clone(),
            QueryOrigin::File(p) => format!("{}\n({})", q.name, p.display()),
        };
        table.add_row(vec![
            Cell::new(name),
            Cell::new(params.join("\n")),
            Cell::new(&q.description),
        ]);
    }
    writeln!(
        out,
        "{table}\n--period sets period_start/period_end; --compare sets compare_start/compare_end (default: the \
         previous period of the same length); --param name=value sets any other."
    )
    .map_err(CliError::io)
}

/// The options of `crimescope query run`.
pub struct QueryRunArgs<'a> {
    /// The store.
    pub store: &'a Path,
    /// The query names.
    pub names: &'a [String],
    /// `--period`.
    pub period: Option<&'a str>,
    /// `--compare`.
    pub compare: &'a str,
    /// `--param key=value`.
    pub params: &'a [String],
    /// `--queries DIR`.
    pub queries: Option<&'a Path>,
    /// `--format`.
    pub format: Format,
}

/// `crimescope query run`: the named queries, concurrently on one session.
pub async fn query_run(args: QueryRunArgs<'_>) -> Result<(), CliError> {
    let catalog = catalog(args.queries)?;
    let defs: Vec<&QueryDef> = args.names.iter().map(|n| catalog.get(n)).collect::<Result<_, _>>()?;
    let mut given: HashMap<String, String> = HashMap::new();
    for p in args.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| CliError::user(format!("--param '{p}': write it as name=value")))?;
        given.insert(k.trim().to_string(), v.to_string());
    }
    if let Some(period) = args.period {
        let (period, compare) = parse_periods(period, args.compare)?;
        let compare = compare.unwrap_or_else(|| period.previous());
        for (k, v) in [
            ("period_start", period.first()),
            ("period_end", period.last()),
            ("compare_start", compare.first()),
            ("compare_end", compare.last()),
        ] {
            given.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
    }
    let explicit: Vec<String> = args
        .params
        .iter()
        .filter_map(|p| p.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect();
    for k in &explicit {
        if !defs.iter().any(|q| q.params.iter().any(|p| &p.name == k)) {
            return Err(CliError::user(format!(
                "--param {k}: none of the queries ({}) takes a parameter of that name; `crimescope query list` \
                 shows their parameters",
                args.names.join(", ")
            )));
        }
    }
    let session = Session::open(args.store).await?;
    // Each query gets only the parameters it declares.
    let per_query: Vec<HashMap<String, String>> = defs
        .iter()
        .map(|q| {
            given
                .iter()
                .filter(|(k, _)| q.params.iter().any(|p| &p.name == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .collect();
    let results =
        futures::future::try_join_all(defs.iter().zip(&per_query).map(|(q, params)| session.run(q, params))).await?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json && defs.len() > 1 {
        let mut map = serde_json::Map::new();
        for (q, batches) in defs.iter().zip(&results) {
            map.insert(q.name.clone(), json_rows(batches)?);
        }
        return writeln!(out, "{}", serde_json::Value::Object(map)).map_err(CliError::io);
    }
    for (q, batches) in defs.iter().zip(&results) {
        if defs.len() > 1 {
            match args.format {
                Format::Csv => writeln!(out, "# {}", q.name),
                _ => writeln!(out, "{}:", q.name),
            }
            .map_err(CliError::io)?;
        }
        if batches.is_empty() && args.format != Format::Json {
            writeln!(out, "(no rows)").map_err(CliError::io)?;
            continue;
        }
        write_batches(&mut out, batches, args.format)?;
    }
    Ok(())
}

/// `crimescope population add`.
pub fn population_add(
    store: &Path,
    file: &Path,
    level: &str,
    columns: crimescope_ingest::population::PopulationColumns,
) -> Result<(), CliError> {
    let entry = crimescope_ingest::population::add_population(store, file, level, &columns)?;
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
