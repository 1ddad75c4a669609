//! Change between two periods, and whether it is more than chance.
//!
//! Two single periods are both random counts, so they are compared with the Poisson
//! E-test ([`poisson_e_test`]) and the √2-scaled root difference as the effect
//! ([`change_z`]). Wheeler's `2(√current − √mean)` ([`wheeler_z`]) is kept for what it
//! was made for: a count against a long-run mean of many prior periods
//! ([`PeriodChange::against_long_run_mean`]). A table of changes is adjusted for
//! scanning many rows at once with [`adjust_for_many_rows`] (Benjamini–Hochberg).

use crate::e_test::poisson_e_test;
use crate::fdr::benjamini_hochberg;
use crate::normal::two_sided_p;

/// The false discovery rate (or, for one comparison, the p-value) below which a change
/// is called significant.
pub const SIGNIFICANCE_LEVEL: f64 = 0.05;

/// |z| at or above this is about the 5% level (two-sided) on a standard-normal scale.
pub const SIGNIFICANT_Z: f64 = 1.96;

/// The fewest prior periods whose mean counts as a long-run level for Wheeler's score.
pub const LONG_RUN_MIN_PERIODS: u32 = 12;

/// Wheeler's Poisson z for a count against a long-run mean: `2(√current − √mean)`.
///
/// 2√X is the variance-stabilising transform of a Poisson count (variance ≈ 1), so
/// the statistic is approximately standard normal when `mean` is a well-estimated
/// expected level, which is how Wheeler presents it. Between two single periods it is
/// the wrong score: both counts vary, its null standard deviation is √2, and at
/// |z| ≥ 1.96 about one unchanged category in six comes out "significant"; use
/// [`PeriodChange::new`] there.
///
/// Source: Wheeler, A. P. (2016). "Tables and graphs for monitoring temporal crime
/// trends: translating theory into practical crime analysis advice". *International
/// Journal of Police Science & Management* 18(3), 159–172; and Wheeler (2018), "Testing
/// changes in short run crime patterns: the Poisson e-test", which recommends the
/// E-test for two single periods.
///
/// O(1).
///
/// ```
/// assert_eq!(crimescope_stats::wheeler_z(25, 16.0), 2.0);
/// ```
pub fn wheeler_z(current: u64, mean: f64) -> f64 {
    2.0 * ((current as f64).sqrt() - mean.max(0.0).sqrt())
}

/// The change between two counts on a standard-normal scale, allowing for periods of
/// different lengths: `2(√current − √(r·previous)) / √(1 + r)` with `r = t_current /
/// t_previous`. With equal periods this is `√2(√current − √previous)`
/// ([`crate::two_period_z`]). Var(2√X) ≈ 1 for a Poisson X (Anscombe 1948), so the
/// numerator has variance about 1 + r under no change in rate.
///
/// Source: Anscombe, F. J. (1948). "The transformation of Poisson, binomial and
/// negative-binomial data". *Biometrika* 35, 246–254.
///
/// ```
/// let z = crimescope_stats::change_z(25, 16, 1.0, 1.0);
/// assert!((z - std::f64::consts::SQRT_2).abs() < 1e-12);
/// ```
pub fn change_z(current: u64, previous: u64, t_current: f64, t_previous: f64) -> f64 {
    let r = if t_current > 0.0 && t_previous > 0.0 {
        t_current / t_previous
    } else {
        1.0
    };
    2.0 * ((current as f64).sqrt() - (r * previous as f64).sqrt()) / (1.0 + r).sqrt()
}

/// Which test a [`PeriodChange`] used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeTest {
    /// Two single periods: the Poisson E-test (Krishnamoorthy & Thomson 2004) for `p`,
    /// the √2-scaled root difference for `z`.
    PoissonETest,
    /// A count against the mean of at least [`LONG_RUN_MIN_PERIODS`] prior periods:
    /// Wheeler's `2(√current − √mean)`, `p` from the normal distribution.
    WheelerLongRunMean,
}

impl ChangeTest {
    /// How the document names the test.
    pub fn describe(self) -> &'static str {
        match self {
            ChangeTest::PoissonETest => "Poisson E-test between the two periods",
            ChangeTest::WheelerLongRunMean => "Wheeler's z against the long-run mean",
        }
    }
}

/// The change between a current and a comparison count, with its test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PeriodChange {
    /// The count in the current period.
    pub current: u64,
    /// The count in the comparison period.
    pub previous: u64,
    /// `current − previous`.
    pub change: i64,
    /// `100 × change / previous`; `None` when `previous` is 0.
    pub pct_change: Option<f64>,
    /// The effect on a standard-normal scale ([`change_z`], or [`wheeler_z`] against a
    /// long-run mean).
    pub z: f64,
    /// The two-sided p-value of the test.
    pub p: f64,
    /// `p` adjusted for the other rows of its table ([`adjust_for_many_rows`]); equal to
    /// `p` for a comparison made on its own.
    pub p_fdr: f64,
    /// `p_fdr < 0.05`.
    pub significant: bool,
    /// The test used.
    pub test: ChangeTest,
}

impl PeriodChange {
    /// Two periods of the same length compared on their own.
    ///
    /// ```
    /// // Wheeler's example: 16 crimes last year, 25 this year, is not significant
    /// // once both counts are allowed to vary (p = 0.165).
    /// let c = crimescope_stats::PeriodChange::new(25, 16);
    /// assert!((c.p - 0.1648).abs() < 1e-4 && !c.significant);
    /// ```
    pub fn new(current: u64, previous: u64) -> PeriodChange {
        PeriodChange::with_exposure(current, previous, 1.0, 1.0)
    }

