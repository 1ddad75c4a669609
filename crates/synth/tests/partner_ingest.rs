//! Generated partner extracts ingest through the built-in profiles: counts match the
//! CSVs, people are pseudonymised (no raw identifier reaches any stored byte), linked
//! across sources, and re-keyed by another key.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use crimescope_ingest::pseudonym::PseudonymKey;
use crimescope_ingest::{IngestOptions, NoProgress, ingest, read_manifest};
use crimescope_synth::{GenerateOptions, Scale, generate};

mod common;
use common::csv_rows;

fn generated() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut options = GenerateOptions::new(Scale::Coventry, 2025, 7, dir.path().join("out"));
    options.volume_factor = 0.1;
    generate(&options).unwrap();
    let partners = dir.path().join("out/partners/west-midlands");
    (dir, partners)
}

fn options(key: &[u8]) -> IngestOptions {
    IngestOptions::default().with_key(PseudonymKey::from_bytes(key).unwrap())
}

/// Rows of a stored table as maps of column -> string (nulls as "").
fn table(store: &Path, name: &str) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    for output in read_manifest(store).unwrap().outputs_of(name) {
        for batch in crimescope_ingest::store::output_reader(store, output)
            .unwrap()
            .build()
            .unwrap()
        {
            let batch = batch.unwrap();
            // The canonical record ids (a 64-digit hex id is stored as its bytes).
            let record_ids = batch
                .column_by_name(crimescope_model::stored::RECORD_ID_BYTES)
                .map(|c| c.as_fixed_size_binary().clone());
            // Timestamps are left out: casting a "UTC" zone needs chrono-tz, which only
            // the DataFusion build enables. So are the record ids' bytes, read above.
            let batch = batch
                .project(
                    &(0..batch.num_columns())
                        .filter(|&i| {
                            !matches!(
                                batch.schema().field(i).data_type(),
                                arrow::datatypes::DataType::Timestamp(..)
                                    | arrow::datatypes::DataType::FixedSizeBinary(_)
                            )
                        })
                        .collect::<Vec<_>>(),
                )
                .unwrap();
            let schema = batch.schema();
            let cols: Vec<_> = schema
                .fields()
                .iter()
                .map(|f| {
                    arrow::compute::cast(
                        batch.column_by_name(f.name()).unwrap(),
                        &arrow::datatypes::DataType::Utf8,
                    )
                    .unwrap()
                })
                .collect();
            for i in 0..batch.num_rows() {
                out.push(
                    schema
                        .fields()
                        .iter()
                        .zip(&cols)
                        .map(|(f, c)| {
                            let c = c.as_string::<i32>();
                            (
                                f.name().clone(),
                                if c.is_valid(i) {
                                    c.value(i).to_string()
                                } else {
                                    String::new()
                                },
                            )
                        })
                        .collect::<HashMap<String, String>>(),
                );
                if let Some(bytes) = record_ids.as_ref().filter(|b| b.is_valid(i)) {
                    let row = out.last_mut().unwrap();
                    let hex = crimescope_model::stored::record_id_of(None, Some(bytes.value(i))).unwrap();
                    row.insert("record_id".into(), hex);
                }
            }
        }
    }
    out
}

