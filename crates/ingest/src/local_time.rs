//! Local clock times to UTC instants.
//!
//! Partner systems in England and Wales record the wall-clock time in Europe/London:
//! GMT in winter, BST (UTC+1) from 01:00 UTC on the last Sunday of March to 01:00 UTC
//! on the last Sunday of October (the Summer Time Order 2002, following Directive
//! 2000/84/EC; earlier years by the tz database's history). crimescope stores
//! `occurred_at` as a UTC instant, so each local time is converted with the zone's rules
//! from the IANA tz database (chrono-tz). Two clock times need a rule:
//!
//! - **The repeated hour** (October, 01:00–01:59 happens twice): the *first* occurrence
//!   is taken, the one in summer time. 01:30 on 26 October 2025 is 00:30 UTC.
//! - **The missing hour** (March, 01:00–01:59 never happens): the time is read with the
//!   offset in force *before* the change (GMT), as a clock that was not yet put forward
//!   would show it. 01:30 on 30 March 2025 is 01:30 UTC (02:30 BST).
//!
//! Both rules are counted in the file's counts (`clock_repeated_hour`,
//! `clock_missing_hour`), so a load says how many rows they touched.

use std::str::FromStr;

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;

/// The time zone of a source's clock times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalZone(Tz);

/// Which rule converted a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// The clock time happens exactly once.
    Unique,
    /// The clock time happens twice; the first occurrence was taken.
    RepeatedHour,
    /// The clock time never happens; the offset before the change was used.
    MissingHour,
}

impl LocalZone {
    /// Europe/London, the default for UK sources.
    pub const LONDON: LocalZone = LocalZone(Tz::Europe__London);
    /// UTC: times are already instants.
    pub const UTC: LocalZone = LocalZone(Tz::UTC);

    /// A zone by IANA name (`Europe/London`, `UTC`, `America/Chicago`).
    pub fn parse(name: &str) -> Result<LocalZone, String> {
        Tz::from_str(name.trim())
            .map(LocalZone)
            .map_err(|_| format!("'{name}' is not an IANA time zone name such as Europe/London or UTC"))
    }

    /// The zone's IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The UTC instant (milliseconds since the epoch) of a local clock time given as
    /// milliseconds since the epoch *as written*, and the rule that applied.
    pub fn to_utc_ms(self, local_ms: i64) -> (i64, Conversion) {
        let Some(naive) = chrono::DateTime::from_timestamp_millis(local_ms).map(|d| d.naive_utc()) else {
            return (local_ms, Conversion::Unique);
        };
        match self.0.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => (t.timestamp_millis(), Conversion::Unique),
            chrono::LocalResult::Ambiguous(first, second) => (
                first.timestamp_millis().min(second.timestamp_millis()),
                Conversion::RepeatedHour,
            ),
            chrono::LocalResult::None => {
                let before = naive - chrono::Duration::days(1);
                let offset = self.0.offset_from_utc_datetime(&before).fix().local_minus_utc();
                (local_ms - i64::from(offset) * 1000, Conversion::MissingHour)
            }
        }
    }

    /// [`LocalZone::to_utc_ms`], counting the rule in a file's counts.
    pub(crate) fn to_utc_counted(self, local_ms: i64, counts: &mut crate::store::FileCounts) -> i64 {
        let (ms, rule) = self.to_utc_ms(local_ms);
        match rule {
            Conversion::Unique => {}
            Conversion::RepeatedHour => counts.clock_repeated_hour += 1,
            Conversion::MissingHour => counts.clock_missing_hour += 1,
        }
        ms
    }

    /// The local clock time (milliseconds since the epoch as a clock would show it) of a
    /// UTC instant.
    pub fn to_local_ms(self, utc_ms: i64) -> i64 {
        match chrono::DateTime::from_timestamp_millis(utc_ms) {
            Some(t) => {
                let offset = self.0.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc();
                utc_ms + i64::from(offset) * 1000
            }
            None => utc_ms,
        }
    }
}

impl Default for LocalZone {
    fn default() -> Self {
        LocalZone::LONDON
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn naive(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test time")
    }

    fn ms(text: &str) -> i64 {
        naive(text).and_utc().timestamp_millis()
    }

    #[test]
    fn winter_and_summer() {
        let z = LocalZone::LONDON;
        assert_eq!(
            z.to_utc_ms(ms("2025-01-15 12:00")),
            (ms("2025-01-15 12:00"), Conversion::Unique)
        );
        assert_eq!(
            z.to_utc_ms(ms("2025-07-15 12:00")),
            (ms("2025-07-15 11:00"), Conversion::Unique)
        );
        assert_eq!(z.to_local_ms(ms("2025-07-15 11:00")), ms("2025-07-15 12:00"));
    }

    #[test]
    fn the_two_clock_change_days() {
        let z = LocalZone::LONDON;
        // 30 March 2025: clocks go from 01:00 GMT to 02:00 BST.
        assert_eq!(z.to_utc_ms(ms("2025-03-30 00:59")).0, ms("2025-03-30 00:59"));
        assert_eq!(
            z.to_utc_ms(ms("2025-03-30 01:30")),
            (ms("2025-03-30 01:30"), Conversion::MissingHour)
        );
        assert_eq!(z.to_utc_ms(ms("2025-03-30 02:00")).0, ms("2025-03-30 01:00"));
        // 26 October 2025: clocks go from 02:00 BST back to 01:00 GMT.
        assert_eq!(z.to_utc_ms(ms("2025-10-26 00:59")).0, ms("2025-10-25 23:59"));
        assert_eq!(
            z.to_utc_ms(ms("2025-10-26 01:30")),
            (ms("2025-10-26 00:30"), Conversion::RepeatedHour)
        );
        assert_eq!(z.to_utc_ms(ms("2025-10-26 02:00")).0, ms("2025-10-26 02:00"));
        // Round trip away from the changes.
        for t in ["2025-03-30 03:15", "2025-10-26 03:15", "2024-12-31 23:59"] {
            assert_eq!(z.to_local_ms(z.to_utc_ms(ms(t)).0), ms(t), "{t}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(LocalZone::parse("Europe/London").unwrap(), LocalZone::LONDON);
        assert_eq!(LocalZone::parse("UTC").unwrap().name(), "UTC");
        assert!(LocalZone::parse("Europe/Lndon").unwrap_err().contains("Europe/Lndon"));
    }
}
