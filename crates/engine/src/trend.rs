//! Trend analysis: levels and change between two periods, by group.
//!
//! The counting, the change, its test (the Poisson E-test, adjusted across the rows)
//! and the rates are SQL, in
//! `queries/trend_by_<group>.sql`; this module resolves names, binds the periods and
//! says when a period lies outside the data.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use crimescope_model::{Month, Period, PoliceUkCrimeType, Source, close_matches, slugify};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;

use crate::columns::Columns;
use crate::error::{EngineError, Result};
use crate::queries::{self, NamedQuery};
use crate::session::Session;

/// What a trend is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrendGroup {
    /// `incidents.category`.
    Category,
    /// `incidents.source` (police, asb, fire).
    Source,
    /// The session's `themes` table (a category may sit in several themes).
    Theme,
    /// `incidents.lsoa_code`.
    Lsoa,
    /// `incidents.ward_code`.
    Ward,
    /// `incidents.force`.
    Force,
}

impl TrendGroup {
    /// Every grouping.
    pub const ALL: [TrendGroup; 6] = [
        TrendGroup::Category,
        TrendGroup::Source,
        TrendGroup::Theme,
        TrendGroup::Lsoa,
        TrendGroup::Ward,
        TrendGroup::Force,
    ];

    /// The name on the command line and in `trend_monthly`'s `by` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            TrendGroup::Category => "category",
            TrendGroup::Source => "source",
            TrendGroup::Theme => "theme",
            TrendGroup::Lsoa => "lsoa",
            TrendGroup::Ward => "ward",
            TrendGroup::Force => "force",
        }
    }

    /// The named query that computes the trend table for this grouping.
    pub fn query(self) -> NamedQuery {
        match self {
            TrendGroup::Category => queries::TREND_BY_CATEGORY,
            TrendGroup::Source => queries::TREND_BY_SOURCE,
            TrendGroup::Theme => queries::TREND_BY_THEME,
            TrendGroup::Lsoa => queries::TREND_BY_LSOA,
            TrendGroup::Ward => queries::TREND_BY_WARD,
            TrendGroup::Force => queries::TREND_BY_FORCE,
        }
    }
}

impl fmt::Display for TrendGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TrendGroup {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<TrendGroup> {
        TrendGroup::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| EngineError::Parameter {
                name: "by",
                message: format!("'{s}': choose one of category, source, theme, lsoa, ward, force"),
            })
    }
}

/// A trend request: the periods, the grouping and the filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendRequest {
    /// The current period.
    pub period: Period,
    /// The comparison period; `None` is the same months one year earlier
    /// ([`Period::default_comparison`]).
    pub compare: Option<Period>,
    /// The grouping.
    pub by: TrendGroup,
    /// Only this source.
    pub source: Option<Source>,
    /// Only this category, by display name or slug (resolved against the police.uk
    /// vocabulary and the categories in the store).
    pub category: Option<String>,
}

impl TrendRequest {
    /// A request for `period` against the same months a year earlier, grouped by category.
    pub fn new(period: Period) -> TrendRequest {
        TrendRequest {
            period,
            compare: None,
            by: TrendGroup::Category,
            source: None,
            category: None,
        }
    }

    /// The comparison period in use.
    pub fn comparison(&self) -> Period {
        self.compare.unwrap_or_else(|| self.period.default_comparison())
    }
}

