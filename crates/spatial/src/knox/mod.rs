//! The Knox test for near repeats: are events close in space also close in time more
//! often than chance?

use rayon::prelude::*;

use crate::error::SpatialError;

mod pairs;

/// How distance between two events is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metric {
    /// Straight-line distance.
    #[default]
    Euclidean,
    /// |dx| + |dy| (street-grid distance).
    Manhattan,
}

/// One event: position in metres (BNG) and the day (days since 1970-01-01).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Easting (m).
    pub x: f64,
    /// Northing (m).
    pub y: f64,
    /// Whole days since the epoch.
    pub day: i64,
}

/// The Knox table: rows are space bands, columns time bands.
#[derive(Debug, Clone, PartialEq)]
pub struct KnoxTable {
    /// Events.
    pub n: usize,
    /// The space band edges in metres: band k is [edge k, edge k+1), the last is open.
    pub space_bands: Vec<f64>,
    /// The time band edges in days, the same way.
    pub time_bands: Vec<i64>,
    /// Observed unordered pairs per (space band, time band).
    pub observed: Vec<Vec<u64>>,
    /// The mean count over the permutations.
    pub expected: Vec<Vec<f64>>,
    /// observed / expected (NaN where expected is 0).
    pub knox_ratio: Vec<Vec<f64>>,
    /// (#{simulated ≥ observed} + 1) / (permutations + 1).
    pub p: Vec<Vec<f64>>,
    /// The permutations run.
    pub permutations: usize,
    /// The seed.
    pub seed: u64,
    /// Pairs closer than the last space edge (the only pairs enumerated).
    pub close_pairs: usize,
    /// The distance measured between events.
    pub metric: Metric,
}

impl Metric {
    /// `euclidean` or `manhattan`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Euclidean => "euclidean",
            Metric::Manhattan => "manhattan",
        }
    }
}

/// Band labels `[a, b)` with the last band open, `[a, inf)`.
fn band_labels<T: std::fmt::Display>(edges: &[T]) -> Vec<String> {
    (0..edges.len())
        .map(|k| match edges.get(k + 1) {
            Some(next) => format!("[{}, {})", edges[k], next),
            None => format!("[{}, inf)", edges[k]),
        })
        .collect()
}

/// The smallest Knox ratio reported as a near-repeat pattern by default: 20% more
/// close pairs than chance. Ratios of 1.00–1.10 can be significant on large data and
/// mean nothing for practice.
pub const DEFAULT_MIN_KNOX_RATIO: f64 = 1.2;

/// A cell of the Knox table that shows a near-repeat pattern.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct KnoxPattern {
    /// The space band (index into [`KnoxTable::space_bands`]).
    pub space_band: usize,
    /// The time band (index into [`KnoxTable::time_bands`]).
    pub time_band: usize,
    /// Observed / expected pairs.
    pub knox_ratio: f64,
    /// The permutation p-value.
    pub p: f64,
    /// `p` adjusted across every cell of the table.
    pub p_fdr: f64,
}

impl KnoxTable {
    /// The permutation p-values adjusted across every cell of the table
    /// (Benjamini–Hochberg), by space band then time band; NaN where `p` is NaN.
    ///
    /// Source: Benjamini, Y. & Hochberg, Y. (1995), *JRSS B* 57(1), 289–300; the Knox
    /// table scans 16–25 cells at once, so one cell at p ≤ 0.05 is expected by chance.
    pub fn p_fdr(&self) -> Vec<Vec<f64>> {
        let flat: Vec<f64> = self.p.iter().flatten().copied().collect();
        let q = crimescope_stats::benjamini_hochberg(&flat);
        let width = self.time_bands.len();
        q.chunks(width.max(1)).map(<[f64]>::to_vec).collect()
    }

