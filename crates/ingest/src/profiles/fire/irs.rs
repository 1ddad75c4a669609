//! `fire-irs`: a fire service IRS extract (docs/formats.md).

use super::{Fire, fire_type, parse_with};
use crate::error::Result;
use crate::fields::{bng, expect_fields, minute_time, utf8_fields};
use crate::file_context::{FileContext, ParsedFile};
use crate::reject::{RejectReason, Rejection};

/// The fire-irs header (docs/formats.md).
pub const HEADER: [&str; 9] = [
    "incident_id",
    "call_datetime",
    "incident_type",
    "motive",
    "property_type",
    "easting",
    "northing",
    "uprn",
    "ward_code",
];

/// Read a fire-irs extract.
pub fn parse(ctx: &FileContext<'_>, bytes: &[u8]) -> Result<ParsedFile> {
    parse_with(ctx, bytes, |record| {
        expect_fields(record, &HEADER)?;
        let f = utf8_fields(record, &HEADER)?;
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
