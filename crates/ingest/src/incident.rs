//! One `incidents` row by field name, so that each profile fills only the fields its
//! source has and the column order lives in one place.

use crate::table_builder::Value;
use crimescope_model::stored::STORED_INCIDENT_FIELDS;

/// An `incidents` row. Text fields left empty are stored as null; see
/// [`crimescope_model::schema::INCIDENT_FIELDS`] for what each field means.
#[derive(Debug, Clone, Default)]
pub struct Incident<'a> {
    /// police, asb or fire.
    pub source: &'a str,
    /// The profile or mapping name.
    pub dataset: &'a str,
    /// Unique, stable id. Left empty where it is `dataset:record_id` with a non-empty
    /// `record_id`, which the store implies (`crimescope_model::stored`), so that a
    /// profile need not build the text only for it to be dropped.
    pub incident_id: &'a str,
    /// The id in the source.
    pub record_id: &'a str,
    /// First day of the month (`date32`).
    pub month: i32,
    /// When it occurred (ms), where known.
    pub occurred_at: Option<i64>,
    /// month, day or minute.
    pub time_precision: &'a str,
    /// Canonical category.
    pub category: &'a str,
    /// Finer type.
    pub subcategory: &'a str,
    /// Home Office offence code.
    pub ho_offence_code: &'a str,
    /// Harm weight.
    pub harm_weight: f64,
    /// WGS84 longitude.
    pub longitude: Option<f64>,
    /// WGS84 latitude.
    pub latitude: Option<f64>,
    /// Grid easting (m).
    pub easting: Option<f64>,
    /// Grid northing (m).
    pub northing: Option<f64>,
    /// Place key.
    pub location_key: &'a str,
    /// Location as published.
    pub location_text: &'a str,
    /// LSOA code.
    pub lsoa_code: &'a str,
    /// LSOA name.
    pub lsoa_name: &'a str,
    /// Ward code.
    pub ward_code: &'a str,
    /// Force area.
    pub force: &'a str,
    /// Reporting force.
    pub reported_by: &'a str,
    /// Last outcome.
    pub outcome: &'a str,
    /// police.uk Context.
    pub context: &'a str,
    /// Domestic-abuse flag.
    pub domestic: Option<bool>,
    /// Deliberate-fire flag.
    pub deliberate: Option<bool>,
    /// Id repeated with different content.
    pub duplicate_id: bool,
    /// Lineage: file.
    pub source_file: &'a str,
    /// Lineage: line.
    pub source_line: u64,
}

impl Incident<'_> {
    /// Whether the store implies the row's `incident_id` from `dataset` and `record_id`:
    /// it is left empty, or spelled out as `dataset:record_id`, with a `record_id`.
    fn implies_incident_id(&self) -> bool {
        !self.record_id.is_empty()
            && (self.incident_id.is_empty()
                || crimescope_model::stored::implies_incident_id(self.dataset, self.record_id, self.incident_id))
    }

    /// The row's values as the store keeps them: in canonical column order, then
    /// `record_id_bytes` ([`crimescope_model::stored::STORED_INCIDENT_FIELDS`]).
    pub fn values(&self) -> [Value<'_>; STORED_INCIDENT_FIELDS.len()] {
        // Each id is stored only where the row does not imply it (`crimescope_model::stored`).
        let as_bytes = crimescope_model::stored::record_id_bytes(self.record_id).is_some();
        [
            Value::Str(self.source),
            Value::Str(self.dataset),
            if self.implies_incident_id() {
                Value::Null
            } else {
                Value::Str(self.incident_id)
            },
            if as_bytes {
                Value::Null
            } else {
                Value::text(self.record_id)
            },
            Value::Date(self.month),
            self.occurred_at.map_or(Value::Null, Value::TimestampMs),
            Value::Str(self.time_precision),
            Value::Str(self.category),
            Value::text(self.subcategory),
            Value::text(self.ho_offence_code),
            Value::F64(self.harm_weight),
            Value::opt_f64(self.longitude),
            Value::opt_f64(self.latitude),
            Value::opt_f64(self.easting),
            Value::opt_f64(self.northing),
            Value::text(self.location_key),
            Value::text(self.location_text),
            Value::text(self.lsoa_code),
            Value::text(self.lsoa_name),
            Value::text(self.ward_code),
            Value::text(self.force),
            Value::text(self.reported_by),
            Value::text(self.outcome),
            Value::text(self.context),
            Value::opt_bool(self.domestic),
            Value::opt_bool(self.deliberate),
            Value::Bool(self.duplicate_id),
            Value::Str(self.source_file),
            Value::U64(self.source_line),
            if as_bytes {
                Value::Hex32(self.record_id)
            } else {
                Value::Null
            },
        ]
    }
}

/// The (incident, role, person key) links a file has written, so that a person named
/// again on a later row of the same incident is linked once.
pub(crate) type PartyLinks = std::collections::HashSet<(String, &'static str, String), foldhash::fast::FixedState>;

/// Append a `parties` row linking a pseudonymised person to an incident.
pub fn push_party(
    parties: &mut crate::store::writer::PartitionedWriter,
    incident_id: &str,
    role: &str,
    person_key: &str,
    file: &str,
    line: u64,
) -> crate::Result<()> {
    parties.push(
        "",
        &[
            Value::Str(incident_id),
            Value::Str(role),
            Value::Str(person_key),
            Value::Str(file),
            Value::U64(line),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crimescope_model::schema::{INCIDENT_FIELDS, PARTY_FIELDS};

    #[test]
    fn one_value_per_stored_field() {
        assert_eq!(Incident::default().values().len(), INCIDENT_FIELDS.len() + 1);
        assert_eq!(PARTY_FIELDS.len(), 5);
    }

    #[test]
    fn an_incident_id_left_empty_or_spelled_out_is_implied_only_with_a_record_id() {
        // The stored `incident_id`: None for null.
        let stored = |incident_id: &str, record_id: &str| {
            let row = Incident {
                dataset: "police-uk-street",
                incident_id,
                record_id,
                ..Incident::default()
            };
            match row.values()[2] {
                Value::Null => None,
                Value::Str(text) => Some(text.to_string()),
                other => panic!("incident_id stored as {other:?}"),
            }
        };
        assert_eq!(stored("", "abc"), None);
        assert_eq!(stored("police-uk-street:abc", "abc"), None);
        assert_eq!(
            stored("police-uk-street:abc#2", "abc").as_deref(),
            Some("police-uk-street:abc#2")
        );
        // Without a record id nothing implies it: kept as given.
        assert_eq!(stored("", "").as_deref(), Some(""));
        assert_eq!(
            stored("police-uk-street:a.csv:7", "").as_deref(),
            Some("police-uk-street:a.csv:7")
        );
    }

    #[test]
    fn a_hex_record_id_is_stored_as_bytes_and_any_other_as_text() {
        let crime_id = "00ff".repeat(16);
        let row = Incident {
            dataset: "police-uk-street",
            record_id: &crime_id,
            incident_id: "police-uk-street:x#2",
            ..Incident::default()
        };
        let values = row.values();
        assert!(matches!(values[3], Value::Null));
        assert!(matches!(values[2], Value::Str("police-uk-street:x#2")));
        assert!(matches!(values[INCIDENT_FIELDS.len()], Value::Hex32(d) if d == crime_id));
        let other = Incident {
            record_id: "FS-2024-17",
            ..Incident::default()
        };
        let values = other.values();
        assert!(matches!(values[3], Value::Str("FS-2024-17")));
        assert!(matches!(values[INCIDENT_FIELDS.len()], Value::Null));
    }
}
