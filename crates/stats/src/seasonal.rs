//! Rolling totals and seasonal indices for monthly series.

/// The rolling sum over the last `window` values: position i holds
/// x[i − window + 1] + … + x[i], or `None` for the first `window − 1` positions.
///
/// O(n).
///
/// ```
/// let r = crimescope_stats::rolling_sum(&[1, 2, 3, 4], 3);
/// assert_eq!(r, vec![None, None, Some(6), Some(9)]);
/// ```
pub fn rolling_sum(values: &[u64], window: usize) -> Vec<Option<u64>> {
    let mut out = Vec::with_capacity(values.len());
    let mut sum = 0u64;
    for (i, &v) in values.iter().enumerate() {
        sum += v;
        if window > 0 && i >= window {
            sum -= values[i - window];
        }
        out.push((window > 0 && i + 1 >= window).then_some(sum));
    }
    out
}

/// The seasonal index of each calendar month by the classical ratio-to-moving-average
/// method, for a monthly series whose first value falls in calendar month
/// `first_month` (1 = January).
///
/// 1. The trend is the centred 2×12 moving average
///    T_t = (½x_{t−6} + x_{t−5} + … + x_{t+5} + ½x_{t+6}) / 12, defined for
///    6 ≤ t < n − 6.
/// 2. Each defined point gives a ratio x_t / T_t (skipped where T_t = 0).
/// 3. A calendar month's raw index is the mean of its ratios; the 12 raw indices are
///    scaled to average 1.
///
/// An index of 1.2 for July means July runs about 20% above the trend. Needs at least
/// 24 months for every calendar month to have a ratio; returns `None` otherwise (or
/// when a month has no usable ratio).
///
/// Sources: Makridakis, S., Wheelwright, S. C. & Hyndman, R. J. (1998), *Forecasting:
/// Methods and Applications*, 3rd ed., §4/2 (classical multiplicative decomposition);
/// it matches `statsmodels.tsa.seasonal_decompose(model="multiplicative")`.
///
/// O(n).
///
/// ```
/// // Two years in which July and December double.
/// let mut x = vec![10u64; 24];
/// for i in [6, 11, 18, 23] { x[i] = 20; }
/// let idx = crimescope_stats::seasonal_index(&x, 1).unwrap();
/// assert!(idx[6] > 1.5 && idx[0] < 1.0);
/// ```
pub fn seasonal_index(values: &[u64], first_month: u32) -> Option<[f64; 12]> {
    let n = values.len();
    if n < 24 || !(1..=12).contains(&first_month) {
        return None;
    }
    let x: Vec<f64> = values.iter().map(|&v| v as f64).collect();
    let mut sums = [0.0f64; 12];
    let mut counts = [0u32; 12];
    for t in 6..n - 6 {
        let inner: f64 = x[t - 5..=t + 5].iter().sum();
        let trend = (0.5 * x[t - 6] + inner + 0.5 * x[t + 6]) / 12.0;
        if trend > 0.0 {
            let month = (first_month as usize - 1 + t) % 12;
            sums[month] += x[t] / trend;
            counts[month] += 1;
        }
    }
    let mut index = [0.0f64; 12];
    for m in 0..12 {
        if counts[m] == 0 {
            return None;
        }
        index[m] = sums[m] / counts[m] as f64;
    }
    let mean = index.iter().sum::<f64>() / 12.0;
    if mean <= 0.0 {
        return None;
    }
    for v in &mut index {
        *v /= mean;
    }
    Some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_sum_window_of_twelve() {
        let x: Vec<u64> = (1..=14).collect();
        let r = rolling_sum(&x, 12);
        assert!(r[..11].iter().all(Option::is_none));
        assert_eq!(r[11], Some(78));
        assert_eq!(r[12], Some(78 - 1 + 13));
        assert_eq!(r[13], Some(78 - 1 - 2 + 13 + 14));
    }

    #[test]
    fn seasonal_index_needs_two_years_and_averages_one() {
        assert!(seasonal_index(&[5; 23], 1).is_none());
        let x: Vec<u64> = (0..36)
            .map(|t| 100 + 5 * t + if t % 12 == 6 { 40 } else { 0 })
            .collect();
        let idx = seasonal_index(&x, 1).unwrap();
        assert!((idx.iter().sum::<f64>() / 12.0 - 1.0).abs() < 1e-12);
        let july = idx[6];
        assert!(idx.iter().all(|&v| v <= july), "July should be the peak: {idx:?}");
        // Starting the same series in April moves the peak to October.
        let shifted = seasonal_index(&x, 4).unwrap();
        assert!((shifted[9] - july).abs() < 1e-12);
    }
}
