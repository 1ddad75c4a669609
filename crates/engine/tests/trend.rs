//! Trend analysis on real data, checked against counts this test computes itself from
//! the raw CSV text with the `csv` crate (independent of crimescope's readers).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use crimescope_engine::arrow::array::{Array, AsArray, RecordBatch};
use crimescope_engine::arrow::compute::cast;
use crimescope_engine::arrow::datatypes::DataType;
use crimescope_engine::series::{Exposure, SeriesRequest, trend_series};
use crimescope_engine::trend::{TrendGroup, TrendRequest, trend};
use crimescope_engine::{EngineError, Session};
use crimescope_ingest::{IngestOptions, NoProgress, ingest};
use crimescope_model::{Period, Source};

use common::{city_store, fixtures};

fn period(s: &str) -> Period {
    s.parse().unwrap()
}

/// (month, crime type, LSOA) of every City of London street row ingest loads.
fn raw_city_rows() -> Vec<(String, String, String)> {
    common::raw_city_rows()
        .into_iter()
        .map(|f| (f[1].clone(), f[9].clone(), f[7].clone()))
        .collect()
}

/// Rows of a batch list as maps from column name to text (nulls are "NULL").
fn rows(batches: &[RecordBatch]) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<_> = b.columns().iter().map(|c| cast(c, &DataType::Utf8).unwrap()).collect();
        for r in 0..b.num_rows() {
            let mut row = HashMap::new();
            for (i, f) in b.schema().fields().iter().enumerate() {
                let c = cols[i].as_string::<i32>();
                row.insert(
                    f.name().clone(),
                    if c.is_valid(r) {
                        c.value(r).to_string()
                    } else {
                        "NULL".into()
                    },
                );
            }
            out.push(row);
        }
    }
    out
}

fn count_by<F: Fn(&(String, String, String)) -> String>(
    raw: &[(String, String, String)],
    months: Period,
    key: F,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for r in raw {
        if months.contains(r.0.parse().unwrap()) {
            *out.entry(key(r)).or_default() += 1;
        }
    }
    out
}

#[tokio::test]
async fn category_and_lsoa_counts_match_the_raw_csv() {
    let raw = raw_city_rows();
    let (_dir, session) = city_store().await;
    let current = period("2024-07..2024-12");
    let previous = period("2024-01..2024-06");
    for (by, key) in [
        (
            TrendGroup::Category,
            (|r: &(String, String, String)| r.1.clone()) as fn(&_) -> String,
        ),
        (TrendGroup::Lsoa, |r| {
            if r.2.is_empty() { "(none)".into() } else { r.2.clone() }
        }),
        (TrendGroup::Source, |r| {
            if r.1 == "Anti-social behaviour" {
                "asb".into()
            } else {
                "police".into()
            }
        }),
    ] {
        let mut request = TrendRequest::new(current);
        request.by = by;
        assert_eq!(
            request.comparison(),
            period("2023-07..2023-12"),
            "the default comparison is the same months a year earlier"
        );
        request.compare = Some(previous);
        let table = trend(&session, &request).await.unwrap();
        let want_now = count_by(&raw, current, key);
        let want_before = count_by(&raw, previous, key);
        let got = rows(&table.batches);
        let (total_now, total_before) = table.totals().unwrap();
        assert_eq!(total_now as u64, want_now.values().sum::<u64>(), "{by}: current total");
        assert_eq!(
            total_before as u64,
            want_before.values().sum::<u64>(),
            "{by}: previous total"
        );
        let groups: HashSet<&String> = want_now.keys().chain(want_before.keys()).collect();
        assert_eq!(got.len(), groups.len(), "one row per {by}");
        // The E-test and the adjustment across rows, recomputed here from the counts.
        let p_raw: Vec<f64> = got
            .iter()
            .map(|row| {
                let (c, p) = (row["current"].parse().unwrap(), row["previous"].parse().unwrap());
                crimescope_stats::poisson_e_test(c, p, 6.0, 6.0)
            })
            .collect();
        let q = crimescope_stats::benjamini_hochberg(&p_raw);
        for (i, row) in got.iter().enumerate() {
            let p_sql: f64 = row["p"].parse().unwrap();
            let q_sql: f64 = row["p_fdr"].parse().unwrap();
            assert!(
                (p_sql - p_raw[i]).abs() < 1e-12,
                "{by} {}: p {p_sql} vs {}",
                row["group"],
                p_raw[i]
            );
            assert!(
                (q_sql - q[i]).abs() < 1e-12,
                "{by} {}: p_fdr {q_sql} vs {}",
                row["group"],
                q[i]
            );
            assert_eq!(row["significant"] == "true", q[i] < 0.05);
        }
        for row in &got {
            let g = &row["group"];
            let c: u64 = row["current"].parse().unwrap();
            let p: u64 = row["previous"].parse().unwrap();
            assert_eq!(c, want_now.get(g).copied().unwrap_or(0), "{by} {g} current");
            assert_eq!(p, want_before.get(g).copied().unwrap_or(0), "{by} {g} previous");
            assert_eq!(row["change"].parse::<i64>().unwrap(), c as i64 - p as i64);
            let z: f64 = row["z"].parse().unwrap();
            assert!((z - std::f64::consts::SQRT_2 * ((c as f64).sqrt() - (p as f64).sqrt())).abs() < 1e-9);
            if p == 0 {
                assert_eq!(row["pct_change"], "NULL");
            } else {
                let pct: f64 = row["pct_change"].parse().unwrap();
                assert!((pct - 100.0 * (c as f64 - p as f64) / p as f64).abs() < 1e-9);
            }
        }
    }
}

