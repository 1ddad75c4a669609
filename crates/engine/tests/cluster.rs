//! The same queries on a local session and on an in-process Ballista cluster (one
//! scheduler, one executor, every plan serialized over gRPC) return the same rows.
//! Only with `--features distributed`; the multi-process test is in the CLI's tests.
#![cfg(feature = "distributed")]

mod common;

use std::collections::HashMap;

use crimescope_engine::arrow::array::{Array, AsArray, RecordBatch};
use crimescope_engine::arrow::datatypes::{DataType, Float64Type};
use crimescope_engine::arrow::util::display::array_value_to_string;
use crimescope_engine::cluster;
use crimescope_engine::{Session, SessionOptions};
use crimescope_model::{HarmWeights, Themes};

/// A store of the City of London 2024 street files and two constructed outcomes files,
/// so `incidents` is the latest-outcome view (a window over a join).
fn city_with_outcomes() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crimescope_ingest::ingest(
        dir.path(),
        &[
            common::fixtures().join("police-uk/city-of-london"),
            common::fixtures().join("police-uk/constructed-outcomes"),
        ],
        &crimescope_ingest::IngestOptions::default(),
        &crimescope_ingest::NoProgress,
    )
    .unwrap();
    dir
}

/// One result cell: text, or a float compared to a relative tolerance.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Cell {
    Text(String),
    Float(f64),
}

/// Rows of cells; NULL is the text "NULL".
fn rows(batches: &[RecordBatch]) -> Vec<Vec<Cell>> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            out.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(r) {
                            Cell::Text("NULL".to_string())
                        } else if c.data_type() == &DataType::Float64 {
                            Cell::Float(c.as_primitive::<Float64Type>().value(r))
                        } else {
                            Cell::Text(array_value_to_string(c, r).unwrap())
                        }
                    })
                    .collect(),
            );
        }
    }
    out
}

/// Equal rows: text exactly, floats to 1e-9 relative. A sum of non-integer weights may
/// differ in its last bits with the order partial sums are combined in, which differs
/// between any two parallel plans, local ones included.
fn assert_same_rows(here: &[Vec<Cell>], there: &[Vec<Cell>], what: &str) {
    assert_eq!(here.len(), there.len(), "{what}: row counts differ");
    for (i, (a, b)) in here.iter().zip(there).enumerate() {
        assert_eq!(a.len(), b.len(), "{what} row {i}");
        for (x, y) in a.iter().zip(b) {
            match (x, y) {
                (Cell::Float(x), Cell::Float(y)) => {
                    assert!(
                        (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
                        "{what} row {i}: {a:?} here, {b:?} there"
                    )
                }
                _ => assert_eq!(x, y, "{what} row {i}: {a:?} here, {b:?} there"),
            }
        }
    }
}

/// A sort key for rows whose order may tie: floats to 6 significant digits.
fn sort_key(row: &[Cell]) -> Vec<String> {
    row.iter()
        .map(|c| match c {
            Cell::Text(t) => t.clone(),
            Cell::Float(f) => format!("{f:.5e}"),
        })
        .collect()
}

/// Ballista's log on stderr when CRIMESCOPE_TEST_LOG is set (debugging a cluster test).
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::Level::Info
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            eprintln!("[{} {}] {}", r.level(), r.target(), r.args());
        }
    }
    fn flush(&self) {}
}

fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Run a test body as a task on a runtime with 32 MB worker stacks, as Ballista's own
/// binaries and `crimescope` do: encoding and decoding deep plans (the trend queries'
/// change test adds window and subquery levels) recurse past tokio's 2 MB default in
/// debug builds.
fn on_big_stacks<F: std::future::Future<Output = ()> + Send + 'static>(body: F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_stack_size(32 * 1024 * 1024)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { tokio::spawn(body).await.unwrap() });
}

#[test]
fn named_queries_and_functions_match_on_a_standalone_cluster() {
    on_big_stacks(named_queries_and_functions());
}

