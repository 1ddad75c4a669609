//! `assessment.toml`: what one Strategic Assessment covers and how. Four keys are
//! required (`area`, `store`, `period`, `compare`); every other key has a documented
//! default (`docs/assessment.md`). Unknown keys are errors that name the key.

use std::path::{Path, PathBuf};

use crimescope_model::{HarmWeights, Period, Source, Themes, slugify};
use serde::Deserialize;
use thiserror::Error;

/// An assessment configuration error. Every message names the key (or the file, line
/// and field) and says what to write instead.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the assessment config {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The TOML is malformed, a required key is missing or a key is unknown.
    #[error("{path}: {message}. See docs/assessment.md for every key and its default")]
    Parse {
        /// The path.
        path: PathBuf,
        /// The parser's message, which names the key and the line.
        message: String,
    },
    /// A key has a value that cannot be used.
    #[error("{path}: key `{key}`: {message}")]
    Value {
        /// The config file.
        path: PathBuf,
        /// The key, dotted for nested tables (`hotspots.cell`).
        key: String,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// A file the config names could not be read or parsed.
    #[error("{file} (named by key `{key}`), {location}: {message}")]
    File {
        /// The key that names the file.
        key: String,
        /// The file.
        file: PathBuf,
        /// `line N, field F`, or `whole file`.
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// Hotspot parameters (`[hotspots]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HotspotConfig {
    /// Grid cell size in metres (default 250).
    pub cell: f64,
    /// Gi* distance band in metres (default 500).
    pub band: f64,
    /// Conditional permutations for Gi* pseudo p-values (default 0: analytical p only).
    pub permutations: usize,
    /// How many top areas to list (default 10).
    pub top_areas: usize,
}

impl Default for HotspotConfig {
    fn default() -> Self {
        HotspotConfig {
            cell: 250.0,
            band: 500.0,
            permutations: 0,
            top_areas: 10,
        }
    }
}

/// Near-repeat (Knox) parameters (`[near_repeat]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NearRepeatConfig {
    /// Space band edges in metres, first 0 (default 0, 100, 200, 300, 400).
    pub space_bands: Vec<f64>,
    /// Time band edges in days, first 0 (default 0, 7, 14, 21, 28).
    pub time_bands: Vec<i64>,
    /// Permutations (default 999).
    pub permutations: usize,
}

impl Default for NearRepeatConfig {
    fn default() -> Self {
        NearRepeatConfig {
            space_bands: vec![0.0, 100.0, 200.0, 300.0, 400.0],
            time_bands: vec![0, 7, 14, 21, 28],
            permutations: 999,
        }
    }
}

/// The weights of the priority matrix (`[priority_weights]`); each component is scaled
/// to 0–1 before weighting (see `docs/assessment.md`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PriorityWeights {
    /// Harm (default 0.4).
    pub harm: f64,
    /// Volume (default 0.2).
    pub volume: f64,
    /// Trend (default 0.2).
    pub trend: f64,
    /// Public concern (default 0.2).
    pub concern: f64,
}

impl Default for PriorityWeights {
    fn default() -> Self {
        PriorityWeights {
            harm: 0.4,
            volume: 0.2,
            trend: 0.2,
            concern: 0.2,
        }
    }
}

/// One theme of the plan (`[[themes]]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeConfig {
    /// The theme's name.
    pub name: String,
    /// The categories in it (display names, as in the store).
    pub categories: Vec<String>,
}

/// One priority of the previous plan (`[[previous_priorities]]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousPriority {
    /// The priority as the plan worded it.
    pub name: String,
    /// Its measure: `all`, `source:NAME`, `category:NAME` or `theme:NAME`.
    pub measure: String,
    /// The direction the plan wanted: `reduce` (default) or `increase`.
    #[serde(default = "reduce")]
    pub aim: String,
}

fn reduce() -> String {
    "reduce".to_string()
}

