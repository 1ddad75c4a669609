//! Operating a store: `verify`, damaged files and manifests, a store from a newer
//! version, and a disk that fills during an ingest.

mod common;

use std::path::Path;
use std::process::Command;

use common::{city_store, crimescope, fixtures, user_error};

fn manifest(store: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(store.join("manifest.json")).unwrap()).unwrap()
}

/// Every file the manifest lists for readers, with its recorded size.
fn listed_parquet(store: &Path) -> Vec<(String, u64)> {
    let m = manifest(store);
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["outputs"].as_array().unwrap().iter())
        .map(|o| (o["path"].as_str().unwrap().to_string(), o["bytes"].as_u64().unwrap()))
        .collect()
}

fn count(store: &Path) -> std::process::Output {
    crimescope(&[
        "sql",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "csv",
        "SELECT count(*) AS n, count(DISTINCT category) AS c, sum(longitude) AS x FROM incidents",
    ])
}

#[test]
fn verify_passes_a_good_store_and_names_every_damaged_file() {
    let store = city_store();
    let root = store.path();
    let files = listed_parquet(root);
    assert!(files.len() >= 12, "{files:?}");

    let out = crimescope(&["verify", "--store", root.to_str().unwrap(), "--json"]);
    let report = common::stdout_json(&out);
    assert_eq!(report["files_checked"].as_u64(), Some(files.len() as u64));
    assert_eq!(
        report["hashes_checked"], report["files_checked"],
        "every file written by this build has a hash"
    );
    assert_eq!(report["problems"].as_array().map(Vec::len), Some(0));

    // Truncated: verify names it, and a query refuses the store naming it too.
    let (truncated, bytes) = &files[0];
    let path = root.join(truncated);
    let original = std::fs::read(&path).unwrap();
    assert_eq!(original.len() as u64, *bytes);
    std::fs::write(&path, &original[..original.len() / 2]).unwrap();
    let out = crimescope(&["verify", "--store", root.to_str().unwrap()]);
    let err = user_error(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(truncated.as_str()) && stdout.contains("truncated"),
        "{stdout}"
    );
    assert!(err.contains("1 of"), "{err}");
    let err = user_error(&count(root));
    assert!(err.contains(truncated.as_str()) && err.contains("verify"), "{err}");

    // Garbled in place, same size: the hash tells, whatever a query would read.
    let mut garbled = original.clone();
    let middle = garbled.len() / 2;
    for b in &mut garbled[middle..middle + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &garbled).unwrap();
    let out = crimescope(&["verify", "--store", root.to_str().unwrap()]);
    user_error(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(truncated.as_str()) && stdout.contains("content changed"),
        "{stdout}"
    );

    // A garbled footer: the query fails as damage, naming verify, never a count.
    let mut footer = original.clone();
    let end = footer.len() - 8;
    for b in &mut footer[end - 200..end] {
        *b ^= 0xff;
    }
    std::fs::write(&path, &footer).unwrap();
    let out = count(root);
    let err = user_error(&out);
    assert!(err.contains("damaged") && err.contains("verify"), "{err}");
    assert!(out.stdout.is_empty(), "no count is printed from a damaged store");

    // Restored from the backup: clean again, and the count is the raw CSV's.
    std::fs::write(&path, &original).unwrap();
    let out = crimescope(&["verify", "--store", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = count(root);
    assert!(out.status.success());
    // The street files' rows, read with the csv crate, against what ingest read.
    let raw_rows: usize = std::fs::read_dir(fixtures().join("city-of-london"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("-street.csv"))
        .map(|p| csv::Reader::from_path(p).unwrap().records().count())
        .sum();
    let text = String::from_utf8_lossy(&out.stdout);
    let n: u64 = text.lines().nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    let m = manifest(root);
    let street = |field: &str| -> u64 {
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["name"].as_str().unwrap().ends_with("-street.csv"))
            .map(|f| f[field].as_u64().unwrap())
            .sum()
    };
    assert_eq!(street("rows_read"), raw_rows as u64);
    assert_eq!(n, street("rows_loaded"));
}

#[test]
fn a_missing_file_is_named_by_verify_and_by_a_query() {
    let store = city_store();
    let root = store.path();
    let (gone, _) = listed_parquet(root).pop().unwrap();
    std::fs::remove_file(root.join(&gone)).unwrap();
    let out = crimescope(&["verify", "--store", root.to_str().unwrap()]);
    user_error(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{gone}: missing")));
    let err = user_error(&count(root));
    assert!(err.contains(&gone) && err.contains("missing"), "{err}");
}

#[test]
fn a_damaged_or_newer_manifest_is_refused_with_a_message() {
    let store = city_store();
    let root = store.path();
    let good = std::fs::read(root.join("manifest.json")).unwrap();

    std::fs::write(root.join("manifest.json"), &good[..good.len() / 3]).unwrap();
    for out in [count(root), crimescope(&["verify", "--store", root.to_str().unwrap()])] {
        let err = user_error(&out);
        assert!(
            err.contains("manifest.json is damaged") && err.contains("backup"),
            "{err}"
        );
    }

    let mut newer = manifest_from(&good);
    newer["version"] = serde_json::json!(99);
    newer["a_field_from_the_future"] = serde_json::json!({"x": 1});
    std::fs::write(root.join("manifest.json"), serde_json::to_vec(&newer).unwrap()).unwrap();
    for out in [
        count(root),
        crimescope(&[
            "ingest",
            "--store",
            root.to_str().unwrap(),
            fixtures().join("city-of-london").to_str().unwrap(),
        ]),
    ] {
        let err = user_error(&out);
        assert!(err.contains("newer crimescope") && err.contains("version 99"), "{err}");
    }
    assert_eq!(manifest(root)["version"], 99, "an ingest left the newer store alone");

    // A version 1 manifest (no hashes) still reads, and verify says what it could check.
    let mut old = manifest_from(&good);
    old["version"] = serde_json::json!(1);
    old.as_object_mut().unwrap().remove("compaction");
    for file in old["files"].as_array_mut().unwrap() {
        for output in file["outputs"].as_array_mut().unwrap() {
            let o = output.as_object_mut().unwrap();
            o.remove("bytes");
            o.remove("sha256");
        }
    }
    std::fs::write(root.join("manifest.json"), serde_json::to_vec(&old).unwrap()).unwrap();
    assert!(count(root).status.success());
    let report = common::stdout_json(&crimescope(&["verify", "--store", root.to_str().unwrap(), "--json"]));
    assert_eq!(report["manifest_version"], 1);
    assert_eq!(report["hashes_checked"], 0);
    assert_eq!(report["problems"].as_array().map(Vec::len), Some(0));
}

fn manifest_from(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

/// A file-size limit (`ulimit -f`) stands in for a full disk: the write fails with
/// EFBIG (the binary catches SIGXFSZ), the ingest reports it and the store is as it was.
#[test]
fn an_ingest_that_cannot_write_fails_clearly_and_changes_nothing() {
    let inputs = tempfile::tempdir().unwrap();
    let months: Vec<_> = std::fs::read_dir(fixtures().join("city-of-london"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let (first, rest): (Vec<_>, Vec<_>) = months.iter().partition(|p| p.to_string_lossy().contains("2024-01"));
    let store = tempfile::tempdir().unwrap();
    let root = store.path().join("s");
    let out = crimescope(&["ingest", "--store", root.to_str().unwrap(), first[0].to_str().unwrap()]);
    assert!(out.status.success());
    let before = std::fs::read(root.join("manifest.json")).unwrap();
    for p in &rest {
        std::fs::copy(p, inputs.path().join(p.file_name().unwrap())).unwrap();
    }
    // 16 KiB: smaller than the year's Parquet files and its manifest.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f 16; exec '{}' ingest --store '{}' '{}'",
            env!("CARGO_BIN_EXE_crimescope"),
            root.display(),
            inputs.path().display()
        ))
        .output()
        .unwrap();
    let err = user_error(&out);
    assert!(
        err.contains("size limit") && err.contains("store is as it was"),
        "{err}"
    );
    assert_eq!(std::fs::read(root.join("manifest.json")).unwrap(), before);
    assert!(!root.join(".staging").exists(), "staged files were removed");
    let out = crimescope(&["verify", "--store", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    // Without the limit the same ingest succeeds.
    let out = crimescope(&[
        "ingest",
        "--store",
        root.to_str().unwrap(),
        inputs.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
