//! The real London Fire Brigade sample (fixtures/fire, from the London Datastore).

mod common;

use common::*;

#[test]
fn the_real_lfb_sample_loads_as_fire_with_types_places_and_counts_from_the_csv() {
    let path = fixtures().join("fire/LFB_Incident_data_sample.csv");
    let raw = naive_csv(&std::fs::read_to_string(&path).unwrap());
    let header = &raw[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows = &raw[1..];
    assert_eq!(rows.len(), 20);

    let store = tempfile::tempdir().unwrap();
    let report = ingest_ok(store.path(), &[path]);
    assert_eq!(report.files[0].profile, "fire-lfb");
    assert_eq!(
        (
            report.totals.rows_read,
            report.totals.rows_loaded,
            report.totals.rows_rejected
        ),
        (20, 20, 0)
    );

    let incidents = read_table(store.path(), "incidents");
    let sources = strings(&incidents, "source");
    assert!(sources.iter().all(|s| s.as_deref() == Some("fire")));
    let ids = record_ids(&incidents);
    let categories = strings(&incidents, "category");
    let east = floats(&incidents, "easting");
    let keys = strings(&incidents, "location_key");
    for row in rows {
        let i = ids
            .iter()
            .position(|id| id.as_deref() == Some(row[col("IncidentNumber")].as_str()))
            .unwrap();
        let expected = match row[col("StopCodeDescription")].as_str() {
            "Primary Fire" => "primary fire",
            "Secondary Fire" => "secondary fire",
            "Special Service" => "special service",
            _ => "false alarm",
        };
        assert_eq!(categories[i].as_deref(), Some(expected));
        // Exact coordinates where published, else the rounded ones (dwellings).
        let exact = &row[col("Easting_m")];
        let want: f64 = if exact.is_empty() {
            row[col("Easting_rounded")].parse().unwrap()
        } else {
            exact.parse().unwrap()
        };
        assert_eq!(east[i], Some(want));
        let uprn = row[col("UPRN")].trim_end_matches(".0");
        if !uprn.is_empty() && uprn != "0" {
            assert_eq!(keys[i].as_deref(), Some(format!("uprn:{uprn}").as_str()));
        }
    }
    let dwellings = rows.iter().filter(|r| r[col("Easting_m")].is_empty()).count();
    assert!(dwellings > 0, "the sample has dwellings with rounded coordinates only");
}
