//! The Knox permutation loop, laid out for the cache.
//!
//! Each permutation reads every close pair once, so that loop is most of the test's time
//! (275,258 pairs × 999 permutations on a year of Chicago's aggravated assaults). The
//! pairs are kept per space band as two position arrays (compressed rows were tried and
//! were slower: a row has about four partners, too few to pay for its loop). Events are
//! numbered in grid-row order, so both events of a pair sit near each other in memory.
//!
//! When the days and time edges fit 15 bits (any span up to ninety years), 16
//! permutations are counted together: each event holds its day under each of the 16
//! shuffles side by side (32 bytes), so a pair's two events are read once for all 16,
//! and the gap, compare and add run across the 16 lanes in vector registers. That halved
//! the whole Knox run on the Chicago year (0.19–0.20 → 0.10–0.11 s). Other days take
//! the one-permutation loop: the gaps of a band are computed into a buffer, and each
//! time edge then counts the gaps below it with a branch-free compare-and-add that the
//! compiler vectorises; a histogram in memory would instead serialise on
//! store-to-load forwarding whenever consecutive pairs fall in the same band, which with
//! real data is most of the time.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// What the permutation loop needs from [`super::knox_test`].
pub(super) struct Layout<'a> {
    /// Close pairs as (position, later position, space band) in `order`, by position:
    /// every band but the open one.
    pub close: &'a [(u32, u32, u8)],
    /// The number of space bands (the last, open, band has no close pairs).
    pub space_bands: usize,
    /// The input index of the event at each position of the loop's order.
    pub order: &'a [u32],
    /// Each event's day as an offset from the earliest, in input order, below 2^30.
    pub offsets: &'a [u32],
    /// The time edges in days.
    pub time_bands: &'a [i64],
    /// Every pair's count per time band (a permutation does not change it).
    pub all_by_time: &'a [u64],
    /// Permutations to run.
    pub permutations: usize,
    /// The seed of the permutation streams.
    pub seed: u64,
}

/// Event positions as array indices.
trait Position: Copy + Send + Sync {
    fn from_u32(v: u32) -> Self;
    fn at(self) -> usize;
}
impl Position for u16 {
    fn from_u32(v: u32) -> Self {
        v as u16
    }
    #[inline(always)]
    fn at(self) -> usize {
        self as usize
    }
}
impl Position for u32 {
    fn from_u32(v: u32) -> Self {
        v
    }
    #[inline(always)]
    fn at(self) -> usize {
        self as usize
    }
}

/// A day offset and the gap type of two of them.
trait Day: Copy + Send + Sync + Default {
    /// A gap in days, compared against the time edges.
    type Gap: Copy + Send + Sync + Default + PartialOrd;
    fn from_u32(v: u32) -> Self;
    fn gap(self, other: Self) -> Self::Gap;
    fn edge(days: i64) -> Self::Gap;
    /// How many of `gaps` are below `edge`.
    fn count_below(gaps: &[Self::Gap], edge: Self::Gap) -> u64;
}

/// Days that span at most 32,767 days (ninety years), with every time edge at most
/// 32,767: a gap fits an `i16`, and eight of them one SSE2 compare.
impl Day for u16 {
    type Gap = i16;
    fn from_u32(v: u32) -> Self {
        v as u16
    }
    #[inline(always)]
    fn gap(self, other: Self) -> i16 {
        self.abs_diff(other) as i16
    }
    fn edge(days: i64) -> i16 {
        days.clamp(0, i64::from(i16::MAX)) as i16
    }
    fn count_below(gaps: &[i16], edge: i16) -> u64 {
        // u16 sums of at most 65,535 ones, so the compare and add stay 16 bits wide.
        gaps.chunks(u16::MAX as usize)
            .map(|chunk| u64::from(chunk.iter().map(|&g| u16::from(g < edge)).sum::<u16>()))
            .sum()
    }
}

/// Any other days: offsets below 2^30, so a gap fits an `i32`.
impl Day for u32 {
    type Gap = i32;
    fn from_u32(v: u32) -> Self {
        v
    }
    #[inline(always)]
    fn gap(self, other: Self) -> i32 {
        self.abs_diff(other) as i32
    }
    fn edge(days: i64) -> i32 {
        days.clamp(0, i64::from(i32::MAX)) as i32
    }
    fn count_below(gaps: &[i32], edge: i32) -> u64 {
        gaps.iter().map(|&g| u64::from(g < edge)).sum()
    }
}

/// One space band's close pairs: `left[k]` with `right[k]`, by position.
struct BandPairs<P> {
    left: Vec<P>,
    right: Vec<P>,
}

impl<P: Position> BandPairs<P> {
    /// The gap of every pair of the band under `days` (in position order), into `gaps`.
    #[inline]
    fn gaps<D: Day>(&self, days: &[D], gaps: &mut Vec<D::Gap>) {
        gaps.clear();
        gaps.extend(
            self.left
                .iter()
                .zip(&self.right)
                .map(|(&i, &j)| days[i.at()].gap(days[j.at()])),
        );
    }
}

