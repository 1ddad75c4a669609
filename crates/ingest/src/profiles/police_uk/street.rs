//! data.police.uk street-level crime files (`YYYY-MM-<force>-street.csv`), in every
//! layout since December 2010 (docs/formats.md): the columns are found by name
//! ([`Layout`]), so the first layout's British National Grid `Easting`/`Northing`, files
//! without a Crime ID or LSOA, and the current 12-column files are read by one parser.
//!
//! Anti-social behaviour rows become source `asb`, every other crime type `police`.
//! Crime types retired in May 2013 ("Violent crime", "Public disorder and weapons") are
//! kept as published, with their successor's harm weight ([`RetiredCrimeType`]).
//! Easting/Northing are stored exactly as given and projected to WGS84 (OSTN15 inverse)
//! for longitude/latitude. Rows without a Crime ID get `incident_id` from file and line.
//! Rows are validated (field count, UTF-8, month, coordinates, crime type); failures go
//! to `rejects`. Rows with a Crime ID that are exact copies of a loaded row are dropped
//! and counted; rows that share a Crime ID with different content are all kept and
//! flagged `duplicate_id`. Coordinates are projected to BNG with OSTN15.

use crimescope_model::{Month, PoliceUkCrimeType, RetiredCrimeType, Source};

use std::fmt::Write;

use super::layout::Layout;
use crate::error::Result;
use crate::fields::{bng, lon_lat};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::id_census::{IdCensus, IdClass, VersionFlags, first_field};
use crate::incident::Incident;
use crate::location::{locate, location_key, place_bng};
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};
use crate::store::writer::MonthPartitions;

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

/// Every column a street layout may have: the current header, then the first layout's
/// British National Grid pair.
pub const KNOWN: [&str; 14] = [
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
    "Easting",
    "Northing",
];

const CRIME_ID: usize = 0;
const EASTING: usize = 12;
const NORTHING: usize = 13;

/// The street layout of a header: the columns are all known, and it has a month, a
/// crime type, the force, and one coordinate pair.
pub fn recognise(header: &[String]) -> Option<Layout<14>> {
    let layout = Layout::recognise(&KNOWN, &["Month", "Crime type", "Falls within"], header)?;
    let lon_lat = layout.has("Longitude") && layout.has("Latitude");
    let bng = layout.has("Easting") && layout.has("Northing");
    (lon_lat || bng).then_some(layout)
}

