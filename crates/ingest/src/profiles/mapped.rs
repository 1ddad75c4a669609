//! Reading any CSV through a user's [`MappingProfile`] into `incidents` (and `parties`
//! when the profile maps person ids).
//!
//! With `[parties]` and a `record_id` column, the file may hold one row per crime and
//! person, as the force-crime profile does: the first row of a record id carries the
//! incident and later rows add their people to it, so the crime is counted once.

use std::borrow::Cow;
use std::fmt::Write as _;

use crimescope_model::HarmWeights;
use crimescope_model::schema::{PARTY_FIELDS, parties_schema};

use crate::error::{IngestError, Result};
use crate::fields::lon_lat;
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::id_census::{IdCensus, IdClass, VersionFlags};
use crate::incident::{Incident, PartyLinks, push_party};
use crate::location::{locate, location_key, place_bng};
use crate::mapping::{Grid, MappingProfile, parse_datetime};
use crate::pseudonym::PseudonymKey;
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};

/// Read a file with a mapping profile. `file` names it in errors; `key` pseudonymises
/// the `[parties]` columns and must be given when the profile has them.
pub fn parse(
    ctx: &FileContext<'_>,
    profile: &MappingProfile,
    key: Option<&PseudonymKey>,
    file: &str,
    bytes: &[u8],
) -> Result<ParsedFile> {
    let mut records = Records::with_delimiter(bytes, profile.delimiter_byte());
    let header: Vec<String> = match records.next_record() {
        Some(h) => h
            .fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect(),
        None => Vec::new(),
    };
    let find = |field: &str, column: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| IngestError::Profile {
                profile: file.to_string(),
                message: format!(
                    "column '{column}' (for `{field}`) is not in the file; its columns are: {}",
                    header.join(", ")
                ),
            })
    };
    let mut columns: Vec<(&str, Vec<usize>)> = Vec::new();
    for (field, spec) in &profile.columns {
        let indices = spec
            .names()
            .into_iter()
            .map(|c| find(field, c))
            .collect::<Result<Vec<_>>>()?;
        columns.push((field.as_str(), indices));
    }
    let mut people: Vec<(usize, &'static str)> = Vec::new();
    if let Some(parties) = &profile.parties {
        for (column, role) in parties.roles() {
            people.push((find(&format!("parties.{role}"), column)?, role));
        }
    }
    let key = match (people.is_empty(), key) {
        (true, _) => None,
        (false, Some(key)) => Some(key),
        (false, None) => {
            return Err(IngestError::NoKey {
                file: file.to_string(),
                profile: "mapped",
            });
        }
    };
    let id_columns: Vec<usize> = people.iter().map(|(i, _)| *i).collect();
    let separator = profile.parties.as_ref().and_then(|p| p.separator.as_deref());
    let zone = profile.zone().map_err(|message| IngestError::Profile {
        profile: profile.name.clone(),
        message,
    })?;
    let xy = match &profile.coordinates {
        Some(c) => Some((
            find("coordinates.x", &c.x)?,
            find("coordinates.y", &c.y)?,
            c.crs == "EPSG:4326",
        )),
        None => None,
    };
    let grid = profile.grid().map_err(|message| IngestError::Profile {
        profile: profile.name.clone(),
        message,
    })?;
    let source = profile.source.as_str();

    // An id's versions are separate incidents, flagged `duplicate_id`, when the profile
    // has ids and no person columns. Whether a row is flagged depends on rows further
    // down, so those files' rows are held until the file is read (as police.uk street
    // files' are); other files are written as they are read.
    let flags_versions = key.is_none() && profile.columns.contains_key("record_id");
    let mut incidents = ctx.incidents_writer();
    let mut partitions = crate::store::writer::MonthPartitions::default();
    if flags_versions {
        incidents = incidents.hold_until_finish();
    }
    let mut versions = VersionFlags::default();
    let mut parties = ctx.writer("parties", PARTY_FIELDS, parties_schema());
    let mut linked = PartyLinks::default();
    let mut census = IdCensus::default().with_delimiter(profile.delimiter_byte());
    let mut incident_id = String::new();
    let prefix = ctx.id_prefix(&profile.name);
    let (mut counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let row = match read_row(profile, &columns, &people, xy, grid, rec.fields, header.len()) {
            Ok(row) => row,
            Err(rejection) if id_columns.is_empty() => return Ok(Fate::Rejected(rejection)),
            Err(rejection) => {
                return Ok(Fate::RejectedMasked {
                    rejection,
                    id_columns: Cow::Owned(id_columns.clone()),
                    expected_fields: header.len(),
                });
            }
        };
        incident_id.clear();
        let mut first_row = true;
        // The row's id group, when its id's versions are separate incidents.
        let mut group = None;
        match row.get("record_id") {
            Some(id) if !id.is_empty() => match census.classify(Cow::Owned(id.as_bytes().to_vec()), rec.raw) {
                IdClass::Duplicate => return Ok(Fate::Duplicate),
                // One row per crime and person: later rows add people to the first.
                IdClass::Load { version, .. } if key.is_some() => {
                    let _ = write!(incident_id, "{prefix}:{id}");
                    first_row = version == 1;
                }
                IdClass::Load { group: g, version } => {
                    group = Some(g);
                    let _ = write!(incident_id, "{prefix}:{id}");
                    if version > 1 {
                        let _ = write!(incident_id, "#{version}");
                    }
                }
            },
            // Writing to a `String` cannot fail.
            _ => {
                let _ = write!(incident_id, "{}:{}:{}", profile.name, ctx.name, rec.line);
            }
        }
        if let Some(key) = key {
            for &(column, role) in &people {
                // UTF-8 checked by `read_row`.
                let cell = std::str::from_utf8(rec.fields.get(column).unwrap_or_default()).unwrap_or_default();
                let ids: Vec<&str> = match separator {
                    Some(sep) => cell.split(sep).collect(),
                    None => vec![cell],
                };
                for id in ids {
                    if let Some(person) = key.person_key(id)
                        && linked.insert((incident_id.clone(), role, person.clone()))
                    {
                        push_party(&mut parties, &incident_id, role, &person, ctx.name, rec.line)?;
                    }
                }
            }
        }
        if !first_row {
            return Ok(Fate::Loaded);
        }
        let occurred_ms = match row.occurred {
            Some(o) if o.has_time => Some(zone.to_utc_counted(o.ms, counts)),
            // A date without a time stays at midnight UTC: its day is what it says.
            Some(o) => Some(o.ms),
            None => None,
        };
        let (lon, lat, easting, northing) = match (row.point, grid) {
            (None, _) => {
                counts.no_location += 1;
                (None, None, None, None)
            }
            (Some(Point::LonLat(lon, lat)), Grid::BritishNationalGrid) => {
                let (e, n) = locate(Some((lon, lat)), counts);
                (Some(lon), Some(lat), e, n)
            }
            (Some(Point::LonLat(lon, lat)), Grid::Utm(_, tm)) => {
                let (e, n) = tm.forward(lon, lat);
                (
                    Some(lon),
                    Some(lat),
                    Some((e * 1000.0).round() / 1000.0),
                    Some((n * 1000.0).round() / 1000.0),
                )
            }
            (Some(Point::Bng(e, n)), _) => {
                let at = place_bng(Some((e, n)), counts);
                (at.longitude, at.latitude, at.point.map(|p| p.0), at.point.map(|p| p.1))
            }
        };
        let place = location_key(row.get("uprn").unwrap_or(""), easting.zip(northing));
        let category = row.category.as_str();
        let text = |field: &str| row.get(field).unwrap_or("");
        let partition = partitions.index(&mut incidents, source, row.month);
        if flags_versions {
            versions.push(partition, group);
        }
        incidents.push_at(
            partition,
            &Incident {
                source,
                dataset: &profile.name,
                incident_id: &incident_id,
                record_id: text("record_id"),
                month: row.month.to_date32(),
                occurred_at: occurred_ms,
                time_precision: row.precision,
                category,
                subcategory: text("subcategory"),
                ho_offence_code: text("ho_offence_code"),
                harm_weight: mapped_harm_weight(ctx.harm, source, category),
                longitude: lon,
                latitude: lat,
                easting,
                northing,
                location_key: place.as_deref().unwrap_or(""),
                location_text: text("location_text"),
                lsoa_code: text("lsoa_code"),
                lsoa_name: text("lsoa_name"),
                ward_code: text("ward_code"),
                force: text("force"),
                outcome: text("outcome"),
                source_file: ctx.name,
                source_line: rec.line,
                ..Incident::default()
            }
            .values(),
        )?;
        Ok(Fate::Loaded)
    })?;
    let mut outputs = if flags_versions {
        counts.duplicate_ids_flagged = versions.count(&census);
        incidents.finish_with(&mut |index, batch| versions.apply(&census, ctx.name, index, batch))?
    } else {
        incidents.finish()?
    };
    if key.is_some() {
        outputs.extend(parties.finish()?);
    }
    outputs.extend(reject_files);
    Ok(ParsedFile { counts, outputs })
}

