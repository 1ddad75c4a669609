//! The Poisson distribution: probabilities and quantiles for control limits.

/// P(X = k) for X ~ Poisson(`mean`), computed in log space:
/// exp(k ln λ − λ − ln k!). `mean` must be ≥ 0.
///
/// ```
/// let p = crimescope_stats::poisson::pmf(2, 3.0);
/// assert!((p - 9.0 * (-3f64).exp() / 2.0).abs() < 1e-15);
/// ```
pub fn pmf(k: u64, mean: f64) -> f64 {
    if mean == 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    let k_f = k as f64;
    (k_f * mean.ln() - mean - libm::lgamma(k_f + 1.0)).exp()
}

/// P(X ≤ k) for X ~ Poisson(`mean`), by summing [`pmf`] (O(k)).
pub fn cdf(k: u64, mean: f64) -> f64 {
    (0..=k).map(|i| pmf(i, mean)).sum::<f64>().min(1.0)
}

/// The `prob` quantile: the smallest k with P(X ≤ k) ≥ `prob`.
///
/// O(quantile); intended for the small means (< 5) where control charts use exact
/// limits.
///
/// ```
/// // Poisson(2): P(X <= 6) = 0.9955, P(X <= 7) = 0.9989.
/// assert_eq!(crimescope_stats::poisson::quantile(0.99865, 2.0), 7);
/// ```
pub fn quantile(prob: f64, mean: f64) -> u64 {
    let mut k = 0u64;
    let mut total = pmf(0, mean);
    // Guard against rounding leaving the sum a hair under 1 for prob close to 1.
    while total < prob && k < 10_000 + (mean * 10.0) as u64 {
        k += 1;
        total += pmf(k, mean);
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_matches_closed_form_for_small_k() {
        let m: f64 = 1.7;
        let by_hand = (-m).exp() * (1.0 + m + m * m / 2.0);
        assert!((cdf(2, m) - by_hand).abs() < 1e-14);
        assert_eq!(cdf(0, 0.0), 1.0);
    }

    #[test]
    fn quantiles_bracket_the_probability() {
        for &mean in &[0.2, 1.0, 2.5, 4.9] {
            for &p in &[0.00135, 0.5, 0.99865] {
                let q = quantile(p, mean);
                assert!(cdf(q, mean) >= p, "cdf({q}) < {p} at mean {mean}");
                if q > 0 {
                    assert!(cdf(q - 1, mean) < p, "{q} is not the smallest at mean {mean}");
                }
            }
        }
    }
}
