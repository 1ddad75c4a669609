//! How concentrated incidents are across places: Gini, the generalized Gini, the
//! Lorenz curve and the share of places that holds a share of incidents.

/// The Gini coefficient of counts over places (zeros included):
/// G = 2 Σᵢ i·x₍ᵢ₎ / (N Σx) − (N + 1)/N over the counts sorted ascending. 0 is perfect
/// equality, (N − 1)/N all incidents in one place. `None` when there are no places or
/// no incidents.
///
/// Source: Gini (1912); the sorted form is Damgaard & Weiner (2000), *Ecology* 81(4),
/// 1139–1142. O(N log N).
///
/// ```
/// let g = crimescope_stats::gini(&[5, 2, 1, 0, 0, 0, 0, 0, 0, 0]).unwrap();
/// assert!((g - 0.80).abs() < 1e-12);
/// ```
pub fn gini(counts: &[u64]) -> Option<f64> {
    let n = counts.len();
    let total: u64 = counts.iter().sum();
    if n == 0 || total == 0 {
        return None;
    }
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let weighted: f64 = sorted.iter().enumerate().map(|(i, &x)| (i + 1) as f64 * x as f64).sum();
    let nf = n as f64;
    Some(2.0 * weighted / (nf * total as f64) - (nf + 1.0) / nf)
}

/// The generalized Gini for when incidents are fewer than places (n < N): the Gini
/// rescaled so that the most equal possible spread of n incidents (one each in n
/// places, Gini 1 − n/N) scores 0: G′ = (G − (1 − n/N)) / (n/N). With n ≥ N it equals
/// the Gini.
///
/// Source: Bernasco, W. & Steenbeek, W. (2017), "More places than crimes: implications
/// for evaluating the law of crime concentration at place", *Journal of Quantitative
/// Criminology* 33, 451–467.
///
/// ```
/// let g = crimescope_stats::generalized_gini(&[5, 2, 1, 0, 0, 0, 0, 0, 0, 0]).unwrap();
/// assert!((g - 0.75).abs() < 1e-12);
/// ```
pub fn generalized_gini(counts: &[u64]) -> Option<f64> {
    let g = gini(counts)?;
    let incidents: u64 = counts.iter().sum();
    let places = counts.len() as f64;
    if (incidents as f64) >= places {
        return Some(g);
    }
    let share = incidents as f64 / places;
    Some((g - (1.0 - share)) / share)
}

/// The Lorenz curve with places ordered from most to fewest incidents, as the crime
/// concentration literature draws it: point k is (share of places, share of incidents)
/// for the k busiest places, from (0, 0) to (1, 1). O(N log N).
pub fn lorenz_curve(counts: &[u64]) -> Vec<(f64, f64)> {
    let total: u64 = counts.iter().sum();
    let mut sorted = counts.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let n = sorted.len() as f64;
    let mut out = Vec::with_capacity(sorted.len() + 1);
    out.push((0.0, 0.0));
    let mut running = 0u64;
    for (k, x) in sorted.iter().enumerate() {
        running += x;
        let share = if total == 0 { 0.0 } else { running as f64 / total as f64 };
        out.push(((k + 1) as f64 / n, share));
    }
    out
}

/// The smallest share of places (busiest first) that holds at least `fraction` of the
/// incidents, e.g. 0.5 for "x% of places hold half of all crime". `None` without
/// incidents.
///
/// ```
/// // 10 places; the busiest one holds 5 of 8 incidents (62.5%).
/// let s = crimescope_stats::share_of_places_holding(&[5, 2, 1, 0, 0, 0, 0, 0, 0, 0], 0.5).unwrap();
/// assert!((s - 0.1).abs() < 1e-12);
/// ```
pub fn share_of_places_holding(counts: &[u64], fraction: f64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 || counts.is_empty() {
        return None;
    }
    let mut sorted = counts.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let target = fraction * total as f64;
    let mut running = 0u64;
    for (k, x) in sorted.iter().enumerate() {
        running += x;
        if running as f64 >= target - 1e-9 {
            return Some((k + 1) as f64 / sorted.len() as f64);
        }
    }
    Some(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_against_the_pairwise_definition() {
        // Independent check: G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 N² x̄).
        let x = [7u64, 0, 3, 3, 12, 1, 0, 0, 5];
        let n = x.len() as f64;
        let mean = x.iter().sum::<u64>() as f64 / n;
        let mut pairs = 0.0;
        for a in x {
            for b in x {
                pairs += (a as f64 - b as f64).abs();
            }
        }
        let want = pairs / (2.0 * n * n * mean);
        assert!((gini(&x).unwrap() - want).abs() < 1e-12);
        assert_eq!(generalized_gini(&x), gini(&x), "31 incidents > 9 places");
        assert_eq!(gini(&[0, 0]), None);
        assert!(gini(&[4, 4, 4]).unwrap().abs() < 1e-12);
    }

    #[test]
    fn most_equal_spread_of_few_incidents_scores_zero() {
        let g = generalized_gini(&[1, 1, 1, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert!(g.abs() < 1e-12, "{g}");
    }

    #[test]
    fn lorenz_and_shares() {
        let c = [5u64, 2, 1, 0];
        let l = lorenz_curve(&c);
        assert_eq!(l.first(), Some(&(0.0, 0.0)));
        assert_eq!(l.last(), Some(&(1.0, 1.0)));
        assert_eq!(l[1], (0.25, 5.0 / 8.0));
        assert_eq!(share_of_places_holding(&c, 0.25), Some(0.25));
        assert_eq!(share_of_places_holding(&c, 0.9), Some(0.75));
    }
}
