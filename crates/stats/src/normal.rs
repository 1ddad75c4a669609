//! The standard normal distribution.

/// Φ(x), the standard normal CDF, through the complementary error function
/// (`libm::erfc`, accurate to about one ulp): Φ(x) = erfc(−x/√2)/2.
///
/// Source: Abramowitz & Stegun (1964), 26.2.29.
///
/// ```
/// assert!((crimescope_stats::normal::cdf(1.96) - 0.9750021048517795).abs() < 1e-12);
/// ```
pub fn cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// The two-sided p-value of a z-score, 2(1 − Φ(|z|)), computed in the upper tail so
/// that small p keep their precision.
///
/// ```
/// assert!((crimescope_stats::normal::two_sided_p(1.96) - 0.04999579029644087).abs() < 1e-12);
/// ```
pub fn two_sided_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}
