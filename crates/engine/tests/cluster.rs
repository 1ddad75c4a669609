//! The same queries on a local session and on an in-process Ballista cluster (one
//! scheduler, one executor, every plan serialized over gRPC) return the same rows.
//! Only with `--features distributed`; the multi-process test is in the CLI's tests.
#![cfg(feature = "distributed")]

mod common;

use std::collections::HashMap;

use crimescope_engine::Session;
use crimescope_engine::arrow::array::{Array, RecordBatch};
use crimescope_engine::arrow::datatypes::{DataType, Float64Type};
use crimescope_engine::arrow::util::display::array_value_to_string;
use crimescope_engine::cluster;
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

/// Rows as text. Floats are rounded to 12 significant digits: a sum of non-integer
/// weights may differ in its last bits with the order partial sums are combined in,
/// which differs between any two parallel plans, local ones included.
fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            out.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(r) {
                            "NULL".to_string()
                        } else if c.data_type() == &DataType::Float64 {
                            format!(
                                "{:.11e}",
                                c.as_any()
                                    .downcast_ref::<crimescope_engine::arrow::array::PrimitiveArray<Float64Type>>()
                                    .unwrap()
                                    .value(r)
                            )
                        } else {
                            array_value_to_string(c, r).unwrap()
                        }
                    })
                    .collect(),
            );
        }
    }
    out
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn named_queries_and_functions_match_on_a_standalone_cluster() {
    if std::env::var_os("CRIMESCOPE_TEST_LOG").is_some() {
        log::set_logger(&StderrLog).unwrap();
        log::set_max_level(log::LevelFilter::Info);
    }
    let store = city_with_outcomes();
    let local = Session::open(store.path()).await.unwrap();
    let remote = cluster::standalone(store.path(), 2).await.unwrap();
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
        assert_eq!(here, there, "{name} {p:?}");
    }

    // A stateful function: the client's own harm table must travel with the plan (the
    // cluster's roles were started with the bundled table).
    let custom = HarmWeights::parse("test", "category,weight\nShoplifting,123.5\nOther theft,0.25\n").unwrap();
    assert_ne!(HarmWeights::v1().weight("Shoplifting"), Some(123.5));
    local.set_harm_weights(&custom);
    remote.set_harm_weights(&custom);
    let sql = "SELECT CAST(category AS VARCHAR) AS c, COUNT(*) AS n, SUM(harm_weight(category)) AS h, \
               MIN(bng_easting(longitude, latitude)) AS e \
               FROM incidents GROUP BY 1 ORDER BY 1";
    let here = rows(&local.sql(sql).await.unwrap());
    let there = rows(&remote.sql(sql).await.unwrap());
    assert_eq!(here, there);
    let shoplifting = there
        .iter()
        .find(|r| r[0] == "Shoplifting")
        .expect("the City has shoplifting");
    let n: f64 = shoplifting[1].parse().unwrap();
    let h: f64 = shoplifting[2].parse().unwrap();
    assert!(
        (h - 123.5 * n).abs() < 1e-6 * h,
        "the cluster used the client's table: {shoplifting:?}"
    );
    assert!(
        there.iter().any(|r| r[0] == "Robbery" && r[2] == "NULL"),
        "not in the custom table: NULL"
    );
}
