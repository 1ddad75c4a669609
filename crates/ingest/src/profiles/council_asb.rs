//! The `council-asb` profile: a council ASB case log (docs/formats.md). Cases become
//! source `asb` incidents with the ASB category as `category` and the type as
//! `subcategory`; victims and perpetrators become pseudonymised `parties`.

use crimescope_model::schema::{PARTY_FIELDS, parties_schema};

use crate::error::Result;
use crate::fields::{bng, expect_fields, minute_time, utf8_fields};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::id_census::{IdCensus, IdClass, first_field};
use crate::incident::{Incident, push_party};
use crate::local_time::LocalZone;
use crate::location::{location_key, place_bng};
use crate::pseudonym::PseudonymKey;
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};

/// The council-asb header (docs/formats.md).
pub const HEADER: [&str; 10] = [
    "case_ref",
    "reported_at",
    "asb_category",
    "asb_type",
    "easting",
    "northing",
    "uprn",
    "location",
    "victim_id",
    "perpetrator_id",
];

const VICTIM: usize = 8;
const PERPETRATOR: usize = 9;
/// The Home Office ASB categories.
pub const ASB_CATEGORIES: [&str; 3] = ["personal", "nuisance", "environmental"];

/// Read a council ASB case log into `incidents`, `parties` and `rejects`.
pub fn parse(ctx: &FileContext<'_>, key: &PseudonymKey, bytes: &[u8]) -> Result<ParsedFile> {
    let mut incidents = ctx.incidents_writer();
    let mut partitions = crate::store::writer::MonthPartitions::default();
    let mut parties = ctx.writer("parties", PARTY_FIELDS, parties_schema());
    let mut census = IdCensus::default();
    let harm = ctx.harm.weight("Anti-social behaviour").unwrap_or(0.0);
    let mut records = Records::new(bytes);
    records.next_record();
    let prefix = ctx.id_prefix(ctx.profile);
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let (f, at_ms, month, category, point) = match validate(rec.fields) {
            Ok(row) => row,
            Err(rejection) => {
                return Ok(Fate::RejectedMasked {
                    rejection,
                    id_columns: std::borrow::Cow::Borrowed(&[VICTIM, PERPETRATOR]),
                    expected_fields: 10,
                });
            }
        };
        let version = match census.classify(first_field(rec.raw, &rec.fields[0]), rec.raw) {
            IdClass::Duplicate => return Ok(Fate::Duplicate),
            IdClass::Load { version, .. } => version,
        };
        let case_ref = f[0].trim();
        let incident_id = format!("{prefix}:{case_ref}");
        if version == 1 {
            let at = place_bng(point, counts);
            let place = location_key(f[6], at.point);
            let partition = partitions.index(&mut incidents, "asb", month);
            incidents.push_at(
                partition,
                &Incident {
                    source: "asb",
                    dataset: ctx.profile,
                    incident_id: &incident_id,
                    record_id: case_ref,
                    month: month.to_date32(),
                    occurred_at: Some(LocalZone::LONDON.to_utc_counted(at_ms, counts)),
                    time_precision: "minute",
                    category,
                    subcategory: f[3].trim(),
                    harm_weight: harm,
                    longitude: at.longitude,
                    latitude: at.latitude,
                    easting: at.point.map(|p| p.0),
                    northing: at.point.map(|p| p.1),
                    location_key: place.as_deref().unwrap_or(""),
                    location_text: f[7].trim(),
                    source_file: ctx.name,
                    source_line: rec.line,
                    ..Incident::default()
                }
                .values(),
            )?;
        }
        for (column, role) in [(VICTIM, "victim"), (PERPETRATOR, "perpetrator")] {
            if let Some(person) = key.person_key(f[column]) {
                push_party(&mut parties, &incident_id, role, &person, ctx.name, rec.line)?;
            }
        }
        Ok(Fate::Loaded)
    })?;
    let mut outputs = incidents.finish()?;
    outputs.extend(parties.finish()?);
    outputs.extend(reject_files);
    Ok(ParsedFile { counts, outputs })
}

type AsbRow<'r> = (
    [&'r str; 10],
    i64,
    crimescope_model::Month,
    &'static str,
    Option<(f64, f64)>,
);

fn validate(record: crate::records::Fields<'_>) -> Result<AsbRow<'_>, Rejection> {
    expect_fields(record, &HEADER)?;
    let f = utf8_fields(record, &HEADER)?;
    if f[0].trim().is_empty() {
        return Err(Rejection::field(
            RejectReason::MissingId,
            "case_ref",
            "case_ref is empty",
        ));
    }
    let (at_ms, month) = minute_time(f[1], "reported_at")?;
    let wanted = f[2].trim().to_lowercase();
    let category = ASB_CATEGORIES.into_iter().find(|c| *c == wanted).ok_or_else(|| {
        Rejection::field(
            RejectReason::UnknownCategory,
            "asb_category",
            format!(
                "asb_category '{}' is not personal, nuisance or environmental",
                f[2].trim()
            ),
        )
    })?;
    let point = bng(f[4], f[5])?;
    Ok((f, at_ms, month, category, point))
}
