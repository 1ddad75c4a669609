//! `crimescope assess`: the demo end to end, the overview against independent counts of
//! the raw files, the statutory sections, self-contained HTML, the published version's
//! disclosure control, and config errors.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{crimescope, user_error};
use crimescope_report::disclosure::{check_line_protection, small_counts, suppression_marker};
use crimescope_report::table::Table;
use serde_json::Value;

/// The demo, run once per test binary: (the tempdir, its unsuppressed output, its
/// published output).
fn demo() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static DEMO: OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let full = dir.path().join("full");
        let out = crimescope(&["assess", "--demo", "--out", full.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // The published version from the store the demo built.
        let public = dir.path().join("public");
        let config = full.join("demo/assessment.toml");
        let out = crimescope(&[
            "assess",
            "--config",
            config.to_str().unwrap(),
            "--out",
            public.to_str().unwrap(),
            "--public",
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (dir, full, public)
    })
}

fn json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("assessment.json")).unwrap()).unwrap()
}

/// (source, category) -> [previous, current] from the raw files, read with the `csv`
/// crate: the City of London street files (less exact repeats of a Crime ID, which
/// ingest drops) and the synthetic council ASB file the demo generated.
fn raw_counts(full: &Path) -> BTreeMap<(String, String), [u64; 2]> {
    let half = |month: &str| match month {
        m if ("2024-01".."2024-07").contains(&m) => Some(0),
        m if ("2024-07".."2025-01").contains(&m) => Some(1),
        _ => None,
    };
    let mut counts: BTreeMap<(String, String), [u64; 2]> = BTreeMap::new();
    let city = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/police-uk/city-of-london");
    for entry in std::fs::read_dir(city).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with("-street.csv") {
            continue;
        }
        let mut seen: HashSet<Vec<String>> = HashSet::new();
        for rec in csv::Reader::from_path(&path).unwrap().records() {
            let f: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
            if !f[0].is_empty() && !seen.insert(f.clone()) {
                continue;
            }
            let source = if f[9] == "Anti-social behaviour" {
                "asb"
            } else {
                "police"
            };
            if let Some(h) = half(&f[1]) {
                counts.entry((source.into(), f[9].clone())).or_default()[h] += 1;
            }
        }
    }
    let asb = full.join("demo/inputs/partners/west-midlands/west-midlands-council-asb.csv");
    for rec in csv::Reader::from_path(asb).unwrap().records() {
        let rec = rec.unwrap();
        if let Some(h) = half(&rec[1][..7]) {
            counts.entry(("asb".into(), rec[2].to_string())).or_default()[h] += 1;
        }
    }
    counts
}

#[test]
fn overview_equals_independent_counts_of_the_raw_files() {
    let (_, full, _) = demo();
    let doc = json(full);
    let overview = doc["overview"].as_array().unwrap();
    let raw = raw_counts(full);
    let body = &overview[..overview.len() - 1];
    let got: BTreeMap<(String, String), [u64; 2]> = body
        .iter()
        .map(|r| {
            (
                (
                    r["source"].as_str().unwrap().to_string(),
                    r["category"].as_str().unwrap().to_string(),
                ),
                [r["previous"].as_u64().unwrap(), r["current"].as_u64().unwrap()],
            )
        })
        .collect();
    let raw_nonzero: BTreeMap<_, _> = raw.into_iter().filter(|(_, v)| v[0] + v[1] > 0).collect();
    assert_eq!(got, raw_nonzero);
    for r in body {
        let (c, p) = (r["current"].as_u64().unwrap(), r["previous"].as_u64().unwrap());
        assert_eq!(r["change"].as_i64().unwrap(), c as i64 - p as i64);
        let z = 2.0 * ((c as f64).sqrt() - (p as f64).sqrt());
        assert!((r["z"].as_f64().unwrap() - z).abs() < 0.006, "{r}");
        assert_eq!(r["significant"].as_bool().unwrap(), z.abs() >= 1.96, "{r}");
    }
    let total = overview.last().unwrap();
    assert_eq!(total["category"], "All crime and ASB");
    let sum: u64 = got.values().map(|v| v[1]).sum();
    assert_eq!(total["current"].as_u64().unwrap(), sum);
    let shares: f64 = body.iter().map(|r| r["harm_share"].as_f64().unwrap()).sum();
    assert!(
        (shares - 100.0).abs() < 0.1 * body.len() as f64,
        "harm shares sum to {shares}"
    );
}

