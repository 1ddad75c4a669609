//! The planted truths can be measured in the generated files, independently of the
//! generator's own bookkeeping, and the police.uk output ingests cleanly.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crimescope_synth::{GenerateOptions, Scale, generate};

mod common;
use common::csv_rows;

struct Generated {
    _dir: tempfile::TempDir,
    root: PathBuf,
    truth: serde_json::Value,
}

fn coventry() -> &'static Generated {
    static DATA: OnceLock<Generated> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        generate(&GenerateOptions::new(Scale::Coventry, 2025, 42, root.clone())).unwrap();
        let truth = serde_json::from_slice(&std::fs::read(root.join("truth.json")).unwrap()).unwrap();
        Generated { _dir: dir, root, truth }
    })
}

/// One row per crime (the extract has one per crime, victim and offender).
fn crimes() -> Vec<HashMap<String, String>> {
    let rows = csv_rows(
        &coventry()
            .root
            .join("partners/west-midlands/west-midlands-force-crime.csv"),
    );
    let mut seen = HashSet::new();
    rows.into_iter()
        .filter(|r| seen.insert(r["crime_ref"].clone()))
        .collect()
}

fn day(text: &str) -> f64 {
    let (y, m, d) = (
        text[0..4].parse().unwrap(),
        text[5..7].parse().unwrap(),
        text[8..10].parse().unwrap(),
    );
    let minutes: f64 = if text.len() >= 16 {
        text[11..13].parse::<f64>().unwrap() * 60.0 + text[14..16].parse::<f64>().unwrap()
    } else {
        0.0
    };
    f64::from(crimescope_model::days_from_civil(y, m, d)) + minutes / 1440.0
}

