//! Section 5: monthly series of crime and of ASB, with the rolling 12-month total,
//! control charts, seasonality and Mann–Kendall.

use std::collections::BTreeMap;

use crimescope_engine::series::{Exposure, SeriesRequest, trend_series};
use crimescope_engine::trend::TrendGroup;
use crimescope_model::{Month, Period, Source};
use crimescope_report::document::{Figure, Section};
use crimescope_report::prose::count_of;
use crimescope_report::svg;
use crimescope_report::table::{ColumnKind, Table};
use crimescope_stats::ChartKind;
use serde_json::{Value, json};

use super::overview::OVERVIEW_SOURCES;
use super::{Produced, RunContext, SectionOutput};
use crate::error::{AssessError, Result};
use crate::format::round;

/// The `months` months ending at `last`.
pub(crate) fn months_ending(last: Month, months: u32) -> Result<Period> {
    let index = last.year() * 12 + last.month() as i32 - 1 - (months as i32 - 1);
    let out_of_range = || {
        AssessError::Engine(crimescope_engine::EngineError::Unanswerable(format!(
            "{months} months before {last} is out of range"
        )))
    };
    let first = Month::new(index.div_euclid(12), index.rem_euclid(12) as u32 + 1).ok_or_else(out_of_range)?;
    Period::new(first, last).map_err(|_| out_of_range())
}

