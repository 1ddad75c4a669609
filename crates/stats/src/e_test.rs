//! Comparing two observed Poisson counts: the E-test and the two-period z.

use crate::poisson::pmf;

/// The two-sided p-value of the Poisson E-test that two counts come from the same rate.
///
/// `current` events were seen over exposure `t_current` and `previous` over
/// `t_previous` (positive and finite, else the p-value is 1) (months, days or any unit; equal exposures for two periods of the same
/// length). With T(a, b) = (a/t₁ − b/t₂) / √(a/t₁² + b/t₂²) and the pooled rate
/// λ̂ = (current + previous)/(t₁ + t₂), the p-value is the probability, with both counts
/// Poisson at λ̂ t₁ and λ̂ t₂, of a pair at least as far from equality:
/// p = Σ_a Σ_b P(a) P(b) 1[|T(a, b)| ≥ |T(current, previous)|].
///
/// Both counts are random here, unlike Wheeler's `2(√current − √mean)` against a
/// long-run mean ([`crate::wheeler_z`]); for 25 against 16 the E-test gives p = 0.165
/// where that z says 2.0.
///
/// Source: Krishnamoorthy, K. & Thomson, J. (2004). "A more powerful test for comparing
/// two Poisson means". *Journal of Statistical Planning and Inference* 119(1), 23–35;
/// recommended for crime counts by Wheeler, A. P. (2018), "Testing changes in short run
/// crime patterns: the Poisson e-test".
///
/// Computation: T falls as b rises for fixed a and rises with a for fixed b, so for each
/// a the qualifying b form two tails whose boundaries only move up as a rises; two
/// pointers find them and the tails are summed from prefix sums of the pmf. Both counts
/// are summed over their mean ± (12√mean + 15), beyond which the Poisson mass is of the
/// order of 1e-30. O(w) with w the width of that window (about 24√mean).
///
/// ```
/// let p = crimescope_stats::poisson_e_test(25, 16, 1.0, 1.0);
/// assert!((p - 0.16480).abs() < 1e-4);
/// ```
pub fn poisson_e_test(current: u64, previous: u64, t_current: f64, t_previous: f64) -> f64 {
    if current + previous == 0
        || !(t_current > 0.0 && t_previous > 0.0 && t_current.is_finite() && t_previous.is_finite())
    {
        return 1.0;
    }
    let (t1, t2) = (t_current, t_previous);
    let t_stat = |a: u64, b: u64| {
        let (a, b) = (a as f64, b as f64);
        let var = a / (t1 * t1) + b / (t2 * t2);
        if var == 0.0 {
            0.0
        } else {
            (a / t1 - b / t2) / var.sqrt()
        }
    };
    let observed = t_stat(current, previous).abs();
    if observed == 0.0 {
        return 1.0;
    }
    // Ties with the observed pair must count, whatever the rounding.
    let threshold = observed * (1.0 - 1e-12);
    let rate = (current + previous) as f64 / (t1 + t2);
    let (m1, m2) = (rate * t1, rate * t2);
    let window = |m: f64| {
        let w = 12.0 * m.sqrt() + 15.0;
        ((m - w).max(0.0).floor() as u64, (m + w).ceil() as u64)
    };
    let (a_lo, a_hi) = window(m1);
    let (b_lo, b_hi) = window(m2);
    // cum[i] = P(b_lo <= B <= b_lo + i - 1); cum[0] = 0.
    let mut cum = Vec::with_capacity((b_hi - b_lo + 2) as usize);
    cum.push(0.0);
    let mut total = 0.0;
    for b in b_lo..=b_hi {
        total += pmf(b, m2);
        cum.push(total);
    }
    // T(a, b) >= threshold on a prefix of the b window and T(a, b) <= -threshold on a
    // suffix. T rises with a for fixed b, so both prefixes only grow as a rises: two
    // pointers that only move forward find them for every a.
    let width = (b_hi - b_lo + 1) as usize;
    let (mut upper, mut below) = (0usize, 0usize);
    let mut p = 0.0;
    for a in a_lo..=a_hi {
        let pa = pmf(a, m1);
        if pa == 0.0 {
            continue;
        }
        while upper < width && t_stat(a, b_lo + upper as u64) >= threshold {
            upper += 1;
        }
        while below < width && t_stat(a, b_lo + below as u64) > -threshold {
            below += 1;
        }
        p += pa * (cum[upper] + (total - cum[below]));
    }
    p.clamp(0.0, 1.0)
}

