//! `crimescope assess`: the Coventry demo end to end (every part produced; the area's
//! counts against independent counts of the generated raw files; the statutory sections;
//! self-contained HTML; the published version's disclosure control), the City of London
//! demo against independent counts of the real police.uk files, and config errors.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{crimescope, user_error};
use crimescope_report::disclosure::{check_line_protection, small_counts, suppression_marker};
use crimescope_report::table::Table;
use serde_json::Value;

/// The Coventry demo, run once per test binary: (the tempdir, its unsuppressed output,
/// its published output).
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

/// The City of London demo: (the tempdir, its output).
fn city() -> &'static (tempfile::TempDir, PathBuf) {
    static CITY: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    CITY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let full = dir.path().join("city");
        let out = crimescope(&["assess", "--demo", "city-of-london", "--out", full.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (dir, full)
    })
}

fn json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("assessment.json")).unwrap()).unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The ONS lookup, read here: (LSOA11CD, LSOA11NM, LSOA21CD, LAD22NM) per row.
fn ons_lookup() -> Vec<[String; 4]> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(fixtures().join("boundaries/LSOA11_LSOA21_LAD22_lookup_EW.csv.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let h: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (a, b, c, d) = (col("LSOA11CD"), col("LSOA11NM"), col("LSOA21CD"), col("LAD22NM"));
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            [r[a].to_string(), r[b].to_string(), r[c].to_string(), r[d].to_string()]
        })
        .collect()
}

/// Every (source, category) -> [previous, current] count in an overview table.
fn overview_counts(doc: &Value) -> BTreeMap<(String, String), [u64; 2]> {
    let overview = doc["overview"].as_array().unwrap();
    overview[..overview.len() - 1]
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
        .collect()
}

