//! Sections 4 and 5: the crime and ASB overview table, and the monthly trends.

use crimescope_model::{Month, Period, Source};
use crimescope_report::document::{Figure, Section};
use crimescope_report::svg;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::tables::{count, num, records, round, text, thousands};
use super::{Ctx, SectionOut};
use crate::error::{EngineError, Result};
use crate::series::{Exposure, SeriesRequest, trend_series};
use crate::trend::{TrendGroup, trend};

/// The sources of the overview table: crime and ASB.
const OVERVIEW_SOURCES: [Source; 2] = [Source::Police, Source::Asb];

/// Section 4: one row per category of crime and ASB with counts, change, Wheeler's z,
/// harm, the share of harm and the rate. The last row is the total.
pub(crate) async fn overview(ctx: &Ctx) -> Result<SectionOut> {
    let c = &ctx.config;
    let mut s = Section::new("overview", "Crime and anti-social behaviour overview");
    let mut t = Table::new(
        "overview",
        &format!("Crime and ASB by category, {} against {}", c.period, c.compare),
        vec![
            Column::new("source", "Source", ColumnKind::Text),
            Column::new("category", "Category", ColumnKind::Text),
            Column::new("current", "Current", ColumnKind::Count),
            Column::new("previous", "Previous", ColumnKind::Count),
            Column::new("change", "Change", ColumnKind::Derived),
            Column::new("pct_change", "Change (%)", ColumnKind::Derived),
            Column::new("z", "Wheeler z", ColumnKind::Derived),
            Column::new("significant", "Significant", ColumnKind::Derived),
            Column::new("harm", "Harm", ColumnKind::Derived),
            Column::new("harm_share", "Share of harm (%)", ColumnKind::Derived),
            Column::new("rate", "Per 1,000 residents", ColumnKind::Derived),
        ],
    );
    let mut rows = Vec::new();
    for source in OVERVIEW_SOURCES.iter().filter(|s| ctx.sources.contains(s)) {
        let request = ctx.trend_request(TrendGroup::Category, Some(*source));
        for r in records(&trend(&ctx.session, &request).await?.batches)? {
            let category = text(&r, "group");
            let current = count(&r, "current");
            let harm = match c.harm.weight(&category) {
                Some(w) => w * current as f64,
                None => num(&r, "harm_current").unwrap_or(0.0),
            };
            rows.push((
                source.name(),
                category,
                current,
                count(&r, "previous"),
                harm,
                num(&r, "rate_current"),
            ));
        }
    }
    if rows.is_empty() {
        return Ok(SectionOut::new(Section::not_produced(
            "overview",
            "Crime and anti-social behaviour overview",
            "the store holds no police or ASB incidents for the configured sources",
        )));
    }
    let total_harm: f64 = rows.iter().map(|r| r.4).sum();
    let (mut cur, mut prev) = (0u64, 0u64);
    for (source, category, current, previous, harm, rate) in &rows {
        cur += current;
        prev += previous;
        t.push(change_row(
            source, category, *current, *previous, *harm, total_harm, *rate,
        ));
    }
    let residents_rate = rows
        .iter()
        .filter(|r| r.2 > 0)
        .find_map(|r| r.5.map(|rate| rate / r.2 as f64));
    t.push(change_row(
        "all",
        "All crime and ASB",
        cur,
        prev,
        total_harm,
        total_harm,
        residents_rate.map(|per| per * cur as f64),
    ));
    t.total_row = true;
    t.note = Some(
        "Wheeler's z = 2(√current − √previous); |z| ≥ 1.96 is significant at 5% for one comparison, and |z| ≥ 3 is \
         the safer screen across many rows. Harm is the count times the harm weight of the category."
            .into(),
    );
    s.para(format!(
        "{} crimes and ASB incidents in {}, {} on {} (Wheeler's z = {:.2}, {}).",
        thousands(cur),
        c.period,
        super::tables::change_words(cur, prev),
        c.compare,
        crimescope_stats::wheeler_z(cur, prev),
        super::tables::significance_words(crimescope_stats::wheeler_z(cur, prev))
    ));
    s.tables.push(t);
    Ok(SectionOut::new(s))
}

