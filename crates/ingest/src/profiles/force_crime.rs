//! The `force-crime` profile: a police records-system extract with one row per crime,
//! victim and offender (docs/formats.md). Each crime becomes one incident; its victims
//! and offenders become pseudonymised `parties`, so crime counts never double.
//!
//! Required: `crime_ref`, `committed_from`, `category`. Optional (empty is allowed):
//! `recorded_at`, `committed_to` (empty means the same as `committed_from`), the
//! coordinates (both or neither), `uprn`, `location`, the person ids, `domestic`
//! (empty is unknown) and `outcome`. A value that is present but wrong is a reject that
//! names the column. Times are Europe/London clock times, stored as UTC instants.

use crimescope_model::PoliceUkCrimeType;
use crimescope_model::schema::{PARTY_FIELDS, parties_schema};

use crate::error::Result;
use crate::fields::{bng, expect_fields, minute_time, utf8_fields, yes_no};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::id_census::{IdCensus, IdClass, first_field};
use crate::incident::{Incident, PartyLinks, push_party};
use crate::local_time::LocalZone;
use crate::location::{location_key, place_bng};
use crate::pseudonym::PseudonymKey;
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};

/// The force-crime header (docs/formats.md).
pub const HEADER: [&str; 15] = [
    "crime_ref",
    "recorded_at",
    "committed_from",
    "committed_to",
    "ho_offence_code",
    "offence_description",
    "category",
    "easting",
    "northing",
    "uprn",
    "location",
    "victim_id",
    "offender_id",
    "domestic",
    "outcome",
];

const VICTIM: usize = 11;
const OFFENDER: usize = 12;

/// Read a force-crime extract into `incidents`, `parties` and `rejects`.
pub fn parse(ctx: &FileContext<'_>, key: &PseudonymKey, bytes: &[u8]) -> Result<ParsedFile> {
    let mut incidents = ctx.incidents_writer();
    let mut partitions = crate::store::writer::MonthPartitions::default();
    let mut parties = ctx.writer("parties", PARTY_FIELDS, parties_schema());
    let mut census = IdCensus::default();
    let mut linked = PartyLinks::default();
    let mut records = Records::new(bytes);
    records.next_record();
    let prefix = ctx.id_prefix(ctx.profile);
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let row = match validate(rec.fields) {
            Ok(row) => row,
            Err(rejection) => {
                return Ok(Fate::RejectedMasked {
                    rejection,
                    id_columns: std::borrow::Cow::Borrowed(&[VICTIM, OFFENDER]),
                    expected_fields: 15,
                });
            }
        };
        let version = match census.classify(first_field(rec.raw, &rec.fields[0]), rec.raw) {
            IdClass::Duplicate => return Ok(Fate::Duplicate),
            IdClass::Load { version, .. } => version,
        };
        let f = &row.fields;
        let crime_ref = f[0].trim();
        let incident_id = format!("{prefix}:{crime_ref}");
        if version == 1 {
            // The first row of a crime carries the incident; later rows add people.
            let at = place_bng(row.point, counts);
            let place = location_key(f[9], at.point);
            let partition = partitions.index(&mut incidents, "police", row.month);
            incidents.push_at(
                partition,
                &Incident {
                    source: "police",
                    dataset: ctx.profile,
                    incident_id: &incident_id,
                    record_id: crime_ref,
                    month: row.month.to_date32(),
                    occurred_at: Some(LocalZone::LONDON.to_utc_counted(row.from_ms, counts)),
                    time_precision: "minute",
                    category: row.category.name(),
                    subcategory: f[5].trim(),
                    ho_offence_code: f[4].trim(),
                    harm_weight: ctx.harm.weight(row.category.name()).unwrap_or(0.0),
                    longitude: at.longitude,
                    latitude: at.latitude,
                    easting: at.point.map(|p| p.0),
                    northing: at.point.map(|p| p.1),
                    location_key: place.as_deref().unwrap_or(""),
                    location_text: f[10].trim(),
                    outcome: f[14].trim(),
                    domestic: row.domestic,
                    source_file: ctx.name,
                    source_line: rec.line,
                    ..Incident::default()
                }
                .values(),
            )?;
        }
        for (column, role) in [(VICTIM, "victim"), (OFFENDER, "offender")] {
            if let Some(person) = key.person_key(f[column])
                && linked.insert((crime_ref.to_string(), role, person.clone()))
            {
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

struct CrimeRow<'r> {
    fields: [&'r str; 15],
    from_ms: i64,
    month: crimescope_model::Month,
    category: PoliceUkCrimeType,
    point: Option<(f64, f64)>,
    domestic: Option<bool>,
}

fn validate(record: crate::records::Fields<'_>) -> Result<CrimeRow<'_>, Rejection> {
    expect_fields(record, &HEADER)?;
    let fields = utf8_fields(record, &HEADER)?;
    if fields[0].trim().is_empty() {
        return Err(Rejection::field(
            RejectReason::MissingId,
            "crime_ref",
            "crime_ref is empty",
        ));
    }
    // Optional: checked when present, unused otherwise.
    if !fields[1].trim().is_empty() {
        minute_time(fields[1], "recorded_at")?;
    }
    let (from_ms, month) = minute_time(fields[2], "committed_from")?;
    // Optional: empty when the time is exact (the same as committed_from).
    if !fields[3].trim().is_empty() {
        let (to_ms, _) = minute_time(fields[3], "committed_to")?;
        if to_ms < from_ms {
            return Err(Rejection::field(
                RejectReason::BadDate,
                "committed_to",
                format!(
                    "committed_to '{}' is before committed_from '{}'",
                    fields[3].trim(),
                    fields[2].trim()
                ),
            ));
        }
    }
    let category = PoliceUkCrimeType::lookup(fields[6].trim()).map_err(|_| {
        Rejection::field(
            RejectReason::UnknownCategory,
            "category",
            format!(
                "category '{}' is not one of the 14 police.uk crime types",
                fields[6].trim()
            ),
        )
    })?;
    let point = bng(fields[7], fields[8])?;
    let domestic = yes_no(fields[13], "domestic")?;
    Ok(CrimeRow {
        fields,
        from_ms,
        month,
        category,
        point,
        domestic,
    })
}