/// The City of London street files' rows (less exact repeats of a Crime ID, which
/// ingest drops) by (source, category), [first half, second half] of 2024, counting a
/// row when its LSOA lies in the City by the ONS lookup (or, for a code the lookup
/// lacks, by its LSOA name), or when it has no location (the City's default counts the
/// unplaceable: one force polices only the City).
fn raw_city_counts() -> (BTreeMap<(String, String), [u64; 2]>, u64) {
    let lookup = ons_lookup();
    let known: HashSet<&str> = lookup.iter().flat_map(|r| [r[0].as_str(), r[2].as_str()]).collect();
    let city: HashSet<&str> = lookup
        .iter()
        .filter(|r| r[3] == "City of London")
        .flat_map(|r| [r[0].as_str(), r[2].as_str()])
        .collect();
    let half = |month: &str| match month {
        m if ("2024-01".."2024-07").contains(&m) => Some(0),
        m if ("2024-07".."2025-01").contains(&m) => Some(1),
        _ => None,
    };
    let mut counts: BTreeMap<(String, String), [u64; 2]> = BTreeMap::new();
    let mut rows = 0;
    for entry in std::fs::read_dir(fixtures().join("police-uk/city-of-london")).unwrap() {
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
            rows += 1;
            let (code, name) = (f[7].as_str(), f[8].as_str());
            let inside = if code.is_empty() {
                true
            } else if known.contains(code) {
                city.contains(code)
            } else {
                name.starts_with("City of London ")
            };
            if !inside {
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
    (counts, rows)
}

#[test]
fn city_overview_equals_independent_counts_of_the_city_rows() {
    let (_, full) = city();
    let doc = json(full);
    let overview = doc["overview"].as_array().unwrap();
    let (raw, all_rows) = raw_city_counts();
    let body = &overview[..overview.len() - 1];
    let got = overview_counts(&doc);
    let raw_nonzero: BTreeMap<_, _> = raw.into_iter().filter(|(_, v)| v[0] + v[1] > 0).collect();
    assert_eq!(got, raw_nonzero);
    // The force reports crimes it dealt with elsewhere: the area leaves them out.
    let counted: u64 = got.values().map(|v| v[0] + v[1]).sum();
    assert!(counted < all_rows, "{counted} of {all_rows} rows");
    // The change test recomputed from the counts: the E-test (6 months each), adjusted
    // across the overview's categories.
    let p_raw: Vec<f64> = body
        .iter()
        .map(|r| {
            let (c, p) = (r["current"].as_u64().unwrap(), r["previous"].as_u64().unwrap());
            crimescope_stats::poisson_e_test(c, p, 6.0, 6.0)
        })
        .collect();
    let q = crimescope_stats::benjamini_hochberg(&p_raw);
    for (i, r) in body.iter().enumerate() {
        let (c, p) = (r["current"].as_u64().unwrap(), r["previous"].as_u64().unwrap());
        assert_eq!(r["change"].as_i64().unwrap(), c as i64 - p as i64);
        let z = std::f64::consts::SQRT_2 * ((c as f64).sqrt() - (p as f64).sqrt());
        assert!((r["z"].as_f64().unwrap() - z).abs() < 0.006, "{r}");
        assert!((r["p"].as_f64().unwrap() - p_raw[i]).abs() < 1e-4, "{r}");
        assert!((r["p_fdr"].as_f64().unwrap() - q[i]).abs() < 1e-4, "{r}");
        assert_eq!(r["significant"].as_bool().unwrap(), q[i] < 0.05, "{r}");
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
    // Every part of the demo is produced, subsections included.
    fn all_produced(s: &Value) {
        assert!(
            s["produced"].as_bool().unwrap(),
            "{} not produced: {}",
            s["id"],
            s["reason"]
        );
        for sub in s["subsections"].as_array().unwrap() {
            all_produced(sub);
        }
    }
    for s in doc["sections"].as_array().unwrap() {
        all_produced(s);
    }
    // Near repeats run per crime type (burglary), in the chapter of its theme.
    let near: Vec<&Value> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["subsections"].as_array().unwrap())
        .filter(|s| s["title"].as_str().unwrap().starts_with("Near repeats"))
        .collect();
    assert_eq!(near.len(), 1);
    assert_eq!(near[0]["title"], "Near repeats: Burglary");
    let md = std::fs::read_to_string(full.join("assessment.md")).unwrap();
    assert!(!md.to_lowercase().contains("not produced"), "every part is produced");
    for title in [
        "Executive summary",
        "Statutory context",
        "Priority matrix",
        "Appendices",
    ] {
        assert!(md.contains(title), "{title}");
    }
}

/// Coventry's incidents in the generated raw files, found here: police.uk rows by their
/// LSOA code (Coventry's, by the ONS lookup), partner rows by their point in the
/// Coventry LSOA polygons (ray casting here). Keys are (dataset, category), values the
/// counts for 2024 and 2025.
fn raw_coventry_counts(inputs: &Path) -> BTreeMap<(String, String), [u64; 2]> {
    let coventry: HashSet<String> = ons_lookup()
        .into_iter()
        .filter(|r| r[3] == "Coventry")
        .flat_map(|r| [r[0].clone(), r[2].clone()])
        .collect();
    let geo: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("coventry/coventry_lsoa21_wgs84.geojson")).unwrap(),
    )
    .unwrap();
    let mut rings: Vec<Vec<(f64, f64)>> = Vec::new();
    for f in geo["features"].as_array().unwrap() {
        let g = &f["geometry"];
        let polygons: Vec<&Value> = match g["type"].as_str().unwrap() {
            "Polygon" => vec![&g["coordinates"]],
            _ => g["coordinates"].as_array().unwrap().iter().collect(),
        };
        for p in polygons {
            for ring in p.as_array().unwrap() {
                rings.push(
                    ring.as_array()
                        .unwrap()
                        .iter()
                        .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                        .collect(),
                );
            }
        }
    }
    // Even-odd over every ring: inside an exterior and not in a hole.
    let inside = |lon: f64, lat: f64| {
        let mut crossings = 0;
        for ring in &rings {
            for w in ring.windows(2) {
                let ((x1, y1), (x2, y2)) = (w[0], w[1]);
                if (y1 > lat) != (y2 > lat) && lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1) {
                    crossings += 1;
                }
            }
        }
        crossings % 2 == 1
    };
    let year = |date: &str| match &date[..4] {
        "2024" => Some(0),
        "2025" => Some(1),
        _ => None,
    };
    let mut counts: BTreeMap<(String, String), [u64; 2]> = BTreeMap::new();
    let mut add = |dataset: &str, category: &str, y: usize| {
        counts.entry((dataset.into(), category.into())).or_default()[y] += 1;
    };
    for month in std::fs::read_dir(inputs.join("police-uk")).unwrap() {
        for file in std::fs::read_dir(month.unwrap().path()).unwrap() {
            for rec in csv::Reader::from_path(file.unwrap().path()).unwrap().records() {
                let r = rec.unwrap();
                if let Some(y) = year(&r[1])
                    && coventry.contains(&r[7])
                {
                    add("police-uk-street", &r[9], y);
                }
            }
        }
    }
    let partners = inputs.join("partners/west-midlands");
    let placed = |e: &str, n: &str| {
        let (e, n): (f64, f64) = (e.parse().unwrap(), n.parse().unwrap());
        let (lon, lat) = crimescope_ingest::projection::bng_to_lonlat(e, n).unwrap();
        let six = |v: f64| (v * 1e6).round() / 1e6;
        inside(six(lon), six(lat))
    };
    let mut crimes: BTreeSet<String> = BTreeSet::new();
    for rec in csv::Reader::from_path(partners.join("west-midlands-force-crime.csv"))
        .unwrap()
        .records()
    {
        let r = rec.unwrap();
        if crimes.insert(r[0].to_string())
            && let Some(y) = year(&r[2])
            && placed(&r[7], &r[8])
        {
            add("force-crime", &r[6], y);
        }
    }
    for rec in csv::Reader::from_path(partners.join("west-midlands-council-asb.csv"))
        .unwrap()
        .records()
    {
        let r = rec.unwrap();
        if let Some(y) = year(&r[1])
            && placed(&r[4], &r[5])
        {
            add("council-asb", &r[2], y);
        }
    }
    for rec in csv::Reader::from_path(partners.join("west-midlands-fire-irs.csv"))
        .unwrap()
        .records()
    {
        let r = rec.unwrap();
        if let Some(y) = year(&r[1])
            && placed(&r[5], &r[6])
        {
            add("fire-irs", &r[2], y);
        }
    }
    counts
}

