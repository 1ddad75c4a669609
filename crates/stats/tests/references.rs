//! crimescope's statistics against values from independent implementations
//! (pymannkendall 1.4.3, statsmodels, scipy), produced by
//! `benches/reference/stats_reference.py`. The expected values are theirs, not ours.

use crimescope_stats::{TrendDirection, mann_kendall, normal, poisson, seasonal_index};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn mann_kendall_with_ties_matches_pymannkendall() {
    // 15 three times, 25 twice and 12 twice: the tie correction is exercised
    // (without it Var(S) would be 14·13·33/18 = 333.67, not 328).
    let ties = [
        12.0, 15.0, 15.0, 9.0, 20.0, 18.0, 15.0, 22.0, 25.0, 19.0, 25.0, 30.0, 12.0, 28.0,
    ];
    let r = mann_kendall(&ties);
    assert_eq!(r.n, 14);
    assert_eq!(r.s, 46);
    assert!(close(r.var_s, 328.0, 1e-9), "var_s {}", r.var_s);
    assert!(close(r.z, 2.484709336684047, 1e-12), "z {}", r.z);
    assert!(close(r.p, 0.012965725130060779, 1e-12), "p {}", r.p);
    assert!(close(r.tau, 0.5054945054945055, 1e-12), "tau {}", r.tau);
    assert_eq!(r.direction, TrendDirection::Increasing);
}

#[test]
fn mann_kendall_falling_series_matches_pymannkendall() {
    let falling = [40.0, 38.0, 41.0, 35.0, 33.0, 36.0, 30.0, 29.0, 31.0, 27.0, 24.0, 26.0];
    let r = mann_kendall(&falling);
    assert_eq!(r.s, -52);
    assert!(close(r.var_s, 212.66666666666666, 1e-9));
    assert!(close(r.z, -3.4971999547510824, 1e-12));
    assert!(close(r.p, 0.0004701692793138701, 1e-14));
    assert!(close(r.tau, -0.7878787878787878, 1e-12));
    assert_eq!(r.direction, TrendDirection::Decreasing);
}

#[test]
fn mann_kendall_degenerate_series() {
    let flat = mann_kendall(&[4.0; 10]);
    assert_eq!((flat.s, flat.z, flat.p), (0, 0.0, 1.0));
    assert_eq!(flat.direction, TrendDirection::NoTrend);
    let short = mann_kendall(&[1.0, 2.0]);
    assert_eq!(short.direction, TrendDirection::NoTrend);
    assert_eq!(mann_kendall(&[]).n, 0);
}

#[test]
fn seasonal_index_matches_statsmodels_multiplicative_decomposition() {
    let season: Vec<u64> = (0..36u64)
        .map(|t| 100 + 2 * t + if t % 12 == 6 { 30 } else { 0 } + (t * 7) % 5 - if t % 12 == 1 { 15 } else { 0 })
        .collect();
    assert_eq!(&season[..8], &[100, 89, 108, 107, 111, 110, 144, 118]);
    let statsmodels = [
        0.9994201296890379,
        0.8719003212535937,
        0.9928513797634446,
        0.98793120258587,
        0.9858730409453421,
        0.999284590436019,
        1.22132552264503,
        0.999579990125181,
        0.9771854556910489,
        0.9925095215431574,
        0.987114590115868,
        0.9850242552064075,
    ];
    let ours = seasonal_index(&season, 1).expect("36 months is enough");
    for (m, (a, b)) in ours.iter().zip(statsmodels).enumerate() {
        assert!(close(*a, b, 1e-12), "month {}: {a} vs statsmodels {b}", m + 1);
    }
}

#[test]
fn distributions_match_scipy() {
    assert_eq!(poisson::quantile(0.99865, 2.4), 8);
    assert_eq!(poisson::quantile(0.00135, 4.9), 0);
    assert!(close(normal::two_sided_p(2.0), 0.04550026389635839, 1e-15));
}