#[tokio::test]
async fn themes_overlap_and_cover_every_category() {
    let raw = raw_city_rows();
    let (_dir, session) = city_store().await;
    let mut request = TrendRequest::new(period("2024-07..2024-12"));
    request.by = TrendGroup::Theme;
    let got = rows(&trend(&session, &request).await.unwrap().batches);
    let themes = crimescope_model::Themes::coventry_2025();
    let by_category = count_by(&raw, period("2024-07..2024-12"), |r| r.1.clone());
    for row in &got {
        let want: u64 = by_category
            .iter()
            .filter(|(c, _)| themes.themes_of(c).contains(&row["group"].as_str()))
            .map(|(_, n)| n)
            .sum();
        assert_eq!(row["current"].parse::<u64>().unwrap(), want, "theme {}", row["group"]);
    }
    assert_eq!(
        got.len(),
        3,
        "City of London data touches all three themes and nothing is unassigned"
    );
}

#[tokio::test]
async fn filters_rates_and_population() {
    let raw = raw_city_rows();
    let (dir, _) = city_store().await;
    // A constructed population table (these are not ONS figures) for two LSOAs.
    let pop = dir.path().join("pop.csv");
    std::fs::write(
        &pop,
        "area_code,area_name,population\nE01032739,City of London 001F,2000\nE01032740,City of London 001G,1500\n",
    )
    .unwrap();
    crimescope_ingest::population::add_population(
        dir.path(),
        &pop,
        crimescope_model::AreaLevel::Lsoa,
        &crimescope_ingest::population::PopulationColumns::default(),
    )
    .unwrap();
    let session = Session::open(dir.path()).await.unwrap();
    let mut request = TrendRequest::new(period("2024-07..2024-12"));
    request.by = TrendGroup::Lsoa;
    request.category = Some("theft-from-the-person".into());
    request.source = Some(Source::Police);
    let table = trend(&session, &request).await.unwrap();
    assert_eq!(table.category.as_deref(), Some("Theft from the person"));
    let want = count_by(&raw, request.period, |r| format!("{}|{}", r.1, r.2));
    for row in rows(&table.batches) {
        let c: f64 = row["current"].parse().unwrap();
        let lsoa = if row["group"] == "(none)" {
            ""
        } else {
            row["group"].as_str()
        };
        assert_eq!(
            c as u64,
            want.get(&format!("Theft from the person|{lsoa}")).copied().unwrap_or(0)
        );
        match row["group"].as_str() {
            "E01032739" => {
                assert_eq!(row["residents"], "2000");
                assert!((row["rate_current"].parse::<f64>().unwrap() - 1000.0 * c / 2000.0).abs() < 1e-9);
            }
            "E01032740" => assert_eq!(row["name"], "City of London 001G"),
            _ => assert_eq!(row["rate_current"], "NULL"),
        }
    }
    // Category rates use the whole area's residents (the sum over LSOAs).
    let by_cat = rows(
        &trend(&session, &TrendRequest::new(period("2024-07..2024-12")))
            .await
            .unwrap()
            .batches,
    );
    assert!(by_cat.iter().all(|r| r["residents"] == "3500"));
}

