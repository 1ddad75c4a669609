//! Parsing and validating individual fields. Each failure is a [`Rejection`] that names
//! the field and says what is wrong.

use crimescope_model::Month;

use crate::records::Fields;
use crate::reject::{RejectReason, Rejection};

/// Decode every field as UTF-8, or reject the row naming the first bad field. The
/// record must have `N` fields (see [`expect_fields`]).
pub fn utf8_fields<'r, const N: usize>(
    record: Fields<'r>,
    names: &[&'static str; N],
) -> Result<[&'r str; N], Rejection> {
    let mut out = [""; N];
    for (i, (slot, bytes)) in out.iter_mut().zip(record.iter()).enumerate() {
        *slot = std::str::from_utf8(bytes).map_err(|e| {
            Rejection::field(
                RejectReason::InvalidUtf8,
                names[i],
                format!(
                    "field is not valid UTF-8 (bad byte at offset {}); re-export the file as UTF-8",
                    e.valid_up_to()
                ),
            )
        })?;
    }
    Ok(out)
}

/// Check the field count against the header.
pub fn expect_fields(record: Fields<'_>, names: &[&'static str]) -> Result<(), Rejection> {
    if record.len() == names.len() {
        Ok(())
    } else {
        Err(Rejection::row(
            RejectReason::FieldCount,
            format!(
                "expected {} fields, found {} (a truncated line, or an unquoted comma)",
                names.len(),
                record.len()
            ),
        ))
    }
}

/// Parse a WGS84 longitude/latitude pair. Both empty is `Ok(None)` (no location).
pub fn lon_lat(
    lon: &str,
    lat: &str,
    lon_name: &'static str,
    lat_name: &'static str,
) -> Result<Option<(f64, f64)>, Rejection> {
    let (lon, lat) = (lon.trim(), lat.trim());
    match (lon.is_empty(), lat.is_empty()) {
        (true, true) => return Ok(None),
        (true, false) => {
            return Err(Rejection::field(
                RejectReason::BadCoordinate,
                lon_name,
                format!("{lon_name} is empty but {lat_name} is not"),
            ));
        }
        (false, true) => {
            return Err(Rejection::field(
                RejectReason::BadCoordinate,
                lat_name,
                format!("{lat_name} is empty but {lon_name} is not"),
            ));
        }
        _ => {}
    }
    let x = number(lon, lon_name)?;
    let y = number(lat, lat_name)?;
    if !(-180.0..=180.0).contains(&x) {
        return Err(Rejection::field(
            RejectReason::CoordinateOutOfRange,
            lon_name,
            format!("{lon_name} {x} is outside -180..180"),
        ));
    }
    if !(-90.0..=90.0).contains(&y) {
        return Err(Rejection::field(
            RejectReason::CoordinateOutOfRange,
            lat_name,
            format!("{lat_name} {y} is outside -90..90"),
        ));
    }
    Ok(Some((x, y)))
}

/// A plain decimal (`-?digits[.digits]`, at most 15 digits) read exactly: the digits as
/// an integer below 2⁵³ divided by a power of ten below 10²², both exact in `f64`, so the
/// correctly rounded quotient is the nearest `f64` to the decimal, which is what
/// `str::parse` gives (Clinger, "How to read floating point numbers accurately", PLDI
/// 1990, the fast path). `None` for any other text, which `str::parse` then reads.
/// police.uk's coordinates (`-2.522500`) all take this path.
fn plain_decimal(text: &str) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    let (mut n, mut count, mut fraction, mut point) = (0u64, 0usize, 0usize, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                n = n * 10 + u64::from(b - b'0');
                count += 1;
                fraction += usize::from(point);
                if count > 15 {
                    return None;
                }
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if count == 0 {
        return None;
    }
    let value = n as f64 / POWERS[fraction];
    Some(if negative { -value } else { value })
}

fn number(text: &str, name: &'static str) -> Result<f64, Rejection> {
    plain_decimal(text)
        .or_else(|| text.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            Rejection::field(
                RejectReason::BadCoordinate,
                name,
                format!("{name} '{text}' is not a number"),
            )
        })
}

/// Parse `True`/`False` (any case); empty is `None`.
pub fn boolean(text: &str, name: &'static str) -> Result<Option<bool>, Rejection> {
    let t = text.trim();
    if t.is_empty() {
        Ok(None)
    } else if t.eq_ignore_ascii_case("true") {
        Ok(Some(true))
    } else if t.eq_ignore_ascii_case("false") {
        Ok(Some(false))
    } else {
        Err(Rejection::field(
            RejectReason::BadBoolean,
            name,
            format!("{name} '{t}' is not True or False"),
        ))
    }
}

