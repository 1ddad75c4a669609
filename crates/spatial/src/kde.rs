//! Kernel density estimation with the quartic kernel.

use rayon::prelude::*;

use crate::error::SpatialError;
use crate::grid::Grid;

/// The default search radius (bandwidth) in metres, ArcGIS's rule (a spatial variant of
/// Silverman's rule of thumb):
///
/// h = 0.9 × min(SD, √(1/ln 2) × Dm) × n^(−0.2),
///
/// where SD is the standard distance of the points from their mean centre and Dm the
/// median distance to it. `None` with fewer than two points or when all coincide.
///
/// Sources: ESRI, "How Kernel Density works" (ArcGIS Pro documentation); Silverman,
/// B. W. (1986), *Density Estimation for Statistics and Data Analysis*, eq. 4.14.
///
/// O(n log n).
pub fn default_bandwidth(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let (mx, my) = points.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0 / nf, a.1 + p.1 / nf));
    let mut d: Vec<f64> = points
        .iter()
        .map(|p| ((p.0 - mx).powi(2) + (p.1 - my).powi(2)).sqrt())
        .collect();
    let sd = (d.iter().map(|x| x * x).sum::<f64>() / nf).sqrt();
    d.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        d[n / 2]
    } else {
        0.5 * (d[n / 2 - 1] + d[n / 2])
    };
    let spread = sd.min((1.0 / std::f64::consts::LN_2).sqrt() * median);
    let h = 0.9 * spread * nf.powf(-0.2);
    (h > 0.0).then_some(h)
}

/// The quartic kernel density of `points` at every cell centre of `grid`, in
/// **incidents per km² per year**: each point adds
/// K(d) = 3/(π h²) · (1 − d²/h²)² for d < h (per m²), the sum is scaled by 10⁶ m²/km²
/// and divided by `years` (the period's length). Summed over cells × cell area × years
/// it recovers the number of points, less what falls outside the grid and the
/// discretisation error.
///
/// Source: Silverman (1986), eq. 4.5 (the biweight/quartic kernel in two dimensions);
/// the same kernel ArcGIS Kernel Density uses.
///
/// Gathers per grid row in parallel (rayon): each cell sums its points in a fixed order,
/// so the result does not depend on the thread count. O(cells within h of each point).
pub fn quartic_kde(points: &[(f64, f64)], grid: &Grid, bandwidth: f64, years: f64) -> Result<Vec<f64>, SpatialError> {
    if !(bandwidth.is_finite() && bandwidth > 0.0) {
        return Err(SpatialError::BadParameter(format!(
            "bandwidth {bandwidth} must be a positive number of metres"
        )));
    }
    if !(years.is_finite() && years > 0.0) {
        return Err(SpatialError::BadParameter(format!(
            "period length {years} years must be positive"
        )));
    }
    let cell = grid.cell;
    // Bucket points by grid row (points outside the rows still reach cells within h).
    let reach = (bandwidth / cell).ceil() as i64 + 1;
    let mut by_row: Vec<Vec<(f64, f64)>> = vec![Vec::new(); grid.height + 2 * reach as usize];
    for &(e, n) in points {
        let j = crate::grid::cell_index(n, cell) - grid.j0 + reach;
        if j >= 0 && (j as usize) < by_row.len() {
            by_row[j as usize].push((e, n));
        }
    }
    let h2 = bandwidth * bandwidth;
    let scale = 3.0 / (std::f64::consts::PI * h2) * 1.0e6 / years;
    let mut density = vec![0.0f64; grid.len()];
    density.par_chunks_mut(grid.width).enumerate().for_each(|(j, row)| {
        let y = (grid.j0 as f64 + j as f64 + 0.5) * cell;
        let lo = j as i64;
        let hi = (j as i64 + 2 * reach).min(by_row.len() as i64 - 1);
        for bucket in &by_row[lo as usize..=hi as usize] {
            for &(px, py) in bucket {
                let dy2 = (py - y) * (py - y);
                if dy2 >= h2 {
                    continue;
                }
                let half = (h2 - dy2).sqrt();
                let first = (((px - half) / cell - 0.5).ceil() as i64 - grid.i0).max(0);
                let last = (((px + half) / cell - 0.5).floor() as i64 - grid.i0).min(grid.width as i64 - 1);
                for i in first..=last {
                    let x = (grid.i0 as f64 + i as f64 + 0.5) * cell;
                    let d2 = (px - x) * (px - x) + dy2;
                    if d2 < h2 {
                        let u = 1.0 - d2 / h2;
                        row[i as usize] += scale * u * u;
                    }
                }
            }
        }
    });
    Ok(density)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mass_is_the_number_of_points() {
        // 500 points spread over 2 km; the grid is padded by the bandwidth.
        let pts: Vec<(f64, f64)> = (0..500)
            .map(|i| {
                (
                    530_000.0 + ((i * 37) % 2000) as f64,
                    180_000.0 + ((i * 91) % 2000) as f64,
                )
            })
            .collect();
        let h = 300.0;
        let grid = Grid::covering(25.0, 530_000.0 - h, 532_000.0 + h, 180_000.0 - h, 182_000.0 + h).unwrap();
        let years = 0.5;
        let d = quartic_kde(&pts, &grid, h, years).unwrap();
        let mass: f64 = d.iter().sum::<f64>() * (0.025 * 0.025) * years;
        assert!((mass - 500.0).abs() / 500.0 < 0.005, "mass {mass}");
    }

    #[test]
    fn one_point_peaks_at_its_cell_with_the_kernel_height() {
        let grid = Grid::covering(10.0, 0.0, 1000.0, 0.0, 1000.0).unwrap();
        let d = quartic_kde(&[(505.0, 505.0)], &grid, 100.0, 1.0).unwrap();
        let peak = grid.index_of(505.0, 505.0).unwrap();
        let want = 3.0 / (std::f64::consts::PI * 100.0 * 100.0) * 1e6;
        assert!((d[peak] - want).abs() < 1e-9 * want);
        assert!(d.iter().all(|&v| v <= d[peak]));
        assert!(quartic_kde(&[], &grid, 0.0, 1.0).is_err());
    }

    #[test]
    fn bandwidth_rule_by_hand() {
        // Four points on a square of side 200 around (100, 100): SD = Dm = 141.42.
        let pts = [(0.0, 0.0), (200.0, 0.0), (0.0, 200.0), (200.0, 200.0)];
        let h = default_bandwidth(&pts).unwrap();
        let want = 0.9 * 141.421_356_237_309_5 * 4f64.powf(-0.2);
        assert!((h - want).abs() < 1e-9, "{h} vs {want}");
        assert_eq!(default_bandwidth(&[(1.0, 1.0), (1.0, 1.0)]), None);
    }
}
