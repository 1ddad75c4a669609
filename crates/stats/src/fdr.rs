//! Multiple-testing correction.

/// Benjamini–Hochberg adjusted p-values ("q-values"): for the i-th smallest of m
/// p-values, q₍ᵢ₎ = min over k ≥ i of (m / k)·p₍ₖ₎, capped at 1. A test is significant
/// at false discovery rate α when its q ≤ α, which rejects exactly the hypotheses the
/// step-up procedure rejects.
///
/// NaN p-values get NaN and do not count in m.
///
/// Source: Benjamini, Y. & Hochberg, Y. (1995), "Controlling the false discovery rate:
/// a practical and powerful approach to multiple testing", *JRSS B* 57(1), 289–300;
/// the adjusted form is R's `p.adjust(method = "BH")`.
///
/// O(m log m).
///
/// ```
/// let q = crimescope_stats::benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.20]);
/// let want = [0.025, 0.05, 0.05, 0.025, 0.2];
/// assert!(q.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let m = order.len() as f64;
    let mut q = vec![f64::NAN; p.len()];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let adjusted = p[i] * m / (rank + 1) as f64;
        running = running.min(adjusted);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Benjamini & Hochberg (1995), §3.2: the 15 p-values of their worked example; at
    /// q = 0.05 the procedure rejects the four smallest.
    #[test]
    fn reproduces_the_worked_example_of_the_paper() {
        let p = [
            0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528,
            0.7590, 1.000,
        ];
        let q = benjamini_hochberg(&p);
        let rejected: Vec<usize> = (0..p.len()).filter(|&i| q[i] <= 0.05).collect();
        assert_eq!(rejected, vec![0, 1, 2, 3]);
        // By hand: q(4) = 0.0095 * 15 / 4 = 0.035625.
        assert!((q[3] - 0.035625).abs() < 1e-15);
        // Monotone in p, never below p, never above 1.
        for i in 1..p.len() {
            assert!(q[i] >= q[i - 1] && q[i] >= p[i] && q[i] <= 1.0);
        }
    }

    #[test]
    fn nan_is_kept_out_of_the_count() {
        let q = benjamini_hochberg(&[0.02, f64::NAN, 0.04]);
        assert!(q[1].is_nan());
        assert_eq!(q[0], 0.04);
        assert_eq!(q[2], 0.04);
    }
}
