//! Section 1: the executive summary — key findings, recommended priorities and the
//! RAG table — from the other sections' typed figures.

use crimescope_model::Aim;
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use crimescope_stats::{PeriodChange, adjust_for_many_rows};
use serde_json::json;

use crate::config::AssessmentConfig;
use crate::findings::{Findings, OverviewRow, ScoredPriority};
use crate::format::{change_words, rag, round, significance_words, test_words, thousands};
use crate::sections::at_a_glance::{plan_on_a_page, summary_charts};
use crimescope_report::prose::list_and;

/// Section 1. `analyses` are the analysis sections as produced (for the list of what
/// was not produced); `scored` is the priority matrix, best first.
pub(crate) fn summary(
    config: &AssessmentConfig,
    findings: &Findings,
    scored: &[ScoredPriority],
    analyses: &[&Section],
) -> Section {
    let mut s = Section::new("summary", "Executive summary");
    s.para("Key findings:");
    for finding in key_findings(config, findings, analyses) {
        s.para(format!("• {finding}"));
    }
    s.figures = summary_charts(config, findings);
    let recommended: Vec<String> = scored
        .iter()
        .take(5)
        .map(|r| format!("• {}", priority_reason(config, r, findings)))
        .collect();
    if recommended.is_empty() {
        s.para("Recommended priorities: none could be scored (see the priority matrix).");
    } else {
        s.para("Recommended priorities, from the priority matrix, each with its reason and evidence:");
        for line in recommended {
            s.para(line);
        }
    }
    if !findings.themes.is_empty() {
        s.tables.push(plan_on_a_page(config, findings));
    }
    s.tables.push(rag_table(config, findings));
    s
}

/// The key findings, one sentence each: the comparison's caveat, the total, the
/// significant rises and falls with where they happened, harm, each theme, hot spots
/// and what could not be produced.
fn key_findings(config: &AssessmentConfig, findings: &Findings, analyses: &[&Section]) -> Vec<String> {
    let mut out = Vec::new();
    if !config.compares_like_with_like() {
        out.push(format!(
            "The comparison period ({}) is not the same months a year earlier ({}), so seasonal differences can show \
             as change below.",
            config.compare,
            config.period.year_earlier()
        ));
    }
    if let Some(overview) = &findings.overview {
        let total = &overview.total;
        out.push(format!(
            "Crime and ASB: {} incidents in {}, {} on {}; {} ({}).",
            thousands(total.current),
            config.period,
            change_words(total.current, total.previous),
            config.compare,
            significance_words(&total.change),
            test_words(&total.change)
        ));
        for rise in [true, false] {
            let mut moved: Vec<&OverviewRow> = overview
                .rows
                .iter()
                .filter(|r| r.change.significant_rise() == Some(rise))
                .collect();
            moved.sort_by(|a, b| {
                let order = a.change.z.total_cmp(&b.change.z);
                if rise { order.reverse() } else { order }
            });
            let which = if rise { "rose" } else { "fell" };
            out.push(if moved.is_empty() {
                format!("No category {which} significantly.")
            } else {
                let named: Vec<String> = moved
                    .iter()
                    .take(3)
                    .map(|r| {
                        let change = format!("{}, {}", r.category, change_words(r.current, r.previous));
                        match &r.why {
                            Some(why) => format!("{change}: {why}"),
                            None => change,
                        }
                    })
                    .collect();
                format!(
                    "Significant {}: {}.",
                    if rise { "rises" } else { "falls" },
                    named.join("; ")
                )
            });
        }
        let most: Vec<String> = overview
            .by_harm()
            .into_iter()
            .filter(|r| r.harm > 0.0)
            .take(3)
            .map(|r| format!("{} ({:.1}%)", r.category, overview.harm_share(r).unwrap_or(0.0)))
            .collect();
        if !most.is_empty() {
            out.push(format!("Most harm, by share of all harm: {}.", list_and(&most)));
        }
    }
    for theme in &findings.themes {
        out.push(match theme.change_phrase() {
            Some(change) => format!("{}: {} incidents, {change}.", theme.theme, thousands(theme.current)),
            None => format!("{}: no incidents in either period.", theme.theme),
        });
    }
    if let Some(h) = &findings.hotspots {
        let around = match h.hottest_streets.as_slice() {
            [] => String::new(),
            streets => {
                // police.uk's "On or near High Street" reads mid-sentence in lower case.
                let named: Vec<String> = streets
                    .iter()
                    .take(3)
                    .map(|s| {
                        s.strip_prefix("On or near ")
                            .map_or_else(|| s.clone(), |r| format!("on or near {r}"))
                    })
                    .collect();
                format!(", the hottest around {}", list_and(&named))
            }
        };
        out.push(format!(
            "Hot spots: {} of {} grid cells of {:.0} m are hot spots (Gi*, 90% confidence after adjustment){around}.",
            thousands(h.hot as u64),
            thousands(h.cells as u64),
            h.cell_m
        ));
    }
    let mut missing: Vec<String> = Vec::new();
    for x in analyses {
        if !x.produced {
            missing.push(x.title.clone());
        }
        missing.extend(
            x.subsections
                .iter()
                .filter(|sub| !sub.produced)
                .map(|sub| format!("{} – {}", x.title, sub.title)),
        );
    }
    if !missing.is_empty() {
        out.push(format!(
            "Not produced for lack of data, each section saying why: {}.",
            missing.join("; ")
        ));
    }
    out
}

