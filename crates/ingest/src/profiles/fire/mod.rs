//! Fire incidents: the `fire-irs` extract (docs/formats.md) and the London Fire
//! Brigade's published incident format (`fire-lfb`). Rows become source `fire`
//! incidents, with the fire type as `category`, the property as `subcategory`, and the
//! `deliberate` flag where the source says.
//!
//! Harm: a deliberate fire carries the weight of "Criminal damage and arson"; other
//! fire incidents carry 0 (they are not crimes).
//!
//! Call times are Europe/London clock times, stored as UTC instants
//! ([`crate::local_time`]); the month is the local calendar month as written.

pub(crate) mod irs;
pub(crate) mod lfb;

use crimescope_model::Month;

use crate::error::Result;
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::id_census::{IdCensus, IdClass, VersionFlags, first_field};
use crate::incident::Incident;
use crate::local_time::LocalZone;
use crate::location::{location_key, place_bng};
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};

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

/// The fire incident types.
pub const FIRE_TYPES: [&str; 4] = ["primary fire", "secondary fire", "false alarm", "special service"];

fn parse_with<'b>(
    ctx: &FileContext<'_>,
    bytes: &'b [u8],
    validate: impl for<'r> Fn(crate::records::Fields<'r>) -> Result<Fire<'r>, Rejection>,
) -> Result<ParsedFile> {
    // Held until the file is read: every row of an id loaded in more than one version is
    // flagged `duplicate_id`, which depends on rows further down (`VersionFlags`).
    let mut incidents = ctx.incidents_writer().hold_until_finish();
    let mut partitions = crate::store::writer::MonthPartitions::default();
    let mut versions = VersionFlags::default();
    let mut census = IdCensus::with_capacity(bytes.len() / 200);
    let arson = ctx.harm.weight("Criminal damage and arson").unwrap_or(0.0);
    let mut records = Records::new(bytes);
    records.next_record();
    let prefix = ctx.id_prefix(ctx.profile);
    let (mut counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let fire = match validate(rec.fields) {
            Ok(f) => f,
            Err(rejection) => return Ok(Fate::Rejected(rejection)),
        };
        let (version, group) = if fire.id.is_empty() {
            (1, None)
        } else {
            match census.classify(first_field(rec.raw, fire.id.as_bytes()), rec.raw) {
                IdClass::Duplicate => return Ok(Fate::Duplicate),
                IdClass::Load { version, group } => (version, Some(group)),
            }
        };
        counts.no_location += u64::from(fire.point.is_none());
        let incident_id = match (fire.id.is_empty(), version) {
            (true, _) => format!("{}:{}:{}", ctx.profile, ctx.name, rec.line),
            (false, 1) => format!("{prefix}:{}", fire.id),
            (false, v) => format!("{prefix}:{}#{v}", fire.id),
        };
        let at = place_bng(fire.point, counts);
        let place = location_key(fire.uprn, at.point);
        let partition = partitions.index(&mut incidents, "fire", fire.month);
        versions.push(partition, group);
        incidents.push_at(
            partition,
            &Incident {
                source: "fire",
                dataset: ctx.profile,
                incident_id: &incident_id,
                record_id: fire.id,
                month: fire.month.to_date32(),
                occurred_at: Some(LocalZone::LONDON.to_utc_counted(fire.at_ms, counts)),
                time_precision: "minute",
                category: fire.kind,
                subcategory: fire.property,
                harm_weight: if fire.deliberate == Some(true) { arson } else { 0.0 },
                longitude: at.longitude,
                latitude: at.latitude,
                easting: at.point.map(|p| p.0),
                northing: at.point.map(|p| p.1),
                location_key: place.as_deref().unwrap_or(""),
                ward_code: fire.ward,
                deliberate: fire.deliberate,
                duplicate_id: false, // set once the whole file is read
                source_file: ctx.name,
                source_line: rec.line,
                ..Incident::default()
            }
            .values(),
        )?;
        Ok(Fate::Loaded)
    })?;
    counts.duplicate_ids_flagged = versions.count(&census);
    let mut outputs = incidents.finish_with(&mut |index, batch| versions.apply(&census, ctx.name, index, batch))?;
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
