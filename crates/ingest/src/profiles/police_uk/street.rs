//! data.police.uk street-level crime files (`YYYY-MM-<force>-street.csv`).
//!
//! Anti-social behaviour rows become source `asb`, every other crime type `police`.
//! Rows are validated (field count, UTF-8, month, coordinates, crime type); failures go
//! to `rejects`. Rows with a Crime ID that are exact copies of a loaded row are dropped
//! and counted; rows that share a Crime ID with different content are all kept and
//! flagged `duplicate_id`. Coordinates are projected to BNG with OSTN15.

use crimescope_model::schema::{INCIDENT_FIELDS, incidents_schema};
use crimescope_model::{Month, PoliceUkCrimeType, Source};

use std::fmt::Write;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch};

use crate::error::{IngestError, Result};
use crate::fields::{expect_fields, lon_lat, utf8_fields};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::id_census::{IdCensus, IdClass, first_field};
use crate::incident::Incident;
use crate::location::locate;
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};

/// The police.uk street-level crime header (12 columns).
pub const HEADER: [&str; 12] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
];

const CRIME_ID: usize = 0;

/// Read a street file into `incidents` and `rejects`, in one pass.
///
/// Rows are held per partition until the file is read, because whether a Crime ID is
/// flagged (`duplicate_id`) depends on rows further down the file; memory is bounded by
/// one file's rows.
pub fn parse(ctx: &FileContext<'_>, bytes: &[u8]) -> Result<ParsedFile> {
    let mut census = IdCensus::default();
    let mut incidents = ctx
        .writer("incidents", INCIDENT_FIELDS, incidents_schema())
        .hold_until_finish();
    let mut partitions: Vec<(Source, Month, usize)> = Vec::new();
    // Per writer partition, the id group of each row (NO_GROUP for rows without an id).
    let mut row_groups: Vec<Vec<u32>> = Vec::new();
    let mut incident_id = String::new();
    let mut location_key = String::new();
    let mut records = Records::new(bytes);
    records.next_record(); // header, checked by the caller
    let (mut counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let row = match validate(rec.fields) {
            Ok(row) => row,
            Err(rejection) => return Ok(Fate::Rejected(rejection)),
        };
        incident_id.clear();
        let group = if row.crime_id.is_empty() {
            let _ = write!(incident_id, "{}:{}:{}", ctx.profile, ctx.name, rec.line);
            NO_GROUP
        } else {
            match census.classify(first_field(rec.raw, &rec.fields[CRIME_ID]), rec.raw) {
                IdClass::Duplicate => return Ok(Fate::Duplicate),
                IdClass::Load { group, version } => {
                    let _ = write!(incident_id, "{}:{}", ctx.profile, row.crime_id);
                    if version > 1 {
                        let _ = write!(incident_id, "#{version}");
                    }
                    group
                }
            }
        };
        let (easting, northing) = locate(row.lon_lat, counts);
        location_key.clear();
        if row.lon_lat.is_some() {
            let _ = write!(location_key, "{},{}", row.fields[4].trim(), row.fields[5].trim());
        }
        let source = row.crime_type.source();
        let index = match partitions.iter().find(|(s, m, _)| *s == source && *m == row.month) {
            Some(&(_, _, index)) => index,
            None => {
                let index = incidents.partition(&format!("source={source}/month={}", row.month));
                partitions.push((source, row.month, index));
                if row_groups.len() <= index {
                    row_groups.resize_with(index + 1, Vec::new);
                }
                index
            }
        };
        row_groups[index].push(group);
        let harm = ctx.harm.weight(row.crime_type.name()).unwrap_or(0.0);
        let f = &row.fields;
        incidents.push_at(
            index,
            &Incident {
                source: source.name(),
                dataset: ctx.profile,
                incident_id: &incident_id,
                record_id: row.crime_id,
                month: row.month.to_date32(),
                time_precision: "month",
                category: row.crime_type.name(),
                harm_weight: harm,
                longitude: row.lon_lat.map(|p| p.0),
                latitude: row.lon_lat.map(|p| p.1),
                easting,
                northing,
                location_key: &location_key,
                location_text: f[6],
                lsoa_code: f[7],
                lsoa_name: f[8],
                force: f[3],
                reported_by: f[2],
                outcome: f[10],
                context: f[11],
                duplicate_id: false, // set once the whole file is read
                source_file: ctx.name,
                source_line: rec.line,
                ..Incident::default()
            }
            .values(),
        )?;
        Ok(Fate::Loaded)
    })?;
    let flagged = |group: &u32| *group != NO_GROUP && census.distinct(*group) > 1;
    counts.duplicate_ids_flagged = row_groups.iter().flatten().filter(|g| flagged(g)).count() as u64;
    let mut outputs = incidents.finish_with(&mut |index, batch| {
        let flags: BooleanArray = row_groups[index].iter().map(|g| Some(flagged(g))).collect();
        replace_column(batch, DUPLICATE_ID, Arc::new(flags))
    })?;
    outputs.extend(reject_files);
    Ok(ParsedFile { counts, outputs })
}

const NO_GROUP: u32 = u32::MAX;
const DUPLICATE_ID: &str = "duplicate_id";

fn replace_column(batch: RecordBatch, name: &str, column: ArrayRef) -> Result<RecordBatch> {
    let schema = batch.schema();
    let mut columns = batch.columns().to_vec();
    if let Ok(i) = schema.index_of(name) {
        columns[i] = column;
    }
    RecordBatch::try_new(schema, columns).map_err(|e| IngestError::Arrow {
        file: name.to_string(),
        message: e.to_string(),
    })
}

struct StreetRow<'r> {
    fields: [&'r str; 12],
    crime_id: &'r str,
    month: Month,
    crime_type: PoliceUkCrimeType,
    lon_lat: Option<(f64, f64)>,
}

fn validate(record: &csv::ByteRecord) -> Result<StreetRow<'_>, Rejection> {
    expect_fields(record, &HEADER)?;
    let fields = utf8_fields(record, &HEADER)?;
    let month = Month::parse_bytes(fields[1].trim().as_bytes()).ok_or_else(|| {
        Rejection::field(
            RejectReason::BadMonth,
            "Month",
            format!("Month '{}' is not YYYY-MM", fields[1]),
        )
    })?;
    let type_text = fields[9].trim();
    let crime_type = PoliceUkCrimeType::from_exact_name(type_text)
        .or_else(|| PoliceUkCrimeType::lookup(type_text).ok())
        .ok_or_else(|| {
            Rejection::field(
                RejectReason::UnknownCategory,
                "Crime type",
                format!("Crime type '{type_text}' is not one of the 14 police.uk crime types"),
            )
        })?;
    let lon_lat = lon_lat(fields[4], fields[5], "Longitude", "Latitude")?;
    Ok(StreetRow {
        crime_id: fields[CRIME_ID].trim(),
        fields,
        month,
        crime_type,
        lon_lat,
    })
}
