//! Under no change, how often does a table of two-period comparisons call something
//! significant? Simulated with seeded Poisson draws.

use crimescope_stats::{PeriodChange, adjust_for_many_rows, wheeler_z};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A Poisson draw by inversion of the CDF (means up to a few thousand).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    let u: f64 = rng.random();
    let mut k = 0u64;
    let mut term = (-mean).exp();
    if term == 0.0 {
        // Large means: a normal approximation with continuity, good enough here.
        let (a, b): (f64, f64) = (rng.random(), rng.random());
        let z = (-2.0 * a.max(1e-300).ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos();
        return (mean + mean.sqrt() * z).round().max(0.0) as u64;
    }
    let mut cdf = term;
    while u > cdf && k < 100_000 {
        k += 1;
        term *= mean / k as f64;
        cdf += term;
    }
    k
}

/// The means of a table like the overview: 14 categories from rare to common.
const MEANS: [f64; 14] = [
    2.0, 5.0, 9.0, 15.0, 25.0, 40.0, 60.0, 90.0, 130.0, 200.0, 300.0, 450.0, 650.0, 700.0,
];

#[test]
fn significant_is_at_most_five_percent_under_no_change() {
    let mut rng = ChaCha8Rng::seed_from_u64(2018);
    let tables = 8000; // about 11 s in a debug build; the any-flag rate is then known to ±0.5%
    let (mut tables_with_any, mut rows_flagged, mut old_rows_flagged) = (0, 0, 0);
    for _ in 0..tables {
        let mut rows: Vec<PeriodChange> = MEANS
            .iter()
            .map(|&m| PeriodChange::new(poisson(&mut rng, m), poisson(&mut rng, m)))
            .collect();
        old_rows_flagged += rows
            .iter()
            .filter(|r| wheeler_z(r.current, r.previous as f64).abs() >= 1.96)
            .count();
        adjust_for_many_rows(&mut rows);
        let flagged = rows.iter().filter(|r| r.significant).count();
        rows_flagged += flagged;
        tables_with_any += usize::from(flagged > 0);
    }
    let rows = (tables * MEANS.len()) as f64;
    let any_rate = tables_with_any as f64 / tables as f64;
    let row_rate = rows_flagged as f64 / rows;
    let old_rate = old_rows_flagged as f64 / rows;
    eprintln!("any {any_rate} row {row_rate} old {old_rate}");
    // With every row null, BH controls the chance of any false flag in a table at 5%.
    assert!(any_rate <= 0.05, "tables with a false flag: {any_rate}");
    assert!(row_rate <= 0.05, "rows flagged: {row_rate}");
    // The screen it replaces, Wheeler's z between two periods at |z| >= 1.96, flags far
    // more (about one row in six at these means): the simulation can tell them apart.
    assert!(old_rate > 0.10, "old screen: {old_rate}");
}
