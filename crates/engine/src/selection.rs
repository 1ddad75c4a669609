//! Which incidents a session counts: the partnership's area, the rule for incidents
//! that cannot be placed, and one source per police-recorded crime.
//!
//! A session built with an [`AreaSelection`] registers the store's incidents as
//! `incidents_all`, every one with its `placement` (`inside`, `outside` or
//! `unplaceable`) as `incidents_placed`, and `incidents` as the incidents inside the
//! area (plus the unplaceable ones when the rule counts them), with police-recorded
//! crime from one source ([`CrimeSource`]). Every named query and analysis reads
//! `incidents`, so every figure is the area's.
//!
//! Placement of an incident in an LSOA-defined area:
//! 1. its LSOA code (2011 or 2021) is one of the area's: inside;
//! 2. its code is in the ONS lookup but not the area's: outside;
//! 3. its code is unknown to the lookup: inside when its LSOA name begins with the name
//!    of one of the area's districts followed by a space (police.uk names LSOAs
//!    `Coventry 001A`), else outside;
//! 4. no code but coordinates: outside when the store holds LSOA boundaries (ingest
//!    assigned codes by point in polygon, and the point fell in none of them), else
//!    unplaceable;
//! 5. no code and no coordinates (police.uk "No Location", partner rows without either):
//!    unplaceable.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crimescope_model::{Month, slugify};

use crate::error::{EngineError, Result};

/// Whether incidents that cannot be placed count towards the area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unplaceable {
    /// They count: right when the source covers only the area (a force that polices
    /// only it), where an unplaceable incident is still the area's.
    Count,
    /// They are left out of every figure and reported in the data quality section.
    #[default]
    LeaveOut,
}

impl Unplaceable {
    /// `count` or `leave-out`.
    pub fn name(self) -> &'static str {
        match self {
            Unplaceable::Count => "count",
            Unplaceable::LeaveOut => "leave-out",
        }
    }
}

impl FromStr for Unplaceable {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Unplaceable> {
        match slugify(s).as_str() {
            "count" => Ok(Unplaceable::Count),
            "leave-out" => Ok(Unplaceable::LeaveOut),
            _ => Err(EngineError::Parameter {
                name: "unplaceable",
                message: format!("'{s}': write count or leave-out"),
            }),
        }
    }
}

/// Where police-recorded crime is counted from, when the store holds both police.uk
/// street files and a force crime extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum CrimeSource {
    /// The force extract for every month it covers (it has dates, times and people),
    /// police.uk for the other months.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// The force extract only.
    #[serde(rename = "force")]
    Force,
    /// police.uk only.
    #[serde(rename = "police.uk")]
    PoliceUk,
}

impl CrimeSource {
    /// `auto`, `force` or `police.uk`.
    pub fn name(self) -> &'static str {
        match self {
            CrimeSource::Auto => "auto",
            CrimeSource::Force => "force",
            CrimeSource::PoliceUk => "police.uk",
        }
    }
}

impl fmt::Display for CrimeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CrimeSource {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<CrimeSource> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(CrimeSource::Auto),
            "force" | "force-crime" => Ok(CrimeSource::Force),
            "police.uk" | "police-uk" | "policeuk" => Ok(CrimeSource::PoliceUk),
            _ => Err(EngineError::Parameter {
                name: "crime_source",
                message: format!("'{s}': write auto, force or police.uk"),
            }),
        }
    }
}

/// How membership of the area is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    /// By LSOA code, both vintages.
    Lsoas {
        /// The area's LSOA codes (2011 and 2021).
        codes: BTreeSet<String>,
        /// Every code the lookup knows (rule 2 above); codes outside it fall to the
        /// LSOA-name rule.
        known: Arc<BTreeSet<String>>,
        /// The names of the area's districts, for the LSOA-name rule.
        districts: Vec<String>,
    },
    /// By ward code.
    Wards {
        /// The area's ward codes.
        codes: BTreeSet<String>,
    },
}

/// The partnership's area, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaSelection {
    /// The area's name (`Coventry`).
    pub name: String,
    /// Its ONS code, when it has one (`E22000336`).
    pub code: Option<String>,
    /// What it is, in words (`community safety partnership`).
    pub kind: String,
    /// How it was resolved, in words, for the document.
    pub rule: String,
    /// How incidents are placed in it.
    pub membership: Membership,
    /// Whether unplaceable incidents count.
    pub unplaceable: Unplaceable,
}

impl AreaSelection {
    /// The number of LSOA codes (both vintages) or wards in the area.
    pub fn units(&self) -> usize {
        match &self.membership {
            Membership::Lsoas { codes, .. } | Membership::Wards { codes } => codes.len(),
        }
    }
}

