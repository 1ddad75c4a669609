//! The Mann–Kendall test for a monotonic trend.

use crate::normal;

/// The direction of a Mann–Kendall trend at the 5% level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendDirection {
    /// z > 0 and p < 0.05.
    Increasing,
    /// z < 0 and p < 0.05.
    Decreasing,
    /// p ≥ 0.05 (or fewer than 3 values).
    NoTrend,
}

impl TrendDirection {
    /// `increasing`, `decreasing` or `no trend`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrendDirection::Increasing => "increasing",
            TrendDirection::Decreasing => "decreasing",
            TrendDirection::NoTrend => "no trend",
        }
    }
}

/// The result of [`mann_kendall`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// Number of values.
    pub n: usize,
    /// S = Σ_{i<j} sgn(x_j − x_i).
    pub s: i64,
    /// Var(S) with the tie correction.
    pub var_s: f64,
    /// The continuity-corrected z: (S − 1)/√Var(S) for S > 0, (S + 1)/√Var(S) for
    /// S < 0, else 0.
    pub z: f64,
    /// The two-sided p-value from the normal approximation.
    pub p: f64,
    /// Kendall's τ = S / (n(n − 1)/2) (τ-a, as `pymannkendall` reports it).
    pub tau: f64,
    /// The direction at the 5% level.
    pub direction: TrendDirection,
}

/// The Mann–Kendall test of a monotonic trend in `values` (in time order).
///
/// S = Σ_{i<j} sgn(x_j − x_i). Under no trend S has mean 0 and, with g groups of tied
/// values of sizes t_p,
///
/// Var(S) = [n(n−1)(2n+5) − Σ_p t_p(t_p−1)(2t_p+5)] / 18.
///
/// z uses a continuity correction of 1 toward 0 and p = 2(1 − Φ(|z|)). NaN values
/// are skipped. With fewer than 3 values, or a constant series, z = 0 and p = 1.
///
/// Sources: Mann, H. B. (1945), "Nonparametric tests against trend", *Econometrica*
/// 13, 245–259; Kendall, M. G. (1975), *Rank Correlation Methods*, 4th ed.; Gilbert,
/// R. O. (1987), *Statistical Methods for Environmental Pollution Monitoring*, §16.4
/// (the tie-corrected variance). Results match `pymannkendall.original_test`.
///
/// O(n²) comparisons plus an O(n log n) sort for the ties; a monthly series is tens to
/// hundreds of values.
///
/// ```
/// let mk = crimescope_stats::mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]);
/// assert_eq!(mk.s, 10);
/// assert_eq!(mk.tau, 1.0);
/// ```
pub fn mann_kendall(values: &[f64]) -> MannKendall {
    let x: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    let n = x.len();
    let mut s: i64 = 0;
    for i in 0..n {
        for j in i + 1..n {
            s += match x[j].partial_cmp(&x[i]) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let mut sorted = x.clone();
    sorted.sort_by(f64::total_cmp);
    let mut tie_term = 0.0;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && sorted[end] == sorted[start] {
            end += 1;
        }
        let t = (end - start) as f64;
        tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
        start = end;
    }
    let nf = n as f64;
    let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
    let z = if var_s <= 0.0 {
        0.0
    } else if s > 0 {
        (s - 1) as f64 / var_s.sqrt()
    } else if s < 0 {
        (s + 1) as f64 / var_s.sqrt()
    } else {
        0.0
    };
    let p = normal::two_sided_p(z);
    let pairs = nf * (nf - 1.0) / 2.0;
    let tau = if pairs > 0.0 { s as f64 / pairs } else { 0.0 };
    let direction = if n < 3 || p >= 0.05 {
        TrendDirection::NoTrend
    } else if z > 0.0 {
        TrendDirection::Increasing
    } else {
        TrendDirection::Decreasing
    };
    MannKendall {
        n,
        s,
        var_s,
        z,
        p,
        tau,
        direction,
    }
}
