//! Time `trend --by category` on a store: the session open once, then the query
//! several times, as `benches/trend_year.sh` runs it. Prints one JSON object.
//!
//! `cargo run --release -p crimescope --example trend_bench -- STORE PERIOD [REPS]`

use std::time::Instant;

use crimescope_engine::Session;
use crimescope_engine::trend::{TrendRequest, trend};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(store), Some(period)) = (args.get(1), args.get(2)) else {
        return Err("usage: trend_bench STORE PERIOD [REPS]".into());
    };
    let reps: usize = args.get(3).map_or(Ok(5), |r| r.parse())?;
    let t = Instant::now();
    let session = Session::open(std::path::Path::new(store)).await?;
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    let period: crimescope_model::Period = period.parse()?;
    // The half-year before, as the benchmarks in BENCHMARKS.md were measured.
    let mut request = TrendRequest::new(period);
    request.compare = Some(period.previous());
    let mut runs = Vec::new();
    let mut incidents = 0i64;
    for _ in 0..reps {
        let t = Instant::now();
        let table = trend(&session, &request).await?;
        runs.push(t.elapsed().as_secs_f64() * 1e3);
        let (current, previous) = table.totals()?;
        incidents = current + previous;
    }
    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{{\"open_ms\": {open_ms:.1}, \"query_ms\": {runs:?}, \"median_ms\": {:.1}, \"incidents\": {incidents}}}",
        sorted[sorted.len() / 2]
    );
    Ok(())
}
