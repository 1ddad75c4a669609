//! Bad input: every row is loaded or rejected with its line, reason and field, and a
//! file that cannot be read as any profile stops the ingest with a clear error.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use crimescope_ingest::{IngestError, IngestOptions, NoProgress, ingest, read_manifest};

const HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn messy_file() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"\xEF\xBB\xBF");
    b.extend_from_slice(HEADER.as_bytes());
    b.extend_from_slice(b"\r\n");
    // line 2: quoted field with a comma and doubled quotes -> loaded
    b.extend_from_slice(b"c1,2024-05,F,F,-0.1,51.5,\"On or near \"\"Main\"\" Street, East\",E01,N,Burglary,\"Under investigation\",\r\n");
    // line 3: truncated -> field_count
    b.extend_from_slice(b"c2,2024-05,F,F,-0.1,51.5,On or near X,E01,N,Burglary\r\n");
    // line 4: bad longitude -> bad_coordinate
    b.extend_from_slice(b"c3,2024-05,F,F,abc,51.5,On or near X,E01,N,Burglary,,\r\n");
    // line 5: latitude out of range -> coordinate_out_of_range
    b.extend_from_slice(b"c4,2024-05,F,F,-0.1,95.0,On or near X,E01,N,Burglary,,\r\n");
    // line 6: bad month -> bad_month
    b.extend_from_slice(b"c5,2024-13,F,F,-0.1,51.5,On or near X,E01,N,Burglary,,\r\n");
    // line 7: unknown crime type -> unknown_category
    b.extend_from_slice(b"c6,2024-05,F,F,-0.1,51.5,On or near X,E01,N,Jaywalking,,\r\n");
    // line 8: invalid UTF-8 in Location -> invalid_utf8
    b.extend_from_slice(b"c7,2024-05,F,F,-0.1,51.5,On or near \xff\xfe,E01,N,Burglary,,\r\n");
    // line 9: ASB with No Location -> loaded
    b.extend_from_slice(b",2024-05,F,F,,,No Location,,,Anti-social behaviour,,\r\n");
    // line 10: Chicago -> loaded, outside Great Britain
    b.extend_from_slice(b"c8,2024-05,F,F,-87.65,41.85,On or near Lake Shore Drive,,,Robbery,,\r\n");
    // lines 11-12: a quoted field spanning two lines -> loaded at line 11
    b.extend_from_slice(b"c9,2024-05,F,F,-0.1,51.5,\"On or near\nTwo Lines\",E01,N,Drugs,,\r\n");
    // line 13: only one coordinate -> bad_coordinate on Latitude
    b.extend_from_slice(b"c10,2024-05,F,F,-0.1,,On or near X,E01,N,Drugs,,\r\n");
    // line 14: binary garbage
    b.extend_from_slice(b"\x00\x01\x02\xff garbage \x7f\x80\r\n");
    // line 15: exact copy of line 2 -> duplicate dropped; no final newline
    b.extend_from_slice(
        b"c1,2024-05,F,F,-0.1,51.5,\"On or near \"\"Main\"\" Street, East\",E01,N,Burglary,\"Under investigation\",",
    );
    b
}

