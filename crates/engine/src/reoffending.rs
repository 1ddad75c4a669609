//! Proven re-offending (the Ministry of Justice definition).

use std::collections::BTreeMap;

use crimescope_model::{Month, Period};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type};

use crate::columns::Columns;
use crate::error::{EngineError, Result};
use crate::session::Session;

/// Days from a cohort start to the end of follow-up: 12 months to commit the
/// re-offence and 6 more for it to be proven.
pub const FOLLOW_UP_DAYS: i32 = 365 + 183;

/// Re-offending figures for one group of the cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct ReoffendingRow {
    /// `all`, or the breakdown value (an index offence, a tier, `iom`/`not iom`).
    pub group: String,
    /// Offenders in the cohort.
    pub offenders: u64,
    /// Offenders with at least one proven re-offence.
    pub reoffenders: u64,
    /// reoffenders / offenders.
    pub rate: f64,
    /// Proven re-offences.
    pub reoffences: u64,
    /// reoffences / reoffenders (the frequency).
    pub per_reoffender: f64,
    /// The median days from cohort start to the first proven re-offence.
    pub median_days_to_first: Option<f64>,
}

/// As JSON: an array of the rows, each with its breakdown (`all`, `index offence`,
/// `tier`, `iom`).
impl serde::Serialize for Reoffending {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            breakdown: &'a str,
            group: &'a str,
            offenders: u64,
            reoffenders: u64,
            rate: f64,
            reoffences: u64,
            reoffences_per_reoffender: f64,
            median_days_to_first: Option<f64>,
        }
        serializer.collect_seq(self.rows.iter().map(|(breakdown, r)| Row {
            breakdown,
            group: &r.group,
            offenders: r.offenders,
            reoffenders: r.reoffenders,
            rate: r.rate,
            reoffences: r.reoffences,
            reoffences_per_reoffender: r.per_reoffender,
            median_days_to_first: r.median_days_to_first,
        }))
    }
}

/// The cohort's figures overall and by index offence, tier and IOM flag.
#[derive(Debug, Clone, PartialEq)]
pub struct Reoffending {
    /// The cohort period (by cohort start).
    pub cohort: Period,
    /// `all` first, then one row per breakdown value: (breakdown, row).
    pub rows: Vec<(String, ReoffendingRow)>,
}

#[derive(Default)]
struct Acc {
    offenders: u64,
    reoffenders: u64,
    reoffences: u64,
    days: Vec<i64>,
}

impl Acc {
    fn row(mut self, group: String) -> ReoffendingRow {
        self.days.sort_unstable();
        let median = match self.days.len() {
            0 => None,
            n if n % 2 == 1 => Some(self.days[n / 2] as f64),
            n => Some((self.days[n / 2 - 1] + self.days[n / 2]) as f64 / 2.0),
        };
        ReoffendingRow {
            group,
            offenders: self.offenders,
            reoffenders: self.reoffenders,
            rate: if self.offenders > 0 {
                self.reoffenders as f64 / self.offenders as f64
            } else {
                0.0
            },
            reoffences: self.reoffences,
            per_reoffender: if self.reoffenders > 0 {
                self.reoffences as f64 / self.reoffenders as f64
            } else {
                0.0
            },
            median_days_to_first: median,
        }
    }
}

