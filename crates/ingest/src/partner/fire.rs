//! Fire incidents: the `fire-irs` extract (docs/formats.md) and the London Fire
//! Brigade's published incident format (`fire-lfb`). Rows become source `fire`
//! incidents, with the fire type as `category`, the property as `subcategory`, and the
//! `deliberate` flag where the source says.
//!
//! Harm: a deliberate fire carries the weight of "Criminal damage and arson"; other
//! fire incidents carry 0 (they are not crimes).

use crimescope_model::Month;
use crimescope_model::schema::{INCIDENT_FIELDS, incidents_schema};

use super::{bng, location_key, minute_time, to_wgs84};
use crate::error::Result;
use crate::fields::{expect_fields, utf8_fields};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::incident::Incident;
use crate::police_uk::{IdCensus, IdClass, first_field};
use crate::profile::FIRE_IRS_HEADER;
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};

/// The fire incident types.
pub const FIRE_TYPES: [&str; 4] = ["primary fire", "secondary fire", "false alarm", "special service"];

/// One validated fire incident, whatever its source format.
struct Fire<'r> {
    id: &'r str,
    at_ms: i64,
    month: Month,
    kind: &'static str,
    property: &'r str,
    deliberate: Option<bool>,
    point: Option<(f64, f64)>,
    uprn: &'r str,
    ward: &'r str,
}

/// Read a fire-irs extract.
pub fn parse_irs(ctx: &FileContext<'_>, bytes: &[u8]) -> Result<ParsedFile> {
    parse_with(ctx, bytes, |record| {
        expect_fields(record, &FIRE_IRS_HEADER)?;
        let f = utf8_fields(record, &FIRE_IRS_HEADER)?;
        let (at_ms, month) = minute_time(f[1], "call_datetime")?;
        let kind = fire_type(f[2].trim(), "incident_type")?;
        let deliberate = match f[3].trim().to_lowercase().as_str() {
            "deliberate" => Some(true),
            "accidental" => Some(false),
            "not known" | "" => None,
            other => {
                return Err(Rejection::field(
                    RejectReason::UnknownCategory,
                    "motive",
                    format!("motive '{other}' is not deliberate, accidental or not known"),
                ));
            }
        };
        Ok(Fire {
            id: f[0].trim(),
            at_ms,
            month,
            kind,
            property: f[4].trim(),
            deliberate,
            point: bng(f[5], f[6])?,
            uprn: f[7],
            ward: f[8].trim(),
        })
    })
}

/// The LFB columns crimescope reads; a file with all of them is `fire-lfb`.
pub const LFB_COLUMNS: [&str; 12] = [
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
pub fn parse_lfb(ctx: &FileContext<'_>, header: &[String], bytes: &[u8]) -> Result<ParsedFile> {
    let col: Vec<usize> = LFB_COLUMNS
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
                .map_err(|_| Rejection::field(RejectReason::InvalidUtf8, LFB_COLUMNS[i], "field is not valid UTF-8"))
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

fn parse_with<'b>(
    ctx: &FileContext<'_>,
    bytes: &'b [u8],
    validate: impl for<'r> Fn(&'r csv::ByteRecord) -> Result<Fire<'r>, Rejection>,
) -> Result<ParsedFile> {
    let mut incidents = ctx.writer("incidents", INCIDENT_FIELDS, incidents_schema());
    let mut census = IdCensus::default();
    let arson = ctx.harm.weight("Criminal damage and arson").unwrap_or(0.0);
    let mut records = Records::new(bytes);
    records.next_record();
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let fire = match validate(rec.fields) {
            Ok(f) => f,
            Err(rejection) => return Ok(Fate::Rejected(rejection)),
        };
        let version = if fire.id.is_empty() {
            1
        } else {
            match census.classify(first_field(rec.raw, fire.id.as_bytes()), rec.raw) {
                IdClass::Duplicate => return Ok(Fate::Duplicate),
                IdClass::Load { version, .. } => version,
            }
        };
        counts.no_location += u64::from(fire.point.is_none());
        let incident_id = match (fire.id.is_empty(), version) {
            (true, _) => format!("{}:{}:{}", ctx.profile, ctx.name, rec.line),
            (false, 1) => format!("{}:{}", ctx.profile, fire.id),
            (false, v) => format!("{}:{}#{v}", ctx.profile, fire.id),
        };
        let (lon, lat) = to_wgs84(fire.point);
        let place = location_key(fire.uprn, fire.point);
        incidents.push(
            &format!("source=fire/month={}", fire.month),
            &Incident {
                source: "fire",
                dataset: ctx.profile,
                incident_id: &incident_id,
                record_id: fire.id,
                month: fire.month.to_date32(),
                occurred_at: Some(fire.at_ms),
                time_precision: "minute",
                category: fire.kind,
                subcategory: fire.property,
                harm_weight: if fire.deliberate == Some(true) { arson } else { 0.0 },
                longitude: lon,
                latitude: lat,
                easting: fire.point.map(|p| p.0),
                northing: fire.point.map(|p| p.1),
                location_key: place.as_deref().unwrap_or(""),
                ward_code: fire.ward,
                deliberate: fire.deliberate,
                duplicate_id: version > 1,
                source_file: ctx.name,
                source_line: rec.line,
                ..Incident::default()
            }
            .values(),
        )?;
        Ok(Fate::Loaded)
    })?;
    let mut outputs = incidents.finish()?;
    outputs.extend(reject_files);
    Ok(ParsedFile { counts, outputs })
}

fn fire_type(text: &str, field: &'static str) -> Result<&'static str, Rejection> {
    let wanted = text.to_lowercase();
    FIRE_TYPES.into_iter().find(|t| *t == wanted).ok_or_else(|| {
        Rejection::field(
            RejectReason::UnknownCategory,
            field,
            format!("{field} '{text}' is not primary fire, secondary fire, false alarm or special service"),
        )
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
