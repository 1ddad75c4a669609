//! `crimescope repeats`, `near-repeat` and `reoffending` end to end.

mod common;

use common::*;

#[test]
fn repeat_locations_json_and_people_need_person_keys() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let v = stdout_json(&crimescope(&[
        "repeats",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--kind",
        "location",
        "--top",
        "3",
        "--format",
        "json",
    ]));
    for key in [
        "locations",
        "repeat_locations",
        "incidents_located",
        "incidents_at_repeat_locations",
        "top",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["top"].as_array().unwrap().len(), 3);
    assert!(v["notes"][0].as_str().unwrap().contains("inflated"));
    let e = user_error(&crimescope(&[
        "repeats",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--kind",
        "victim",
    ]));
    assert!(e.contains("needs person keys") && e.contains("docs/formats.md"), "{e}");
    let e = user_error(&crimescope(&[
        "near-repeat",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--category",
        "Burglary",
    ]));
    assert!(e.contains("needs dates to the day"), "{e}");
}

/// The real Chicago assaults (times to the minute): the Knox JSON has the documented
/// shape and the same seed gives the same bytes.
#[test]
fn near_repeat_json_on_real_dated_data_is_reproducible() {
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    let real = fixtures().join("../real/chicago-aggravated-assaults-2010-2014.csv.gz");
    let profile = fixtures().join("../profiles/chicago-assaults.toml");
    let out = crimescope(&[
        "ingest",
        "--store",
        s,
        "--json",
        "--profile",
        profile.to_str().unwrap(),
        real.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let args = [
        "near-repeat",
        "--store",
        s,
        "--period",
        "2014-06..2014-08",
        "--space-bands",
        "0,100,200",
        "--time-bands",
        "0,3,7",
        "--permutations",
        "99",
        "--seed",
        "4",
        "--timezone",
        "America/Chicago",
        "--format",
        "json",
    ];
    let first = crimescope(&args);
    let v = stdout_json(&first);
    for key in [
        "n",
        "space_bands",
        "time_bands",
        "observed",
        "expected",
        "knox_ratio",
        "p",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(
        v["space_bands"],
        serde_json::json!(["[0, 100)", "[100, 200)", "[200, inf)"])
    );
    assert_eq!(v["observed"].as_array().unwrap().len(), 3);
    let n = v["n"].as_u64().unwrap();
    let pairs: u64 = v["observed"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(pairs, n * (n - 1) / 2, "every pair in one cell");
    assert_eq!(crimescope(&args).stdout, first.stdout, "same seed, same bytes");
}

#[test]
fn reoffending_refuses_a_store_without_probation_data() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let e = user_error(&crimescope(&[
        "reoffending",
        "--store",
        s,
        "--cohort",
        "2024-01..2024-12",
    ]));
    assert!(e.contains("no re-offences"), "{e}");
}
