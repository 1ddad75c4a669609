//! The data-quality screens of section 2: implausible person keys, source drop-outs
//! and repeated totals, identical totals in both periods, measures no source provides,
//! and themes that share categories. Each says which rows it touched.

use std::collections::BTreeMap;

use crimescope_engine::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use crimescope_engine::arrow::compute::cast;
use crimescope_engine::arrow::datatypes::{DataType, Date32Type, Int64Type};
use crimescope_engine::datafusion::scalar::ScalarValue;
use crimescope_engine::quality::monthly_source_screen;
use crimescope_engine::trend::{TrendGroup, trend};
use crimescope_model::{Month, Period, Source};
use crimescope_report::document::Section;
use crimescope_report::table::{ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use crate::error::{AssessError, Result};
use crate::format::thousands;

/// Incidents of a category in both periods at or above this, with the same total, are
/// flagged: a copied extract looks like this, a real count rarely does.
const IDENTICAL_TOTAL_MIN: u64 = 100;

/// Add the screens to the data quality section.
pub(crate) async fn data_quality_screens(ctx: &RunContext, s: &mut Section) -> Result<()> {
    s.para("Data-quality screens: figures that look like a recording problem rather than crime.");
    person_keys(ctx, s);
    source_months(ctx, s).await?;
    identical_totals(ctx, s).await?;
    not_available(ctx, s).await?;
    overlapping_themes(ctx, s);
    Ok(())
}

fn person_keys(ctx: &RunContext, s: &mut Section) {
    let screen = &ctx.person_keys;
    if screen.roles.is_empty() {
        s.para("Person keys: none in the store for the period, so there is nothing to screen.");
        return;
    }
    let mut t = Table::with_columns(
        "screen-person-keys",
        "Person keys with implausibly many incidents",
        &[
            ("role", "Role", ColumnKind::Text),
            ("keys", "Keys", ColumnKind::Measure),
            ("p999", "99.9th percentile (incidents per key)", ColumnKind::Measure),
            ("threshold", "Flagged above", ColumnKind::Measure),
            ("flagged_keys", "Keys flagged", ColumnKind::Measure),
            ("incidents_touched", "Incidents touched", ColumnKind::Count),
        ],
    );
    for r in &screen.roles {
        let flagged: Vec<_> = screen.flagged.iter().filter(|f| f.role == r.role).collect();
        t.push(vec![
            json!(r.role),
            json!(r.keys),
            json!(r.p999),
            json!(r.threshold),
            json!(flagged.len()),
            json!(flagged.iter().map(|f| f.incidents).sum::<u64>()),
        ]);
    }
    t.note = Some(if screen.configured {
        "Flagged above the configured data_quality.person_key_max_incidents.".into()
    } else {
        "Flagged above max(50, 10 × the 99.9th percentile of incidents per key, the 10 largest keys left out of the \
         percentile so that placeholders cannot raise the bar); set data_quality.person_key_max_incidents to choose."
            .into()
    });
    s.tables.push(t.in_appendix());
    s.para(if screen.flagged.is_empty() {
        "No person key holds implausibly many incidents.".to_string()
    } else if screen.kept {
        format!(
            "{} person key(s) hold implausibly many incidents (a placeholder such as UNKNOWN in a source system looks \
             like this). They are kept in the victim and offender figures because data_quality.keep_implausible_keys \
             is set.",
            screen.flagged.len()
        )
    } else {
        format!(
            "{} person key(s) hold implausibly many incidents (a placeholder such as UNKNOWN in a source system looks \
             like this): they are left out of the victim and offender figures, the repeats and the power few, and \
             each subsection says how many incidents that touched. Their incidents still count in every crime figure.",
            screen.flagged.len()
        )
    });
    if !screen.flagged.is_empty() {
        let mut keys = Table::with_columns(
            "screen-flagged-keys",
            "Flagged person keys (pseudonymised)",
            &[
                ("role", "Role", ColumnKind::Text),
                ("person_key", "Person key", ColumnKind::PersonKey),
                ("incidents", "Incidents", ColumnKind::Count),
            ],
        );
        keys.sensitive = true;
        for f in &screen.flagged {
            keys.push(vec![json!(f.role), json!(f.person_key), json!(f.incidents)]);
        }
        s.tables.push(keys.in_appendix());
    }
}

/// Each source's months over both periods: drop-outs and repeated totals.
async fn source_months(ctx: &RunContext, s: &mut Section) -> Result<()> {
    let c = &ctx.config;
    let (first, last) = (
        c.period.first().min(c.compare.first()),
        c.period.last().max(c.compare.last()),
    );
    let Ok(span) = format!("{first}..{last}").parse::<Period>() else {
        return Ok(());
    };
    let batches = ctx
        .session
        .run_bound(
            "SELECT CAST(source AS VARCHAR) AS source, month, COUNT(*) AS n FROM incidents \
             WHERE month BETWEEN $1 AND $2 GROUP BY 1, 2",
            vec![
                ("1".into(), ScalarValue::Date32(Some(first.to_date32()))),
                ("2".into(), ScalarValue::Date32(Some(last.to_date32()))),
            ],
        )
        .await?;
    let months: Vec<Month> = span.iter().collect();
    let mut monthly: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for b in &batches {
        let src = text_column(b, 0)?;
        let (Some(month), Some(n)) = (
            b.column(1).as_primitive_opt::<Date32Type>(),
            b.column(2).as_primitive_opt::<Int64Type>(),
        ) else {
            return Err(AssessError::Internal(
                "the source-month screen's columns are not (text, date, count)".into(),
            ));
        };
        for r in 0..b.num_rows() {
            let (Some(m), true) = (Month::from_date32(month.value(r)), src.is_valid(r)) else {
                continue;
            };
            if let Some(i) = months.iter().position(|x| *x == m) {
                monthly
                    .entry(src.value(r).to_string())
                    .or_insert_with(|| vec![0; months.len()])[i] += n.value(r).max(0) as u64;
            }
        }
    }
    let flags = monthly_source_screen(span, &monthly);
    if flags.is_empty() {
        s.para(format!(
            "Source months: no source drops out or repeats the same monthly total in {span}."
        ));
        return Ok(());
    }
    let mut t = Table::with_columns(
        "screen-source-months",
        &format!("Months in {span} where a source looks wrong"),
        &[
            ("source", "Source", ColumnKind::Text),
            ("month", "Month", ColumnKind::Text),
            ("incidents", "Incidents", ColumnKind::Count),
            ("median", "Median month", ColumnKind::Measure),
            ("problem", "Problem", ColumnKind::Text),
        ],
    );
    for f in &flags {
        t.push(vec![
            json!(f.source),
            json!(f.month),
            json!(f.incidents),
            json!(f.median),
            json!(f.problem),
        ]);
    }
    t.note = Some(
        "A drop-out is a month under a tenth of the source's median month between months with data; a repeated total \
         is the same count three or more months running (20 or more a month). Check the extract before reading a \
         change in these months as a change in crime."
            .into(),
    );
    s.tables.push(t.in_appendix());
    Ok(())
}

/// Categories whose total is identical in both periods.
async fn identical_totals(ctx: &RunContext, s: &mut Section) -> Result<()> {
    let rows = trend(&ctx.session, &ctx.trend_request(TrendGroup::Category, None))
        .await?
        .records()?;
    let same: Vec<_> = rows
        .iter()
        .filter(|r| r.current == r.previous && r.current >= IDENTICAL_TOTAL_MIN)
        .collect();
    s.para(if same.is_empty() {
        format!(
            "Identical totals: no category of {} or more incidents has the same total in both periods.",
            IDENTICAL_TOTAL_MIN
        )
    } else {
        format!(
            "Identical totals in both periods (an extract copied forward looks like this; check before reading \"no \
             change\"): {}.",
            same.iter()
                .map(|r| format!("{} ({} in each)", r.group, thousands(r.current)))
                .collect::<Vec<_>>()
                .join("; ")
        )
    });
    Ok(())
}

/// Measures the document would otherwise print as 0 although no source can provide them.
async fn not_available(ctx: &RunContext, s: &mut Section) -> Result<()> {
    let mut missing = Vec::new();
    if ctx.sources.contains(&Source::Fire) {
        let batches = ctx
            .session
            .run_bound(
                "SELECT DISTINCT CAST(category AS VARCHAR) AS c FROM incidents WHERE CAST(source AS VARCHAR) = 'fire'",
                Vec::new(),
            )
            .await?;
        let mut categories = Vec::new();
        for b in &batches {
            let col = text_column(b, 0)?;
            categories.extend(
                (0..col.len())
                    .filter(|&i| col.is_valid(i))
                    .map(|i| col.value(i).to_string()),
            );
        }
        if !names_deliberate(&categories) {
            missing.push(
                "deliberate fires: no fire category in the store names deliberate fires, so the count is not \
                 available (not 0)",
            );
        }
    }
    if !ctx.session.manifest().outputs_of("parties").any(|o| o.rows > 0) {
        missing.push("victims and offenders: no source carries person keys");
    }
    if !missing.is_empty() {
        s.para(format!("Not available from these data: {}.", missing.join("; ")));
    }
    Ok(())
}

/// Whether any of these fire categories names deliberate fires.
pub(crate) fn names_deliberate<S: AsRef<str>>(categories: &[S]) -> bool {
    categories
        .iter()
        .any(|c| c.as_ref().to_lowercase().contains("deliberate"))
}

/// Themes that share categories: their totals overlap and do not add up.
fn overlapping_themes(ctx: &RunContext, s: &mut Section) {
    let mut themes_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (category, theme) in ctx.config.themes.pairs() {
        themes_of.entry(category.as_str()).or_default().push(theme.as_str());
    }
    let shared: Vec<(&str, &Vec<&str>)> = themes_of
        .iter()
        .filter(|(_, t)| t.len() > 1)
        .map(|(c, t)| (*c, t))
        .collect();
    if shared.is_empty() {
        s.para("Themes: no category sits in more than one theme, so theme totals add up.");
        return;
    }
    let mut t = Table::with_columns(
        "screen-shared-categories",
        "Categories counted in more than one theme",
        &[
            ("category", "Category", ColumnKind::Text),
            ("themes", "Themes", ColumnKind::Text),
        ],
    );
    for (category, themes) in &shared {
        t.push(vec![json!(category), json!(themes.join("; "))]);
    }
    t.note = Some(
        "Each incident of these categories counts in every theme listed, so theme totals overlap: they are not \
         additive, and no total of themes is given."
            .into(),
    );
    s.tables.push(t.in_appendix());
}

/// A column as UTF-8 text, whatever string type the query produced.
fn text_column(batch: &RecordBatch, index: usize) -> Result<StringArray> {
    let text = cast(batch.column(index), &DataType::Utf8).map_err(|e| AssessError::Internal(e.to_string()))?;
    text.as_string_opt::<i32>()
        .cloned()
        .ok_or_else(|| AssessError::Internal("a text column did not cast to UTF-8".into()))
}