#[tokio::test]
async fn bad_requests_are_clear_errors_or_empty_results_with_reasons() {
    let (_dir, session) = city_store().await;
    // Overlapping periods.
    let mut request = TrendRequest::new(period("2024-01..2024-12"));
    request.compare = Some(period("2024-06..2024-08"));
    let e = trend(&session, &request).await.unwrap_err();
    assert!(e.to_string().contains("overlaps"), "{e}");
    assert!(e.is_user_error());
    // An unknown category lists close matches.
    let mut request = TrendRequest::new(period("2024-07..2024-12"));
    request.category = Some("burglery".into());
    let e = trend(&session, &request).await.unwrap_err().to_string();
    assert!(e.contains("did you mean: Burglary"), "{e}");
    // A period outside the data: an empty table and warnings that say why.
    let table = trend(&session, &TrendRequest::new(period("2030-01..2030-12")))
        .await
        .unwrap();
    assert_eq!(table.rows(), 0);
    assert!(
        table
            .warnings
            .iter()
            .any(|w| w.contains("2030-01..2030-12 has no data at all")),
        "{:?}",
        table.warnings
    );
    // Half outside: counts are real, the warning names the missing months.
    let table = trend(&session, &TrendRequest::new(period("2024-10..2025-03")))
        .await
        .unwrap();
    assert!(table.rows() > 0);
    assert!(
        table
            .warnings
            .iter()
            .any(|w| w.contains("no data for 3 of its 6 months (2025-01, 2025-02, 2025-03)"))
    );
    // A reversed range cannot be built.
    assert!("2024-12..2024-01".parse::<Period>().is_err());
    // A series of a period outside the data is an error that says so.
    let e = trend_series(
        &session,
        &SeriesRequest {
            trend: TrendRequest::new(period("2030-01..2030-12")),
            span: None,
            exposure: Exposure::None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, EngineError::Unanswerable(_)) && e.to_string().contains("no data"),
        "{e}"
    );
}

#[tokio::test]
async fn series_counts_months_and_reports_no_time_profile_for_police_uk() {
    let raw = raw_city_rows();
    let (_dir, session) = city_store().await;
    let series = trend_series(
        &session,
        &SeriesRequest {
            trend: TrendRequest::new(period("2024-07..2024-12")),
            span: None,
            exposure: Exposure::None,
        },
    )
    .await
    .unwrap();
    assert_eq!(series.span, period("2024-01..2024-12"));
    let want = count_by(&raw, series.span, |r| format!("{}|{}", r.1, r.0));
    for g in &series.groups {
        for (m, c) in g.months.iter().zip(&g.counts) {
            assert_eq!(
                *c,
                want.get(&format!("{}|{m}", g.group)).copied().unwrap_or(0),
                "{} {m}",
                g.group
            );
        }
        assert_eq!(g.rolling_12[11], Some(g.counts.iter().sum()));
        assert!(g.seasonal_index.is_none(), "12 months is too short for seasonality");
        // The chart follows the months' dispersion: Pearson X² against one rate,
        // recomputed here; Laney's chart exactly when it is significant at 5%.
        let total: u64 = g.counts.iter().sum();
        if total > 0 {
            let mean = total as f64 / 12.0;
            let x2: f64 = g.counts.iter().map(|&c| (c as f64 - mean).powi(2) / mean).sum();
            let over = x2 > 11.0 && crimescope_stats::chi_square_upper_tail(x2, 11.0) < 0.05;
            assert_eq!(
                g.chart_kind == crimescope_stats::ChartKind::LaneyPrime,
                over,
                "{}: X² {x2}",
                g.group
            );
            assert!((g.dispersion.unwrap().ratio - x2 / 11.0).abs() < 1e-9);
        }
    }
    assert!(!series.time_profile.available);
    assert!(series.time_profile.reason.as_deref().unwrap().contains("month only"));
    let long = series.to_record_batch().unwrap();
    assert_eq!(long.num_rows(), series.groups.len() * 12);
}

