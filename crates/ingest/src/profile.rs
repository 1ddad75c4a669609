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

/// The force-crime header (docs/formats.md).
pub const FORCE_CRIME_HEADER: [&str; 15] = [
    "crime_ref",
    "recorded_at",
    "committed_from",
    "committed_to",
    "ho_offence_code",
    "offence_description",
    "category",
    "easting",
    "northing",
    "uprn",
    "location",
    "victim_id",
    "offender_id",
    "domestic",
    "outcome",
];

/// The council-asb header (docs/formats.md).
pub const COUNCIL_ASB_HEADER: [&str; 10] = [
    "case_ref",
    "reported_at",
    "asb_category",
    "asb_type",
    "easting",
    "northing",
    "uprn",
    "location",
    "victim_id",
    "perpetrator_id",
];

/// The fire-irs header (docs/formats.md).
pub const FIRE_IRS_HEADER: [&str; 9] = [
    "incident_id",
    "call_datetime",
    "incident_type",
    "motive",
    "property_type",
    "easting",
    "northing",
    "uprn",
    "ward_code",
];

/// The probation-cohort header (docs/formats.md).
pub const PROBATION_COHORT_HEADER: [&str; 6] = ["crn", "cohort_start", "index_offence", "sentence_type", "tier", "iom"];

/// The probation-reoffences header (docs/formats.md).
pub const PROBATION_REOFFENCES_HEADER: [&str; 4] = ["crn", "offence_date", "conviction_date", "offence_category"];

/// A known input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// data.police.uk `*-street.csv`: crime and ASB rows into `incidents`.
    PoliceUkStreet,
    /// data.police.uk `*-outcomes.csv`: outcome events into `outcomes`.
    PoliceUkOutcomes,
    /// data.police.uk `*-stop-and-search.csv`: searches into `stop_search`.
    PoliceUkStopSearch,
    /// A police records-system extract: `incidents` and `parties`.
    ForceCrime,
    /// A council ASB case log: `incidents` (source `asb`) and `parties`.
    CouncilAsb,
    /// A fire service IRS extract: `incidents` (source `fire`).
    FireIrs,
    /// The London Fire Brigade's published incident records: `incidents` (source `fire`).
    FireLfb,
    /// A probation cohort: `offenders`.
    ProbationCohort,
    /// Proven re-offences of a probation cohort: `reoffences`.
    ProbationReoffences,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 9] = [
        Profile::PoliceUkStreet,
        Profile::PoliceUkOutcomes,
        Profile::PoliceUkStopSearch,
        Profile::ForceCrime,
        Profile::CouncilAsb,
        Profile::FireIrs,
        Profile::FireLfb,
        Profile::ProbationCohort,
        Profile::ProbationReoffences,
    ];

    /// The profile's name, stored in `incidents.dataset` and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Profile::PoliceUkStreet => "police-uk-street",
            Profile::PoliceUkOutcomes => "police-uk-outcomes",
            Profile::PoliceUkStopSearch => "police-uk-stop-and-search",
            Profile::ForceCrime => "force-crime",
            Profile::CouncilAsb => "council-asb",
            Profile::FireIrs => "fire-irs",
            Profile::FireLfb => "fire-lfb",
            Profile::ProbationCohort => "probation-cohort",
            Profile::ProbationReoffences => "probation-reoffences",
        }
    }

    /// Whether the profile's rows carry person identifiers (and so need a key).
    pub fn has_person_ids(self) -> bool {
        matches!(
            self,
            Profile::ForceCrime | Profile::CouncilAsb | Profile::ProbationCohort | Profile::ProbationReoffences
        )
    }

    /// The tables the profile writes (besides `rejects`).
    pub fn tables(self) -> &'static str {
        match self {
            Profile::PoliceUkStreet | Profile::FireIrs | Profile::FireLfb => "incidents",
            Profile::PoliceUkOutcomes => "outcomes",
            Profile::PoliceUkStopSearch => "stop_search",
            Profile::ForceCrime | Profile::CouncilAsb => "incidents, parties",
            Profile::ProbationCohort => "offenders",
            Profile::ProbationReoffences => "reoffences",
        }
    }

    /// The header this profile reads.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Profile::PoliceUkStreet => &STREET_HEADER,
            Profile::PoliceUkOutcomes => &OUTCOMES_HEADER,
            Profile::PoliceUkStopSearch => &STOP_SEARCH_HEADER,
            Profile::ForceCrime => &FORCE_CRIME_HEADER,
            Profile::CouncilAsb => &COUNCIL_ASB_HEADER,
            Profile::FireIrs => &FIRE_IRS_HEADER,
            // The columns read; the file has more (any order).
            Profile::FireLfb => &crate::partner::fire::LFB_COLUMNS,
            Profile::ProbationCohort => &PROBATION_COHORT_HEADER,
            Profile::ProbationReoffences => &PROBATION_REOFFENCES_HEADER,
        }
    }

    /// The profile whose header matches exactly (after trimming), if any; `fire-lfb`
    /// matches any header that has all the LFB columns it reads.
    pub fn detect(header: &[String]) -> Option<Profile> {
        Self::ALL.into_iter().find(|p| match p {
            Profile::FireLfb => p.header().iter().all(|c| header.iter().any(|h| h == c)),
            _ => p.header().len() == header.len() && p.header().iter().zip(header).all(|(a, b)| a == b),
        })
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
