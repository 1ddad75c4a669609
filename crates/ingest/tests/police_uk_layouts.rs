//! Every police.uk layout since December 2010 (fixtures/police-uk/layouts): each file
//! loads whole, with counts by crime type equal to an independent count of the CSV
//! text; the first layout keeps its British National Grid coordinates exactly.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::*;
use crimescope_model::HarmWeights;

fn layouts() -> PathBuf {
    fixtures().join("police-uk/layouts")
}

/// Rows of a CSV file as header-keyed maps, read with the naive reader (not crimescope's).
fn file_rows(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let rows = naive_csv(&std::fs::read_to_string(path).unwrap());
    let header = rows[0].clone();
    rows[1..]
        .iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn tally<I: IntoIterator<Item = String>>(values: I) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for v in values {
        *out.entry(v).or_default() += 1;
    }
    out
}

#[test]
fn every_street_layout_loads_every_row_with_the_files_counts_by_type() {
    for (file, columns) in [
        ("2010-12-city-of-london-street.csv", 8),
        ("2011-09-city-of-london-street.csv", 8),
        ("2012-06-city-of-london-street.csv", 10),
        ("2013-03-city-of-london-street.csv", 12),
    ] {
        let path = layouts().join(file);
        let rows = file_rows(&path);
        assert_eq!(rows[0].len(), columns, "{file} has the layout's columns");
        let store = tempfile::tempdir().unwrap();
        let report = ingest_ok(store.path(), std::slice::from_ref(&path));
        assert_eq!(report.files[0].profile, "police-uk-street", "{file}");
        assert_eq!(report.totals.rows_read, rows.len() as u64, "{file}");
        assert_eq!(report.totals.rows_loaded, rows.len() as u64, "{file}: every row loads");
        assert!(report.totals.reconciles());

        let incidents = read_table(store.path(), "incidents");
        let stored = tally(strings(&incidents, "category").into_iter().map(Option::unwrap));
        let expected = tally(rows.iter().map(|r| r["Crime type"].clone()));
        assert_eq!(stored, expected, "{file}: counts by crime type");

        let sources = tally(strings(&incidents, "source").into_iter().map(Option::unwrap));
        let asb = expected.get("Anti-social behaviour").copied().unwrap_or(0);
        assert_eq!(sources.get("asb").copied().unwrap_or(0), asb, "{file}");

        // One incident per row: ids are unique, from Crime ID or from file and line.
        let ids = incident_ids(&incidents);
        let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), rows.len(), "{file}: incident ids are unique");
        let no_location = rows
            .iter()
            .filter(|r| r.get("Longitude").or(r.get("Easting")).is_some_and(|v| v.is_empty()))
            .count();
        assert_eq!(report.totals.no_location, no_location as u64, "{file}");
        assert!(no_location > 0, "{file}: the fixture has No Location rows");
    }
}

#[test]
fn the_easting_northing_layout_keeps_the_files_coordinates() {
    let path = layouts().join("2010-12-city-of-london-street.csv");
    let rows = file_rows(&path);
    let store = tempfile::tempdir().unwrap();
    ingest_ok(store.path(), &[path]);
    let incidents = read_table(store.path(), "incidents");
    let lines = u64s(&incidents, "source_line");
    let (east, north) = (floats(&incidents, "easting"), floats(&incidents, "northing"));
    let (lon, lat) = (floats(&incidents, "longitude"), floats(&incidents, "latitude"));
    let ids = strings(&incidents, "incident_id");
    for i in 0..lines.len() {
        let row = &rows[lines[i] as usize - 2];
        let given = |c: &str| (!row[c].is_empty()).then(|| row[c].parse::<f64>().unwrap());
        assert_eq!(east[i], given("Easting"), "line {}", lines[i]);
        assert_eq!(north[i], given("Northing"), "line {}", lines[i]);
        // Projected to WGS84 for longitude/latitude: the City is near (-0.09, 51.515).
        if east[i].is_some() {
            let (x, y) = (lon[i].unwrap(), lat[i].unwrap());
            assert!((-0.12..-0.07).contains(&x) && (51.50..51.53).contains(&y), "({x}, {y})");
        } else {
            assert_eq!((lon[i], lat[i]), (None, None));
        }
        assert_eq!(
            ids[i].as_deref(),
            Some(format!("police-uk-street:2010-12-city-of-london-street.csv:{}", lines[i]).as_str())
        );
    }
}

