//! Control charts that allow for overdispersion: the dispersion test that decides
//! between a Poisson chart and Laney's u′ chart, and the u′ chart itself.
//!
//! Monthly crime counts of a whole force are rarely Poisson: the month-to-month
//! variation is larger than a Poisson count's variance (weather, operations, recording
//! changes), so c- and u-chart limits, whose width is √(mean), flag almost every month.
//! Laney's u′ chart widens the limits by σ_z, the variation of the standardised values
//! measured from their moving ranges, as an individuals (XmR) chart does.

use crate::control_chart::{ControlChart, LimitMethod, chart_with};
use crate::error::StatsError;

/// The Pearson dispersion test of a series of counts against one Poisson rate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Dispersion {
    /// Pearson's X² / (k − 1): about 1 for Poisson counts, above 1 when overdispersed.
    pub ratio: f64,
    /// The degrees of freedom, k − 1.
    pub df: u32,
    /// The upper-tail p-value of X² on `df` degrees of freedom.
    pub p: f64,
    /// `p < 0.05` and `ratio > 1`.
    pub overdispersed: bool,
}

/// Pearson's dispersion statistic for counts with exposures:
/// X² = Σ (cᵢ − ū nᵢ)² / (ū nᵢ), ū = Σc / Σn, referred to χ² on k − 1 degrees of freedom.
/// `None` for fewer than 2 points or no events.
///
/// Source: Cochran, W. G. (1954). "Some methods for strengthening the common χ² tests".
/// *Biometrics* 10(4), 417–451 (the Poisson index of dispersion); Böhning, D. (1994).
/// "A note on a test for Poisson overdispersion". *Biometrika* 81(2), 418–419.
///
/// ```
/// let d = crimescope_stats::dispersion(&[100, 160, 90, 170, 95, 150], &[1.0; 6]).unwrap();
/// assert!(d.overdispersed && d.ratio > 10.0);
/// ```
pub fn dispersion(counts: &[u64], exposure: &[f64]) -> Option<Dispersion> {
    if counts.len() < 2 || counts.len() != exposure.len() {
        return None;
    }
    let total: f64 = counts.iter().map(|&c| c as f64).sum();
    let rate = total / exposure.iter().sum::<f64>();
    if !(rate > 0.0 && rate.is_finite()) {
        return None;
    }
    let x2: f64 = counts
        .iter()
        .zip(exposure)
        .map(|(&c, &n)| {
            let e = rate * n;
            (c as f64 - e).powi(2) / e
        })
        .sum();
    let df = (counts.len() - 1) as u32;
    let p = chi_square_upper_tail(x2, f64::from(df));
    let ratio = x2 / f64::from(df);
    Some(Dispersion {
        ratio,
        df,
        p,
        overdispersed: p < 0.05 && ratio > 1.0,
    })
}

/// P(χ²_df ≥ x): the regularised upper incomplete gamma function Q(df/2, x/2), by its
/// series below a + 1 and its continued fraction above.
///
/// Source: Press, W. H. et al. (2007). *Numerical Recipes*, 3rd ed., §6.2 (gser, gcf).
///
/// ```
/// // The 5% critical value of chi-square on 10 degrees of freedom is 18.307.
/// let p = crimescope_stats::chi_square_upper_tail(18.307, 10.0);
/// assert!((p - 0.05).abs() < 1e-4);
/// ```
pub fn chi_square_upper_tail(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || x <= 0.0 || df <= 0.0 {
        return 1.0;
    }
    let (a, x) = (df / 2.0, x / 2.0);
    let log_front = a * x.ln() - x - libm::lgamma(a);
    if x < a + 1.0 {
        // Series for P(a, x); Q = 1 − P.
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * log_front.exp()).clamp(0.0, 1.0)
    } else {
        // Lentz's continued fraction for Q(a, x).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (log_front.exp() * h).clamp(0.0, 1.0)
    }
}

/// d₂ for moving ranges of two: the expected range of two standard normal values.
pub const D2_TWO: f64 = 1.128;

