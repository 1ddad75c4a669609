//! Monthly series for each trend group: rolling 12-month totals, seasonal indices,
//! control charts and the Mann–Kendall test, plus the day-of-week × hour profile.
//!
//! The monthly counts are SQL (`queries/trend_monthly.sql`); the statistics are
//! `crimescope-stats`, run on the client over those counts.

use std::collections::BTreeMap;
use std::sync::Arc;

use crimescope_model::{Month, Period, Source};
use crimescope_stats::{
    ChartKind, ControlChart, Dispersion, LimitMethod, MannKendall, count_chart, mann_kendall, rolling_sum,
    seasonal_index,
};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Float64Type, Int64Type, Schema};

use crate::error::{EngineError, Result};
use crate::queries;
use crate::session::Session;
use crate::trend::{TrendRequest, coverage_warnings, months_in_store, resolve_category};

/// The exposure a control chart divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Exposure {
    /// None: a c-chart of monthly counts.
    #[default]
    None,
    /// Days in the month: a u-chart of incidents per day, so February is not flagged
    /// for being short.
    DaysInMonth,
}

/// A series request: the trend request (its periods set the span) and the exposure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRequest {
    /// Grouping, filters and periods.
    pub trend: TrendRequest,
    /// The months to cover; `None` is from the comparison period's first month to the
    /// current period's last.
    pub span: Option<Period>,
    /// The control-chart exposure.
    pub exposure: Exposure,
}

/// One group's monthly series and its statistics.
#[derive(Debug, Clone)]
pub struct GroupSeries {
    /// The group.
    pub group: String,
    /// Every month of the span, in order.
    pub months: Vec<Month>,
    /// Incidents in each month (0 where none).
    pub counts: Vec<u64>,
    /// Harm in each month.
    pub harm: Vec<f64>,
    /// The rolling 12-month total ending at each month (`None` for the first 11).
    pub rolling_12: Vec<Option<u64>>,
    /// The seasonal index of each calendar month (January first), when the span has at
    /// least 24 months.
    pub seasonal_index: Option<[f64; 12]>,
    /// The control chart over the whole span (of counts, or per day): Poisson limits
    /// when the months vary as Poisson counts would, Laney's u′ when they are
    /// overdispersed ([`crimescope_stats::count_chart`]).
    pub chart: ControlChart,
    /// Which chart `chart` is.
    pub chart_kind: ChartKind,
    /// The dispersion test that chose it (`None` with fewer than 2 months or no
    /// incidents).
    pub dispersion: Option<Dispersion>,
    /// Laney's σ_z, for the u′ chart.
    pub sigma_z: Option<f64>,
    /// Why this chart, in a sentence.
    pub chart_reason: String,
    /// The Mann–Kendall test over the monthly counts.
    pub mann_kendall: MannKendall,
}

/// The day-of-week × hour profile of incidents with known times.
#[derive(Debug, Clone)]
pub struct TimeProfile {
    /// Whether any selected incident has a time to the minute.
    pub available: bool,
    /// Why not, when it is not available.
    pub reason: Option<String>,
    /// Counts: `cells[d][h]` for ISO day d (0 = Monday) and hour h.
    pub cells: [[u64; 24]; 7],
    /// The incidents counted.
    pub incidents: u64,
}

/// Every group's series, the time profile and the warnings.
#[derive(Debug, Clone)]
pub struct TrendSeries {
    /// The months covered.
    pub span: Period,
    /// The request.
    pub request: SeriesRequest,
    /// One series per group, largest total first.
    pub groups: Vec<GroupSeries>,
    /// The day-of-week × hour profile over the current period.
    pub time_profile: TimeProfile,
    /// Things the reader must know.
    pub warnings: Vec<String>,
}

