//! Throughput of the series statistics on monthly series of realistic lengths.
//!
//! `cargo bench -p crimescope-stats`

use crimescope_stats::{c_chart, mann_kendall, poisson_e_test, seasonal_index, u_chart};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// A deterministic monthly series with trend, season and ties.
fn series(n: usize) -> Vec<u64> {
    (0..n)
        .map(|t| 200 + (t as u64) / 3 + [0, 5, 12, 20, 25, 30, 35, 30, 20, 10, 5, 0][t % 12] + (t as u64 * 7919) % 9)
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("series");
    for n in [36usize, 120, 600] {
        let x = series(n);
        let f: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let days: Vec<f64> = (0..n).map(|t| [31.0, 28.0, 31.0, 30.0][t % 4]).collect();
        group.bench_with_input(BenchmarkId::new("mann_kendall", n), &f, |b, f| {
            b.iter(|| mann_kendall(black_box(f)))
        });
        group.bench_with_input(BenchmarkId::new("c_chart", n), &x, |b, x| {
            b.iter(|| c_chart(black_box(x)))
        });
        group.bench_with_input(BenchmarkId::new("u_chart", n), &x, |b, x| {
            b.iter(|| u_chart(black_box(x), black_box(&days)))
        });
        group.bench_with_input(BenchmarkId::new("seasonal_index", n), &x, |b, x| {
            b.iter(|| seasonal_index(black_box(x), 1))
        });
    }
    group.finish();
}

/// The E-test on the 14 category rows of a national `trend --by category` (synthetic
/// police.uk year, 2025 H2 against H1; counts from 7 thousand to 1.1 million).
fn bench_e_test(c: &mut Criterion) {
    const NATIONAL: [(u64, u64); 14] = [
        (1134269, 1085733),
        (510781, 489217),
        (403559, 376446),
        (334029, 325971),
        (275983, 264019),
        (275786, 264216),
        (202261, 187738),
        (153278, 141959),
        (107456, 102542),
        (91278, 88721),
        (61281, 58722),
        (45937, 44062),
        (45515, 44484),
        (30567, 29434),
    ];
    c.bench_function("e_test/national_trend_rows", |b| {
        b.iter(|| {
            NATIONAL
                .iter()
                .map(|&(x1, x2)| poisson_e_test(black_box(x1), black_box(x2), 6.0, 6.0))
                .sum::<f64>()
        })
    });
}

criterion_group!(benches, bench, bench_e_test);
criterion_main!(benches);