/// The reject field of a person column: `parties.<role>`.
fn person_field(role: &str) -> &'static str {
    if role == "victim" {
        "parties.victim"
    } else {
        "parties.offender"
    }
}

/// A mapped row's harm weight: its category's in the harm table; else, for an `asb`
/// source, the weight of `Anti-social behaviour` (the weight the council-ASB profile
/// gives every ASB row, whatever its type); else 0, as the fire profiles give a fire not
/// known to be deliberate. police rows always have a weight: their categories are
/// police.uk's, which the table lists.
pub(crate) fn mapped_harm_weight(harm: &HarmWeights, source: &str, category: &str) -> f64 {
    harm.weight(category)
        .or_else(|| {
            (source == "asb")
                .then(|| harm.weight("Anti-social behaviour"))
                .flatten()
        })
        .unwrap_or(0.0)
}

#[derive(Clone, Copy)]
enum Point {
    LonLat(f64, f64),
    Bng(f64, f64),
}

struct MappedRow {
    values: Vec<(&'static str, String)>,
    month: crimescope_model::Month,
    occurred: Option<crate::mapping::Parsed>,
    precision: &'static str,
    category: String,
    point: Option<Point>,
}

impl MappedRow {
    fn get(&self, field: &str) -> Option<&str> {
        self.values.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_str())
    }
}

