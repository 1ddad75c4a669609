//! `crimescope trend`, `query` and `population` end to end.

mod common;

use common::*;

use std::collections::BTreeSet;

use serde_json::Value;

/// Anti-social behaviour rows per half-year, counted from the raw CSV text.
fn raw_asb(months: std::ops::RangeInclusive<u32>) -> u64 {
    let mut n = 0;
    for m in months {
        let path = fixtures().join(format!("city-of-london/2024-{m:02}-city-of-london-street.csv"));
        let text = std::fs::read_to_string(path).unwrap();
        n += text.lines().filter(|l| l.contains(",Anti-social behaviour,")).count() as u64;
    }
    n
}

#[test]
fn trend_json_is_only_an_array_with_the_documented_keys() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let out = crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--compare",
        "previous",
        "--format",
        "json",
    ]);
    let rows = stdout_json(&out);
    let rows = rows.as_array().expect("a JSON array");
    assert_eq!(rows.len(), 14, "the 14 police.uk types");
    for r in rows {
        for key in [
            "group",
            "current",
            "previous",
            "change",
            "pct_change",
            "z",
            "p",
            "p_fdr",
            "significant",
        ] {
            assert!(r.get(key).is_some(), "{key} missing from {r}");
        }
    }
    let asb = rows.iter().find(|r| r["group"] == "Anti-social behaviour").unwrap();
    assert_eq!(asb["current"], raw_asb(7..=12));
    assert_eq!(asb["previous"], raw_asb(1..=6));
    // No population loaded: the note goes to stderr, the rates are null.
    assert!(asb["rate_current"].is_null());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no population is loaded"));
}

#[test]
fn explicit_comparison_and_percentages_from_zero() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let out = crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-01..2024-06",
        "--compare",
        "2023-01..2023-06",
        "--by",
        "source",
        "--format",
        "json",
    ]);
    let rows = stdout_json(&out);
    for r in rows.as_array().unwrap() {
        assert_eq!(r["previous"], 0);
        assert!(r["pct_change"].is_null(), "no percentage from zero: {r}");
        // Absent data is flagged, not reported as a significant change.
        assert_eq!(r["coverage"]["status"]["comparison"], "none", "{r}");
        assert_eq!(r["coverage"]["current"]["with_data"], 6, "{r}");
        for key in ["z", "p", "p_fdr", "significant"] {
            assert!(r[key].is_null(), "{key}: {r}");
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("comparison period 2023-01..2023-06 has no data at all"),
        "{stderr}"
    );
}

#[test]
fn bad_trend_requests_exit_1_and_say_why() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let e = user_error(&crimescope(&["trend", "--store", s, "--period", "2024-12..2024-01"]));
    assert!(e.contains("ends (2024-01) before it starts (2024-12)"), "{e}");
    let e = user_error(&crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--category",
        "burglery",
    ]));
    assert!(e.contains("did you mean: Burglary"), "{e}");
    let e = user_error(&crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--by",
        "postcode",
    ]));
    assert!(e.contains("category, source, theme, lsoa, ward, force"), "{e}");
    let e = user_error(&crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--source",
        "probation",
    ]));
    assert!(e.contains("unknown source"), "{e}");
    // Outside the data: success, an empty result that says why.
    let out = crimescope(&["trend", "--store", s, "--period", "2030-01..2030-12"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("No incidents match in either period"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no data at all"));
    let out = crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2030-01..2030-12",
        "--format",
        "json",
    ]);
    assert_eq!(stdout_json(&out), serde_json::json!([]));
    let e = user_error(&crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2030-01..2030-12",
        "--series",
    ]));
    assert!(e.contains("no data to make a series"), "{e}");
}

#[test]
fn series_json_has_statistics_and_says_the_time_profile_is_not_available() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let out = crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--series",
        "--by",
        "source",
        "--format",
        "json",
    ]);
    let v = stdout_json(&out);
    assert_eq!(v["span"], "2024-01..2024-12");
    let asb = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "asb")
        .unwrap();
    assert_eq!(asb["months"].as_array().unwrap().len(), 12);
    assert_eq!(asb["incidents"], raw_asb(1..=12));
    for key in ["s", "var_s", "z", "p", "tau", "trend"] {
        assert!(asb["mann_kendall"].get(key).is_some(), "{key}");
    }
    assert_eq!(v["time_profile"]["available"], false);
    assert!(v["time_profile"]["reason"].as_str().unwrap().contains("not available"));
    let table = crimescope(&["trend", "--store", s, "--period", "2024-07..2024-12", "--series"]);
    assert!(table.status.success());
    assert!(String::from_utf8_lossy(&table.stdout).contains("Day-of-week × hour profile: not available"));
}

