//! A theme's incidents by day of week and hour, where times are known to the minute.

use crimescope_engine::EngineError;
use crimescope_engine::series::{TimeProfileRequest, time_profile};
use crimescope_report::document::{Figure, Section};
use crimescope_report::svg;
use crimescope_report::table::{ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use crate::error::{AssessError, Result};
use crate::format::thousands;

pub(super) async fn time_profile_section(ctx: &RunContext, id: &str, theme: &str) -> Result<Section> {
    let c = &ctx.config;
    let mut request = TimeProfileRequest::new(c.period);
    request.theme = Some(theme.to_string());
    let profile = time_profile(&ctx.session, &request).await?;
    let total = profile.incidents;
    if total == 0 {
        return Err(AssessError::Engine(EngineError::Unanswerable(format!(
            "no incident of this theme in {} has a time to the minute (police.uk publishes months only)",
            c.period
        ))));
    }
    let cells: Vec<Vec<f64>> = profile
        .cells
        .iter()
        .map(|day| day.iter().map(|&n| n as f64).collect())
        .collect();
    let days: Vec<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .iter()
        .map(|d| d.to_string())
        .collect();
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let sid = format!("{id}-time");
    let mut s = Section::new(&sid, "Time profile");
    let (mut best, mut best_n) = ((0, 0), 0.0);
    for (d, row) in cells.iter().enumerate() {
        for (h, &n) in row.iter().enumerate() {
            if n > best_n {
                (best, best_n) = ((d, h), n);
            }
        }
    }
    s.para(format!(
        "{} incidents with a time to the minute. The busiest hour is {} {:02}:00–{:02}:59 with {} incidents.",
        thousands(total),
        days[best.0],
        best.1,
        best.1,
        best_n
    ));
    s.figures.push(Figure {
        id: format!("{sid}-heatmap"),
        title: format!("{theme}: incidents by day of week and hour, {}", c.period),
        svg: svg::heatmap(&format!("{theme}: day of week by hour"), &days, &hours, &cells),
        caption: "Darker cells hold more incidents. Times are local clock times as recorded.".into(),
    });
    let mut t = Table::with_columns(
        &format!("{sid}-by-day"),
        "Incidents by day of week",
        &[
            ("day", "Day", ColumnKind::Text),
            ("incidents", "Incidents", ColumnKind::Count),
        ],
    );
    for (d, row) in cells.iter().enumerate() {
        t.push(vec![json!(days[d]), json!(row.iter().sum::<f64>() as u64)]);
    }
    s.tables.push(t.in_appendix());
    Ok(s)
}