/// Parse an ISO 8601 date-time `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]` (a space may stand for
/// `T`) into milliseconds since the epoch, UTC. No offset means UTC.
pub fn iso_datetime_ms(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' {
        return None;
    }
    let (year, month, day) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let (hour, minute) = (num(&b[11..13])?, num(&b[14..16])?);
    let mut rest = &b[16..];
    let mut second = 0;
    if let [b':', s1, s2, tail @ ..] = rest {
        second = num(&[*s1, *s2])?;
        rest = tail;
        if let [b'.', tail @ ..] = rest {
            let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            rest = &tail[digits..];
        }
    }
    let offset_min = match rest {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let v = num(&[*h1, *h2])? * 60 + num(&[*m1, *m2])?;
            if *sign == b'-' { -v } else { v }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days_in_month = crimescope_model::days_from_civil(
        if month == 12 { year as i32 + 1 } else { year as i32 },
        if month == 12 { 1 } else { month as u32 + 1 },
        1,
    ) - crimescope_model::days_from_civil(year as i32, month as u32, 1);
    if day < 1 || day > i64::from(days_in_month) {
        return None;
    }
    let days = i64::from(crimescope_model::days_from_civil(year as i32, month as u32, day as u32));
    Some(((days * 24 + hour) * 60 + minute - offset_min) * 60_000 + second * 1000)
}

/// Parse `YYYY-MM-DD HH:MM` (local time, stored as written) into milliseconds and the
/// month it falls in.
pub fn minute_time(text: &str, field: &'static str) -> Result<(i64, Month), Rejection> {
    let t = text.trim();
    let bad = || {
        Rejection::field(
            RejectReason::BadDate,
            field,
            format!("{field} '{t}' is not YYYY-MM-DD HH:MM"),
        )
    };
    let ms = iso_datetime_ms(t).ok_or_else(bad)?;
    let month = Month::parse_bytes(t.as_bytes().get(..7).unwrap_or_default()).ok_or_else(bad)?;
    Ok((ms, month))
}

/// Parse `YYYY-MM-DD` into a `date32` day count.
pub fn date_days(text: &str, field: &'static str) -> Result<i32, Rejection> {
    let t = text.trim();
    let ms = iso_datetime_ms(&format!("{t}T00:00"))
        .filter(|_| t.len() == 10)
        .ok_or_else(|| Rejection::field(RejectReason::BadDate, field, format!("{field} '{t}' is not YYYY-MM-DD")))?;
    Ok(ms.div_euclid(86_400_000) as i32)
}

/// The extent of OSTN15's grid (OS 2020, Annexe C), in metres. Beyond it no British
/// National Grid point has a WGS84 position; within it all but thin strips along the west
/// and north edges do (see `location::place_bng`).
pub const BNG_EXTENT: (f64, f64) = (700_000.0, 1_250_000.0);

/// Parse an optional BNG coordinate pair in metres; both empty is `None`. A point
/// outside OSTN15's grid ([`BNG_EXTENT`]) is rejected: it has no WGS84 position, so it
/// could be loaded only half-placed (grid metres, no longitude or latitude).
pub fn bng(easting: &str, northing: &str) -> Result<Option<(f64, f64)>, Rejection> {
    let (e, n) = (easting.trim(), northing.trim());
    if e.is_empty() && n.is_empty() {
        return Ok(None);
    }
    let parse = |v: &str, name: &'static str| {
        v.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
            Rejection::field(
                RejectReason::BadCoordinate,
                name,
                format!("{name} '{v}' is not a number of metres"),
            )
        })
    };
    let (e, n) = (parse(e, "easting")?, parse(n, "northing")?);
    if !(0.0..BNG_EXTENT.0).contains(&e) || !(0.0..BNG_EXTENT.1).contains(&n) {
        return Err(Rejection::field(
            RejectReason::CoordinateOutOfRange,
            if (0.0..BNG_EXTENT.0).contains(&e) {
                "northing"
            } else {
                "easting"
            },
            format!(
                "({e}, {n}) is outside the British National Grid as OSTN15 covers it \
                 (easting 0 to 700,000 m, northing 0 to 1,250,000 m)"
            ),
        ));
    }
    Ok(Some((e, n)))
}

