//! data.police.uk stop-and-search files (`YYYY-MM-<force>-stop-and-search.csv`).
//! Columns are found by name ([`Layout`]): `Type`, `Date` and the coordinates are
//! required; the others may be absent, as in layouts before the policing-operation and
//! outcome-link columns were added.
//!
//! Rows go to `stop_search`, partitioned by month, with BNG coordinates where the
//! search location is published. Searches carry no id, so identical rows are kept (two
//! searches can share every published field).

use crimescope_model::Month;
use crimescope_model::schema::{STOP_SEARCH_FIELDS, stop_search_schema};

use super::force_from_file_name;
use super::layout::Layout;
use crate::error::Result;
use crate::fields::{boolean, iso_datetime_ms, lon_lat};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::location::locate;
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};
use crate::table_builder::Value;

/// The police.uk stop-and-search header (15 columns).
pub const HEADER: [&str; 15] = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
];

/// The stop-and-search layout of a header, if it is one.
pub fn recognise(header: &[String]) -> Option<Layout<15>> {
    Layout::recognise(&HEADER, &["Type", "Date", "Latitude", "Longitude"], header)
}

/// Read a stop-and-search file into `stop_search` and `rejects`.
pub fn parse(ctx: &FileContext<'_>, header: &[String], bytes: &[u8]) -> Result<ParsedFile> {
    let default: Vec<String> = HEADER.iter().map(|c| c.to_string()).collect();
    let Some(layout) = recognise(header).or_else(|| recognise(&default)) else {
        unreachable!("the current stop-and-search header is recognised")
    };
    let force = force_from_file_name(ctx.name);
    let mut searches = ctx.writer("stop_search", STOP_SEARCH_FIELDS, stop_search_schema());
    let mut records = Records::new(bytes);
    records.next_record();
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let row = match validate(&layout, rec.fields) {
            Ok(v) => v,
            Err(rejection) => return Ok(Fate::Rejected(rejection)),
        };
        let (easting, northing) = locate(row.point, counts);
        let f = &row.fields;
        searches.push(
            &format!("month={}", row.month),
            &[
                Value::Str(f[0].trim()),
                Value::TimestampMs(row.at_ms),
                Value::Date(row.month.to_date32()),
                Value::opt_bool(row.part_of_operation),
                Value::text(f[3]),
                Value::opt_f64(row.point.map(|p| p.0)),
                Value::opt_f64(row.point.map(|p| p.1)),
                Value::opt_f64(easting),
                Value::opt_f64(northing),
                Value::text(f[6]),
                Value::text(f[7]),
                Value::text(f[8]),
                Value::text(f[9]),
                Value::text(f[10]),
                Value::text(f[11]),
                Value::text(f[12]),
                Value::opt_bool(row.outcome_linked),
                Value::opt_bool(row.removal),
                force.map_or(Value::Null, Value::Str),
                Value::Str(ctx.name),
                Value::U64(rec.line),
            ],
        )?;
        Ok(Fate::Loaded)
    })?;
    let mut outputs = searches.finish()?;
    outputs.extend(reject_files);
    Ok(ParsedFile { counts, outputs })
}

struct SearchRow<'r> {
    fields: [&'r str; 15],
    at_ms: i64,
    month: Month,
    point: Option<(f64, f64)>,
    part_of_operation: Option<bool>,
    outcome_linked: Option<bool>,
    removal: Option<bool>,
}

fn validate<'r>(layout: &Layout<15>, record: crate::records::Fields<'r>) -> Result<SearchRow<'r>, Rejection> {
    let fields = layout.row(record)?;
    if fields[0].trim().is_empty() {
        return Err(Rejection::field(RejectReason::UnknownCategory, "Type", "Type is empty"));
    }
    let at_ms = iso_datetime_ms(fields[1]).ok_or_else(|| {
        Rejection::field(
            RejectReason::BadDate,
            "Date",
            format!("Date '{}' is not an ISO 8601 date-time", fields[1]),
        )
    })?;
    // The month is the local calendar month as written, before the UTC offset is
    // applied: a search at 00:30 on 1 July BST belongs to July.
    let month = Month::parse_bytes(fields[1].trim().as_bytes().get(..7).unwrap_or_default()).ok_or_else(|| {
        Rejection::field(
            RejectReason::BadDate,
            "Date",
            format!("Date '{}' is out of range", fields[1]),
        )
    })?;
    // Note the column order: police.uk puts Latitude before Longitude here.
    let point = lon_lat(fields[5], fields[4], "Longitude", "Latitude")?;
    Ok(SearchRow {
        at_ms,
        month,
        point,
        part_of_operation: boolean(fields[2], "Part of a policing operation")?,
        outcome_linked: boolean(fields[13], "Outcome linked to object of search")?,
        removal: boolean(fields[14], "Removal of more than just outer clothing")?,
        fields,
    })
}
