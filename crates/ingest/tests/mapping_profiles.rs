//! The example mapping profiles on the real Nottingham and Chicago files, with counts
//! checked independently from the decompressed CSV text.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use common::*;
use crimescope_ingest::mapping::MappingProfile;
use crimescope_ingest::{IngestOptions, NoProgress, ingest};

fn gunzip(name: &str) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(fixtures().join("real").join(name)).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn with_profile(profile: &str, file: &str) -> (tempfile::TempDir, crimescope_ingest::IngestReport) {
    let mapping = MappingProfile::load(&fixtures().join("profiles").join(profile)).unwrap();
    let store = tempfile::tempdir().unwrap();
    let options = IngestOptions::default().with_mapping(mapping);
    let report = ingest(
        store.path(),
        &[fixtures().join("real").join(file)],
        &options,
        &NoProgress,
    )
    .unwrap();
    (store, report)
}

fn months(incidents: &[arrow::array::RecordBatch]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for b in incidents {
        let col = b
            .column_by_name("month")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow::array::Date32Array>()
            .unwrap();
        for d in col.values() {
            *out.entry(crimescope_model::Month::from_date32(*d).unwrap().to_string())
                .or_default() += 1;
        }
    }
    out
}

#[test]
fn nottingham_burglary_counts_by_month_match_the_file() {
    let rows = naive_csv(&gunzip("nottingham_burglary.csv.gz"));
    let data = &rows[1..];
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for r in data {
        *expected.entry(r[0][..7].to_string()).or_default() += 1;
    }
    let (store, report) = with_profile("nottingham-burglary.toml", "nottingham_burglary.csv.gz");
    assert_eq!(
        (report.totals.rows_read as usize, report.totals.rows_rejected),
        (data.len(), 0)
    );
    let incidents = read_table(store.path(), "incidents");
    assert_eq!(months(&incidents), expected);
    assert!(
        strings(&incidents, "category")
            .iter()
            .all(|c| c.as_deref() == Some("Burglary"))
    );
    // Nottingham lies around BNG (457000, 340000).
    for (e, n) in floats(&incidents, "easting")
        .into_iter()
        .zip(floats(&incidents, "northing"))
        .filter_map(|(e, n)| e.zip(n))
    {
        assert!(
            (440_000.0..480_000.0).contains(&e) && (320_000.0..360_000.0).contains(&n),
            "({e}, {n})"
        );
    }
    let lsoas = strings(&incidents, "lsoa_code");
    assert_eq!(
        lsoas.iter().filter(|l| l.is_some()).count(),
        data.iter().filter(|r| !r[4].is_empty()).count()
    );
}

#[test]
fn chicago_assaults_load_in_utm_metres_with_times() {
    let rows = naive_csv(&gunzip("chicago-aggravated-assaults-2010-2014.csv.gz"));
    let data = &rows[1..];
    assert_eq!(data.len(), 74_240);
    let (store, report) = with_profile("chicago-assaults.toml", "chicago-aggravated-assaults-2010-2014.csv.gz");
    assert_eq!(report.totals.rows_read as usize, data.len());
    assert!(report.totals.reconciles());
    let incidents = read_table(store.path(), "incidents");
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for r in data {
        *expected.entry(r[0][..7].to_string()).or_default() += 1;
    }
    assert_eq!(months(&incidents), expected);
    assert!(
        strings(&incidents, "time_precision")
            .iter()
            .all(|p| p.as_deref() == Some("minute"))
    );

    // Distances in the UTM metres agree with great-circle distances (haversine on the
    // mean Earth radius) to within 0.5%: the grid is metric.
    let (lon, lat) = (floats(&incidents, "longitude"), floats(&incidents, "latitude"));
    let (e, n) = (floats(&incidents, "easting"), floats(&incidents, "northing"));
    let located: Vec<usize> = (0..lon.len()).filter(|&i| e[i].is_some()).collect();
    assert!(located.len() > 70_000);
    for w in located.windows(2).step_by(997) {
        let (a, b) = (w[0], w[1]);
        let grid = ((e[a].unwrap() - e[b].unwrap()).powi(2) + (n[a].unwrap() - n[b].unwrap()).powi(2)).sqrt();
        let (p1, p2) = (lat[a].unwrap().to_radians(), lat[b].unwrap().to_radians());
        let dl = (lon[a].unwrap() - lon[b].unwrap()).to_radians();
        let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        let sphere = 2.0 * 6_371_008.8 * h.sqrt().asin();
        if sphere > 1000.0 {
            assert!(
                (grid / sphere - 1.0).abs() < 0.005,
                "grid {grid:.0} m vs sphere {sphere:.0} m"
            );
        }
        assert!((420_000.0..470_000.0).contains(&e[a].unwrap()) && (4_600_000.0..4_670_000.0).contains(&n[a].unwrap()));
    }
}