/// Build the monthly series for each group and their statistics.
///
/// Control limits are Phase I limits over the whole span (Montgomery 2009, §7.3): every
/// month is judged against the span's own mean. See [`crimescope_stats::c_chart`] and
/// [`crimescope_stats::u_chart`] for the limits, [`crimescope_stats::mann_kendall`] and
/// [`crimescope_stats::seasonal_index`] for the tests.
pub async fn trend_series(session: &Session, request: &SeriesRequest) -> Result<TrendSeries> {
    let compare = request.trend.comparison();
    let period = request.trend.period;
    let requested = match request.span {
        Some(s) => s,
        None => Period::new(compare.first().min(period.first()), period.last())?,
    };
    // Months before the first or after the last month the store holds are not zeros:
    // they are unknown, so the series is clipped to the data.
    let held = months_in_store(session, request.trend.source);
    let mut warnings = Vec::new();
    let span = match (held.first(), held.last()) {
        (Some(&a), Some(&b)) if a <= requested.last() && b >= requested.first() => {
            let clipped = Period::new(a.max(requested.first()), b.min(requested.last()))?;
            if clipped != requested {
                warnings.push(format!(
                    "the series was asked for {requested} but the store holds data for {a}..{b}; it covers {clipped}."
                ));
            }
            clipped
        }
        _ => {
            return Err(EngineError::Unanswerable(format!(
                "no data to make a series from: the store holds {} for {requested}; `crimescope info` shows the months it holds",
                if held.is_empty() {
                    "no incidents at all, so nothing".to_string()
                } else {
                    "no incidents".to_string()
                }
            )));
        }
    };
    let category = match &request.trend.category {
        Some(name) => Some(resolve_category(session, name).await?),
        None => None,
    };
    let mut params = queries::filter_params(span, request.trend.source, category.as_deref());
    params.insert("by".into(), request.trend.by.as_str().into());
    let profile_params = queries::filter_params(period, request.trend.source, category.as_deref());
    let (monthly_batches, profile_batches) = futures::try_join!(
        session.run_builtin(queries::TREND_MONTHLY.name, &params),
        session.run_builtin(queries::TIME_PROFILE.name, &profile_params)
    )?;

    let months: Vec<Month> = span.iter().collect();
    let index_of: BTreeMap<Month, usize> = months.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut by_group: BTreeMap<String, (Vec<u64>, Vec<f64>)> = BTreeMap::new();
    for batch in &monthly_batches {
        let group = string_column(batch, 0)?;
        let month = batch
            .column(1)
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| bad_type("month"))?;
        let count = batch
            .column(2)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| bad_type("incidents"))?;
        let harm = batch
            .column(3)
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| bad_type("harm"))?;
        for (row, name) in group.into_iter().enumerate() {
            let Some(m) = Month::from_date32(month.value(row)) else {
                continue;
            };
            let Some(&i) = index_of.get(&m) else { continue };
            let entry = by_group
                .entry(name)
                .or_insert_with(|| (vec![0; months.len()], vec![0.0; months.len()]));
            entry.0[i] += count.value(row) as u64;
            entry.1[i] += if harm.is_valid(row) { harm.value(row) } else { 0.0 };
        }
    }
    let days: Vec<f64> = months.iter().map(|m| days_in_month(*m)).collect();
    let mut groups = Vec::with_capacity(by_group.len());
    for (group, (counts, harm)) in by_group {
        let exposure = match request.exposure {
            Exposure::None => vec![1.0; counts.len()],
            Exposure::DaysInMonth => days.clone(),
        };
        let chosen = count_chart(&counts, &exposure)?;
        let chart_reason = chosen.reason();
        let values: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        groups.push(GroupSeries {
            rolling_12: rolling_sum(&counts, 12),
            seasonal_index: seasonal_index(&counts, span.first().month()),
            mann_kendall: mann_kendall(&values),
            chart: chosen.chart,
            chart_kind: chosen.kind,
            dispersion: chosen.dispersion,
            sigma_z: chosen.sigma_z,
            chart_reason,
            group,
            months: months.clone(),
            counts,
            harm,
        });
    }
    groups.sort_by(|a, b| {
        let (ta, tb): (u64, u64) = (a.counts.iter().sum(), b.counts.iter().sum());
        tb.cmp(&ta).then_with(|| a.group.cmp(&b.group))
    });

    let time_profile = profile_from_batches(&profile_batches)?;
    warnings.extend(coverage_warnings(session, request.trend.source, &[("series", span)]));
    if span.months() < 24 {
        warnings.push(format!(
            "the series has {} months; seasonal indices need at least 24, so they are empty.",
            span.months()
        ));
    }
    if request.trend.by == crate::trend::TrendGroup::Lsoa {
        let mut span_params = params.clone();
        span_params.remove("by");
        span_params.insert("compare_start".into(), span.first().to_string());
        span_params.insert("compare_end".into(), span.last().to_string());
        let counts = crate::lsoa_vintage::vintage_counts(session, &span_params).await?;
        warnings.extend(crate::lsoa_vintage::vintage_note(&counts));
    }
    Ok(TrendSeries {
        span,
        request: request.clone(),
        groups,
        time_profile,
        warnings,
    })
}

