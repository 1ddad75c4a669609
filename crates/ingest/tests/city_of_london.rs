//! The real City of London 2024 street files, ingested and checked against counts the
//! test computes itself from the raw CSV text.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};

use common::*;

struct RawRow {
    fields: Vec<String>,
}

fn raw_rows() -> Vec<(String, RawRow)> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(city_of_london())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("-street.csv"))
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for fields in naive_csv(&text).into_iter().skip(1) {
            out.push((name.clone(), RawRow { fields }));
        }
    }
    out
}

#[test]
fn counts_by_month_and_type_match_the_raw_csv() {
    let raw = raw_rows();
    assert_eq!(raw.len(), 9_992, "the fixture README says 9,992 data rows");

    // Expected: every row loads except exact repeats of a row with the same Crime ID.
    let mut seen: HashSet<(String, Vec<String>)> = HashSet::new();
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut expected_dups = 0;
    for (file, row) in &raw {
        assert_eq!(row.fields.len(), 12);
        if !row.fields[0].is_empty() && !seen.insert((file.clone(), row.fields.clone())) {
            expected_dups += 1;
            continue;
        }
        *expected
            .entry((row.fields[1].clone(), row.fields[9].clone()))
            .or_default() += 1;
    }

    let dir = tempfile::tempdir().unwrap();
    let report = ingest_ok(dir.path(), &[city_of_london()]);
    let street: Vec<_> = report
        .files
        .iter()
        .filter(|f| f.profile == "police-uk-street")
        .collect();
    assert_eq!(street.len(), 12);
    assert_eq!(street.iter().map(|f| f.counts.rows_read).sum::<u64>(), 9_992);
    assert_eq!(
        street.iter().map(|f| f.counts.duplicates_dropped).sum::<u64>(),
        expected_dups
    );
    assert_eq!(street.iter().map(|f| f.counts.rows_rejected).sum::<u64>(), 0);
    for f in &report.files {
        assert!(f.counts.reconciles(), "{} does not reconcile: {:?}", f.path, f.counts);
    }

    let incidents = read_table(dir.path(), "incidents");
    let categories = strings(&incidents, "category");
    let month_days: Vec<i32> = incidents
        .iter()
        .flat_map(|b| {
            b.column_by_name("month")
                .unwrap()
                .as_any()
                .downcast_ref::<arrow::array::Date32Array>()
                .unwrap()
                .values()
                .to_vec()
        })
        .collect();
    let mut actual: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (day, cat) in month_days.iter().zip(&categories) {
        let month = crimescope_model::Month::from_date32(*day).unwrap().to_string();
        *actual.entry((month, cat.clone().unwrap())).or_default() += 1;
    }
    assert_eq!(actual, expected);
}