    /// The cells that show a near-repeat pattern: significant after adjustment across
    /// the cells (`p_fdr < 0.05`) *and* practically meaningful (`knox_ratio ≥
    /// min_ratio`, [`DEFAULT_MIN_KNOX_RATIO`] by default), closest bands first.
    ///
    /// Knox ratios are effect sizes to be read beside their significance (Johnson, S. D.
    /// et al. 2007, "Space–time patterns of risk: a cross national assessment of
    /// residential burglary victimization", *Journal of Quantitative Criminology* 23,
    /// 201–219). The 1.2 threshold is this tool's convention for "enough to act on",
    /// not a published standard; an assessment sets it with `near_repeat.min_ratio`.
    pub fn patterns(&self, min_ratio: f64) -> Vec<KnoxPattern> {
        let q = self.p_fdr();
        let mut out = Vec::new();
        for (s, row) in self.knox_ratio.iter().enumerate() {
            for (t, &ratio) in row.iter().enumerate() {
                if q[s][t] < 0.05 && ratio >= min_ratio {
                    out.push(KnoxPattern {
                        space_band: s,
                        time_band: t,
                        knox_ratio: ratio,
                        p: self.p[s][t],
                        p_fdr: q[s][t],
                    });
                }
            }
        }
        out
    }

    /// The space bands as labels, `[0, 100)` … `[400, inf)`.
    pub fn space_labels(&self) -> Vec<String> {
        band_labels(&self.space_bands)
    }

    /// The time bands as labels, `[0, 7)` … `[28, inf)`.
    pub fn time_labels(&self) -> Vec<String> {
        band_labels(&self.time_bands)
    }
}

/// As JSON: the bands as labels, the grids by space band then time band, and NaN ratios
/// (no expected pairs) as null.
impl serde::Serialize for KnoxTable {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct View<'a> {
            n: usize,
            space_bands: Vec<String>,
            time_bands: Vec<String>,
            metric: &'static str,
            permutations: usize,
            seed: u64,
            close_pairs: usize,
            observed: &'a [Vec<u64>],
            expected: Vec<Vec<Option<f64>>>,
            knox_ratio: Vec<Vec<Option<f64>>>,
            p: Vec<Vec<Option<f64>>>,
            p_fdr: Vec<Vec<Option<f64>>>,
        }
        let finite = |grid: &[Vec<f64>]| -> Vec<Vec<Option<f64>>> {
            grid.iter()
                .map(|row| row.iter().map(|&v| (!v.is_nan()).then_some(v)).collect())
                .collect()
        };
        View {
            n: self.n,
            space_bands: self.space_labels(),
            time_bands: self.time_labels(),
            metric: self.metric.name(),
            permutations: self.permutations,
            seed: self.seed,
            close_pairs: self.close_pairs,
            observed: &self.observed,
            expected: finite(&self.expected),
            knox_ratio: finite(&self.knox_ratio),
            p: finite(&self.p),
            p_fdr: finite(&self.p_fdr()),
        }
        .serialize(serializer)
    }
}

fn band_of<T: PartialOrd + Copy>(edges: &[T], v: T) -> Option<usize> {
    if edges.is_empty() || v < edges[0] {
        return None;
    }
    // Edges are ascending; the last band is open.
    Some(edges.partition_point(|&e| e <= v) - 1)
}

fn check_edges<T: PartialOrd + Copy + std::fmt::Debug>(what: &str, edges: &[T]) -> Result<(), SpatialError> {
    if edges.is_empty() || edges.windows(2).any(|w| w[0] >= w[1]) {
        return Err(SpatialError::BadParameter(format!(
            "{what} bands {edges:?} must be one or more strictly increasing edges, e.g. 0,100,200"
        )));
    }
    Ok(())
}

