//! Category volumes and temporal profiles.
//!
//! Shares follow the rough mix of police-recorded crime in England and Wales (ONS,
//! Crime in England and Wales, year ending March 2024); seasonal, weekly and daily
//! shapes are stylised from the published patterns (violence and public order peak on
//! weekend nights, shoplifting in daytime, secondary fires in spring and around
//! 5 November). They are synthetic and approximate by design.

use crimescope_model::PoliceUkCrimeType as T;

/// A crime type's place in the synthetic mix.
#[derive(Debug, Clone, Copy)]
pub struct CategoryProfile {
    /// The police.uk type.
    pub kind: T,
    /// Share of recorded crime (the 13 crime types sum to 1).
    pub share: f64,
    /// Home Office offence code and description for the force-crime extract.
    pub offence: (&'static str, &'static str),
    /// Whether the crime has a personal or household victim.
    pub has_victim: bool,
    /// Chance an offender is identified.
    pub detection: f64,
    /// Temporal shape.
    pub shape: Shape,
}

/// A temporal shape: month, day-of-week and hour weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Night-time economy: summer peak, weekend nights.
    NightEconomy,
    /// Shop hours: December peak, daytime, weekdays and Saturday.
    Retail,
    /// Household: winter evenings.
    Household,
    /// Flat through the day and week, mild summer peak.
    General,
}

/// The 13 crime types (anti-social behaviour is generated separately).
pub const CRIMES: [CategoryProfile; 13] = [
    p(
        T::ViolenceAndSexualOffences,
        0.37,
        ("8N", "Assault with injury"),
        true,
        0.30,
        Shape::NightEconomy,
    ),
    p(T::Shoplifting, 0.10, ("46", "Shoplifting"), false, 0.35, Shape::Retail),
    p(T::OtherTheft, 0.11, ("49", "Other theft"), true, 0.08, Shape::General),
    p(
        T::CriminalDamageAndArson,
        0.09,
        ("58C", "Criminal damage to a vehicle"),
        true,
        0.12,
        Shape::NightEconomy,
    ),
    p(
        T::PublicOrder,
        0.09,
        ("9", "Public fear, alarm or distress"),
        true,
        0.30,
        Shape::NightEconomy,
    ),
    p(
        T::VehicleCrime,
        0.065,
        ("45", "Theft from a vehicle"),
        true,
        0.05,
        Shape::Household,
    ),
    p(
        T::Burglary,
        0.05,
        ("28E", "Burglary - residential - home"),
        true,
        0.07,
        Shape::Household,
    ),
    p(
        T::Drugs,
        0.035,
        ("92E", "Possession of cannabis"),
        false,
        0.90,
        Shape::NightEconomy,
    ),
    p(
        T::OtherCrime,
        0.03,
        ("99", "Other notifiable offences"),
        false,
        0.40,
        Shape::General,
    ),
    p(
        T::TheftFromThePerson,
        0.02,
        ("39", "Theft from the person"),
        true,
        0.04,
        Shape::NightEconomy,
    ),
    p(
        T::Robbery,
        0.015,
        ("34B", "Robbery of personal property"),
        true,
        0.15,
        Shape::NightEconomy,
    ),
    p(
        T::BicycleTheft,
        0.015,
        ("44", "Theft of a pedal cycle"),
        true,
        0.03,
        Shape::General,
    ),
    p(
        T::PossessionOfWeapons,
        0.01,
        ("10C", "Possession of article with blade or point"),
        false,
        0.85,
        Shape::NightEconomy,
    ),
];

const fn p(
    kind: T,
    share: f64,
    offence: (&'static str, &'static str),
    has_victim: bool,
    detection: f64,
    shape: Shape,
) -> CategoryProfile {
    CategoryProfile {
        kind,
        share,
        offence,
        has_victim,
        detection,
        shape,
    }
}

impl Shape {
    /// Relative weight of each calendar month (January first).
    pub fn months(self) -> [f64; 12] {
        match self {
            Shape::NightEconomy => [0.90, 0.88, 0.95, 0.98, 1.06, 1.10, 1.12, 1.08, 1.00, 0.98, 0.95, 1.00],
            Shape::Retail => [0.95, 0.92, 0.98, 0.96, 1.00, 0.98, 1.00, 1.00, 0.98, 1.02, 1.08, 1.13],
            Shape::Household => [1.12, 1.02, 0.98, 0.92, 0.88, 0.85, 0.88, 0.90, 0.95, 1.08, 1.18, 1.24],
            Shape::General => [0.94, 0.90, 0.98, 1.00, 1.04, 1.06, 1.08, 1.06, 1.02, 1.00, 0.96, 0.96],
        }
    }

