//! The partnership's area: a community safety partnership, local authority district or
//! police force area, by name or ONS code, resolved to its LSOAs of both vintages
//! through the bundled ONS lookups; or an LSOA list; or the store's own boundaries.
//!
//! Lookups (Office for National Statistics, Open Government Licence v3.0):
//! - `LSOA11_LSOA21_LAD22_lookup_EW` — every LSOA of 2011 and 2021 in England and
//!   Wales with its 2022 local authority district;
//! - `LAD17_CSP17_PFA17_lookup_EW_v2` — the 2017 districts with their community safety
//!   partnership and police force area.
//!
//! A 2017 district's LSOAs are those the LSOA lookup puts in the district of that code,
//! and those whose 2011 name begins with the district's name (police.uk and ONS name
//! LSOAs `Coventry 001A`), which covers districts merged since 2017. A district created
//! after 2017 (in the LSOA lookup but not the CSP lookup) is its own partnership.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crimescope_engine::selection::{AreaSelection, Membership, Unplaceable};
use crimescope_ingest::boundaries::BoundarySet;
use crimescope_ingest::projection::ring_to_bng;
use crimescope_model::{AreaLevel, close_matches, same_slug, slugify};

static DISTRICT_LOOKUP: &str = include_str!("../../../fixtures/boundaries/LAD17_CSP17_PFA17_lookup_EW_v2.csv");

/// The lookups' names, for the document.
pub const LOOKUPS: &str = "ONS LSOA11_LSOA21_LAD22_lookup_EW and LAD17_CSP17_PFA17_lookup_EW_v2";

/// One row of the LSOA lookup.
#[derive(Debug, Clone)]
struct LsoaRow {
    lsoa11: String,
    lsoa11_name: String,
    lsoa21: String,
    lad22: String,
    lad22_name: String,
}

/// One 2017 district with its partnership and force area.
#[derive(Debug, Clone)]
struct District {
    lad17: String,
    lad17_name: String,
    csp: String,
    csp_name: String,
    pfa: String,
    pfa_name: String,
}

/// The bundled ONS lookups, parsed once.
#[derive(Debug)]
pub struct OnsGeography {
    lsoas: Vec<LsoaRow>,
    districts: Vec<District>,
    known: Arc<BTreeSet<String>>,
}

/// What could not be resolved, and what would work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AreaError(pub String);

fn csv_rows(text: &str) -> Result<(Vec<String>, Vec<csv::StringRecord>), AreaError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| AreaError(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AreaError(e.to_string()))?;
    Ok((header, rows))
}

fn column(header: &[String], name: &str) -> Result<usize, AreaError> {
    header
        .iter()
        .position(|h| h.eq_ignore_ascii_case(name))
        .ok_or_else(|| AreaError(format!("the bundled lookup has no column {name}")))
}