/// Change since the last assessment, rated red, amber or green against each aim.
fn rag_table(config: &AssessmentConfig, findings: &Findings) -> Table {
    let mut rag_table = Table::new(
        "summary-rag",
        &format!(
            "Change since the last assessment: {} against {}",
            config.period, config.compare
        ),
        vec![
            Column::new("measure", "Measure", ColumnKind::Text),
            Column::new("previous", "Previous", ColumnKind::Count),
            Column::new("current", "Current", ColumnKind::Count),
            Column::new("change", "Change", ColumnKind::Derived),
            Column::new("z", "z", ColumnKind::Derived),
            Column::new("p_fdr", "p (adjusted)", ColumnKind::Derived),
            Column::new("rag", "RAG", ColumnKind::Text),
        ],
    );
    // The RAG rows, tested together.
    let mut measures: Vec<(String, u64, u64, Aim)> = Vec::new();
    if let Some(overview) = &findings.overview {
        let total = &overview.total;
        measures.push(("All crime and ASB".into(), total.previous, total.current, Aim::Reduce));
    }
    for total in &findings.partner_totals {
        measures.push((total.label.into(), total.previous, total.current, Aim::Reduce));
    }
    for r in &findings.plan_review {
        measures.push((format!("Previous priority: {}", r.priority), r.then, r.now, r.aim));
    }
    let mut changes: Vec<PeriodChange> = measures.iter().map(|m| config.change(m.2, m.1)).collect();
    adjust_for_many_rows(&mut changes);
    for ((measure, previous, current, aim), change) in measures.into_iter().zip(&changes) {
        rag_table.push(vec![
            json!(measure),
            json!(previous),
            json!(current),
            json!(change.change),
            round(change.z, 2),
            json!(change.p_fdr),
            json!(rag(change, aim)),
        ]);
    }
    rag_table.note = Some(
        "RAG for a reduction aim: red a significant rise, green a significant fall, amber no significant change. A \
         change is significant when the Poisson E-test's p, adjusted across the rows of this table \
         (Benjamini–Hochberg), is below 0.05; z = √2(√current − √previous) is the size of the change."
            .into(),
    );
    rag_table
}

/// One recommended priority with its reason (the part of the score that weighs most)
/// and its evidence: its share of harm, its volume, its change and public concern
/// (when the consultation names it).
fn priority_reason(config: &AssessmentConfig, r: &ScoredPriority, findings: &Findings) -> String {
    let w = &config.priority_weights;
    // The trend part is 0.5 without a significant change and below it for a fall, so
    // only a significant rise (above 0.5) can be the reason.
    let weighted = [
        (w.harm * r.parts[0], "high harm"),
        (w.volume * r.parts[1], "high volume"),
        (w.trend * 2.0 * (r.parts[2] - 0.5).max(0.0), "a significant rise"),
        (w.concern * r.parts[3], "public concern"),
    ];
    let reason = weighted
        .iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or("its score", |x| x.1);
    let row = findings.overview.as_ref().and_then(|o| {
        o.rows
            .iter()
            .find(|x| x.category == r.category && x.source == r.source)
            .map(|x| (o, x))
    });
    let mut evidence = Vec::new();
    if let Some((overview, row)) = row {
        if let Some(share) = overview.harm_share(row) {
            evidence.push(format!("{share:.1}% of all harm"));
        }
        evidence.push(format!("{} incidents", thousands(row.current)));
        evidence.push(match row.change.significant_rise() {
            Some(true) => format!("a significant rise, {}", change_words(row.current, row.previous)),
            Some(false) => format!("a significant fall, {}", change_words(row.current, row.previous)),
            None => "no significant change".to_string(),
        });
    }
    if r.parts[3] > 0.0 {
        evidence.push(format!(
            "supported by {:.0}% of consultation respondents",
            100.0 * r.parts[3]
        ));
    }
    format!(
        "{}, for {reason}: {}; priority score {:.2}.",
        r.category,
        evidence.join("; "),
        r.score
    )
}