    /// Relative weight of each weekday (Monday first).
    pub fn weekdays(self) -> [f64; 7] {
        match self {
            Shape::NightEconomy => [0.85, 0.82, 0.86, 0.92, 1.15, 1.45, 1.30],
            Shape::Retail => [1.02, 1.00, 1.00, 1.02, 1.08, 1.18, 0.70],
            Shape::Household => [1.00, 1.00, 1.00, 1.00, 1.05, 1.00, 0.95],
            Shape::General => [1.00, 1.00, 1.00, 1.00, 1.05, 1.05, 0.90],
        }
    }

    /// Relative weight of each hour of the day (00:00 first).
    pub fn hours(self) -> [f64; 24] {
        match self {
            Shape::NightEconomy => [
                2.6, 2.4, 2.0, 1.4, 0.8, 0.5, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3, 1.4, 1.6,
                1.8, 2.1, 2.5, 2.7,
            ],
            Shape::Retail => [
                0.05, 0.03, 0.02, 0.02, 0.02, 0.03, 0.1, 0.3, 0.8, 1.4, 1.9, 2.1, 2.2, 2.2, 2.2, 2.3, 2.3, 2.1, 1.7,
                1.2, 0.8, 0.5, 0.25, 0.1,
            ],
            Shape::Household => [
                0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.4, 0.6, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.9, 2.0,
                1.9, 1.6, 1.2, 0.9,
            ],
            Shape::General => [
                0.5, 0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.9, 1.1, 1.2, 1.3, 1.3, 1.4, 1.4, 1.4, 1.4, 1.4, 1.3, 1.2, 1.1,
                1.0, 0.9, 0.8, 0.6,
            ],
        }
    }
}

/// Outcomes for crimes with an identified offender, and their weights.
pub const OUTCOMES_DETECTED: [(&str, f64); 5] = [
    ("Suspect charged", 0.45),
    ("Offender given a caution", 0.10),
    ("Local resolution", 0.15),
    ("Action to be taken by another organisation", 0.05),
    ("Unable to prosecute suspect", 0.25),
];

/// Outcomes for crimes with no identified offender.
pub const OUTCOMES_UNDETECTED: [(&str, f64); 3] = [
    ("Investigation complete; no suspect identified", 0.80),
    ("Unable to prosecute suspect", 0.12),
    ("Under investigation", 0.08),
];

/// Council ASB types by category.
pub const ASB_TYPES: [(&str, &str, f64); 8] = [
    ("nuisance", "noise", 0.22),
    ("nuisance", "rowdy behaviour", 0.20),
    ("nuisance", "vehicle nuisance", 0.10),
    ("personal", "harassment", 0.12),
    ("personal", "neighbour dispute", 0.10),
    ("environmental", "fly-tipping", 0.14),
    ("environmental", "graffiti", 0.07),
    ("environmental", "drug paraphernalia", 0.05),
];

/// Fire incidents: type, motive, property type, weight (per deliberate fire).
pub const FIRE_KINDS: [(&str, &str, &str, f64); 10] = [
    ("secondary fire", "deliberate", "refuse", 0.40),
    ("secondary fire", "deliberate", "grassland", 0.22),
    ("primary fire", "deliberate", "road vehicle", 0.25),
    ("primary fire", "deliberate", "dwelling", 0.08),
    ("primary fire", "deliberate", "other building", 0.05),
    ("primary fire", "accidental", "dwelling", 0.55),
    ("secondary fire", "accidental", "outdoor", 0.25),
    ("primary fire", "not known", "other building", 0.10),
    ("false alarm", "not known", "dwelling", 1.60),
    ("special service", "not known", "road vehicle", 0.70),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_one_and_cover_every_crime_type() {
        let total: f64 = CRIMES.iter().map(|c| c.share).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert_eq!(CRIMES.len(), T::ALL.len() - 1);
        assert!(CRIMES.iter().all(|c| c.kind != T::AntiSocialBehaviour));
    }
}
