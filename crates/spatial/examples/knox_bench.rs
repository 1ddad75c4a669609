//! Time the Knox test (the near-repeat benchmark in BENCHMARKS.md), bands 0,100,200,
//! 300,400 m × 0,7,14,21,28 days (the Near Repeat Calculator's defaults), 999
//! permutations, seed 1. Prints one JSON object with the observed table, so that another
//! implementation can be checked against it.
//!
//! ```sh
//! # N seeded random events over a 20 km square and a year:
//! cargo run --release -p crimescope-spatial --example knox_bench -- N [PERMUTATIONS]
//! # real events from a CSV with `date` (YYYY-MM-DD…), `longitude` and `latitude`
//! # columns, projected to metres around their mean latitude:
//! cargo run --release -p crimescope-spatial --example knox_bench -- --csv FILE [PERMUTATIONS]
//! ```

use std::time::Instant;

use crimescope_spatial::{Event, Metric, knox_test};
use rand::{Rng, SeedableRng};

const SPACE: [f64; 5] = [0.0, 100.0, 200.0, 300.0, 400.0];
const TIME: [i64; 5] = [0, 7, 14, 21, 28];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: knox_bench N [PERMUTATIONS] | knox_bench --csv FILE [PERMUTATIONS]";
    let first = args.get(1).ok_or(usage)?;
    let (events, rest) = if first == "--csv" {
        (read_csv(args.get(2).ok_or(usage)?)?, 3)
    } else {
        (random_events(first.parse()?), 2)
    };
    let permutations: usize = args.get(rest).map_or(Ok(999), |p| p.parse())?;
    let start = Instant::now();
    let t = knox_test(&events, &SPACE, &TIME, Metric::Euclidean, permutations, 1)?;
    println!(
        "{{\"events\": {}, \"permutations\": {permutations}, \"close_pairs\": {}, \"seconds\": {:.3}, \"threads\": {}, \
         \"observed\": {:?}}}",
        events.len(),
        t.close_pairs,
        start.elapsed().as_secs_f64(),
        rayon::current_num_threads(),
        t.observed
    );
    Ok(())
}

fn random_events(n: usize) -> Vec<Event> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    (0..n)
        .map(|_| Event {
            x: 400_000.0 + rng.random::<f64>() * 20_000.0,
            y: 200_000.0 + rng.random::<f64>() * 20_000.0,
            day: rng.random_range(0..365),
        })
        .collect()
}

/// Events from a CSV: days since 1970-01-01 from `date`, and an equirectangular
/// projection in metres around the mean latitude (accurate to well under 1% over a city).
fn read_csv(path: &str) -> Result<Vec<Event>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or(format!("no {name} column"))
    };
    let (date, lon, lat) = (column("date")?, column("longitude")?, column("latitude")?);
    let mut raw = Vec::new();
    for (n, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let bad = || format!("{path}, line {}: bad row", n + 2);
        let d = fields.get(date).ok_or_else(bad)?;
        let (y, m, day) = (d.get(0..4), d.get(5..7), d.get(8..10));
        let (Some(y), Some(m), Some(day)) = (y, m, day) else {
            return Err(bad().into());
        };
        let days = days_from_civil(y.parse()?, m.parse()?, day.parse()?);
        let x: f64 = fields.get(lon).ok_or_else(bad)?.parse()?;
        let y: f64 = fields.get(lat).ok_or_else(bad)?.parse()?;
        raw.push((x, y, days));
    }
    let mean_lat = raw.iter().map(|r| r.1).sum::<f64>() / raw.len().max(1) as f64;
    let metres_per_degree = 111_320.0;
    let kx = metres_per_degree * mean_lat.to_radians().cos();
    Ok(raw
        .into_iter()
        .map(|(lon, lat, day)| Event {
            x: lon * kx,
            y: lat * metres_per_degree,
            day,
        })
        .collect())
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
