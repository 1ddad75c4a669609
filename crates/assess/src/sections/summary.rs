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

/// Section 1. `analyses` are the analysis sections as produced (for the list of what
/// was not produced); `scored` is the priority matrix, best first.
pub(crate) fn summary(
    config: &AssessmentConfig,
    findings: &Findings,
    scored: &[ScoredPriority],
    analyses: &[&Section],
) -> Section {
    let mut s = Section::new("summary", "Executive summary");
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
    // The RAG rows, tested together at the end.
    let mut measures: Vec<(String, u64, u64, Aim)> = Vec::new();
    let mut findings_text = Vec::new();
    if !config.compares_like_with_like() {
        findings_text.push(format!(
            "The comparison period ({}) is not the same months a year earlier ({}), so seasonal differences can show \
             as change below.",
            config.compare,
            config.period.year_earlier()
        ));
    }
    if let Some(overview) = &findings.overview {
        let total = &overview.total;
        measures.push(("All crime and ASB".into(), total.previous, total.current, Aim::Reduce));
        findings_text.push(format!(
            "Crime and ASB: {} incidents, {} ({}; {}).",
            thousands(total.current),
            change_words(total.current, total.previous),
            significance_words(&total.change),
            test_words(&total.change)
        ));
        let mut up: Vec<&OverviewRow> = overview
            .rows
            .iter()
            .filter(|r| r.change.significant_rise() == Some(true))
            .collect();
        up.sort_by(|a, b| b.change.z.total_cmp(&a.change.z));
        let mut down: Vec<&OverviewRow> = overview
            .rows
            .iter()
            .filter(|r| r.change.significant_rise() == Some(false))
            .collect();
        down.sort_by(|a, b| a.change.z.total_cmp(&b.change.z));
        let names = |rows: &[&OverviewRow]| {
            rows.iter()
                .take(3)
                .map(|r| match &r.why {
                    Some(why) => format!("{} ({}; {why})", r.category, change_words(r.current, r.previous)),
                    None => format!("{} ({})", r.category, change_words(r.current, r.previous)),
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        findings_text.push(if up.is_empty() {
            "No category rose significantly.".to_string()
        } else {
            format!("Largest significant rises: {}.", names(&up))
        });
        findings_text.push(if down.is_empty() {
            "No category fell significantly.".to_string()
        } else {
            format!("Largest significant falls: {}.", names(&down))
        });
        let mut by_harm: Vec<&OverviewRow> = overview.rows.iter().collect();
        by_harm.sort_by(|a, b| b.harm.total_cmp(&a.harm));
        findings_text.push(format!(
            "Most harm: {}.",
            by_harm
                .iter()
                .take(3)
                .map(|r| format!("{} ({:.1}% of harm)", r.category, overview.harm_share(r).unwrap_or(0.0)))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    for headline in &findings.themes {
        findings_text.push(format!("{}: {}", headline.theme, headline.sentence));
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
    if let Some(h) = &findings.hotspot_headline {
        findings_text.push(h.clone());
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
        findings_text.push(format!(
            "Not produced for lack of data (each section says why): {}.",
            missing.join("; ")
        ));
    }
    s.para("Key findings:");
    for f in findings_text {
        s.para(format!("• {f}"));
    }
    let recommended: Vec<String> = scored
        .iter()
        .take(5)
        .map(|r| format!("• {}", priority_reason(r, findings)))
        .collect();
    if recommended.is_empty() {
        s.para("Recommended priorities: none could be scored (see the priority matrix).");
    } else {
        s.para("Recommended priorities, from the priority matrix, each with the evidence behind it:");
        for line in recommended {
            s.para(line);
        }
    }
    rag_table.note = Some(
        "RAG for a reduction aim: red a significant rise, green a significant fall, amber no significant change; \
         significant is the Poisson E-test's p adjusted across the rows of this table (Benjamini–Hochberg) below \
         0.05. z = √2(√current − √previous) is the size of the change."
            .into(),
    );
    s.tables.push(rag_table);
    s
}

/// One recommended priority with its reason: its share of harm, its volume, its change
/// (when significant) and public concern (when the consultation names it).
fn priority_reason(r: &ScoredPriority, findings: &Findings) -> String {
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
        match row.change.significant_rise() {
            Some(true) => evidence.push(format!(
                "a significant rise ({})",
                change_words(row.current, row.previous)
            )),
            Some(false) => evidence.push(format!(
                "a significant fall ({})",
                change_words(row.current, row.previous)
            )),
            None => evidence.push("no significant change".to_string()),
        }
    }
    if r.parts[3] > 0.0 {
        evidence.push(format!(
            "{:.0}% of consultation respondents support it",
            100.0 * r.parts[3]
        ));
    }
    format!(
        "{} ({}): {}; score {:.2}.",
        r.category,
        if r.themes.is_empty() { "no theme" } else { &r.themes },
        evidence.join(", "),
        r.score
    )
}
