//! Throughput of the ingest stages on the real City of London street files:
//! CSV record parsing, the full street profile (parse, validate, deduplicate, project,
//! write Parquet), and the OSTN15 projection alone.
//!
//! `cargo bench -p crimescope-ingest --bench parse_validate_project`

use std::hint::black_box;
use std::path::Path;

use crimescope_ingest::bench_support::{count_records, parse_street_file};
use crimescope_ingest::projection::to_bng;
use crimescope_model::HarmWeights;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn fixture() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/police-uk/city-of-london/2024-05-city-of-london-street.csv");
    std::fs::read(path).expect("fixture present")
}

fn benches(c: &mut Criterion) {
    let bytes = fixture();
    let rows = count_records(&bytes) - 1;

    let mut group = c.benchmark_group("street_file");
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("csv_records", |b| {
        b.iter(|| black_box(count_records(black_box(&bytes))));
    });
    let harm = HarmWeights::v1();
    let staging = tempfile::tempdir().expect("tempdir");
    group.bench_function("parse_validate_project_write", |b| {
        b.iter(|| {
            black_box(
                parse_street_file("2024-05-city-of-london-street.csv", &bytes, &harm, staging.path()).expect("parses"),
            )
        });
    });
    group.finish();

    let points: Vec<(f64, f64)> = (0..10_000)
        .map(|i| (-0.11 + (i % 100) as f64 * 1e-3, 51.50 + (i / 100) as f64 * 1e-4))
        .collect();
    let mut group = c.benchmark_group("projection");
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function("ostn15_to_bng", |b| {
        b.iter(|| {
            for &(lon, lat) in &points {
                black_box(to_bng(black_box(lon), black_box(lat)));
            }
        });
    });
    group.finish();
}

criterion_group!(name = ingest; config = Criterion::default().sample_size(30); targets = benches);
criterion_main!(ingest);