/// Laney's u′ chart: each point's u-chart σᵢ = √(ū / nᵢ) is multiplied by σ_z, the
/// standard deviation of the standardised values zᵢ = (uᵢ − ū)/σᵢ estimated from their
/// average moving range (σ_z = MR̄ / 1.128). Limits ū ± 3 σᵢ σ_z, floored at 0. With
/// every exposure 1 it is the c′ chart. Returns the chart and σ_z; with fewer than 2
/// points σ_z is 1.
///
/// Source: Laney, D. B. (2002). "Improved control charts for attributes". *Quality
/// Engineering* 14(4), 531–537; the moving-range constant from Montgomery (2009),
/// §6.4 (individuals charts).
///
/// Errors as [`crate::u_chart`] does.
///
/// ```
/// // Overdispersed monthly counts: the c-chart flags most months, u′ none.
/// let counts = [2010, 2240, 2180, 2390, 2460, 2510, 2420, 2330, 2200, 2150, 2080, 2290];
/// assert!(crimescope_stats::c_chart(&counts).exceedances().len() > 4);
/// let (chart, sigma_z) = crimescope_stats::laney_u_chart(&counts, &[1.0; 12]).unwrap();
/// assert!(sigma_z > 1.5 && chart.exceedances().is_empty());
/// ```
pub fn laney_u_chart(counts: &[u64], exposure: &[f64]) -> Result<(ControlChart, f64), StatsError> {
    crate::control_chart::check_exposure(counts, exposure)?;
    let rate = counts.iter().map(|&c| c as f64).sum::<f64>() / exposure.iter().sum::<f64>();
    let z: Vec<f64> = counts
        .iter()
        .zip(exposure)
        .map(|(&c, &n)| {
            let sigma = (rate / n).sqrt();
            if sigma > 0.0 {
                (c as f64 / n - rate) / sigma
            } else {
                0.0
            }
        })
        .collect();
    let sigma_z = if z.len() < 2 {
        1.0
    } else {
        let mr: f64 = z.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (z.len() - 1) as f64;
        mr / D2_TWO
    };
    let chart = chart_with(counts, exposure, |rate, n| {
        let sigma = (rate / n).sqrt() * sigma_z;
        ((rate - 3.0 * sigma).max(0.0), rate + 3.0 * sigma, LimitMethod::Laney)
    });
    Ok((chart, sigma_z))
}

/// Which control chart a series got, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// The Poisson chart (c-chart of counts, or u-chart of rates).
    Poisson,
    /// Laney's u′ (c′ with equal exposure): the counts are overdispersed.
    LaneyPrime,
}

/// A control chart chosen for the data: the Poisson chart when the counts are not
/// overdispersed, Laney's u′ when they are, with the test that decided.
#[derive(Debug, Clone, PartialEq)]
pub struct CountChart {
    /// The chart.
    pub chart: ControlChart,
    /// Which chart.
    pub kind: ChartKind,
    /// The dispersion test (`None` for fewer than 2 points or no events, where the
    /// Poisson chart is used).
    pub dispersion: Option<Dispersion>,
    /// Laney's σ_z, for the u′ chart.
    pub sigma_z: Option<f64>,
}

impl CountChart {
    /// Why this chart, in a sentence.
    pub fn reason(&self) -> String {
        match (self.kind, self.dispersion) {
            (ChartKind::LaneyPrime, Some(d)) => format!(
                "the months vary more than Poisson counts would (dispersion ratio {:.2}, p {}), so Laney's limits \
                 widen the Poisson limits by σ_z = {:.2}",
                d.ratio,
                p_text(d.p),
                self.sigma_z.unwrap_or(1.0)
            ),
            (_, Some(d)) => format!(
                "the months vary as Poisson counts would (dispersion ratio {:.2}, p {}), so Poisson limits are used",
                d.ratio,
                p_text(d.p)
            ),
            (_, None) => "too few months or events to test dispersion; Poisson limits are used".to_string(),
        }
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("= {p:.3}")
    }
}