#[test]
fn every_bad_row_is_rejected_with_line_reason_and_field() {
    let input = tempfile::tempdir().unwrap();
    let path = write(input.path(), "2024-05-test-street.csv", &messy_file());
    let store = tempfile::tempdir().unwrap();
    let report = ingest_ok(store.path(), &[path]);
    let c = report.files[0].counts;
    assert_eq!(
        (c.rows_read, c.rows_loaded, c.rows_rejected, c.duplicates_dropped),
        (13, 4, 8, 1)
    );
    assert!(c.reconciles());
    assert_eq!((c.no_location, c.outside_gb), (1, 1));

    let rejects = read_table(store.path(), "rejects");
    let lines = u64s(&rejects, "source_line");
    let reasons = strings(&rejects, "reason");
    let fields = strings(&rejects, "field");
    let files = strings(&rejects, "source_file");
    let raw = strings(&rejects, "raw_text");
    let mut got: Vec<(u64, String, Option<String>)> = lines
        .iter()
        .zip(&reasons)
        .zip(&fields)
        .map(|((l, r), f)| (*l, r.clone().unwrap(), f.clone()))
        .collect();
    got.sort();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        got,
        vec![
            (3, "field_count".into(), None),
            (4, "bad_coordinate".into(), s("Longitude")),
            (5, "coordinate_out_of_range".into(), s("Latitude")),
            (6, "bad_month".into(), s("Month")),
            (7, "unknown_category".into(), s("Crime type")),
            (8, "invalid_utf8".into(), s("Location")),
            (13, "bad_coordinate".into(), s("Latitude")),
            (14, "field_count".into(), None),
        ]
    );
    assert!(files.iter().all(|f| f.as_deref() == Some("2024-05-test-street.csv")));
    let line3 = lines.iter().position(|&l| l == 3).unwrap();
    assert_eq!(
        raw[line3].as_deref(),
        Some("c2,2024-05,F,F,-0.1,51.5,On or near X,E01,N,Burglary")
    );

    let incidents = read_table(store.path(), "incidents");
    let text = strings(&incidents, "location_text");
    assert!(text.contains(&s("On or near \"Main\" Street, East")));
    assert!(text.contains(&s("On or near\nTwo Lines")));
    let inc_lines = u64s(&incidents, "source_line");
    let mut sorted = inc_lines.clone();
    sorted.sort();
    assert_eq!(sorted, vec![2, 9, 10, 11]);
}

