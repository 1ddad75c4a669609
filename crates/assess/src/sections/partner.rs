//! Section 7: partner data — fires (deliberate fires called out), ASB by category and
//! proven re-offending.

use crimescope_engine::EngineError;
use crimescope_engine::reoffending::{latest_complete_cohort, reoffending};
use crimescope_engine::trend::{TrendGroup, trend};
use crimescope_model::Source;
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::{Produced, RunContext, SectionOutput, or_not_produced};
use crate::error::{AssessError, Result};
use crate::findings::PartnerTotal;
use crate::format::{change_words, round, significance_words, test_words, thousands};

/// Section 7: partner data.
pub(crate) async fn partner(ctx: &RunContext) -> Result<SectionOutput> {
    let mut s = Section::new("partner", "Partner data");
    let mut totals = Vec::new();
    for (source, id, title, label) in [
        (Source::Fire, "partner-fires", "Fires", "Fires"),
        (
            Source::Asb,
            "partner-asb",
            "Anti-social behaviour by category",
            "ASB (all categories)",
        ),
    ] {
        let section = match by_category(ctx, source, id, title).await {
            Ok((section, (current, previous))) => {
                totals.push(PartnerTotal {
                    label,
                    previous,
                    current,
                });
                Ok(section)
            }
            Err(e) => Err(e),
        };
        s.subsections.push(or_not_produced(id, title, section)?);
    }
    let re = reoffending_section(ctx).await;
    s.subsections
        .push(or_not_produced("partner-reoffending", "Proven re-offending", re)?);
    Ok(SectionOutput {
        section: s,
        produced: Produced::Partner(totals),
    })
}

/// A source's incidents by category, and its (current, previous) totals.
async fn by_category(ctx: &RunContext, source: Source, id: &str, title: &str) -> Result<(Section, (u64, u64))> {
    let c = &ctx.config;
    if !ctx.sources.contains(&source) {
        return Err(AssessError::Engine(EngineError::Unanswerable(format!(
            "the store holds no {} incidents{}; ingest the partner's extract (docs/formats.md)",
            source.name(),
            if c.sources.contains(&source) {
                ""
            } else {
                " and the config leaves the source out (key `sources`)"
            }
        ))));
    }
    let request = ctx.trend_request(TrendGroup::Category, Some(source));
    let rows = trend(&ctx.session, &request).await?.records()?;
    let mut s = Section::new(id, title);
    let (cur, prev): (u64, u64) = rows.iter().fold((0, 0), |(a, b), r| (a + r.current, b + r.previous));
    let total = c.change(cur, prev);
    s.para(format!(
        "{} {} incidents in {}, {} on {} ({}; {}).",
        thousands(cur),
        source.name(),
        c.period,
        change_words(cur, prev),
        c.compare,
        significance_words(&total),
        test_words(&total)
    ));
    if source == Source::Fire {
        let categories: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
        if super::screens::names_deliberate(&categories) {
            let (dc, dp) = rows
                .iter()
                .filter(|r| r.group.to_lowercase().contains("deliberate"))
                .fold((0, 0), |(a, b), r| (a + r.current, b + r.previous));
            s.para(format!(
                "Deliberate fires (the categories named deliberate): {} in {}, {} ({}).",
                thousands(dc),
                c.period,
                change_words(dc, dp),
                significance_words(&c.change(dc, dp))
            ));
        } else {
            s.para(
                "Deliberate fires: not available. No fire category in these data names deliberate fires, so they \
                 cannot be counted (this is not a count of 0).",
            );
        }
    }
    let mut t = Table::with_columns(
        &format!("{id}-by-category"),
        &format!("{title}, {} against {}", c.period, c.compare),
        &[
            ("group", "Category", ColumnKind::Text),
            ("current", "Current", ColumnKind::Count),
            ("previous", "Previous", ColumnKind::Count),
            ("change", "Change", ColumnKind::Derived),
            ("z", "z", ColumnKind::Derived),
            ("p_fdr", "p (adjusted)", ColumnKind::Derived),
            ("significant", "Significant", ColumnKind::Derived),
        ],
    );
    for r in &rows {
        t.push(vec![
            json!(r.group),
            json!(r.current),
            json!(r.previous),
            json!(r.change),
            round(r.z, 2),
            json!(r.p_fdr),
            json!(r.significant),
        ]);
    }
    t.push(vec![
        json!("Total"),
        json!(cur),
        json!(prev),
        json!(cur as i64 - prev as i64),
        round(total.z, 2),
        json!(total.p_fdr),
        json!(total.significant),
    ]);
    t.total_row = true;
    s.tables.push(t);
    Ok((s, (cur, prev)))
}

async fn reoffending_section(ctx: &RunContext) -> Result<Section> {
    let cohort = latest_complete_cohort(&ctx.session).await?;
    let r = reoffending(&ctx.session, cohort).await?;
    let mut s = Section::new("partner-reoffending", "Proven re-offending");
    if let Some((_, all)) = r.rows.first() {
        s.para(format!(
            "Cohort {cohort} (the latest with a complete follow-up): {} offenders, of whom {} ({:.1}%) committed a \
             proven re-offence within 12 months, proven within a further 6 (Ministry of Justice definition); {:.2} \
             re-offences per re-offender.",
            thousands(all.offenders),
            thousands(all.reoffenders),
            100.0 * all.rate,
            all.per_reoffender
        ));
    }
    let mut t = Table::new(
        "partner-reoffending-rates",
        &format!("Proven re-offending, cohort {cohort}"),
        vec![
            Column::new("breakdown", "Breakdown", ColumnKind::Text),
            Column::new("group", "Group", ColumnKind::Text),
            Column::new("offenders", "Offenders", ColumnKind::Count),
            Column::new("reoffenders", "Re-offenders", ColumnKind::Count),
            Column::new("rate_pct", "Rate (%)", ColumnKind::Derived),
            Column::new("reoffences", "Re-offences", ColumnKind::Count),
            Column::new("per_reoffender", "Per re-offender", ColumnKind::Derived),
            Column::new("median_days", "Median days to first", ColumnKind::Derived),
        ],
    );
    for (breakdown, row) in &r.rows {
        t.push(vec![
            json!(breakdown),
            json!(row.group),
            json!(row.offenders),
            json!(row.reoffenders),
            round(100.0 * row.rate, 1),
            json!(row.reoffences),
            round(row.per_reoffender, 2),
            row.median_days_to_first.map_or(Value::Null, |d| round(d, 1)),
        ]);
    }
    s.tables.push(t);
    Ok(s)
}