/// What to profile by day of week and hour ([`time_profile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeProfileRequest {
    /// The period.
    pub period: Period,
    /// Only this source.
    pub source: Option<Source>,
    /// Only this category (name or slug).
    pub category: Option<String>,
    /// Only the categories of this theme (the session's themes table).
    pub theme: Option<String>,
}

impl TimeProfileRequest {
    /// Every incident of `period`.
    pub fn new(period: Period) -> TimeProfileRequest {
        TimeProfileRequest {
            period,
            source: None,
            category: None,
            theme: None,
        }
    }
}

/// The day-of-week × hour profile of the incidents with a time to the minute
/// (`queries/time_profile.sql`). Not an error when none has a time: the profile says so.
pub async fn time_profile(session: &Session, request: &TimeProfileRequest) -> Result<TimeProfile> {
    let category = match &request.category {
        Some(name) => Some(resolve_category(session, name).await?),
        None => None,
    };
    let params = queries::with_theme(
        queries::filter_params(request.period, request.source, category.as_deref()),
        request.theme.as_deref(),
    );
    profile_from_batches(&session.run_builtin(queries::TIME_PROFILE.name, &params).await?)
}

fn profile_from_batches(batches: &[RecordBatch]) -> Result<TimeProfile> {
    let mut cells = [[0u64; 24]; 7];
    let mut incidents = 0;
    for b in batches {
        let dow = b
            .column(0)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| bad_type("day_of_week"))?;
        let hour = b
            .column(1)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| bad_type("hour"))?;
        let n = b
            .column(2)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| bad_type("incidents"))?;
        for r in 0..b.num_rows() {
            let (d, h) = (dow.value(r), hour.value(r));
            if (1..=7).contains(&d) && (0..24).contains(&h) {
                cells[(d - 1) as usize][h as usize] += n.value(r) as u64;
                incidents += n.value(r) as u64;
            }
        }
    }
    let available = incidents > 0;
    Ok(TimeProfile {
        available,
        reason: (!available).then(|| {
            "not available: the selected incidents have no times (police.uk data is published by month only); \
             load a force or partner extract with dates and times"
                .to_string()
        }),
        cells,
        incidents,
    })
}

fn days_in_month(m: Month) -> f64 {
    (m.next().to_date32() - m.to_date32()) as f64
}

fn bad_type(column: &str) -> EngineError {
    EngineError::internal(format!("trend_monthly returned an unexpected type for {column}"))
}

fn string_column(batch: &RecordBatch, i: usize) -> Result<Vec<String>> {
    let col = datafusion::arrow::compute::cast(batch.column(i), &DataType::Utf8)?;
    let col = col.as_string::<i32>();
    Ok((0..col.len())
        .map(|r| {
            if col.is_valid(r) {
                col.value(r).to_string()
            } else {
                String::new()
            }
        })
        .collect())
}

