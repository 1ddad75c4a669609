//! `assessment.toml`: what one Strategic Assessment covers and how. Three keys are
//! required (`area`, `store`, `period`); every other key has a documented default
//! (`docs/assessment.md`; `compare` defaults to the same months one year earlier). Unknown keys are errors that name the key.

mod parts;

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use crimescope_engine::SessionOptions;
use crimescope_engine::selection::{AreaSelection, CrimeSource, Unplaceable};
use crimescope_model::{Aim, AreaLevel, HarmWeights, Period, Source, Themes, same_slug};
use crimescope_stats::PeriodChange;
use serde::Deserialize;
use thiserror::Error;

pub use parts::{
    DataQualityConfig, HotspotConfig, Measure, NearRepeatConfig, PreviousPriority, PriorityWeights, ThemeConfig,
};
use parts::{RawPriority, check_hotspots, check_near_repeat, read_named, themes_from_tables};

use crate::area::{OnsGeography, from_boundaries, read_deciles, read_lsoa_list};
use crate::consultation::{ConsultationRow, read_consultation};

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

/// The raw file, as deserialised.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    area: String,
    store: PathBuf,
    period: String,
    compare: Option<String>,
    title: Option<String>,
    boundaries: Option<String>,
    sources: Option<Vec<String>>,
    themes: Option<Vec<ThemeConfig>>,
    themes_file: Option<PathBuf>,
    harm_file: Option<PathBuf>,
    consultation: Option<PathBuf>,
    #[serde(default)]
    previous_priorities: Vec<RawPriority>,
    #[serde(default)]
    hotspots: HotspotConfig,
    #[serde(default)]
    data_quality: DataQualityConfig,
    #[serde(default)]
    near_repeat: NearRepeatConfig,
    #[serde(default)]
    priority_weights: PriorityWeights,
    threshold: Option<u64>,
    seed: Option<u64>,
    trend_months: Option<u32>,
    templates: Option<PathBuf>,
    area_lsoas: Option<PathBuf>,
    area_boundary: Option<String>,
    unplaceable: Option<String>,
    crime_source: Option<String>,
    deprivation: Option<PathBuf>,
}

/// How the partnership's area is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaSpec {
    /// `area` names a partnership, district or force area (resolved when the config
    /// loads).
    Named(AreaSelection),
    /// `area_lsoas`: a file of LSOA codes (read when the config loads).
    Lsoas(AreaSelection),
    /// `area_boundary`: every stored area of this level of the store's boundaries
    /// (resolved against the store when the run starts).
    Boundary(AreaLevel),
}

/// IMD deciles by LSOA (`deprivation`), both vintages.
#[derive(Debug, Clone, PartialEq)]
pub struct Deprivation {
    /// The CSV file.
    pub path: PathBuf,
    /// LSOA code → decile (1 = most deprived).
    pub deciles: BTreeMap<String, u8>,
}

