//! Gi* over grids and quartic KDE at 10^4, 10^5 and 10^6 cells or points.
//!
//! `cargo bench -p crimescope-spatial`

use crimescope_spatial::{Grid, gi_star_grid, quartic_kde};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use std::hint::black_box;

/// A square grid of about `cells` 250 m cells with seeded counts 0-5.
fn grid(cells: usize) -> (Grid, Vec<f64>) {
    let side = (cells as f64).sqrt().round() as usize;
    let extent = side as f64 * 250.0 - 1.0;
    let g = Grid::covering(250.0, 400_000.0, 400_000.0 + extent, 200_000.0, 200_000.0 + extent).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let counts = (0..g.len()).map(|_| (rng.random::<f64>() * 6.0).floor()).collect();
    (g, counts)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("spatial");
    group.sample_size(10);
    for n in [10_000usize, 100_000, 1_000_000] {
        let (g, counts) = grid(n);
        group.bench_with_input(BenchmarkId::new("gi_star_grid_band500", n), &n, |b, _| {
            b.iter(|| gi_star_grid(black_box(&g), black_box(&counts), 500.0).unwrap())
        });
        // n points over a 20 km square; 50 m cells (about 170,000); 300 m bandwidth.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let points: Vec<(f64, f64)> = (0..n)
            .map(|_| {
                (
                    500_000.0 + rng.random::<f64>() * 20_000.0,
                    200_000.0 + rng.random::<f64>() * 20_000.0,
                )
            })
            .collect();
        let kde_grid = Grid::covering(50.0, 499_700.0, 520_300.0, 199_700.0, 220_300.0).unwrap();
        group.bench_with_input(BenchmarkId::new("quartic_kde_h300_cell50", n), &n, |b, _| {
            b.iter(|| quartic_kde(black_box(&points), &kde_grid, 300.0, 1.0).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