/// Read a Y/N flag; empty is `None`.
pub fn yes_no(text: &str, field: &'static str) -> Result<Option<bool>, Rejection> {
    match text.trim() {
        "" => Ok(None),
        "Y" | "y" => Ok(Some(true)),
        "N" | "n" => Ok(Some(false)),
        other => Err(Rejection::field(
            RejectReason::BadBoolean,
            field,
            format!("{field} '{other}' is not Y or N"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain decimals read by the fast path are `str::parse`'s to the bit (sign of zero
    /// included), and every other text is left to it: random texts of digits, signs,
    /// points and exponents, and police.uk's six-decimal coordinates.
    #[test]
    fn plain_decimals_are_str_parse_to_the_bit() {
        let mut next = crate::test_support::xorshift64(0x05EE_D0FD_1617);
        let alphabet = b"0123456789012345678900-..+eE ";
        let (mut fast, mut total) = (0, 0);
        for case in 0..200_000 {
            let text: String = if case % 2 == 0 {
                let len = next() % 20;
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
                    .collect()
            } else {
                let micro = (next() % 360_000_001) as i64 - 180_000_000;
                format!(
                    "{}{}.{:06}",
                    if micro < 0 { "-" } else { "" },
                    micro.abs() / 1_000_000,
                    micro.abs() % 1_000_000
                )
            };
            let parsed = text.parse::<f64>().ok();
            if let Some(v) = plain_decimal(&text) {
                fast += 1;
                assert_eq!(Some(v.to_bits()), parsed.map(f64::to_bits), "{text:?}");
            }
            total += 1;
            let via_number = number(&text, "x").ok();
            assert_eq!(
                via_number.map(f64::to_bits),
                parsed.filter(|v| v.is_finite()).map(f64::to_bits),
                "{text:?}"
            );
        }
        assert!(fast > total / 2, "{fast} of {total} took the fast path");
        for text in [
            "-0",
            "-0.000000",
            "0.",
            ".5",
            "1.",
            "007.25",
            "123456789012345",
            "1234567890123456",
        ] {
            assert_eq!(
                number(text, "x").ok().map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
        }
    }

    #[test]
    fn coordinates() {
        assert_eq!(lon_lat("", "", "Longitude", "Latitude"), Ok(None));
        assert_eq!(lon_lat("-0.1", "51.5", "Longitude", "Latitude"), Ok(Some((-0.1, 51.5))));
        let e = lon_lat("abc", "51.5", "Longitude", "Latitude").unwrap_err();
        assert_eq!((e.reason, e.field), (RejectReason::BadCoordinate, Some("Longitude")));
        let e = lon_lat("-0.1", "", "Longitude", "Latitude").unwrap_err();
        assert_eq!(e.field, Some("Latitude"));
        let e = lon_lat("-0.1", "95", "Longitude", "Latitude").unwrap_err();
        assert_eq!(e.reason, RejectReason::CoordinateOutOfRange);
        assert!(lon_lat("NaN", "51", "Longitude", "Latitude").is_err());
    }

    #[test]
    fn datetimes() {
        assert_eq!(iso_datetime_ms("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(iso_datetime_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(iso_datetime_ms("1970-01-02 00:00"), Some(86_400_000));
        assert_eq!(iso_datetime_ms("2026-02-01T03:16:00+00:00"), Some(1_769_915_760_000));
        for bad in [
            "2026-02-30T00:00:00",
            "2026-13-01T00:00",
            "yesterday",
            "2026-02-01T25:00",
            "2026-02-01T03:16:00+0",
        ] {
            assert_eq!(iso_datetime_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(boolean("True", "x"), Ok(Some(true)));
        assert_eq!(boolean("false", "x"), Ok(Some(false)));
        assert_eq!(boolean("", "x"), Ok(None));
        assert!(boolean("yes", "x").is_err());
    }
}

#[cfg(test)]
mod bng_extent_tests {
    use super::*;
    use crate::location::place_bng;
    use crate::store::FileCounts;

    #[test]
    fn grid_points_load_placed_or_counted_and_the_rest_are_rejected() {
        let (max_e, max_n) = BNG_EXTENT;
        let mut counts = FileCounts::default();
        // Inside the grid: a WGS84 position (Birmingham, the grid's middle, its corners
        // away from the west and north edge strips).
        for (e, n) in [
            (407_000.0, 286_000.0),
            (350_000.0, 625_000.0),
            (350_000.0, 0.0),
            (max_e - 0.001, 625_000.0),
            (1_000.0, 1_000.0),
            (max_e - 1.0, max_n - 1_000.0),
        ] {
            let point = bng(&e.to_string(), &n.to_string()).unwrap();
            let at = place_bng(point, &mut counts);
            assert!(
                at.point.is_some() && at.longitude.is_some() && at.latitude.is_some(),
                "({e}, {n})"
            );
        }
        assert_eq!((counts.no_location, counts.outside_gb), (0, 0));
        // The edge strips OSTN15's inverse cannot place: accepted, counted, no location.
        for (e, n) in [(0.0, 0.0), (0.0, 625_000.0), (350_000.0, max_n - 1.0)] {
            let point = bng(&e.to_string(), &n.to_string()).unwrap();
            let at = place_bng(point, &mut counts);
            assert_eq!((at.point, at.longitude, at.latitude), (None, None, None), "({e}, {n})");
        }
        assert_eq!((counts.no_location, counts.outside_gb), (0, 3));
        assert_eq!(place_bng(None, &mut counts).point, None);
        assert_eq!((counts.no_location, counts.outside_gb), (1, 3));
        // Beyond the grid: rejected, naming the coordinate that is out of range.
        for (e, n, field) in [
            (max_e, 10.0, "easting"),
            (750_000.0, 10.0, "easting"),
            (-1.0, 10.0, "easting"),
            (10.0, max_n, "northing"),
            (10.0, 1_300_000.0, "northing"),
        ] {
            let r = bng(&e.to_string(), &n.to_string()).unwrap_err();
            assert_eq!(
                (r.reason, r.field),
                (RejectReason::CoordinateOutOfRange, Some(field)),
                "({e}, {n})"
            );
        }
    }
}