impl OnsGeography {
    /// The bundled lookups (parsed on first use).
    pub fn bundled() -> Result<&'static OnsGeography, AreaError> {
        static GEOGRAPHY: OnceLock<Result<OnsGeography, AreaError>> = OnceLock::new();
        GEOGRAPHY
            .get_or_init(Self::parse_bundled)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn parse_bundled() -> Result<OnsGeography, AreaError> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(crimescope_engine::lsoa_vintage::BUNDLED_LSOA_LOOKUP_GZ)
            .read_to_string(&mut text)
            .map_err(|e| AreaError(format!("the bundled LSOA lookup cannot be read: {e}")))?;
        let (h, rows) = csv_rows(&text)?;
        let (c11, n11, c21, lad, ladn) = (
            column(&h, "LSOA11CD")?,
            column(&h, "LSOA11NM")?,
            column(&h, "LSOA21CD")?,
            column(&h, "LAD22CD")?,
            column(&h, "LAD22NM")?,
        );
        let field = |r: &csv::StringRecord, i: usize| r.get(i).unwrap_or("").trim().to_string();
        let lsoas: Vec<LsoaRow> = rows
            .iter()
            .map(|r| LsoaRow {
                lsoa11: field(r, c11),
                lsoa11_name: field(r, n11),
                lsoa21: field(r, c21),
                lad22: field(r, lad),
                lad22_name: field(r, ladn),
            })
            .collect();
        let (h, rows) = csv_rows(DISTRICT_LOOKUP)?;
        let (a, b, c) = (column(&h, "LAD17CD")?, column(&h, "LAD17NM")?, column(&h, "CSP17CD")?);
        let (d, e, f) = (column(&h, "CSP17NM")?, column(&h, "PFA17CD")?, column(&h, "PFA17NM")?);
        let districts = rows
            .iter()
            .map(|r| District {
                lad17: field(r, a),
                lad17_name: field(r, b),
                csp: field(r, c),
                csp_name: field(r, d),
                pfa: field(r, e),
                pfa_name: field(r, f),
            })
            .collect();
        let known = lsoas
            .iter()
            .flat_map(|r| [r.lsoa11.clone(), r.lsoa21.clone()])
            .filter(|c| !c.is_empty())
            .collect();
        Ok(OnsGeography {
            lsoas,
            districts,
            known: Arc::new(known),
        })
    }

    /// Every LSOA code the lookup knows, both vintages.
    pub fn known_codes(&self) -> Arc<BTreeSet<String>> {
        self.known.clone()
    }

    /// The LSOA codes (both vintages) of a 2017 district, and the names its LSOAs are
    /// published under.
    fn district_lsoas(&self, code: &str, name: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let prefix = format!("{name} ");
        let mut codes = BTreeSet::new();
        let mut names = BTreeSet::from([name.to_string()]);
        for r in self
            .lsoas
            .iter()
            .filter(|r| r.lad22 == code || r.lsoa11_name.starts_with(&prefix))
        {
            codes.insert(r.lsoa11.clone());
            codes.insert(r.lsoa21.clone());
            if r.lad22 == code {
                names.insert(r.lad22_name.clone());
            }
        }
        (codes, names)
    }

    /// Resolve an area by name or ONS code: a community safety partnership, then a
    /// local authority district (of 2022, or of 2017), then a police force area.
    pub fn resolve(&self, text: &str) -> Result<AreaSelection, AreaError> {
        let wanted = text.trim();
        let same = |name: &str, code: &str| {
            code.eq_ignore_ascii_case(wanted) || name.eq_ignore_ascii_case(wanted) || same_slug(name, wanted)
        };
        let build = |kind: &str, name: &str, code: &str, districts: Vec<(&str, &str)>, coterminous: bool| {
            let mut codes = BTreeSet::new();
            let mut names = BTreeSet::new();
            for (c, n) in &districts {
                let (lsoas, published) = self.district_lsoas(c, n);
                codes.extend(lsoas);
                names.extend(published);
            }
            codes.remove("");
            let list: Vec<&str> = districts.iter().map(|(_, n)| *n).collect();
            AreaSelection {
                name: name.to_string(),
                code: Some(code.to_string()),
                kind: kind.to_string(),
                rule: format!(
                    "{name} ({code}), a {kind} of {} district{} ({}); its LSOAs, 2011 and 2021 codes both, from the \
                     {LOOKUPS} lookups: {} codes",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    list.join(", "),
                    codes.len()
                ),
                membership: Membership::Lsoas {
                    codes,
                    known: self.known.clone(),
                    districts: names.into_iter().collect(),
                },
                unplaceable: if coterminous {
                    Unplaceable::Count
                } else {
                    Unplaceable::LeaveOut
                },
            }
        };
        // A force area with one partnership: its unplaceable incidents are the area's.
        let csps_in_force = |pfa: &str| -> usize {
            self.districts
                .iter()
                .filter(|d| d.pfa == pfa)
                .map(|d| d.csp.as_str())
                .collect::<BTreeSet<_>>()
                .len()
        };
        // The 2017 districts (code, name) that `pick` keeps.
        let members = |pick: &dyn Fn(&District) -> bool| -> Vec<(&str, &str)> {
            self.districts
                .iter()
                .filter(|x| pick(x))
                .map(|x| (x.lad17.as_str(), x.lad17_name.as_str()))
                .collect()
        };
        if let Some(d) = self.districts.iter().find(|d| same(&d.csp_name, &d.csp)) {
            return Ok(build(
                "community safety partnership",
                &d.csp_name,
                &d.csp,
                members(&|x| x.csp == d.csp),
                csps_in_force(&d.pfa) == 1,
            ));
        }
        if let Some(r) = self.lsoas.iter().find(|r| same(&r.lad22_name, &r.lad22)) {
            // A district of 2022: a partnership of its own when it is new since 2017.
            let d17 = self.districts.iter().find(|d| d.lad17 == r.lad22);
            let coterminous = d17.is_some_and(|d| csps_in_force(&d.pfa) == 1);
            return Ok(build(
                "local authority district",
                &r.lad22_name,
                &r.lad22,
                vec![(r.lad22.as_str(), r.lad22_name.as_str())],
                coterminous,
            ));
        }
        if let Some(d) = self.districts.iter().find(|d| same(&d.lad17_name, &d.lad17)) {
            return Ok(build(
                "local authority district",
                &d.lad17_name,
                &d.lad17,
                vec![(d.lad17.as_str(), d.lad17_name.as_str())],
                csps_in_force(&d.pfa) == 1,
            ));
        }
        if let Some(d) = self.districts.iter().find(|d| same(&d.pfa_name, &d.pfa)) {
            return Ok(build(
                "police force area",
                &d.pfa_name,
                &d.pfa,
                members(&|x| x.pfa == d.pfa),
                true,
            ));
        }
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for d in &self.districts {
            names.extend([d.csp_name.as_str(), d.lad17_name.as_str(), d.pfa_name.as_str()]);
        }
        names.extend(self.lsoas.iter().map(|r| r.lad22_name.as_str()));
        let close = close_matches(&slugify(wanted), names.into_iter());
        Err(AreaError(format!(
            "'{wanted}' is not a community safety partnership, local authority district or police force area of \
             England and Wales, by name or ONS code{}; or give area_lsoas (a file of LSOA codes) or area_boundary \
             (a level of the store's boundaries)",
            if close.is_empty() {
                String::new()
            } else {
                format!(" (did you mean: {}?)", close.join(", "))
            }
        )))
    }

    /// An area from a list of LSOA codes (either vintage; each code's counterparts of
    /// the other vintage are added from the lookup).
    pub fn from_lsoas(&self, label: &str, source: &str, listed: &BTreeSet<String>) -> AreaSelection {
        let mut codes = listed.clone();
        for r in &self.lsoas {
            if listed.contains(&r.lsoa11) || listed.contains(&r.lsoa21) {
                codes.insert(r.lsoa11.clone());
                codes.insert(r.lsoa21.clone());
            }
        }
        codes.remove("");
        AreaSelection {
            name: label.to_string(),
            code: None,
            kind: "list of LSOAs".into(),
            rule: format!(
                "the {} LSOA codes of {source}, with their counterparts of the other vintage from the {LOOKUPS} \
                 lookups: {} codes",
                listed.len(),
                codes.len()
            ),
            membership: Membership::Lsoas {
                codes,
                known: self.known.clone(),
                districts: Vec::new(),
            },
            unplaceable: Unplaceable::LeaveOut,
        }
    }
}