/// Read a street file into `incidents` and `rejects`, in one pass.
///
/// Rows are held per partition until the file is read, because whether a Crime ID is
/// flagged (`duplicate_id`) depends on rows further down the file; memory is bounded by
/// one file's rows.
pub fn parse(ctx: &FileContext<'_>, header: &[String], bytes: &[u8]) -> Result<ParsedFile> {
    let layout = recognise(header).unwrap_or_else(current_layout);
    let grid = !layout.has("Longitude");
    let crime_id_column = layout.index("Crime ID");
    let mut census = IdCensus::with_capacity(bytes.len() / 200);
    let mut incidents = ctx.incidents_writer().hold_until_finish();
    let mut partitions = MonthPartitions::default();
    let mut versions = VersionFlags::default();
    let mut harm_by_type: Vec<(StreetType, f64)> = Vec::new();
    let mut incident_id = String::new();
    let mut place_key = String::new();
    let mut records = Records::new(bytes);
    records.next_record(); // header, checked by the caller
    let (mut counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let row = match validate(&layout, grid, rec.fields) {
            Ok(row) => row,
            Err(rejection) => return Ok(Fate::Rejected(rejection)),
        };
        incident_id.clear();
        let group = if row.crime_id.is_empty() {
            let _ = write!(incident_id, "{}:{}:{}", ctx.profile, ctx.name, rec.line);
            None
        } else {
            let id_bytes = crime_id_column.and_then(|i| rec.fields.get(i)).unwrap_or_default();
            match census.classify(first_field(rec.raw, id_bytes), rec.raw) {
                IdClass::Duplicate => return Ok(Fate::Duplicate),
                IdClass::Load { group, version } => {
                    // The first version's id, `profile:crime_id`, is implied (left empty).
                    if version > 1 {
                        let _ = write!(incident_id, "{}:{}#{version}", ctx.profile, row.crime_id);
                    }
                    Some(group)
                }
            }
        };
        let (lon_lat, easting, northing) = match row.point {
            Point::LonLat(p) => {
                let (e, n) = locate(p, counts);
                (p, e, n)
            }
            Point::Bng(p) => {
                let at = place_bng(p, counts);
                (
                    at.longitude.zip(at.latitude),
                    at.point.map(|p| p.0),
                    at.point.map(|p| p.1),
                )
            }
        };
        place_key.clear();
        match row.point {
            Point::LonLat(Some(_)) => {
                place_key.push_str(row.fields[4].trim());
                place_key.push(',');
                place_key.push_str(row.fields[5].trim());
            }
            Point::Bng(Some(_)) => place_key.push_str(&location_key("", easting.zip(northing)).unwrap_or_default()),
            _ => {}
        }
        let source = row.crime_type.source();
        let index = partitions.index(&mut incidents, source, row.month);
        versions.push(index, group);
        // The table is keyed by name: look each type up once per file, not per row
        // (the lookup was 2% of a national ingest's CPU).
        let harm = match harm_by_type.iter().find(|(t, _)| *t == row.crime_type) {
            Some(&(_, weight)) => weight,
            None => {
                let weight = ctx
                    .harm
                    .weight(row.crime_type.name())
                    .or_else(|| ctx.harm.weight(row.crime_type.harm_name()))
                    .unwrap_or(0.0);
                harm_by_type.push((row.crime_type, weight));
                weight
            }
        };
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
                longitude: lon_lat.map(|p| p.0),
                latitude: lon_lat.map(|p| p.1),
                easting,
                northing,
                location_key: &place_key,
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
    counts.duplicate_ids_flagged = versions.count(&census);
    let mut outputs = incidents.finish_with(&mut |index, batch| versions.apply(&census, ctx.name, index, batch))?;
    outputs.extend(reject_files);
    Ok(ParsedFile { counts, outputs })
}

/// The current 12-column layout (the parser is only called with a recognised header;
/// this is the fallback for callers that give none, such as the bench).
fn current_layout() -> Layout<14> {
    let header: Vec<String> = HEADER.iter().map(|c| c.to_string()).collect();
    Layout::recognise(&KNOWN, &[], &header).unwrap_or_else(|| unreachable!("the current header is known"))
}

/// A street row's type: current, or retired in May 2013.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StreetType {
    Current(PoliceUkCrimeType),
    Retired(RetiredCrimeType),
}

impl StreetType {
    fn name(self) -> &'static str {
        match self {
            StreetType::Current(t) => t.name(),
            StreetType::Retired(t) => t.name,
        }
    }

    /// The category whose harm weight applies when the table has none for `name`.
    fn harm_name(self) -> &'static str {
        match self {
            StreetType::Current(t) => t.name(),
            StreetType::Retired(t) => t.harm_successor().name(),
        }
    }

    fn source(self) -> Source {
        match self {
            StreetType::Current(t) => t.source(),
            StreetType::Retired(_) => Source::Police,
        }
    }
}

#[derive(Clone, Copy)]
enum Point {
    LonLat(Option<(f64, f64)>),
    Bng(Option<(f64, f64)>),
}

struct StreetRow<'r> {
    fields: [&'r str; 14],
    crime_id: &'r str,
    month: Month,
    crime_type: StreetType,
    point: Point,
}

fn validate<'r>(
    layout: &Layout<14>,
    grid: bool,
    record: crate::records::Fields<'r>,
) -> Result<StreetRow<'r>, Rejection> {
    let fields = layout.row(record)?;
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
        .map(StreetType::Current)
        .or_else(|| RetiredCrimeType::lookup(type_text).map(StreetType::Retired))
        .ok_or_else(|| {
            Rejection::field(
                RejectReason::UnknownCategory,
                "Crime type",
                format!(
                    "Crime type '{type_text}' is not one of the 14 police.uk crime types or a type retired in May 2013"
                ),
            )
        })?;
    let point = if grid {
        Point::Bng(bng(fields[EASTING], fields[NORTHING]).map_err(|r| match r.field {
            Some("northing") => Rejection {
                field: Some("Northing"),
                ..r
            },
            _ => Rejection {
                field: Some("Easting"),
                ..r
            },
        })?)
    } else {
        Point::LonLat(lon_lat(fields[4], fields[5], "Longitude", "Latitude")?)
    };
    Ok(StreetRow {
        crime_id: fields[CRIME_ID].trim(),
        fields,
        month,
        crime_type,
        point,
    })
}
