//! Emerging hot spots: space-time Gi* over time steps, then a Mann–Kendall test and a
//! pattern class for each cell.

use rayon::prelude::*;

use crate::error::SpatialError;
use crate::gi::{band_offsets, neighbourhood_sum, z_of};
use crate::grid::Grid;

/// The pattern of a cell across the time steps (ESRI's Emerging Hot Spot categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmergingClass {
    /// No hot or cold pattern.
    NoPattern,
    /// Hot only in the final step.
    NewHot,
    /// One uninterrupted run of at least two hot steps ending in the final step, never
    /// hot before it, hot in fewer than 90% of steps.
    ConsecutiveHot,
    /// Hot in at least 90% of steps including the final, with a significant increasing
    /// Mann–Kendall trend in z.
    IntensifyingHot,
    /// Hot in at least 90% of steps including the final, with no significant trend.
    PersistentHot,
    /// Hot in at least 90% of steps including the final, with a significant decreasing trend.
    DiminishingHot,
    /// Hot in the final step, on and off before, hot in fewer than 90% of steps, never cold.
    SporadicHot,
    /// Hot in the final step, cold in some earlier step, hot in fewer than 90% of steps.
    OscillatingHot,
    /// Not hot in the final step but hot in at least 90% of steps.
    HistoricalHot,
    /// The cold mirror of [`EmergingClass::NewHot`].
    NewCold,
    /// The cold mirror of [`EmergingClass::ConsecutiveHot`].
    ConsecutiveCold,
    /// The cold mirror of [`EmergingClass::IntensifyingHot`] (z falling further).
    IntensifyingCold,
    /// The cold mirror of [`EmergingClass::PersistentHot`].
    PersistentCold,
    /// The cold mirror of [`EmergingClass::DiminishingHot`] (z rising towards 0).
    DiminishingCold,
    /// The cold mirror of [`EmergingClass::SporadicHot`].
    SporadicCold,
    /// The cold mirror of [`EmergingClass::OscillatingHot`].
    OscillatingCold,
    /// The cold mirror of [`EmergingClass::HistoricalHot`].
    HistoricalCold,
}

impl EmergingClass {
    /// The label used in outputs, e.g. `new hot spot`.
    pub fn label(self) -> &'static str {
        use EmergingClass::*;
        match self {
            NoPattern => "no pattern",
            NewHot => "new hot spot",
            ConsecutiveHot => "consecutive hot spot",
            IntensifyingHot => "intensifying hot spot",
            PersistentHot => "persistent hot spot",
            DiminishingHot => "diminishing hot spot",
            SporadicHot => "sporadic hot spot",
            OscillatingHot => "oscillating hot spot",
            HistoricalHot => "historical hot spot",
            NewCold => "new cold spot",
            ConsecutiveCold => "consecutive cold spot",
            IntensifyingCold => "intensifying cold spot",
            PersistentCold => "persistent cold spot",
            DiminishingCold => "diminishing cold spot",
            SporadicCold => "sporadic cold spot",
            OscillatingCold => "oscillating cold spot",
            HistoricalCold => "historical cold spot",
        }
    }
}

/// Classify one cell from its z-scores and significance in each time step (oldest
/// first). Hot means significant with z > 0, cold significant with z < 0. The trend is
/// the Mann–Kendall test on the z series at the 5% level.
///
/// The rules follow ESRI's definitions ("How Emerging Hot Spot Analysis works",
/// ArcGIS Pro documentation), checked in this order for a cell hot in the final step:
/// new, consecutive, then — when hot in at least 90% of steps — intensifying,
/// diminishing or persistent by the trend, else oscillating (if ever cold) or sporadic.
/// A cell not hot in the final step but hot in at least 90% of steps is historical.
/// Cold classes mirror these with the trend reversed.
///
/// ```
/// use crimescope_spatial::{EmergingClass, classify_emerging};
/// let z = [0.1, 0.2, 0.0, 3.1];
/// assert_eq!(classify_emerging(&z, &[false, false, false, true]), EmergingClass::NewHot);
/// ```
pub fn classify_emerging(z: &[f64], significant: &[bool]) -> EmergingClass {
    let steps = z.len().min(significant.len());
    let trend = crimescope_stats::mann_kendall(&z[..steps]).direction;
    classify_emerging_with_trend(z, significant, trend)
}