/// One group of a trend table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrendRow {
    /// The group (a category, source, theme, area code or force).
    pub group: String,
    /// The area's name, for LSOA and ward groupings when the population table has it.
    pub name: Option<String>,
    /// Incidents in the current period.
    pub current: u64,
    /// Incidents in the comparison period.
    pub previous: u64,
    /// `current − previous`.
    pub change: i64,
    /// The change as a percentage of `previous`; `None` when `previous` is 0.
    pub pct_change: Option<f64>,
    /// The change on a standard-normal scale, `√2(√current − √previous)` for periods of
    /// equal length ([`crimescope_stats::change_z`]).
    pub z: f64,
    /// The two-sided p-value of the Poisson E-test ([`crimescope_stats::poisson_e_test`]).
    pub p: f64,
    /// `p` adjusted across the rows of the table (Benjamini–Hochberg).
    pub p_fdr: f64,
    /// `p_fdr < 0.05`.
    pub significant: bool,
    /// Harm in the current period (the harm stored at ingest).
    pub harm_current: f64,
    /// Harm in the comparison period.
    pub harm_previous: f64,
    /// Residents of the area, when a population is loaded.
    pub residents: Option<f64>,
    /// Incidents per 1,000 residents in the current period.
    pub rate_current: Option<f64>,
    /// Incidents per 1,000 residents in the comparison period.
    pub rate_previous: Option<f64>,
}

impl TrendRow {
    /// The row's change as the statistics crate types it, with the table's adjustment.
    pub fn change(&self) -> crimescope_stats::PeriodChange {
        crimescope_stats::PeriodChange {
            current: self.current,
            previous: self.previous,
            change: self.change,
            pct_change: self.pct_change,
            z: self.z,
            p: self.p,
            p_fdr: self.p_fdr,
            significant: self.significant,
            test: crimescope_stats::ChangeTest::PoissonETest,
        }
    }
}

/// A trend table: one row per group, as Arrow record batches, with the columns
/// `group, current, previous, change, pct_change, z, p, p_fdr, significant, harm_current,
/// harm_previous, [name,] residents, rate_current, rate_previous`.
#[derive(Debug, Clone)]
pub struct TrendTable {
    /// The current period.
    pub period: Period,
    /// The comparison period.
    pub compare: Period,
    /// The grouping.
    pub by: TrendGroup,
    /// The category filter, resolved to its display name.
    pub category: Option<String>,
    /// The rows.
    pub batches: Vec<RecordBatch>,
    /// Things the reader must know: a period outside the data, months with no data,
    /// no population loaded.
    pub warnings: Vec<String>,
    /// How many months of each period the store holds data for (of the source asked
    /// for, or any source).
    pub coverage: Coverage,
    /// By LSOA: how the recorded codes were read as 2021 LSOAs (see
    /// [`crate::lsoa_vintage`]); empty for other groupings.
    pub lsoa_vintage: Vec<crate::lsoa_vintage::VintageCount>,
}

/// Months of a period the store holds data for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PeriodCoverage {
    /// Months in the period.
    pub months: u32,
    /// Of them, months with data.
    pub with_data: u32,
}

impl PeriodCoverage {
    /// `complete`, `partial` or `none`.
    pub fn status(self) -> &'static str {
        match self.with_data {
            0 => "none",
            n if n == self.months => "complete",
            _ => "partial",
        }
    }
}

/// The coverage of both periods of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// The current period.
    pub current: PeriodCoverage,
    /// The comparison period.
    pub comparison: PeriodCoverage,
}

impl Coverage {
    /// Whether both periods hold some data, so that a change between them means something.
    pub fn comparable(self) -> bool {
        self.current.with_data > 0 && self.comparison.with_data > 0
    }
}

