//! Theme tables: which categories make up each of a partnership's priority themes.

use crate::ModelError;
use crate::vocabulary::{close_matches, slugify};

/// The text of the bundled table `themes_coventry_2025` (see the file for its source).
pub const THEMES_COVENTRY_2025: &str = include_str!("../data/themes_coventry_2025.csv");

/// The theme reported for a category that no theme lists.
pub const UNASSIGNED_THEME: &str = "unassigned";

/// A named mapping from categories to themes. A category may belong to several themes,
/// so theme totals can overlap.
///
/// The file format is CSV with `#` comment lines, a `category,theme` header and one
/// `category,theme` pair per line; the theme is everything after the first comma, so
/// theme names may contain commas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Themes {
    name: String,
    pairs: Vec<(String, String)>,
}

impl Themes {
    /// The bundled default: the three themes of Coventry CSP's 2025–28 plan.
    ///
    /// ```
    /// let t = crimescope_model::Themes::coventry_2025();
    /// assert_eq!(t.themes().len(), 3);
    /// assert_eq!(t.themes_of("Burglary"), vec!["Public place safety and reassurance"]);
    /// ```
    pub fn coventry_2025() -> Themes {
        // Checked by a unit test; failing here would be a build defect.
        Self::parse("themes_coventry_2025", THEMES_COVENTRY_2025).expect("bundled theme table parses")
    }

    /// Parse a theme table. Errors name the line and say what to fix.
    pub fn parse(name: &str, text: &str) -> Result<Themes, ModelError> {
        let bad = |line: usize, message: String| ModelError::BadThemeTable {
            table: name.to_string(),
            line,
            message,
        };
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut seen_header = false;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !seen_header {
                if line != "category,theme" {
                    return Err(bad(
                        i + 1,
                        format!("expected the header 'category,theme', found '{line}'"),
                    ));
                }
                seen_header = true;
                continue;
            }
            let (category, theme) = line
                .split_once(',')
                .ok_or_else(|| bad(i + 1, format!("expected 'category,theme', found '{line}'")))?;
            let (category, theme) = (category.trim().to_string(), theme.trim().to_string());
            if category.is_empty() || theme.is_empty() {
                return Err(bad(i + 1, "both the category and the theme must be given".into()));
            }
            if pairs.iter().any(|(c, t)| *c == category && *t == theme) {
                return Err(bad(i + 1, format!("'{category}' is listed under '{theme}' twice")));
            }
            pairs.push((category, theme));
        }
        if pairs.is_empty() {
            return Err(bad(1, "the table maps no categories; add category,theme lines".into()));
        }
        Ok(Themes {
            name: name.to_string(),
            pairs,
        })
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every (category, theme) pair, in file order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The distinct themes, in order of first appearance.
    pub fn themes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (_, t) in &self.pairs {
            if !out.contains(&t.as_str()) {
                out.push(t);
            }
        }
        out
    }

    /// The themes a category belongs to (empty when it has none).
    pub fn themes_of(&self, category: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(c, _)| c == category)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    /// A theme by display name or slug, case-insensitively; an unknown name lists the
    /// close matches and every theme.
    ///
    /// ```
    /// let t = crimescope_model::Themes::coventry_2025();
    /// assert_eq!(t.lookup("public-place-safety-and-reassurance").unwrap(), "Public place safety and reassurance");
    /// assert!(t.lookup("public safety").is_err());
    /// ```
    pub fn lookup(&self, name: &str) -> Result<&str, ModelError> {
        let wanted = slugify(name);
        let themes = self.themes();
        if let Some(t) = themes.iter().find(|t| slugify(t) == wanted) {
            return Ok(t);
        }
        Err(ModelError::UnknownTheme {
            name: name.to_string(),
            close: close_matches(&wanted, themes.iter().copied()),
            known: themes.iter().map(|t| t.to_string()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PoliceUkCrimeType;

    #[test]
    fn bundled_table_covers_every_police_uk_type() {
        let t = Themes::coventry_2025();
        for ty in PoliceUkCrimeType::ALL {
            assert!(!t.themes_of(ty.name()).is_empty(), "{} has no theme", ty.name());
        }
        assert_eq!(t.themes_of("Violence and sexual offences").len(), 2);
        assert!(t.themes_of("false alarm").is_empty());
    }

    #[test]
    fn bad_tables_name_the_line() {
        let e = Themes::parse("x", "cat,theme\n").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("category,theme"), "{e}");
        let e = Themes::parse("x", "category,theme\nBurglary\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
        let e = Themes::parse("x", "category,theme\nBurglary,A\nBurglary,A\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("twice"), "{e}");
    }

    #[test]
    fn theme_names_may_contain_commas() {
        let t = Themes::coventry_2025();
        assert!(
            t.themes()
                .contains(&"Reducing offending, re-offending and serious violence")
        );
    }
}