/// The LSOA codes of a CSV: the column named like an LSOA code (`lsoa_code`,
/// `LSOA21CD`, `LSOA11CD`), else the first column.
pub fn read_lsoa_list(path: &Path) -> Result<BTreeSet<String>, AreaError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| AreaError(format!("{}: cannot be read ({e})", path.display())))?;
    let (header, rows) = csv_rows(&text).map_err(|e| AreaError(format!("{}: {e}", path.display())))?;
    let col = header
        .iter()
        .position(|h| {
            let h = h.to_ascii_lowercase();
            h.contains("lsoa") && (h.ends_with("cd") || h.contains("code"))
        })
        .unwrap_or(0);
    let codes: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r.get(col).map(|c| c.trim().to_string()))
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return Err(AreaError(format!(
            "{}: no LSOA codes in column {}",
            path.display(),
            col + 1
        )));
    }
    Ok(codes)
}

/// An area from the store's boundaries: every stored area of `level`. For `csp`, the
/// stored LSOAs whose centroid lies in the stored CSP polygons (so LSOA boundaries must
/// be stored too).
pub fn from_boundaries(
    geography: &OnsGeography,
    label: &str,
    level: AreaLevel,
    store: &Path,
) -> Result<AreaSelection, AreaError> {
    let manifest = crimescope_ingest::read_manifest(store).map_err(|e| AreaError(e.to_string()))?;
    let load = |l: AreaLevel| {
        BoundarySet::load_level(store, &manifest, l)
            .map_err(|e| AreaError(e.to_string()))?
            .ok_or_else(|| AreaError(format!("the store holds no {l} boundaries; add them first")))
    };
    match level {
        AreaLevel::Ward => {
            let set = load(AreaLevel::Ward)?;
            let codes: BTreeSet<String> = set.areas.iter().map(|a| a.code.clone()).collect();
            Ok(AreaSelection {
                name: label.to_string(),
                code: None,
                kind: "set of wards".into(),
                rule: format!("the {} wards of the store's ward boundaries", codes.len()),
                membership: Membership::Wards { codes },
                unplaceable: Unplaceable::LeaveOut,
            })
        }
        AreaLevel::Lsoa => {
            let set = load(AreaLevel::Lsoa)?;
            let codes: BTreeSet<String> = set.areas.iter().map(|a| a.code.clone()).collect();
            let mut area = geography.from_lsoas(label, "the store's LSOA boundaries", &codes);
            area.kind = "set of stored LSOAs".into();
            Ok(area)
        }
        AreaLevel::Csp => {
            let (csp, lsoa) = (load(AreaLevel::Csp)?, load(AreaLevel::Lsoa)?);
            let codes: BTreeSet<String> = lsoa
                .areas
                .iter()
                .filter(|a| centroid(a.polygons()).is_some_and(|(lon, lat)| csp.locate(lon, lat).is_some()))
                .map(|a| a.code.clone())
                .collect();
            let mut area = geography.from_lsoas(
                label,
                "the stored LSOAs whose centroid lies in the stored CSP boundaries",
                &codes,
            );
            area.kind = "stored CSP boundary".into();
            Ok(area)
        }
    }
}

