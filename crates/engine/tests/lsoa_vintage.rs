//! A 2023–2025 LSOA trend across police.uk's change from 2011 to 2021 LSOA codes: the
//! 2023 files carry 2011 codes and the 2024–2025 files their 2021 successors, as
//! police.uk's did. The expected series are computed here from the bundled ONS lookup
//! read with the `csv` crate, independently of crimescope's reading of it.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;

use common::fixtures;
use crimescope_engine::Session;
use crimescope_engine::lsoa_vintage::LsoaChange;
use crimescope_engine::series::{Exposure, SeriesRequest, trend_series};
use crimescope_engine::trend::{TrendGroup, TrendRequest, trend};

/// (2011 code, 2021 code) of every row of the lookup.
fn lookup_pairs() -> Vec<(String, String)> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(fixtures().join("boundaries/LSOA11_LSOA21_LAD22_lookup_EW.csv.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (a, b) = (col("LSOA11CD"), col("LSOA21CD"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[a].to_string(), r[b].to_string())
        })
        .collect()
}

const HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trend_across_the_vintage_change_has_one_series_per_2021_lsoa() {
    let pairs = lookup_pairs();
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for (a, b) in &pairs {
        parents.entry(b.as_str()).or_default().push(a.as_str());
    }
    let current: BTreeSet<&str> = parents.keys().copied().collect();
    // Coventry's retired 2011 LSOAs (split or redrawn), Camden's merged ones, and three
    // Coventry LSOAs whose code did not change.
    let coventry_retired: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(a, b)| !current.contains(a.as_str()) && parents[b.as_str()].len() == 1)
        .filter(|(a, _)| ("E01009600"..="E01009900").contains(&a.as_str()))
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert!(coventry_retired.len() >= 5, "{coventry_retired:?}");
    let merged: Vec<(&str, &str)> = ["E01000936", "E01000940"]
        .iter()
        .map(|a| (*a, pairs.iter().find(|(x, _)| x == a).unwrap().1.as_str()))
        .collect();
    assert_eq!(
        merged[0].1, merged[1].1,
        "Camden 024A and 024D merged into one 2021 LSOA"
    );
    let unchanged = [
        ("E01009500", "E01009500"),
        ("E01009501", "E01009501"),
        ("E01009502", "E01009502"),
    ];
    for (a, _) in unchanged {
        assert!(current.contains(a), "{a} is a 2021 code too");
    }
    let places: Vec<(&str, &str)> = coventry_retired
        .iter()
        .chain(&merged)
        .chain(&unchanged)
        .copied()
        .collect();

    // 36 monthly files; place k has 1 + (m + k) % 4 crimes in month m.
    let input = tempfile::tempdir().unwrap();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let (mut by_year, mut recorded_2011) = (BTreeMap::<i32, u64>::new(), 0u64);
    let mut serial = 0u64;
    for year in 2023..=2025 {
        for month in 1..=12u32 {
            let mut text = String::from(HEADER);
            for (k, (lsoa11, lsoa21)) in places.iter().enumerate() {
                let code = if year == 2023 { lsoa11 } else { lsoa21 };
                let n = 1 + (month as usize + k) % 4;
                for _ in 0..n {
                    serial += 1;
                    text.push_str(&format!(
                        "{serial:064x},{year}-{month:02},West Midlands Police,West Midlands Police,,,No Location,{code},Somewhere {k},Burglary,,\n"
                    ));
                }
                *expected.entry(lsoa21.to_string()).or_default() += n as u64;
                *by_year.entry(year).or_default() += n as u64;
                if year == 2023 && lsoa11 != lsoa21 {
                    recorded_2011 += n as u64;
                }
            }
            std::fs::write(input.path().join(format!("{year}-{month:02}-test-street.csv")), text).unwrap();
        }
    }
    let store = tempfile::tempdir().unwrap();
    crimescope_ingest::ingest(
        store.path(),
        &[input.path().to_path_buf()],
        &crimescope_ingest::IngestOptions::default(),
        &crimescope_ingest::NoProgress,
    )
    .unwrap();
    let session = Session::open(store.path()).await.unwrap();

    // Without the mapping the trend would have a series per recorded code.
    let recorded_codes: BTreeSet<&str> = places.iter().flat_map(|(a, b)| [*a, *b]).collect();
    assert!(recorded_codes.len() > expected.len());

    let mut request = TrendRequest::new("2025-01..2025-12".parse().unwrap());
    request.compare = Some("2023-01..2023-12".parse().unwrap());
    request.by = TrendGroup::Lsoa;
    let series = trend_series(
        &session,
        &SeriesRequest {
            trend: request.clone(),
            span: Some("2023-01..2025-12".parse().unwrap()),
            exposure: Exposure::None,
        },
    )
    .await
    .unwrap();
    let got: BTreeMap<String, u64> = series
        .groups
        .iter()
        .map(|g| (g.group.clone(), g.counts.iter().sum()))
        .collect();
    assert_eq!(got, expected, "one series per 2021 LSOA with every incident in it");
    assert_eq!(
        got.values().sum::<u64>(),
        by_year.values().sum::<u64>(),
        "totals unchanged by the mapping"
    );
    let merged_2023: u64 = (0..12)
        .map(|m| {
            places
                .iter()
                .enumerate()
                .filter(|(_, p)| merged.contains(p))
                .map(|(k, _)| 1 + (m + 1 + k as u64) % 4)
                .sum::<u64>()
        })
        .sum();
    let best_fit_2023 = recorded_2011 - merged_2023;
    let note = series
        .warnings
        .iter()
        .find(|w| w.contains("2021 LSOAs"))
        .expect("the series says how codes were read");
    eprintln!("{note}");
    assert!(
        note.contains(&format!("{merged_2023} incidents")) && note.contains(&format!("{best_fit_2023} incidents")),
        "{note}"
    );

    // The two-period trend: 2025 against 2023, the comparison year in 2011 codes.
    let table = trend(&session, &request).await.unwrap();
    let rows = table.records().unwrap();
    let groups: BTreeSet<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(groups, expected.keys().map(String::as_str).collect());
    assert_eq!(rows.iter().map(|r| r.current).sum::<u64>(), by_year[&2025]);
    assert_eq!(rows.iter().map(|r| r.previous).sum::<u64>(), by_year[&2023]);
    let by_rule: BTreeMap<LsoaChange, u64> = table.lsoa_vintage.iter().map(|c| (c.rule, c.incidents)).collect();
    assert_eq!(by_rule.get(&LsoaChange::Merged).copied().unwrap_or(0), merged_2023);
    assert_eq!(
        by_rule.get(&LsoaChange::BestFit).copied().unwrap_or(0) + merged_2023,
        recorded_2011
    );
    assert_eq!(
        by_rule.values().sum::<u64>(),
        by_year[&2023] + by_year[&2025],
        "every row with a code is read by one rule"
    );
}