/// Count unordered pairs with |Δday| in each time band, for all pairs: sort the days
/// and, for each edge T, count pairs with |Δday| < T by a two-pointer sweep. O(n log n
/// + n × bands).
fn all_pairs_by_time(days: &[i64], time_bands: &[i64]) -> Vec<u64> {
    let mut d = days.to_vec();
    d.sort_unstable();
    let below = |t: i64| -> u64 {
        // pairs (i < j) in sorted order with d[j] − d[i] < t
        let mut count = 0u64;
        let mut lo = 0usize;
        for j in 0..d.len() {
            while d[j] - d[lo] >= t {
                lo += 1;
            }
            count += (j - lo) as u64;
        }
        count
    };
    let total = (d.len() as u64) * (d.len().saturating_sub(1) as u64) / 2;
    let mut cum: Vec<u64> = time_bands.iter().map(|&t| if t <= 0 { 0 } else { below(t) }).collect();
    cum.push(total);
    (0..time_bands.len()).map(|k| cum[k + 1] - cum[k]).collect()
}

/// The Knox test with Monte Carlo permutation of the days over fixed locations.
///
/// Conventions (DESIGN.md): bands are [a, b) and the last band of each list is open
/// ([last, ∞)); rows are space bands, columns time bands; pairs are unordered; time is
/// whole days between dates. p = (#{sim ≥ obs} + 1)/(permutations + 1) and the Knox
/// ratio is observed / mean simulated.
///
/// Only pairs closer than the last space edge are enumerated (grid hashing with cells of
/// that size); the open space band is all pairs in a time band minus the close ones, and
/// the all-pairs counts come from the sorted days, which a permutation of days does not
/// change. So memory is O(n + close pairs), never n², and each permutation costs
/// O(close pairs). Permutations run in parallel, each with its own ChaCha8 stream seeded
/// from (`seed`, permutation index): the same seed gives the same table on any number of
/// threads.
///
/// Sources: Knox, E. G. (1964), "The detection of space-time interactions", *Applied
/// Statistics* 13(1), 25–30; Johnson, S. D. et al. (2007), "Space-time patterns of risk:
/// a cross national assessment of residential burglary victimization", *Journal of
/// Quantitative Criminology* 23, 201–219 (the banded form of the Near Repeat
/// Calculator, Ratcliffe 2009).
///
/// ```
/// use crimescope_spatial::{Event, Metric, knox_test};
/// let ev = |x, day| Event { x, y: 0.0, day };
/// let events = [ev(0.0, 0), ev(50.0, 3), ev(5000.0, 200), ev(5050.0, 400)];
/// let t = knox_test(&events, &[0.0, 100.0], &[0, 7], Metric::Euclidean, 9, 1).unwrap();
/// assert_eq!(t.observed[0], vec![1, 1]); // close pairs: 3 days apart, 200 days apart
/// assert_eq!(t.observed[1].iter().sum::<u64>(), 4); // the other four pairs are far
/// ```
pub fn knox_test(
    events: &[Event],
    space_bands: &[f64],
    time_bands: &[i64],
    metric: Metric,
    permutations: usize,
    seed: u64,
) -> Result<KnoxTable, SpatialError> {
    check_edges("space", space_bands)?;
    check_edges("time", time_bands)?;
    if events.len() < 2 {
        return Err(SpatialError::Empty("the Knox test needs at least two events".into()));
    }
    if space_bands[0] != 0.0 || time_bands[0] < 0 {
        return Err(SpatialError::BadParameter(
            "the first space edge must be 0 and no edge may be negative (e.g. 0,100,200 and 0,7,14)".into(),
        ));
    }
    let (ns, nt) = (space_bands.len(), time_bands.len());
    let last = *space_bands.last().unwrap_or(&0.0);
    let distance = |a: &Event, b: &Event| match metric {
        Metric::Euclidean => (a.x - b.x).hypot(a.y - b.y),
        Metric::Manhattan => (a.x - b.x).abs() + (a.y - b.y).abs(),
    };
    // The events in grid-row order: sorted by the (row, column) cell of a grid with cells
    // as wide as the last space edge, so each cell's events are one run of positions and
    // both events of a close pair sit near each other (the permutation loop then reads
    // their days from L1 cache; see `pairs`).
    let mut order: Vec<u32> = (0..events.len() as u32).collect();
    // Close pairs (distance < last edge and ≥ first edge) as (position, later position,
    // space band), found in the 3 × 3 cells around each event.
    let mut close: Vec<(u32, u32, u8)> = Vec::new();
    if last > 0.0 {
        let cells: Vec<(i64, i64)> = events
            .iter()
            .map(|e| ((e.y / last).floor() as i64, (e.x / last).floor() as i64))
            .collect();
        order.sort_by_key(|&i| (cells[i as usize], i));
        let mut runs: std::collections::HashMap<(i64, i64), (usize, usize)> = std::collections::HashMap::new();
        for (at, &i) in order.iter().enumerate() {
            runs.entry(cells[i as usize]).or_insert((at, at)).1 = at + 1;
        }
        // A pair farther apart than the last edge by more than rounding is left out
        // before its distance is computed (about two candidates in three).
        let beyond = last * last * (1.0 + 1e-9);
        let per_position: Vec<Vec<(u32, u32, u8)>> = (0..order.len())
            .into_par_iter()
            .map(|a| {
                let e = &events[order[a] as usize];
                let (row, column) = cells[order[a] as usize];
                let mut out = Vec::new();
                for dr in -1..=1 {
                    for dc in -1..=1 {
                        let Some(&(start, end)) = runs.get(&(row + dr, column + dc)) else {
                            continue;
                        };
                        for (b, &j) in order.iter().enumerate().take(end).skip(start.max(a + 1)) {
                            let other = &events[j as usize];
                            let (dx, dy) = (e.x - other.x, e.y - other.y);
                            if metric == Metric::Euclidean && dx * dx + dy * dy > beyond {
                                continue;
                            }
                            let d = distance(e, other);
                            if d < last
                                && let Some(s) = band_of(space_bands, d)
                            {
                                out.push((a as u32, b as u32, s as u8));
                            }
                        }
                    }
                }
                out
            })
            .collect();
        close = per_position.into_iter().flatten().collect();
    }
    let days: Vec<i64> = events.iter().map(|e| e.day).collect();
    let all_by_time = all_pairs_by_time(&days, time_bands);
    let first_day = days.iter().copied().min().unwrap_or(0);
    let offsets: Vec<u32> = days
        .iter()
        .map(|&d| u32::try_from(d - first_day).ok().filter(|&o| o < 1 << 30))
        .collect::<Option<_>>()
        .ok_or_else(|| SpatialError::BadParameter("the events' dates span more than a billion days".into()))?;
    let (sims, observed) = pairs::permuted_tables(&pairs::Layout {
        close: &close,
        space_bands: ns,
        order: &order,
        offsets: &offsets,
        time_bands,
        all_by_time: &all_by_time,
        permutations,
        seed,
    });
    let mut expected = vec![vec![0.0f64; nt]; ns];
    let mut at_least = vec![vec![0u64; nt]; ns];
    for sim in &sims {
        for s in 0..ns {
            for k in 0..nt {
                expected[s][k] += sim[s][k] as f64;
                if sim[s][k] >= observed[s][k] {
                    at_least[s][k] += 1;
                }
            }
        }
    }
    let perms = permutations as f64;
    let mut knox_ratio = vec![vec![f64::NAN; nt]; ns];
    let mut p = vec![vec![f64::NAN; nt]; ns];
    for s in 0..ns {
        for k in 0..nt {
            if permutations > 0 {
                expected[s][k] /= perms;
                if expected[s][k] > 0.0 {
                    knox_ratio[s][k] = observed[s][k] as f64 / expected[s][k];
                }
                p[s][k] = (at_least[s][k] + 1) as f64 / (perms + 1.0);
            }
        }
    }
    Ok(KnoxTable {
        n: events.len(),
        space_bands: space_bands.to_vec(),
        time_bands: time_bands.to_vec(),
        observed,
        expected,
        knox_ratio,
        p,
        permutations,
        seed,
        close_pairs: close.len(),
        metric,
    })
}
