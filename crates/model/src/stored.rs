//! The form in which the store holds `incidents`, where it differs from the canonical
//! schema that queries see ([`crate::schema::incidents_schema`]).
//!
//! **`incident_id` is stored only where the rest of the row does not imply it.** For
//! nearly every incident it is `dataset:record_id` (for police.uk street files, every
//! row with a Crime ID), and stored in full it held each 64-character Crime ID a second
//! time: 404 MB of a national year's 969 MB of `incidents` column data, written twice (the
//! per-input files and the commit's concatenated copy), hashed twice and synced. So a
//! row whose `incident_id` is exactly `dataset:record_id` stores it as null, and
//! readers derive it with [`INCIDENT_ID_SQL`]. An id the row does not imply (`#n`
//! versions of a repeated id, `dataset:file:line` for rows without an id) is stored as
//! it is. Stores written before manifest version 3 hold every id in full, which the same
//! expression reads unchanged.
//!
//! An outside reader of the Parquet files (DuckDB, polars) derives the id the same way:
//! `COALESCE(incident_id, dataset || ':' || record_id)`.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{Field, Schema, SchemaRef};

use crate::schema::{DESCRIPTION_KEY, incidents_schema};

/// The SQL that gives the canonical `incident_id` from a stored `incidents` row, for a
/// view's select list. The final `''` is never reached (a row stores a null id only
/// when it has a `dataset` and a `record_id`); it tells the planner the column is never
/// null, as the canonical schema says.
pub const INCIDENT_ID_SQL: &str = "COALESCE(incident_id, dataset || ':' || record_id, '')";

/// Whether a row's `incident_id` is implied by its `dataset` and `record_id`, so the
/// store keeps it as null: exactly `dataset:record_id`, with a non-empty `record_id`.
pub fn implies_incident_id(dataset: &str, record_id: &str, incident_id: &str) -> bool {
    !record_id.is_empty()
        && incident_id.len() == dataset.len() + 1 + record_id.len()
        && incident_id.starts_with(dataset)
        && incident_id.as_bytes()[dataset.len()] == b':'
        && incident_id.ends_with(record_id)
}

/// The canonical `incident_id` of one stored row: what [`INCIDENT_ID_SQL`] gives, for
/// code that reads the Parquet files itself.
pub fn incident_id_of(stored: Option<&str>, dataset: &str, record_id: Option<&str>) -> String {
    match (stored, record_id) {
        (Some(id), _) => id.to_string(),
        (None, Some(record_id)) => format!("{dataset}:{record_id}"),
        (None, None) => String::new(),
    }
}

/// The schema of the stored `incidents` files: the canonical one, with `incident_id`
/// nullable and described as stored (see the module docs).
pub fn stored_incidents_schema() -> SchemaRef {
    let canonical = incidents_schema();
    let fields: Vec<Field> = canonical
        .fields()
        .iter()
        .map(|f| {
            if f.name() != "incident_id" {
                return f.as_ref().clone();
            }
            let description = format!(
                "{}; stored as null where it is dataset:record_id (read it as COALESCE(incident_id, dataset || ':' || record_id))",
                f.metadata().get(DESCRIPTION_KEY).map_or("", String::as_str)
            );
            f.as_ref()
                .clone()
                .with_nullable(true)
                .with_metadata(HashMap::from([(DESCRIPTION_KEY.to_string(), description)]))
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, canonical.metadata().clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_exact_dataset_colon_record_id_is_implied() {
        let crime_id = "a3f9c0d1e2b4c5d6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0";
        let id = format!("police-uk-street:{crime_id}");
        assert!(implies_incident_id("police-uk-street", crime_id, &id));
        // A version of a repeated id, a file-and-line id and near misses are stored.
        assert!(!implies_incident_id("police-uk-street", crime_id, &format!("{id}#2")));
        assert!(!implies_incident_id("police-uk-street", "", "police-uk-street:a.csv:7"));
        assert!(!implies_incident_id("police-uk-street", "", "police-uk-street:"));
        assert!(!implies_incident_id("police-uk-street", "x", "police-uk-streetXx"));
        assert!(!implies_incident_id("fire", "12", "fire-irs:12"));
        assert!(!implies_incident_id("fire", "12", "fire:13"));
        assert!(!implies_incident_id("fire", "12", "fire:012"));
        // Multi-byte text is compared as bytes, never split inside a character.
        assert!(implies_incident_id("asb-é", "ü1", "asb-é:ü1"));
        assert!(!implies_incident_id("asb-é", "ü1", "asb-éxü1"));
    }

    #[test]
    fn a_stored_id_is_read_as_it_is_and_an_implied_one_is_rebuilt() {
        let (dataset, record_id) = ("police-uk-street", "q2");
        let full = format!("{dataset}:{record_id}");
        assert!(implies_incident_id(dataset, record_id, &full));
        assert_eq!(incident_id_of(None, dataset, Some(record_id)), full);
        assert_eq!(
            incident_id_of(Some("police-uk-street:q2#2"), dataset, Some(record_id)),
            "police-uk-street:q2#2"
        );
        assert_eq!(
            incident_id_of(Some("police-uk-street:a.csv:7"), dataset, None),
            "police-uk-street:a.csv:7"
        );
    }

    #[test]
    fn the_stored_schema_differs_only_in_the_id_being_nullable() {
        let (stored, canonical) = (stored_incidents_schema(), incidents_schema());
        assert_eq!(stored.fields().len(), canonical.fields().len());
        for (s, c) in stored.fields().iter().zip(canonical.fields()) {
            assert_eq!((s.name(), s.data_type()), (c.name(), c.data_type()));
            if s.name() == "incident_id" {
                assert!(s.is_nullable() && !c.is_nullable());
                assert!(s.metadata()[DESCRIPTION_KEY].contains("COALESCE"));
            } else {
                assert_eq!(s.as_ref(), c.as_ref());
            }
        }
        assert_eq!(stored.metadata(), canonical.metadata());
    }
}
