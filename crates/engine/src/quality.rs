//! Data-quality screens: figures that look like a recording artefact rather than
//! behaviour, found before they drive a finding.
//!
//! - [`screen_person_keys`]: person keys holding implausibly many incidents (a
//!   placeholder such as `UNKNOWN` or `0000` in a source system), which repeat and
//!   power-few figures then leave out unless told to keep them.
//! - [`monthly_source_screen`]: months in which a source drops out or repeats the same
//!   total, which look like an extract problem, not a change in crime.

use std::collections::{BTreeMap, HashMap};

use crimescope_model::{Month, Period};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};

use crate::error::Result;
use crate::session::Session;

/// The least threshold of the automatic rule: no key with this many incidents or fewer
/// is flagged, however small the data.
pub const MIN_IMPLAUSIBLE_INCIDENTS: u64 = 50;

/// How many of the largest keys the automatic rule leaves out before it takes the
/// percentile, so that a few placeholder keys cannot raise the bar above themselves.
pub const TRIMMED_KEYS: usize = 10;

/// How implausible person keys are found and treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PersonKeyPolicy {
    /// Flag keys with more incidents than this in the period; `None` for the automatic
    /// rule (see [`screen_person_keys`]).
    pub max_incidents: Option<u64>,
    /// Keep flagged keys in repeat and power-few figures (they are still reported).
    pub keep: bool,
}

/// One flagged key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlaggedKey {
    /// `victim` or `offender`.
    pub role: String,
    /// The pseudonymised key.
    pub person_key: String,
    /// Incidents linked to it in the period.
    pub incidents: u64,
}

/// The screen of one role.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RoleScreen {
    /// `victim` or `offender`.
    pub role: String,
    /// Distinct keys of the role in the period.
    pub keys: u64,
    /// Person–incident links of the role in the period.
    pub incidents: u64,
    /// The 99.9th percentile of incidents per key (nearest rank, after leaving out the
    /// [`TRIMMED_KEYS`] largest).
    pub p999: u64,
    /// Keys with more incidents than this are flagged.
    pub threshold: u64,
}

/// The person-key screen over a period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonKeyScreen {
    /// One entry per role with keys.
    pub roles: Vec<RoleScreen>,
    /// The flagged keys, most incidents first.
    pub flagged: Vec<FlaggedKey>,
    /// Whether the threshold was given (`false`: the automatic rule).
    pub configured: bool,
    /// Whether flagged keys stay in the figures.
    pub kept: bool,
}

impl PersonKeyScreen {
    /// The flagged keys of a role that analyses leave out (none when they are kept).
    pub fn excluded(&self, role: &str) -> Vec<String> {
        if self.kept {
            return Vec::new();
        }
        self.flagged
            .iter()
            .filter(|f| f.role == role)
            .map(|f| f.person_key.clone())
            .collect()
    }
}

/// Screen the person keys linked to incidents in `period` (`queries/person_key_volumes.sql`).
///
/// The automatic threshold is max([`MIN_IMPLAUSIBLE_INCIDENTS`], 10 × the 99.9th
/// percentile of incidents per key after leaving out the [`TRIMMED_KEYS`] largest keys):
/// far above what any real person records, and out of reach of the keys under suspicion.
/// A store with no person keys gives an empty screen.
pub async fn screen_person_keys(session: &Session, period: Period, policy: PersonKeyPolicy) -> Result<PersonKeyScreen> {
    let mut by_role: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    if session.manifest().outputs_of("parties").any(|o| o.rows > 0) {
        let mut params = HashMap::new();
        params.insert("period_start".to_string(), period.first().to_string());
        params.insert("period_end".to_string(), period.last().to_string());
        for b in session.run_builtin("person_key_volumes", &params).await? {
            let role = cast(b.column(0), &DataType::Utf8)?;
            let key = cast(b.column(1), &DataType::Utf8)?;
            let (role, key) = (role.as_string::<i32>(), key.as_string::<i32>());
            let n = b.column(2).as_primitive::<Int64Type>();
            for r in 0..b.num_rows() {
                if role.is_valid(r) && key.is_valid(r) {
                    by_role
                        .entry(role.value(r).to_string())
                        .or_default()
                        .push((key.value(r).to_string(), n.value(r).max(0) as u64));
                }
            }
        }
    }
    let mut roles = Vec::new();
    let mut flagged = Vec::new();
    for (role, mut keys) in by_role {
        keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let counts: Vec<u64> = keys.iter().map(|k| k.1).collect();
        let p999 = trimmed_percentile(&counts, 0.999, TRIMMED_KEYS);
        let threshold = policy
            .max_incidents
            .unwrap_or_else(|| (10 * p999).max(MIN_IMPLAUSIBLE_INCIDENTS));
        flagged.extend(keys.iter().filter(|k| k.1 > threshold).map(|k| FlaggedKey {
            role: role.clone(),
            person_key: k.0.clone(),
            incidents: k.1,
        }));
        roles.push(RoleScreen {
            keys: keys.len() as u64,
            incidents: counts.iter().sum(),
            p999,
            threshold,
            role,
        });
    }
    flagged.sort_by(|a, b| b.incidents.cmp(&a.incidents).then(a.person_key.cmp(&b.person_key)));
    Ok(PersonKeyScreen {
        roles,
        flagged,
        configured: policy.max_incidents.is_some(),
        kept: policy.keep,
    })
}

