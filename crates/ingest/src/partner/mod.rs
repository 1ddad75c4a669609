//! The partner profiles of `docs/formats.md` (force crime, council ASB, fire IRS,
//! probation cohort and re-offences) and the London Fire Brigade's published format.
//!
//! Person identifiers are pseudonymised on the way in ([`crate::pseudonym`]): they go
//! to `parties` (or `offenders`/`reoffences`) as keyed hashes, and rejected rows keep
//! their raw text with the identifier fields masked.

pub mod council_asb;
pub mod fire;
pub mod force_crime;
pub mod mapped;
pub mod probation;

use crimescope_model::Month;

use crate::fields::iso_datetime_ms;
use crate::reject::{RejectReason, Rejection};

/// The text that replaces an identifier in a rejected row.
pub const MASK: &str = "[masked]";

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

/// Parse an optional BNG coordinate pair in metres; both empty is `None`.
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
    if !(0.0..=800_000.0).contains(&e) || !(0.0..=1_400_000.0).contains(&n) {
        return Err(Rejection::field(
            RejectReason::CoordinateOutOfRange,
            "easting",
            format!("({e}, {n}) is outside the British National Grid"),
        ));
    }
    Ok(Some((e, n)))
}

/// WGS84 (lon, lat) of a BNG point, to 6 decimals (OSTN15 inverse).
pub fn to_wgs84(point: Option<(f64, f64)>) -> (Option<f64>, Option<f64>) {
    match point.and_then(|(e, n)| lonlat_bng::convert_osgb36_to_ll(e, n).ok()) {
        Some((lon, lat)) if lon.is_finite() && lat.is_finite() => {
            (Some((lon * 1e6).round() / 1e6), Some((lat * 1e6).round() / 1e6))
        }
        _ => (None, None),
    }
}

/// The place key that links sources: `uprn:<UPRN>` when a UPRN is given, else
/// `bng:<E>,<N>` with the point rounded to the metre, else none.
pub fn location_key(uprn: &str, point: Option<(f64, f64)>) -> Option<String> {
    let u = uprn.trim().trim_end_matches(".0");
    if !u.is_empty() && u != "0" && u.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("uprn:{u}"));
    }
    point.map(|(e, n)| format!("bng:{},{}", e.round(), n.round()))
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
