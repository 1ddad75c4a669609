//! `crimescope trend`: change between two periods by group, and monthly series.

use std::io::Write;
use std::path::PathBuf;

use comfy_table::{Cell, Table, presets::UTF8_FULL_CONDENSED};
use crimescope_engine::series::{Exposure, SeriesRequest, TrendSeries, trend_series};
use crimescope_engine::trend::{TrendRequest, trend as run_trend};
use crimescope_model::{Period, Source};

use crate::error::CliError;
use crate::options::{By, Compare, ExposureArg};
use crate::output::{Format, write_batches, write_json};

/// The options of `crimescope trend`.
#[derive(Debug, clap::Args)]
pub struct TrendArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The current period: 2025-01..2025-12, a month, or a financial year such as 2024/25.
    #[arg(long, value_parser = crate::options::period)]
    pub period: Period,
    /// `year-earlier` (the same months one year earlier, so that season does not pass for
    /// change), `previous` (the same length immediately before) or a period.
    #[arg(long, default_value = "year-earlier", value_parser = crate::options::compare)]
    pub compare: Compare,
    /// The grouping.
    #[arg(long, value_enum, default_value = "category")]
    pub by: By,
    /// Only this source: police, asb or fire.
    #[arg(long, value_parser = crate::options::source)]
    pub source: Option<Source>,
    /// Only this category, by name or slug.
    #[arg(long)]
    pub category: Option<String>,
    /// Monthly series from the comparison period's start to the period's end, with their statistics.
    #[arg(long)]
    pub series: bool,
    /// For --series: none (c-chart of counts) or days (u-chart of incidents per day).
    #[arg(long, value_enum, default_value = "none")]
    pub exposure: ExposureArg,
    /// table, csv or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Which incidents count.
    #[command(flatten)]
    pub selection: crate::options::SelectionOpt,
    /// Where the queries run.
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterOpt,
}

/// `crimescope trend`.
pub async fn trend(args: &TrendArgs) -> Result<(), CliError> {
    let request = TrendRequest {
        period: args.period,
        compare: Some(args.compare.period_for(args.period)),
        by: args.by.into(),
        source: args.source,
        category: args.category.clone(),
    };
    let options = args.selection.session_options()?;
    let session = crate::cluster::open_session_until_exit(&args.store, &args.cluster, &options).await?;
    if args.series {
        let series = trend_series(
            &session,
            &SeriesRequest {
                trend: request,
                span: None,
                exposure: args.exposure.into(),
            },
        )
        .await?;
        return print_series(&series, args.format);
    }
    let table = run_trend(&session, &request).await?;
    for w in &table.warnings {
        crate::terminal::note(w);
    }
    let mut out = std::io::stdout().lock();
    if args.format == Format::Table {
        writeln!(
            out,
            "Trend by {}: {} against {}{}. p is the Poisson E-test's, p_fdr adjusted across the rows \
             (Benjamini-Hochberg); significant means p_fdr < 0.05. z = √2(√current − √previous) is the size of the \
             change. Rates are per 1,000 residents.",
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
    if args.format == Format::Json {
        return write_json(&mut out, &rows_with_coverage(&table)?);
    }
    write_batches(&mut out, &table.batches, args.format)
}

/// The JSON rows, each with the coverage of both periods; where a period holds no data
/// at all, the change is not a measured change, so `pct_change`, `z`, `p`, `p_fdr` and
/// `significant` are null rather than a -100% "significant" fall.
fn rows_with_coverage(table: &crimescope_engine::trend::TrendTable) -> Result<Vec<serde_json::Value>, CliError> {
    let coverage = serde_json::to_value(table.coverage).map_err(CliError::internal)?;
    let statuses = serde_json::json!({
        "current": table.coverage.current.status(),
        "comparison": table.coverage.comparison.status(),
    });
    let rows = crimescope_engine::json_rows(&table.batches)?;
    Ok(rows
        .into_iter()
        .map(|mut r| {
            if !table.coverage.comparable() {
                for key in ["pct_change", "z", "p", "p_fdr", "significant"] {
                    r.insert(key.into(), serde_json::Value::Null);
                }
            }
            let mut c = coverage.clone();
            if let (Some(obj), Some(s)) = (c.as_object_mut(), statuses.as_object()) {
                obj.insert("status".into(), serde_json::Value::Object(s.clone()));
            }
            r.insert("coverage".into(), c);
            serde_json::Value::Object(r)
        })
        .collect())
}

fn print_series(series: &TrendSeries, format: Format) -> Result<(), CliError> {
    for w in &series.warnings {
        crate::terminal::note(w);
    }
    let mut out = std::io::stdout().lock();
    match format {
        Format::Csv => write_batches(&mut out, &[series.to_record_batch()?], Format::Csv),
        Format::Json => write_json(&mut out, series),
        Format::Table => {
            writeln!(
                out,
                "Monthly series by {}, {} ({} groups). Mann–Kendall over the months; control limits are \
                 Phase I limits over the span ({}): Poisson limits, or Laney's u′ where the months are \
                 overdispersed (column chart, with the dispersion ratio and σ_z).",
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
