//! Section 10: how far the previous plan was delivered: each previous priority's
//! measure then (the comparison period) and now, with its RAG rating.

use crimescope_engine::trend::{TrendGroup, TrendRow, resolve_category, trend};
use crimescope_model::same_slug;
use crimescope_report::document::Section;
use crimescope_report::table::{ColumnKind, Table};
use serde_json::json;

use super::{Produced, RunContext, SectionOutput};
use crate::config::Measure;
use crate::error::Result;
use crate::findings::PlanReviewRow;
use crate::format::{change_words, rag, round, test_words};

/// Section 10: each previous priority's measure, then (the comparison period) and now.
pub(crate) async fn plan_review(ctx: &RunContext) -> Result<SectionOutput> {
    let c = &ctx.config;
    let title = "Review of the previous plan";
    if c.previous_priorities.is_empty() {
        return Ok(SectionOutput::only(Section::not_produced(
            "plan-review",
            title,
            "no previous priorities are configured; add [[previous_priorities]] tables with a name and a measure \
             (docs/assessment.md)",
        )));
    }
    let by_source = trend(&ctx.session, &ctx.trend_request(TrendGroup::Source, None))
        .await?
        .records()?;
    let by_theme = &ctx.by_theme;
    let mut t = Table::with_columns(
        "plan-review",
        &format!("Previous priorities: {} (then) against {} (now)", c.compare, c.period),
        &[
            ("priority", "Priority", ColumnKind::Text),
            ("measure", "Measure", ColumnKind::Text),
            ("aim", "Aim", ColumnKind::Text),
            ("then", "Then", ColumnKind::Count),
            ("now", "Now", ColumnKind::Count),
            ("change", "Change", ColumnKind::Derived),
            ("z", "z", ColumnKind::Derived),
            ("p_fdr", "p (adjusted)", ColumnKind::Derived),
            ("rag", "RAG", ColumnKind::Text),
        ],
    );
    let mut s = Section::new("plan-review", title);
    let sum = |rows: &[TrendRow], pick: &dyn Fn(&str) -> bool| {
        rows.iter()
            .filter(|r| pick(&r.group))
            .fold((0u64, 0u64), |(a, b), r| (a + r.current, b + r.previous))
    };
    let mut measured = Vec::with_capacity(c.previous_priorities.len());
    for p in &c.previous_priorities {
        let (now, then) = match &p.measure {
            Measure::All => sum(&by_source, &|g| ctx.sources.iter().any(|s| s.name() == g)),
            Measure::Source(src) => sum(&by_source, &|g| g == src.name()),
            Measure::Theme(name) => sum(by_theme, &|g| same_slug(g, name)),
            Measure::Category(name) => match resolve_category(&ctx.session, name).await {
                Ok(category) => {
                    let mut r = ctx.trend_request(TrendGroup::Category, None);
                    r.category = Some(category);
                    let rows = trend(&ctx.session, &r).await?.records()?;
                    sum(&rows, &|_| true)
                }
                Err(e) if e.is_unanswerable() => {
                    s.para(format!("{}: {e}", p.name));
                    (0, 0)
                }
                Err(e) => return Err(e.into()),
            },
        };
        measured.push(PlanReviewRow {
            priority: p.name.clone(),
            measure: p.measure_text.clone(),
            aim: p.aim,
            then,
            now,
            change: c.change(now, then),
        });
    }
    // The priorities are judged together: their p-values are adjusted across the plan.
    let mut changes: Vec<_> = measured.iter().map(|m| m.change).collect();
    crimescope_stats::adjust_for_many_rows(&mut changes);
    for (m, change) in measured.iter_mut().zip(changes) {
        m.change = change;
        s.para(format!(
            "{} ({}, aim: {}): {}, {} ({}).",
            m.priority,
            m.measure,
            m.aim,
            change_words(m.now, m.then),
            match rag(&change, m.aim) {
                "green" => "met",
                "red" => "not met: a significant move against the aim",
                _ => "no significant change",
            },
            test_words(&change)
        ));
        t.push(vec![
            json!(m.priority),
            json!(m.measure),
            json!(m.aim.name()),
            json!(m.then),
            json!(m.now),
            json!(change.change),
            round(change.z, 2),
            json!(change.p_fdr),
            json!(rag(&change, m.aim)),
        ]);
    }
    t.note = Some(
        "RAG: green is a significant move in the aimed direction, red a significant move against it, amber \
         no significant change. Significant: the Poisson E-test's p, adjusted across the priorities of the plan \
         (Benjamini–Hochberg), below 0.05."
            .into(),
    );
    s.tables.push(t);
    Ok(SectionOutput {
        section: s,
        produced: Produced::PlanReview(measured),
    })
}
