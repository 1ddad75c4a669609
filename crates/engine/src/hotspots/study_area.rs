//! The study area of a hotspot map: a loaded boundary (`--area`), or the extent of the
//! located incidents less locational outliers.

use crimescope_ingest::boundaries::BoundarySet;
use crimescope_ingest::projection::{Projected, bng_to_lonlat, to_bng};
use crimescope_model::AreaLevel;
use crimescope_spatial::{Extent, Grid, outlier_trimmed_extent_weighted};
use rayon::prelude::*;

use crate::error::{EngineError, Result};
use crate::session::Session;

/// Which boundary bounds the study area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaFilter {
    /// The union of every stored area of a level.
    Level(AreaLevel),
    /// One area of a level, by code (`csp:E22000001`, `lsoa:E01000001`).
    Code {
        /// The level.
        level: AreaLevel,
        /// The area code.
        code: String,
    },
}

impl std::str::FromStr for AreaFilter {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<AreaFilter> {
        let bad = || EngineError::Parameter {
            name: "area",
            message: format!(
                "'{s}': write lsoa, ward or csp (every stored area of that level), or LEVEL:CODE for one area"
            ),
        };
        let (level, code) = match s.split_once(':') {
            Some((l, c)) => (l, Some(c.trim().to_string())),
            None => (s, None),
        };
        let level = level.parse::<AreaLevel>().map_err(|_| bad())?;
        Ok(match code {
            Some(code) if !code.is_empty() => AreaFilter::Code { level, code },
            Some(_) => return Err(bad()),
            None => AreaFilter::Level(level),
        })
    }
}

/// How the study area was set, for the output's notes.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyArea {
    /// The grid over it (masked to the boundary when one was given).
    pub grid: Grid,
    /// Incidents that fell outside it.
    pub outside: u64,
    /// The rule in words.
    pub rule: String,
    /// The outlier-trimmed extent, when no boundary was given.
    pub extent: Option<Extent>,
}

impl StudyArea {
    /// The same area with its grid widened by `pad` metres on each side (kernel density
    /// keeps the mass near the edges). A boundary-masked area is returned as it is.
    pub fn padded(&self, pad: f64) -> Result<StudyArea> {
        let Some(e) = self.extent else {
            return Ok(self.clone());
        };
        let grid = Grid::covering(
            self.grid.cell,
            e.min_e - pad,
            e.max_e + pad,
            e.min_n - pad,
            e.max_n + pad,
        )
        .map_err(EngineError::Spatial)?;
        Ok(StudyArea { grid, ..self.clone() })
    }
}

/// Build the study-area grid of `cell` metres over weighted points (cell centres or
/// incidents with counts).
pub fn study_area(
    session: &Session,
    area: Option<&AreaFilter>,
    points: &[(f64, f64, u64)],
    cell: f64,
) -> Result<StudyArea> {
    let spatial = EngineError::Spatial;
    match area {
        None => {
            let extent = outlier_trimmed_extent_weighted(points).map_err(spatial)?;
            let grid = Grid::covering(cell, extent.min_e, extent.max_e, extent.min_n, extent.max_n).map_err(spatial)?;
            Ok(StudyArea {
                grid,
                outside: extent.outside as u64,
                rule: format!(
                    "the extent of the located incidents after dropping locational outliers (Tukey's far-out fences, \
                     Q1 − 3·IQR to Q3 + 3·IQR on easting and northing): {:.0}–{:.0} E, {:.0}–{:.0} N",
                    extent.min_e, extent.max_e, extent.min_n, extent.max_n
                ),
                extent: Some(extent),
            })
        }
        Some(filter) => {
            let (level, code) = match filter {
                AreaFilter::Level(l) => (*l, None),
                AreaFilter::Code { level, code } => (*level, Some(code.as_str())),
            };
            let set = BoundarySet::load_level(session.root(), session.manifest(), level)?.ok_or_else(|| {
                EngineError::NoBoundaries {
                    level,
                    purpose: "the study area",
                }
            })?;
            let areas: Vec<&crimescope_ingest::boundaries::Area> = match code {
                Some(c) => {
                    let a: Vec<_> = set.areas.iter().filter(|a| a.code == c).collect();
                    if a.is_empty() {
                        return Err(EngineError::Parameter {
                            name: "area",
                            message: format!("{level}:{c}: no stored {level} area has that code"),
                        });
                    }
                    a
                }
                None => set.areas.iter().collect(),
            };
            let mut extent = Extent {
                min_e: f64::INFINITY,
                max_e: f64::NEG_INFINITY,
                min_n: f64::INFINITY,
                max_n: f64::NEG_INFINITY,
                outside: 0,
            };
            for a in &areas {
                for ring in a.polygons().iter().flat_map(|p| p.first()) {
                    for &(lon, lat) in ring {
                        if let Projected::Bng { easting, northing } = to_bng(lon, lat) {
                            extent.min_e = extent.min_e.min(easting);
                            extent.max_e = extent.max_e.max(easting);
                            extent.min_n = extent.min_n.min(northing);
                            extent.max_n = extent.max_n.max(northing);
                        }
                    }
                }
            }
            let mut grid =
                Grid::covering(cell, extent.min_e, extent.max_e, extent.min_n, extent.max_n).map_err(spatial)?;
            let wanted: std::collections::HashSet<&str> = areas.iter().map(|a| a.code.as_str()).collect();
            let mask: Vec<bool> = (0..grid.len())
                .into_par_iter()
                .map(|k| {
                    let (e, n) = grid.centre(k);
                    bng_to_lonlat(e, n)
                        .and_then(|(lon, lat)| set.locate(lon, lat))
                        .is_some_and(|a| wanted.contains(a.code.as_str()))
                })
                .collect();
            grid.mask = Some(mask);
            let outside = points
                .iter()
                .filter(|&&(e, n, _)| grid.index_of(e, n).is_none())
                .map(|p| p.2)
                .sum();
            Ok(StudyArea {
                grid,
                outside,
                rule: format!(
                    "the cells whose centres lie in {} (stored {} boundaries)",
                    code.map_or(format!("the {} {}s", areas.len(), level.label()), |c| format!(
                        "{} {c}",
                        level.label()
                    )),
                    level.label()
                ),
                extent: None,
            })
        }
    }
}
