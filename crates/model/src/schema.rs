//! The canonical Arrow schemas: `incidents`, `rejects`, `outcomes` and `stop_search`.
//!
//! Each field is documented twice: in the table below each schema function and in the
//! field's Arrow metadata under the key `description`, so the documentation travels into
//! every Parquet file the store writes and can be read by DuckDB, polars or pandas.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// The metadata key that carries a field's description.
pub const DESCRIPTION_KEY: &str = "description";

/// A field's specification: name, type, nullability and meaning.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Column name.
    pub name: &'static str,
    /// Kind of Arrow type.
    pub kind: Kind,
    /// Whether the column may be null.
    pub nullable: bool,
    /// What the column means.
    pub description: &'static str,
}

/// The Arrow types used by the canonical tables and their stored forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Utf8`.
    Utf8,
    /// `Dictionary(Int32, Utf8)`: low-cardinality strings.
    Dict,
    /// `Date32`: days since 1970-01-01.
    Date32,
    /// `Timestamp(Millisecond, "UTC")`.
    TimestampMs,
    /// `Float64`.
    Float64,
    /// `UInt64`.
    UInt64,
    /// `Boolean`.
    Boolean,
    /// `FixedSizeBinary(32)`: 32 bytes, such as a SHA-256 digest.
    Bytes32,
}

impl Kind {
    /// The Arrow data type.
    pub fn data_type(self) -> DataType {
        match self {
            Kind::Utf8 => DataType::Utf8,
            Kind::Dict => DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            Kind::Date32 => DataType::Date32,
            Kind::TimestampMs => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            Kind::Float64 => DataType::Float64,
            Kind::UInt64 => DataType::UInt64,
            Kind::Boolean => DataType::Boolean,
            Kind::Bytes32 => DataType::FixedSizeBinary(32),
        }
    }
}

const fn f(name: &'static str, kind: Kind, nullable: bool, description: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        nullable,
        description,
    }
}

/// The fields of `incidents`, one row per incident from every source.
pub const INCIDENT_FIELDS: &[FieldSpec] = &[
    f("source", Kind::Dict, false, "partner source: police, asb or fire"),
    f(
        "dataset",
        Kind::Dict,
        false,
        "the profile that read the row, e.g. police-uk-street",
    ),
    f(
        "incident_id",
        Kind::Utf8,
        false,
        "unique, stable id: dataset:record_id (with #n when a source repeats an id with different content), or dataset:file:line when the source has no id",
    ),
    f(
        "record_id",
        Kind::Utf8,
        true,
        "the id in the source (police.uk Crime ID); null for police.uk ASB",
    ),
    f(
        "month",
        Kind::Date32,
        false,
        "first day of the month the incident occurred; always set",
    ),
    f(
        "occurred_at",
        Kind::TimestampMs,
        true,
        "when it occurred, where known to the day or minute: the source's local clock time, stored without a time-zone shift",
    ),
    f(
        "time_precision",
        Kind::Dict,
        false,
        "precision of the time: month, day or minute",
    ),
    f(
        "category",
        Kind::Dict,
        false,
        "canonical category: a police.uk crime type, ASB type or fire type",
    ),
    f(
        "subcategory",
        Kind::Dict,
        true,
        "finer type (Home Office offence, ASB type, fire type)",
    ),
    f(
        "ho_offence_code",
        Kind::Utf8,
        true,
        "Home Office offence code where the source gives one",
    ),
    f(
        "harm_weight",
        Kind::Float64,
        false,
        "harm weight of the category from the table named in the manifest",
    ),
    f(
        "longitude",
        Kind::Float64,
        true,
        "WGS84 longitude in degrees; null for No Location",
    ),
    f(
        "latitude",
        Kind::Float64,
        true,
        "WGS84 latitude in degrees; null for No Location",
    ),
    f(
        "easting",
        Kind::Float64,
        true,
        "British National Grid easting in metres (EPSG:27700, OSTN15); null outside Great Britain",
    ),
    f(
        "northing",
        Kind::Float64,
        true,
        "British National Grid northing in metres (EPSG:27700, OSTN15); null outside Great Britain",
    ),
    f(
        "location_key",
        Kind::Utf8,
        true,
        "a stable place: UPRN, or the police.uk snap point as 'lon,lat'",
    ),
    f(
        "location_text",
        Kind::Utf8,
        true,
        "the location as published, e.g. 'On or near Bishopsgate'",
    ),
    f(
        "lsoa_code",
        Kind::Utf8,
        true,
        "LSOA code as given (2011 or 2021 vintage) or assigned from boundaries",
    ),
    f("lsoa_name", Kind::Utf8, true, "LSOA name as given"),
    f(
        "ward_code",
        Kind::Utf8,
        true,
        "electoral ward code, given or assigned from boundaries",
    ),
    f(
        "force",
        Kind::Dict,
        true,
        "the police force area the incident falls within",
    ),
    f(
        "reported_by",
        Kind::Dict,
        true,
        "the force that reported it (police.uk 'Reported by')",
    ),
    f(
        "outcome",
        Kind::Dict,
        true,
        "the last outcome category; the latest from an outcomes file wins",
    ),
    f(
        "context",
        Kind::Utf8,
        true,
        "police.uk 'Context' as published (in practice always empty)",
    ),
    f(
        "domestic",
        Kind::Boolean,
        true,
        "domestic-abuse flag, from sources that carry it",
    ),
    f(
        "deliberate",
        Kind::Boolean,
        true,
        "deliberate-fire flag, from sources that carry it",
    ),
    f(
        "duplicate_id",
        Kind::Boolean,
        false,
        "true when the same record_id appears more than once in one file with different content; both rows are kept",
    ),
    f(
        "source_file",
        Kind::Dict,
        false,
        "lineage: the input file's name (zip entries as archive.zip!entry)",
    ),
    f(
        "source_line",
        Kind::UInt64,
        false,
        "lineage: the 1-based physical line in source_file where the row starts",
    ),
];

