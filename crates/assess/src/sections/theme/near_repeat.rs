//! Near repeats of one crime type in the area: the Knox test over its incidents with
//! dates to the day (Johnson & Bowers 2004 test it per crime type, burglary first).

use crimescope_engine::near_repeat::{NearRepeatRequest, near_repeat};
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use crate::error::Result;
use crate::format::{round, thousands};

pub(super) async fn near_repeat_section(ctx: &RunContext, sid: &str, title: &str, category: &str) -> Result<Section> {
    let c = &ctx.config;
    let mut request = NearRepeatRequest::new(c.period);
    request.category = Some(category.to_string());
    request.space_bands = c.near_repeat.space_bands.clone();
    request.time_bands = c.near_repeat.time_bands.clone();
    request.permutations = c.near_repeat.permutations;
    request.seed = c.seed;
    let k = near_repeat(&ctx.session, &request).await?;
    let mut s = Section::new(sid, title);
    let mut t = Table::new(
        &format!("{sid}-knox"),
        "Knox test: pairs of incidents close in space and time",
        vec![
            Column::new("distance", "Distance (m)", ColumnKind::Text),
            Column::new("days", "Days apart", ColumnKind::Text),
            Column::new("observed", "Observed pairs", ColumnKind::Count),
            Column::new("expected", "Expected pairs", ColumnKind::Measure),
            Column::new("knox_ratio", "Knox ratio", ColumnKind::Derived),
            Column::new("p", "p", ColumnKind::Measure),
        ],
    );
    let band = |edges: &[f64], i: usize| match edges.get(i + 1) {
        Some(next) => format!("{:.0}–{:.0}", edges[i], next),
        None => format!("{:.0}+", edges[i]),
    };
    let mut flagged = Vec::new();
    for (si, row) in k.observed.iter().enumerate() {
        for (ti, &obs) in row.iter().enumerate() {
            let days: Vec<f64> = k.time_bands.iter().map(|&d| d as f64).collect();
            let (dist, when) = (band(&k.space_bands, si), band(&days, ti));
            let ratio = k.knox_ratio[si][ti];
            if k.p[si][ti] <= 0.05 && ratio > 1.0 {
                flagged.push(format!("{dist} m and {when} days (ratio {ratio:.2})"));
            }
            t.push(vec![
                json!(dist),
                json!(when),
                json!(obs),
                round(k.expected[si][ti], 1),
                round(ratio, 2),
                round(k.p[si][ti], 4),
            ]);
        }
    }
    s.para(format!(
        "{} located incidents of {category} with dates to the day; {} permutations of the dates over the fixed locations, seed {}.",
        thousands(k.n as u64),
        k.permutations,
        k.seed
    ));
    s.para(if flagged.is_empty() {
        "No space–time band has significantly more pairs than expected at 5%.".to_string()
    } else {
        format!(
            "More pairs than expected (p ≤ 0.05) at: {}. Incidents there are followed by others nearby sooner than \
             chance would give, which supports prompt protective visits after each incident.",
            flagged.join("; ")
        )
    });
    s.tables.push(t);
    Ok(s)
}