/// The `q` quantile (nearest rank) of `descending` after dropping its `trim` largest
/// values; 0 when nothing is left.
fn trimmed_percentile(descending: &[u64], q: f64, trim: usize) -> u64 {
    let rest = descending.get(trim..).unwrap_or(&[]);
    if rest.is_empty() {
        return 0;
    }
    // Nearest rank in ascending order: the ceil(q n)-th smallest.
    let rank = ((q * rest.len() as f64).ceil() as usize).clamp(1, rest.len());
    rest[rest.len() - rank]
}

/// A month in which a source looks wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceMonthFlag {
    /// The source.
    pub source: String,
    /// The month.
    pub month: String,
    /// Incidents of the source that month.
    pub incidents: u64,
    /// The median month of the source over the span.
    pub median: u64,
    /// What is wrong: `drop-out` (under a tenth of the median, or none, between months
    /// with data) or `repeated total` (the same count as the month before, three or
    /// more months running, at 20 or more a month).
    pub problem: &'static str,
}

/// Screen each source's monthly counts over `span` for drop-outs and repeated totals.
/// `monthly` holds, per source, the count of every month of the span (0 where none).
pub fn monthly_source_screen(span: Period, monthly: &BTreeMap<String, Vec<u64>>) -> Vec<SourceMonthFlag> {
    let months: Vec<Month> = span.iter().collect();
    let mut out = Vec::new();
    for (source, counts) in monthly {
        if counts.len() != months.len() {
            continue;
        }
        let mut sorted = counts.clone();
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2];
        let first = counts.iter().position(|&c| c > 0);
        let last = counts.iter().rposition(|&c| c > 0);
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        for i in first..=last {
            if median >= 10 && counts[i] * 10 < median {
                out.push(SourceMonthFlag {
                    source: source.clone(),
                    month: months[i].to_string(),
                    incidents: counts[i],
                    median,
                    problem: "drop-out",
                });
            }
        }
        // Runs of the same total: flag the third month onwards of a run.
        let mut run = 1;
        for i in 1..counts.len() {
            run = if counts[i] == counts[i - 1] { run + 1 } else { 1 };
            if run >= 3 && counts[i] >= 20 {
                out.push(SourceMonthFlag {
                    source: source.clone(),
                    month: months[i].to_string(),
                    incidents: counts[i],
                    median,
                    problem: "repeated total",
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_leaves_out_the_largest_keys() {
        // 1,000 keys of 1-3 incidents and two placeholders: the bar stays near 3.
        let mut counts: Vec<u64> = (0..1000).map(|i| 1 + (i % 3) as u64).collect();
        counts.extend([8071, 4000]);
        counts.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(trimmed_percentile(&counts, 0.999, TRIMMED_KEYS), 3);
        assert_eq!(trimmed_percentile(&[5, 4], 0.999, TRIMMED_KEYS), 0);
    }

    #[test]
    fn drop_outs_and_repeated_totals_are_flagged_and_steady_months_are_not() {
        let span: Period = "2025-01..2025-08".parse().unwrap();
        let mut monthly = BTreeMap::new();
        monthly.insert("asb".to_string(), vec![200, 210, 3, 190, 205, 205, 205, 205]);
        monthly.insert("fire".to_string(), vec![0, 0, 40, 42, 39, 41, 38, 40]);
        monthly.insert("police".to_string(), vec![500, 520, 480, 510, 505, 495, 515, 490]);
        let flags = monthly_source_screen(span, &monthly);
        let found: Vec<(&str, &str, &str)> = flags
            .iter()
            .map(|f| (f.source.as_str(), f.month.as_str(), f.problem))
            .collect();
        assert_eq!(
            found,
            vec![
                ("asb", "2025-03", "drop-out"),
                ("asb", "2025-07", "repeated total"),
                ("asb", "2025-08", "repeated total"),
            ],
            "fire starting in March is not a drop-out; police varies"
        );
    }
}
