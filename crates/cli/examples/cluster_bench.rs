//! Time the trend and grid queries on a store, here or on a Ballista cluster: the
//! session opened once, then each query several times. Prints one JSON object.
//! `benches/cluster.sh` runs it locally and on 1- and 2-executor clusters.
//!
//! `cargo run --release -p crimescope --features distributed --example cluster_bench --
//!  STORE PERIOD CELL REPS [df://HOST:PORT PARTITIONS]`

use std::collections::HashMap;
use std::time::Instant;

use crimescope_engine::Session;
use crimescope_engine::arrow::array::AsArray;
use crimescope_engine::arrow::datatypes::Int64Type;
use crimescope_engine::cluster::{ClusterUrl, connect, logical_plan_bytes};
use crimescope_engine::queries::QueryCatalog;
use crimescope_engine::trend::{TrendRequest, trend};
use crimescope_model::Period;

fn median(runs: &[f64]) -> f64 {
    let mut sorted = runs.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, store, period, cell, reps, rest @ ..] = args.as_slice() else {
        return Err("usage: cluster_bench STORE PERIOD CELL REPS [df://HOST:PORT PARTITIONS]".into());
    };
    let reps: usize = reps.parse()?;
    let store = std::path::Path::new(store);
    let t = Instant::now();
    let session = match rest {
        [url, partitions] => {
            connect(
                store,
                &ClusterUrl::parse(url)?,
                partitions.parse()?,
                &crimescope_engine::SessionOptions::default(),
            )
            .await?
        }
        [] => Session::open(store).await?,
        _ => return Err("give both the cluster URL and the partitions, or neither".into()),
    };
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    let period: Period = period.parse()?;
    let mut request = TrendRequest::new(period);
    request.compare = Some(period.previous());
    let (mut trend_runs, mut grid_runs) = (Vec::new(), Vec::new());
    let (mut incidents, mut cells, mut located) = (0i64, 0usize, 0i64);
    let params: HashMap<String, String> = [
        // The grid covers both halves the trend compares (2025-01..2025-12 for 2025-07..2025-12).
        ("period_start", period.previous().first().to_string()),
        ("period_end", period.last().to_string()),
        ("cell", cell.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for _ in 0..reps {
        let t = Instant::now();
        let table = trend(&session, &request).await?;
        trend_runs.push(t.elapsed().as_secs_f64() * 1e3);
        let (current, previous) = table.totals()?;
        incidents = current + previous;
        let t = Instant::now();
        let grid = session.run_builtin("hotspot_grid", &params).await?;
        grid_runs.push(t.elapsed().as_secs_f64() * 1e3);
        cells = grid.iter().map(|b| b.num_rows()).sum();
        located = grid
            .iter()
            .map(|b| b.column(2).as_primitive::<Int64Type>().values().iter().sum::<i64>())
            .sum();
    }
    // What the client sends the scheduler for each query (the same bytes here or there).
    let catalog = QueryCatalog::builtin()?;
    let mut trend_params = params.clone();
    trend_params.insert("period_start".into(), period.first().to_string());
    trend_params.insert("compare_start".into(), period.previous().first().to_string());
    trend_params.insert("compare_end".into(), period.previous().last().to_string());
    trend_params.remove("cell");
    let trend_plan = logical_plan_bytes(&session, catalog.get("trend_by_category")?, &trend_params).await?;
    let grid_plan = logical_plan_bytes(&session, catalog.get("hotspot_grid")?, &params).await?;
    println!(
        "{{\"open_ms\": {open_ms:.1}, \"trend_plan_bytes\": {trend_plan}, \"grid_plan_bytes\": {grid_plan}, \"trend_ms\": {trend_runs:.1?}, \"trend_median_ms\": {:.1}, \"incidents\": {incidents}, \
         \"grid_ms\": {grid_runs:.1?}, \"grid_median_ms\": {:.1}, \"cells\": {cells}, \"located\": {located}}}",
        median(&trend_runs),
        median(&grid_runs)
    );
    Ok(())
}
