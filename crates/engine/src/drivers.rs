//! Why a count changed: the contribution of each offence, area or place to the change
//! between two periods (`queries/change_drivers.sql`).
//!
//! A change is a sum: current − previous over the whole selection equals the sum of
//! current − previous over any partition of it. So each part's contribution is its own
//! change, the contributions add up to the change exactly, and "48% from five places" is
//! the share of the change that the five parts moving most in its direction account
//! for. The decomposition is exact and descriptive; it says where the change happened,
//! not what caused it.

use std::collections::HashMap;

use crimescope_model::{Period, Source};

use crate::columns::Columns;
use crate::error::{EngineError, Result};
use crate::session::Session;

/// What the change is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DriverKind {
    /// The Home Office offence code (else the sub-category).
    Offence,
    /// The 2021 LSOA.
    Lsoa,
    /// The ward.
    Ward,
    /// The place (`location_key`, else the published point).
    Place,
}

impl DriverKind {
    /// Every kind.
    pub const ALL: [DriverKind; 4] = [
        DriverKind::Offence,
        DriverKind::Lsoa,
        DriverKind::Ward,
        DriverKind::Place,
    ];

    /// The query's `by` value.
    pub fn as_str(self) -> &'static str {
        match self {
            DriverKind::Offence => "offence",
            DriverKind::Lsoa => "lsoa",
            DriverKind::Ward => "ward",
            DriverKind::Place => "place",
        }
    }

    /// The plural noun for prose ("places", "LSOAs").
    pub fn plural(self) -> &'static str {
        match self {
            DriverKind::Offence => "offences",
            DriverKind::Lsoa => "LSOAs",
            DriverKind::Ward => "wards",
            DriverKind::Place => "places",
        }
    }
}

/// One part of the selection and its change.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Driver {
    /// The offence code, LSOA code, ward code or place key; `(none)` where unknown.
    pub key: String,
    /// A readable name (offence description, LSOA name, street), when known.
    pub label: Option<String>,
    /// Incidents in the current period.
    pub current: u64,
    /// Incidents in the comparison period.
    pub previous: u64,
    /// `current − previous`.
    pub change: i64,
}

/// A change broken down by one kind of part.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChangeDrivers {
    /// What the parts are.
    #[serde(skip)]
    pub kind: DriverKind,
    /// The selection's change (the sum of the parts' changes).
    pub change: i64,
    /// Every part, those moving most in the direction of the change first.
    pub drivers: Vec<Driver>,
}

impl ChangeDrivers {
    /// The parts' changes summed, which equals [`ChangeDrivers::change`] by construction.
    pub fn sum_of_parts(&self) -> i64 {
        self.drivers.iter().map(|d| d.change).sum()
    }

    /// The share of the change (as a fraction) that the first `k` parts account for;
    /// `None` for no change. Above 1 when other parts moved the other way.
    pub fn top_share(&self, k: usize) -> Option<f64> {
        (self.change != 0)
            .then(|| self.drivers.iter().take(k).map(|d| d.change).sum::<i64>() as f64 / self.change as f64)
    }

    /// "+412: 48% from 5 places (High Street +60, ...)", for prose; `None` without a
    /// change.
    pub fn sentence(&self, k: usize) -> Option<String> {
        let share = self.top_share(k)?;
        let shown: Vec<String> = self
            .drivers
            .iter()
            .take(k)
            .filter(|d| d.change != 0 && (d.change > 0) == (self.change > 0))
            .map(|d| format!("{} {:+}", d.label.as_deref().unwrap_or(&d.key), d.change))
            .collect();
        if shown.is_empty() {
            return None;
        }
        Some(format!(
            "{:.0}% of the {} from {} {} ({})",
            100.0 * share,
            if self.change > 0 { "rise" } else { "fall" },
            shown.len(),
            if shown.len() == 1 {
                singular(self.kind)
            } else {
                self.kind.plural()
            },
            shown.join("; ")
        ))
    }
}