#[test]
fn asb_and_police_rows_are_split_and_no_location_rows_kept() {
    let raw = raw_rows();
    let raw_asb = raw
        .iter()
        .filter(|(_, r)| r.fields[9] == "Anti-social behaviour")
        .count();
    let raw_no_location = raw.iter().filter(|(_, r)| r.fields[4].is_empty()).count();
    assert!(
        raw_asb > 300 && raw_no_location > 900,
        "fixture changed: {raw_asb} ASB, {raw_no_location} no location"
    );

    let dir = tempfile::tempdir().unwrap();
    ingest_ok(dir.path(), &[city_of_london()]);
    let incidents = read_table(dir.path(), "incidents");
    let sources = strings(&incidents, "source");
    let categories = strings(&incidents, "category");
    let record_ids = record_ids(&incidents);
    for ((source, category), record_id) in sources.iter().zip(&categories).zip(&record_ids) {
        let asb = category.as_deref() == Some("Anti-social behaviour");
        assert_eq!(source.as_deref(), Some(if asb { "asb" } else { "police" }));
        // police.uk ASB rows carry no Crime ID; crimes always do in these files.
        assert_eq!(record_id.is_none(), asb);
    }
    // ASB rows have no Crime ID, so none are ever dropped as duplicates.
    assert_eq!(sources.iter().filter(|s| s.as_deref() == Some("asb")).count(), raw_asb);

    let lon = floats(&incidents, "longitude");
    let lat = floats(&incidents, "latitude");
    let east = floats(&incidents, "easting");
    let north = floats(&incidents, "northing");
    let text = strings(&incidents, "location_text");
    let key = strings(&incidents, "location_key");
    let mut no_location = 0;
    for i in 0..lon.len() {
        if lon[i].is_none() {
            no_location += 1;
            assert!(lat[i].is_none() && east[i].is_none() && north[i].is_none() && key[i].is_none());
            assert_eq!(text[i].as_deref(), Some("No Location"));
        } else {
            // Every located City of London row projects into Great Britain.
            let (e, n) = (east[i].unwrap(), north[i].unwrap());
            assert!((0.0..700_000.0).contains(&e) && (0.0..1_250_000.0).contains(&n));
            assert!(key[i].as_deref().unwrap().contains(','));
        }
    }
    // Expected: raw No Location rows, less those dropped as exact repeats of a loaded row.
    let mut seen: HashSet<(&String, &Vec<String>)> = HashSet::new();
    let expected_no_location = raw
        .iter()
        .filter(|(file, r)| r.fields[0].is_empty() || seen.insert((file, &r.fields)))
        .filter(|(_, r)| r.fields[4].is_empty())
        .count();
    assert_eq!(no_location, expected_no_location);

    // Lineage: every row points back at its file and a real data line.
    let files = strings(&incidents, "source_file");
    let lines = u64s(&incidents, "source_line");
    assert!(
        files
            .iter()
            .all(|f| f.as_deref().is_some_and(|f| f.ends_with("-street.csv")))
    );
    assert!(lines.iter().all(|&l| (2..=1_000).contains(&l)));
}

#[test]
fn repeated_crime_ids_are_dropped_when_identical_and_flagged_when_different() {
    // Work out from the raw text which Crime IDs repeat within a file, and how.
    let raw = raw_rows();
    let mut by_id: HashMap<(String, String), Vec<Vec<String>>> = HashMap::new();
    for (file, row) in &raw {
        if !row.fields[0].is_empty() {
            by_id
                .entry((file.clone(), row.fields[0].clone()))
                .or_default()
                .push(row.fields.clone());
        }
    }
    let mut identical_only = Vec::new();
    let mut differing = Vec::new();
    for ((_, id), rows) in &by_id {
        if rows.len() < 2 {
            continue;
        }
        let distinct: HashSet<&Vec<String>> = rows.iter().collect();
        if distinct.len() == 1 {
            identical_only.push(id.clone());
        } else {
            differing.push((id.clone(), distinct.len()));
        }
    }
    assert!(
        !identical_only.is_empty() && !differing.is_empty(),
        "the fixture has both kinds"
    );

    let dir = tempfile::tempdir().unwrap();
    ingest_ok(dir.path(), &[city_of_london()]);
    let incidents = read_table(dir.path(), "incidents");
    let record_ids = record_ids(&incidents);
    let incident_ids = incident_ids(&incidents);
    let flags = bools(&incidents, "duplicate_id");
    let rows_of = |id: &str| -> Vec<usize> {
        record_ids
            .iter()
            .enumerate()
            .filter(|(_, r)| r.as_deref() == Some(id))
            .map(|(i, _)| i)
            .collect()
    };
    for id in &identical_only {
        let rows = rows_of(id);
        assert_eq!(rows.len(), 1, "identical rows of {id} collapse to one");
        assert!(!flags[rows[0]]);
    }
    for (id, distinct) in &differing {
        let rows = rows_of(id);
        assert_eq!(rows.len(), *distinct, "every distinct version of {id} is kept");
        assert!(rows.iter().all(|&i| flags[i]), "{id} is flagged");
    }
    // incident_id is unique across the store.
    let unique: HashSet<&String> = incident_ids.iter().collect();
    assert_eq!(unique.len(), incident_ids.len());
    assert_eq!(
        flags.iter().filter(|f| **f).count(),
        differing.iter().map(|(_, n)| n).sum::<usize>(),
        "only rows of ids with differing content are flagged"
    );
}