impl TrendSeries {
    /// The series in long form, one row per group and month: `group, month, incidents,
    /// harm, rolling_12, seasonal_index, centre, lower, upper, limit_method, above,
    /// below` (for a u-chart the chart columns are per day).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let mut group = Vec::new();
        let mut month = Vec::new();
        let mut count = Vec::new();
        let mut harm = Vec::new();
        let mut rolling = Vec::new();
        let mut season = Vec::new();
        let (mut centre, mut lower, mut upper, mut method, mut above, mut below) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for g in &self.groups {
            for (i, m) in g.months.iter().enumerate() {
                let p = g.chart.points[i];
                group.push(g.group.clone());
                month.push(m.to_date32());
                count.push(g.counts[i]);
                harm.push(g.harm[i]);
                rolling.push(g.rolling_12[i]);
                season.push(g.seasonal_index.map(|s| s[m.month() as usize - 1]));
                centre.push(p.centre);
                lower.push(p.lower);
                upper.push(p.upper);
                method.push(match p.method {
                    LimitMethod::ThreeSigma => "3-sigma",
                    LimitMethod::ExactPoisson => "exact-poisson",
                    LimitMethod::Laney => "laney",
                });
                above.push(p.above);
                below.push(p.below);
            }
        }
        let schema = Arc::new(Schema::new(vec![
            Field::new("group", DataType::Utf8, false),
            Field::new("month", DataType::Date32, false),
            Field::new("incidents", DataType::UInt64, false),
            Field::new("harm", DataType::Float64, false),
            Field::new("rolling_12", DataType::UInt64, true),
            Field::new("seasonal_index", DataType::Float64, true),
            Field::new("centre", DataType::Float64, false),
            Field::new("lower", DataType::Float64, false),
            Field::new("upper", DataType::Float64, false),
            Field::new("limit_method", DataType::Utf8, false),
            Field::new("above", DataType::Boolean, false),
            Field::new("below", DataType::Boolean, false),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(group)),
            Arc::new(Date32Array::from(month)),
            Arc::new(UInt64Array::from(count)),
            Arc::new(Float64Array::from(harm)),
            Arc::new(UInt64Array::from(rolling)),
            Arc::new(Float64Array::from(season)),
            Arc::new(Float64Array::from(centre)),
            Arc::new(Float64Array::from(lower)),
            Arc::new(Float64Array::from(upper)),
            Arc::new(StringArray::from(method)),
            Arc::new(BooleanArray::from(above)),
            Arc::new(BooleanArray::from(below)),
        ];
        Ok(RecordBatch::try_new(schema, columns)?)
    }