#[test]
fn about_half_of_crime_is_at_five_percent_of_places() {
    let crimes: Vec<_> = crimes()
        .into_iter()
        .filter(|c| c["committed_from"].starts_with("2025"))
        .collect();
    let places = coventry().truth["forces"][0]["places"].as_u64().unwrap() as usize;
    let mut per_place: HashMap<&str, usize> = HashMap::new();
    for c in &crimes {
        *per_place.entry(&c["uprn"]).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_place.into_values().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top: usize = counts.iter().take(places / 20).sum();
    let share = top as f64 / crimes.len() as f64;
    assert!(
        (0.42..=0.60).contains(&share),
        "top 5% of {places} places hold {share:.3} of {} crimes",
        crimes.len()
    );
}

#[test]
fn the_rising_category_rises_by_the_stated_percentage() {
    let truth = &coventry().truth["rising_category"];
    let category = truth["category"].as_str().unwrap();
    let percent = truth["percent"].as_f64().unwrap();
    let mut by_year: BTreeMap<String, f64> = BTreeMap::new();
    for c in crimes().iter().filter(|c| c["category"] == category) {
        *by_year.entry(c["committed_from"][..4].to_string()).or_default() += 1.0;
    }
    let change = (by_year["2025"] / by_year["2024"] - 1.0) * 100.0;
    assert!(
        (change - percent).abs() <= 3.0,
        "{category}: {by_year:?} is {change:.1}%, planted {percent}%"
    );
    // The other categories do not rise by anything like it.
    let others: Vec<_> = crimes()
        .into_iter()
        .filter(|c| c["category"] != category && c["category"] != "Burglary")
        .collect();
    let n = |y: &str| others.iter().filter(|c| c["committed_from"].starts_with(y)).count() as f64;
    assert!((n("2025") / n("2024") - 1.0).abs() < 0.03);
}

#[test]
fn burglaries_show_an_excess_of_near_repeat_pairs_over_shuffled_dates() {
    let nr = &coventry().truth["near_repeat"];
    let (radius, days) = (nr["radius_m"].as_f64().unwrap(), nr["days"].as_f64().unwrap());
    let burglaries: Vec<(f64, f64, f64)> = crimes()
        .iter()
        .filter(|c| c["category"] == "Burglary")
        .map(|c| {
            (
                c["easting"].parse().unwrap(),
                c["northing"].parse().unwrap(),
                day(&c["committed_from"]),
            )
        })
        .collect();
    let close_pairs = |times: &[f64]| {
        let mut n = 0;
        for i in 0..burglaries.len() {
            for j in i + 1..burglaries.len() {
                let (a, b) = (&burglaries[i], &burglaries[j]);
                if (times[i] - times[j]).abs() <= days && (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2) <= radius * radius {
                    n += 1;
                }
            }
        }
        n
    };
    let times: Vec<f64> = burglaries.iter().map(|b| b.2).collect();
    let observed = close_pairs(&times);
    // Control: the same places with dates shuffled (seeded Fisher-Yates, xorshift).
    let mut x: u64 = 7;
    let mut controls = Vec::new();
    for _ in 0..9 {
        let mut t = times.clone();
        for i in (1..t.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t.swap(i, (x % (i as u64 + 1)) as usize);
        }
        controls.push(close_pairs(&t));
    }
    let mean = controls.iter().sum::<usize>() as f64 / controls.len() as f64;
    assert!(
        observed > *controls.iter().max().unwrap(),
        "observed {observed}, controls {controls:?}"
    );
    assert!(
        observed as f64 / mean > 1.3,
        "observed {observed} vs control mean {mean:.0}"
    );
}

#[test]
fn repeat_victims_and_offenders_match_truth_and_offending_is_concentrated() {
    let rows = csv_rows(
        &coventry()
            .root
            .join("partners/west-midlands/west-midlands-force-crime.csv"),
    );
    let mut victims: HashMap<String, HashSet<String>> = HashMap::new();
    let mut offenders: HashMap<String, HashSet<String>> = HashMap::new();
    for r in &rows {
        if !r["victim_id"].is_empty() {
            victims
                .entry(r["victim_id"].clone())
                .or_default()
                .insert(r["crime_ref"].clone());
        }
        if !r["offender_id"].is_empty() {
            offenders
                .entry(r["offender_id"].clone())
                .or_default()
                .insert(r["crime_ref"].clone());
        }
    }
    let truth = &coventry().truth;
    let repeats = |m: &HashMap<String, HashSet<String>>| m.values().filter(|s| s.len() >= 2).count() as u64;
    assert_eq!(repeats(&victims), truth["repeat_victims"].as_u64().unwrap());
    assert_eq!(repeats(&offenders), truth["repeat_offenders"].as_u64().unwrap());
    assert!(repeats(&victims) > 1000);
    // The power few: the top 10% of offenders commit well over a third of detected crime.
    let mut counts: Vec<usize> = offenders.values().map(HashSet::len).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let share = counts.iter().take(counts.len() / 10).sum::<usize>() as f64 / counts.iter().sum::<usize>() as f64;
    assert!(share > 0.4, "top 10% of offenders: {share:.2}");
    // Some crimes have two victims: one crime, several rows.
    assert!(rows.len() > crimes().len());
}

#[test]
fn proven_reoffending_is_about_a_quarter_under_the_moj_definition() {
    let dir = coventry().root.join("partners/west-midlands");
    let cohort = csv_rows(&dir.join("west-midlands-probation-cohort.csv"));
    let starts: HashMap<String, f64> = cohort
        .iter()
        .map(|r| (r["crn"].clone(), day(&r["cohort_start"])))
        .collect();
    let mut proven = HashSet::new();
    for r in csv_rows(&dir.join("west-midlands-probation-reoffences.csv")) {
        let start = starts[&r["crn"]];
        let (offence, conviction) = (day(&r["offence_date"]), day(&r["conviction_date"]));
        // Committed within 12 months; proven within those 12 months plus 6 more.
        if offence > start && offence <= start + 365.0 && conviction <= start + 365.0 + 183.0 {
            proven.insert(r["crn"].clone());
        }
    }
    let rate = proven.len() as f64 / cohort.len() as f64;
    assert_eq!(cohort.len(), 2000);
    assert!((rate - 0.25).abs() <= 0.03, "proven re-offending {rate:.3}");
    assert_eq!(
        proven.len() as u64,
        coventry().truth["proven_reoffending"]["reoffenders"].as_u64().unwrap()
    );
}

#[test]
fn police_uk_output_ingests_with_zero_rejects() {
    let store = tempfile::tempdir().unwrap();
    let report = crimescope_ingest::ingest(
        store.path(),
        &[coventry().root.join("police-uk")],
        &crimescope_ingest::IngestOptions::default(),
        &crimescope_ingest::NoProgress,
    )
    .unwrap();
    assert_eq!(report.files.len(), 24);
    assert_eq!(report.totals.rows_rejected, 0);
    assert_eq!(
        report.totals.rows_read,
        coventry().truth["rows"]["police_uk_rows"].as_u64().unwrap()
    );
    let no_location = report.totals.no_location as f64 / report.totals.rows_loaded as f64;
    assert!(
        (0.06..0.10).contains(&no_location),
        "No Location share {no_location:.3}"
    );
    assert_eq!(report.totals.outside_gb, 0);
}

#[test]
fn planted_errors_are_exactly_the_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("out");
    let mut options = GenerateOptions::new(Scale::Coventry, 2025, 42, root.clone());
    options.with_errors = true;
    options.volume_factor = 0.05;
    generate(&options).unwrap();
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(root.join("truth.json")).unwrap()).unwrap();
    let mut planted: Vec<String> = truth["planted_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect();
    planted.sort();
    let store = tempfile::tempdir().unwrap();
    let report = crimescope_ingest::ingest(
        store.path(),
        &[root.join("police-uk")],
        &crimescope_ingest::IngestOptions::default(),
        &crimescope_ingest::NoProgress,
    )
    .unwrap();
    assert_eq!(report.totals.rows_rejected as usize, planted.len());
    assert_eq!(planted.len(), 6);
    let rejected_file = report.files.iter().find(|f| f.counts.rows_rejected > 0).unwrap();
    assert!(
        rejected_file
            .path
            .ends_with(truth["planted_errors"][0]["file"].as_str().unwrap())
    );
}

