//! Time one SQL query on a store in one session, optionally with DataFusion settings,
//! to tune the session (`benches/trend_year.sh` uses `trend_bench`).
//!
//! `cargo run --release -p crimescope --example sql_bench -- STORE REPS "SQL" [KEY=VALUE ...]`

use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(store), Some(reps), Some(sql)) = (args.get(1), args.get(2), args.get(3)) else {
        return Err("usage: sql_bench STORE REPS SQL [KEY=VALUE ...]".into());
    };
    let session = crimescope_engine::Session::open(std::path::Path::new(store)).await?;
    for setting in &args[4..] {
        let (k, v) = setting.split_once('=').ok_or("settings are KEY=VALUE")?;
        session
            .context()
            .sql(&format!("SET {k} = {v}"))
            .await?
            .collect()
            .await?;
    }
    let mut runs = Vec::new();
    for _ in 0..reps.parse::<usize>()? {
        let t = Instant::now();
        let batches = session.sql(sql).await?;
        runs.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(batches);
    }
    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "median {:.1} ms, runs {:?}",
        sorted[sorted.len() / 2],
        runs.iter().map(|r| r.round()).collect::<Vec<_>>()
    );
    Ok(())
}