/// Section 5: monthly series of crime and of ASB over `trend_months`, with the rolling
/// 12-month total, the control chart, seasonality and Mann–Kendall.
pub(crate) async fn trends(ctx: &RunContext) -> Result<SectionOutput> {
    let c = &ctx.config;
    let mut s = Section::new("trends", "Trends");
    let span = months_ending(c.period.last(), c.trend_months)?;
    let mut monthly_totals: BTreeMap<Month, u64> = BTreeMap::new();
    for source in OVERVIEW_SOURCES.iter().filter(|s| ctx.sources.contains(s)) {
        let request = SeriesRequest {
            trend: ctx.trend_request(TrendGroup::Source, Some(*source)),
            span: Some(span),
            exposure: Exposure::None,
        };
        let series = match trend_series(&ctx.session, &request).await {
            Ok(series) => series,
            Err(e) if e.is_unanswerable() => {
                s.para(format!("No {} series: {e}", source.name()));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let Some(g) = series.groups.first() else {
            continue;
        };
        let label = if *source == Source::Police { "Crime" } else { "ASB" };
        s.paragraphs
            .extend(series.warnings.iter().map(|w| format!("{label}: {w}")));
        for (m, n) in g.months.iter().zip(&g.counts) {
            *monthly_totals.entry(*m).or_default() += n;
        }
        let months: Vec<String> = g.months.iter().map(|m| m.to_string()).collect();
        let exceed = g.chart.exceedances();
        let mk = &g.mann_kendall;
        s.para(format!(
            "{label}, {} to {} ({} months): {} outside the control limits of a {}, because {}; Mann–Kendall \
             S = {}, z = {:.2}, p = {:.3}, Kendall's τ = {:.2}, {}.",
            months.first().cloned().unwrap_or_default(),
            months.last().cloned().unwrap_or_default(),
            months.len(),
            count_of(exceed.len() as u64, "month", "months"),
            chart_title(g.chart_kind),
            g.chart_reason,
            mk.s,
            mk.z,
            mk.p,
            mk.tau,
            if mk.p < 0.05 {
                if mk.s > 0 {
                    "a significant upward trend"
                } else {
                    "a significant downward trend"
                }
            } else {
                "no significant monotonic trend"
            }
        ));
        let counts: Vec<Option<f64>> = g.counts.iter().map(|&n| Some(n as f64)).collect();
        let line = |name: &str, values: Vec<Option<f64>>, dashed: bool, secondary: bool| svg::LineSeries {
            name: name.to_string(),
            values,
            dashed,
            secondary_axis: secondary,
        };
        s.figures.push(Figure {
            id: format!("trend-{}", source.name()),
            title: format!("{label}: monthly incidents and the rolling 12-month total"),
            svg: svg::line_chart(&svg::LineChart {
                title: format!("{label} per month"),
                x_labels: months.clone(),
                series: vec![
                    line("Incidents per month", counts, false, false),
                    line(
                        "Upper control limit",
                        g.chart.points.iter().map(|p| Some(p.upper)).collect(),
                        true,
                        false,
                    ),
                    line(
                        "Lower control limit",
                        g.chart.points.iter().map(|p| Some(p.lower)).collect(),
                        true,
                        false,
                    ),
                    line(
                        "Rolling 12-month total (right axis)",
                        g.rolling_12.iter().map(|v| v.map(|n| n as f64)).collect(),
                        false,
                        true,
                    ),
                ],
                markers: exceed.clone(),
                marker_label: "Outside control limits".into(),
                y_label: "Incidents per month".into(),
                y2_label: Some("Rolling 12-month total".into()),
            }),
            caption: format!(
                "Phase I {} limits over the whole span; circled months lie outside them. {}",
                chart_title(g.chart_kind),
                match g.chart_kind {
                    ChartKind::Poisson => "The c-chart is Montgomery's (2009, §7.3).",
                    ChartKind::LaneyPrime => {
                        "Laney (2002), Quality Engineering 14(4):531–537: Poisson limits widened by σ_z, the \
                         moving-range spread of the standardised months."
                    }
                }
            ),
        });
        let mut monthly = Table::with_columns(
            &format!("trend-{}-monthly", source.name()),
            &format!("{label} per month"),
            &[
                ("month", "Month", ColumnKind::Text),
                ("incidents", "Incidents", ColumnKind::Count),
                ("rolling_12", "Rolling 12-month total", ColumnKind::Derived),
                ("lower", "Lower limit", ColumnKind::Measure),
                ("upper", "Upper limit", ColumnKind::Measure),
                ("outside", "Outside limits", ColumnKind::Derived),
            ],
        );
        for (i, m) in months.iter().enumerate() {
            let p = &g.chart.points[i];
            monthly.push(vec![
                json!(m),
                json!(g.counts[i]),
                g.rolling_12[i].map_or(Value::Null, |v| json!(v)),
                round(p.lower, 1),
                round(p.upper, 1),
                json!(if p.above {
                    "above"
                } else if p.below {
                    "below"
                } else {
                    ""
                }),
            ]);
        }
        s.tables.push(monthly.in_appendix());
        match g.seasonal_index {
            Some(index) => {
                let mut t = Table::with_columns(
                    &format!("trend-{}-seasonal", source.name()),
                    &format!("{label}: seasonal index by calendar month (1 = an average month)"),
                    &[
                        ("month", "Month", ColumnKind::Text),
                        ("index", "Seasonal index", ColumnKind::Measure),
                    ],
                );
                for (m, v) in MONTH_NAMES.iter().zip(index) {
                    t.push(vec![json!(m), round(v, 3)]);
                }
                s.tables.push(t.in_appendix());
            }
            None => {
                s.para(format!(
                    "{label}: seasonality needs at least 24 months of data; the series has {}.",
                    months.len()
                ));
            }
        }
    }
    if s.tables.is_empty() {
        let reason = if s.paragraphs.is_empty() {
            "the store holds no police or ASB incidents for the configured sources".to_string()
        } else {
            s.paragraphs.join(" ")
        };
        return Ok(SectionOutput::only(Section::not_produced("trends", "Trends", reason)));
    }
    Ok(SectionOutput {
        section: s,
        produced: Produced::Trends(monthly_totals),
    })
}

/// Calendar month names, January first.
pub(crate) const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The chart's name in the document.
fn chart_title(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Poisson => "c-chart",
        ChartKind::LaneyPrime => "Laney c′ chart",
    }
}