#[test]
fn query_list_and_run_bind_parameters_and_run_several_at_once() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let list = crimescope(&["query", "list", "--format", "json"]);
    let list = stdout_json(&list);
    let trend = list
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "trend_by_category")
        .unwrap();
    assert!(
        trend["params"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "period_start" && p["type"] == "month")
    );

    let out = crimescope(&[
        "query",
        "run",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--compare",
        "2024-01..2024-06",
        "--format",
        "json",
        "trend_by_category",
        "trend_by_source",
    ]);
    let v = stdout_json(&out);
    let by_source = v["trend_by_source"].as_array().unwrap();
    let asb = by_source.iter().find(|r| r["group"] == "asb").unwrap();
    assert_eq!(asb["current"], raw_asb(7..=12));
    assert_eq!(v["trend_by_category"].as_array().unwrap().len(), 14);

    // A value with SQL in it is bound as text: it matches no category and runs nothing.
    let out = crimescope(&[
        "query",
        "run",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--param",
        "category=x' OR '1'='1",
        "--format",
        "json",
        "trend_by_category",
    ]);
    assert_eq!(stdout_json(&out), serde_json::json!([]));

    let e = user_error(&crimescope(&[
        "query",
        "run",
        "--store",
        s,
        "--param",
        "colour=red",
        "trend_by_category",
    ]));
    assert!(e.contains("--param colour"), "{e}");
    let e = user_error(&crimescope(&["query", "run", "--store", s, "trend_by_category"]));
    assert!(e.contains("'period_start' (month) is required"), "{e}");
    let e = user_error(&crimescope(&["query", "run", "--store", s, "trend_by_categry"]));
    assert!(e.contains("did you mean: trend_by_category"), "{e}");
}

#[test]
fn an_analysts_own_query_folder() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("busy_lsoas.sql"),
        "-- LSOAs with at least min_count incidents in the period.\n\
         -- @param period_start month First month.\n\
         -- @param period_end month Last month.\n\
         -- @param min_count int = 1000 The threshold.\n\
         SELECT lsoa_code, COUNT(*) AS n FROM incidents\n\
         WHERE month BETWEEN $period_start AND $period_end AND lsoa_code IS NOT NULL\n\
         GROUP BY 1 HAVING COUNT(*) >= $min_count ORDER BY n DESC, 1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sneaky.sql"),
        "-- Writes.\nCOPY incidents TO '/tmp/x.csv'\n",
    )
    .unwrap();
    let q = dir.path().to_str().unwrap();
    let list = stdout_json(&crimescope(&["query", "list", "--queries", q, "--format", "json"]));
    assert!(list.as_array().unwrap().iter().any(|x| x["name"] == "busy_lsoas"));
    let out = crimescope(&[
        "query",
        "run",
        "--store",
        s,
        "--queries",
        q,
        "--period",
        "2024-01..2024-12",
        "--param",
        "min_count=3000",
        "--format",
        "json",
        "busy_lsoas",
    ]);
    let rows = stdout_json(&out);
    let rows = rows.as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r["n"].as_i64().unwrap() >= 3000),
        "{rows:?}"
    );
    let e = user_error(&crimescope(&["query", "run", "--store", s, "--queries", q, "sneaky"]));
    assert!(e.contains("read-only"), "{e}");
}

#[test]
fn population_gives_rates_per_thousand() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pop = dir.path().join("pop.csv");
    // Constructed figures for the test, not ONS estimates.
    std::fs::write(&pop, "LSOA21CD,residents\nE01032739,2000\nE01032740,1500\n").unwrap();
    let p = pop.to_str().unwrap();
    let e = user_error(&crimescope(&["population", "add", "--store", s, p]));
    assert!(e.contains("--code-field"), "{e}");
    let out = crimescope(&[
        "population",
        "add",
        "--store",
        s,
        "--code-field",
        "LSOA21CD",
        "--population-field",
        "residents",
        p,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = stdout_json(&crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--by",
        "lsoa",
        "--format",
        "json",
    ]));
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"] == "E01032740")
        .unwrap();
    let current = row["current"].as_f64().unwrap();
    assert_eq!(row["residents"], 1500);
    assert!((row["rate_current"].as_f64().unwrap() - current * 1000.0 / 1500.0).abs() < 1e-9);
}

