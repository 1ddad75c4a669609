//! Periods: inclusive ranges of calendar months.

use std::fmt;
use std::str::FromStr;

use crate::ModelError;
use crate::month::Month;

/// An inclusive range of months, written `2025-01..2025-12` (a single `2025-03` is a
/// one-month period).
///
/// The default comparison for a period is [`Period::previous`]: the period of the same
/// length immediately before.
///
/// ```
/// let p: crimescope_model::Period = "2025-04..2026-03".parse().unwrap();
/// assert_eq!(p.months(), 12);
/// assert_eq!(p.previous().to_string(), "2024-04..2025-03");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    first: Month,
    last: Month,
}

impl Period {
    /// The period from `first` to `last` inclusive; an error when `last` is before `first`.
    pub fn new(first: Month, last: Month) -> Result<Period, ModelError> {
        if last < first {
            return Err(ModelError::BadPeriod {
                text: format!("{first}..{last}"),
                message: format!("it ends ({last}) before it starts ({first}); write the earlier month first"),
            });
        }
        Ok(Period { first, last })
    }

    /// The first month.
    pub fn first(self) -> Month {
        self.first
    }

    /// The last month (inclusive).
    pub fn last(self) -> Month {
        self.last
    }

    /// The number of months.
    pub fn months(self) -> u32 {
        (index(self.last) - index(self.first) + 1) as u32
    }

    /// The period of the same length that ends the month before this one starts.
    pub fn previous(self) -> Period {
        let n = self.months() as i64;
        Period {
            first: from_index(index(self.first) - n),
            last: from_index(index(self.first) - 1),
        }
    }

    /// Every month in order.
    pub fn iter(self) -> impl Iterator<Item = Month> {
        (index(self.first)..=index(self.last)).map(from_index)
    }

    /// Whether `month` falls in the period.
    pub fn contains(self, month: Month) -> bool {
        self.first <= month && month <= self.last
    }

    /// Whether the two periods share a month.
    pub fn overlaps(self, other: Period) -> bool {
        self.first <= other.last && other.first <= self.last
    }
}

fn index(m: Month) -> i64 {
    m.year() as i64 * 12 + (m.month() as i64 - 1)
}

fn from_index(i: i64) -> Month {
    let year = i.div_euclid(12) as i32;
    let month = i.rem_euclid(12) as u32 + 1;
    // Periods only move within a few decades of valid months; clamp rather than fail.
    Month::new(year, month)
        .or_else(|| Month::new(year.clamp(1900, 2199), month))
        .unwrap_or(Month::new(1900, 1).expect("1900-01 is a valid month"))
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

impl FromStr for Period {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Period, ModelError> {
        let text = s.trim();
        let (a, b) = text.split_once("..").unwrap_or((text, text));
        let month = |part: &str| {
            part.trim().parse::<Month>().map_err(|_| ModelError::BadPeriod {
                text: text.to_string(),
                message: format!("'{}' is not a month; write periods as YYYY-MM..YYYY-MM", part.trim()),
            })
        };
        Period::new(month(a)?, month(b)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges_and_single_months() {
        let p: Period = "2025-01..2025-12".parse().unwrap();
        assert_eq!(
            (p.first().to_string(), p.last().to_string(), p.months()),
            ("2025-01".into(), "2025-12".into(), 12)
        );
        let one: Period = "2024-02".parse().unwrap();
        assert_eq!(one.months(), 1);
        assert_eq!(one.previous().to_string(), "2024-01..2024-01");
        assert_eq!(p.iter().count(), 12);
        assert!(p.contains("2025-06".parse().unwrap()));
        assert!(!p.contains("2024-12".parse().unwrap()));
    }

    #[test]
    fn previous_crosses_years() {
        let p: Period = "2025-02..2025-04".parse().unwrap();
        assert_eq!(p.previous().to_string(), "2024-11..2025-01");
        assert!(!p.overlaps(p.previous()));
    }

    #[test]
    fn reversed_and_malformed_periods_are_errors_that_say_why() {
        let e = "2025-12..2025-01".parse::<Period>().unwrap_err().to_string();
        assert!(e.contains("ends (2025-01) before it starts (2025-12)"), "{e}");
        let e = "2025-13..2025-14".parse::<Period>().unwrap_err().to_string();
        assert!(e.contains("'2025-13' is not a month"), "{e}");
        assert!("".parse::<Period>().is_err());
    }
}
