//! data.police.uk outcomes files (`YYYY-MM-<force>-outcomes.csv`). Columns are found
//! by name ([`Layout`]): `Crime ID`, `Month` and `Outcome type` are required, the others
//! may be absent, as in older layouts without LSOA columns.
//!
//! Each row is one outcome event for a Crime ID. Rows go to `outcomes`; exact repeats
//! of a loaded row are dropped and counted. The engine's `incidents` view takes each
//! crime's latest outcome from this table.

use crimescope_model::Month;
use crimescope_model::schema::{OUTCOME_FIELDS, outcomes_schema};

use super::layout::Layout;
use crate::error::Result;
use crate::fields::lon_lat;
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::id_census::{IdCensus, IdClass, first_field};
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};
use crate::table_builder::Value;

/// The police.uk outcomes header (10 columns).
pub const HEADER: [&str; 10] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
];

/// The outcomes layout of a header, if it is one.
pub fn recognise(header: &[String]) -> Option<Layout<10>> {
    Layout::recognise(&HEADER, &["Crime ID", "Month", "Outcome type"], header)
}

/// Read an outcomes file into `outcomes` and `rejects`.
pub fn parse(ctx: &FileContext<'_>, header: &[String], bytes: &[u8]) -> Result<ParsedFile> {
    let default: Vec<String> = HEADER.iter().map(|c| c.to_string()).collect();
    let Some(layout) = recognise(header).or_else(|| recognise(&default)) else {
        unreachable!("the current outcomes header is recognised")
    };
    let id_column = layout.index("Crime ID").unwrap_or(0);
    let mut census = IdCensus::with_capacity(bytes.len() / 200);
    let mut months = crate::store::writer::MonthPartitions::default();
    let mut outcomes = ctx.writer("outcomes", OUTCOME_FIELDS, outcomes_schema());
    let mut records = Records::new(bytes);
    records.next_record();
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, counts| {
        let (fields, month, point) = match validate(&layout, rec.fields) {
            Ok(v) => v,
            Err(rejection) => return Ok(Fate::Rejected(rejection)),
        };
        if census.classify(first_field(rec.raw, &rec.fields[id_column]), rec.raw) == IdClass::Duplicate {
            return Ok(Fate::Duplicate);
        }
        counts.no_location += u64::from(point.is_none());
        let index = months.index_named(&mut outcomes, (), month, || format!("month={month}"));
        outcomes.push_at(
            index,
            &[
                Value::Str(fields[0].trim()),
                Value::Date(month.to_date32()),
                Value::text(fields[2]),
                Value::text(fields[3]),
                Value::opt_f64(point.map(|p| p.0)),
                Value::opt_f64(point.map(|p| p.1)),
                Value::text(fields[6]),
                Value::text(fields[7]),
                Value::text(fields[8]),
                Value::Str(fields[9].trim()),
                Value::Str(ctx.name),
                Value::U64(rec.line),
            ],
        )?;
        Ok(Fate::Loaded)
    })?;
    let mut outputs = outcomes.finish()?;
    outputs.extend(reject_files);
    Ok(ParsedFile { counts, outputs })
}

type OutcomeRow<'r> = ([&'r str; 10], Month, Option<(f64, f64)>);

fn validate<'r>(layout: &Layout<10>, record: crate::records::Fields<'r>) -> Result<OutcomeRow<'r>, Rejection> {
    let fields = layout.row(record)?;
    if fields[0].trim().is_empty() {
        return Err(Rejection::field(
            RejectReason::MissingId,
            "Crime ID",
            "Crime ID is empty; an outcome must name its crime",
        ));
    }
    let month = Month::parse_bytes(fields[1].trim().as_bytes()).ok_or_else(|| {
        Rejection::field(
            RejectReason::BadMonth,
            "Month",
            format!("Month '{}' is not YYYY-MM", fields[1]),
        )
    })?;
    if fields[9].trim().is_empty() {
        return Err(Rejection::field(
            RejectReason::UnknownCategory,
            "Outcome type",
            "Outcome type is empty",
        ));
    }
    let point = lon_lat(fields[4], fields[5], "Longitude", "Latitude")?;
    Ok((fields, month, point))
}