#[test]
fn every_partner_profile_loads_with_counts_matching_the_csv() {
    let (_dir, partners) = generated();
    let store = tempfile::tempdir().unwrap();
    let report = ingest(
        store.path(),
        std::slice::from_ref(&partners),
        &options(b"0123456789abcdef"),
        &NoProgress,
    )
    .unwrap();
    let by_profile: HashMap<&str, &crimescope_ingest::FileReport> =
        report.files.iter().map(|f| (f.profile.as_str(), f)).collect();
    for name in [
        "force-crime",
        "council-asb",
        "fire-irs",
        "probation-cohort",
        "probation-reoffences",
    ] {
        let f = by_profile[name];
        assert!(
            f.counts.reconciles() && f.counts.rows_rejected == 0,
            "{name}: {:?}",
            f.counts
        );
    }

    let crimes = csv_rows(&partners.join("west-midlands-force-crime.csv"));
    assert_eq!(by_profile["force-crime"].counts.rows_read as usize, crimes.len());
    let incidents = table(store.path(), "incidents");
    let of = |dataset: &str| incidents.iter().filter(|r| r["dataset"] == dataset).count();
    let refs: HashSet<&str> = crimes.iter().map(|r| r["crime_ref"].as_str()).collect();
    assert_eq!(
        of("force-crime"),
        refs.len(),
        "one incident per crime, however many people"
    );
    let parties = table(store.path(), "parties");
    let expected_parties: HashSet<(&str, &str, &str)> = crimes
        .iter()
        .flat_map(|r| {
            [("victim", "victim_id"), ("offender", "offender_id")]
                .map(|(role, col)| (r["crime_ref"].as_str(), role, r[col].as_str()))
        })
        .filter(|(_, _, id)| !id.is_empty())
        .collect();
    let force_parties = parties
        .iter()
        .filter(|p| p["incident_id"].starts_with("force-crime:"))
        .count();
    assert_eq!(force_parties, expected_parties.len());

    let asb = csv_rows(&partners.join("west-midlands-council-asb.csv"));
    assert_eq!(of("council-asb"), asb.len());
    let asb_incidents: Vec<_> = incidents.iter().filter(|r| r["dataset"] == "council-asb").collect();
    assert!(
        asb_incidents.iter().all(
            |r| r["source"] == "asb" && ["personal", "nuisance", "environmental"].contains(&r["category"].as_str())
        )
    );

    let fires = csv_rows(&partners.join("west-midlands-fire-irs.csv"));
    assert_eq!(of("fire-irs"), fires.len());
    let deliberate_csv = fires.iter().filter(|r| r["motive"] == "deliberate").count();
    let deliberate_store = incidents
        .iter()
        .filter(|r| r["dataset"] == "fire-irs" && r["deliberate"] == "true")
        .count();
    assert_eq!(deliberate_store, deliberate_csv);

    // Places link across sources by location_key (the UPRN where one is given).
    let keys = |dataset: &str| -> HashSet<&str> {
        incidents
            .iter()
            .filter(|r| r["dataset"] == dataset && r["location_key"].starts_with("uprn:"))
            .map(|r| r["location_key"].as_str())
            .collect()
    };
    let (crime_places, asb_places, fire_places) = (keys("force-crime"), keys("council-asb"), keys("fire-irs"));
    let shared = crime_places
        .iter()
        .filter(|k| asb_places.contains(*k) && fire_places.contains(*k))
        .count();
    assert!(shared > 10, "{shared} places have police, ASB and fire incidents");
    let csv_uprns: HashSet<&str> = crimes
        .iter()
        .map(|r| r["uprn"].as_str())
        .filter(|u| !u.is_empty())
        .collect();
    assert_eq!(crime_places.len(), csv_uprns.len());

    assert_eq!(
        table(store.path(), "offenders").len(),
        csv_rows(&partners.join("west-midlands-probation-cohort.csv")).len()
    );
    assert_eq!(
        table(store.path(), "reoffences").len(),
        csv_rows(&partners.join("west-midlands-probation-reoffences.csv")).len()
    );
}