/// Coventry inside a West Midlands force: police crime is Coventry's count from one
/// source (the force extract), never the sum of both; ASB and fire are Coventry's only;
/// the planted burglary near repeats (200 m, 14 days) are found.
#[test]
fn the_demo_counts_coventry_once_from_one_source() {
    let (_, full, _) = demo();
    let doc = json(full);
    let raw = raw_coventry_counts(&full.join("demo/inputs"));
    let of = |dataset: &str| -> BTreeMap<String, [u64; 2]> {
        raw.iter()
            .filter(|((d, _), _)| d == dataset)
            .map(|((_, c), v)| (c.clone(), *v))
            .collect()
    };
    let got = overview_counts(&doc);
    let police: BTreeMap<String, [u64; 2]> = got
        .iter()
        .filter(|((s, _), _)| s == "police")
        .map(|((_, c), v)| (c.clone(), *v))
        .collect();
    assert_eq!(
        police,
        of("force-crime"),
        "police crime is the force extract's Coventry count"
    );
    let (force, uk) = (of("force-crime"), of("police-uk-street"));
    let total = |m: &BTreeMap<String, [u64; 2]>| m.values().map(|v| v[1]).sum::<u64>();
    assert!(
        total(&uk) > 0 && total(&police) != total(&force) + total(&uk),
        "never the sum"
    );
    // ASB: police.uk's ASB rows and the council's cases are different records; both count.
    let mut asb = of("council-asb");
    for (c, v) in of("police-uk-street")
        .into_iter()
        .filter(|(c, _)| c == "Anti-social behaviour")
    {
        asb.insert(c, v);
    }
    let got_asb: BTreeMap<String, [u64; 2]> = got
        .iter()
        .filter(|((s, _), _)| s == "asb")
        .map(|((_, c), v)| (c.clone(), *v))
        .collect();
    assert_eq!(got_asb, asb);
    // Fire: only Coventry's fires, in the partner section's total.
    let fires = &doc["tables"]["partner-fires-by-category"]["rows"];
    let fire_total = fires.as_array().unwrap().last().unwrap();
    let raw_fire = of("fire-irs");
    assert_eq!(
        fire_total["current"].as_u64().unwrap(),
        raw_fire.values().map(|v| v[1]).sum::<u64>()
    );
    assert_eq!(
        fire_total["previous"].as_u64().unwrap(),
        raw_fire.values().map(|v| v[0]).sum::<u64>()
    );
    // The planted near repeats: a Knox ratio over 1.2 with p < 0.05 within 200 m and 14 days.
    let knox = doc["tables"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(id, _)| id.contains("near-repeat-burglary"))
        .map(|(_, t)| t["rows"].as_array().unwrap().clone())
        .expect("a burglary Knox table");
    let planted = knox.iter().any(|r| {
        ["0–100", "100–200"].contains(&r["distance"].as_str().unwrap())
            && ["0–7", "7–14"].contains(&r["days"].as_str().unwrap())
            && r["knox_ratio"].as_f64().unwrap() > 1.2
            && r["p"].as_f64().unwrap() < 0.05
    });
    assert!(planted, "{knox:?}");
}

