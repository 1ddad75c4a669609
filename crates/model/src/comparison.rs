//! The period a change is measured against, as a caller chooses it.

use std::fmt;
use std::str::FromStr;

use crate::{ModelError, Period};

/// The comparison period of a two-period change, chosen relative to the current period
/// or given outright.
///
/// ```
/// use crimescope_model::{Comparison, Period};
/// let current: Period = "2024-07..2024-12".parse().unwrap();
/// let year_earlier: Comparison = "year-earlier".parse().unwrap();
/// assert_eq!(year_earlier.period_for(current).to_string(), "2023-07..2023-12");
/// let previous: Comparison = "previous".parse().unwrap();
/// assert_eq!(previous.period_for(current).to_string(), "2024-01..2024-06");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Comparison {
    /// The same months one year earlier, so that the season does not pass for change
    /// ([`Period::default_comparison`]; for a period of more than 12 months, the period
    /// of the same length before it).
    #[default]
    YearEarlier,
    /// The period of the same length immediately before ([`Period::previous`]).
    Previous,
    /// This period.
    Period(Period),
}

impl Comparison {
    /// The comparison period for `current`.
    pub fn period_for(self, current: Period) -> Period {
        match self {
            Comparison::YearEarlier => current.default_comparison(),
            Comparison::Previous => current.previous(),
            Comparison::Period(p) => p,
        }
    }
}

impl FromStr for Comparison {
    type Err = ModelError;

    /// `year-earlier`, `previous` (either case) or a period such as `2023-07..2023-12`.
    fn from_str(text: &str) -> Result<Comparison, ModelError> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("previous") {
            Ok(Comparison::Previous)
        } else if t.eq_ignore_ascii_case("year-earlier") {
            Ok(Comparison::YearEarlier)
        } else {
            t.parse::<Period>().map(Comparison::Period)
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Comparison::YearEarlier => f.write_str("year-earlier"),
            Comparison::Previous => f.write_str("previous"),
            Comparison::Period(p) => write!(f, "{p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_two_rules_and_periods_and_refuses_the_rest() {
        let current: Period = "2025-01..2025-03".parse().unwrap();
        for (text, expected) in [
            ("year-earlier", "2024-01..2024-03"),
            ("Previous", "2024-10..2024-12"),
            ("2023-05..2023-07", "2023-05..2023-07"),
        ] {
            let c: Comparison = text.parse().unwrap();
            assert_eq!(c.period_for(current).to_string(), expected, "{text}");
            assert_eq!(c.to_string().parse::<Comparison>().unwrap(), c);
        }
        assert!("last-year".parse::<Comparison>().is_err());
    }
}
