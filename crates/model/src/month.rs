//! Calendar months, the time unit of police.uk data.

use std::fmt;
use std::str::FromStr;

use crate::ModelError;

/// A calendar month, such as `2024-01`.
///
/// Months order chronologically. [`Month::to_date32`] gives the first day of the month
/// as days since 1970-01-01, the value stored in the Arrow `date32` column `month`.
///
/// ```
/// use crimescope_model::Month;
/// let m: Month = "2024-03".parse().unwrap();
/// assert_eq!(m.to_string(), "2024-03");
/// assert_eq!(m.to_date32(), 19783); // 2024-03-01
/// assert_eq!(Month::from_date32(19783), Some(m));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// A month from a year (1900..=2199) and a month number (1..=12).
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1900..=2199).contains(&year) && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month number, 1..=12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// Parse `YYYY-MM` from raw bytes without allocating; `None` when malformed.
    pub fn parse_bytes(b: &[u8]) -> Option<Month> {
        if b.len() != 7 || b[4] != b'-' {
            return None;
        }
        let digit = |c: u8| c.is_ascii_digit().then(|| u32::from(c - b'0'));
        let year = digit(b[0])? * 1000 + digit(b[1])? * 100 + digit(b[2])? * 10 + digit(b[3])?;
        let month = digit(b[5])? * 10 + digit(b[6])?;
        Month::new(year as i32, month)
    }

    /// Days from 1970-01-01 to the first day of this month (Arrow `date32`).
    pub fn to_date32(self) -> i32 {
        days_from_civil(self.year, self.month, 1)
    }

    /// The month that contains the given `date32` day, if in range.
    pub fn from_date32(days: i32) -> Option<Month> {
        let (y, m, _) = civil_from_days(days);
        Month::new(y, m)
    }

    /// The following month.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Month::parse_bytes(s.trim().as_bytes()).ok_or_else(|| ModelError::BadMonth { text: s.to_string() })
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
///
/// Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms" (2013),
/// `days_from_civil`. O(1).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
///
/// Howard Hinnant (2013), `civil_from_days`. O(1).
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_three_centuries() {
        for days in (-25_567..120_000).step_by(17) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn rejects_malformed_months() {
        for bad in [
            "2024-13", "2024-00", "24-01", "2024/01", "2024-1", "abcd-ef", "1899-12", "",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad} parsed");
        }
        assert_eq!(Month::new(2024, 12).unwrap().next(), Month::new(2025, 1).unwrap());
    }
}
