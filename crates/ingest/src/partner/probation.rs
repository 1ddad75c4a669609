//! The probation profiles (docs/formats.md): `probation-cohort` fills `offenders` and
//! `probation-reoffences` fills `reoffences`, with CRNs pseudonymised.

use crimescope_model::PoliceUkCrimeType;
use crimescope_model::schema::{OFFENDER_FIELDS, REOFFENCE_FIELDS, offenders_schema, reoffences_schema};

use super::{date_days, yes_no};
use crate::error::Result;
use crate::fields::{expect_fields, utf8_fields};
use crate::file_context::{Fate, FileContext, ParsedFile, read_rows};
use crate::police_uk::{IdCensus, IdClass, first_field};
use crate::profile::{PROBATION_COHORT_HEADER, PROBATION_REOFFENCES_HEADER};
use crate::pseudonym::PseudonymKey;
use crate::records::Records;
use crate::reject::{RejectReason, Rejection};
use crate::table_builder::Value;

fn crime_type(text: &str, field: &'static str) -> Result<Option<&'static str>, Rejection> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    PoliceUkCrimeType::lookup(t).map(|c| Some(c.name())).map_err(|_| {
        Rejection::field(
            RejectReason::UnknownCategory,
            field,
            format!("{field} '{t}' is not one of the 14 police.uk crime types"),
        )
    })
}

fn crn(f: &str, key: &PseudonymKey) -> Result<String, Rejection> {
    key.person_key(f)
        .ok_or_else(|| Rejection::field(RejectReason::MissingId, "crn", "crn is empty"))
}

/// Read a probation cohort into `offenders`.
pub fn parse_cohort(ctx: &FileContext<'_>, key: &PseudonymKey, bytes: &[u8]) -> Result<ParsedFile> {
    let mut out = ctx.writer("offenders", OFFENDER_FIELDS, offenders_schema());
    let mut census = IdCensus::default();
    let mut records = Records::new(bytes);
    records.next_record();
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, _| {
        let validated = (|| {
            expect_fields(rec.fields, &PROBATION_COHORT_HEADER)?;
            let f = utf8_fields(rec.fields, &PROBATION_COHORT_HEADER)?;
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
                    id_columns: &[0],
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

/// Read probation re-offences into `reoffences`.
pub fn parse_reoffences(ctx: &FileContext<'_>, key: &PseudonymKey, bytes: &[u8]) -> Result<ParsedFile> {
    let mut out = ctx.writer("reoffences", REOFFENCE_FIELDS, reoffences_schema());
    let mut records = Records::new(bytes);
    records.next_record();
    let (counts, reject_files) = read_rows(ctx, records, bytes.len() as u64, |rec, _| {
        let validated = (|| {
            expect_fields(rec.fields, &PROBATION_REOFFENCES_HEADER)?;
            let f = utf8_fields(rec.fields, &PROBATION_REOFFENCES_HEADER)?;
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
                    id_columns: &[0],
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
