//! The part of section 2 that says which incidents the assessment covers: the area and
//! how it was resolved, incidents inside, outside and unplaceable by source, the rule
//! for the unplaceable, and which police source each crime is counted from (with the two
//! side by side by category where both cover a month).

use std::collections::BTreeSet;

use crimescope_engine::selection::{CrimeSource, Unplaceable, compare_crime_sources, placement_counts};
use crimescope_model::Month;
use crimescope_report::document::Section;
use crimescope_report::table::{ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use crate::error::Result;
use crate::format::thousands;

/// A list of months as ranges: `2023-01..2024-12, 2025-03`.
pub(crate) fn month_ranges(months: &BTreeSet<Month>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut run: Option<(Month, Month)> = None;
    for &m in months {
        run = match run {
            Some((a, b)) if b.next() == m => Some((a, m)),
            Some((a, b)) => {
                out.push(if a == b { a.to_string() } else { format!("{a}..{b}") });
                Some((m, m))
            }
            None => Some((m, m)),
        };
    }
    if let Some((a, b)) = run {
        out.push(if a == b { a.to_string() } else { format!("{a}..{b}") });
    }
    if out.is_empty() {
        "none".to_string()
    } else {
        out.join(", ")
    }
}

/// Add the area, placement and crime-source paragraphs and tables to `s`.
pub(crate) async fn describe(ctx: &RunContext, s: &mut Section) -> Result<()> {
    let c = &ctx.config;
    let selection = ctx.session.selection();
    let Some(area) = &selection.area else {
        return Ok(());
    };
    s.para(format!(
        "The area is {}. Incidents are counted when their LSOA code (2011 or 2021) is one of the area's; a code the \
         lookup lacks counts when its LSOA name begins with the name of one of the area's districts; a point with no \
         code is placed by the store's LSOA boundaries (assigned at ingest).",
        area.rule
    ));
    let months: BTreeSet<Month> = c.period.iter().chain(c.compare.iter()).collect();
    let placed = placement_counts(&ctx.session, &months).await?;
    let (inside, outside, unplaceable) = placed.iter().fold((0, 0, 0), |(i, o, u), p| {
        (i + p.inside, o + p.outside, u + p.unplaceable)
    });
    let counted = match area.unplaceable {
        Unplaceable::Count => "count towards the area",
        Unplaceable::LeaveOut => "are left out of every figure",
    };
    s.para(format!(
        "Over {} and {}, the store holds {} incidents inside the area, {} outside it and {} that cannot be placed \
         (no LSOA code and no usable point: police.uk's “No Location” crimes, partner rows without coordinates). \
         Unplaceable incidents {counted} (key `unplaceable`: {}; {}).",
        c.period,
        c.compare,
        thousands(inside),
        thousands(outside),
        thousands(unplaceable),
        area.unplaceable.name(),
        if c.unplaceable.is_some() {
            "set in the config".to_string()
        } else if area.unplaceable == Unplaceable::Count {
            "the default where one force polices only the area, so its unplaceable crimes are the area's".to_string()
        } else {
            "the default where the data cover more than the area, so an unplaceable incident may lie elsewhere"
                .to_string()
        }
    ));
    let mut t = Table::with_columns(
        "placement",
        &format!("Incidents by source and placement, {} and {}", c.period, c.compare),
        &[
            ("source", "Source", ColumnKind::Text),
            ("dataset", "Dataset", ColumnKind::Text),
            ("inside", "Inside the area", ColumnKind::Count),
            ("outside", "Outside", ColumnKind::Count),
            ("unplaceable", "Unplaceable", ColumnKind::Count),
        ],
    );
    for p in &placed {
        t.push(vec![
            json!(p.source),
            json!(p.dataset),
            json!(p.inside),
            json!(p.outside),
            json!(p.unplaceable),
        ]);
    }
    t.note =
        Some("Before the choice of crime source below: a crime in both police sources appears in both rows.".into());
    s.tables.push(t.in_appendix());

    let (force, uk) = (selection.months_from_force(), selection.months_from_police_uk());
    let both: BTreeSet<Month> = selection
        .force_months
        .intersection(&selection.police_uk_months)
        .copied()
        .collect();
    if selection.force_months.is_empty() && selection.police_uk_months.is_empty() {
        return Ok(());
    }
    s.para(format!(
        "Police-recorded crime is counted once, from one source (key `crime_source`: {}{}): from the force's crime \
         extract for {} and from police.uk for {}.{}",
        selection.crime_source,
        if selection.crime_source == CrimeSource::Auto {
            ", the force extract wherever it covers a month, as it carries dates, times and people"
        } else {
            ""
        },
        month_ranges(&force),
        month_ranges(&uk),
        if both.is_empty() {
            String::new()
        } else {
            " Where both cover a month, the two are compared below by category, as an analyst checks an extract \
             against the published figures."
                .to_string()
        }
    ));
    if both.is_empty() {
        return Ok(());
    }
    let in_periods: BTreeSet<Month> = both.intersection(&months).copied().collect();
    let compared = if in_periods.is_empty() { &both } else { &in_periods };
    let rows = compare_crime_sources(&ctx.session, compared).await?;
    let mut t = Table::with_columns(
        "crime-sources",
        &format!(
            "Police-recorded crime in the area by source, {}",
            month_ranges(compared)
        ),
        &[
            ("category", "Category", ColumnKind::Text),
            ("police_uk", "police.uk", ColumnKind::Count),
            ("force", "Force extract", ColumnKind::Count),
            ("difference", "Difference", ColumnKind::Derived),
        ],
    );
    let (mut a, mut b) = (0u64, 0u64);
    for r in &rows {
        a += r.police_uk;
        b += r.force;
        t.push(vec![
            json!(r.category),
            json!(r.police_uk),
            json!(r.force),
            json!(r.force as i64 - r.police_uk as i64),
        ]);
    }
    t.push(vec![json!("Total"), json!(a), json!(b), json!(b as i64 - a as i64)]);
    t.total_row = true;
    t.note = Some(format!(
        "Only one column counts in the figures of this document ({}). police.uk publishes crimes by month with \
         anonymised locations and drops some; an extract also holds crimes recorded after publication.",
        if selection.crime_source == CrimeSource::PoliceUk {
            "police.uk"
        } else {
            "the force extract"
        }
    ));
    s.tables.push(t.in_appendix());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_written_as_ranges() {
        let m = |s: &str| s.parse::<Month>().unwrap();
        let set: BTreeSet<Month> = ["2024-11", "2024-12", "2025-01", "2025-03"]
            .iter()
            .map(|s| m(s))
            .collect();
        assert_eq!(month_ranges(&set), "2024-11..2025-01, 2025-03");
        assert_eq!(month_ranges(&BTreeSet::new()), "none");
    }
}