/// A previous-plan measure, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measure {
    /// Every incident.
    All,
    /// One source.
    Source(Source),
    /// One category.
    Category(String),
    /// One theme.
    Theme(String),
}

impl Measure {
    /// Parse `all`, `source:NAME`, `category:NAME` or `theme:NAME`.
    pub fn parse(text: &str) -> Result<Measure, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(Measure::All);
        }
        let (kind, name) = text
            .split_once(':')
            .ok_or_else(|| format!("'{text}' is not a measure; write all, source:NAME, category:NAME or theme:NAME"))?;
        let name = name.trim().to_string();
        match kind.trim() {
            "source" => Source::lookup(&name).map(Measure::Source).map_err(|e| e.to_string()),
            "category" => Ok(Measure::Category(name)),
            "theme" => Ok(Measure::Theme(name)),
            other => Err(format!(
                "'{other}' is not a measure kind; write all, source:NAME, category:NAME or theme:NAME"
            )),
        }
    }
}

/// The raw file, as deserialised.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    area: String,
    store: PathBuf,
    period: String,
    compare: String,
    title: Option<String>,
    boundaries: Option<String>,
    sources: Option<Vec<String>>,
    themes: Option<Vec<ThemeConfig>>,
    themes_file: Option<PathBuf>,
    harm_file: Option<PathBuf>,
    consultation: Option<PathBuf>,
    #[serde(default)]
    previous_priorities: Vec<PreviousPriority>,
    #[serde(default)]
    hotspots: HotspotConfig,
    #[serde(default)]
    near_repeat: NearRepeatConfig,
    #[serde(default)]
    priority_weights: PriorityWeights,
    threshold: Option<u64>,
    seed: Option<u64>,
    trend_months: Option<u32>,
    templates: Option<PathBuf>,
}

/// A checked assessment configuration, with paths resolved against the config file's
/// folder and every default filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentConfig {
    /// The partnership area's name.
    pub area: String,
    /// The store.
    pub store: PathBuf,
    /// The current period.
    pub period: Period,
    /// The comparison period.
    pub compare: Period,
    /// The title (default `<area> Strategic Assessment`).
    pub title: String,
    /// The boundary level drawn on maps and used for top areas (default `lsoa`).
    pub boundaries: String,
    /// The sources covered (default every source: police, asb, fire).
    pub sources: Vec<Source>,
    /// The themes (default: Coventry CSP 2025–28).
    pub themes: Themes,
    /// The harm weights (default: the bundled table the store was built with).
    pub harm: HarmWeights,
    /// The consultation results CSV (`priority,share`), if any.
    pub consultation: Option<PathBuf>,
    /// The previous plan's priorities.
    pub previous_priorities: Vec<(PreviousPriority, Measure)>,
    /// Hotspot parameters.
    pub hotspots: HotspotConfig,
    /// Near-repeat parameters.
    pub near_repeat: NearRepeatConfig,
    /// Priority matrix weights.
    pub priority_weights: PriorityWeights,
    /// The disclosure threshold (default 5).
    pub threshold: u64,
    /// The seed of every random step (default 42).
    pub seed: u64,
    /// Months in the trend chart, ending at the period's last month (default 36).
    pub trend_months: u32,
    /// A folder of templates that replace the built-in ones, if any.
    pub templates: Option<PathBuf>,
}

