//! Closed sets used across the crates: the levels of geography a store keeps areas at,
//! and the direction a plan aims a measure in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// A level of geography at which a store keeps boundaries and populations, and at which
/// areas are ranked and mapped.
///
/// ```
/// use crimescope_model::AreaLevel;
/// assert_eq!("LSOA".parse::<AreaLevel>().unwrap(), AreaLevel::Lsoa);
/// assert_eq!(AreaLevel::Ward.to_string(), "ward");
/// assert!("county".parse::<AreaLevel>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaLevel {
    /// Lower Layer Super Output Areas (about 1,500 residents each).
    Lsoa,
    /// Electoral wards.
    Ward,
    /// Community Safety Partnership areas.
    Csp,
}

impl AreaLevel {
    /// Every level, smallest first.
    pub const ALL: [AreaLevel; 3] = [AreaLevel::Lsoa, AreaLevel::Ward, AreaLevel::Csp];

    /// The level's name as stored and written: `lsoa`, `ward` or `csp`.
    pub fn name(self) -> &'static str {
        match self {
            AreaLevel::Lsoa => "lsoa",
            AreaLevel::Ward => "ward",
            AreaLevel::Csp => "csp",
        }
    }
}

impl AreaLevel {
    /// The level as prose writes it: `LSOA`, `ward`, `CSP`.
    pub fn label(self) -> &'static str {
        match self {
            AreaLevel::Lsoa => "LSOA",
            AreaLevel::Ward => "ward",
            AreaLevel::Csp => "CSP",
        }
    }
}

impl fmt::Display for AreaLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AreaLevel {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<AreaLevel, ModelError> {
        let t = s.trim();
        AreaLevel::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| ModelError::UnknownAreaLevel { name: t.to_string() })
    }
}

/// The direction a plan wants a measure to move.
///
/// ```
/// use crimescope_model::Aim;
/// assert_eq!("increase".parse::<Aim>().unwrap(), Aim::Increase);
/// assert_eq!(Aim::default(), Aim::Reduce);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aim {
    /// Fewer is better (most crime and ASB measures).
    #[default]
    Reduce,
    /// More is better (reporting of hidden harms, for example).
    Increase,
}

impl Aim {
    /// `reduce` or `increase`.
    pub fn name(self) -> &'static str {
        match self {
            Aim::Reduce => "reduce",
            Aim::Increase => "increase",
        }
    }
}

impl fmt::Display for Aim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Aim {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Aim, ModelError> {
        match s.trim() {
            "reduce" => Ok(Aim::Reduce),
            "increase" => Ok(Aim::Increase),
            other => Err(ModelError::UnknownAim {
                name: other.to_string(),
            }),
        }
    }
}