#[test]
fn every_statutory_section_is_present_in_order_and_non_empty() {
    let (_, full, _) = demo();
    let doc = json(full);
    let ids: Vec<&str> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "summary",
            "context",
            "profile",
            "overview",
            "trends",
            "theme-1",
            "theme-2",
            "theme-3",
            "partner",
            "consultation",
            "priorities",
            "plan-review",
            "appendices"
        ]
    );
    for s in doc["sections"].as_array().unwrap() {
        assert!(
            s["produced"].as_bool().unwrap(),
            "{} not produced: {}",
            s["id"],
            s["reason"]
        );
        let own = s["paragraphs"].as_array().unwrap().len() + s["tables"].as_array().unwrap().len();
        let subs = s["subsections"].as_array().unwrap().len();
        assert!(own + subs > 0, "{} is empty", s["id"]);
        assert!(doc["section_seconds"][s["id"].as_str().unwrap()].as_f64().is_some());
    }
    // Sections without their data say why: police.uk has months only and no people.
    let theme1 = &doc["sections"][5]["subsections"];
    let near = theme1
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Near repeats")
        .unwrap();
    assert!(!near["produced"].as_bool().unwrap());
    assert!(near["reason"].as_str().unwrap().contains("dates to the day"));
    // The partner data exists in the demo: fires, ASB and re-offending are produced.
    for sub in doc["sections"][8]["subsections"].as_array().unwrap() {
        assert!(sub["produced"].as_bool().unwrap(), "{sub}");
    }
    let md = std::fs::read_to_string(full.join("assessment.md")).unwrap();
    for title in [
        "Executive summary",
        "Statutory context",
        "Priority matrix",
        "Appendices",
    ] {
        assert!(md.contains(title), "{title}");
    }
}

#[test]
fn html_is_well_formed_self_contained_and_marked() {
    let (_, full, public) = demo();
    let html = std::fs::read_to_string(full.join("assessment.html")).unwrap();
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the HTML is well-formed (polyglot XHTML)");
    assert!(!html.to_lowercase().contains("http"), "an external reference");
    for tag in ["script", "link", "img", "iframe"] {
        assert!(!doc.descendants().any(|n| n.has_tag_name(tag)), "<{tag}>");
    }
    let json = json(full);
    let tables = json["tables"].as_object().unwrap().len();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("table")).count(), tables);
    let svgs = doc.descendants().filter(|n| n.has_tag_name("svg")).count();
    assert!(svgs >= 5, "{svgs} inline figures");
    assert!(html.contains("OFFICIAL-SENSITIVE"));
    let published = std::fs::read_to_string(public.join("assessment.html")).unwrap();
    assert!(published.contains("OFFICIAL – FOR PUBLICATION"));
    assert!(!published.contains("OFFICIAL-SENSITIVE"));
}

fn tables_of(doc: &Value) -> Vec<Table> {
    // Rebuild tables from the JSON (columns carry their kinds).
    doc["tables"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, t)| {
            let columns: Vec<crimescope_report::table::Column> = serde_json::from_value(t["columns"].clone()).unwrap();
            let mut table = Table::new(id, t["title"].as_str().unwrap(), columns.clone());
            for r in t["rows"].as_array().unwrap() {
                table.push(columns.iter().map(|c| r[&c.name].clone()).collect());
            }
            table
        })
        .collect()
}