/// The consultation results named by the key `consultation`, read and checked when the
/// config is loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Consultation {
    /// The CSV file.
    pub path: PathBuf,
    /// Its rows, in file order.
    pub rows: Vec<ConsultationRow>,
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
    /// The comparison period (default: the same months one year earlier,
    /// [`Period::default_comparison`]).
    pub compare: Period,
    /// The title (default `<area> Strategic Assessment`).
    pub title: String,
    /// The boundary level drawn on maps and used for top areas (default `lsoa`).
    pub boundaries: AreaLevel,
    /// The sources covered (default every source: police, asb, fire).
    pub sources: Vec<Source>,
    /// The themes (default: Coventry CSP 2025–28).
    pub themes: Themes,
    /// The harm weights (default: the bundled table the store was built with).
    pub harm: HarmWeights,
    /// The consultation results (`priority,share`), if configured.
    pub consultation: Option<Consultation>,
    /// The previous plan's priorities.
    pub previous_priorities: Vec<PreviousPriority>,
    /// Hotspot parameters.
    pub hotspots: HotspotConfig,
    /// Data-quality screens (`[data_quality]`).
    pub data_quality: DataQualityConfig,
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
    /// The partnership's area.
    pub area_spec: AreaSpec,
    /// The config file (named in errors found after loading).
    pub config_path: PathBuf,
    /// Whether unplaceable incidents count (`unplaceable`); `None` keeps the area's
    /// default (they count only where one force polices only the area).
    pub unplaceable: Option<Unplaceable>,
    /// Where police-recorded crime is counted from (`crime_source`, default `auto`).
    pub crime_source: CrimeSource,
    /// IMD deciles by LSOA (`deprivation`), if given.
    pub deprivation: Option<Deprivation>,
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
        let period: Period = raw
            .period
            .parse()
            .map_err(|e: crimescope_model::ModelError| bad("period", e.to_string()))?;
        let compare: Period = match &raw.compare {
            Some(text) => text
                .parse()
                .map_err(|e: crimescope_model::ModelError| bad("compare", e.to_string()))?,
            None => period.default_comparison(),
        };
        if period.overlaps(compare) {
            return Err(bad(
                "compare",
                format!("{compare} overlaps the period {period}; choose a comparison period before it"),
            ));
        }
        if raw.area.trim().is_empty() {
            return Err(bad("area", "is empty; write the partnership's name".into()));
        }
        let geography = OnsGeography::bundled().map_err(|e| bad("area", e.to_string()))?;
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
        let consultation = match consultation {
            Some(path) => Some(Consultation {
                rows: read_consultation(&path)?,
                path,
            }),
            None => None,
        };
        let mut previous = Vec::new();
        for (i, p) in raw.previous_priorities.into_iter().enumerate() {
            let key = format!("previous_priorities[{i}].measure");
            let measure = Measure::parse(&p.measure).map_err(|m| bad(&key, m))?;
            if let Measure::Theme(name) = &measure
                && !themes.themes().iter().any(|t| same_slug(t, name))
            {
                return Err(bad(
                    &key,
                    format!(
                        "'{name}' is not a theme of this config; the themes are: {}",
                        themes.themes().join("; ")
                    ),
                ));
            }
            let aim = match &p.aim {
                None => Aim::default(),
                Some(text) => text.parse::<Aim>().map_err(|_| {
                    bad(
                        &format!("previous_priorities[{i}].aim"),
                        format!("'{text}' is not an aim; write reduce or increase"),
                    )
                })?,
            };
            previous.push(PreviousPriority {
                name: p.name,
                measure_text: p.measure,
                measure,
                aim,
            });
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
        let area_spec = match (&raw.area_lsoas, &raw.area_boundary) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "area_boundary",
                    "give either area_lsoas or area_boundary, not both".into(),
                ));
            }
            (Some(file), None) => {
                let file = resolve(file);
                let listed = read_lsoa_list(&file).map_err(|e| bad("area_lsoas", e.to_string()))?;
                AreaSpec::Lsoas(geography.from_lsoas(raw.area.trim(), &file.display().to_string(), &listed))
            }
            (None, Some(level)) => AreaSpec::Boundary(
                level
                    .parse::<AreaLevel>()
                    .map_err(|e| bad("area_boundary", e.to_string()))?,
            ),
            (None, None) => AreaSpec::Named(geography.resolve(&raw.area).map_err(|e| bad("area", e.to_string()))?),
        };
        let unplaceable = raw
            .unplaceable
            .as_deref()
            .map(|u| {
                u.parse::<Unplaceable>()
                    .map_err(|_| bad("unplaceable", format!("'{u}': write count or leave-out")))
            })
            .transpose()?;
        let crime_source = match raw.crime_source.as_deref() {
            None => CrimeSource::Auto,
            Some(text) => text
                .parse::<CrimeSource>()
                .map_err(|_| bad("crime_source", format!("'{text}': write auto, force or police.uk")))?,
        };
        let deprivation = match &raw.deprivation {
            None => None,
            Some(file) => {
                let path = resolve(file);
                let deciles = read_deciles(geography, &path).map_err(|e| ConfigError::File {
                    key: "deprivation".into(),
                    file: path.clone(),
                    location: "see message".into(),
                    message: e.to_string(),
                })?;
                Some(Deprivation { path, deciles })
            }
        };
        for (i, name) in raw.near_repeat.categories.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(bad(&format!("near_repeat.categories[{i}]"), "is empty".into()));
            }
        }
        let boundaries = match &raw.boundaries {
            None => AreaLevel::Lsoa,
            Some(text) => text
                .parse::<AreaLevel>()
                .map_err(|e| bad("boundaries", e.to_string()))?,
        };
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
            data_quality: raw.data_quality,
            near_repeat: raw.near_repeat,
            priority_weights: w,
            threshold,
            seed: raw.seed.unwrap_or(42),
            trend_months,
            templates: raw.templates.map(|t| resolve(&t)),
            area_spec,
            config_path: path.to_path_buf(),
            unplaceable,
            crime_source,
            deprivation,
        })
    }
}