/// [`classify_emerging`] with the Mann–Kendall direction of the z series already
/// computed (by a caller that reports the test too).
pub fn classify_emerging_with_trend(
    z: &[f64],
    significant: &[bool],
    trend: crimescope_stats::TrendDirection,
) -> EmergingClass {
    let steps = z.len().min(significant.len());
    if steps == 0 {
        return EmergingClass::NoPattern;
    }
    let hot: Vec<bool> = (0..steps).map(|t| significant[t] && z[t] > 0.0).collect();
    let cold: Vec<bool> = (0..steps).map(|t| significant[t] && z[t] < 0.0).collect();
    use crimescope_stats::TrendDirection::{Decreasing, Increasing};
    if let Some(class) = pattern(&hot, &cold, trend == Increasing, trend == Decreasing, true) {
        return class;
    }
    if let Some(class) = pattern(&cold, &hot, trend == Decreasing, trend == Increasing, false) {
        return class;
    }
    EmergingClass::NoPattern
}

/// The pattern of `this` (hot or cold) with `other` its opposite; `stronger` is a
/// significant trend that intensifies it.
fn pattern(this: &[bool], other: &[bool], stronger: bool, weaker: bool, hot: bool) -> Option<EmergingClass> {
    use EmergingClass::*;
    let steps = this.len();
    let count = this.iter().filter(|&&b| b).count();
    let mostly = count as f64 >= 0.9 * steps as f64;
    let last = this[steps - 1];
    let pick = |h: EmergingClass, c: EmergingClass| Some(if hot { h } else { c });
    if !last {
        return if mostly {
            pick(HistoricalHot, HistoricalCold)
        } else {
            None
        };
    }
    if count == 1 {
        return pick(NewHot, NewCold);
    }
    let run = this.iter().rev().take_while(|&&b| b).count();
    if run == count && run >= 2 && !mostly {
        return pick(ConsecutiveHot, ConsecutiveCold);
    }
    if mostly {
        return if stronger {
            pick(IntensifyingHot, IntensifyingCold)
        } else if weaker {
            pick(DiminishingHot, DiminishingCold)
        } else {
            pick(PersistentHot, PersistentCold)
        };
    }
    if other.iter().any(|&b| b) {
        pick(OscillatingHot, OscillatingCold)
    } else {
        pick(SporadicHot, SporadicCold)
    }
}

