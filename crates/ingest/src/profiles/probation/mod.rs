//! The probation profiles (docs/formats.md): `probation-cohort` fills `offenders` and
//! `probation-reoffences` fills `reoffences`, with CRNs pseudonymised.

pub(crate) mod cohort;
pub(crate) mod reoffences;

use crimescope_model::PoliceUkCrimeType;

use crate::pseudonym::PseudonymKey;
use crate::reject::{RejectReason, Rejection};

/// A police.uk crime type, or none when the field is empty.
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

/// The pseudonymised key of a CRN.
fn crn(f: &str, key: &PseudonymKey) -> Result<String, Rejection> {
    key.person_key(f)
        .ok_or_else(|| Rejection::field(RejectReason::MissingId, "crn", "crn is empty"))
}