#[test]
fn no_raw_identifier_reaches_the_store_people_link_and_keys_differ() {
    let (_dir, partners) = generated();
    // Plant a bad row carrying a distinctive identifier: it must be rejected, masked.
    let crime_csv = partners.join("west-midlands-force-crime.csv");
    let mut text = std::fs::read_to_string(&crime_csv).unwrap();
    text.push_str("ZZ/25/9999999,not a date,2025-01-01 10:00,2025-01-01 10:00,28E,Burglary,Burglary,430000,280000,,1 Mill Road,VSECRET4242,OSECRET4343,N,\n");
    std::fs::write(&crime_csv, text).unwrap();

    let store = tempfile::tempdir().unwrap();
    let report = ingest(
        store.path(),
        std::slice::from_ref(&partners),
        &options(b"0123456789abcdef"),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(report.totals.rows_rejected, 1);

    let crimes = csv_rows(&crime_csv);
    let asb = csv_rows(&partners.join("west-midlands-council-asb.csv"));
    let cohort = csv_rows(&partners.join("west-midlands-probation-cohort.csv"));
    let mut raw_ids: Vec<String> = crimes
        .iter()
        .flat_map(|r| [r["victim_id"].clone(), r["offender_id"].clone()])
        .chain(
            asb.iter()
                .flat_map(|r| [r["victim_id"].clone(), r["perpetrator_id"].clone()]),
        )
        .chain(cohort.iter().map(|r| r["crn"].clone()))
        .filter(|id| !id.is_empty())
        .collect();
    raw_ids.sort();
    raw_ids.dedup();
    raw_ids.extend(["VSECRET4242".to_string(), "OSECRET4343".to_string()]);
    // Every byte of every file in the store (Parquet, manifest), as text.
    let mut haystack = Vec::new();
    let mut stack = vec![store.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                haystack.extend(std::fs::read(&p).unwrap());
            }
        }
    }
    let haystack = String::from_utf8_lossy(&haystack);
    // Snappy may split a string across compressed blocks, so also check the decoded tables.
    let tables: String = ["incidents", "rejects", "parties", "offenders", "reoffences"]
        .iter()
        .flat_map(|t| table(store.path(), t))
        .flat_map(|row| row.into_values())
        .collect::<Vec<_>>()
        .join("\n");
    // Look for every identifier at every offset (one hash lookup per offset and length).
    let wanted: HashSet<&[u8]> = raw_ids.iter().map(|id| id.as_bytes()).collect();
    let lengths: HashSet<usize> = raw_ids.iter().map(String::len).collect();
    for text in [haystack.as_bytes(), tables.as_bytes()] {
        for i in 0..text.len() {
            for &len in &lengths {
                if let Some(window) = text.get(i..i + len) {
                    assert!(
                        !wanted.contains(window),
                        "{} reached the store",
                        String::from_utf8_lossy(window)
                    );
                }
            }
        }
    }
    assert!(raw_ids.len() > 1000, "{} identifiers checked", raw_ids.len());
    let reject = &table(store.path(), "rejects")[0];
    assert!(
        reject["raw_text"].contains("[masked]") && reject["reason"] == "bad_date",
        "{reject:?}"
    );

    // The same person in force crime and council ASB gets one key.
    let parties = table(store.path(), "parties");
    let keys_of = |prefix: &str, role: &str| -> HashSet<String> {
        parties
            .iter()
            .filter(|p| p["incident_id"].starts_with(prefix) && p["role"] == role)
            .map(|p| p["person_key"].clone())
            .collect()
    };
    let raw_shared: HashSet<&str> = crimes
        .iter()
        .map(|r| r["victim_id"].as_str())
        .filter(|v| !v.is_empty())
        .collect::<HashSet<_>>()
        .intersection(
            &asb.iter()
                .map(|r| r["victim_id"].as_str())
                .filter(|v| !v.is_empty())
                .collect(),
        )
        .copied()
        .collect();
    let linked: HashSet<String> = keys_of("force-crime:", "victim")
        .intersection(&keys_of("council-asb:", "victim"))
        .cloned()
        .collect();
    assert!(
        !raw_shared.is_empty(),
        "the generator shares victims between crime and ASB"
    );
    assert_eq!(linked.len(), raw_shared.len());

    // Another key gives other pseudonyms.
    let other = tempfile::tempdir().unwrap();
    ingest(
        other.path(),
        &[partners.join("west-midlands-council-asb.csv")],
        &options(b"another key, 16+ bytes"),
        &NoProgress,
    )
    .unwrap();
    let other_keys: HashSet<String> = table(other.path(), "parties")
        .into_iter()
        .map(|p| p["person_key"].clone())
        .collect();
    assert!(other_keys.is_disjoint(&keys_of("council-asb:", "victim")));
}

#[test]
fn a_file_with_person_ids_and_no_key_is_refused() {
    let (_dir, partners) = generated();
    let store = tempfile::tempdir().unwrap();
    let err = ingest(
        store.path(),
        &[partners.join("west-midlands-force-crime.csv")],
        &IngestOptions::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("CRIMESCOPE_KEY"), "{err}");
    assert!(!store.path().join("manifest.json").exists());
}

#[test]
fn every_force_partner_file_ingests_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = GenerateOptions::new(Scale::National, 2025, 3, dir.path().join("out"));
    options.volume_factor = 0.0005;
    generate(&options).unwrap();
    let store = tempfile::tempdir().unwrap();
    let report = ingest(
        store.path(),
        &[dir.path().join("out/partners")],
        &self::options(b"0123456789abcdef"),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(report.files.len(), 43 * 5, "file names are unique per force");
    assert!(
        report
            .files
            .iter()
            .all(|f| f.counts.reconciles() && f.counts.rows_rejected == 0)
    );
}
