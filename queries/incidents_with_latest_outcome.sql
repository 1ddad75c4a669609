-- The `incidents` view when outcomes files are loaded: every incident, with `outcome`
-- replaced by the crime's latest outcome from `outcomes` (latest by outcome month, ties
-- broken by file and line), or the street file's "Last outcome category" otherwise.
-- `latest_of` is `last_value(outcome_type ORDER BY month, source_file, source_line)`
-- as a grouped accumulator (crates/engine/src/latest_of.rs says why).
-- Columns are in canonical order; a test checks the view's schema equals `incidents`.
WITH latest AS (
    SELECT crime_id,
           latest_of(outcome_type, month, source_file, source_line) AS outcome_type
    FROM outcomes
    GROUP BY crime_id
)
SELECT i.source, i.dataset, i.incident_id, i.record_id, i.month, i.occurred_at, i.time_precision,
       i.category, i.subcategory, i.ho_offence_code, i.harm_weight, i.longitude, i.latitude,
       i.easting, i.northing, i.location_key, i.location_text, i.lsoa_code, i.lsoa_name,
       i.ward_code, i.force, i.reported_by,
       arrow_cast(COALESCE(CAST(latest.outcome_type AS VARCHAR), CAST(i.outcome AS VARCHAR)),
                  'Dictionary(Int32, Utf8)') AS outcome,
       i.context, i.domestic, i.deliberate, i.duplicate_id, i.source_file, i.source_line
FROM incidents_base AS i
LEFT JOIN latest ON i.record_id = latest.crime_id
