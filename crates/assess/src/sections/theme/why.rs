//! Why a theme changed: the change broken down by offence, by LSOA and by place, each
//! part's contribution adding up to the change (SI 2007/1830 asks for the reasons
//! behind changes; this says where they happened).

use crimescope_engine::drivers::{ChangeDrivers, DriverKind, DriverRequest, change_drivers};
use crimescope_report::document::Section;
use crimescope_report::table::{ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use crate::error::Result;
use crate::format::round;

/// How many parts a sentence names.
const NAMED: usize = 5;

/// The kinds a theme's change is broken down by, in the order of the text.
const KINDS: [DriverKind; 3] = [DriverKind::Offence, DriverKind::Lsoa, DriverKind::Place];

/// The "why" subsection of a theme chapter, and its lead sentence for the headline
/// (the LSOAs' share of the change), when there is a change.
pub(super) async fn why_section(ctx: &RunContext, id: &str, theme: &str) -> Result<(Section, Option<String>)> {
    let c = &ctx.config;
    let request = DriverRequest {
        period: c.period,
        compare: c.compare,
        source: None,
        category: None,
        theme: Some(theme.to_string()),
    };
    let mut s = Section::new(&format!("{id}-why"), "Why it changed");
    let mut all = Vec::new();
    for kind in KINDS {
        all.push(change_drivers(&ctx.session, &request, kind).await?);
    }
    let change = all.first().map_or(0, |d| d.change);
    if change == 0 {
        s.para(format!(
            "The theme's count is the same in {} and {}: there is no change to explain.",
            c.period, c.compare
        ));
        return Ok((s, None));
    }
    s.para(format!(
        "The change of {change:+} broken down three ways; each part's change is its own current count minus its \
         comparison count, so the parts add up to the change exactly. Shares above 100% mean other parts moved the \
         other way."
    ));
    let mut lead = None;
    for d in &all {
        match d.sentence(NAMED) {
            Some(text) => {
                s.para(format!("By {}: {text}.", noun(d.kind)));
                if d.kind == DriverKind::Lsoa {
                    lead = Some(text);
                }
            }
            None => {
                s.para(format!(
                    "By {}: no part moved in the direction of the change.",
                    noun(d.kind)
                ));
            }
        }
    }
    s.tables.push(table(id, &all).in_appendix());
    Ok((s, lead))
}

fn noun(kind: DriverKind) -> &'static str {
    match kind {
        DriverKind::Offence => "offence",
        DriverKind::Lsoa => "LSOA",
        DriverKind::Ward => "ward",
        DriverKind::Place => "place",
    }
}

/// The named parts of every breakdown, with their share of the change.
fn table(id: &str, all: &[ChangeDrivers]) -> Table {
    let mut t = Table::with_columns(
        &format!("{id}-why"),
        "The parts that moved most in the direction of the change",
        &[
            ("by", "By", ColumnKind::Text),
            ("part", "Part", ColumnKind::Text),
            ("current", "Current", ColumnKind::Count),
            ("previous", "Previous", ColumnKind::Count),
            ("change", "Change", ColumnKind::Derived),
            ("share_of_change", "Share of the change (%)", ColumnKind::Derived),
        ],
    );
    for d in all {
        for part in d.drivers.iter().take(NAMED) {
            t.push(vec![
                json!(noun(d.kind)),
                json!(part.label.clone().unwrap_or_else(|| part.key.clone())),
                json!(part.current),
                json!(part.previous),
                json!(part.change),
                round(100.0 * part.change as f64 / d.change as f64, 1),
            ]);
        }
    }
    t
}