#[test]
fn a_column_the_file_lacks_is_named_with_the_columns_it_has() {
    let text = std::fs::read_to_string(fixtures().join("profiles/nottingham-burglary.toml")).unwrap();
    let mapping = MappingProfile::parse(
        &text.replace("location_text = \"location\"", "location_text = \"street\""),
        "x.toml",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    let options = IngestOptions::default().with_mapping(mapping);
    let path: PathBuf = fixtures().join("real/nottingham_burglary.csv.gz");
    let err = ingest(store.path(), &[path], &options, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'street'") && err.contains("month, longitude, latitude, location, lsoa_code"),
        "{err}"
    );
    // A wrong date format rejects rows, naming the field, and loses none.
    let mapping = MappingProfile::parse(&text.replace("%Y-%m-%d", "%d/%m/%Y"), "x.toml").unwrap();
    let options = IngestOptions::default().with_mapping(mapping);
    let store = tempfile::tempdir().unwrap();
    let report = ingest(
        store.path(),
        &[fixtures().join("real/nottingham_burglary.csv.gz")],
        &options,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(report.totals.rows_rejected, report.totals.rows_read);
    let fields = strings(&read_table(store.path(), "rejects"), "field");
    assert!(fields.iter().all(|f| f.as_deref() == Some("month")));
}

#[test]
fn mapped_asb_types_the_harm_table_lacks_take_the_asb_weight_and_fire_types_none() {
    let v1 = crimescope_model::HarmWeights::v1();
    let asb = v1.weight("Anti-social behaviour").unwrap();
    let burglary = v1.weight("Burglary").unwrap();
    assert!(asb > 0.0 && burglary > 0.0 && asb != burglary);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("log.csv");
    std::fs::write(
        &csv,
        "case,month,type\nA1,2024-03,Noise nuisance\nA2,2024-03,Anti-social behaviour\nA3,2024-03,Burglary\n",
    )
    .unwrap();
    let weights = |source: &str| {
        let profile = format!(
            "name = \"log-{source}\"\nsource = \"{source}\"\n[columns]\nrecord_id = \"case\"\nmonth = \"month\"\ncategory = \"type\"\n[formats]\nmonth = \"%Y-%m\"\n"
        );
        let options = IngestOptions::default().with_mapping(MappingProfile::parse(&profile, "log.toml").unwrap());
        let store = tempfile::tempdir().unwrap();
        let report = ingest(store.path(), std::slice::from_ref(&csv), &options, &NoProgress).unwrap();
        assert_eq!(report.totals.rows_loaded, 3, "{source}");
        let incidents = read_table(store.path(), "incidents");
        let by_id: BTreeMap<String, f64> = record_ids(&incidents)
            .into_iter()
            .zip(floats(&incidents, "harm_weight"))
            .map(|(id, w)| (id.unwrap(), w.unwrap()))
            .collect();
        (by_id["A1"], by_id["A2"], by_id["A3"])
    };
    // ASB: a type the table lacks is still ASB; a type it lists keeps its own weight.
    assert_eq!(weights("asb"), (asb, asb, burglary));
    // Fire: no weight for a type the table lacks (no deliberate flag in a mapping).
    assert_eq!(weights("fire"), (0.0, asb, burglary));
}

/// A `;`-delimited file: a row that repeats an earlier row's fields with one field
/// quoted is an exact duplicate (dropped), and a row whose quoted field holds a `;` is a
/// new version of its id (loaded, and both of the id's rows flagged `duplicate_id`), as
/// the file's own delimiter splits them.
#[test]
fn a_semicolon_file_repeated_with_other_quoting_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("log.csv");
    std::fs::write(
        &csv,
        "case;month;type;place\nA1;2024-03;Burglary;High St\nA1;2024-03;\"Burglary\";High St\nA1;2024-03;Burglary;\"High St;rear\"\nA2;2024-03;Burglary;High St\n",
    )
    .unwrap();
    let profile = "name = \"semicolons\"\nsource = \"police\"\ndelimiter = \";\"\n[columns]\nrecord_id = \"case\"\nmonth = \"month\"\ncategory = \"type\"\nlocation_text = \"place\"\n[formats]\nmonth = \"%Y-%m\"\n";
    let options = IngestOptions::default().with_mapping(MappingProfile::parse(profile, "log.toml").unwrap());
    let store = tempfile::tempdir().unwrap();
    let report = ingest(store.path(), std::slice::from_ref(&csv), &options, &NoProgress).unwrap();
    let t = &report.totals;
    assert_eq!(
        (t.rows_read, t.rows_loaded, t.duplicates_dropped, t.rows_rejected),
        (4, 3, 1, 0),
        "{t:?}"
    );
    // A1's two versions are both flagged, as a police.uk Crime ID's are; A2 is not.
    assert_eq!(t.duplicate_ids_flagged, 2, "{t:?}");
    let flagged = flags_by_record_id(&read_table(store.path(), "incidents"));
    let id = |s: &str| Some(s.to_string());
    assert_eq!(flagged, [(id("A1"), true), (id("A1"), true), (id("A2"), false)]);
}
