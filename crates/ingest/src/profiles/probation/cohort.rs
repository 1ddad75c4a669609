//! `probation-cohort`: a probation cohort into `offenders` (docs/formats.md).

use crimescope_model::schema::{OFFENDER_FIELDS, offenders_schema};

use super::{crime_type, crn};
use crate::error::Result;
use crate::fields::{date_days, expect_fields, utf8_fields, yes_no};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::id_census::{IdCensus, IdClass, first_field};
use crate::pseudonym::PseudonymKey;
use crate::records::Records;
use crate::reject::Rejection;
use crate::table_builder::Value;

/// The probation-cohort header (docs/formats.md).
pub const HEADER: [&str; 6] = ["crn", "cohort_start", "index_offence", "sentence_type", "tier", "iom"];

/// Read a probation cohort into `offenders`.
pub fn parse(ctx: &FileContext<'_>, key: &PseudonymKey, bytes: &[u8]) -> Result<ParsedFile> {
    let mut out = ctx.writer("offenders", OFFENDER_FIELDS, offenders_schema());
    let mut census = IdCensus::default();
    let mut records = Records::new(bytes);
    records.next_record();
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, _| {
        let validated = (|| {
            expect_fields(rec.fields, &HEADER)?;
            let f = utf8_fields(rec.fields, &HEADER)?;
            Ok::<_, Rejection>((
                crn(f[0], key)?,
                date_days(f[1], "cohort_start")?,
                crime_type(f[2], "index_offence")?,
                f,
                yes_no(f[5], "iom")?,
            ))
        })();
        let (offender, start, offence, f, iom) = match validated {
            Ok(v) => v,
            Err(rejection) => {
                return Ok(Fate::RejectedMasked {
                    rejection,
                    id_columns: std::borrow::Cow::Borrowed(&[0]),
                    expected_fields: 6,
                });
            }
        };
        if census.classify(first_field(rec.raw, &rec.fields[0]), rec.raw) == IdClass::Duplicate {
            return Ok(Fate::Duplicate);
        }
        out.push(
            "",
            &[
                Value::Str(&offender),
                Value::Date(start),
                offence.map_or(Value::Null, Value::Str),
                Value::text(f[3].trim()),
                Value::text(f[4].trim()),
                Value::opt_bool(iom),
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