/// The fields of `rejects`: every input row that was not loaded, with why.
pub const REJECT_FIELDS: &[FieldSpec] = &[
    f("source_file", Kind::Dict, false, "the input file's name"),
    f(
        "source_line",
        Kind::UInt64,
        false,
        "the 1-based physical line where the rejected row starts",
    ),
    f("profile", Kind::Dict, false, "the profile that read the file"),
    f(
        "reason",
        Kind::Dict,
        false,
        "reason code: field_count, invalid_utf8, bad_month, bad_coordinate, coordinate_out_of_range, unknown_category, missing_id, bad_date, bad_boolean",
    ),
    f("field", Kind::Utf8, true, "the column that failed, where one did"),
    f("message", Kind::Utf8, false, "what is wrong, in words"),
    f(
        "raw_text",
        Kind::Utf8,
        false,
        "the raw row as read (invalid UTF-8 replaced by U+FFFD); in files with person identifiers the identifier fields are masked",
    ),
];

/// The fields of `outcomes`: police.uk outcomes files, one row per outcome event.
pub const OUTCOME_FIELDS: &[FieldSpec] = &[
    f(
        "crime_id",
        Kind::Utf8,
        false,
        "police.uk Crime ID; joins incidents.record_id",
    ),
    f(
        "month",
        Kind::Date32,
        false,
        "first day of the month the outcome was recorded",
    ),
    f("reported_by", Kind::Dict, true, "the force that reported it"),
    f("force", Kind::Dict, true, "the force area it falls within"),
    f(
        "longitude",
        Kind::Float64,
        true,
        "WGS84 longitude of the crime's snap point",
    ),
    f(
        "latitude",
        Kind::Float64,
        true,
        "WGS84 latitude of the crime's snap point",
    ),
    f("location_text", Kind::Utf8, true, "location as published"),
    f("lsoa_code", Kind::Utf8, true, "LSOA code as given"),
    f("lsoa_name", Kind::Utf8, true, "LSOA name as given"),
    f("outcome_type", Kind::Dict, false, "the outcome category"),
    f("source_file", Kind::Dict, false, "lineage: the input file's name"),
    f("source_line", Kind::UInt64, false, "lineage: the 1-based physical line"),
];