/// The change between two observed counts on a standard-normal scale:
/// `√2(√current − √previous)`. 2√X stabilises a Poisson count's variance at about 1, so
/// the difference of two has variance about 2; dividing by √2 makes |z| ≥ 1.96 about a
/// 5% two-sided test when neither count is small. Report it as the effect size beside
/// [`poisson_e_test`]'s p-value, which is exact.
///
/// Source: the variance-stabilising transform (Anscombe, F. J. 1948, "The
/// transformation of Poisson, binomial and negative-binomial data", *Biometrika* 35,
/// 246–254), applied to a difference of two independent counts.
///
/// ```
/// let z = crimescope_stats::two_period_z(25, 16);
/// assert!((z - std::f64::consts::SQRT_2).abs() < 1e-12);
/// ```
pub fn two_period_z(current: u64, previous: u64) -> f64 {
    std::f64::consts::SQRT_2 * ((current as f64).sqrt() - (previous as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The E-test by its definition: every pair in a wide square, no search.
    fn brute_force(x1: u64, x2: u64, t1: f64, t2: f64) -> f64 {
        let t = |a: u64, b: u64| {
            let (a, b) = (a as f64, b as f64);
            let v = a / (t1 * t1) + b / (t2 * t2);
            if v == 0.0 { 0.0 } else { (a / t1 - b / t2) / v.sqrt() }
        };
        let rate = (x1 + x2) as f64 / (t1 + t2);
        let observed = t(x1, x2).abs();
        let k = (rate * t1.max(t2) + 12.0 * (rate * t1.max(t2) + 1.0).sqrt() + 20.0) as u64;
        let mut p = 0.0;
        for a in 0..k {
            for b in 0..k {
                if t(a, b).abs() >= observed - 1e-12 {
                    p += pmf(a, rate * t1) * pmf(b, rate * t2);
                }
            }
        }
        p
    }

    #[test]
    fn reference_values() {
        // From a direct double sum in Python (math.lgamma) over the same definition;
        // 25 against 16 is the example in Wheeler (2018): p = 0.165.
        let cases = [
            (25, 16, 1.0, 1.0, 0.16479631785472715),
            (10, 0, 1.0, 1.0, 0.000578213457964182),
            (3, 1, 1.0, 1.0, 0.4437647631538746),
            (30, 40, 1.0, 2.0, 0.11562175613921193),
            (0, 5, 1.0, 1.0, 0.019756052290883133),
            (1000, 900, 1.0, 1.0, 0.02177878657336969),
        ];
        for (x1, x2, t1, t2, want) in cases {
            let got = poisson_e_test(x1, x2, t1, t2);
            assert!((got - want).abs() < 1e-9, "{x1} vs {x2}: {got} != {want}");
        }
    }

    #[test]
    fn agrees_with_the_double_sum() {
        for (x1, x2, t1, t2) in [
            (7, 2, 1.0, 1.0),
            (12, 30, 3.0, 6.0),
            (0, 1, 1.0, 1.0),
            (55, 41, 1.0, 1.0),
        ] {
            let (fast, slow) = (poisson_e_test(x1, x2, t1, t2), brute_force(x1, x2, t1, t2));
            assert!((fast - slow).abs() < 1e-10, "{x1} vs {x2}: {fast} vs {slow}");
        }
    }

    #[test]
    fn agrees_with_the_double_sum_over_a_grid_of_counts() {
        let counts = [0u64, 1, 2, 3, 5, 8, 13, 21, 34, 55];
        for (t1, t2) in [(1.0, 1.0), (1.0, 2.0), (3.0, 1.0)] {
            for &x1 in &counts {
                for &x2 in &counts {
                    let (fast, slow) = (poisson_e_test(x1, x2, t1, t2), brute_force(x1, x2, t1, t2));
                    // Both counts 0 has no test (p = 1 by definition here).
                    let slow = if x1 + x2 == 0 { 1.0 } else { slow.min(1.0) };
                    assert!((fast - slow).abs() < 1e-9, "{x1}/{t1} vs {x2}/{t2}: {fast} vs {slow}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_double_sum_when_neither_window_starts_at_zero() {
        // Means of several hundred put both windows well above 0, so the pointers start
        // inside the square the double sum covers; unequal exposures make T asymmetric.
        for (x1, x2, t1, t2) in [(400, 350, 1.0, 1.0), (310, 420, 2.0, 3.0), (520, 505, 1.0, 1.0)] {
            let (fast, slow) = (poisson_e_test(x1, x2, t1, t2), brute_force(x1, x2, t1, t2));
            assert!((fast - slow).abs() < 1e-10, "{x1}/{t1} vs {x2}/{t2}: {fast} vs {slow}");
        }
    }

    #[test]
    fn equal_counts_and_nothing_seen_give_one_and_it_is_symmetric() {
        assert_eq!(poisson_e_test(200, 200, 1.0, 1.0), 1.0);
        assert_eq!(poisson_e_test(0, 0, 1.0, 1.0), 1.0);
        let (a, b) = (poisson_e_test(40, 22, 1.0, 1.0), poisson_e_test(22, 40, 1.0, 1.0));
        assert!((a - b).abs() < 1e-12);
    }

    #[test]
    fn large_counts_approach_the_normal_test() {
        // T = 300/√19,700 = 2.137; the normal two-sided p is 0.0326.
        let p = poisson_e_test(10_000, 9_700, 1.0, 1.0);
        let normal = crate::normal::two_sided_p(300.0 / 19_700f64.sqrt());
        assert!((p - normal).abs() < 0.002, "{p} vs {normal}");
    }
}
