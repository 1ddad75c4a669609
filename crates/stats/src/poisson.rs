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

/// P(X = k) for every k in `lo..=hi` (empty when `lo > hi`), X ~ Poisson(`mean`), `mean`
/// ≥ 0: one [`pmf`] at the k of the range nearest the mode, the others by the
/// recurrence P(k + 1) = P(k) λ / (k + 1) outward from it, so a run of w
/// probabilities costs one `lgamma` and w multiplications instead of w `lgamma` and
/// `exp` calls. Each step rounds once, so the k-th term away from the anchor adds about
/// k ulps to the anchor's own relative error, which is [`pmf`]'s: about (k ln λ) ulps,
/// 1e-9 at λ = 1.2 million. Tested against [`pmf`] term by term and against 50-digit
/// values.
///
/// ```
/// let run = crimescope_stats::poisson::pmf_range(0, 3, 2.0);
/// for (k, p) in run.iter().enumerate() {
///     assert!((p - crimescope_stats::poisson::pmf(k as u64, 2.0)).abs() < 1e-15);
/// }
/// ```
pub fn pmf_range(lo: u64, hi: u64, mean: f64) -> Vec<f64> {
    if lo > hi {
        return Vec::new();
    }
    let len = (hi - lo + 1) as usize;
    let mut run = vec![0.0; len];
    // The anchor: the mode (⌊λ⌋) where the range holds it, else its nearer end.
    let anchor = (mean.floor().max(0.0) as u64).clamp(lo, hi);
    let at = (anchor - lo) as usize;
    run[at] = pmf(anchor, mean);
    for i in at + 1..len {
        let k = lo + i as u64; // P(k) = P(k - 1) λ / k
        run[i] = run[i - 1] * mean / k as f64;
    }
    for i in (0..at).rev() {
        let k = lo + i as u64 + 1; // P(k - 1) = P(k) k / λ
        run[i] = if mean == 0.0 { 0.0 } else { run[i + 1] * k as f64 / mean };
    }
    run
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
    fn a_run_of_probabilities_is_each_one_computed_alone() {
        // Windows as the E-test takes them (mean ± (12√mean + 15), cut at 0), means from
        // none to a national category's year, and ranges that miss the mode. The
        // log-space formula is itself only good to about (k ln λ) ulps (1e-9 relative
        // at λ = 1.2e6: see the next test), so the large means get that tolerance.
        for &mean in &[0.0, 0.3, 1.0, 7.5, 140.0, 2_500.0, 90_000.0, 1_200_000.0] {
            let w = 12.0 * f64::sqrt(mean) + 15.0;
            let (lo, hi) = ((mean - w).max(0.0).floor() as u64, (mean + w).ceil() as u64);
            let relative = 1e-15 * (mean * mean.ln().max(1.0) + 1_000.0);
            for (lo, hi) in [(lo, hi), (lo, lo + (hi - lo) / 3), (hi - (hi - lo) / 3, hi)] {
                let run = pmf_range(lo, hi, mean);
                assert_eq!(run.len() as u64, hi - lo + 1);
                for (i, &p) in run.iter().enumerate() {
                    let alone = pmf(lo + i as u64, mean);
                    assert!(
                        (p - alone).abs() <= relative * alone,
                        "mean {mean}, k {}: {p} vs {alone}",
                        lo + i as u64
                    );
                }
            }
        }
        assert!(pmf_range(5, 4, 1.0).is_empty());
        assert_eq!(pmf_range(0, 2, 0.0), [1.0, 0.0, 0.0]);
        assert_eq!(pmf_range(3, 4, 0.0), [0.0, 0.0]);
    }

    #[test]
    fn a_run_of_probabilities_matches_fifty_digit_values() {
        // exp(k ln λ − λ − ln Γ(k + 1)) in mpmath 1.3 at 50 significant digits
        // (mp.dps = 50), near both ends of E-test windows and at the mode.
        let exact = [
            (86_387, 90_000.0, 1.6110805124650754e-35),
            (93_600, 90_000.0, 1.7982424296567495e-34),
            (1_186_000, 1_200_000.0, 9.072898056728499e-40),
            (1_200_000, 1_200_000.0, 0.00036418278490688764),
            (1_214_000, 1_200_000.0, 1.692574208639317e-39),
            (0, 7.5, 0.0005530843701478336),
            (3, 7.5, 0.03888874477601955),
            (40, 7.5, 6.817055868620604e-17),
        ];
        for (k, mean, want) in exact {
            let w = 12.0 * f64::sqrt(mean) + 15.0;
            let (lo, hi) = ((mean - w).max(0.0).floor() as u64, (mean + w).ceil() as u64);
            let (lo, hi) = (lo.min(k), hi.max(k));
            let got = pmf_range(lo, hi, mean)[(k - lo) as usize];
            let relative = if mean < 100.0 { 1e-13 } else { 5e-9 };
            assert!(
                (got - want).abs() <= relative * want,
                "P({k}; {mean}) = {got}, not {want}"
            );
        }
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