/// The fields of `stop_search`: police.uk stop-and-search files.
pub const STOP_SEARCH_FIELDS: &[FieldSpec] = &[
    f(
        "type",
        Kind::Dict,
        false,
        "Person search, Vehicle search, or Person and Vehicle search",
    ),
    f(
        "occurred_at",
        Kind::TimestampMs,
        false,
        "date and time of the search (UTC)",
    ),
    f("month", Kind::Date32, false, "first day of the month of the search"),
    f(
        "part_of_policing_operation",
        Kind::Boolean,
        true,
        "whether the search was part of a policing operation",
    ),
    f("policing_operation", Kind::Utf8, true, "the operation's name"),
    f(
        "longitude",
        Kind::Float64,
        true,
        "WGS84 longitude; null when not published",
    ),
    f(
        "latitude",
        Kind::Float64,
        true,
        "WGS84 latitude; null when not published",
    ),
    f(
        "easting",
        Kind::Float64,
        true,
        "BNG easting in metres (OSTN15); null outside Great Britain",
    ),
    f(
        "northing",
        Kind::Float64,
        true,
        "BNG northing in metres (OSTN15); null outside Great Britain",
    ),
    f("gender", Kind::Dict, true, "gender of the person searched"),
    f("age_range", Kind::Dict, true, "age range of the person searched"),
    f("self_defined_ethnicity", Kind::Dict, true, "self-defined ethnicity"),
    f(
        "officer_defined_ethnicity",
        Kind::Dict,
        true,
        "officer-defined ethnicity",
    ),
    f("legislation", Kind::Dict, true, "the power used"),
    f("object_of_search", Kind::Dict, true, "what was searched for"),
    f("outcome", Kind::Dict, true, "the outcome of the search"),
    f(
        "outcome_linked_to_object",
        Kind::Boolean,
        true,
        "whether the outcome was linked to the object of search",
    ),
    f(
        "removal_of_more_than_outer_clothing",
        Kind::Boolean,
        true,
        "whether more than outer clothing was removed",
    ),
    f(
        "force",
        Kind::Dict,
        true,
        "the force, from the file name (YYYY-MM-<force>-stop-and-search.csv)",
    ),
    f("source_file", Kind::Dict, false, "lineage: the input file's name"),
    f("source_line", Kind::UInt64, false, "lineage: the 1-based physical line"),
];

/// The fields of `parties`: the people linked to an incident. Person keys are keyed
/// hashes (HMAC-SHA256) of the source identifiers; raw identifiers are never stored.
pub const PARTY_FIELDS: &[FieldSpec] = &[
    f(
        "incident_id",
        Kind::Utf8,
        false,
        "the incident (joins incidents.incident_id)",
    ),
    f("role", Kind::Dict, false, "victim, offender or perpetrator"),
    f(
        "person_key",
        Kind::Utf8,
        false,
        "pseudonymised person key: the same identifier in any source gives the same key",
    ),
    f("source_file", Kind::Dict, false, "lineage: the input file's name"),
    f("source_line", Kind::UInt64, false, "lineage: the 1-based physical line"),
];

/// The fields of `offenders`: probation cohort membership.
pub const OFFENDER_FIELDS: &[FieldSpec] = &[
    f("offender_key", Kind::Utf8, false, "pseudonymised CRN"),
    f(
        "cohort_start",
        Kind::Date32,
        false,
        "the date the person entered the cohort",
    ),
    f(
        "index_offence",
        Kind::Dict,
        true,
        "the index offence, a police.uk crime type",
    ),
    f(
        "sentence_type",
        Kind::Dict,
        true,
        "custody, community order or suspended sentence",
    ),
    f("tier", Kind::Dict, true, "management tier A-D"),
    f(
        "iom",
        Kind::Boolean,
        true,
        "managed under Integrated Offender Management",
    ),
    f("source_file", Kind::Dict, false, "lineage: the input file's name"),
    f("source_line", Kind::UInt64, false, "lineage: the 1-based physical line"),
];

/// The fields of `reoffences`: proven re-offences of cohort members.
pub const REOFFENCE_FIELDS: &[FieldSpec] = &[
    f(
        "offender_key",
        Kind::Utf8,
        false,
        "pseudonymised CRN (joins offenders.offender_key)",
    ),
    f("offence_date", Kind::Date32, false, "when the offence was committed"),
    f("conviction_date", Kind::Date32, false, "when it was proven"),
    f(
        "category",
        Kind::Dict,
        true,
        "the offence category, a police.uk crime type",
    ),
    f("source_file", Kind::Dict, false, "lineage: the input file's name"),
    f("source_line", Kind::UInt64, false, "lineage: the 1-based physical line"),
];

/// The fields of `lsoa_lookup`: the ONS LSOA 2011 to 2021 (and local authority) lookup.
/// One 2011 LSOA may map to several 2021 LSOAs (splits) and the reverse (merges).
pub const LSOA_LOOKUP_FIELDS: &[FieldSpec] = &[
    f("lsoa11_code", Kind::Utf8, false, "LSOA 2011 code"),
    f("lsoa11_name", Kind::Utf8, true, "LSOA 2011 name"),
    f("lsoa21_code", Kind::Utf8, false, "LSOA 2021 code"),
    f("lsoa21_name", Kind::Utf8, true, "LSOA 2021 name"),
    f("lad_code", Kind::Utf8, true, "local authority district code (2022)"),
    f("lad_name", Kind::Utf8, true, "local authority district name (2022)"),
];