fn change_row(
    source: &str,
    category: &str,
    current: u64,
    previous: u64,
    harm: f64,
    total_harm: f64,
    rate: Option<f64>,
) -> Vec<Value> {
    let z = crimescope_stats::wheeler_z(current, previous);
    vec![
        json!(source),
        json!(category),
        json!(current),
        json!(previous),
        json!(current as i64 - previous as i64),
        if previous > 0 {
            round(100.0 * (current as f64 - previous as f64) / previous as f64, 1)
        } else {
            Value::Null
        },
        round(z, 2),
        json!(z.abs() >= 1.96),
        round(harm, 1),
        if total_harm > 0.0 {
            round(100.0 * harm / total_harm, 1)
        } else {
            Value::Null
        },
        rate.map_or(Value::Null, |r| round(r, 2)),
    ]
}

/// The `months` months ending at `last`.
pub(crate) fn months_ending(last: Month, months: u32) -> Result<Period> {
    let index = last.year() * 12 + last.month() as i32 - 1 - (months as i32 - 1);
    let first = Month::new(index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
        .ok_or_else(|| EngineError::Unanswerable(format!("{months} months before {last} is out of range")))?;
    Ok(Period::new(first, last)?)
}

/// Section 5: monthly series of crime and of ASB over `trend_months`, with the rolling
/// 12-month total, the control chart, seasonality and Mann–Kendall.
pub(crate) async fn trends(ctx: &Ctx) -> Result<SectionOut> {
    let c = &ctx.config;
    let mut s = Section::new("trends", "Trends");
    let span = months_ending(c.period.last(), c.trend_months)?;
    for source in OVERVIEW_SOURCES.iter().filter(|s| ctx.sources.contains(s)) {
        let request = SeriesRequest {
            trend: ctx.trend_request(TrendGroup::Source, Some(*source)),
            span: Some(span),
            exposure: Exposure::None,
        };
        let series = match trend_series(&ctx.session, &request).await {
            Ok(series) => series,
            Err(e) if e.is_user_error() => {
                s.para(format!("No {} series: {e}", source.name()));
                continue;
            }
            Err(e) => return Err(e),
        };
        let Some(g) = series.groups.first() else {
            continue;
        };
        let label = if *source == Source::Police { "Crime" } else { "ASB" };
        s.paragraphs
            .extend(series.warnings.iter().map(|w| format!("{label}: {w}")));
        let months: Vec<String> = g.months.iter().map(|m| m.to_string()).collect();
        let exceed = g.chart.exceedances();
        let mk = &g.mann_kendall;
        s.para(format!(
            "{label}, {} to {} ({} months): {} months outside the control limits; Mann–Kendall S = {}, z = {:.2}, \
             p = {:.3}, Kendall's τ = {:.2}, {}.",
            months.first().cloned().unwrap_or_default(),
            months.last().cloned().unwrap_or_default(),
            months.len(),
            exceed.len(),
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
            caption: "Phase I c-chart limits over the whole span (Montgomery 2009, §7.3); circled months lie outside \
                      them."
                .into(),
        });
        let mut monthly = Table::new(
            &format!("trend-{}-monthly", source.name()),
            &format!("{label} per month"),
            vec![
                Column::new("month", "Month", ColumnKind::Text),
                Column::new("incidents", "Incidents", ColumnKind::Count),
                Column::new("rolling_12", "Rolling 12-month total", ColumnKind::Derived),
                Column::new("lower", "Lower limit", ColumnKind::Measure),
                Column::new("upper", "Upper limit", ColumnKind::Measure),
                Column::new("outside", "Outside limits", ColumnKind::Derived),
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
        s.tables.push(monthly);
        match g.seasonal_index {
            Some(index) => {
                let mut t = Table::new(
                    &format!("trend-{}-seasonal", source.name()),
                    &format!("{label}: seasonal index by calendar month (1 = an average month)"),
                    vec![
                        Column::new("month", "Month", ColumnKind::Text),
                        Column::new("index", "Seasonal index", ColumnKind::Measure),
                    ],
                );
                for (m, v) in MONTH_NAMES.iter().zip(index) {
                    t.push(vec![json!(m), round(v, 3)]);
                }
                s.tables.push(t);
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
        return Ok(SectionOut::new(Section::not_produced("trends", "Trends", reason)));
    }
    Ok(SectionOut::new(s))
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
