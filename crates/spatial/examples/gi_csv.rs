//! Gi* over the cells of a CSV (`x,y,count`, one row per cell centre), timed: the
//! crimescope side of `benches/pysal_gi.py`. Prints one JSON object with the time and
//! the z of the first five cells (so the script can check both tools agree).
//!
//! `cargo run --release -p crimescope-spatial --example gi_csv -- CELLS.csv CELL BAND`

use std::time::Instant;

use crimescope_spatial::{Grid, gi_star_grid};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(cell), Some(band)) = (args.get(1), args.get(2), args.get(3)) else {
        return Err("usage: gi_csv CELLS.csv CELL BAND".into());
    };
    let (cell, band): (f64, f64) = (cell.parse()?, band.parse()?);
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(str::parse).collect::<Result<_, _>>()?;
        rows.push((v[0], v[1], v[2]));
    }
    // Timed from here: grid, cell assignment and Gi*, as PySAL's weights plus G_Local.
    let start = Instant::now();
    let (min_e, max_e) = rows
        .iter()
        .fold((f64::MAX, f64::MIN), |a, r| (a.0.min(r.0), a.1.max(r.0)));
    let (min_n, max_n) = rows
        .iter()
        .fold((f64::MAX, f64::MIN), |a, r| (a.0.min(r.1), a.1.max(r.1)));
    let grid = Grid::covering(cell, min_e, max_e, min_n, max_n)?;
    let mut counts = vec![0.0; grid.len()];
    let mut index = Vec::with_capacity(rows.len());
    for r in &rows {
        let k = grid.index_of(r.0, r.1).ok_or("a cell centre is off the grid")?;
        counts[k] = r.2;
        index.push(k);
    }
    let gi = gi_star_grid(&grid, &counts, band)?;
    let seconds = start.elapsed().as_secs_f64();
    let first: Vec<f64> = index.iter().take(5).map(|&k| gi.z[k]).collect();
    println!(
        "{{\"cells\": {}, \"seconds\": {seconds:.6}, \"z_first\": {first:?}}}",
        rows.len()
    );
    Ok(())
}