async fn named_queries_and_functions() {
    if std::env::var_os("CRIMESCOPE_TEST_LOG").is_some() {
        log::set_logger(&StderrLog).unwrap();
        log::set_max_level(log::LevelFilter::Info);
    }
    let store = city_with_outcomes();
    let local = Session::open(store.path()).await.unwrap();
    let remote = cluster::standalone(store.path(), 2, &SessionOptions::default())
        .await
        .unwrap();
    let theme = Themes::coventry_2025().pairs()[0].1.clone();
    let year = [("period_start", "2024-01"), ("period_end", "2024-12")];
    let halves = [
        ("period_start", "2024-07"),
        ("period_end", "2024-12"),
        ("compare_start", "2024-01"),
        ("compare_end", "2024-06"),
    ];
    let cases: Vec<(&str, HashMap<String, String>)> = vec![
        ("trend_by_category", params(&halves)),
        ("trend_monthly", params(&year)),
        ("hotspot_grid", params(&year)),
        (
            "hotspot_grid",
            params(&[year[0], year[1], ("cell", "100"), ("theme", theme.as_str())]),
        ),
        ("hotspot_grid_monthly", params(&year)),
        ("hotspot_by_lsoa", params(&year)),
        ("repeat_locations", params(&year)),
    ];
    for (name, p) in &cases {
        let here = rows(&local.run_builtin(name, p).await.unwrap());
        let there = rows(&remote.run_builtin(name, p).await.unwrap());
        assert!(
            !here.is_empty(),
            "{name} {p:?} returned nothing locally; the comparison would be empty"
        );
        assert_same_rows(&here, &there, &format!("{name} {p:?}"));
    }

    // Each crime's latest outcome: the `incidents` view's `latest_of` aggregate, planned
    // on the scheduler and run on the executors.
    let sql = "SELECT record_id, CAST(outcome AS VARCHAR) AS outcome FROM incidents \
               WHERE record_id IS NOT NULL ORDER BY 1, 2";
    let here = rows(&local.sql(sql).await.unwrap());
    let there = rows(&remote.sql(sql).await.unwrap());
    assert!(!here.is_empty(), "no crimes with ids; the comparison would be empty");
    assert_same_rows(&here, &there, sql);

    // A stateful function: the client's own harm table must travel with the plan (the
    // cluster's roles were started with the bundled table).
    let custom = HarmWeights::parse("test", "category,weight\nShoplifting,123.5\nOther theft,0.25\n").unwrap();
    assert_ne!(HarmWeights::v1().weight("Shoplifting"), Some(123.5));
    // A session is built with its harm table; open both again with the custom one.
    let options = SessionOptions {
        harm: custom,
        ..SessionOptions::default()
    };
    let local = Session::open_with(store.path(), &options).await.unwrap();
    let remote = cluster::standalone(store.path(), 2, &options).await.unwrap();
    let sql = "SELECT CAST(category AS VARCHAR) AS c, COUNT(*) AS n, SUM(harm_weight(category)) AS h, \
               MIN(bng_easting(longitude, latitude)) AS e \
               FROM incidents GROUP BY 1 ORDER BY 1";
    let here = rows(&local.sql(sql).await.unwrap());
    let there = rows(&remote.sql(sql).await.unwrap());
    assert_same_rows(&here, &there, sql);
    let text = |s: &str| Cell::Text(s.to_string());
    let shoplifting = there
        .iter()
        .find(|r| r[0] == text("Shoplifting"))
        .expect("the City has shoplifting");
    let (Cell::Text(n), Cell::Float(h)) = (&shoplifting[1], &shoplifting[2]) else {
        panic!("count and harm expected: {shoplifting:?}")
    };
    let n: f64 = n.parse().unwrap();
    assert!(
        (h - 123.5 * n).abs() < 1e-6 * h,
        "the cluster used the client's table: {shoplifting:?}"
    );
    assert!(
        there.iter().any(|r| r[0] == text("Robbery") && r[2] == text("NULL")),
        "a category not in the custom table gets NULL"
    );
}