impl AssessmentConfig {
    /// Read and check a config file.
    pub fn load(path: &Path) -> Result<AssessmentConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, path, base)
    }

    /// Parse and check config text; `path` names it in errors and relative paths are
    /// resolved against `base`.
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<AssessmentConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        let bad = |key: &str, message: String| ConfigError::Value {
            path: path.to_path_buf(),
            key: key.to_string(),
            message,
        };
        let period: Period = parse_period(&raw.period).map_err(|m| bad("period", m))?;
        let compare: Period = parse_period(&raw.compare).map_err(|m| bad("compare", m))?;
        if period.overlaps(compare) {
            return Err(bad(
                "compare",
                format!("{compare} overlaps the period {period}; choose a comparison period before it"),
            ));
        }
        if raw.area.trim().is_empty() {
            return Err(bad("area", "is empty; write the partnership's name".into()));
        }
        let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
        let sources = match raw.sources {
            None => Source::ALL.to_vec(),
            Some(names) if names.is_empty() => return Err(bad("sources", "is empty; list police, asb or fire".into())),
            Some(names) => names
                .iter()
                .map(|n| Source::lookup(n).map_err(|e| bad("sources", e.to_string())))
                .collect::<Result<Vec<_>, _>>()?,
        };
        let themes = match (raw.themes, raw.themes_file) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "themes_file",
                    "give either [[themes]] tables or themes_file, not both".into(),
                ));
            }
            (Some(list), None) => themes_from_tables(&list).map_err(|m| bad("themes", m))?,
            (None, Some(file)) => {
                let file = resolve(&file);
                let text = read_named("themes_file", &file)?;
                Themes::parse(&file.display().to_string(), &text).map_err(|e| ConfigError::File {
                    key: "themes_file".into(),
                    file: file.clone(),
                    location: "see message".into(),
                    message: e.to_string(),
                })?
            }
            (None, None) => Themes::coventry_2025(),
        };
        let harm = match raw.harm_file {
            None => HarmWeights::v1(),
            Some(file) => {
                let file = resolve(&file);
                let text = read_named("harm_file", &file)?;
                HarmWeights::parse(&file.display().to_string(), &text).map_err(|e| ConfigError::File {
                    key: "harm_file".into(),
                    file: file.clone(),
                    location: "see message".into(),
                    message: e.to_string(),
                })?
            }
        };
        let consultation = raw.consultation.map(|f| resolve(&f));
        if let Some(file) = &consultation
            && !file.is_file()
        {
            return Err(ConfigError::File {
                key: "consultation".into(),
                file: file.clone(),
                location: "whole file".into(),
                message: "does not exist; give the path of the consultation results CSV relative to the config".into(),
            });
        }
        if let Some(file) = &consultation {
            crate::consultation::read_consultation(file)?;
        }
        let mut previous = Vec::new();
        for (i, p) in raw.previous_priorities.into_iter().enumerate() {
            let key = format!("previous_priorities[{i}].measure");
            let measure = Measure::parse(&p.measure).map_err(|m| bad(&key, m))?;
            if let Measure::Theme(name) = &measure
                && !themes.themes().iter().any(|t| slugify(t) == slugify(name))
            {
                return Err(bad(
                    &key,
                    format!(
                        "'{name}' is not a theme of this config; the themes are: {}",
                        themes.themes().join("; ")
                    ),
                ));
            }
            if p.aim != "reduce" && p.aim != "increase" {
                return Err(bad(
                    &format!("previous_priorities[{i}].aim"),
                    format!("'{}' is not an aim; write reduce or increase", p.aim),
                ));
            }
            previous.push((p, measure));
        }
        check_hotspots(&raw.hotspots).map_err(|(k, m)| bad(k, m))?;
        check_near_repeat(&raw.near_repeat).map_err(|(k, m)| bad(k, m))?;
        let w = raw.priority_weights;
        for (k, v) in [
            ("priority_weights.harm", w.harm),
            ("priority_weights.volume", w.volume),
            ("priority_weights.trend", w.trend),
            ("priority_weights.concern", w.concern),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(k, format!("{v} is not a weight; use a number of 0 or more")));
            }
        }
        if w.harm + w.volume + w.trend + w.concern <= 0.0 {
            return Err(bad(
                "priority_weights",
                "every weight is 0; give at least one a positive weight".into(),
            ));
        }
        let threshold = raw.threshold.unwrap_or(5);
        if !(2..=1000).contains(&threshold) {
            return Err(bad(
                "threshold",
                format!("{threshold} is out of range; use 2 to 1000 (the default is 5)"),
            ));
        }
        let trend_months = raw.trend_months.unwrap_or(36);
        if !(12..=240).contains(&trend_months) {
            return Err(bad(
                "trend_months",
                format!("{trend_months} is out of range; use 12 to 240"),
            ));
        }
        let boundaries = raw.boundaries.unwrap_or_else(|| "lsoa".to_string());
        Ok(AssessmentConfig {
            title: raw
                .title
                .unwrap_or_else(|| format!("{} Strategic Assessment", raw.area.trim())),
            area: raw.area.trim().to_string(),
            store: resolve(&raw.store),
            period,
            compare,
            boundaries,
            sources,
            themes,
            harm,
            consultation,
            previous_priorities: previous,
            hotspots: raw.hotspots,
            near_repeat: raw.near_repeat,
            priority_weights: w,
            threshold,
            seed: raw.seed.unwrap_or(42),
            trend_months,
            templates: raw.templates.map(|t| resolve(&t)),
        })
    }
}