/// The area-weighted centroid of the exterior rings, in WGS84 (computed on BNG metres).
fn centroid(polygons: &[Vec<Vec<(f64, f64)>>]) -> Option<(f64, f64)> {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for ring in polygons.iter().filter_map(|p| p.first()) {
        let pts = ring_to_bng(ring);
        for w in pts.windows(2) {
            let cross = w[0].0 * w[1].1 - w[1].0 * w[0].1;
            a += cross;
            cx += (w[0].0 + w[1].0) * cross;
            cy += (w[0].1 + w[1].1) * cross;
        }
    }
    if a.abs() < 1e-9 {
        return None;
    }
    crimescope_ingest::projection::bng_to_lonlat(cx / (3.0 * a), cy / (3.0 * a))
}

/// IMD deciles by LSOA code, both vintages: a CSV with an LSOA code column and a
/// column whose header names the decile. A 2011 code's decile goes to its 2021
/// counterparts; where 2011 LSOAs merged, the 2021 LSOA takes the lowest (most deprived)
/// decile, and the rule is stated in the document.
pub fn read_deciles(geography: &OnsGeography, path: &Path) -> Result<BTreeMap<String, u8>, AreaError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| AreaError(format!("{}: cannot be read ({e})", path.display())))?;
    let (header, rows) = csv_rows(&text).map_err(|e| AreaError(format!("{}: {e}", path.display())))?;
    let names_a_code = |h: &String| {
        let h = h.trim().to_ascii_lowercase();
        h.contains("lsoa") && (h.ends_with("cd") || h.contains("code"))
    };
    let code_col = header.iter().position(names_a_code).ok_or_else(|| {
        AreaError(format!(
            "{}, line 1: no column names an LSOA code (a header with `lsoa` and `cd` or `code`, \
             such as LSOA21CD or \"LSOA code (2011)\"); the columns are: {}",
            path.display(),
            header.join(", ")
        ))
    })?;
    let decile_col = header
        .iter()
        .position(|h| h.to_ascii_lowercase().contains("decile"))
        .ok_or_else(|| AreaError(format!("{}, line 1: no column names a decile", path.display())))?;
    let mut out: BTreeMap<String, u8> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let code = r.get(code_col).unwrap_or("").trim().to_string();
        let text = r.get(decile_col).unwrap_or("").trim();
        let decile: u8 = text.parse().ok().filter(|d| (1..=10).contains(d)).ok_or_else(|| {
            AreaError(format!(
                "{}, line {}, field {}: '{text}' is not a decile from 1 to 10",
                path.display(),
                i + 2,
                header[decile_col]
            ))
        })?;
        out.insert(code, decile);
    }
    if !out.is_empty() && !out.keys().any(|code| geography.known.contains(code)) {
        return Err(AreaError(format!(
            "{}: none of the {} values in column {} is an LSOA code of England and Wales \
             (2011 or 2021)",
            path.display(),
            out.len(),
            header[code_col]
        )));
    }
    let mut extra = Vec::new();
    for r in &geography.lsoas {
        for (from, to) in [(&r.lsoa11, &r.lsoa21), (&r.lsoa21, &r.lsoa11)] {
            if let Some(&d) = out.get(from)
                && !out.contains_key(to)
            {
                extra.push((to.clone(), d));
            }
        }
    }
    for (code, d) in extra {
        let e = out.entry(code).or_insert(d);
        *e = (*e).min(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_are_read_from_the_column_that_names_an_lsoa_code() {
        let g = OnsGeography::bundled().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let read = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            read_deciles(g, &path).map_err(|e| e.to_string())
        };
        // The code is not the first column, and a name column also mentions `lsoa`.
        let official = "LSOA name (2011),LSOA code (2011),IMD Decile\nCoventry 014A,E01009522,4\n";
        assert_eq!(read("a.csv", official).unwrap().get("E01009522"), Some(&4));
        let snake = "name,lsoa_code,decile\nx,E01009522,7\n";
        assert_eq!(read("b.csv", snake).unwrap().get("E01009522"), Some(&7));
        // No code column: an error naming the file and the columns, not column 1 read as codes.
        let e = read("c.csv", "area,decile\nCoventry 014A,4\n").unwrap_err();
        assert!(
            e.contains("c.csv, line 1") && e.contains("the columns are: area, decile"),
            "{e}"
        );
        // A code column holding no LSOA code of England and Wales.
        let e = read("d.csv", "lsoa_code,decile\nCoventry 014A,4\n").unwrap_err();
        assert!(e.contains("none of the 1 values in column lsoa_code"), "{e}");
    }

    #[test]
    fn names_and_codes_resolve_to_the_same_lsoas() {
        let g = OnsGeography::bundled().unwrap();
        let by_name = g.resolve("Coventry").unwrap();
        let by_csp = g.resolve("E22000336").unwrap();
        let by_lad = g.resolve("e08000026").unwrap();
        assert_eq!(by_name.kind, "community safety partnership");
        assert_eq!(by_name.membership, by_csp.membership);
        let Membership::Lsoas { codes, districts, .. } = &by_name.membership else {
            panic!("LSOA membership");
        };
        // Coventry: 195 LSOAs of 2021 (the bundled polygons), their 2011 counterparts.
        let n21 = g
            .lsoas
            .iter()
            .filter(|r| r.lad22 == "E08000026")
            .map(|r| &r.lsoa21)
            .collect::<BTreeSet<_>>();
        assert_eq!(n21.len(), 195);
        assert!(n21.iter().all(|c| codes.contains(*c)));
        assert_eq!(districts, &["Coventry".to_string()]);
        // The district and the partnership are the same place.
        let Membership::Lsoas { codes: lad, .. } = &by_lad.membership else {
            panic!()
        };
        assert_eq!(lad, codes);
        assert_eq!(
            by_name.unplaceable,
            Unplaceable::LeaveOut,
            "West Midlands has seven partnerships"
        );
        let city = g.resolve("City of London").unwrap();
        assert_eq!(
            city.unplaceable,
            Unplaceable::Count,
            "the City's force polices only the City"
        );
        let force = g.resolve("West Midlands").unwrap();
        assert_eq!(force.kind, "police force area");
        let Membership::Lsoas { codes: wm, .. } = &force.membership else {
            panic!()
        };
        assert!(codes.is_subset(wm) && wm.len() > 5 * codes.len());
        let e = g.resolve("Coventy").unwrap_err().to_string();
        assert!(e.contains("did you mean: Coventry"), "{e}");
    }

    #[test]
    fn districts_merged_since_2017_are_found_by_their_lsoa_names() {
        let g = OnsGeography::bundled().unwrap();
        // Aylesbury Vale (E07000004) became part of Buckinghamshire (E06000060) in 2020.
        let a = g.resolve("Aylesbury Vale").unwrap();
        let Membership::Lsoas { codes, .. } = &a.membership else {
            panic!()
        };
        let named = g
            .lsoas
            .iter()
            .filter(|r| r.lsoa11_name.starts_with("Aylesbury Vale "))
            .count();
        assert!(named > 50 && codes.len() >= named, "{named} {}", codes.len());
        // Buckinghamshire, new since 2017, is its own partnership.
        let b = g.resolve("Buckinghamshire").unwrap();
        assert_eq!(b.kind, "local authority district");
        let Membership::Lsoas { codes: bucks, .. } = &b.membership else {
            panic!()
        };
        assert!(codes.iter().all(|c| bucks.contains(c)));
    }
}