/// The Chicago aggravated assaults 2010-2014 carry times to the minute: the monthly
/// series, the seasonality and the day-of-week x hour profile are checked against the
/// raw file.
#[tokio::test]
async fn chicago_series_seasonality_and_time_profile_match_the_raw_file() {
    let path = fixtures().join("real/chicago-aggravated-assaults-2010-2014.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut months: BTreeMap<String, u64> = BTreeMap::new();
    let mut cells = [[0u64; 24]; 7];
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for rec in reader.records() {
        let rec = rec.unwrap();
        let date = &rec[0]; // YYYY-MM-DD HH:MM
        *months.entry(date[..7].to_string()).or_default() += 1;
        if date.starts_with("2014") {
            let (y, m, d): (i64, i64, i64) = (
                date[..4].parse().unwrap(),
                date[5..7].parse().unwrap(),
                date[8..10].parse().unwrap(),
            );
            // Sakamoto's day of week (0 = Sunday), independent of crimescope's calendar code.
            let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
            let yy = if m < 3 { y - 1 } else { y };
            let dow = (yy + yy / 4 - yy / 100 + yy / 400 + t[(m - 1) as usize] + d) % 7;
            let iso = if dow == 0 { 6 } else { dow - 1 } as usize;
            cells[iso][date[11..13].parse::<usize>().unwrap()] += 1;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let options = IngestOptions::default().with_mapping(
        crimescope_ingest::mapping::MappingProfile::load(&fixtures().join("profiles/chicago-assaults.toml")).unwrap(),
    );
    let report = ingest(dir.path(), &[path], &options, &NoProgress).unwrap();
    assert_eq!(report.totals.rows_rejected, 0);
    // Stored in UTC from Chicago's clock, and read back on it: the file's own hours.
    let options = crimescope_engine::SessionOptions {
        clock_zone: crimescope_ingest::local_time::LocalZone::parse("America/Chicago").unwrap(),
        ..crimescope_engine::SessionOptions::default()
    };
    let session = Session::open_with(dir.path(), &options).await.unwrap();
    let mut request = TrendRequest::new(period("2014-01..2014-12"));
    request.by = TrendGroup::Category;
    let series = trend_series(
        &session,
        &SeriesRequest {
            trend: request,
            span: Some(period("2010-01..2014-12")),
            exposure: Exposure::DaysInMonth,
        },
    )
    .await
    .unwrap();
    assert_eq!(series.groups.len(), 1);
    let g = &series.groups[0];
    assert_eq!(g.months.len(), 60);
    for (m, c) in g.months.iter().zip(&g.counts) {
        assert_eq!(*c, months[&m.to_string()], "{m}");
    }
    // Assaults in Chicago peak in summer: July is above trend, January below.
    let idx = g.seasonal_index.expect("60 months");
    assert!(idx[6] > 1.1 && idx[0] < 0.9, "seasonal index {idx:?}");
    assert!(series.time_profile.available);
    assert_eq!(series.time_profile.cells, cells);
    assert_eq!(
        series.time_profile.incidents,
        months
            .iter()
            .filter(|(m, _)| m.starts_with("2014"))
            .map(|(_, n)| n)
            .sum::<u64>()
    );
}

/// The change drivers add up: for every kind of part, the parts' changes sum to the
/// change of the selection as the trend query counts it, and by LSOA each part equals
/// the trend-by-LSOA row.
#[tokio::test]
async fn change_drivers_sum_to_the_change() {
    use crimescope_engine::drivers::{DriverKind, DriverRequest, change_drivers};
    let (_dir, session) = city_store().await;
    let (current, previous) = (period("2024-07..2024-12"), period("2024-01..2024-06"));
    for category in [
        None,
        Some("Theft from the person".to_string()),
        Some("Shoplifting".to_string()),
    ] {
        let mut t = TrendRequest::new(current);
        t.compare = Some(previous);
        t.category = category.clone();
        let (now, before) = trend(&session, &t).await.unwrap().totals().unwrap();
        let request = DriverRequest {
            period: current,
            compare: previous,
            source: None,
            category: category.clone(),
            theme: None,
        };
        for kind in DriverKind::ALL {
            let d = change_drivers(&session, &request, kind).await.unwrap();
            assert_eq!(d.change, now - before, "{category:?} by {kind:?}");
            assert_eq!(d.sum_of_parts(), d.change);
            let (c, p): (u64, u64) = d
                .drivers
                .iter()
                .fold((0, 0), |(a, b), x| (a + x.current, b + x.previous));
            assert_eq!((c as i64, p as i64), (now, before), "{category:?} by {kind:?}");
            // Sorted by contribution in the direction of the change.
            for w in d.drivers.windows(2) {
                if d.change >= 0 {
                    assert!(w[0].change >= w[1].change);
                } else {
                    assert!(w[0].change <= w[1].change);
                }
            }
        }
        t.by = TrendGroup::Lsoa;
        let by_lsoa = rows(&trend(&session, &t).await.unwrap().batches);
        let d = change_drivers(&session, &request, DriverKind::Lsoa).await.unwrap();
        assert_eq!(d.drivers.len(), by_lsoa.len());
        for row in &by_lsoa {
            let part = d.drivers.iter().find(|x| x.key == row["group"]).unwrap();
            assert_eq!(part.current.to_string(), row["current"]);
            assert_eq!(part.previous.to_string(), row["previous"]);
        }
        if d.change != 0 {
            let share = d.top_share(d.drivers.len()).unwrap();
            assert!((share - 1.0).abs() < 1e-12, "all parts hold the whole change");
        }
    }
}
