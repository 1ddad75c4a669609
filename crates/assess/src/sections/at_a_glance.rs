//! The summary's two small charts and its plan on a page: what a board reads first.

use crimescope_report::document::Figure;
use crimescope_report::svg;
use crimescope_report::table::{ColumnKind, Table};
use serde_json::json;

use crate::config::AssessmentConfig;
use crate::findings::Findings;

/// How many categories the share-of-harm chart shows.
const HARM_BARS: usize = 6;

/// The monthly totals of both periods, overlaid, and the categories with most harm.
/// A chart is left out when its figures are missing.
pub(crate) fn summary_charts(config: &AssessmentConfig, findings: &Findings) -> Vec<Figure> {
    let mut out = Vec::new();
    let in_period = |period: crimescope_model::Period| -> Vec<Option<f64>> {
        period
            .iter()
            .map(|m| findings.monthly.get(&m).map(|&n| n as f64))
            .collect()
    };
    let (current, previous) = (in_period(config.period), in_period(config.compare));
    if current.iter().any(Option::is_some) {
        let chart = svg::LineChart {
            title: "Crime and ASB per month".into(),
            x_labels: config.period.iter().map(|m| m.to_string()).collect(),
            series: vec![
                svg::LineSeries {
                    name: config.period.to_string(),
                    values: current,
                    dashed: false,
                    secondary_axis: false,
                },
                svg::LineSeries {
                    name: format!("{} (comparison)", config.compare),
                    values: previous,
                    dashed: true,
                    secondary_axis: false,
                },
            ],
            markers: Vec::new(),
            marker_label: String::new(),
            y_label: "Incidents".into(),
            y2_label: None,
        };
        out.push(Figure {
            id: "summary-monthly".into(),
            title: "Crime and ASB per month".into(),
            svg: svg::line_chart(&chart),
            caption: format!(
                "The current period against the comparison period, month by month (the trends section has the \
                 control chart over {} months).",
                config.trend_months
            ),
        });
    }
    if let Some(overview) = &findings.overview
        && overview.total.harm > 0.0
    {
        let mut rows = overview.by_harm();
        rows.truncate(HARM_BARS);
        let labels: Vec<String> = rows.iter().map(|r| r.category.clone()).collect();
        let shares: Vec<f64> = rows.iter().map(|r| overview.harm_share(r).unwrap_or(0.0)).collect();
        out.push(Figure {
            id: "summary-harm".into(),
            title: "Share of harm by category".into(),
            svg: svg::bar_chart("Share of all harm (%)", &labels, &shares, "%"),
            caption: format!(
                "The {HARM_BARS} categories with most harm in {}; harm weighs each incident by its offence (the \
                 overview section has every category).",
                config.period
            ),
        });
    }
    out
}

/// The plan on a page: one row per theme, with its level and change and where the
/// evidence points for victims, offenders and locations (the problem-analysis triangle;
/// Clarke, R. V. & Eck, J. E. (2003), Become a Problem-Solving Crime Analyst, step 8).
pub(crate) fn plan_on_a_page(config: &AssessmentConfig, findings: &Findings) -> Table {
    let mut t = Table::with_columns(
        "summary-plan",
        &format!(
            "Plan on a page: where the evidence points in each theme, {}",
            config.period
        ),
        &[
            ("theme", "Theme", ColumnKind::Text),
            ("incidents", "Incidents", ColumnKind::Count),
            ("change", "Change", ColumnKind::Prose),
            ("victims", "Victims", ColumnKind::Prose),
            ("offenders", "Offenders", ColumnKind::Prose),
            ("locations", "Locations", ColumnKind::Prose),
        ],
    );
    for theme in &findings.themes {
        let change = theme
            .change_phrase()
            .unwrap_or_else(|| "No incidents in either period".to_string());
        t.push(vec![
            json!(theme.theme),
            json!(theme.current),
            json!(change),
            json!(theme.focus.victims),
            json!(theme.focus.offenders),
            json!(theme.focus.locations),
        ]);
    }
    t.note = Some(
        "Each theme's chapter gives the evidence; themes that share categories overlap, so their incidents do not \
         add up."
            .into(),
    );
    t
}