impl ChangeDrivers {
    /// The short form of [`ChangeDrivers::sentence`] for a summary: "17% of the rise
    /// from 5 places, led by High Street (+7)"; `None` without a change or without a
    /// part moving with it.
    pub fn led_by(&self, k: usize) -> Option<String> {
        let share = self.top_share(k)?;
        let with: Vec<&Driver> = self
            .drivers
            .iter()
            .take(k)
            .filter(|d| d.change != 0 && (d.change > 0) == (self.change > 0))
            .collect();
        let first = with.first()?;
        let name = first.label.as_deref().unwrap_or(&first.key);
        let direction = if self.change > 0 { "rise" } else { "fall" };
        Some(if with.len() == 1 {
            format!(
                "{:.0}% of the {direction} from {name} ({:+})",
                100.0 * share,
                first.change
            )
        } else {
            format!(
                "{:.0}% of the {direction} from {} {}, led by {name} ({:+})",
                100.0 * share,
                with.len(),
                self.kind.plural(),
                first.change
            )
        })
    }
}

fn singular(kind: DriverKind) -> &'static str {
    match kind {
        DriverKind::Offence => "offence",
        DriverKind::Lsoa => "LSOA",
        DriverKind::Ward => "ward",
        DriverKind::Place => "place",
    }
}

/// What is broken down: the periods and the selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverRequest {
    /// The current period.
    pub period: Period,
    /// The comparison period.
    pub compare: Period,
    /// Only this source.
    pub source: Option<Source>,
    /// Only this category (display name).
    pub category: Option<String>,
    /// Only this theme.
    pub theme: Option<String>,
}

/// Break the selection's change down by `kind`.
pub async fn change_drivers(session: &Session, request: &DriverRequest, kind: DriverKind) -> Result<ChangeDrivers> {
    if request.period.overlaps(request.compare) {
        return Err(EngineError::Unanswerable(format!(
            "the comparison period {} overlaps the current period {}",
            request.compare, request.period
        )));
    }
    let mut params: HashMap<String, String> =
        crate::queries::filter_params(request.period, request.source, request.category.as_deref());
    params.insert("compare_start".into(), request.compare.first().to_string());
    params.insert("compare_end".into(), request.compare.last().to_string());
    params.insert("by".into(), kind.as_str().into());
    params.insert("theme".into(), request.theme.clone().unwrap_or_default());
    let batches = session.run_builtin("change_drivers", &params).await?;
    let mut drivers = Vec::new();
    for b in &batches {
        let c = Columns::new(b, "change_drivers");
        let (keys, labels) = (c.texts_required("key")?, c.texts("label")?);
        let (current, previous) = (c.counts("current")?, c.counts("previous")?);
        for i in 0..b.num_rows() {
            drivers.push(Driver {
                key: keys[i].clone(),
                label: if keys[i] == "(none)" {
                    Some("not recorded".to_string())
                } else {
                    labels[i].clone().filter(|l| !l.trim().is_empty())
                },
                current: current[i],
                previous: previous[i],
                change: current[i] as i64 - previous[i] as i64,
            });
        }
    }
    let change: i64 = drivers.iter().map(|d| d.change).sum();
    // Those moving most in the direction of the change first; ties by key.
    drivers.sort_by(|a, b| {
        let (x, y) = if change >= 0 {
            (b.change, a.change)
        } else {
            (a.change, b.change)
        };
        x.cmp(&y).then_with(|| a.key.cmp(&b.key))
    });
    Ok(ChangeDrivers { kind, change, drivers })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drivers(changes: &[(&str, i64)]) -> ChangeDrivers {
        ChangeDrivers {
            kind: DriverKind::Place,
            change: changes.iter().map(|c| c.1).sum(),
            drivers: changes
                .iter()
                .map(|&(name, change)| Driver {
                    key: format!("uprn:{name}"),
                    label: Some(name.to_string()),
                    current: (20 + change) as u64,
                    previous: 20,
                    change,
                })
                .collect(),
        }
    }

    #[test]
    fn the_short_form_names_the_leading_part_and_the_share() {
        let rise = drivers(&[
            ("High Street", 7),
            ("Mill Lane", 3),
            ("Elm Road", -5),
            ("Ash Close", 15),
        ]);
        // The parts are listed as given (the query orders them); the first two move with
        // the rise of 20 and hold 10 of it.
        assert_eq!(
            rise.led_by(2).unwrap(),
            "50% of the rise from 2 places, led by High Street (+7)"
        );
        assert_eq!(rise.led_by(1).unwrap(), "35% of the rise from High Street (+7)");
        let fall = drivers(&[("Elm Road", -5)]);
        assert_eq!(fall.led_by(5).unwrap(), "100% of the fall from Elm Road (-5)");
        assert_eq!(
            drivers(&[("A", 2), ("B", -2)]).led_by(5),
            None,
            "no change, no sentence"
        );
    }
}
