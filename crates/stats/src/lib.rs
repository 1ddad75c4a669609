//! # crimescope-stats
//!
//! The statistics behind crimescope's trend analysis, with no DataFusion dependency so
//! they build and test in seconds. One method per item; each names its source.
//!
//! - [`PeriodChange`]: change between two periods, tested with the Poisson E-test
//!   ([`poisson_e_test`], Krishnamoorthy & Thomson) with the √2-scaled root difference
//!   as the effect ([`change_z`], [`two_period_z`]); Wheeler's z only against a long-run
//!   mean ([`wheeler_z`]); [`adjust_for_many_rows`] for a table of changes.
//! - [`mann_kendall`]: the Mann–Kendall trend test with the tie correction.
//! - [`c_chart`] and [`u_chart`]: Shewhart control limits for counts and rates, with
//!   exact Poisson probability limits when the expected count is below 5;
//!   [`count_chart`] chooses them or Laney's u′ ([`laney_u_chart`]) by the
//!   [`dispersion`] test.
//! - [`rolling_sum`] and [`seasonal_index`]: rolling 12-month totals and the classical
//!   ratio-to-moving-average seasonal index.
//! - [`benjamini_hochberg`]: false-discovery-rate adjusted p-values.
//! - [`gini`], [`generalized_gini`], [`lorenz_curve`], [`share_of_places_holding`]:
//!   concentration of incidents across places.
//! - [`poisson`] and [`normal`]: the distribution functions they rest on.
//!
//! ```
//! use crimescope_stats::PeriodChange;
//! // Wheeler's example: 16 crimes last year, 25 this year. Both counts vary, so the
//! // E-test's p is 0.165: not a significant change.
//! let change = PeriodChange::new(25, 16);
//! assert!((change.p - 0.1648).abs() < 1e-4);
//! assert!(!change.significant);
//! ```
#![warn(missing_docs)]

mod change;
mod concentration;
mod control_chart;
mod e_test;
mod error;
mod fdr;
mod mann_kendall;
pub mod normal;
mod overdispersion;
pub mod poisson;
mod seasonal;

pub use change::{
    ChangeTest, LONG_RUN_MIN_PERIODS, PeriodChange, SIGNIFICANCE_LEVEL, SIGNIFICANT_Z, adjust_for_many_rows, change_z,
    wheeler_z,
};
pub use concentration::{generalized_gini, gini, lorenz_curve, share_of_places_holding};
pub use control_chart::{ChartPoint, ControlChart, LimitMethod, THREE_SIGMA_TAIL, c_chart, u_chart};
pub use e_test::{poisson_e_test, two_period_z};
pub use error::StatsError;
pub use fdr::benjamini_hochberg;
pub use mann_kendall::{MannKendall, TrendDirection, mann_kendall};
pub use overdispersion::{
    ChartKind, CountChart, D2_TWO, Dispersion, chi_square_upper_tail, count_chart, dispersion, laney_u_chart,
};
pub use seasonal::{rolling_sum, seasonal_index};