/// `'text'` as an SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The `placement` expression over `incidents_all AS i`; LSOA membership is
/// `area_lsoa(i.lsoa_code)` (see [`crate::area_lsoa`]).
pub(crate) fn placement_sql(area: &AreaSelection, has_lsoa_boundaries: bool, has_ward_boundaries: bool) -> String {
    match &area.membership {
        Membership::Lsoas { districts, .. } => {
            let name_rule = if districts.is_empty() {
                "FALSE".to_string()
            } else {
                districts
                    .iter()
                    .map(|d| {
                        format!(
                            "starts_with(CAST(i.lsoa_name AS VARCHAR), {})",
                            literal(&format!("{d} "))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" OR ")
            };
            format!(
                "CASE WHEN area_lsoa(i.lsoa_code) THEN 'inside' \
                 WHEN NOT area_lsoa(i.lsoa_code) THEN 'outside' \
                 WHEN i.lsoa_code IS NOT NULL THEN CASE WHEN {name_rule} THEN 'inside' ELSE 'outside' END \
                 WHEN i.longitude IS NOT NULL AND {has_lsoa_boundaries} THEN 'outside' \
                 ELSE 'unplaceable' END"
            )
        }
        Membership::Wards { codes } => {
            let list = codes.iter().map(|c| literal(c)).collect::<Vec<_>>().join(", ");
            format!(
                "CASE WHEN CAST(i.ward_code AS VARCHAR) IN ({list}) THEN 'inside' \
                 WHEN i.ward_code IS NOT NULL THEN 'outside' \
                 WHEN i.longitude IS NOT NULL AND {has_ward_boundaries} THEN 'outside' \
                 ELSE 'unplaceable' END"
            )
        }
    }
}

/// The filter that keeps police-recorded crime from one source, given the months the
/// store holds force-extract crime for.
pub(crate) fn source_filter(source: CrimeSource, force_months: &BTreeSet<Month>) -> String {
    let police_uk = "(CAST(source AS VARCHAR) = 'police' AND CAST(dataset AS VARCHAR) = 'police-uk-street')";
    match source {
        CrimeSource::Auto if force_months.is_empty() => "TRUE".to_string(),
        CrimeSource::Auto => {
            let months = force_months
                .iter()
                .map(|m| format!("DATE '{m}-01'"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("NOT ({police_uk} AND month IN ({months}))")
        }
        CrimeSource::Force => format!("NOT {police_uk}"),
        CrimeSource::PoliceUk => "CAST(dataset AS VARCHAR) <> 'force-crime'".to_string(),
    }
}

/// What a session counts: its area (if any), the unplaceable rule and the crime source,
/// with the months each police source is used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentSelection {
    /// The area, when the session was opened with one.
    pub area: Option<AreaSelection>,
    /// The source rule asked for.
    pub crime_source: CrimeSource,
    /// The months the store holds force-extract crime for.
    pub force_months: BTreeSet<Month>,
    /// The months the store holds police.uk street crime for.
    pub police_uk_months: BTreeSet<Month>,
}

impl IncidentSelection {
    /// The months police-recorded crime is counted from the force extract.
    pub fn months_from_force(&self) -> BTreeSet<Month> {
        match self.crime_source {
            CrimeSource::Auto | CrimeSource::Force => self.force_months.clone(),
            CrimeSource::PoliceUk => BTreeSet::new(),
        }
    }

    /// The months police-recorded crime is counted from police.uk.
    pub fn months_from_police_uk(&self) -> BTreeSet<Month> {
        match self.crime_source {
            CrimeSource::Auto => self.police_uk_months.difference(&self.force_months).copied().collect(),
            CrimeSource::Force => BTreeSet::new(),
            CrimeSource::PoliceUk => self.police_uk_months.clone(),
        }
    }

    /// Whether the store holds both police sources over some month.
    pub fn overlapping(&self) -> bool {
        self.force_months.intersection(&self.police_uk_months).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_rules() {
        assert_eq!("police.uk".parse::<CrimeSource>().unwrap(), CrimeSource::PoliceUk);
        assert_eq!("Force".parse::<CrimeSource>().unwrap(), CrimeSource::Force);
        assert!("both".parse::<CrimeSource>().is_err());
        assert_eq!("leave out".parse::<Unplaceable>().unwrap(), Unplaceable::LeaveOut);
        assert_eq!(literal("King's Lynn"), "'King''s Lynn'");
        let months: BTreeSet<Month> = ["2024-01", "2024-02"].iter().map(|m| m.parse().unwrap()).collect();
        assert_eq!(source_filter(CrimeSource::Auto, &BTreeSet::new()), "TRUE");
        assert!(source_filter(CrimeSource::Auto, &months).contains("DATE '2024-02-01'"));
        let s = IncidentSelection {
            area: None,
            crime_source: CrimeSource::Auto,
            force_months: months.clone(),
            police_uk_months: ["2023-12", "2024-01"].iter().map(|m| m.parse().unwrap()).collect(),
        };
        assert!(s.overlapping());
        let uk: Vec<String> = s.months_from_police_uk().iter().map(|m| m.to_string()).collect();
        assert_eq!(uk, ["2023-12"]);
    }
}

/// Incidents of one source and dataset in a period, by placement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlacementCount {
    /// `police`, `asb` or `fire`.
    pub source: String,
    /// The profile that read them (`police-uk-street`, `force-crime`, …).
    pub dataset: String,
    /// Inside the area.
    pub inside: u64,
    /// Outside it.
    pub outside: u64,
    /// Neither code nor a usable point.
    pub unplaceable: u64,
}

/// One category of police-recorded crime in both police sources, over the months both
/// cover.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceComparison {
    /// The category.
    pub category: String,
    /// Crimes in the police.uk street files.
    pub police_uk: u64,
    /// Crimes in the force extract.
    pub force: u64,
}

fn date_list(months: &BTreeSet<Month>) -> String {
    months
        .iter()
        .map(|m| format!("DATE '{m}-01'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every incident of `months` (before the choice of crime source) by source, dataset and
/// placement. Needs a session opened with an area.
pub async fn placement_counts(session: &crate::Session, months: &BTreeSet<Month>) -> Result<Vec<PlacementCount>> {
    if session.selection().area.is_none() || months.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT CAST(source AS VARCHAR) AS source, CAST(dataset AS VARCHAR) AS dataset, \
         SUM(CASE WHEN placement = 'inside' THEN 1 ELSE 0 END) AS inside, \
         SUM(CASE WHEN placement = 'outside' THEN 1 ELSE 0 END) AS outside, \
         SUM(CASE WHEN placement = 'unplaceable' THEN 1 ELSE 0 END) AS unplaceable \
         FROM incidents_placed WHERE month IN ({}) GROUP BY 1, 2 ORDER BY 1, 2",
        date_list(months)
    );
    let mut out = Vec::new();
    for b in session.run_bound(&sql, Vec::new()).await? {
        let c = crate::columns::Columns::new(&b, "placement counts");
        let (source, dataset) = (c.texts_required("source")?, c.texts_required("dataset")?);
        let (inside, outside, unplaceable) = (c.counts("inside")?, c.counts("outside")?, c.counts("unplaceable")?);
        for i in 0..b.num_rows() {
            out.push(PlacementCount {
                source: source[i].clone(),
                dataset: dataset[i].clone(),
                inside: inside[i],
                outside: outside[i],
                unplaceable: unplaceable[i],
            });
        }
    }
    Ok(out)
}

/// Police-recorded crime in both sources by category, over `months` (which should be
/// months both cover), counting what the area counts (inside, and unplaceable when the
/// rule counts them). Empty without an area.
pub async fn compare_crime_sources(
    session: &crate::Session,
    months: &BTreeSet<Month>,
) -> Result<Vec<SourceComparison>> {
    let Some(area) = &session.selection().area else {
        return Ok(Vec::new());
    };
    if months.is_empty() {
        return Ok(Vec::new());
    }
    let placed = match area.unplaceable {
        Unplaceable::Count => "placement IN ('inside', 'unplaceable')",
        Unplaceable::LeaveOut => "placement = 'inside'",
    };
    let sql = format!(
        "SELECT CAST(category AS VARCHAR) AS category, \
         SUM(CASE WHEN CAST(dataset AS VARCHAR) = 'police-uk-street' THEN 1 ELSE 0 END) AS police_uk, \
         SUM(CASE WHEN CAST(dataset AS VARCHAR) = 'force-crime' THEN 1 ELSE 0 END) AS force \
         FROM incidents_placed WHERE CAST(source AS VARCHAR) = 'police' AND {placed} AND month IN ({}) \
         GROUP BY 1 ORDER BY 1",
        date_list(months)
    );
    let mut out = Vec::new();
    for b in session.run_bound(&sql, Vec::new()).await? {
        let c = crate::columns::Columns::new(&b, "crime source comparison");
        let (category, uk, force) = (
            c.texts_required("category")?,
            c.counts("police_uk")?,
            c.counts("force")?,
        );
        for i in 0..b.num_rows() {
            out.push(SourceComparison {
                category: category[i].clone(),
                police_uk: uk[i],
                force: force[i],
            });
        }
    }
    Ok(out)
}
