//! The police.uk crime-type vocabulary and the source names.
//!
//! Names on the command line are accepted by display name ("Violence and sexual
//! offences") or by slug (`violence-and-sexual-offences`), case-insensitively
//! (DESIGN.md, "Names on the command line").

use std::fmt;

use crate::ModelError;

/// The 14 crime types that data.police.uk publishes in its `Crime type` column.
///
/// Source: data.police.uk, "About: crime categories"
/// (<https://data.police.uk/about/#columns>), the categories in use since May 2013.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PoliceUkCrimeType {
    /// Anti-social behaviour (not a notifiable crime; source `asb`).
    AntiSocialBehaviour,
    /// Bicycle theft.
    BicycleTheft,
    /// Burglary (residential and business).
    Burglary,
    /// Criminal damage and arson.
    CriminalDamageAndArson,
    /// Drugs offences.
    Drugs,
    /// Other crime.
    OtherCrime,
    /// Other theft.
    OtherTheft,
    /// Possession of weapons.
    PossessionOfWeapons,
    /// Public order offences.
    PublicOrder,
    /// Robbery.
    Robbery,
    /// Shoplifting.
    Shoplifting,
    /// Theft from the person.
    TheftFromThePerson,
    /// Vehicle crime.
    VehicleCrime,
    /// Violence and sexual offences.
    ViolenceAndSexualOffences,
}

impl PoliceUkCrimeType {
    /// Every crime type, in the order police.uk lists them.
    pub const ALL: [PoliceUkCrimeType; 14] = [
        Self::AntiSocialBehaviour,
        Self::BicycleTheft,
        Self::Burglary,
        Self::CriminalDamageAndArson,
        Self::Drugs,
        Self::OtherCrime,
        Self::OtherTheft,
        Self::PossessionOfWeapons,
        Self::PublicOrder,
        Self::Robbery,
        Self::Shoplifting,
        Self::TheftFromThePerson,
        Self::VehicleCrime,
        Self::ViolenceAndSexualOffences,
    ];

    /// The display name exactly as police.uk writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::AntiSocialBehaviour => "Anti-social behaviour",
            Self::BicycleTheft => "Bicycle theft",
            Self::Burglary => "Burglary",
            Self::CriminalDamageAndArson => "Criminal damage and arson",
            Self::Drugs => "Drugs",
            Self::OtherCrime => "Other crime",
            Self::OtherTheft => "Other theft",
            Self::PossessionOfWeapons => "Possession of weapons",
            Self::PublicOrder => "Public order",
            Self::Robbery => "Robbery",
            Self::Shoplifting => "Shoplifting",
            Self::TheftFromThePerson => "Theft from the person",
            Self::VehicleCrime => "Vehicle crime",
            Self::ViolenceAndSexualOffences => "Violence and sexual offences",
        }
    }

    /// The slug: the name lower-cased with spaces as hyphens.
    pub fn slug(self) -> String {
        slugify(self.name())
    }

    /// The source this type belongs to: `asb` for anti-social behaviour, else `police`.
    pub fn source(self) -> Source {
        if self == Self::AntiSocialBehaviour {
            Source::Asb
        } else {
            Source::Police
        }
    }

    /// The type whose police.uk name is exactly `name` (the ingest fast path).
    pub fn from_exact_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Look a type up by display name or slug, case-insensitively.
    ///
    /// ```
    /// use crimescope_model::PoliceUkCrimeType;
    /// let t = PoliceUkCrimeType::lookup("violence-and-sexual-offences").unwrap();
    /// assert_eq!(t.name(), "Violence and sexual offences");
    /// let err = PoliceUkCrimeType::lookup("burglery").unwrap_err();
    /// assert!(err.to_string().contains("Burglary"));
    /// ```
    pub fn lookup(name: &str) -> Result<Self, ModelError> {
        // Called for every row of a partner extract: the published name itself is
        // matched first, and slugs are compared without building them.
        Self::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .or_else(|| Self::ALL.into_iter().find(|t| same_slug(t.name(), name)))
            .ok_or_else(|| ModelError::UnknownCategory {
                name: name.to_string(),
                close: close_matches(&slugify(name), Self::ALL.iter().map(|t| t.name())),
            })
    }
}

impl fmt::Display for PoliceUkCrimeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A crime type that data.police.uk published before its May 2013 change of categories
/// and no longer uses. Street files from December 2010 to April 2013 carry these names;
/// crimescope stores them as published, so counts by type match the files, and takes
/// the harm weight of the successor named here.
///
/// Source: data.police.uk changelog, May 2013: "Violent crime" became "Violence and
/// sexual offences", and "Public disorder and weapons" was split into "Public order"
/// and "Possession of weapons".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetiredCrimeType {
    /// The name as police.uk published it.
    pub name: &'static str,
    /// The current types that cover what it counted.
    pub successors: &'static [PoliceUkCrimeType],
}

impl RetiredCrimeType {
    /// The retired types.
    pub const ALL: [RetiredCrimeType; 2] = [
        RetiredCrimeType {
            name: "Violent crime",
            successors: &[PoliceUkCrimeType::ViolenceAndSexualOffences],
        },
        RetiredCrimeType {
            name: "Public disorder and weapons",
            successors: &[PoliceUkCrimeType::PublicOrder, PoliceUkCrimeType::PossessionOfWeapons],
        },
    ];