impl TrendTable {
    /// The rows as typed values, in the table's order (largest current count first).
    pub fn records(&self) -> Result<Vec<TrendRow>> {
        let mut out = Vec::with_capacity(self.rows());
        let query = self.by.query().name;
        for batch in &self.batches {
            let c = Columns::new(batch, query);
            let names = if c.has("name") {
                c.texts("name")?
            } else {
                vec![None; batch.num_rows()]
            };
            let (groups, current, previous) = (c.texts_required("group")?, c.counts("current")?, c.counts("previous")?);
            let (change, pct, z, significant) = (
                c.ints_required("change")?,
                c.floats("pct_change")?,
                c.floats_required("z")?,
                c.bools_required("significant")?,
            );
            let (p, p_fdr) = (c.floats_required("p")?, c.floats_required("p_fdr")?);
            let (harm_current, harm_previous) =
                (c.floats_required("harm_current")?, c.floats_required("harm_previous")?);
            let (residents, rate_current, rate_previous) = (
                c.floats("residents")?,
                c.floats("rate_current")?,
                c.floats("rate_previous")?,
            );
            for i in 0..batch.num_rows() {
                out.push(TrendRow {
                    group: groups[i].clone(),
                    name: names[i].clone(),
                    current: current[i],
                    previous: previous[i],
                    change: change[i],
                    pct_change: pct[i],
                    z: z[i],
                    p: p[i],
                    p_fdr: p_fdr[i],
                    significant: significant[i],
                    harm_current: harm_current[i],
                    harm_previous: harm_previous[i],
                    residents: residents[i],
                    rate_current: rate_current[i],
                    rate_previous: rate_previous[i],
                });
            }
        }
        Ok(out)
    }

    /// The number of groups.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Incidents in the current and in the comparison period, summed over the groups
    /// (columns `current` and `previous`). Groups may overlap (themes), so this is the
    /// total of the table, not always of the store.
    pub fn totals(&self) -> Result<(i64, i64)> {
        let mut totals = (0, 0);
        for batch in &self.batches {
            for (column, total) in [("current", &mut totals.0), ("previous", &mut totals.1)] {
                let values = batch
                    .column_by_name(column)
                    .and_then(|c| c.as_primitive_opt::<datafusion::arrow::datatypes::Int64Type>())
                    .ok_or_else(|| EngineError::internal(format!("the trend table has no Int64 column {column}")))?;
                *total += values.iter().flatten().sum::<i64>();
            }
        }
        Ok(totals)
    }
}

/// Run a trend: counts, change with its E-test p-value (raw and adjusted across the
/// rows), harm and rates for each group
/// (`queries/trend_by_<group>.sql`).
///
/// Errors when the periods overlap or the category is unknown. A period outside the
/// data is not an error: the table is returned (possibly empty) with a warning that
/// says which months have no data.
///
/// ```no_run
/// # async fn run() -> Result<(), crimescope_engine::EngineError> {
/// use crimescope_engine::{Session, trend::{TrendRequest, trend}};
/// let session = Session::open(std::path::Path::new("store")).await?;
/// let table = trend(&session, &TrendRequest::new("2025-01..2025-12".parse()?)).await?;
/// println!("{} groups", table.rows());
/// # Ok(()) }
/// ```
pub async fn trend(session: &Session, request: &TrendRequest) -> Result<TrendTable> {
    let compare = request.comparison();
    if request.period.overlaps(compare) {
        return Err(EngineError::Unanswerable(format!(
            "the comparison period {compare} overlaps the current period {}; choose periods that do not share a month",
            request.period
        )));
    }
    let category = match &request.category {
        Some(name) => Some(resolve_category(session, name).await?),
        None => None,
    };
    let params = trend_params(request.period, compare, request.source, category.as_deref());
    let batches = session.run_builtin(request.by.query().name, &params).await?;
    let mut warnings = coverage_warnings(
        session,
        request.source,
        &[("current", request.period), ("comparison", compare)],
    );
    let held = months_in_store(session, request.source);
    let covered = |p: Period| PeriodCoverage {
        months: p.months(),
        with_data: p.iter().filter(|m| held.contains(m)).count() as u32,
    };
    let coverage = Coverage {
        current: covered(request.period),
        comparison: covered(compare),
    };
    if session.manifest().population.is_empty() {
        warnings
            .push("no population is loaded, so rates are empty; add one with `crimescope population add`".to_string());
    }
    let lsoa_vintage = if request.by == TrendGroup::Lsoa {
        crate::lsoa_vintage::vintage_counts(session, &params).await?
    } else {
        Vec::new()
    };
    warnings.extend(crate::lsoa_vintage::vintage_note(&lsoa_vintage));
    Ok(TrendTable {
        period: request.period,
        compare,
        by: request.by,
        category,
        batches,
        warnings,
        coverage,
        lsoa_vintage,
    })
}