/// The real City of London data: police.uk has months only and no people, so the parts
/// that need them say why, and the partner sources are absent.
#[test]
fn the_city_demo_says_why_parts_are_not_produced() {
    let (_, full) = city();
    let doc = json(full);
    let theme = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "theme-2")
        .unwrap();
    let near = theme["subsections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Near repeats: Burglary")
        .unwrap();
    assert!(!near["produced"].as_bool().unwrap());
    assert!(near["reason"].as_str().unwrap().contains("dates to the day"));
    let victims = theme["subsections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Victims")
        .unwrap();
    assert!(
        victims["reason"].as_str().unwrap().contains("needs person keys"),
        "{victims}"
    );
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
        "the demo's force extract and council ASB cases name victims, offenders and perpetrators"
    );
    for entry in walk(public) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        for k in &keys {
            assert!(!text.contains(k.as_str()), "{} holds the key {k}", entry.display());
        }
    }
}

/// The tables each section shows in its body (appendix sections left out), and every
/// table named anywhere, in document order.
fn table_placement(doc: &Value) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    fn walk_sections(s: &Value, in_appendix: bool, body: &mut Vec<(String, Vec<String>)>, all: &mut Vec<String>) {
        let id = s["id"].as_str().unwrap().to_string();
        let ids: Vec<String> = s["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        all.extend(ids.iter().cloned());
        let in_appendix = in_appendix || id == "appendices";
        if !in_appendix && !ids.is_empty() {
            body.push((id, ids));
        }
        for sub in s["subsections"].as_array().unwrap() {
            walk_sections(sub, in_appendix, body, all);
        }
    }
    let (mut body, mut all) = (Vec::new(), Vec::new());
    for s in doc["sections"].as_array().unwrap() {
        walk_sections(s, false, &mut body, &mut all);
    }
    (body, all)
}