/// A period as `YYYY-MM..YYYY-MM`, a single month, or a financial year `YYYY/YY`
/// (April to March: `2024/25` is 2024-04..2025-03).
pub fn parse_period(text: &str) -> Result<Period, String> {
    let t = text.trim();
    if let Some((a, b)) = t.split_once('/')
        && let (Ok(start), Ok(end)) = (a.parse::<i32>(), b.parse::<i32>())
    {
        if a.len() == 4 && b.len() == 2 && (start + 1) % 100 == end {
            return format!("{start}-04..{}-03", start + 1)
                .parse()
                .map_err(|e: crimescope_model::ModelError| e.to_string());
        }
        return Err(format!(
            "'{t}' is not a financial year; write it as 2024/25 (April 2024 to March 2025)"
        ));
    }
    t.parse::<Period>().map_err(|e| e.to_string())
}

fn themes_from_tables(list: &[ThemeConfig]) -> Result<Themes, String> {
    if list.is_empty() {
        return Err("no themes listed; add [[themes]] tables or leave the key out for the default".into());
    }
    let mut text = String::from("category,theme\n");
    for t in list {
        if t.name.trim().is_empty() || t.categories.is_empty() {
            return Err(format!("theme '{}' needs a name and at least one category", t.name));
        }
        for c in &t.categories {
            if c.contains(',') || c.contains('\n') {
                return Err(format!(
                    "category '{c}' in theme '{}' contains a comma or line break",
                    t.name
                ));
            }
            text.push_str(&format!("{},{}\n", c.trim(), t.name.trim()));
        }
    }
    Themes::parse("assessment.toml [[themes]]", &text).map_err(|e| e.to_string())
}

fn check_hotspots(h: &HotspotConfig) -> Result<(), (&'static str, String)> {
    if !(h.cell.is_finite() && (10.0..=10_000.0).contains(&h.cell)) {
        return Err((
            "hotspots.cell",
            format!("{} m is out of range; use 10 to 10000 (default 250)", h.cell),
        ));
    }
    if !(h.band.is_finite() && h.band >= h.cell && h.band <= 20_000.0) {
        return Err((
            "hotspots.band",
            format!("{} m must lie between the cell size and 20000 (default 500)", h.band),
        ));
    }
    if h.permutations > 9_999 {
        return Err(("hotspots.permutations", "use at most 9999".into()));
    }
    if h.top_areas == 0 || h.top_areas > 100 {
        return Err(("hotspots.top_areas", "use 1 to 100 (default 10)".into()));
    }
    Ok(())
}