#[test]
fn an_unknown_header_stops_the_ingest_naming_the_file_and_leaves_the_store_unchanged() {
    let store = tempfile::tempdir().unwrap();
    ingest_ok(
        store.path(),
        &[city_of_london().join("2024-01-city-of-london-street.csv")],
    );
    let before = std::fs::read(store.path().join("manifest.json")).unwrap();

    let input = tempfile::tempdir().unwrap();
    let good = write(input.path(), "2024-05-test-street.csv", &messy_file());
    let unknown = write(
        input.path(),
        "burglary.csv",
        b"month,longitude,latitude,location,lsoa_code\n2022-01,-1.1,52.9,x,E01\n",
    );
    let err = ingest(store.path(), &[good, unknown], &IngestOptions::default(), &NoProgress).unwrap_err();
    match &err {
        IngestError::UnknownHeader { file, found, .. } => {
            assert!(file.ends_with("burglary.csv"));
            assert!(found.starts_with("month,longitude"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("burglary.csv") && message.contains("line 1") && message.contains("police-uk-street"));
    assert!(err.is_user_error());
    assert_eq!(
        std::fs::read(store.path().join("manifest.json")).unwrap(),
        before,
        "manifest untouched"
    );
    assert!(!store.path().join(".staging").exists(), "nothing staged is left behind");
    assert_eq!(read_manifest(store.path()).unwrap().files.len(), 1);
}

#[test]
fn binary_garbage_and_empty_files_are_clear_errors() {
    let input = tempfile::tempdir().unwrap();
    // Seeded pseudo-random bytes (xorshift), the same on every run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let store = tempfile::tempdir().unwrap();
    for (name, bytes) in [("garbage.csv", &garbage[..]), ("empty.csv", &b""[..])] {
        let path = write(input.path(), name, bytes);
        let err = ingest(store.path(), &[path], &IngestOptions::default(), &NoProgress).unwrap_err();
        assert!(matches!(err, IngestError::UnknownHeader { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains(name));
    }
    assert!(!store.path().join("manifest.json").exists());
}

#[test]
fn mutated_real_files_never_panic_and_always_reconcile() {
    // Flip, delete and insert bytes at seeded positions in a real file; whatever the
    // damage, every row is loaded, rejected or dropped, and nothing panics.
    let original = std::fs::read(city_of_london().join("2024-02-city-of-london-street.csv")).unwrap();
    let header_end = original.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut x: u64 = 42;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let input = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for round in 0..8 {
        let mut bytes = original.clone();
        for _ in 0..40 {
            if bytes.len() <= header_end + 2 {
                break;
            }
            let at = header_end + (next() as usize) % (bytes.len() - header_end);
            match next() % 40 {
                0 => bytes.truncate(at.max(header_end + 1)),
                1..=13 => bytes[at] = next() as u8,
                14..=26 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, b"\",\n\r\xff"[(next() % 5) as usize]),
            }
        }
        paths.push(write(
            input.path(),
            &format!("2024-0{}-mutant-street.csv", round + 1),
            &bytes,
        ));
    }
    let store = tempfile::tempdir().unwrap();
    let report = ingest_ok(store.path(), &paths);
    for f in &report.files {
        assert!(f.counts.reconciles(), "{}: {:?}", f.path, f.counts);
    }
    let rejected: u64 = report.files.iter().map(|f| f.counts.rows_rejected).sum();
    let rejects = read_table(store.path(), "rejects");
    assert_eq!(rejects.iter().map(|b| b.num_rows() as u64).sum::<u64>(), rejected);
    let loaded: u64 = report.files.iter().map(|f| f.counts.rows_loaded).sum();
    let incidents = read_table(store.path(), "incidents");
    assert_eq!(incidents.iter().map(|b| b.num_rows() as u64).sum::<u64>(), loaded);
    assert!(rejected > 0, "the mutations damaged some rows");
}

#[test]
fn duplicates_compare_fields_and_trimmed_ids() {
    let mut b = Vec::new();
    b.extend_from_slice(HEADER.as_bytes());
    b.extend_from_slice(b"\n");
    // The same fields, quoted differently: one crime, one duplicate dropped.
    b.extend_from_slice(b"q1,2024-05,F,F,-0.1,51.5,On or near X,E01,N,Burglary,,\n");
    b.extend_from_slice(b"\"q1\",2024-05,F,F,-0.1,51.5,\"On or near X\",E01,N,Burglary,,\n");
    // The same id with a trailing space and different content: both kept and flagged.
    b.extend_from_slice(b"q2,2024-05,F,F,-0.1,51.5,On or near X,E01,N,Drugs,,\n");
    b.extend_from_slice(b"q2 ,2024-05,F,F,-0.2,51.6,On or near Y,E01,N,Drugs,,\n");
    let input = tempfile::tempdir().unwrap();
    let path = write(input.path(), "2024-05-quotes-street.csv", &b);
    let store = tempfile::tempdir().unwrap();
    let c = ingest_ok(store.path(), &[path]).files[0].counts;
    assert_eq!(
        (
            c.rows_read,
            c.rows_loaded,
            c.duplicates_dropped,
            c.duplicate_ids_flagged
        ),
        (4, 3, 1, 2)
    );
    let incidents = read_table(store.path(), "incidents");
    let mut ids = incident_ids(&incidents);
    ids.sort();
    // Stored: only the id its row does not imply (crimescope_model::stored).
    let mut stored = strings(&incidents, "incident_id");
    stored.sort();
    assert_eq!(stored, [None, None, Some("police-uk-street:q2#2".to_string())]);
    assert_eq!(
        ids,
        ["police-uk-street:q1", "police-uk-street:q2", "police-uk-street:q2#2"]
    );
}

#[test]
fn a_stop_and_search_is_filed_under_its_local_month() {
    let header = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing";
    let text = format!(
        "{header}\nPerson search,2024-07-01T00:30:00+01:00,False,,51.51,-0.09,Male,18-24,,,Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,False,False\n"
    );
    let input = tempfile::tempdir().unwrap();
    let path = write(
        input.path(),
        "2024-07-city-of-london-stop-and-search.csv",
        text.as_bytes(),
    );
    let store = tempfile::tempdir().unwrap();
    ingest_ok(store.path(), &[path]);
    let manifest = read_manifest(store.path()).unwrap();
    let outputs: Vec<&str> = manifest.outputs_of("stop_search").map(|o| o.path.as_str()).collect();
    assert_eq!(outputs.len(), 1);
    assert!(outputs[0].starts_with("stop_search/month=2024-07/"), "{outputs:?}");
}