#[test]
fn hotspots_gi_json_has_the_documented_keys_and_geojson_is_a_feature_collection() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let out = crimescope(&[
        "hotspots",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--method",
        "gi",
        "--format",
        "json",
    ]);
    let rows = stdout_json(&out);
    let rows = rows.as_array().expect("a JSON array");
    assert!(!rows.is_empty());
    for key in ["cell_id", "easting", "northing", "count", "z", "p", "p_fdr", "class"] {
        assert!(rows[0].get(key).is_some(), "{key}");
    }
    assert!(rows.iter().any(|r| r["class"] == "hot spot 99%"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("study area"));
    let geo = crimescope(&[
        "hotspots",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--method",
        "kde",
        "--format",
        "geojson",
    ]);
    let v = stdout_json(&geo);
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["features"][0]["geometry"]["type"], "Polygon");
    assert!(String::from_utf8_lossy(&geo.stderr).contains("incidents per km² per year"));
    let conc = stdout_json(&crimescope(&[
        "hotspots",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--method",
        "concentration",
        "--format",
        "json",
    ]));
    let units: Vec<&str> = conc
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["place", "250 m grid cell", "lsoa", "nearest neighbour index"]);
    let e = user_error(&crimescope(&[
        "hotspots",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--area",
        "county",
    ]));
    assert!(e.contains("--area 'county'"), "{e}");
    let e = user_error(&crimescope(&[
        "hotspots",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--area",
        "lsoa",
    ]));
    assert!(e.contains("no lsoa boundaries"), "{e}");
    let e = user_error(&crimescope(&["hotspots", "--store", s, "--period", "2030-01..2030-12"]));
    assert!(e.contains("no located incidents"), "{e}");
}

#[test]
fn hotspot_tables_list_occupied_cells_unless_all_cells_is_asked_for() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let rows = |method: &str, all: bool| -> Vec<Value> {
        let mut args = vec![
            "hotspots",
            "--store",
            s,
            "--period",
            "2024-01..2024-12",
            "--method",
            method,
            "--format",
            "json",
        ];
        if all {
            args.push("--all-cells");
        }
        let out = crimescope(&args);
        let notes = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            notes.contains(if all {
                "cells of the study area listed"
            } else {
                "--all-cells lists them all"
            }),
            "{notes}"
        );
        stdout_json(&out).as_array().unwrap().clone()
    };
    let id = |r: &Value| r["cell_id"].as_str().unwrap().to_string();
    for method in ["grid", "gi", "kde"] {
        let (some, all) = (rows(method, false), rows(method, true));
        assert!(some.len() < all.len(), "{method}: {} of {}", some.len(), all.len());
        let listed: BTreeSet<String> = some.iter().map(id).collect();
        // Exactly the cells that hold something are listed, with the same figures.
        let occupied = |r: &Value| match method {
            "kde" => r["density_per_km2_per_year"].as_f64().unwrap() > 0.0,
            "gi" => r["count"].as_u64().unwrap() > 0 || r["gi_bin"].as_i64().unwrap() != 0,
            _ => r["count"].as_u64().unwrap() > 0,
        };
        let expected: Vec<&Value> = all.iter().filter(|r| occupied(r)).collect();
        assert_eq!(expected.len(), some.len(), "{method}");
        for (a, b) in expected.iter().zip(&some) {
            assert_eq!(*a, b, "{method}: the statistics do not depend on the rows listed");
        }
        assert_eq!(listed.len(), some.len());
    }
}

/// `--area` selects the partnership's incidents in every analysis and in `sql`:
/// `incidents` is the area's, `incidents_all` the store's, `incidents_placed` says where
/// each one is.
#[test]
fn area_selects_the_partnership_incidents() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let count = |args: &[&str]| -> u64 {
        let rows = stdout_json(&crimescope(args));
        rows[0]["n"].as_u64().unwrap()
    };
    let sql = |query: &str| -> Vec<String> {
        [
            "sql",
            "--store",
            s,
            "--format",
            "json",
            "--area",
            "City of London",
            query,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let run = |args: Vec<String>| count(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let area = run(sql("SELECT COUNT(*) AS n FROM incidents"));
    let all = run(sql("SELECT COUNT(*) AS n FROM incidents_all"));
    let placed = run(sql(
        "SELECT COUNT(*) AS n FROM incidents_placed WHERE placement IN ('inside', 'unplaceable')",
    ));
    let outside = run(sql(
        "SELECT COUNT(*) AS n FROM incidents_placed WHERE placement = 'outside'",
    ));
    assert!(outside > 0, "the City force reports crimes elsewhere");
    assert_eq!(area, placed);
    assert_eq!(all, area + outside);
    let store_total = count(&[
        "sql",
        "--store",
        s,
        "--format",
        "json",
        "SELECT COUNT(*) AS n FROM incidents",
    ]);
    assert_eq!(store_total, all, "without --area, incidents is the whole store");
    // trend --area: its totals are the area's.
    let rows = stdout_json(&crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--by",
        "source",
        "--area",
        "E09000001",
        "--format",
        "json",
    ]));
    let current: u64 = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["current"].as_u64().unwrap())
        .sum();
    let in_period = run(sql(
        "SELECT COUNT(*) AS n FROM incidents WHERE month >= DATE '2024-07-01'",
    ));
    assert_eq!(current, in_period);
    let e = user_error(&crimescope(&[
        "trend",
        "--store",
        s,
        "--period",
        "2024-07..2024-12",
        "--area",
        "Cty of London",
    ]));
    assert!(e.contains("did you mean: City of London"), "{e}");
}
