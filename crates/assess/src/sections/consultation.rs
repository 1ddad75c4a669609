//! Section 8: the views of people who live and work in the area (SI 2007/1830 reg. 5).

use crimescope_report::document::{Figure, Section};
use crimescope_report::svg;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::{Produced, RunContext, SectionOutput};
use crate::config::Consultation;
use crate::format::round;

/// Section 8: the consultation results.
pub(crate) fn consultation(ctx: &RunContext) -> SectionOutput {
    let title = "The views of people who live and work in the area";
    let Some(Consultation { path, rows }) = &ctx.config.consultation else {
        return SectionOutput::only(Section::not_produced(
            "consultation",
            title,
            "no consultation results are configured; set the key `consultation` to a CSV of priority,share \
             (docs/assessment.md). SI 2007/1830 reg. 5 asks the assessment to have regard to these views",
        ));
    };
    let mut s = Section::new("consultation", title);
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.priority.cmp(&b.priority)));
    s.para(format!(
        "{} priorities were put to the public ({}). Most supported: {}.",
        rows.len(),
        path.file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default(),
        sorted
            .iter()
            .take(3)
            .map(|r| format!("{} ({:.0}%)", r.priority, r.share))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut t = Table::new(
        "consultation",
        "Share of respondents supporting each priority",
        vec![
            Column::new("priority", "Priority", ColumnKind::Text),
            Column::new("share", "Supporting (%)", ColumnKind::Measure),
            Column::new("respondents", "Respondents", ColumnKind::Measure),
        ],
    );
    for r in &sorted {
        t.push(vec![
            json!(r.priority),
            round(r.share, 1),
            r.respondents.map_or(Value::Null, |n| json!(n)),
        ]);
    }
    s.figures.push(Figure {
        id: "consultation-chart".into(),
        title: "Public priorities".into(),
        svg: svg::bar_chart(
            "Share supporting each priority",
            &sorted.iter().map(|r| r.priority.clone()).collect::<Vec<_>>(),
            &sorted.iter().map(|r| r.share).collect::<Vec<_>>(),
            "%",
        ),
        caption: "From the consultation results file named in the config.".into(),
    });
    s.tables.push(t.in_appendix());
    SectionOutput {
        section: s,
        produced: Produced::Consultation(rows.clone()),
    }
}
