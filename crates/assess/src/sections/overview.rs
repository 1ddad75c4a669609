//! Section 4: the crime and ASB overview table.

use crimescope_engine::drivers::{DriverKind, DriverRequest, change_drivers};
use crimescope_engine::offence_harm::{bundled_offence_weights, harm_by_category};
use crimescope_engine::trend::{TrendGroup, trend};
use crimescope_model::Source;
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::{Produced, RunContext, SectionOutput};
use crate::error::Result;
use crate::findings::{Overview, OverviewRow};
use crate::format::{change_words, round, significance_words, test_words, thousands};

/// The sources of the overview table: crime and ASB.
pub(crate) const OVERVIEW_SOURCES: [Source; 2] = [Source::Police, Source::Asb];

const TITLE: &str = "Crime and anti-social behaviour overview";

/// Section 4: one row per category of crime and ASB with counts, change, its E-test,
/// harm, the share of harm and the rate. The last row is the total.
pub(crate) async fn overview(ctx: &RunContext) -> Result<SectionOutput> {
    let c = &ctx.config;
    // Harm by offence code where the extract gives one the bundled table lists, by
    // category otherwise (queries/harm_by_category.sql).
    let harms = harm_by_category(&ctx.session, c.period, None).await?;
    let mut rows = Vec::new();
    for source in OVERVIEW_SOURCES.iter().filter(|s| ctx.sources.contains(s)) {
        let request = ctx.trend_request(TrendGroup::Category, Some(*source));
        for r in trend(&ctx.session, &request).await?.records()? {
            let harm = harms
                .iter()
                .find(|h| h.source == source.name() && h.category == r.group)
                .map_or(0.0, |h| h.harm);
            rows.push(OverviewRow {
                source: source.name().to_string(),
                category: r.group,
                current: r.current,
                previous: r.previous,
                harm,
                rate: r.rate_current,
                change: c.change(r.current, r.previous),
                why: None,
            });
        }
    }
    let mut changes: Vec<_> = rows.iter().map(|r| r.change).collect();
    crimescope_stats::adjust_for_many_rows(&mut changes);
    for (row, change) in rows.iter_mut().zip(changes) {
        row.change = change;
    }
    // Where each significant change happened: the places that moved most.
    for row in rows.iter_mut().filter(|r| r.change.significant) {
        let request = DriverRequest {
            period: c.period,
            compare: c.compare,
            source: Source::lookup(&row.source).ok(),
            category: Some(row.category.clone()),
            theme: None,
        };
        let by_place = change_drivers(&ctx.session, &request, DriverKind::Place).await?;
        row.why = by_place.led_by(5);
    }
    if rows.is_empty() {
        return Ok(SectionOutput::only(Section::not_produced(
            "overview",
            TITLE,
            "the store holds no police or ASB incidents for the configured sources",
        )));
    }
    let overview = Overview {
        total: total_row(c, &rows),
        rows,
    };
    let mut s = Section::new("overview", TITLE);
    let total = &overview.total;
    s.para(format!(
        "{} crimes and ASB incidents in {}, {} on {} ({}; {}).",
        thousands(total.current),
        c.period,
        change_words(total.current, total.previous),
        c.compare,
        significance_words(&total.change),
        test_words(&total.change)
    ));
    let (counted, by_offence) = harms
        .iter()
        .filter(|h| OVERVIEW_SOURCES.iter().any(|s| s.name() == h.source))
        .fold((0u64, 0u64), |(n, o), h| (n + h.incidents, o + h.offence_weighted));
    s.para(if by_offence == 0 {
        format!(
            "Harm weighs each incident by its category ({}): no incident in {} carries a Home Office offence code that \
             the offence table lists.",
            c.harm.name(),
            c.period
        )
    } else {
        format!(
            "Harm weighs {} of {} incidents ({:.1}%) by their Home Office offence code ({}, an approximation in the \
             spirit of the ONS Crime Severity Score, not the ONS table) and the rest by their category ({}), so a \
             category's harm reflects its mix of offences.",
            thousands(by_offence),
            thousands(counted),
            100.0 * by_offence as f64 / counted.max(1) as f64,
            bundled_offence_weights().name(),
            c.harm.name()
        )
    });
    s.tables.push(overview_table(ctx, &overview));
    Ok(SectionOutput {
        section: s,
        produced: Produced::Overview(overview),
    })
}

/// The total of the rows. Its rate uses the residents behind the first row with a rate.
fn total_row(config: &crate::config::AssessmentConfig, rows: &[OverviewRow]) -> OverviewRow {
    let (current, previous) = rows.iter().fold((0, 0), |(c, p), r| (c + r.current, p + r.previous));
    let per_incident = rows
        .iter()
        .filter(|r| r.current > 0)
        .find_map(|r| r.rate.map(|rate| rate / r.current as f64));
    OverviewRow {
        source: "all".into(),
        category: "All crime and ASB".into(),
        current,
        previous,
        harm: rows.iter().map(|r| r.harm).sum(),
        rate: per_incident.map(|per| per * current as f64),
        change: config.change(current, previous),
        why: None,
    }
}

fn overview_table(ctx: &RunContext, overview: &Overview) -> Table {
    let c = &ctx.config;
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
            Column::new("z", "z", ColumnKind::Derived),
            Column::new("p", "p", ColumnKind::Derived),
            Column::new("p_fdr", "p (adjusted)", ColumnKind::Derived),
            Column::new("significant", "Significant", ColumnKind::Derived),
            Column::new("harm", "Harm", ColumnKind::Derived),
            Column::new("harm_share", "Share of harm (%)", ColumnKind::Derived),
            Column::new("rate", "Per 1,000 residents", ColumnKind::Derived),
        ],
    );
    for r in overview.rows.iter().chain(std::iter::once(&overview.total)) {
        let c = r.change;
        t.push(vec![
            json!(r.source),
            json!(r.category),
            json!(r.current),
            json!(r.previous),
            json!(c.change),
            c.pct_change.map_or(Value::Null, |p| round(p, 1)),
            round(c.z, 2),
            json!(c.p),
            json!(c.p_fdr),
            json!(c.significant),
            round(r.harm, 1),
            overview.harm_share(r).map_or(Value::Null, |h| round(h, 1)),
            r.rate.map_or(Value::Null, |r| round(r, 2)),
        ]);
    }
    t.total_row = true;
    t.note = Some(
        "p is the Poisson E-test's (Krishnamoorthy & Thomson 2004) that the two periods share one rate; p (adjusted) \
         allows for the categories being tested together (Benjamini & Hochberg 1995), and a change is significant \
         when it is below 0.05 (the total is tested on its own). z = √2(√current − √previous) is the size of the \
         change on a standard-normal scale. Harm is the sum of each incident's weight: its offence's where the \
         offence table lists its Home Office code, else its category's."
            .into(),
    );
    t
}