impl AssessmentConfig {
    /// Whether the comparison is the same months one year earlier, so that season
    /// cannot pass for change.
    pub fn compares_like_with_like(&self) -> bool {
        self.compare == self.period.year_earlier()
    }

    /// A change between the periods tested on its own (the Poisson E-test over the two
    /// periods' months); adjust a table's rows with
    /// [`crimescope_stats::adjust_for_many_rows`].
    pub fn change(&self, current: u64, previous: u64) -> PeriodChange {
        PeriodChange::with_exposure(
            current,
            previous,
            f64::from(self.period.months()),
            f64::from(self.compare.months()),
        )
    }

    /// The partnership's area, with the config's unplaceable rule. An `area_boundary` is
    /// resolved against the store's boundaries.
    pub fn area_selection(&self) -> Result<AreaSelection, ConfigError> {
        let mut area = match &self.area_spec {
            AreaSpec::Named(a) | AreaSpec::Lsoas(a) => a.clone(),
            AreaSpec::Boundary(level) => {
                let geography = OnsGeography::bundled().map_err(|e| self.bad("area", e.to_string()))?;
                from_boundaries(geography, &self.area, *level, &self.store)
                    .map_err(|e| self.bad("area_boundary", e.to_string()))?
            }
        };
        if let Some(rule) = self.unplaceable {
            area.unplaceable = rule;
        }
        Ok(area)
    }

    fn bad(&self, key: &str, message: String) -> ConfigError {
        ConfigError::Value {
            path: self.config_path.clone(),
            key: key.to_string(),
            message,
        }
    }

    /// The session this config's run needs: its themes, harm weights, area and crime
    /// source.
    pub fn session_options(&self) -> Result<SessionOptions, ConfigError> {
        Ok(SessionOptions {
            themes: self.themes.clone(),
            harm: self.harm.clone(),
            area: Some(self.area_selection()?),
            crime_source: self.crime_source,
            // Assessments are of partnerships in England and Wales: UK clock time.
            ..SessionOptions::default()
        })
    }

    /// The area level of the top-area tables: ward when the boundaries are wards, else
    /// LSOA (area counts are by LSOA or ward).
    pub fn area_level(&self) -> AreaLevel {
        match self.boundaries {
            AreaLevel::Ward => AreaLevel::Ward,
            AreaLevel::Lsoa | AreaLevel::Csp => AreaLevel::Lsoa,
        }
    }
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
        assert_eq!("2024/25".parse::<Period>().unwrap().to_string(), "2024-04..2025-03");
        assert!("2024/26".parse::<Period>().unwrap_err().to_string().contains("2024/25"));
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
        // `compare` is optional: the same months a year earlier.
        let without = parse(&MINIMAL.replace("compare", "#compare")).unwrap();
        assert_eq!(without.compare.to_string(), "2024-01..2024-12");
        assert!(without.compares_like_with_like());
        assert!(err(MINIMAL.replace("area", "#area")).contains("area"));
        assert!(err(MINIMAL.replace("2024-01..2024-12", "2025-06..2025-07")).contains("`compare`"));
        assert!(err(format!("{MINIMAL}threshold = 1\n")).contains("`threshold`"));
        assert!(err(format!("{MINIMAL}[[themes]]\nname = \"A\"\ncategories = []\n")).contains("`themes`"));
        assert!(err(format!("{MINIMAL}[hotspots]\nband = 5\n")).contains("`hotspots.band`"));
        assert!(err(format!("{MINIMAL}[hotspots]\nradius = 5\n")).contains("radius"));
        assert!(err(format!("{MINIMAL}[data_quality]\nmax_keys = 5\n")).contains("max_keys"));
        assert!(err(format!("{MINIMAL}[near_repeat]\nmin_ratio = 0.5\n")).contains("`near_repeat.min_ratio`"));
        let dq = parse(&format!(
            "{MINIMAL}[data_quality]\nperson_key_max_incidents = 500\nkeep_implausible_keys = true\n"
        ))
        .unwrap();
        assert_eq!(dq.data_quality.person_key_max_incidents, Some(500));
        assert!(dq.data_quality.keep_implausible_keys);
        assert_eq!(parse(MINIMAL).unwrap().data_quality, DataQualityConfig::default());
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