/// The `lsoa_lookup` schema; see [`LSOA_LOOKUP_FIELDS`].
pub fn lsoa_lookup_schema() -> SchemaRef {
    schema_of(LSOA_LOOKUP_FIELDS, "lsoa_lookup")
}

fn schema_of(fields: &[FieldSpec], table: &str) -> SchemaRef {
    let arrow_fields: Vec<Field> = fields
        .iter()
        .map(|s| {
            Field::new(s.name, s.kind.data_type(), s.nullable).with_metadata(HashMap::from([(
                DESCRIPTION_KEY.to_string(),
                s.description.to_string(),
            )]))
        })
        .collect();
    Arc::new(Schema::new_with_metadata(
        arrow_fields,
        HashMap::from([("crimescope.table".to_string(), table.to_string())]),
    ))
}

/// The `incidents` schema; see [`INCIDENT_FIELDS`] for each field.
pub fn incidents_schema() -> SchemaRef {
    schema_of(INCIDENT_FIELDS, "incidents")
}

/// The `rejects` schema; see [`REJECT_FIELDS`].
pub fn rejects_schema() -> SchemaRef {
    schema_of(REJECT_FIELDS, "rejects")
}

/// The `outcomes` schema; see [`OUTCOME_FIELDS`].
pub fn outcomes_schema() -> SchemaRef {
    schema_of(OUTCOME_FIELDS, "outcomes")
}

/// The `stop_search` schema; see [`STOP_SEARCH_FIELDS`].
pub fn stop_search_schema() -> SchemaRef {
    schema_of(STOP_SEARCH_FIELDS, "stop_search")
}

/// The `parties` schema; see [`PARTY_FIELDS`].
pub fn parties_schema() -> SchemaRef {
    schema_of(PARTY_FIELDS, "parties")
}

/// The `offenders` schema; see [`OFFENDER_FIELDS`].
pub fn offenders_schema() -> SchemaRef {
    schema_of(OFFENDER_FIELDS, "offenders")
}

/// The `reoffences` schema; see [`REOFFENCE_FIELDS`].
pub fn reoffences_schema() -> SchemaRef {
    schema_of(REOFFENCE_FIELDS, "reoffences")
}

/// The fields of `population`: residents by area, for rates per 1,000 residents.
pub const POPULATION_FIELDS: &[FieldSpec] = &[
    f("level", Kind::Dict, false, "the kind of area: lsoa, ward or csp"),
    f(
        "area_code",
        Kind::Utf8,
        false,
        "the area's ONS code, as in incidents.lsoa_code or ward_code",
    ),
    f(
        "area_name",
        Kind::Utf8,
        true,
        "the area's name, where the file gives one",
    ),
    f(
        "population",
        Kind::UInt64,
        false,
        "usual residents (e.g. ONS mid-year estimate)",
    ),
    f("source_file", Kind::Dict, false, "lineage: the input file's name"),
    f("source_line", Kind::UInt64, false, "lineage: the 1-based physical line"),
];

/// The `population` schema; see [`POPULATION_FIELDS`].
pub fn population_schema() -> SchemaRef {
    schema_of(POPULATION_FIELDS, "population")
}

/// The canonical tables by name, as the store and the SQL session know them.
pub const TABLES: [&str; 7] = [
    "incidents",
    "rejects",
    "outcomes",
    "stop_search",
    "parties",
    "offenders",
    "reoffences",
];

/// The schema of a canonical table by name.
pub fn schema_for(table: &str) -> Option<SchemaRef> {
    match table {
        "incidents" => Some(incidents_schema()),
        "rejects" => Some(rejects_schema()),
        "outcomes" => Some(outcomes_schema()),
        "stop_search" => Some(stop_search_schema()),
        "parties" => Some(parties_schema()),
        "offenders" => Some(offenders_schema()),
        "reoffences" => Some(reoffences_schema()),
        "lsoa_lookup" => Some(lsoa_lookup_schema()),
        "population" => Some(population_schema()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_documented_and_unique() {
        for table in TABLES {
            let schema = schema_for(table).unwrap();
            let mut names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            for field in schema.fields() {
                let d = field.metadata().get(DESCRIPTION_KEY).unwrap();
                assert!(d.len() > 10, "{table}.{} is undocumented", field.name());
            }
            let n = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), n, "{table} repeats a field");
        }
        assert!(incidents_schema().field_with_name("easting").unwrap().is_nullable());
        assert!(!incidents_schema().field_with_name("month").unwrap().is_nullable());
    }
}
