//! `fire-lfb`: the London Fire Brigade's published incident records.

use crimescope_model::Month;

use super::{Fire, parse_with};
use crate::error::Result;
use crate::fields::bng;
use crate::file_context::{FileContext, ParsedFile};
use crate::reject::{RejectReason, Rejection};

/// The LFB columns crimescope reads; a file with all of them is `fire-lfb`.
pub const COLUMNS: [&str; 12] = [
    "IncidentNumber",
    "DateOfCall",
    "TimeOfCall",
    "StopCodeDescription",
    "PropertyCategory",
    "UPRN",
    "IncGeo_WardCode",
    "Easting_m",
    "Northing_m",
    "Easting_rounded",
    "Northing_rounded",
    "IncidentGroup",
];

/// Read a London Fire Brigade incident file. Dates are `01 Jan 2009`; dwellings carry
/// only `Easting_rounded`/`Northing_rounded` (to 50 m), used when the exact
/// coordinates are blank. `StopCodeDescription` maps to the fire types; a malicious
/// false alarm is deliberate, and LFB publishes no motive otherwise.
pub fn parse(ctx: &FileContext<'_>, header: &[String], bytes: &[u8]) -> Result<ParsedFile> {
    let col: Vec<usize> = COLUMNS
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap_or(usize::MAX))
        .collect();
    let width = header.len();
    parse_with(ctx, bytes, move |record| {
        if record.len() != width {
            return Err(Rejection::row(
                RejectReason::FieldCount,
                format!("expected {width} fields, found {}", record.len()),
            ));
        }
        let get = |i: usize| -> Result<&str, Rejection> {
            std::str::from_utf8(record.get(col[i]).unwrap_or_default())
                .map_err(|_| Rejection::field(RejectReason::InvalidUtf8, COLUMNS[i], "field is not valid UTF-8"))
        };
        let (date, time) = (get(1)?.trim(), get(2)?.trim());
        let days = lfb_date(date).ok_or_else(|| {
            Rejection::field(
                RejectReason::BadDate,
                "DateOfCall",
                format!("DateOfCall '{date}' is not like 01 Jan 2009"),
            )
        })?;
        let secs = hms(time).ok_or_else(|| {
            Rejection::field(
                RejectReason::BadDate,
                "TimeOfCall",
                format!("TimeOfCall '{time}' is not HH:MM:SS"),
            )
        })?;
        let month = Month::from_date32(days)
            .ok_or_else(|| Rejection::field(RejectReason::BadDate, "DateOfCall", "date out of range"))?;
        let stop = get(3)?.trim();
        let (kind, deliberate) = match stop {
            "Primary Fire" | "Chimney Fire" | "Late Call" => ("primary fire", None),
            "Secondary Fire" => ("secondary fire", None),
            "AFA" | "False alarm - Good intent" => ("false alarm", None),
            "False alarm - Malicious" => ("false alarm", Some(true)),
            "Special Service" => ("special service", None),
            other => {
                return Err(Rejection::field(
                    RejectReason::UnknownCategory,
                    "StopCodeDescription",
                    format!("StopCodeDescription '{other}' has no fire type"),
                ));
            }
        };
        let exact = bng(get(7)?, get(8)?)?;
        let point = match exact {
            Some(p) => Some(p),
            None => bng(get(9)?, get(10)?)?,
        };
        Ok(Fire {
            id: get(0)?.trim(),
            at_ms: i64::from(days) * 86_400_000 + secs * 1000,
            month,
            kind,
            property: get(4)?.trim(),
            deliberate,
            point,
            uprn: get(5)?,
            ward: get(6)?.trim(),
        })
    })
}

/// `01 Jan 2009` as a `date32` day count.
pub fn lfb_date(text: &str) -> Option<i32> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = text.split_whitespace();
    let day: u32 = parts.next()?.parse().ok()?;
    let name = parts.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(name))? as u32 + 1;
    let year: i32 = parts.next()?.parse().ok()?;
    let m = Month::new(year, month)?;
    let next = m.next().to_date32();
    let days = m.to_date32() + day as i32 - 1;
    (day >= 1 && days < next && parts.next().is_none()).then_some(days)
}

fn hms(text: &str) -> Option<i64> {
    let v: Vec<i64> = text.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    match v[..] {
        [h, m, s] if h < 24 && m < 60 && s < 61 => Some(h * 3600 + m * 60 + s),
        [h, m] if h < 24 && m < 60 => Some(h * 3600 + m * 60),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfb_dates_and_times() {
        assert_eq!(
            lfb_date("01 Jan 2009"),
            Some(crimescope_model::days_from_civil(2009, 1, 1))
        );
        assert_eq!(
            lfb_date("29 Feb 2024"),
            Some(crimescope_model::days_from_civil(2024, 2, 29))
        );
        assert_eq!(lfb_date("30 Feb 2024"), None);
        assert_eq!(lfb_date("2009-01-01"), None);
        assert_eq!(hms("00:00:37"), Some(37));
        assert_eq!(hms("25:00:00"), None);
    }
}