/// Choose and draw the chart for counts over exposures (all 1 for a c-chart): Laney's
/// u′ when [`dispersion`] finds overdispersion at 5%, else [`crate::u_chart`] (with
/// its exact Poisson limits for small expected counts).
///
/// ```
/// let flat = crimescope_stats::count_chart(&[20, 22, 18, 25, 19, 21], &[1.0; 6]).unwrap();
/// assert_eq!(flat.kind, crimescope_stats::ChartKind::Poisson);
/// ```
pub fn count_chart(counts: &[u64], exposure: &[f64]) -> Result<CountChart, StatsError> {
    crate::control_chart::check_exposure(counts, exposure)?;
    let dispersion = dispersion(counts, exposure);
    if dispersion.is_some_and(|d| d.overdispersed) {
        let (chart, sigma_z) = laney_u_chart(counts, exposure)?;
        Ok(CountChart {
            chart,
            kind: ChartKind::LaneyPrime,
            dispersion,
            sigma_z: Some(sigma_z),
        })
    } else {
        Ok(CountChart {
            chart: crate::u_chart(counts, exposure)?,
            kind: ChartKind::Poisson,
            dispersion,
            sigma_z: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control_chart::tests::MONTGOMERY_7_3;

    #[test]
    fn chi_square_tail_matches_closed_forms() {
        // Even df: P(χ²_2k ≥ x) = Σ_{j<k} e^{-x/2} (x/2)^j / j!. Odd df 1: erfc(√(x/2)).
        for (x, df) in [
            (18.307f64, 10u32),
            (3.0, 2),
            (40.0, 24),
            (64.66, 26),
            (0.5, 4),
            (120.0, 100),
        ] {
            let k = df / 2;
            let h: f64 = x / 2.0;
            let mut term = (-h).exp();
            let mut want = 0.0;
            for j in 0..k {
                if j > 0 {
                    term *= h / f64::from(j);
                }
                want += term;
            }
            let got = chi_square_upper_tail(x, f64::from(df));
            assert!((got - want).abs() < 1e-12, "x {x} df {df}: {got} vs {want}");
        }
        for x in [0.1, 1.0, 3.841458820694124, 10.0] {
            let want = libm::erfc((x / 2.0f64).sqrt());
            let got = chi_square_upper_tail(x, 1.0);
            assert!((got - want).abs() < 1e-12, "x {x}: {got} vs {want}");
        }
        assert!((chi_square_upper_tail(3.841458820694124, 1.0) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn laney_reproduces_a_hand_computation_of_montgomery_7_3() {
        // Reference values from an independent Python computation of Laney's formulas:
        // ū = 516/26, z_i = (c_i − ū)/√ū, σ_z = mean |Δz| / 1.128, limits ū ± 3√ū σ_z;
        // Pearson X² = 64.667 on 25 degrees of freedom.
        let (chart, sigma_z) = laney_u_chart(&MONTGOMERY_7_3, &[1.0; 26]).unwrap();
        assert!((sigma_z - 1.432798835781322).abs() < 1e-12, "{sigma_z}");
        let p = chart.points[0];
        assert_eq!(p.method, LimitMethod::Laney);
        assert!((p.lower - 0.6972176759410793).abs() < 1e-9);
        assert!((p.upper - 38.99509001636662).abs() < 1e-9);
        // Sample 20 (39 boards) is still above; sample 6 (5) is now inside.
        assert_eq!(chart.exceedances(), vec![19]);
        let d = dispersion(&MONTGOMERY_7_3, &[1.0; 26]).unwrap();
        assert!((d.ratio - 64.66666666666666 / 25.0).abs() < 1e-12);
        assert_eq!(d.df, 25);
        assert!(d.overdispersed && d.p < 0.001);
    }

    #[test]
    fn laney_with_exposure_matches_the_hand_computation() {
        let counts = [310, 280, 330, 300, 350, 340, 360, 355, 320, 300, 290, 330];
        let days = [31.0, 28.0, 31.0, 30.0, 31.0, 30.0, 31.0, 31.0, 30.0, 31.0, 30.0, 31.0];
        let (chart, sigma_z) = laney_u_chart(&counts, &days).unwrap();
        assert!((sigma_z - 0.798043069441814).abs() < 1e-12);
        assert!((chart.points[0].lower - 9.189791935302239).abs() < 1e-9);
        assert!((chart.points[1].upper - 12.061343042498507).abs() < 1e-9);
        // X² = 16.05 on 11 df (p about 0.14): not overdispersed, so the Poisson chart.
        let chosen = count_chart(&counts, &days).unwrap();
        assert_eq!(chosen.kind, ChartKind::Poisson);
        assert!(
            chosen.reason().contains("Poisson limits are used"),
            "{}",
            chosen.reason()
        );
        let d = chosen.dispersion.unwrap();
        assert!((d.ratio - 16.051412594416394 / 11.0).abs() < 1e-12);
        assert!(d.p > 0.05 && !d.overdispersed);
    }

    #[test]
    fn poisson_data_keep_the_poisson_chart_and_overdispersed_data_get_laney() {
        // A force-sized series that swings by ±10%: the c-chart flags most months.
        let force = [
            20_100, 22_400, 21_800, 23_900, 24_600, 25_100, 24_200, 23_300, 22_000, 21_500, 20_800, 22_900,
        ];
        assert!(crate::c_chart(&force).exceedances().len() >= 8);
        let chosen = count_chart(&force, &[1.0; 12]).unwrap();
        assert_eq!(chosen.kind, ChartKind::LaneyPrime);
        assert!(
            chosen.chart.exceedances().len() <= 1,
            "{:?}",
            chosen.chart.exceedances()
        );
        assert!(chosen.reason().contains("Laney"), "{}", chosen.reason());
        // Too few points: no test, Poisson chart.
        let one = count_chart(&[5], &[1.0]).unwrap();
        assert_eq!(one.kind, ChartKind::Poisson);
        assert!(one.dispersion.is_none());
    }
}
