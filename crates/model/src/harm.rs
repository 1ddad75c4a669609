//! Harm-weight tables: one weight per category, kept as versioned data files.

use std::collections::BTreeMap;

use crate::ModelError;

/// The text of the bundled table `harm_weights_v1` (see the file for its source).
pub const HARM_WEIGHTS_V1: &str = include_str!("../data/harm_weights_v1.csv");

/// The text of the bundled offence table `harm_offences_v1` (see the file for its
/// source: an approximation, not the ONS Crime Severity Score).
pub const HARM_OFFENCES_V1: &str = include_str!("../data/harm_offences_v1.csv");

/// A named table of harm weights by category display name.
///
/// The file format is CSV with `#` comment lines, a `category,weight` header and one
/// row per category. The bundled [`HarmWeights::v1`] is an approximation in the
/// spirit of the Cambridge Crime Harm Index (Sherman, Neyroud & Neyroud 2016,
/// *Policing* 10(3):171–183); its file says so and explains how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct HarmWeights {
    name: String,
    weights: BTreeMap<String, f64>,
}

impl HarmWeights {
    /// The bundled table `harm_weights_v1`.
    ///
    /// ```
    /// let h = crimescope_model::HarmWeights::v1();
    /// assert_eq!(h.name(), "harm_weights_v1");
    /// assert!(h.weight("Robbery").unwrap() > h.weight("Shoplifting").unwrap());
    /// ```
    pub fn v1() -> HarmWeights {
        // The bundled file is checked by a unit test; failing here would be a build defect.
        Self::parse("harm_weights_v1", HARM_WEIGHTS_V1).expect("bundled harm table parses")
    }

    /// Parse a table from its text. Errors name the line and say what to fix.
    pub fn parse(name: &str, text: &str) -> Result<HarmWeights, ModelError> {
        Self::parse_keyed(name, text, "category")
    }

    /// Parse a table whose key column is `key` (`category`, or `ho_offence_code` for
    /// [`OffenceHarmWeights`]).
    fn parse_keyed(name: &str, text: &str, key: &str) -> Result<HarmWeights, ModelError> {
        let header = format!("{key},weight");
        let bad = |line: usize, message: String| ModelError::BadHarmTable {
            table: name.to_string(),
            line,
            message,
        };
        let mut weights = BTreeMap::new();
        let mut seen_header = false;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !seen_header {
                if line != header {
                    return Err(bad(i + 1, format!("expected the header '{header}', found '{line}'")));
                }
                seen_header = true;
                continue;
            }
            let (category, weight) = line
                .rsplit_once(',')
                .ok_or_else(|| bad(i + 1, format!("expected '{header}', found '{line}'")))?;
            let weight: f64 = weight
                .trim()
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w >= 0.0)
                .ok_or_else(|| {
                    bad(
                        i + 1,
                        format!("weight '{}' is not a non-negative number", weight.trim()),
                    )
                })?;
            if weights.insert(category.trim().to_string(), weight).is_some() {
                return Err(bad(i + 1, format!("{key} '{}' appears twice", category.trim())));
            }
        }
        if weights.is_empty() {
            return Err(bad(0, "the table has no rows".into()));
        }
        Ok(HarmWeights {
            name: name.to_string(),
            weights,
        })
    }

    /// The table's name, recorded beside every harm-weighted figure.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The weight of a category by display name, if the table has one.
    pub fn weight(&self, category: &str) -> Option<f64> {
        self.weights.get(category).copied()
    }

    /// All (category, weight) pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.weights.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

/// Harm weights by Home Office offence code, for extracts that carry one; offences a
/// table does not list fall back to their category's weight.
///
/// The bundled [`OffenceHarmWeights::v1`] is an approximation in the spirit of the
/// Cambridge Crime Harm Index and the ONS Crime Severity Score (ONS 2016), not the ONS
/// table itself; its file says so.
#[derive(Debug, Clone, PartialEq)]
pub struct OffenceHarmWeights {
    table: HarmWeights,
}

impl OffenceHarmWeights {
    /// The bundled table `harm_offences_v1`.
    ///
    /// ```
    /// let t = crimescope_model::OffenceHarmWeights::v1();
    /// // Within violence and sexual offences: rape far above common assault.
    /// assert!(t.weight("19C").unwrap() > 100.0 * t.weight("105A").unwrap());
    /// assert_eq!(t.weight(" 8n "), t.weight("8N"));
    /// ```
    pub fn v1() -> OffenceHarmWeights {
        // The bundled file is checked by a unit test; failing here would be a build defect.
        Self::parse("harm_offences_v1", HARM_OFFENCES_V1).expect("bundled offence table parses")
    }

    /// Parse a `ho_offence_code,weight` table.
    pub fn parse(name: &str, text: &str) -> Result<OffenceHarmWeights, ModelError> {
        let raw = HarmWeights::parse_keyed(name, text, "ho_offence_code")?;
        let mut weights = BTreeMap::new();
        for (code, weight) in raw.weights {
            if weights.insert(normalise_code(&code), weight).is_some() {
                return Err(ModelError::BadHarmTable {
                    table: name.to_string(),
                    line: 0,
                    message: format!("ho_offence_code '{code}' appears twice (codes ignore case and spaces)"),
                });
            }
        }
        Ok(OffenceHarmWeights {
            table: HarmWeights {
                name: raw.name,
                weights,
            },
        })
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        self.table.name()
    }

    /// The weight of an offence code (case and spaces ignored), if listed.
    pub fn weight(&self, code: &str) -> Option<f64> {
        self.table.weight(&normalise_code(code))
    }

    /// How many codes the table lists.
    pub fn len(&self) -> usize {
        self.table.weights.len()
    }

    /// Whether the table lists no code (never, for a parsed table).
    pub fn is_empty(&self) -> bool {
        self.table.weights.is_empty()
    }
}

fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PoliceUkCrimeType;

    #[test]
    fn bundled_table_covers_every_police_uk_type_exactly() {
        let h = HarmWeights::v1();
        for t in PoliceUkCrimeType::ALL {
            assert!(h.weight(t.name()).is_some(), "no weight for {t}");
        }
        assert_eq!(h.iter().count(), PoliceUkCrimeType::ALL.len());
        assert!(HARM_WEIGHTS_V1.contains("APPROXIMATION"));
    }

    #[test]
    fn bundled_offence_table_covers_the_generator_codes_and_says_what_it_is() {
        let t = OffenceHarmWeights::v1();
        // The codes the synthetic force extract writes (crates/synth/src/profiles.rs).
        for code in [
            "8N", "46", "49", "58C", "9", "45", "28E", "92E", "99", "39", "34B", "44", "10C",
        ] {
            assert!(t.weight(code).is_some(), "no weight for {code}");
        }
        assert!(HARM_OFFENCES_V1.contains("NOT THE ONS CSS TABLE"));
        assert!(OffenceHarmWeights::parse("t", "category,weight\nA,1\n").is_err());
        let dup = OffenceHarmWeights::parse("t", "ho_offence_code,weight\n8N,1\n8n,2\n").unwrap_err();
        assert!(dup.to_string().contains("appears twice"), "{dup}");
    }

    #[test]
    fn malformed_tables_name_the_line() {
        let err = HarmWeights::parse("t", "category,weight\nRobbery,lots\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(HarmWeights::parse("t", "cat,w\n").is_err());
        assert!(HarmWeights::parse("t", "category,weight\nA,1\nA,2\n").is_err());
    }
}
