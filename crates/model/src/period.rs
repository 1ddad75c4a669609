//! Periods: inclusive ranges of calendar months.

use std::fmt;
use std::str::FromStr;

use crate::ModelError;
use crate::month::Month;

/// An inclusive range of months, written `2025-01..2025-12` (a single `2025-03` is a
/// one-month period), or a financial year `2024/25` (April 2024 to March 2025, the year
/// of Home Office and ONS crime statistics).
///
/// The default comparison for a period is [`Period::previous`]: the period of the same
/// length immediately before.
///
/// ```
/// let p: crimescope_model::Period = "2025-04..2026-03".parse().unwrap();
/// assert_eq!(p.months(), 12);
/// assert_eq!(p.previous().to_string(), "2024-04..2025-03");
/// let fy: crimescope_model::Period = "2025/26".parse().unwrap();
/// assert_eq!(fy, p);
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

    /// The financial year that starts in April of `start_year` (`2024` gives 2024/25,
    /// April 2024 to March 2025).
    pub fn financial_year(start_year: i32) -> Result<Period, ModelError> {
        let bad = || ModelError::BadPeriod {
            text: format!("{start_year}/{:02}", (start_year + 1).rem_euclid(100)),
            message: "the year is out of range".to_string(),
        };
        let first = Month::new(start_year, 4).ok_or_else(bad)?;
        let last = Month::new(start_year + 1, 3).ok_or_else(bad)?;
        Period::new(first, last)
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

    /// The same months one year earlier (2025-07..2025-12 → 2024-07..2024-12).
    pub fn year_earlier(self) -> Period {
        Period {
            first: from_index(index(self.first) - 12),
            last: from_index(index(self.last) - 12),
        }
    }

    /// The comparison a change is measured against when none is chosen: the same months
    /// one year earlier, so that the season does not pass for change; for a period of
    /// more than 12 months, which would overlap it, the period of the same length
    /// immediately before.
    ///
    /// ```
    /// let p: crimescope_model::Period = "2024-07..2024-12".parse().unwrap();
    /// assert_eq!(p.default_comparison().to_string(), "2023-07..2023-12");
    /// ```
    pub fn default_comparison(self) -> Period {
        if self.months() <= 12 {
            self.year_earlier()
        } else {
            self.previous()
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
        if let Some((a, b)) = text.split_once('/') {
            return financial_year(text, a, b);
        }
        let (a, b) = text.split_once("..").unwrap_or((text, text));
        let month = |part: &str| {
            part.trim().parse::<Month>().map_err(|_| ModelError::BadPeriod {
                text: text.to_string(),
                message: format!(
                    "'{}' is not a month; write periods as YYYY-MM..YYYY-MM, or a financial year as 2024/25",
                    part.trim()
                ),
            })
        };
        Period::new(month(a)?, month(b)?)
    }
}

/// `2024/25`: April of the first year to March of the next.
fn financial_year(text: &str, a: &str, b: &str) -> Result<Period, ModelError> {
    let bad = || ModelError::BadPeriod {
        text: text.to_string(),
        message: format!("'{text}' is not a financial year; write it as 2024/25 (April 2024 to March 2025)"),
    };
    let (start, end) = (a.trim(), b.trim());
    if start.len() != 4 || end.len() != 2 || !start.bytes().chain(end.bytes()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let (start, end): (i32, i32) = (start.parse().map_err(|_| bad())?, end.parse().map_err(|_| bad())?);
    if (start + 1) % 100 != end {
        return Err(bad());
    }
    Period::financial_year(start)
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

    #[test]
    fn financial_years_run_april_to_march() {
        assert_eq!("2024/25".parse::<Period>().unwrap().to_string(), "2024-04..2025-03");
        assert_eq!("1999/00".parse::<Period>().unwrap().to_string(), "1999-04..2000-03");
        assert_eq!(Period::financial_year(2024).unwrap().to_string(), "2024-04..2025-03");
        for bad in ["2024/26", "24/25", "2024/2025", "2024/", "abcd/ef"] {
            let e = bad.parse::<Period>().unwrap_err().to_string();
            assert!(e.contains("2024/25") && e.contains(bad), "{bad}: {e}");
        }
    }
}
