//! data.police.uk street-level crime files (`YYYY-MM-<force>-street.csv`).
//!
//! Anti-social behaviour rows become source `asb`, every other crime type `police`.
//! Rows are validated (field count, UTF-8, month, coordinates, crime type); failures go
//! to `rejects`. Rows with a Crime ID that are exact copies of a loaded row are dropped
//! and counted; rows that share a Crime ID with different content are all kept and
//! flagged `duplicate_id`. Coordinates are projected to BNG with OSTN15.

use crimescope_model::schema::{INCIDENT_FIELDS, incidents_schema};
use crimescope_model::{Month, PoliceUkCrimeType};

use super::{IdCensus, IdClass};
use crate::error::Result;
use crate::fields::{expect_fields, lon_lat, utf8_fields};
use crate::file_context::{FileContext, ParsedFile, ProgressTicker, RejectSink};
use crate::profile::STREET_HEADER;
use crate::projection::{Projected, to_bng};
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};
use crate::store::FileCounts;
use crate::table_builder::Value;

const CRIME_ID: usize = 0;

/// Read a street file into `incidents` and `rejects`.
pub fn parse(ctx: &FileContext<'_>, bytes: &[u8]) -> Result<ParsedFile> {
    let mut census = IdCensus::default();
    let mut records = Records::new(bytes);
    records.next_record(); // header, checked by the caller
    while let Some(rec) = records.next_record() {
        let id = &rec.fields.get(CRIME_ID).unwrap_or_default();
        if rec.fields.len() == STREET_HEADER.len() && !id.is_empty() {
            census.observe(id, rec.fields);
        }
    }

    let mut incidents = ctx.writer("incidents", INCIDENT_FIELDS, incidents_schema());
    let mut rejects = RejectSink::new(ctx);
    let mut counts = FileCounts::default();
    let mut partitions = PartitionNames::default();
    let mut ticker = ProgressTicker::new();
    let mut records = Records::new(bytes);
    records.next_record();
    while let Some(rec) = records.next_record() {
        counts.rows_read += 1;
        ticker.tick(ctx.progress, rec.end);
        let row = match validate(rec.fields) {
            Ok(row) => row,
            Err(rejection) => {
                rejects.reject(ctx, rec.line, rec.raw, &rejection)?;
                continue;
            }
        };
        let (incident_id, flagged) = if row.crime_id.is_empty() {
            (format!("{}:{}:{}", ctx.profile, ctx.name, rec.line), false)
        } else {
            match census.classify(row.crime_id.as_bytes(), rec.fields) {
                IdClass::Duplicate => {
                    counts.duplicates_dropped += 1;
                    continue;
                }
                IdClass::Load { version: 1, flagged } => (format!("{}:{}", ctx.profile, row.crime_id), flagged),
                IdClass::Load { version, flagged } => (format!("{}:{}#{version}", ctx.profile, row.crime_id), flagged),
            }
        };
        counts.rows_loaded += 1;
        counts.duplicate_ids_flagged += u64::from(flagged);
        let (easting, northing) = match row.lon_lat {
            None => {
                counts.no_location += 1;
                (None, None)
            }
            Some((lon, lat)) => match to_bng(lon, lat) {
                Projected::Bng { easting, northing } => (Some(easting), Some(northing)),
                Projected::OutsideGreatBritain => {
                    counts.outside_gb += 1;
                    (None, None)
                }
            },
        };
        let location_key = row
            .lon_lat
            .map(|_| format!("{},{}", row.fields[4].trim(), row.fields[5].trim()));
        let source = row.crime_type.source();
        let harm = ctx.harm.weight(row.crime_type.name()).unwrap_or(0.0);
        let f = &row.fields;
        incidents.push(
            partitions.name(source.name(), row.month),
            &[
                Value::Str(source.name()),
                Value::Str(ctx.profile),
                Value::Str(&incident_id),
                Value::text(row.crime_id),
                Value::Date(row.month.to_date32()),
                Value::Null,
                Value::Str("month"),
                Value::Str(row.crime_type.name()),
                Value::Null,
                Value::Null,
                Value::F64(harm),
                Value::opt_f64(row.lon_lat.map(|p| p.0)),
                Value::opt_f64(row.lon_lat.map(|p| p.1)),
                Value::opt_f64(easting),
                Value::opt_f64(northing),
                location_key.as_deref().map_or(Value::Null, Value::Str),
                Value::text(f[6]),
                Value::text(f[7]),
                Value::text(f[8]),
                Value::Null,
                Value::text(f[3]),
                Value::text(f[2]),
                Value::text(f[10]),
                Value::text(f[11]),
                Value::Null,
                Value::Null,
                Value::Bool(flagged),
                Value::Str(ctx.name),
                Value::U64(rec.line),
            ],
        )?;
    }
    ticker.done(ctx.progress, bytes.len() as u64);
    counts.rows_rejected = rejects.count;
    let mut outputs = incidents.finish()?;
    outputs.extend(rejects.finish()?);
    Ok(ParsedFile { counts, outputs })
}

struct StreetRow<'r> {
    fields: Vec<&'r str>,
    crime_id: &'r str,
    month: Month,
    crime_type: PoliceUkCrimeType,
    lon_lat: Option<(f64, f64)>,
}

fn validate(record: &csv::ByteRecord) -> Result<StreetRow<'_>, Rejection> {
    expect_fields(record, &STREET_HEADER)?;
    let fields = utf8_fields(record, &STREET_HEADER)?;
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

/// Caches partition names such as `source=police/month=2024-01`.
#[derive(Default)]
struct PartitionNames {
    cache: Vec<(&'static str, Month, String)>,
}

impl PartitionNames {
    fn name(&mut self, source: &'static str, month: Month) -> &str {
        let i = match self.cache.iter().position(|(s, m, _)| *s == source && *m == month) {
            Some(i) => i,
            None => {
                self.cache
                    .push((source, month, format!("source={source}/month={month}")));
                self.cache.len() - 1
            }
        };
        &self.cache[i].2
    }
}
