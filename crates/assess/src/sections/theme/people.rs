//! A theme's victims and offenders: prevalence, incidence, concentration, repeats, the
//! time to the next incident and the power few.

use crimescope_engine::EngineError;
use crimescope_engine::repeats::{RepeatKind, RepeatRequest, TIME_TO_NEXT_BINS, people_repeats};
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use crate::error::{AssessError, Result};
use crate::format::{pct, round, thousands};

/// The subsection, and one phrase for the plan on a page: the repeat people's share of
/// incidents (victims) or the power few's share of offences (offenders).
pub(super) async fn people_section(
    ctx: &RunContext,
    id: &str,
    theme: &str,
    kind: RepeatKind,
) -> Result<(Section, String)> {
    let c = &ctx.config;
    let (sid, title, who) = match kind {
        RepeatKind::Victim => (format!("{id}-victim"), "Victims", "victim"),
        _ => (format!("{id}-offender"), "Offenders", "offender"),
    };
    let mut request = RepeatRequest::new(c.period);
    request.theme = Some(theme.to_string());
    request.exclude_keys = ctx.person_keys.excluded(who);
    let r = people_repeats(&ctx.session, &request, kind).await?;
    if r.people == 0 {
        return Err(AssessError::Engine(EngineError::Unanswerable(format!(
            "no {who} records for this theme in {}: police.uk data carries no person identifiers, so repeat \
             {who} analysis needs a force crime extract with pseudonymised {who} keys (docs/formats.md)",
            c.period
        ))));
    }
    let mut s = Section::new(&sid, title);
    s.para(format!(
        "{} {who}s were linked to {} incidents ({:.2} per {who}; Farrell and Pease's concentration). {} {who}s \
         ({:.1}%) had a repeat within {} days, accounting for {} repeat incidents ({:.1}% of incidents).",
        thousands(r.people),
        thousands(r.incidents),
        r.concentration,
        thousands(r.repeat_people),
        100.0 * r.repeat_people as f64 / r.people as f64,
        request.window_days,
        thousands(r.repeat_incidents),
        if r.incidents > 0 {
            100.0 * r.repeat_incidents as f64 / r.incidents as f64
        } else {
            0.0
        }
    ));
    if !r.excluded.is_empty() {
        s.para(format!(
            "Left out: {} {who} key(s) linked to {} incidents of this theme, flagged by the data-quality screen as \
             implausible for one person (a placeholder in the source system looks like this; see the data quality \
             section). Their incidents still count in every crime figure; set data_quality.keep_implausible_keys to \
             keep them here.",
            r.excluded.len(),
            thousands(r.excluded.iter().map(|e| e.1).sum())
        ));
    }
    let mut freq = Table::with_columns(
        &format!("{sid}-frequency"),
        &format!("{title} by number of incidents, {}", c.period),
        &[
            ("incidents", "Incidents per person", ColumnKind::Text),
            ("people", "People", ColumnKind::Count),
        ],
    );
    for (label, n) in ["1", "2", "3", "4 or more"].iter().zip(r.frequency) {
        freq.push(vec![json!(label), json!(n)]);
    }
    freq.push(vec![json!("Total"), json!(r.frequency.iter().sum::<u64>())]);
    freq.total_row = true;
    s.tables.push(freq.in_appendix());
    let mut gaps = Table::with_columns(
        &format!("{sid}-time-to-next"),
        "Days from an incident to the same person's next",
        &[
            ("days", "Days", ColumnKind::Text),
            ("incidents", "Incidents", ColumnKind::Count),
        ],
    );
    for (label, n) in TIME_TO_NEXT_BINS.iter().zip(r.time_to_next) {
        gaps.push(vec![json!(label), json!(n)]);
    }
    s.tables.push(gaps.in_appendix());
    if !r.power_few.is_empty() {
        let mut few = Table::new(
            &format!("{sid}-power-few"),
            "The power few: shares held by the most prolific offenders",
            vec![
                Column::new("top_share_of_offenders", "Top offenders (%)", ColumnKind::Measure),
                Column::new("share_of_offences", "Share of offences (%)", ColumnKind::Measure),
                Column::new("share_of_harm", "Share of harm (%)", ColumnKind::Measure),
            ],
        );
        for &(top, offences, harm) in &r.power_few {
            few.push(vec![
                round(100.0 * top, 1),
                round(100.0 * offences, 1),
                round(100.0 * harm, 1),
            ]);
        }
        s.tables.push(few.in_appendix());
    }
    let mut top = Table::with_columns(
        &format!("{sid}-top"),
        &format!("The {who}s with most incidents (pseudonymised keys)"),
        &[
            ("person_key", "Person key", ColumnKind::PersonKey),
            ("incidents", "Incidents", ColumnKind::Count),
            ("harm", "Harm", ColumnKind::Derived),
        ],
    );
    top.sensitive = true;
    for (key, n, harm) in r.top.iter().take(10) {
        top.push(vec![json!(key), json!(n), round(*harm, 1)]);
    }
    s.tables.push(top.in_appendix());
    let repeat_share = pct(r.repeat_incidents, r.incidents);
    // The power few at the 10% line where the table has it, else its widest line.
    let few = r
        .power_few
        .iter()
        .find(|f| (f.0 - 0.1).abs() < 1e-9)
        .or(r.power_few.last());
    let focus = match (kind, few) {
        (RepeatKind::Offender, Some(&(top, offences, harm))) => format!(
            "The top {:.0}% of offenders: {:.0}% of offences and {:.0}% of harm",
            100.0 * top,
            100.0 * offences,
            100.0 * harm
        ),
        _ => format!(
            "{} repeat {who}s: {repeat_share:.0}% of incidents",
            thousands(r.repeat_people)
        ),
    };
    Ok((s, focus))
}
