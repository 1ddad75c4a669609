//! Time the Knox test on seeded random events (the near-repeat benchmark in
//! BENCHMARKS.md): N events over a 20 km square and a year, bands 0,100,200,300,400 m ×
//! 0,7,14,21,28 days, 999 permutations. Prints one JSON object.
//!
//! `cargo run --release -p crimescope-spatial --example knox_bench -- N [PERMUTATIONS]`

use std::time::Instant;

use crimescope_spatial::{Event, Metric, knox_test};
use rand::{Rng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).ok_or("usage: knox_bench N [PERMUTATIONS]")?.parse()?;
    let permutations: usize = args.get(2).map_or(Ok(999), |p| p.parse())?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let events: Vec<Event> = (0..n)
        .map(|_| Event {
            x: 400_000.0 + rng.random::<f64>() * 20_000.0,
            y: 200_000.0 + rng.random::<f64>() * 20_000.0,
            day: rng.random_range(0..365),
        })
        .collect();
    let start = Instant::now();
    let t = knox_test(
        &events,
        &[0.0, 100.0, 200.0, 300.0, 400.0],
        &[0, 7, 14, 21, 28],
        Metric::Euclidean,
        permutations,
        1,
    )?;
    println!(
        "{{\"events\": {n}, \"permutations\": {permutations}, \"close_pairs\": {}, \"seconds\": {:.3}, \"threads\": {}}}",
        t.close_pairs,
        start.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    Ok(())
}
