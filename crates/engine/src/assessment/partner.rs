//! Sections 7 and 8: partner data (deliberate fires, ASB by category, proven
//! re-offending) and the views of the people who live and work in the area.

use crimescope_model::{Month, Period, Source};
use crimescope_report::consultation::read_consultation;
use crimescope_report::document::{Figure, Section};
use crimescope_report::svg;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Value, json};

use super::tables::{count, records, round, table_from_records, text, thousands};
use super::{Ctx, SectionOut, or_not_produced};
use crate::error::{EngineError, Result};
use crate::reoffending::{FOLLOW_UP_DAYS, reoffending};
use crate::trend::{TrendGroup, trend};

/// Section 7: partner data.
pub(crate) async fn partner(ctx: &Ctx) -> Result<SectionOut> {
    let mut s = Section::new("partner", "Partner data");
    let fires = by_category(ctx, Source::Fire, "partner-fires", "Fires").await;
    s.subsections.push(or_not_produced("partner-fires", "Fires", fires)?);
    let asb = by_category(ctx, Source::Asb, "partner-asb", "Anti-social behaviour by category").await;
    s.subsections.push(or_not_produced(
        "partner-asb",
        "Anti-social behaviour by category",
        asb,
    )?);
    let re = reoffending_section(ctx).await;
    s.subsections
        .push(or_not_produced("partner-reoffending", "Proven re-offending", re)?);
    Ok(SectionOut::new(s))
}

async fn by_category(ctx: &Ctx, source: Source, id: &str, title: &str) -> Result<Section> {
    let c = &ctx.config;
    if !ctx.sources.contains(&source) {
        return Err(EngineError::Unanswerable(format!(
            "the store holds no {} incidents{}; ingest the partner's extract (docs/formats.md)",
            source.name(),
            if c.sources.contains(&source) {
                ""
            } else {
                " and the config leaves the source out (key `sources`)"
            }
        )));
    }
    let request = ctx.trend_request(TrendGroup::Category, Some(source));
    let rows = records(&trend(&ctx.session, &request).await?.batches)?;
    let mut s = Section::new(id, title);
    let (cur, prev): (u64, u64) = rows
        .iter()
        .fold((0, 0), |(a, b), r| (a + count(r, "current"), b + count(r, "previous")));
    let z = crimescope_stats::wheeler_z(cur, prev);
    s.para(format!(
        "{} {} incidents in {}, {} on {} (Wheeler's z = {z:.2}, {}).",
        thousands(cur),
        source.name(),
        c.period,
        super::tables::change_words(cur, prev),
        c.compare,
        super::tables::significance_words(z)
    ));
    if source == Source::Fire {
        let deliberate: Vec<_> = rows
            .iter()
            .filter(|r| text(r, "group").to_lowercase().contains("deliberate"))
            .collect();
        let (dc, dp) = deliberate
            .iter()
            .fold((0, 0), |(a, b), r| (a + count(r, "current"), b + count(r, "previous")));
        s.para(format!(
            "Deliberate fires (the categories named deliberate): {} in {}, {} ({}).",
            thousands(dc),
            c.period,
            super::tables::change_words(dc, dp),
            super::tables::significance_words(crimescope_stats::wheeler_z(dc, dp))
        ));
    }
    let mut t = table_from_records(
        &format!("{id}-by-category"),
        &format!("{title}, {} against {}", c.period, c.compare),
        &rows,
        &[
            ("group", "Category", ColumnKind::Text),
            ("current", "Current", ColumnKind::Count),
            ("previous", "Previous", ColumnKind::Count),
            ("change", "Change", ColumnKind::Derived),
            ("z", "Wheeler z", ColumnKind::Derived),
            ("significant", "Significant", ColumnKind::Derived),
        ],
    );
    for row in &mut t.rows {
        if let Some(z) = row[4].as_f64() {
            row[4] = round(z, 2);
        }
    }
    t.push(vec![
        json!("Total"),
        json!(cur),
        json!(prev),
        json!(cur as i64 - prev as i64),
        round(z, 2),
        json!(z.abs() >= 1.96),
    ]);
    t.total_row = true;
    s.tables.push(t);
    Ok(s)
}

/// The latest cohort whose 12-month offence window and 6-month conviction lag are
/// complete in the store: up to 12 months of cohort starts ending `FOLLOW_UP_DAYS`
/// before the latest conviction.
async fn complete_cohort(ctx: &Ctx) -> Result<Period> {
    let first = records(
        &ctx.session
            .run_bound(
                "SELECT to_char(MIN(cohort_start), '%Y-%m') AS first_start FROM offenders",
                Vec::new(),
            )
            .await?,
    )?;
    let latest = records(
        &ctx.session
            .run_bound(
                "SELECT CAST(MAX(conviction_date) AS BIGINT) AS latest FROM reoffences",
                Vec::new(),
            )
            .await?,
    )?;
    let first = first.first().map(|r| text(r, "first_start")).unwrap_or_default();
    let latest = latest.first().and_then(|r| r.get("latest")).and_then(Value::as_i64);
    let (Ok(first), Some(latest)) = (first.parse::<Month>(), latest) else {
        return Err(EngineError::Unanswerable(
            "the store holds no probation cohort and re-offences; ingest the probation extracts (docs/formats.md)"
                .into(),
        ));
    };
    // The last cohort month whose every start has its full follow-up before `latest`.
    let (y, m, _) = crimescope_model::civil_from_days(latest as i32 - FOLLOW_UP_DAYS);
    let end = Month::new(y, m).ok_or_else(|| EngineError::Unanswerable("cohort month out of range".into()))?;
    let last = super::overview::months_ending(end, 2)?.first();
    let start = super::overview::months_ending(last, 12)?.first();
    let start = if start < first { first } else { start };
    if last < start {
        return Err(EngineError::Unanswerable(format!(
            "no cohort has a complete follow-up: cohort starts begin {first} and the latest conviction in the store \
             is {y}-{m:02}; proven re-offending needs 12 months plus 6 months for conviction"
        )));
    }
    Ok(Period::new(start, last)?)
}

async fn reoffending_section(ctx: &Ctx) -> Result<Section> {
    let cohort = complete_cohort(ctx).await?;
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

/// Section 8: the consultation results.
pub(crate) fn consultation(ctx: &Ctx) -> Result<SectionOut> {
    let title = "The views of people who live and work in the area";
    let Some(path) = &ctx.config.consultation else {
        return Ok(SectionOut::new(Section::not_produced(
            "consultation",
            title,
            "no consultation results are configured; set the key `consultation` to a CSV of priority,share \
             (docs/assessment.md). SI 2007/1830 reg. 5 asks the assessment to have regard to these views",
        )));
    };
    let rows = read_consultation(path).map_err(|e| EngineError::Unanswerable(e.to_string()))?;
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
    s.tables.push(t);
    let mut out = SectionOut::new(s);
    out.data.insert(
        "consultation".into(),
        Value::Array(
            rows.iter()
                .map(|r| json!({"priority": r.priority, "share": r.share, "respondents": r.respondents}))
                .collect(),
        ),
    );
    Ok(out)
}