#[test]
fn the_summary_is_short_and_raw_tables_sit_in_the_appendix_once() {
    let (_, full, public) = demo();
    for dir in [full, public] {
        let doc = json(dir);
        let summary = &doc["sections"][0];
        assert_eq!(summary["id"], "summary");
        // Budget for two printed A4 pages: the demo's summary printed from the HTML by
        // headless Chromium (docs/assessment.md says how) took 1,677 characters of prose, two
        // charts and ten table rows and ended a quarter of the way down page two.
        let chars: usize = summary["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().chars().count())
            .sum();
        assert!(chars <= 2_600, "the summary's prose is {chars} characters");
        let figures: Vec<&str> = summary["figures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(figures, ["summary-monthly", "summary-harm"]);
        assert_eq!(summary["tables"], serde_json::json!(["summary-plan", "summary-rag"]));
        let plan = doc["tables"]["summary-plan"]["rows"].as_array().unwrap();
        let themes = doc["sections"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["id"].as_str().unwrap().starts_with("theme-"))
            .count();
        assert_eq!(plan.len(), themes, "one plan row per theme");
        for row in plan {
            for side in ["victims", "offenders", "locations"] {
                assert!(!row[side].as_str().unwrap().is_empty(), "{row}");
            }
        }
        assert!(doc["tables"]["summary-rag"]["rows"].as_array().unwrap().len() <= 12);
        // Each table is shown once, and the body shows at most one table per section
        // (the summary two); the rest are in the appendix.
        let (body, all) = table_placement(&doc);
        let unique: BTreeSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "a table is shown twice: {all:?}");
        assert_eq!(unique.len(), doc["tables"].as_object().unwrap().len());
        for (section, tables) in &body {
            let most = if section == "summary" { 2 } else { 1 };
            assert!(tables.len() <= most, "{section} shows {tables:?} in its body");
        }
        // The monthly chart's figures: the trend tables summed over the current period
        // are the overview's total.
        let period = doc["meta"]["period"].as_str().unwrap().to_string();
        let (first, last) = period.split_once("..").unwrap();
        let mut in_period = 0;
        for t in ["trend-police-monthly", "trend-asb-monthly"] {
            for r in doc["tables"][t]["rows"].as_array().unwrap() {
                let m = r["month"].as_str().unwrap();
                if (first..=last).contains(&m) {
                    in_period += r["incidents"].as_u64().unwrap_or(0);
                }
            }
        }
        if dir == full {
            let total = doc["overview"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["source"] == "all")
                .unwrap();
            assert_eq!(in_period, total["current"].as_u64().unwrap());
        }
    }
}

/// Every paragraph, table note and figure caption of a document, with where it is.
fn prose_of(doc: &Value) -> Vec<(String, String)> {
    fn walk_sections(s: &Value, out: &mut Vec<(String, String)>) {
        let id = s["id"].as_str().unwrap().to_string();
        for p in s["paragraphs"].as_array().unwrap() {
            out.push((id.clone(), p.as_str().unwrap().to_string()));
        }
        for f in s["figures"].as_array().unwrap() {
            out.push((format!("{id} figure"), f["caption"].as_str().unwrap().to_string()));
        }
        for sub in s["subsections"].as_array().unwrap() {
            walk_sections(sub, out);
        }
    }
    let mut out = Vec::new();
    for s in doc["sections"].as_array().unwrap() {
        walk_sections(s, &mut out);
    }
    for (id, t) in doc["tables"].as_object().unwrap() {
        if let Some(note) = t["note"].as_str() {
            out.push((format!("table {id}"), note.to_string()));
        }
    }
    out
}

#[test]
fn every_generated_sentence_passes_the_grammar_check() {
    let (_, full, public) = demo();
    let (_, city) = city();
    let mut faults = Vec::new();
    let mut checked = 0;
    for dir in [full, public, city] {
        for (at, text) in prose_of(&json(dir)) {
            checked += 1;
            let problems = crimescope_report::prose::prose_problems(&text);
            if !problems.is_empty() {
                faults.push(format!("{} {at}: {problems:?}: {text}", dir.display()));
            }
        }
    }
    assert!(checked > 200, "only {checked} paragraphs checked");
    assert!(
        faults.is_empty(),
        "{} of {checked} fail:\n{}",
        faults.len(),
        faults.join("\n")
    );
}

/// Every table of `assessment.json`, read back from `assessment.xlsx` with calamine: the
/// sheet named by `xlsx::sheet_names`, the labels in the header row, and each cell's
/// value and type equal to the JSON (percentages stored as fractions). Returns the
/// numeric cells of the count columns, for the disclosure check.
fn xlsx_matches_json(dir: &Path) -> Vec<f64> {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    use crimescope_report::xlsx::{HEADER_ROW, is_percent, sheet_names};
    let doc = json(dir);
    let mut book: Xlsx<_> = open_workbook(dir.join("assessment.xlsx")).expect("assessment.xlsx opens");
    // The tables in document order, as the workbook has them.
    let mut by_id: BTreeMap<String, Table> = tables_of(&doc).into_iter().map(|t| (t.id.clone(), t)).collect();
    let tables: Vec<Table> = table_placement(&doc)
        .1
        .iter()
        .map(|id| by_id.remove(id).expect("every listed table is in tables"))
        .collect();
    let refs: Vec<&Table> = tables.iter().collect();
    let names = sheet_names(&refs);
    assert_eq!(
        book.sheet_names().len(),
        tables.len() + 1,
        "a Contents sheet and one per table"
    );
    assert_eq!(book.sheet_names()[0], "Contents");
    let contents = book.worksheet_range("Contents").unwrap();
    let marking = contents.get_value((1, 1)).unwrap().to_string();
    assert_eq!(marking, doc["meta"]["marking"].as_str().unwrap());
    let mut counts = Vec::new();
    for (t, name) in tables.iter().zip(&names) {
        let range = book
            .worksheet_range(name)
            .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
        let cell = |r: u32, c: usize| range.get_value((r, c as u32)).cloned().unwrap_or(Data::Empty);
        assert_eq!(cell(0, 0), Data::String(t.title.clone()), "{name}");
        for (c, column) in t.columns.iter().enumerate() {
            assert_eq!(
                cell(HEADER_ROW, c),
                Data::String(column.label.clone()),
                "{name} header {c}"
            );
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (c, (value, column)) in row.iter().zip(&t.columns).enumerate() {
                let got = cell(HEADER_ROW + 1 + r as u32, c);
                let at = format!("{name} row {r} column {}", column.name);
                match value {
                    // An empty text is an empty cell, as a null is.
                    Value::Null => assert_eq!(got, Data::Empty, "{at}"),
                    Value::String(s) if s.is_empty() => assert_eq!(got, Data::Empty, "{at}"),
                    Value::Bool(b) => assert_eq!(got, Data::Bool(*b), "{at}"),
                    Value::String(s) => assert_eq!(got, Data::String(s.clone()), "{at}"),
                    Value::Number(n) => {
                        let want = n.as_f64().unwrap();
                        let Data::Float(x) = got else {
                            panic!("{at}: {got:?} is not a number ({want})");
                        };
                        let x = if is_percent(column) { x * 100.0 } else { x };
                        assert!((x - want).abs() <= 1e-9 * want.abs().max(1.0), "{at}: {x} vs {want}");
                        if column.kind == crimescope_report::table::ColumnKind::Count {
                            counts.push(x);
                        }
                    }
                    other => panic!("{at}: unexpected {other}"),
                }
            }
        }
    }
    counts
}

#[test]
fn the_workbook_holds_every_table_as_the_json_does() {
    let (_, full, public) = demo();
    let counts = xlsx_matches_json(full);
    assert!(
        counts.iter().any(|&n| (1.0..5.0).contains(&n)),
        "the full version has small counts"
    );
    let counts = xlsx_matches_json(public);
    assert!(
        counts.iter().all(|&n| !(1.0..5.0).contains(&n)),
        "the public workbook holds a small count"
    );
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
    let lineage = std::fs::read_to_string(full.join("tables/appendix-lineage.csv")).unwrap();
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
            "area = \"Coventry\"\nstore = \"{}\"\nperiod = \"2025-01..2025-12\"\ncompare = \"2024-01..2024-12\"\n\
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
    let base = "area = \"Coventry\"\nstore = \"s\"\nperiod = \"2025-01..2025-12\"\ncompare = \"2024-01..2024-12\"\n";
    let cases = [
        (format!("{base}colour = \"red\"\n"), "colour"),
        (
            "area = \"Coventry\"\nstore = \"s\"\ncompare = \"2024-01..2024-12\"\n".to_string(),
            "period",
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
        (base.replace("Coventry", "Coventy"), "did you mean: Coventry"),
        (format!("{base}crime_source = \"both\"\n"), "crime_source"),
        (format!("{base}unplaceable = \"sometimes\"\n"), "unplaceable"),
        (format!("{base}area_boundary = \"county\"\n"), "area_boundary"),
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

/// The data-quality screens on planted problems: a placeholder offender key added to a
/// copy of the demo store, the demo's fire data (no category marks deliberate fires)
/// and its themes (two categories sit in two themes each).
#[test]
fn data_quality_screens_find_planted_problems() {
    let (_, full, _) = demo();
    let md = std::fs::read_to_string(full.join("assessment.md")).unwrap();
    assert!(
        md.contains("Deliberate fires: not available"),
        "no 0 for a flag no source carries"
    );
    assert!(!md.contains("Deliberate fires (the categories named deliberate): 0"));
    // Shared categories, read independently from the bundled theme table.
    let themes = std::fs::read_to_string(fixtures().join("../crates/model/data/themes_coventry_2025.csv")).unwrap();
    // `category,theme` after `#` comment lines; a theme name may hold commas.
    let mut themes_of: BTreeMap<String, usize> = BTreeMap::new();
    for line in themes
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
    {
        let (category, _theme) = line.split_once(',').unwrap();
        *themes_of.entry(category.to_string()).or_default() += 1;
    }
    let want: Vec<String> = themes_of.into_iter().filter(|(_, n)| *n > 1).map(|(c, _)| c).collect();
    let doc = json(full);
    let got: Vec<String> = doc["tables"]["screen-shared-categories"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["category"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want);
    assert!(!want.is_empty());

    // A copy of the store with 600 burglaries in Coventry on one placeholder offender (the
    // busiest real synthetic offender has about 30).
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    common::copy_dir(&full.join("demo/store"), &store);
    let mut csv = String::from(
        "crime_ref,recorded_at,committed_from,committed_to,ho_offence_code,offence_description,category,easting,\
         northing,uprn,location,victim_id,offender_id,domestic,outcome\n",
    );
    for i in 0..600u32 {
        let (month, day) = (1 + i % 12, 1 + i % 28);
        csv.push_str(&format!(
            "PLANT/25/{i:07},2025-{month:02}-{day:02} 10:00,2025-{month:02}-{day:02} 09:00,2025-{month:02}-{day:02} \
             09:30,28/1,Burglary dwelling,Burglary,{},{},{},{} Planted Road,VPLANT{i},UNKNOWN,N,Under investigation\n",
            // Within 20 m of a synthetic Coventry crime inside LSOA E01009636.
            434_895 + i % 20,
            279_970 + i % 20,
            900_000 + i,
            i
        ));
    }
    let file = dir.path().join("planted-force-crime.csv");
    std::fs::write(&file, csv).unwrap();
    let key =
        crimescope_ingest::pseudonym::PseudonymKey::from_bytes(b"crimescope demo key: not for real data").unwrap();
    let options = crimescope_ingest::IngestOptions::default().with_key(key);
    let summary = crimescope_ingest::ingest(&store, &[file], &options, &crimescope_ingest::NoProgress).unwrap();
    assert_eq!(summary.totals.rows_loaded, 600);
    assert_eq!(
        summary.totals.outside_boundaries, 0,
        "the planted crimes are in Coventry"
    );
    let config = std::fs::read_to_string(full.join("demo/assessment.toml"))
        .unwrap()
        .replace("store = \"store\"", &format!("store = {:?}", store.to_str().unwrap()));
    let config_path = full.join("demo").join("planted.toml");
    std::fs::write(&config_path, config).unwrap();
    let out_dir = dir.path().join("out");
    let out = crimescope(&[
        "assess",
        "--config",
        config_path.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = json(&out_dir);
    let offenders = doc["tables"]["screen-person-keys"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "offender")
        .unwrap()
        .clone();
    assert_eq!(offenders["flagged_keys"], 1, "{offenders}");
    assert_eq!(offenders["incidents_touched"], 600, "{offenders}");
    let md = std::fs::read_to_string(out_dir.join("assessment.md")).unwrap();
    assert!(
        md.contains("Left out: 1 offender key(s)"),
        "the offender subsections say what they left out"
    );
}
