//! `probation-reoffences`: proven re-offences into `reoffences` (docs/formats.md).

use crimescope_model::schema::{REOFFENCE_FIELDS, reoffences_schema};

use super::{crime_type, crn};
use crate::error::Result;
use crate::fields::{date_days, expect_fields, utf8_fields};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::pseudonym::PseudonymKey;
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};
use crate::table_builder::Value;

/// The probation-reoffences header (docs/formats.md).
pub const HEADER: [&str; 4] = ["crn", "offence_date", "conviction_date", "offence_category"];

/// Read probation re-offences into `reoffences`.
pub fn parse(ctx: &FileContext<'_>, key: &PseudonymKey, bytes: &[u8]) -> Result<ParsedFile> {
    let mut out = ctx.writer("reoffences", REOFFENCE_FIELDS, reoffences_schema());
    let mut records = Records::new(bytes);
    records.next_record();
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, _| {
        let validated = (|| {
            expect_fields(rec.fields, &HEADER)?;
            let f = utf8_fields(rec.fields, &HEADER)?;
            let (offence, conviction) = (date_days(f[1], "offence_date")?, date_days(f[2], "conviction_date")?);
            if conviction < offence {
                return Err(Rejection::field(
                    RejectReason::BadDate,
                    "conviction_date",
                    "conviction_date is before offence_date",
                ));
            }
            Ok((
                crn(f[0], key)?,
                offence,
                conviction,
                crime_type(f[3], "offence_category")?,
            ))
        })();
        let (offender, offence, conviction, category) = match validated {
            Ok(v) => v,
            Err(rejection) => {
                return Ok(Fate::RejectedMasked {
                    rejection,
                    id_columns: std::borrow::Cow::Borrowed(&[0]),
                    expected_fields: 4,
                });
            }
        };
        // Two identical re-offence rows are two offences on the same day; both are kept.
        out.push(
            "",
            &[
                Value::Str(&offender),
                Value::Date(offence),
                Value::Date(conviction),
                category.map_or(Value::Null, Value::Str),
                Value::Str(ctx.name),
                Value::U64(rec.line),
            ],
        )?;
        Ok(Fate::Loaded)
    })?;
    let mut outputs = out.finish()?;
    outputs.extend(reject_files);
    Ok(ParsedFile { counts, outputs })
}