/// The Knox table of each permutation, and of the days as they are (observed): one grid
/// per permutation, by space band then time band.
///
/// Each permutation shuffles a copy of the days in input order with its own ChaCha8
/// stream seeded from (`seed`, permutation index), then reads them in the loop's order;
/// a shuffle depends only on the length and the generator, so the tables depend neither
/// on the width of the day type, nor on the order, nor on the number of threads.
pub(super) fn permuted_tables(layout: &Layout) -> (Vec<Vec<Vec<u64>>>, Vec<Vec<u64>>) {
    let narrow_positions = layout.offsets.len() <= 1 << 16;
    let narrow_days = layout.offsets.iter().all(|&o| o <= i16::MAX as u32)
        && layout.time_bands.iter().all(|&e| e <= i64::from(i16::MAX));
    match (narrow_positions, narrow_days) {
        (true, true) => run_lanes::<u16>(layout),
        (true, false) => run::<u16, u32>(layout),
        (false, true) => run::<u32, u16>(layout),
        (false, false) => run::<u32, u32>(layout),
    }
}

fn run<P: Position, D: Day>(layout: &Layout) -> (Vec<Vec<Vec<u64>>>, Vec<Vec<u64>>) {
    let (ns, nt) = (layout.space_bands, layout.all_by_time.len());
    let bands = band_pairs::<P>(layout);
    let edges: Vec<D::Gap> = layout.time_bands.iter().map(|&e| D::edge(e)).collect();
    let days: Vec<D> = layout.offsets.iter().map(|&o| D::from_u32(o)).collect();
    let widest = bands.iter().map(|b| b.left.len()).max().unwrap_or(0);
    let table_for = |ordered: &[D], gaps: &mut Vec<D::Gap>| -> Vec<Vec<u64>> {
        let below: Vec<Vec<u64>> = bands
            .iter()
            .map(|band| {
                band.gaps(ordered, gaps);
                edges
                    .iter()
                    .map(|&edge| {
                        if edge > D::Gap::default() {
                            D::count_below(gaps, edge)
                        } else {
                            0
                        }
                    })
                    .collect()
            })
            .collect();
        table_from_below(&bands, &below, layout.all_by_time, ns, nt)
    };
    let in_order = |from: &[D], to: &mut [D]| {
        for (slot, &i) in to.iter_mut().zip(layout.order) {
            *slot = from[i as usize];
        }
    };
    let mut ordered = days.clone();
    in_order(&days, &mut ordered);
    let observed = table_for(&ordered, &mut Vec::with_capacity(widest));
    let seed = layout.seed;
    let sims = (0..layout.permutations)
        .into_par_iter()
        .map_init(
            || (days.clone(), days.clone(), Vec::with_capacity(widest)),
            |(shuffled, ordered, gaps), p| {
                let mut rng = permutation_rng(seed, p);
                shuffled.copy_from_slice(&days);
                shuffled.shuffle(&mut rng);
                in_order(shuffled, ordered);
                table_for(ordered, gaps)
            },
        )
        .collect();
    (sims, observed)
}

/// The Knox table from, per finite space band, the pairs with a gap under each time
/// edge (`below[s][k]`): time band k holds the gaps in [edge k, edge k+1), the last band
/// every gap from its edge on, and the open space band every pair in the time band that
/// is not close.
fn table_from_below<P>(
    bands: &[BandPairs<P>],
    below: &[Vec<u64>],
    all_by_time: &[u64],
    ns: usize,
    nt: usize,
) -> Vec<Vec<u64>> {
    let mut t = vec![vec![0u64; nt]; ns];
    for (s, (band, below)) in bands.iter().zip(below).enumerate() {
        for k in 0..nt {
            let upper = below.get(k + 1).copied().unwrap_or(band.left.len() as u64);
            t[s][k] = upper - below[k];
        }
    }
    let finite: Vec<u64> = (0..nt).map(|k| t[..ns - 1].iter().map(|row| row[k]).sum()).collect();
    for ((open, &all), finite) in t[ns - 1].iter_mut().zip(all_by_time).zip(finite) {
        *open = all - finite;
    }
    t
}

/// Permutations the lane kernel counts together.
const LANES: usize = 16;

/// Each event's day (in the loop's order) under [`LANES`] permutations at once.
type LaneDays = [u16; LANES];

/// How many pairs of `band` have a gap under each of `edges`, for every lane at once:
/// each pair's two events are read once for all the lanes, and the compare-and-add runs
/// across the lanes (16 × 16 bits, a vector register or two). Counts are kept in 16 bits
/// for at most 65,535 pairs at a time.
fn lane_below<P: Position>(band: &BandPairs<P>, lanes: &[LaneDays], edges: &[u16]) -> Vec<[u64; LANES]> {
    let mut below = vec![[0u64; LANES]; edges.len()];
    let mut counts = vec![[0u16; LANES]; edges.len()];
    let chunk = u16::MAX as usize;
    for (left, right) in band.left.chunks(chunk).zip(band.right.chunks(chunk)) {
        counts.iter_mut().for_each(|c| *c = [0; LANES]);
        for (&i, &j) in left.iter().zip(right) {
            let (x, y) = (&lanes[i.at()], &lanes[j.at()]);
            let mut gap = [0u16; LANES];
            for l in 0..LANES {
                gap[l] = x[l].abs_diff(y[l]);
            }
            for (count, &edge) in counts.iter_mut().zip(edges) {
                for l in 0..LANES {
                    count[l] += u16::from(gap[l] < edge);
                }
            }
        }
        for (total, count) in below.iter_mut().zip(&counts) {
            for l in 0..LANES {
                total[l] += u64::from(count[l]);
            }
        }
    }
    below
}