fn check_near_repeat(n: &NearRepeatConfig) -> Result<(), (&'static str, String)> {
    let increasing_f = n.space_bands.windows(2).all(|w| w[0] < w[1]);
    if n.space_bands.first() != Some(&0.0) || !increasing_f || n.space_bands.len() < 2 {
        return Err((
            "near_repeat.space_bands",
            "must start at 0 and increase, with at least two edges (default [0, 100, 200, 300, 400])".into(),
        ));
    }
    let increasing_t = n.time_bands.windows(2).all(|w| w[0] < w[1]);
    if n.time_bands.first() != Some(&0) || !increasing_t || n.time_bands.len() < 2 {
        return Err((
            "near_repeat.time_bands",
            "must start at 0 and increase, with at least two edges (default [0, 7, 14, 21, 28])".into(),
        ));
    }
    if n.permutations == 0 || n.permutations > 9_999 {
        return Err(("near_repeat.permutations", "use 1 to 9999 (default 999)".into()));
    }
    Ok(())
}

fn read_named(key: &str, file: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(file).map_err(|e| ConfigError::File {
        key: key.to_string(),
        file: file.to_path_buf(),
        location: "whole file".into(),
        message: format!("cannot be read ({e}); give a path relative to the config file"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AssessmentConfig, ConfigError> {
        AssessmentConfig::parse(text, Path::new("assessment.toml"), Path::new("/base"))
    }

    const MINIMAL: &str = "area = \"City of London\"\nstore = \"store/\"\nperiod = \"2025-01..2025-12\"\ncompare = \"2024-01..2024-12\"\n";

    #[test]
    fn the_four_required_keys_are_a_complete_config_with_documented_defaults() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.store, Path::new("/base/store/"));
        assert_eq!(c.title, "City of London Strategic Assessment");
        assert_eq!((c.threshold, c.seed, c.trend_months), (5, 42, 36));
        assert_eq!(c.sources, Source::ALL.to_vec());
        assert_eq!(c.themes.themes().len(), 3);
        assert_eq!(c.hotspots, HotspotConfig::default());
        assert!(c.consultation.is_none() && c.previous_priorities.is_empty());
    }

    #[test]
    fn financial_years_run_april_to_march() {
        assert_eq!(parse_period("2024/25").unwrap().to_string(), "2024-04..2025-03");
        assert!(parse_period("2024/26").unwrap_err().contains("2024/25"));
        let c = parse(
            &MINIMAL
                .replace("2025-01..2025-12", "2024/25")
                .replace("2024-01..2024-12", "2023/24"),
        )
        .unwrap();
        assert_eq!(c.period.months(), 12);
    }

    #[test]
    fn errors_name_the_key() {
        let err = |text: String| parse(&text).unwrap_err().to_string();
        assert!(err(format!("{MINIMAL}colour = 1\n")).contains("colour"));
        assert!(err(MINIMAL.replace("compare", "#compare")).contains("compare"));
        assert!(err(MINIMAL.replace("2024-01..2024-12", "2025-06..2025-07")).contains("`compare`"));
        assert!(err(format!("{MINIMAL}threshold = 1\n")).contains("`threshold`"));
        assert!(err(format!("{MINIMAL}[[themes]]\nname = \"A\"\ncategories = []\n")).contains("`themes`"));
        assert!(err(format!("{MINIMAL}[hotspots]\nband = 5\n")).contains("`hotspots.band`"));
        assert!(err(format!("{MINIMAL}[hotspots]\nradius = 5\n")).contains("radius"));
        assert!(err(format!("{MINIMAL}sources = [\"probation\"]\n")).contains("`sources`"));
    }

    #[test]
    fn consultation_errors_name_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.csv");
        std::fs::write(&file, "priority,share\nBurglary,40\nDrugs,lots\n").unwrap();
        let text = format!("{MINIMAL}consultation = \"{}\"\n", file.display());
        let e = AssessmentConfig::parse(&text, Path::new("a.toml"), dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c.csv") && e.contains("line 3, field share") && e.contains("`consultation`"),
            "{e}"
        );
    }
}
