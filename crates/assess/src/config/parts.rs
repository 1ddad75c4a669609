//! The sub-tables of `assessment.toml` (`[hotspots]`, `[near_repeat]`,
//! `[priority_weights]`, `[[themes]]`, `[[previous_priorities]]`) and their checks.

use std::path::Path;

use crimescope_model::{Aim, Source, Themes};
use serde::Deserialize;

use super::ConfigError;

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
    /// The crime types tested, each on its own, in the theme chapters they belong to
    /// (default Burglary, where near-repeat victimisation is established: Johnson &
    /// Bowers 2004).
    pub categories: Vec<String>,
    /// The smallest Knox ratio reported as a pattern, besides significance after
    /// adjustment across the cells (default 1.2: 20% more close pairs than chance).
    pub min_ratio: f64,
}

impl Default for NearRepeatConfig {
    fn default() -> Self {
        NearRepeatConfig {
            space_bands: vec![0.0, 100.0, 200.0, 300.0, 400.0],
            time_bands: vec![0, 7, 14, 21, 28],
            permutations: 999,
            categories: vec!["Burglary".to_string()],
            min_ratio: crimescope_engine::near_repeat::DEFAULT_MIN_KNOX_RATIO,
        }
    }
}

/// Data-quality screens (`[data_quality]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataQualityConfig {
    /// Flag person keys with more incidents than this in the period (default: the
    /// automatic rule, max(50, 10 × the 99.9th percentile of keys)).
    pub person_key_max_incidents: Option<u64>,
    /// Keep flagged person keys in the repeat and power-few figures (default false:
    /// they are left out and reported).
    pub keep_implausible_keys: bool,
}

impl DataQualityConfig {
    /// The engine's policy.
    pub fn policy(self) -> crimescope_engine::quality::PersonKeyPolicy {
        crimescope_engine::quality::PersonKeyPolicy {
            max_incidents: self.person_key_max_incidents,
            keep: self.keep_implausible_keys,
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

/// One priority of the previous plan (`[[previous_priorities]]`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousPriority {
    /// The priority as the plan worded it.
    pub name: String,
    /// Its measure as written in the config (`category:Burglary`).
    pub measure_text: String,
    /// Its measure, parsed.
    pub measure: Measure,
    /// The direction the plan wanted (default reduce).
    pub aim: Aim,
}

/// `[[previous_priorities]]` as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPriority {
    /// The priority as the plan worded it.
    pub name: String,
    /// Its measure: `all`, `source:NAME`, `category:NAME` or `theme:NAME`.
    pub measure: String,
    /// `reduce` (default) or `increase`.
    pub aim: Option<String>,
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

pub(super) fn themes_from_tables(list: &[ThemeConfig]) -> Result<Themes, String> {
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

pub(super) fn check_hotspots(h: &HotspotConfig) -> Result<(), (&'static str, String)> {
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

pub(super) fn check_near_repeat(n: &NearRepeatConfig) -> Result<(), (&'static str, String)> {
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
    if !(n.min_ratio.is_finite() && n.min_ratio >= 1.0) {
        return Err((
            "near_repeat.min_ratio",
            "must be a number of at least 1 (default 1.2: 20% more close pairs than chance)".into(),
        ));
    }
    Ok(())
}

pub(super) fn read_named(key: &str, file: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(file).map_err(|e| ConfigError::File {
        key: key.to_string(),
        file: file.to_path_buf(),
        location: "whole file".into(),
        message: format!("cannot be read ({e}); give a path relative to the config file"),
    })
}