/// Partner data with person keys, UPRNs, area codes and dates to the day: the synthetic
/// Coventry council ASB and fire extracts (seed 42), pseudonymised at ingest. The
/// extracts carry no ward codes and no ward boundaries are bundled, so Coventry's real
/// LSOA 2021 polygons are loaded at the `ward` level as well: every located row gets a
/// `ward_code` (an LSOA code), which is all `hotspot_by_ward` needs to be compared.
fn coventry_partners() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    let options = crimescope_synth::GenerateOptions::new(crimescope_synth::Scale::Coventry, 2024, 42, inputs.clone());
    crimescope_synth::generate(&options).unwrap();
    let partners = inputs.join("partners").join("west-midlands");
    let paths: Vec<_> = ["council-asb", "fire-irs"]
        .iter()
        .map(|name| partners.join(format!("west-midlands-{name}.csv")))
        .collect();
    let options = crimescope_ingest::IngestOptions::default().with_key(
        crimescope_ingest::pseudonym::PseudonymKey::from_bytes(b"cluster test key, not for real data").unwrap(),
    );
    let store = dir.path().join("store");
    let polygons = common::fixtures().join("coventry/coventry_lsoa21_wgs84.geojson");
    for level in [crimescope_model::AreaLevel::Lsoa, crimescope_model::AreaLevel::Ward] {
        crimescope_ingest::boundaries::add_boundaries(&store, &polygons, level, "LSOA21CD", "LSOA21NM").unwrap();
    }
    crimescope_ingest::ingest(&store, &paths, &options, &crimescope_ingest::NoProgress).unwrap();
    dir
}

#[test]
fn partner_queries_match_on_a_standalone_cluster() {
    on_big_stacks(partner_queries());
}

async fn partner_queries() {
    let dir = coventry_partners();
    let store = dir.path().join("store");
    let local = Session::open(&store).await.unwrap();
    let remote = cluster::standalone(&store, 2, &SessionOptions::default())
        .await
        .unwrap();
    let year = [("period_start", "2024-01"), ("period_end", "2024-12")];
    let cases: Vec<(&str, HashMap<String, String>)> = vec![
        ("hotspot_by_ward", params(&year)),
        ("hotspot_by_lsoa", params(&year)),
        ("repeat_locations", params(&year)),
        ("repeat_people", params(&year)),
        ("time_profile", params(&year)),
        ("near_repeat_events", params(&[year[0], year[1], ("source", "fire")])),
    ];
    for (name, p) in &cases {
        // Compared as sorted multisets: these queries order by keys that may tie.
        let mut here = rows(&local.run_builtin(name, p).await.unwrap());
        let mut there = rows(&remote.run_builtin(name, p).await.unwrap());
        assert!(
            here.len() > 10,
            "{name}: {} rows locally; the comparison would be weak",
            here.len()
        );
        here.sort_by_key(|r| sort_key(r));
        there.sort_by_key(|r| sort_key(r));
        assert_same_rows(&here, &there, &format!("{name} {p:?}"));
    }
}

/// A store file removed after a cluster session opened: the scheduler's listing of it
/// fails and the client reports a damaged store naming the file, as a local session
/// does, rather than answering from the files left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_removed_after_the_cluster_session_opened_is_named_as_damage() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store [a] b");
    crimescope_ingest::ingest(
        &store,
        &[common::fixtures().join("police-uk/city-of-london")],
        &crimescope_ingest::IngestOptions::default(),
        &crimescope_ingest::NoProgress,
    )
    .unwrap();
    let session = cluster::standalone(&store, 2, &SessionOptions::default())
        .await
        .unwrap();
    let removed = session.manifest().incidents_files()[0].path.clone();
    std::fs::remove_file(store.join(&removed)).unwrap();
    let error = session
        .sql("SELECT category, COUNT(*) FROM incidents GROUP BY category")
        .await
        .unwrap_err();
    assert!(
        matches!(error, crimescope_engine::EngineError::DamagedStore { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&store.join(&removed).display().to_string()),
        "{error}"
    );
}
