//! Shewhart control charts for counts (c-chart) and rates (u-chart).

use crate::error::StatsError;
use crate::poisson;

/// The tail probability of 3σ limits on a normal distribution, Φ(−3) ≈ 0.00135. Exact
/// Poisson limits use the same tail on each side.
pub const THREE_SIGMA_TAIL: f64 = 0.001_349_898_031_630_094_6;

/// How a point's limits were set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitMethod {
    /// Centre ± 3σ, with σ² the Poisson variance (expected count ≥ 5).
    ThreeSigma,
    /// Exact Poisson probability limits: the [`THREE_SIGMA_TAIL`] and
    /// 1 − [`THREE_SIGMA_TAIL`] quantiles (expected count < 5, where ±3σ is badly
    /// asymmetric and the lower limit would be negative).
    ExactPoisson,
    /// Laney's u′: centre ± 3σ·σ_z, the Poisson σ widened by the standardised values'
    /// moving-range spread ([`crate::laney_u_chart`]).
    Laney,
}

/// One point of a control chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartPoint {
    /// The plotted value: the count (c-chart) or count / exposure (u-chart).
    pub value: f64,
    /// The centre line.
    pub centre: f64,
    /// The lower control limit (never below 0).
    pub lower: f64,
    /// The upper control limit.
    pub upper: f64,
    /// How the limits were set.
    pub method: LimitMethod,
    /// `value > upper`.
    pub above: bool,
    /// `value < lower`.
    pub below: bool,
}

/// A control chart: one [`ChartPoint`] for each value in the series.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlChart {
    /// The points, in series order.
    pub points: Vec<ChartPoint>,
}

impl ControlChart {
    /// Positions of the points outside their limits.
    pub fn exceedances(&self) -> Vec<usize> {
        (0..self.points.len())
            .filter(|&i| self.points[i].above || self.points[i].below)
            .collect()
    }
}

/// The c-chart for a series of counts with equal opportunity in each period.
///
/// Centre c̄ = mean count; limits c̄ ± 3√c̄ with the lower limit floored at 0. When
/// c̄ < 5 the limits are exact Poisson probability limits instead: a point is out of
/// control when P(X ≥ c) or P(X ≤ c) under Poisson(c̄) is below [`THREE_SIGMA_TAIL`]
/// (the upper limit is the 1 − tail quantile, the lower the tail quantile).
///
/// Source: Montgomery, D. C. (2009). *Introduction to Statistical Quality Control*,
/// 6th ed., §7.3.1 (c-chart, Example 7.3) and §7.3 on probability limits for small
/// means.
///
/// O(n) (plus O(quantile) for exact limits).
///
/// ```
/// let chart = crimescope_stats::c_chart(&[20, 22, 18, 45, 19]);
/// assert_eq!(chart.exceedances(), vec![3]);
/// ```
pub fn c_chart(counts: &[u64]) -> ControlChart {
    let exposure = vec![1.0; counts.len()];
    chart(counts, &exposure)
}

/// The u-chart: counts per unit of exposure (days in the month, population) when the
/// exposure differs between periods.
///
/// Centre ū = Σc / Σn; point i has limits ū ± 3√(ū / nᵢ), floored at 0. When the
/// expected count ū·nᵢ is below 5 the limits are exact Poisson probability limits of
/// mean ū·nᵢ, divided by nᵢ.
///
/// Source: Montgomery (2009), §7.3.1, "procedures with variable sample size" (u-chart).
///
/// Errors when the lengths differ or an exposure is not a positive finite number.
///
/// ```
/// // Crimes in months of 31, 28 and 31 days: a rate per day.
/// let chart = crimescope_stats::u_chart(&[62, 56, 62], &[31.0, 28.0, 31.0]).unwrap();
/// assert!((chart.points[0].centre - 2.0).abs() < 1e-12);
/// ```
pub fn u_chart(counts: &[u64], exposure: &[f64]) -> Result<ControlChart, StatsError> {
    check_exposure(counts, exposure)?;
    Ok(chart(counts, exposure))
}

/// The inputs of a u-chart: one positive finite exposure per count.
pub(crate) fn check_exposure(counts: &[u64], exposure: &[f64]) -> Result<(), StatsError> {
    if counts.len() != exposure.len() {
        return Err(StatsError::LengthMismatch {
            what: "u-chart counts and exposures",
            left: counts.len(),
            right: exposure.len(),
        });
    }
    if let Some((index, &value)) = exposure.iter().enumerate().find(|(_, n)| !(n.is_finite() && **n > 0.0)) {
        return Err(StatsError::BadExposure { index, value });
    }
    Ok(())
}