/// Space-time Gi* over a stack of grids (one count layer per time step, oldest first):
/// the neighbours of bin (cell, t) are the study-area cells within `band` in steps
/// t − `time_window` … t, self included; n, the mean and the standard deviation are
/// over all space-time bins. Returns z for every (step, cell), row-major per step, NaN
/// outside the study area.
///
/// Source: Ord & Getis (1995) applied to the space-time cube as in ESRI's Emerging Hot
/// Spot Analysis (neighbourhood time step `time_window`). O(steps × cells × offsets ×
/// (time_window + 1)), cells in parallel.
pub fn space_time_gi(
    grid: &Grid,
    layers: &[Vec<f64>],
    band: f64,
    time_window: usize,
) -> Result<Vec<Vec<f64>>, SpatialError> {
    if layers.iter().any(|l| l.len() != grid.len()) {
        return Err(SpatialError::BadParameter(
            "every time step needs one count per cell".into(),
        ));
    }
    let inside: Vec<usize> = grid.inside_cells().collect();
    let (mut n, mut sum, mut sq) = (0usize, 0.0f64, 0.0f64);
    for layer in layers {
        for &k in &inside {
            n += 1;
            sum += layer[k];
            sq += layer[k] * layer[k];
        }
    }
    if n < 2 {
        return Err(SpatialError::Empty("space-time Gi* needs at least two bins".into()));
    }
    let nf = n as f64;
    let mean = sum / nf;
    let sd = (sq / nf - mean * mean).max(0.0).sqrt();
    let offsets = band_offsets(grid.cell, band);
    let out = (0..layers.len())
        .map(|t| {
            let window: Vec<&[f64]> = layers[t.saturating_sub(time_window)..=t]
                .iter()
                .map(Vec::as_slice)
                .collect();
            (0..grid.len())
                .into_par_iter()
                .map(|k| {
                    if !grid.inside(k) {
                        return f64::NAN;
                    }
                    let (local, weight) = neighbourhood_sum(grid, &offsets, k, &window);
                    z_of(local, f64::from(weight), nf, mean, sd)
                })
                .collect()
        })
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EmergingClass::*;

    fn sig(z: &[f64]) -> Vec<bool> {
        z.iter().map(|v| v.abs() >= 1.96).collect()
    }

    /// One constructed series per category.
    #[test]
    fn every_category_on_a_constructed_series() {
        let cases: Vec<(Vec<f64>, EmergingClass)> = vec![
            (vec![0.0, 0.5, -0.3, 0.2, 0.1, 0.0, 0.4, -0.2, 0.3, 0.1], NoPattern),
            (vec![0.0, 0.5, -0.3, 0.2, 0.1, 0.0, 0.4, -0.2, 0.3, 2.5], NewHot),
            (vec![0.0, 0.5, -0.3, 0.2, 0.1, 0.0, 0.4, 2.2, 2.6, 2.5], ConsecutiveHot),
            (vec![2.0, 2.1, 2.3, 2.4, 2.6, 2.9, 3.1, 3.3, 3.6, 4.0], IntensifyingHot),
            (vec![3.0, 2.5, 3.1, 2.6, 2.9, 3.0, 2.4, 3.2, 2.7, 3.0], PersistentHot),
            (vec![4.0, 3.8, 3.5, 3.3, 3.0, 2.8, 2.6, 2.4, 2.2, 2.0], DiminishingHot),
            (vec![2.5, 0.3, 2.4, 0.1, 0.2, 2.2, 0.4, 0.0, 0.3, 2.6], SporadicHot),
            (vec![-2.5, 0.3, 2.4, 0.1, 0.2, 2.2, 0.4, 0.0, 0.3, 2.6], OscillatingHot),
            (
                vec![3.0, 2.5, 3.1, 2.6, 2.9, 3.0, 2.4, 3.2, 2.7, 3.0, 2.6, 0.5],
                HistoricalHot,
            ),
            (vec![0.0, 0.5, -0.3, 0.2, 0.1, 0.0, 0.4, -0.2, 0.3, -2.5], NewCold),
            (
                vec![0.0, 0.5, -0.3, 0.2, 0.1, 0.0, 0.4, -2.2, -2.6, -2.5],
                ConsecutiveCold,
            ),
            (
                vec![-2.0, -2.1, -2.3, -2.4, -2.6, -2.9, -3.1, -3.3, -3.6, -4.0],
                IntensifyingCold,
            ),
            (
                vec![-3.0, -2.5, -3.1, -2.6, -2.9, -3.0, -2.4, -3.2, -2.7, -3.0],
                PersistentCold,
            ),
            (
                vec![-4.0, -3.8, -3.5, -3.3, -3.0, -2.8, -2.6, -2.4, -2.2, -2.0],
                DiminishingCold,
            ),
            (vec![-2.5, 0.3, -2.4, 0.1, 0.2, -2.2, 0.4, 0.0, 0.3, -2.6], SporadicCold),
            (
                vec![2.5, 0.3, -2.4, 0.1, 0.2, -2.2, 0.4, 0.0, 0.3, -2.6],
                OscillatingCold,
            ),
            (
                vec![-3.0, -2.5, -3.1, -2.6, -2.9, -3.0, -2.4, -3.2, -2.7, -3.0, -2.6, -0.5],
                HistoricalCold,
            ),
        ];
        for (z, want) in cases {
            assert_eq!(classify_emerging(&z, &sig(&z)), want, "{z:?}");
        }
    }

    #[test]
    fn space_time_gi_with_no_time_window_is_per_step_gi() {
        let grid = Grid::covering(100.0, 0.0, 499.0, 0.0, 499.0).unwrap();
        let a: Vec<f64> = (0..25).map(|k| ((k * 7) % 5) as f64).collect();
        let b: Vec<f64> = (0..25).map(|k| ((k * 3) % 4) as f64).collect();
        let st = space_time_gi(&grid, &[a.clone(), a.clone()], 150.0, 0).unwrap();
        let single = crate::gi::gi_star_grid(&grid, &a, 150.0).unwrap();
        // Two identical layers: the same mean and sd as one layer, n doubled, so
        // z_st = z · √((nW − W²)/(n − 1)) / √((2nW − W²)/(2n − 1)).
        let n = 25.0;
        for (k, (&st_z, &z)) in st[0].iter().zip(&single.z).enumerate() {
            let w = single.neighbours[k] as f64;
            let want = z * ((n * w - w * w) / (n - 1.0)).sqrt() / ((2.0 * n * w - w * w) / (2.0 * n - 1.0)).sqrt();
            assert!((st_z - want).abs() < 1e-9, "cell {k}: {st_z} vs {want}");
        }
        assert!(space_time_gi(&grid, &[a, b[..3].to_vec()], 150.0, 1).is_err());
    }
}