#[test]
fn published_version_suppresses_small_counts_and_leaves_out_people() {
    let (_, full, public) = demo();
    let full_doc = json(full);
    let public_doc = json(public);
    let marker = suppression_marker(5);
    let mut suppressed = 0;
    for t in tables_of(&public_doc) {
        assert!(small_counts(&t, 5).is_empty(), "{}: {:?}", t.id, small_counts(&t, 5));
        suppressed += t
            .rows
            .iter()
            .flatten()
            .filter(|v| v.as_str() == Some(marker.as_str()))
            .count();
        assert!(!t.is_personal(), "{} is a table of people", t.id);
    }
    assert!(
        suppressed > 0,
        "the demo has small counts, so something must be suppressed"
    );
    // Tables with totals keep every suppressed cell unrecoverable (the JSON loses the
    // total flags, so check the overview with its total row restored).
    let mut overview = tables_of(&public_doc).into_iter().find(|t| t.id == "overview").unwrap();
    overview.total_row = true;
    check_line_protection(&overview, &marker).unwrap();
    // No CSV carries a count from 1 to 4 in a count column either.
    for t in tables_of(&public_doc) {
        let text = std::fs::read_to_string(public.join("tables").join(format!("{}.csv", t.id))).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let counts: Vec<usize> = t
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == crimescope_report::table::ColumnKind::Count)
            .map(|(i, _)| i)
            .collect();
        for rec in rdr.records() {
            let rec = rec.unwrap();
            for &i in &counts {
                if let Ok(n) = rec[i].parse::<f64>() {
                    assert!(!(1.0..5.0).contains(&n), "{}.csv holds {n}", t.id);
                }
            }
        }
    }
    // No small whole number is left in the prose of the published version.
    fn paragraphs(s: &Value, out: &mut Vec<String>) {
        out.extend(
            s["paragraphs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_string()),
        );
        for sub in s["subsections"].as_array().unwrap() {
            paragraphs(sub, out);
        }
    }
    let mut prose = Vec::new();
    for s in public_doc["sections"].as_array().unwrap() {
        paragraphs(s, &mut prose);
    }
    for p in &prose {
        assert_eq!(crimescope_report::disclosure::suppress_small_numbers(p, 5).1, 0, "{p}");
    }
    // The unsuppressed version lists people; none of their keys is in any published file.
    let keys: Vec<String> = full_doc["tables"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|t| t["rows"].as_array().unwrap().iter())
        .filter_map(|r| r.get("person_key").and_then(Value::as_str).map(str::to_string))
        .collect();
    assert!(
        !keys.is_empty(),
        "the demo's council ASB data names victims and perpetrators"
    );
    for entry in walk(public) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        for k in &keys {
            assert!(!text.contains(k.as_str()), "{} holds the key {k}", entry.display());
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn demo_markdown_snapshot() {
    let (dir, full, _) = demo();
    let mut md = std::fs::read_to_string(full.join("assessment.md")).unwrap();
    // Redact what differs between runs: the folder and the ingest times.
    md = md.replace(dir.path().to_str().unwrap(), "[OUT]");
    let lineage = std::fs::read_to_string(full.join("tables/lineage.csv")).unwrap();
    for rec in csv::Reader::from_reader(lineage.as_bytes()).records() {
        let at = rec.unwrap()[3].to_string();
        md = md.replace(&at, "[INGESTED_AT]");
    }
    insta::assert_snapshot!("demo_assessment_md", md);
}

#[test]
fn missing_sources_are_reported_by_section() {
    let (_, full, _) = demo();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("assessment.toml");
    std::fs::write(
        &config,
        format!(
            "area = \"Police only\"\nstore = \"{}\"\nperiod = \"2024-07..2024-12\"\ncompare = \"2024-01..2024-06\"\n\
             sources = [\"police\"]\n",
            full.join("demo/store").display()
        ),
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let out = crimescope(&[
        "assess",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not produced: Fires"), "{stderr}");
    let doc = json(&out_dir);
    let partner = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "partner")
        .unwrap();
    let fires = &partner["subsections"][0];
    assert_eq!(fires["produced"], false);
    assert!(fires["reason"].as_str().unwrap().contains("key `sources`"), "{fires}");
    let consultation = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "consultation")
        .unwrap();
    assert!(consultation["reason"].as_str().unwrap().contains("`consultation`"));
}

#[test]
fn bad_configs_name_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let base = "area = \"X\"\nstore = \"s\"\nperiod = \"2025-01..2025-12\"\ncompare = \"2024-01..2024-12\"\n";
    let cases = [
        (format!("{base}colour = \"red\"\n"), "colour"),
        (
            "area = \"X\"\nstore = \"s\"\nperiod = \"2025-01..2025-12\"\n".to_string(),
            "compare",
        ),
        (base.replace("2025-01..2025-12", "2025-13"), "period"),
        (format!("{base}[hotspots]\ncell = 2\n"), "hotspots.cell"),
        (
            format!("{base}[priority_weights]\nharm = -1\n"),
            "priority_weights.harm",
        ),
        (
            format!("{base}[near_repeat]\nspace_bands = [100, 200]\n"),
            "near_repeat.space_bands",
        ),
        (format!("{base}consultation = \"missing.csv\"\n"), "consultation"),
        (
            format!("{base}[[previous_priorities]]\nname = \"a\"\nmeasure = \"colour:red\"\n"),
            "previous_priorities[0].measure",
        ),
    ];
    for (i, (text, key)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("c{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = crimescope(&[
            "assess",
            "--config",
            path.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ]);
        let err = user_error(&out);
        assert!(err.contains(key), "case {i}: expected `{key}` in: {err}");
    }
}