fn read_row(
    profile: &MappingProfile,
    columns: &[(&str, Vec<usize>)],
    people: &[(usize, &'static str)],
    xy: Option<(usize, usize, bool)>,
    grid: Grid,
    record: crate::records::Fields<'_>,
    width: usize,
) -> Result<MappedRow, Rejection> {
    if record.len() != width {
        return Err(Rejection::row(
            RejectReason::FieldCount,
            format!("expected {width} fields, found {}", record.len()),
        ));
    }
    let text = |i: usize, field: &'static str| -> Result<String, Rejection> {
        std::str::from_utf8(record.get(i).unwrap_or_default())
            .map(|s| s.trim().to_string())
            .map_err(|_| Rejection::field(RejectReason::InvalidUtf8, field, "field is not valid UTF-8"))
    };
    // Person ids are read after the row is placed: a cell that is not text would lose
    // its person link there, so the row is rejected here instead.
    for &(i, role) in people {
        if std::str::from_utf8(record.get(i).unwrap_or_default()).is_err() {
            return Err(Rejection::field(
                RejectReason::InvalidUtf8,
                person_field(role),
                format!("the {role} id is not valid UTF-8"),
            ));
        }
    }
    let mut values: Vec<(&'static str, String)> = Vec::new();
    for field in crate::mapping::MAPPABLE_FIELDS {
        if let Some((_, indices)) = columns.iter().find(|(f, _)| *f == field) {
            let mut joined = String::new();
            for &i in indices {
                let part = text(i, field)?;
                if !part.is_empty() {
                    if !joined.is_empty() {
                        joined.push(' ');
                    }
                    joined.push_str(&part);
                }
            }
            values.push((field, joined));
        } else if let Some(v) = profile.constants.get(field) {
            values.push((field, v.clone()));
        }
    }
    let value = |field: &str| values.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_str());
    let format_of = |field: &str, default: &'static str| profile.formats.get(field).map_or(default, String::as_str);
    let bad_date = |field: &'static str, v: &str, f: &str| {
        Rejection::field(
            RejectReason::BadDate,
            field,
            format!("{field} '{v}' does not match the format '{f}'"),
        )
    };
    let occurred = match value("occurred_at") {
        Some(v) if !v.is_empty() => {
            let f = format_of("occurred_at", "%Y-%m-%d %H:%M");
            Some(parse_datetime(v, f).ok_or_else(|| bad_date("occurred_at", v, f))?)
        }
        _ => None,
    };
    let month = match (value("month"), occurred) {
        (Some(v), _) if !v.is_empty() => {
            let f = format_of("month", "%Y-%m");
            parse_datetime(v, f).ok_or_else(|| bad_date("month", v, f))?.month
        }
        (_, Some(o)) => o.month,
        _ => {
            return Err(Rejection::field(
                RejectReason::BadMonth,
                "month",
                "no month or occurred_at in the row",
            ));
        }
    };
    let raw_category = value("category").unwrap_or("");
    let category = profile.category(raw_category).ok_or_else(|| {
        Rejection::field(
            RejectReason::UnknownCategory,
            "category",
            format!("category '{raw_category}' is not mapped to a canonical category"),
        )
    })?;
    let point = match xy {
        None => None,
        Some((xi, yi, true)) => lon_lat(&text(xi, "x")?, &text(yi, "y")?, "x", "y")?.map(|(x, y)| Point::LonLat(x, y)),
        Some((xi, yi, false)) => crate::fields::bng(&text(xi, "x")?, &text(yi, "y")?)?.map(|(e, n)| Point::Bng(e, n)),
    };
    let _ = grid;
    Ok(MappedRow {
        month,
        occurred,
        precision: match occurred {
            Some(o) if o.has_time => "minute",
            Some(_) => "day",
            None => "month",
        },
        category,
        point,
        values,
    })
}