#[test]
fn headers_are_the_ones_docs_formats_documents() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/formats.md")).unwrap();
    let sections = [
        ("## force-crime", crimescope_synth::write::FORCE_CRIME_HEADER),
        ("## council-asb", crimescope_synth::write::COUNCIL_ASB_HEADER),
        ("## fire-irs", crimescope_synth::write::FIRE_IRS_HEADER),
        ("## probation-cohort", crimescope_synth::write::PROBATION_COHORT_HEADER),
        (
            "## probation-reoffences",
            crimescope_synth::write::PROBATION_REOFFENCES_HEADER,
        ),
    ];
    for (heading, header) in sections {
        let body = doc.split(heading).nth(1).unwrap().split("\n## ").next().unwrap();
        let documented: Vec<&str> = body
            .lines()
            .filter(|l| l.starts_with("| ") && l.split('|').nth(1).is_some_and(|c| c.trim().parse::<u32>().is_ok()))
            .map(|l| l.split('|').nth(2).unwrap().trim().trim_matches('`'))
            .collect();
        assert_eq!(documented.join(","), header, "{heading}");
    }
    assert!(doc.contains(crimescope_synth::write::STREET_HEADER));
}

#[test]
fn rates_rise_with_deprivation_and_times_follow_the_category_profiles() {
    // Crimes per LSOA by IMD decile, from the police.uk files and the real IMD table.
    let imd = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/coventry/coventry_imd2019_deprivation.csv"),
    )
    .unwrap();
    let decile: HashMap<String, u32> = imd
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|l| {
            (
                l.split(',').next().unwrap().to_string(),
                l.rsplit(',').next().unwrap().trim().parse().unwrap(),
            )
        })
        .collect();
    let mut per_lsoa: HashMap<String, f64> = HashMap::new();
    for month in 1..=12 {
        let path = coventry().root.join(format!(
            "police-uk/2025-{month:02}/2025-{month:02}-west-midlands-street.csv"
        ));
        for r in csv_rows(&path) {
            if !r["LSOA code"].is_empty() && r["Crime type"] != "Anti-social behaviour" {
                *per_lsoa.entry(r["LSOA code"].clone()).or_default() += 1.0;
            }
        }
    }
    let mean = |lo: u32, hi: u32| {
        let codes: Vec<&String> = decile
            .iter()
            .filter(|(_, d)| (lo..=hi).contains(*d))
            .map(|(c, _)| c)
            .collect();
        codes
            .iter()
            .map(|c| per_lsoa.get(*c).copied().unwrap_or(0.0))
            .sum::<f64>()
            / codes.len() as f64
    };
    let (deprived, affluent) = (mean(1, 3), mean(8, 10));
    assert!(
        deprived > 1.3 * affluent,
        "crimes per LSOA: deciles 1-3 {deprived:.0}, deciles 8-10 {affluent:.0}"
    );

    // Violence peaks at night, shoplifting in shop hours.
    let night_share = |category: &str| {
        let c: Vec<_> = crimes().into_iter().filter(|c| c["category"] == category).collect();
        let night = c
            .iter()
            .filter(|c| matches!(&c["committed_from"][11..13], "22" | "23" | "00" | "01" | "02"))
            .count();
        night as f64 / c.len() as f64
    };
    let (violence, shoplifting) = (night_share("Violence and sexual offences"), night_share("Shoplifting"));
    assert!(
        violence > 0.3 && shoplifting < 0.05,
        "night share: violence {violence:.2}, shoplifting {shoplifting:.2}"
    );
}