/// The Poisson limits: ±3σ, or exact probability limits where the expected count is
/// below 5.
fn chart(counts: &[u64], exposure: &[f64]) -> ControlChart {
    chart_with(counts, exposure, |rate, n| {
        if rate * n < 5.0 {
            let lo = poisson::quantile(THREE_SIGMA_TAIL, rate * n) as f64;
            let hi = poisson::quantile(1.0 - THREE_SIGMA_TAIL, rate * n) as f64;
            (lo / n, hi / n, LimitMethod::ExactPoisson)
        } else {
            let sigma = (rate / n).sqrt();
            (
                (rate - 3.0 * sigma).max(0.0),
                rate + 3.0 * sigma,
                LimitMethod::ThreeSigma,
            )
        }
    })
}

/// A chart with centre ū = Σc / Σn and the limits `limits(ū, nᵢ)` gives each point.
pub(crate) fn chart_with(
    counts: &[u64],
    exposure: &[f64],
    limits: impl Fn(f64, f64) -> (f64, f64, LimitMethod),
) -> ControlChart {
    let total: f64 = counts.iter().map(|&c| c as f64).sum();
    let total_exposure: f64 = exposure.iter().sum();
    let rate = if total_exposure > 0.0 {
        total / total_exposure
    } else {
        0.0
    };
    let points = counts
        .iter()
        .zip(exposure)
        .map(|(&count, &n)| {
            let value = count as f64 / n;
            let (lower, upper, method) = limits(rate, n);
            ChartPoint {
                value,
                centre: rate,
                lower,
                upper,
                method,
                above: value > upper,
                below: value < lower,
            }
        })
        .collect();
    ControlChart { points }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Montgomery (2009) Example 7.3: nonconformities in 26 successive samples of 100
    /// printed circuit boards. Published: c̄ = 516/26 = 19.85, UCL = 33.22, LCL = 6.48,
    /// and samples 6 and 20 plot outside the limits.
    pub(crate) const MONTGOMERY_7_3: [u64; 26] = [
        21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15,
    ];

    #[test]
    fn c_chart_reproduces_montgomery_example_7_3() {
        assert_eq!(MONTGOMERY_7_3.iter().sum::<u64>(), 516);
        let chart = c_chart(&MONTGOMERY_7_3);
        let p = chart.points[0];
        assert_eq!(p.method, LimitMethod::ThreeSigma);
        // The book rounds c̄ to 19.85 before computing its limits, hence 0.01.
        assert!((p.centre - 19.85).abs() < 0.01, "centre {}", p.centre);
        assert!((p.upper - 33.22).abs() < 0.01, "UCL {}", p.upper);
        assert!((p.lower - 6.48).abs() < 0.01, "LCL {}", p.lower);
        // Samples 6 and 20 (1-based) are the published out-of-control points.
        assert_eq!(chart.exceedances(), vec![5, 19]);
        assert!(chart.points[5].below && chart.points[19].above);
    }

    #[test]
    fn small_means_use_exact_poisson_limits() {
        // Mean 2.4: 3-sigma would give UCL 7.05 and a negative LCL; exact limits are used.
        let counts = [2, 1, 3, 2, 0, 2, 4, 2, 7, 1];
        let chart = c_chart(&counts);
        assert!((chart.points[0].centre - 2.4).abs() < 1e-12);
        let p = chart.points[0];
        assert_eq!(p.method, LimitMethod::ExactPoisson);
        assert_eq!(p.lower, 0.0);
        // Poisson(2.4): P(X<=7) = 0.99666 < 0.99865 <= P(X<=8) = 0.99914.
        assert_eq!(p.upper, 8.0);
        assert!(chart.exceedances().is_empty(), "7 is inside exact limits");
        let spike = c_chart(&[2, 1, 3, 2, 0, 2, 4, 2, 12, 1]);
        assert_eq!(spike.exceedances(), vec![8]);
    }

    #[test]
    fn u_chart_limits_vary_with_exposure() {
        // 30 and 31 day months at about 10 a day: the limits are tighter for 31 days.
        let chart = u_chart(&[300, 310, 280, 450], &[30.0, 31.0, 28.0, 31.0]).unwrap();
        let rate = 1340.0 / 120.0;
        for (p, n) in chart.points.iter().zip([30.0, 31.0, 28.0, 31.0]) {
            assert!((p.centre - rate).abs() < 1e-12);
            assert!((p.upper - (rate + 3.0 * (rate / n).sqrt())).abs() < 1e-12);
        }
        assert!(chart.points[1].upper < chart.points[0].upper);
        assert_eq!(chart.exceedances(), vec![3]);
        assert!(matches!(
            u_chart(&[1, 2], &[1.0]),
            Err(StatsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            u_chart(&[1, 2], &[1.0, 0.0]),
            Err(StatsError::BadExposure { index: 1, .. })
        ));
    }
}