    /// The retired type with this name (exactly, or as a slug).
    pub fn lookup(name: &str) -> Option<RetiredCrimeType> {
        Self::ALL
            .into_iter()
            .find(|t| t.name == name || same_slug(t.name, name))
    }

    /// The successor whose harm weight the retired type takes: the first named.
    pub fn harm_successor(self) -> PoliceUkCrimeType {
        self.successors[0]
    }
}

/// The partner that an incident came from (the `source` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Police-recorded crime.
    Police,
    /// Anti-social behaviour, from police.uk or a council case log.
    Asb,
    /// Fire and rescue incidents.
    Fire,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 3] = [Source::Police, Source::Asb, Source::Fire];

    /// The name stored in the `source` column.
    pub fn name(self) -> &'static str {
        match self {
            Source::Police => "police",
            Source::Asb => "asb",
            Source::Fire => "fire",
        }
    }

    /// Look a source up by name, case-insensitively.
    pub fn lookup(name: &str) -> Result<Self, ModelError> {
        let wanted = slugify(name);
        Self::ALL
            .into_iter()
            .find(|s| s.name() == wanted)
            .ok_or_else(|| ModelError::UnknownSource { name: name.to_string() })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Lower-case, trim, and join words with single hyphens: "Bicycle  Theft" -> "bicycle-theft".
pub fn slugify(name: &str) -> String {
    slug_chars(name).collect()
}

/// Whether `a` and `b` have the same [`slugify`] slug, compared without building either.
pub fn same_slug(a: &str, b: &str) -> bool {
    slug_chars(a).eq(slug_chars(b))
}

/// The characters of `name`'s slug, one by one.
fn slug_chars(name: &str) -> impl Iterator<Item = char> + '_ {
    name.split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .enumerate()
        .flat_map(|(i, word)| {
            (i > 0)
                .then_some('-')
                .into_iter()
                .chain(word.chars().flat_map(char::to_lowercase))
        })
}

/// The candidates within a small edit distance of `wanted` (compared as slugs), best first.
pub fn close_matches<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = candidates
        .map(|c| {
            let slug = slugify(c);
            let d = if slug.contains(wanted) && !wanted.is_empty() {
                0
            } else {
                levenshtein(wanted, &slug)
            };
            (d, c)
        })
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}

/// Levenshtein edit distance between two strings, by characters. O(|a|·|b|).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_types_name_their_successors() {
        let violent = RetiredCrimeType::lookup("Violent crime").unwrap();
        assert_eq!(violent.harm_successor(), PoliceUkCrimeType::ViolenceAndSexualOffences);
        assert_eq!(
            RetiredCrimeType::lookup("public-disorder-and-weapons")
                .unwrap()
                .successors
                .len(),
            2
        );
        assert!(RetiredCrimeType::lookup("Burglary").is_none());
        for t in RetiredCrimeType::ALL {
            assert!(PoliceUkCrimeType::lookup(t.name).is_err(), "{} is not current", t.name);
        }
    }

    #[test]
    fn every_type_round_trips_by_name_and_slug() {
        for t in PoliceUkCrimeType::ALL {
            assert_eq!(PoliceUkCrimeType::lookup(t.name()).unwrap(), t);
            assert_eq!(PoliceUkCrimeType::lookup(&t.slug().to_uppercase()).unwrap(), t);
            assert_eq!(PoliceUkCrimeType::from_exact_name(t.name()), Some(t));
        }
        assert_eq!(PoliceUkCrimeType::AntiSocialBehaviour.source(), Source::Asb);
        assert_eq!(PoliceUkCrimeType::Drugs.source(), Source::Police);
    }

    /// The slug as `slugify` built it before it streamed its characters: the reference.
    fn slug_by_words(name: &str) -> String {
        let mut out = String::new();
        for word in name
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|w| !w.is_empty())
        {
            if !out.is_empty() {
                out.push('-');
            }
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
        out
    }

    #[test]
    fn slugs_are_compared_as_built() {
        let names = [
            "Violence and sexual offences",
            "violence-and-sexual-offences",
            "  VIOLENCE__and  sexual\toffences- ",
            "violence and sexual offence",
            "violenceandsexualoffences",
            "",
            " - _ ",
            "İstanbul",
            "i̇stanbul",
            "Other theft",
            "other-theft-",
        ];
        for a in names {
            assert_eq!(slugify(a), slug_by_words(a), "{a:?}");
            for b in names {
                assert_eq!(same_slug(a, b), slug_by_words(a) == slug_by_words(b), "{a:?} {b:?}");
            }
        }
        assert_eq!(
            PoliceUkCrimeType::lookup(" violence_AND sexual   offences ").unwrap(),
            PoliceUkCrimeType::ViolenceAndSexualOffences
        );
        assert!(PoliceUkCrimeType::lookup("violence and sexual").is_err());
    }

    #[test]
    fn unknown_name_lists_close_matches() {
        match PoliceUkCrimeType::lookup("robery") {
            Err(ModelError::UnknownCategory { close, .. }) => assert_eq!(close[0], "Robbery"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(Source::lookup("Fire").is_ok());
        assert!(Source::lookup("ambulance").is_err());
    }
}