    /// Two periods of `t_current` and `t_previous` units (months) compared on their own.
    pub fn with_exposure(current: u64, previous: u64, t_current: f64, t_previous: f64) -> PeriodChange {
        let p = poisson_e_test(current, previous, t_current, t_previous);
        PeriodChange {
            current,
            previous,
            change: current as i64 - previous as i64,
            pct_change: (previous > 0).then(|| 100.0 * (current as f64 - previous as f64) / previous as f64),
            z: change_z(current, previous, t_current, t_previous),
            p,
            p_fdr: p,
            significant: p < SIGNIFICANCE_LEVEL,
            test: ChangeTest::PoissonETest,
        }
    }

    /// A count against the mean of `periods` prior periods of the same length, with
    /// Wheeler's score; `None` when fewer than [`LONG_RUN_MIN_PERIODS`] periods stand
    /// behind the mean (then compare two periods with [`PeriodChange::new`]). `previous`
    /// is the mean rounded to a count.
    pub fn against_long_run_mean(current: u64, mean: f64, periods: u32) -> Option<PeriodChange> {
        if periods < LONG_RUN_MIN_PERIODS || !mean.is_finite() || mean < 0.0 {
            return None;
        }
        let z = wheeler_z(current, mean);
        let p = two_sided_p(z);
        Some(PeriodChange {
            current,
            previous: mean.round() as u64,
            change: (current as f64 - mean).round() as i64,
            pct_change: (mean > 0.0).then(|| 100.0 * (current as f64 - mean) / mean),
            z,
            p,
            p_fdr: p,
            significant: p < SIGNIFICANCE_LEVEL,
            test: ChangeTest::WheelerLongRunMean,
        })
    }

    /// `Some(true)` for a significant rise, `Some(false)` for a significant fall, `None`
    /// when the change is not significant.
    pub fn significant_rise(&self) -> Option<bool> {
        self.significant.then_some(self.z > 0.0)
    }
}

/// Adjust the p-values of a table of changes for its rows being tested together
/// (Benjamini–Hochberg), setting `p_fdr` and `significant` on each.
///
/// Source: Benjamini, Y. & Hochberg, Y. (1995), *JRSS B* 57(1), 289–300.
///
/// ```
/// use crimescope_stats::{PeriodChange, adjust_for_many_rows};
/// let mut rows: Vec<PeriodChange> = [(30, 18), (50, 49), (12, 11)].map(|(c, p)| PeriodChange::new(c, p)).into();
/// adjust_for_many_rows(&mut rows);
/// assert!(rows[0].p_fdr > rows[0].p);
/// ```
pub fn adjust_for_many_rows(changes: &mut [PeriodChange]) {
    let p: Vec<f64> = changes.iter().map(|c| c.p).collect();
    for (c, q) in changes.iter_mut().zip(benjamini_hochberg(&p)) {
        c.p_fdr = q;
        c.significant = q < SIGNIFICANCE_LEVEL;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheeler_example_is_not_significant_between_two_periods() {
        let c = PeriodChange::new(25, 16);
        assert!((c.p - 0.16479631785472715).abs() < 1e-9);
        assert!((c.z - std::f64::consts::SQRT_2).abs() < 1e-12);
        assert!(!c.significant);
        assert_eq!(c.change, 9);
        assert_eq!(c.pct_change, Some(56.25));
        assert_eq!(c.test, ChangeTest::PoissonETest);
        // The same count against a long-run mean of 16 over 12 months is Wheeler's z = 2.
        let long = PeriodChange::against_long_run_mean(25, 16.0, 12).unwrap();
        assert_eq!(long.z, 2.0);
        assert!(long.significant);
        assert!(PeriodChange::against_long_run_mean(25, 16.0, 11).is_none());
    }

    #[test]
    fn falls_are_negative_and_zero_previous_has_no_percentage() {
        let fall = PeriodChange::new(16, 40);
        assert!(fall.z < 0.0 && fall.significant);
        assert_eq!(fall.significant_rise(), Some(false));
        let from_zero = PeriodChange::new(3, 0);
        assert_eq!(from_zero.pct_change, None);
        assert!(!from_zero.significant, "3 against 0: p = {}", from_zero.p);
        let small = PeriodChange::new(6, 4);
        assert!(!small.significant);
        assert_eq!(small.significant_rise(), None);
    }

    #[test]
    fn unequal_periods_compare_rates() {
        // 24 in 12 months against 12 in 6 months is the same rate: no change.
        let c = PeriodChange::with_exposure(24, 12, 12.0, 6.0);
        assert!(c.z.abs() < 1e-12);
        assert_eq!(c.p, 1.0);
        assert!((change_z(24, 12, 12.0, 6.0)).abs() < 1e-12);
    }

    #[test]
    fn adjustment_never_lowers_p() {
        let mut rows: Vec<PeriodChange> = [(100, 60), (41, 40), (9, 20), (300, 310)]
            .map(|(c, p)| PeriodChange::new(c, p))
            .into();
        adjust_for_many_rows(&mut rows);
        for r in &rows {
            assert!(r.p_fdr >= r.p && r.p_fdr <= 1.0);
            assert_eq!(r.significant, r.p_fdr < 0.05);
        }
        assert!(rows[0].significant && !rows[1].significant);
    }
}
