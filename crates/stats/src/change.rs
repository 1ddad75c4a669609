//! Change between two periods, and whether it is more than chance.

/// |z| at or above this is significant at about the 5% level (two-sided).
pub const SIGNIFICANT_Z: f64 = 1.96;

/// Wheeler's Poisson z for a change between two counts: `2(√current − √previous)`.
///
/// 2√X is the variance-stabilising transform of a Poisson count (variance ≈ 1), so the
/// statistic is approximately standard normal when `previous` is a long-run expected
/// level, which is how Wheeler presents it. When both periods are single observed
/// counts its null variance is nearer 2, so |z| ≥ 1.96 is a liberal screen rather than
/// an exact 5% test; Wheeler himself suggests |z| ≥ 3 when scanning many series.
///
/// Source: Wheeler, A. P. (2018). "Testing changes in short run crime patterns: the
/// Poisson e-test", andrewpwheeler.com, 29 April 2018 (restating his earlier Poisson
/// z-score). Published example: 16 → 25 gives z = 2(5 − 4) = 2.
///
/// O(1).
///
/// ```
/// assert_eq!(crimescope_stats::wheeler_z(25, 16), 2.0);
/// ```
pub fn wheeler_z(current: u64, previous: u64) -> f64 {
    2.0 * ((current as f64).sqrt() - (previous as f64).sqrt())
}

/// The change between a current and a previous count, with its significance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodChange {
    /// The count in the current period.
    pub current: u64,
    /// The count in the comparison period.
    pub previous: u64,
    /// `current − previous`.
    pub change: i64,
    /// `100 × change / previous`; `None` when `previous` is 0.
    pub pct_change: Option<f64>,
    /// Wheeler's Poisson z ([`wheeler_z`]).
    pub z: f64,
    /// `|z| ≥ 1.96`.
    pub significant: bool,
}

impl PeriodChange {
    /// Compare `current` with `previous`.
    pub fn new(current: u64, previous: u64) -> PeriodChange {
        let z = wheeler_z(current, previous);
        PeriodChange {
            current,
            previous,
            change: current as i64 - previous as i64,
            pct_change: (previous > 0).then(|| 100.0 * (current as f64 - previous as f64) / previous as f64),
            z,
            significant: z.abs() >= SIGNIFICANT_Z,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheeler_published_example() {
        // Wheeler's worked example: 16 crimes rising to 25 is z = 2, just significant.
        let c = PeriodChange::new(25, 16);
        assert_eq!(c.z, 2.0);
        assert!(c.significant);
        assert_eq!(c.change, 9);
        assert_eq!(c.pct_change, Some(56.25));
    }

    #[test]
    fn falls_are_negative_and_zero_previous_has_no_percentage() {
        let fall = PeriodChange::new(16, 25);
        assert_eq!(fall.z, -2.0);
        assert!(fall.significant);
        let from_zero = PeriodChange::new(3, 0);
        assert_eq!(from_zero.pct_change, None);
        assert!((from_zero.z - 2.0 * 3f64.sqrt()).abs() < 1e-12);
        assert!(from_zero.significant);
        // A 50% rise on a small count is not significant: 4 -> 6.
        let small = PeriodChange::new(6, 4);
        assert_eq!(small.pct_change, Some(50.0));
        assert!(!small.significant);
    }
}