/// [`run`] for days and time edges that fit 15 bits (every span up to ninety years):
/// the permutations are counted [`LANES`] at a time by [`lane_below`]. Each is shuffled
/// by its own stream exactly as in [`run`], so the tables are the same.
fn run_lanes<P: Position>(layout: &Layout) -> (Vec<Vec<Vec<u64>>>, Vec<Vec<u64>>) {
    let (ns, nt) = (layout.space_bands, layout.all_by_time.len());
    let bands = band_pairs::<P>(layout);
    // Gaps and edges are at most i16::MAX here, so comparing them unsigned is comparing
    // them as `run` does; an edge at or below 0 counts nothing either way.
    let edges: Vec<u16> = layout
        .time_bands
        .iter()
        .map(|&e| <u16 as Day>::edge(e) as u16)
        .collect();
    let days: Vec<u16> = layout.offsets.iter().map(|&o| o as u16).collect();
    let tables = |lanes: &[LaneDays], used: usize| -> Vec<Vec<Vec<u64>>> {
        let below: Vec<Vec<[u64; LANES]>> = bands.iter().map(|band| lane_below(band, lanes, &edges)).collect();
        (0..used)
            .map(|l| {
                let lane: Vec<Vec<u64>> = below.iter().map(|b| b.iter().map(|e| e[l]).collect()).collect();
                table_from_below(&bands, &lane, layout.all_by_time, ns, nt)
            })
            .collect()
    };
    let observed_lanes: Vec<LaneDays> = layout.order.iter().map(|&i| [days[i as usize]; LANES]).collect();
    let observed = tables(&observed_lanes, 1).swap_remove(0);
    let seed = layout.seed;
    let batches = layout.permutations.div_ceil(LANES);
    let sims = (0..batches)
        .into_par_iter()
        .map_init(
            || (days.clone(), vec![[0u16; LANES]; days.len()]),
            |(shuffled, lanes), batch| {
                let first = batch * LANES;
                let used = LANES.min(layout.permutations - first);
                for l in 0..used {
                    let p = first + l;
                    let mut rng = permutation_rng(seed, p);
                    shuffled.copy_from_slice(&days);
                    shuffled.shuffle(&mut rng);
                    for (lane, &i) in lanes.iter_mut().zip(layout.order) {
                        lane[l] = shuffled[i as usize];
                    }
                }
                tables(lanes, used)
            },
        )
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    (sims, observed)
}

/// Permutation `p`'s stream: ChaCha8 seeded from `seed × 0x9E3779B97F4A7C15 XOR p`, the
/// documented stream each permutation shuffles the days with, whatever loop counts it.
fn permutation_rng(seed: u64, p: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ p as u64)
}

/// The close pairs of each finite space band, in the order of `layout.close`.
fn band_pairs<P: Position>(layout: &Layout) -> Vec<BandPairs<P>> {
    let mut bands: Vec<BandPairs<P>> = (0..layout.space_bands.saturating_sub(1))
        .map(|_| BandPairs {
            left: Vec::new(),
            right: Vec::new(),
        })
        .collect();
    for &(a, b, s) in layout.close {
        bands[s as usize].left.push(P::from_u32(a));
        bands[s as usize].right.push(P::from_u32(b));
    }
    bands
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A band of 140,000 pairs (three chunks of the 16-bit counts) over random days in
    /// every lane: each lane's counts are a plain count of that lane's gaps.
    #[test]
    fn lane_counts_are_plain_counts_across_chunks() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let events = 3_000usize;
        let lanes: Vec<LaneDays> = (0..events)
            .map(|_| std::array::from_fn(|_| rand::Rng::random_range(&mut rng, 0..=i16::MAX as u16)))
            .collect();
        let pairs = 140_000;
        let band = BandPairs::<u16> {
            left: (0..pairs).map(|k| (k % events) as u16).collect(),
            right: (0..pairs).map(|k| ((k * 7 + 13) % events) as u16).collect(),
        };
        let edges = [0u16, 1, 30, 5_000, 16_000, i16::MAX as u16];
        let below = lane_below(&band, &lanes, &edges);
        for (e, &edge) in edges.iter().enumerate() {
            for l in 0..LANES {
                let plain = band
                    .left
                    .iter()
                    .zip(&band.right)
                    .filter(|&(&i, &j)| lanes[usize::from(i)][l].abs_diff(lanes[usize::from(j)][l]) < edge)
                    .count() as u64;
                assert_eq!(below[e][l], plain, "edge {edge}, lane {l}");
            }
        }
        // Wider edges count more pairs than one 16-bit count holds: the chunks matter.
        assert!(below[4][0] > u64::from(u16::MAX));
    }
}