/// The text parameters of the trend queries: the shared filters plus the comparison.
fn trend_params(
    period: Period,
    compare: Period,
    source: Option<Source>,
    category: Option<&str>,
) -> HashMap<String, String> {
    let mut p = crate::queries::filter_params(period, source, category);
    p.insert("compare_start".into(), compare.first().to_string());
    p.insert("compare_end".into(), compare.last().to_string());
    p
}

/// The months for which the store holds incidents (of `source`, if given), from the
/// manifest's partition paths (`incidents/source=S/month=YYYY-MM/...`), so no scan is
/// needed.
pub fn months_in_store(session: &Session, source: Option<Source>) -> BTreeSet<Month> {
    session
        .manifest()
        .outputs_of("incidents")
        .filter(|o| o.rows > 0)
        .filter_map(|o| {
            let mut src = None;
            let mut month = None;
            for part in o.path.split('/') {
                if let Some(s) = part.strip_prefix("source=") {
                    src = Some(s);
                } else if let Some(m) = part.strip_prefix("month=") {
                    month = m.parse::<Month>().ok();
                }
            }
            let wanted = source.map(|s| s.name());
            (wanted.is_none() || wanted == src).then_some(month).flatten()
        })
        .collect()
}

/// Warnings for periods that lie wholly or partly outside the data.
pub(crate) fn coverage_warnings(session: &Session, source: Option<Source>, periods: &[(&str, Period)]) -> Vec<String> {
    let months = months_in_store(session, source);
    let what = source.map_or("incidents".to_string(), |s| format!("{} incidents", s.name()));
    let held = match (months.first(), months.last()) {
        (Some(a), Some(b)) => format!("the store holds {what} for {a}..{b}"),
        _ => format!("the store holds no {what}"),
    };
    let mut out = Vec::new();
    for (label, period) in periods {
        let missing: Vec<Month> = period.iter().filter(|m| !months.contains(m)).collect();
        if missing.len() == period.months() as usize {
            out.push(format!(
                "the {label} period {period} has no data at all ({held}); its counts are 0 by absence, not a measured zero"
            ));
        } else if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(Month::to_string).collect();
            out.push(format!(
                "the {label} period {period} has no data for {} of its {} months ({}); {held}",
                missing.len(),
                period.months(),
                list.join(", ")
            ));
        }
    }
    out
}

/// Resolve a category name or slug: the police.uk vocabulary first, then the
/// categories present in the store (ASB and fire types). Unknown names list the close
/// matches.
pub async fn resolve_category(session: &Session, name: &str) -> Result<String> {
    if let Ok(ty) = PoliceUkCrimeType::lookup(name) {
        return Ok(ty.name().to_string());
    }
    let batches = session
        .run_bound(
            "SELECT DISTINCT CAST(category AS VARCHAR) AS c FROM incidents",
            Vec::new(),
        )
        .await?;
    let mut present: Vec<String> = Vec::new();
    for b in &batches {
        let col = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8)?;
        let col = col.as_string::<i32>();
        present.extend(
            (0..col.len())
                .filter(|&i| col.is_valid(i))
                .map(|i| col.value(i).to_string()),
        );
    }
    let wanted = slugify(name);
    if let Some(c) = present.iter().find(|c| slugify(c) == wanted) {
        return Ok(c.clone());
    }
    let mut candidates: Vec<String> = PoliceUkCrimeType::ALL.iter().map(|t| t.name().to_string()).collect();
    for c in present {
        if !candidates.contains(&c) {
            candidates.push(c);
        }
    }
    let close = close_matches(&wanted, candidates.iter().map(String::as_str));
    Err(EngineError::Model(crimescope_model::ModelError::UnknownCategory {
        name: name.to_string(),
        close,
    }))
}
