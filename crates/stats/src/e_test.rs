//! Comparing two observed Poisson counts: the E-test and the two-period z.

use crate::poisson::pmf_range;

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
/// pointers find them and the tails are summed from prefix and suffix sums of the pmf.
/// Each count is summed over its mean ± (r√mean + 15), r standard deviations: 8 beyond
/// where the pairs at |T| = |T(current, previous)| are likeliest (|T| √(the count's
/// share of T's variance)), at least 12 (beyond which the Poisson mass is of the order
/// of 1e-30) and at most 40. O(w) with w the width of the windows; each window's
/// probabilities by recurrence from one log-space term ([`crate::poisson::pmf_range`]).
/// Both tails are sums of their own terms, never 1 minus the rest, so a p-value far
/// below 1e-16 keeps its relative precision: within 1e-8 of a 60-digit computation down
/// to 1e-233 (tested, equal and unequal exposures); below about 1e-300 it is 0 or a
/// lower bound.
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
    // The pairs that make p lie where |T| = observed is nearest the means: there each
    // count is observed × √(its share of T's variance) standard deviations from its
    // mean (the share of A is t2/(t1 + t2) at the pooled rate). Each window reaches 8
    // standard deviations beyond that (e^-32 of the density), at least 12 and at most
    // 40 (p below 1e-300).
    let reach = |share: f64| (observed * share.sqrt() + 8.0).clamp(12.0, 40.0);
    let window = |m: f64, reach: f64| {
        let w = reach * m.sqrt() + 15.0;
        ((m - w).max(0.0).floor() as u64, (m + w).ceil() as u64)
    };
    let share_a = t2 / (t1 + t2);
    let (a_lo, a_hi) = window(m1, reach(share_a));
    let (b_lo, b_hi) = window(m2, reach(1.0 - share_a));
    // Both tails of B as sums of their own terms, never as 1 minus the rest: p-values
    // far below 1e-16 keep their relative precision.
    // lower[i] = P(b_lo <= B < b_lo + i), upper_tail[i] = P(b_lo + i <= B <= b_hi).
    let pb = pmf_range(b_lo, b_hi, m2);
    let width = pb.len();
    let mut lower = Vec::with_capacity(width + 1);
    lower.push(0.0);
    for (i, &q) in pb.iter().enumerate() {
        lower.push(lower[i] + q);
    }
    let mut upper_tail = vec![0.0; width + 1];
    for i in (0..width).rev() {
        upper_tail[i] = upper_tail[i + 1] + pb[i];
    }
    // T(a, b) >= threshold on a prefix of the b window and T(a, b) <= -threshold on a
    // suffix. T rises with a for fixed b, so both prefixes only grow as a rises: two
    // pointers that only move forward find them for every a. T is compared through its
    // sign and square, |T| >= threshold ⇔ d² >= threshold² v (d and v T's numerator and
    // variance), without a square root or a division per step.
    let threshold2 = threshold * threshold;
    let (t1_sq, t2_sq) = (t1 * t1, t2 * t2);
    // b's parts of the numerator and of threshold² × the variance, once per b.
    let (b_rate, b_bound): (Vec<f64>, Vec<f64>) = (b_lo..=b_hi)
        .map(|b| (b as f64 / t2, threshold2 * (b as f64 / t2_sq)))
        .unzip();
    let (mut high, mut not_low) = (0usize, 0usize);
    let mut p = 0.0;
    for (a, pa) in (a_lo..=a_hi).zip(pmf_range(a_lo, a_hi, m1)) {
        if pa == 0.0 {
            continue;
        }
        let (rate_a, bound_a) = (a as f64 / t1, threshold2 * (a as f64 / t1_sq));
        // T's numerator and threshold² × its variance at the b window's i-th count.
        let terms = |i: usize| (rate_a - b_rate[i], bound_a + b_bound[i]);
        while high < width && {
            let (d, bound) = terms(high);
            d > 0.0 && d * d >= bound
        } {
            high += 1;
        }
        while not_low < width && {
            let (d, bound) = terms(not_low);
            !(d < 0.0 && d * d >= bound)
        } {
            not_low += 1;
        }
        p += pa * (lower[high] + upper_tail[not_low]);
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
    use crate::poisson::pmf;

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
    fn p_values_far_below_the_rounding_of_one_keep_their_precision() {
        // The double sum adds only the qualifying pairs' products, so its tiny sums are
        // precise; a tail taken as 1 minus the rest is off by about 1e-16 absolute (5%
        // of the first case's 1.9e-27). What is left is where the double sum's square
        // stops (about 12 standard deviations out).
        for (x1, x2, t1, t2) in [(400, 150, 1.0, 1.0), (200, 10, 1.0, 2.0), (30, 160, 1.0, 1.0)] {
            let (fast, slow) = (poisson_e_test(x1, x2, t1, t2), brute_force(x1, x2, t1, t2));
            assert!(
                slow < 1e-18,
                "{x1} vs {x2}: the case should be far in the tail ({slow})"
            );
            assert!(
                (fast - slow).abs() <= 1e-8 * slow,
                "{x1}/{t1} vs {x2}/{t2}: {fast} vs {slow}"
            );
        }
    }

    #[test]
    fn matches_sixty_digit_values_far_in_the_tail() {
        // benches/reference/etest_mpmath.py: the same definition in mpmath at 60 digits
        // over windows of ±45 standard deviations, ties (the observed pair and its mirror)
        // decided in integers. The first three and the last three are national
        // trend rows (2025 H2 against H1).
        let exact = [
            (334_029, 325_971, 3.44771336841e-23),
            (107_456, 102_542, 7.87428719942e-27),
            (275_983, 264_019, 1.33402517896e-59),
            (400, 150, 1.92632393853e-27),
            (30, 160, 6.10909333589e-23),
            (30, 260, 4.58906566357e-47),
            (1_134_269, 1_085_733, 8.82426285442e-233),
            (403_559, 376_446, 5.28527170925e-207),
            (202_261, 187_738, 1.17748621688e-119),
        ];
        for (x1, x2, want) in exact {
            let got = poisson_e_test(x1, x2, 6.0, 6.0);
            assert!((got - want).abs() <= 1e-8 * want, "{x1} vs {x2}: {got}, not {want}");
        }
        // A month against the eleven before it: the windows differ.
        let unequal = [
            (30, 40, 1.0, 2.0, 0.115621756139),
            (400, 30, 1.0, 11.0, 1.34257060442e-16),
            (5_000, 40_000, 1.0, 11.0, 1.14687239727e-65),
            (95_000, 1_000_000, 1.0, 11.0, 1.47624557894e-36),
            (100_000, 1_000_000, 1.0, 11.0, 9.97546798217e-160),
        ];
        for (x1, x2, t1, t2, want) in unequal {
            let got = poisson_e_test(x1, x2, t1, t2);
            assert!((got - want).abs() <= 1e-8 * want, "{x1} vs {x2}: {got}, not {want}");
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