#[test]
fn retired_types_keep_their_name_and_take_their_successors_harm() {
    let store = tempfile::tempdir().unwrap();
    ingest_ok(store.path(), &[layouts().join("2012-06-city-of-london-street.csv")]);
    let incidents = read_table(store.path(), "incidents");
    let harm = HarmWeights::v1();
    let categories = strings(&incidents, "category");
    let weights = floats(&incidents, "harm_weight");
    let mut seen = 0;
    let mut current = std::collections::BTreeSet::new();
    for (c, w) in categories.iter().zip(&weights) {
        let expected = match c.as_deref() {
            Some("Violent crime") => harm.weight("Violence and sexual offences"),
            Some("Public disorder and weapons") => harm.weight("Public order"),
            // Every other row takes its own type's weight (the profile looks each type
            // up once per file).
            Some(other) => {
                current.insert(other.to_string());
                assert_eq!(*w, harm.weight(other), "{other}");
                continue;
            }
            None => panic!("a row without a category"),
        };
        assert_eq!(*w, expected);
        seen += 1;
    }
    assert!(seen >= 2, "the fixture has retired types");
    assert!(current.len() >= 5, "the fixture has current types too: {current:?}");
    // LSOA columns are kept when the layout has them.
    let lsoa = strings(&incidents, "lsoa_code");
    assert!(lsoa.iter().flatten().all(|c| c.starts_with("E01")));
}

#[test]
fn outcomes_without_lsoa_columns_load_as_the_current_layout_does() {
    let store = tempfile::tempdir().unwrap();
    let report = ingest_ok(
        store.path(),
        &[layouts().join("outcomes-without-lsoa/2024-02-city-of-london-outcomes.csv")],
    );
    let current = tempfile::tempdir().unwrap();
    let reference = ingest_ok(
        current.path(),
        &[fixtures().join("police-uk/constructed-outcomes/2024-02-city-of-london-outcomes.csv")],
    );
    assert_eq!(report.files[0].profile, "police-uk-outcomes");
    assert_eq!(report.totals, reference.totals);
    let a = read_table(store.path(), "outcomes");
    let b = read_table(current.path(), "outcomes");
    assert_eq!(strings(&a, "outcome_type"), strings(&b, "outcome_type"));
    assert!(
        strings(&a, "lsoa_code")
            .iter()
            .all(|c| c.as_deref().unwrap_or("").is_empty())
    );
}

#[test]
fn early_stop_and_search_loads_every_row_with_the_later_columns_unknown() {
    let early = layouts().join("stop-and-search-early/2026-02-city-of-london-stop-and-search.csv");
    let rows = file_rows(&early);
    let store = tempfile::tempdir().unwrap();
    let report = ingest_ok(store.path(), &[early]);
    assert_eq!(report.files[0].profile, "police-uk-stop-and-search");
    assert_eq!(report.totals.rows_loaded, rows.len() as u64);
    let searches = read_table(store.path(), "stop_search");
    let stored = tally(
        strings(&searches, "object_of_search")
            .into_iter()
            .map(Option::unwrap_or_default),
    );
    assert_eq!(stored, tally(rows.iter().map(|r| r["Object of search"].clone())));
    assert!(
        strings(&searches, "part_of_policing_operation")
            .iter()
            .all(Option::is_none)
    );

    let current = tempfile::tempdir().unwrap();
    let reference = ingest_ok(
        current.path(),
        &[layouts().join("stop-and-search-2026/2026-02-city-of-london-stop-and-search.csv")],
    );
    assert_eq!(report.totals, reference.totals);
}