/// Proven re-offending for the offenders whose cohort start falls in `cohort`
/// (`queries/reoffending.sql`): a proven re-offence is committed within 12 months after
/// the cohort start and proven by conviction within a further 6 months (Ministry of
/// Justice, *Proven reoffending statistics: guide*, 2024). Reports the rate, the
/// frequency (re-offences per re-offender) and the median days to the first, overall
/// and by index offence, tier and IOM flag.
///
/// A cohort whose follow-up is not complete — its last start plus 548 days lies after
/// the latest conviction date the store holds — is refused.
pub async fn reoffending(session: &Session, cohort: Period) -> Result<Reoffending> {
    let latest = session
        .run_bound("SELECT MAX(conviction_date) AS latest FROM reoffences", Vec::new())
        .await?;
    let latest = latest
        .first()
        .and_then(|b| {
            let c = b.column(0).as_primitive::<Date32Type>();
            c.is_valid(0).then(|| c.value(0))
        })
        .ok_or_else(|| {
            EngineError::Unanswerable(
                "the store holds no re-offences; ingest a probation cohort and its re-offences extract (docs/formats.md)"
                    .into(),
            )
        })?;
    let last_start = cohort.last().next().to_date32() - 1;
    if last_start + FOLLOW_UP_DAYS > latest {
        let (y, m, d) = crimescope_model::civil_from_days(latest);
        return Err(EngineError::Unanswerable(format!(
            "the follow-up of cohort {cohort} is not complete: starts up to the end of {} need convictions up to {} days \
             later, and the store's re-offences end on {y:04}-{m:02}-{d:02}. Choose an earlier cohort",
            cohort.last(),
            FOLLOW_UP_DAYS
        )));
    }
    let mut params = std::collections::HashMap::new();
    params.insert("period_start".to_string(), cohort.first().to_string());
    params.insert("period_end".to_string(), cohort.last().to_string());
    let batches = session.run_builtin("reoffending", &params).await?;
    let mut all = Acc::default();
    let mut groups: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for b in &batches {
        let text = |i: usize| -> Result<Vec<Option<String>>> {
            let c = cast(b.column(i), &DataType::Utf8)?;
            let c = c.as_string::<i32>();
            Ok((0..c.len())
                .map(|r| c.is_valid(r).then(|| c.value(r).to_string()))
                .collect())
        };
        let (offence, tier) = (text(2)?, text(3)?);
        let iom = b.column(4).as_boolean();
        let count = b.column(5).as_primitive::<Int64Type>();
        let days = b.column(6).as_primitive::<Int64Type>();
        for r in 0..b.num_rows() {
            let keys = [
                ("index offence", offence[r].clone().unwrap_or_else(|| "unknown".into())),
                ("tier", tier[r].clone().unwrap_or_else(|| "unknown".into())),
                (
                    "iom",
                    match iom.is_valid(r).then(|| iom.value(r)) {
                        Some(true) => "iom".into(),
                        Some(false) => "not iom".into(),
                        None => "unknown".into(),
                    },
                ),
            ];
            add(&mut all, count.value(r), days.is_valid(r).then(|| days.value(r)));
            for (breakdown, value) in keys {
                let acc = groups.entry((breakdown.to_string(), value)).or_default();
                add(acc, count.value(r), days.is_valid(r).then(|| days.value(r)));
            }
        }
    }
    if all.offenders == 0 {
        return Err(EngineError::Unanswerable(format!(
            "no offender's cohort start falls in {cohort}"
        )));
    }
    let mut rows = vec![("all".to_string(), all.row("all".into()))];
    for ((breakdown, value), acc) in groups {
        rows.push((breakdown, acc.row(value)));
    }
    Ok(Reoffending { cohort, rows })
}

fn add(acc: &mut Acc, reoffences: i64, days_to_first: Option<i64>) {
    acc.offenders += 1;
    if reoffences > 0 {
        acc.reoffenders += 1;
        acc.reoffences += reoffences as u64;
        if let Some(d) = days_to_first {
            acc.days.push(d);
        }
    }
}

/// The latest cohort whose 12-month offence window and 6-month conviction lag are
/// complete in the store: up to 12 months of cohort starts, the last one ending at
/// least [`FOLLOW_UP_DAYS`] before the latest conviction the store holds (and a month
/// more, so the whole of its last month is followed up).
pub async fn latest_complete_cohort(session: &Session) -> Result<Period> {
    let first = session
        .run_bound(
            "SELECT to_char(MIN(cohort_start), '%Y-%m') AS first_start FROM offenders",
            Vec::new(),
        )
        .await?;
    let latest = session
        .run_bound(
            "SELECT CAST(MAX(conviction_date) AS BIGINT) AS latest FROM reoffences",
            Vec::new(),
        )
        .await?;
    let first = match first.first() {
        Some(b) if b.num_rows() > 0 => Columns::new(b, "first cohort start").texts("first_start")?[0].clone(),
        _ => None,
    };
    let latest = match latest.first() {
        Some(b) if b.num_rows() > 0 => Columns::new(b, "latest conviction").ints("latest")?[0],
        _ => None,
    };
    let (Some(first), Some(latest)) = (first.and_then(|f| f.parse::<Month>().ok()), latest) else {
        return Err(EngineError::Unanswerable(
            "the store holds no probation cohort and re-offences; ingest the probation extracts (docs/formats.md)"
                .into(),
        ));
    };
    let out_of_range = || EngineError::Unanswerable("cohort month out of range".into());
    // The last cohort month whose every start has its full follow-up before `latest`.
    let (y, m, _) = crimescope_model::civil_from_days(latest as i32 - FOLLOW_UP_DAYS);
    let end = Month::new(y, m).ok_or_else(out_of_range)?;
    let last = shift(end, -1).ok_or_else(out_of_range)?;
    let start = shift(last, -11).ok_or_else(out_of_range)?.max(first);
    if last < start {
        return Err(EngineError::Unanswerable(format!(
            "no cohort has a complete follow-up: cohort starts begin {first} and the latest conviction in the store \
             is {y}-{m:02}; proven re-offending needs 12 months plus 6 months for conviction"
        )));
    }
    Ok(Period::new(start, last)?)
}

/// The month `delta` months after `m` (before, when negative).
fn shift(m: Month, delta: i32) -> Option<Month> {
    let index = m.year() * 12 + m.month() as i32 - 1 + delta;
    Month::new(index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}
