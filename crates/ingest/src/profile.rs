//! Source profiles, recognised from the file header.

use std::fmt;

/// The police.uk street-level crime header (12 columns).
pub const STREET_HEADER: [&str; 12] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
];

/// The police.uk outcomes header (10 columns).
pub const OUTCOMES_HEADER: [&str; 10] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
];

/// The police.uk stop-and-search header (15 columns).
pub const STOP_SEARCH_HEADER: [&str; 15] = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
];

/// A known input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// data.police.uk `*-street.csv`: crime and ASB rows into `incidents`.
    PoliceUkStreet,
    /// data.police.uk `*-outcomes.csv`: outcome events into `outcomes`.
    PoliceUkOutcomes,
    /// data.police.uk `*-stop-and-search.csv`: searches into `stop_search`.
    PoliceUkStopSearch,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [
        Profile::PoliceUkStreet,
        Profile::PoliceUkOutcomes,
        Profile::PoliceUkStopSearch,
    ];

    /// The profile's name, stored in `incidents.dataset` and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Profile::PoliceUkStreet => "police-uk-street",
            Profile::PoliceUkOutcomes => "police-uk-outcomes",
            Profile::PoliceUkStopSearch => "police-uk-stop-and-search",
        }
    }

    /// The header this profile reads.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Profile::PoliceUkStreet => &STREET_HEADER,
            Profile::PoliceUkOutcomes => &OUTCOMES_HEADER,
            Profile::PoliceUkStopSearch => &STOP_SEARCH_HEADER,
        }
    }

    /// The profile whose header matches exactly (after trimming), if any.
    pub fn detect(header: &[String]) -> Option<Profile> {
        Self::ALL
            .into_iter()
            .find(|p| p.header().len() == header.len() && p.header().iter().zip(header).all(|(a, b)| a == b))
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The force slug in a police.uk archive file name: `2024-01-city-of-london-street.csv`
/// gives `city-of-london`.
pub fn force_from_file_name(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".csv").or_else(|| name.strip_suffix(".CSV"))?;
    let rest = stem.get(8..).filter(|_| stem.as_bytes().get(7) == Some(&b'-'))?;
    ["-street", "-outcomes", "-stop-and-search"]
        .iter()
        .find_map(|s| rest.strip_suffix(s))
        .filter(|f| !f.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_header_and_nothing_else() {
        for p in Profile::ALL {
            let header: Vec<String> = p.header().iter().map(|s| s.to_string()).collect();
            assert_eq!(Profile::detect(&header), Some(p));
            assert_eq!(Profile::detect(&header[1..]), None);
        }
        assert_eq!(
            force_from_file_name("2024-01-city-of-london-street.csv"),
            Some("city-of-london")
        );
        assert_eq!(
            force_from_file_name("2026-02-city-of-london-stop-and-search.csv"),
            Some("city-of-london")
        );
        assert_eq!(force_from_file_name("street.csv"), None);
    }
}
