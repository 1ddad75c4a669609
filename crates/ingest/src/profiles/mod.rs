//! The input formats: one module per profile, each owning its header and its parser,
//! and [`Profile`], which recognises a file from its header and dispatches to the
//! parser. Parsers share the row loop of [`crate::file_context`] and never each other.

mod council_asb;
mod fire;
mod force_crime;
pub(crate) mod mapped;
mod police_uk;
mod probation;

use std::fmt;

use crate::error::{IngestError, Result};
use crate::file_context::{FileContext, ParsedFile};
use crate::pseudonym::PseudonymKey;

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
            Profile::PoliceUkStreet => &police_uk::street::HEADER,
            Profile::PoliceUkOutcomes => &police_uk::outcomes::HEADER,
            Profile::PoliceUkStopSearch => &police_uk::stop_search::HEADER,
            Profile::ForceCrime => &force_crime::HEADER,
            Profile::CouncilAsb => &council_asb::HEADER,
            Profile::FireIrs => &fire::irs::HEADER,
            // The columns read; the file has more (any order).
            Profile::FireLfb => &fire::lfb::COLUMNS,
            Profile::ProbationCohort => &probation::cohort::HEADER,
            Profile::ProbationReoffences => &probation::reoffences::HEADER,
        }
    }

    /// The profile whose header matches exactly (after trimming), if any; `fire-lfb`
    /// matches any header that has all the LFB columns it reads, and the police.uk
    /// profiles any of their layouts since 2010 (columns found by name; docs/formats.md).
    pub fn detect(header: &[String]) -> Option<Profile> {
        Self::ALL.into_iter().find(|p| match p {
            Profile::FireLfb => p.header().iter().all(|c| header.iter().any(|h| h == c)),
            Profile::PoliceUkStreet => police_uk::street::recognise(header).is_some(),
            Profile::PoliceUkOutcomes => police_uk::outcomes::recognise(header).is_some(),
            Profile::PoliceUkStopSearch => police_uk::stop_search::recognise(header).is_some(),
            _ => p.header().len() == header.len() && p.header().iter().zip(header).all(|(a, b)| a == b),
        })
    }

    /// Parse one file of this profile into staged Parquet. `header` is the file's
    /// header (the LFB columns may come in any order); `key` pseudonymises person
    /// identifiers and must be given for the profiles that carry them.
    pub(crate) fn parse(
        self,
        ctx: &FileContext<'_>,
        header: &[String],
        key: Option<&PseudonymKey>,
        bytes: &[u8],
    ) -> Result<ParsedFile> {
        let key = || {
            key.ok_or_else(|| IngestError::NoKey {
                file: ctx.name.to_string(),
                profile: self.name(),
            })
        };
        match self {
            Profile::PoliceUkStreet => police_uk::street::parse(ctx, header, bytes),
            Profile::PoliceUkOutcomes => police_uk::outcomes::parse(ctx, header, bytes),
            Profile::PoliceUkStopSearch => police_uk::stop_search::parse(ctx, header, bytes),
            Profile::FireIrs => fire::irs::parse(ctx, bytes),
            Profile::FireLfb => fire::lfb::parse(ctx, header, bytes),
            Profile::ForceCrime => force_crime::parse(ctx, key()?, bytes),
            Profile::CouncilAsb => council_asb::parse(ctx, key()?, bytes),
            Profile::ProbationCohort => probation::cohort::parse(ctx, key()?, bytes),
            Profile::ProbationReoffences => probation::reoffences::parse(ctx, key()?, bytes),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_header_and_nothing_else() {
        for p in Profile::ALL {
            let header: Vec<String> = p.header().iter().map(|s| s.to_string()).collect();
            assert_eq!(Profile::detect(&header), Some(p));
            if p != Profile::PoliceUkStreet {
                assert_eq!(Profile::detect(&header[1..]), None, "{p}");
            }
        }
        // The street header without Crime ID is a layout of its own (2011-2013).
        let old: Vec<String> = Profile::PoliceUkStreet.header()[1..]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(Profile::detect(&old), Some(Profile::PoliceUkStreet));
        assert_eq!(
            police_uk::force_from_file_name("2024-01-city-of-london-street.csv"),
            Some("city-of-london")
        );
        assert_eq!(
            police_uk::force_from_file_name("2026-02-city-of-london-stop-and-search.csv"),
            Some("city-of-london")
        );
        assert_eq!(police_uk::force_from_file_name("street.csv"), None);
    }
}