    /// One row per group: `group, months, incidents, mk_s, mk_var_s, mk_z, mk_p,
    /// kendall_tau, trend, exceedances, chart, dispersion_ratio, sigma_z`.
    pub fn summary_batch(&self) -> Result<RecordBatch> {
        let g = &self.groups;
        let schema = Arc::new(Schema::new(vec![
            Field::new("group", DataType::Utf8, false),
            Field::new("months", DataType::Int64, false),
            Field::new("incidents", DataType::Int64, false),
            Field::new("mk_s", DataType::Int64, false),
            Field::new("mk_var_s", DataType::Float64, false),
            Field::new("mk_z", DataType::Float64, false),
            Field::new("mk_p", DataType::Float64, false),
            Field::new("kendall_tau", DataType::Float64, false),
            Field::new("trend", DataType::Utf8, false),
            Field::new("exceedances", DataType::Int64, false),
            Field::new("chart", DataType::Utf8, false),
            Field::new("dispersion_ratio", DataType::Float64, true),
            Field::new("sigma_z", DataType::Float64, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(g.iter().map(|s| s.group.as_str()))),
            Arc::new(Int64Array::from_iter_values(g.iter().map(|s| s.months.len() as i64))),
            Arc::new(Int64Array::from_iter_values(
                g.iter().map(|s| s.counts.iter().sum::<u64>() as i64),
            )),
            Arc::new(Int64Array::from_iter_values(g.iter().map(|s| s.mann_kendall.s))),
            Arc::new(Float64Array::from_iter_values(g.iter().map(|s| s.mann_kendall.var_s))),
            Arc::new(Float64Array::from_iter_values(g.iter().map(|s| s.mann_kendall.z))),
            Arc::new(Float64Array::from_iter_values(g.iter().map(|s| s.mann_kendall.p))),
            Arc::new(Float64Array::from_iter_values(g.iter().map(|s| s.mann_kendall.tau))),
            Arc::new(StringArray::from_iter_values(
                g.iter().map(|s| s.mann_kendall.direction.as_str()),
            )),
            Arc::new(Int64Array::from_iter_values(
                g.iter().map(|s| s.chart.exceedances().len() as i64),
            )),
            Arc::new(StringArray::from_iter_values(
                g.iter().map(|s| chart_name(s.chart_kind)),
            )),
            Arc::new(Float64Array::from_iter(g.iter().map(|s| s.dispersion.map(|d| d.ratio)))),
            Arc::new(Float64Array::from_iter(g.iter().map(|s| s.sigma_z))),
        ];
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}

/// As JSON: the span, the grouping, the exposure (`c`: counts, `u-per-day`), each group's
/// chart (`poisson` or `laney-u-prime`) with its reason and dispersion test, its
/// months with their control limits and its Mann–Kendall test and seasonal index, the
/// time profile and the warnings.
impl serde::Serialize for TrendSeries {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct MannKendallView {
            n: usize,
            s: i64,
            var_s: f64,
            z: f64,
            p: f64,
            tau: f64,
            trend: &'static str,
        }
        #[derive(serde::Serialize)]
        struct MonthView {
            month: String,
            incidents: u64,
            harm: f64,
            rolling_12: Option<u64>,
            value: f64,
            centre: f64,
            lower: f64,
            upper: f64,
            above: bool,
            below: bool,
        }
        #[derive(serde::Serialize)]
        struct GroupView<'a> {
            group: &'a str,
            incidents: u64,
            chart: &'static str,
            chart_reason: &'a str,
            dispersion: Option<Dispersion>,
            sigma_z: Option<f64>,
            mann_kendall: MannKendallView,
            seasonal_index: Option<[f64; 12]>,
            months: Vec<MonthView>,
        }
        #[derive(serde::Serialize)]
        struct ProfileView<'a> {
            available: bool,
            reason: &'a Option<String>,
            incidents: u64,
            cells: Option<&'a [[u64; 24]; 7]>,
        }
        #[derive(serde::Serialize)]
        struct View<'a> {
            span: String,
            by: &'static str,
            chart: &'static str,
            groups: Vec<GroupView<'a>>,
            time_profile: ProfileView<'a>,
            warnings: &'a [String],
        }
        let groups = self
            .groups
            .iter()
            .map(|g| {
                let mk = g.mann_kendall;
                GroupView {
                    group: &g.group,
                    incidents: g.counts.iter().sum(),
                    chart: chart_name(g.chart_kind),
                    chart_reason: &g.chart_reason,
                    dispersion: g.dispersion,
                    sigma_z: g.sigma_z,
                    mann_kendall: MannKendallView {
                        n: mk.n,
                        s: mk.s,
                        var_s: mk.var_s,
                        z: mk.z,
                        p: mk.p,
                        tau: mk.tau,
                        trend: mk.direction.as_str(),
                    },
                    seasonal_index: g.seasonal_index,
                    months: g
                        .months
                        .iter()
                        .enumerate()
                        .map(|(i, m)| {
                            let p = g.chart.points[i];
                            MonthView {
                                month: m.to_string(),
                                incidents: g.counts[i],
                                harm: g.harm[i],
                                rolling_12: g.rolling_12[i],
                                value: p.value,
                                centre: p.centre,
                                lower: p.lower,
                                upper: p.upper,
                                above: p.above,
                                below: p.below,
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let p = &self.time_profile;
        View {
            span: self.span.to_string(),
            by: self.request.trend.by.as_str(),
            chart: match self.request.exposure {
                Exposure::None => "c",
                Exposure::DaysInMonth => "u-per-day",
            },
            groups,
            time_profile: ProfileView {
                available: p.available,
                reason: &p.reason,
                incidents: p.incidents,
                cells: p.available.then_some(&p.cells),
            },
            warnings: &self.warnings,
        }
        .serialize(serializer)
    }
}

/// The chart's name in tables and JSON.
fn chart_name(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Poisson => "poisson",
        ChartKind::LaneyPrime => "laney-u-prime",
    }
}
