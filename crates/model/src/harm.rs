//! Harm-weight tables: one weight per category, kept as versioned data files.

use std::collections::BTreeMap;

use crate::ModelError;

/// The text of the bundled table `harm_weights_v1` (see the file for its source).
pub const HARM_WEIGHTS_V1: &str = include_str!("../data/harm_weights_v1.csv");

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
                if line != "category,weight" {
                    return Err(bad(
                        i + 1,
                        format!("expected the header 'category,weight', found '{line}'"),
                    ));
                }
                seen_header = true;
                continue;
            }
            let (category, weight) = line
                .rsplit_once(',')
                .ok_or_else(|| bad(i + 1, format!("expected 'category,weight', found '{line}'")))?;
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
                return Err(bad(i + 1, format!("category '{}' appears twice", category.trim())));
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
    fn malformed_tables_name_the_line() {
        let err = HarmWeights::parse("t", "category,weight\nRobbery,lots\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(HarmWeights::parse("t", "cat,w\n").is_err());
        assert!(HarmWeights::parse("t", "category,weight\nA,1\nA,2\n").is_err());
    }
}
