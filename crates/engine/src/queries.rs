//! Named SQL queries: one analysis per `.sql` file, in the workspace's `queries/` folder
//! or an analyst's own folder.
//!
//! The SQL lives in `.sql` files, not in Rust strings, so an analyst can read, copy and
//! change each one. The built-in files are compiled in, so the binary needs no files at
//! run time.
//!
//! ## The file header
//!
//! A query file starts with `--` comment lines. Lines without `@param` describe the
//! query; each `@param` line declares one parameter:
//!
//! ```sql
//! -- Incidents by category in one period.
//! -- @param period_start month First month of the period.
//! -- @param period_end month Last month of the period.
//! -- @param source text = '' Only this source ('' for every source).
//! SELECT category, COUNT(*) FROM incidents
//! WHERE month BETWEEN $period_start AND $period_end
//!   AND ($source = '' OR CAST(source AS VARCHAR) = $source)
//! GROUP BY 1
//! ```
//!
//! The types are `month` (written `YYYY-MM`, bound as the month's first day, a `DATE`),
//! `date` (`YYYY-MM-DD`), `text`, `int` and `float`. `= VALUE` gives a default, so the
//! parameter may be left out. Parameters are bound as values through DataFusion's
//! placeholders (`$name`): they are never spliced into the SQL text.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crimescope_model::{Month, close_matches, days_from_civil};
use datafusion::common::ScalarValue;

use crate::error::{EngineError, Result};

/// A built-in query: its file stem and its SQL, compiled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedQuery {
    /// The file stem in `queries/`, e.g. `info_sources`.
    pub name: &'static str,
    /// The SQL text.
    pub sql: &'static str,
}

macro_rules! named {
    ($name:literal) => {
        NamedQuery {
            name: $name,
            sql: include_str!(concat!("../../../queries/", $name, ".sql")),
        }
    };
}

/// The `incidents` view over `incidents_base` that applies the latest outcome.
pub const INCIDENTS_WITH_LATEST_OUTCOME: NamedQuery = named!("incidents_with_latest_outcome");
/// Incidents by source with month range and location coverage.
pub const INFO_SOURCES: NamedQuery = named!("info_sources");
/// Incidents by month and source.
pub const INFO_MONTHS: NamedQuery = named!("info_months");
/// Incidents and harm by source and category.
pub const INFO_CATEGORIES: NamedQuery = named!("info_categories");
/// Rejects by reason and field.
pub const INFO_REJECTS: NamedQuery = named!("info_rejects");
/// Trend by category: counts, change with its E-test (raw and adjusted across rows), harm and rates.
pub const TREND_BY_CATEGORY: NamedQuery = named!("trend_by_category");
/// Trend by source.
pub const TREND_BY_SOURCE: NamedQuery = named!("trend_by_source");
/// Trend by theme (a category may sit in several themes).
pub const TREND_BY_THEME: NamedQuery = named!("trend_by_theme");
/// Trend by LSOA, with rates from the LSOA population.
pub const TREND_BY_LSOA: NamedQuery = named!("trend_by_lsoa");
/// Trend by ward, with rates from the ward population.
pub const TREND_BY_WARD: NamedQuery = named!("trend_by_ward");
/// Trend by police force.
pub const TREND_BY_FORCE: NamedQuery = named!("trend_by_force");
/// Monthly counts and harm for each group, for the series statistics.
pub const TREND_MONTHLY: NamedQuery = named!("trend_monthly");
/// Incidents by day of week and hour, where times are known.
pub const TIME_PROFILE: NamedQuery = named!("time_profile");
/// Incidents per LSOA vintage rule (see [`crate::lsoa_vintage`]).
pub const LSOA_VINTAGE: NamedQuery = named!("lsoa_vintage");

/// Located incidents per grid cell.
pub const HOTSPOT_GRID: NamedQuery = named!("hotspot_grid");
/// Located incidents per month and grid cell.
pub const HOTSPOT_GRID_MONTHLY: NamedQuery = named!("hotspot_grid_monthly");
/// Located incidents' coordinates.
pub const HOTSPOT_POINTS: NamedQuery = named!("hotspot_points");
/// Incidents by LSOA, ranked, with rates.
pub const HOTSPOT_BY_LSOA: NamedQuery = named!("hotspot_by_lsoa");
/// Incidents by ward, ranked, with rates.
pub const HOTSPOT_BY_WARD: NamedQuery = named!("hotspot_by_ward");
/// Incidents per place, zeros included.
pub const CONCENTRATION_PLACES: NamedQuery = named!("concentration_places");
/// Incidents per LSOA, zeros included.
pub const CONCENTRATION_LSOAS: NamedQuery = named!("concentration_lsoas");

/// Person–incident rows for repeat victims and offenders.
pub const REPEAT_PEOPLE: NamedQuery = named!("repeat_people");
/// Incidents per place with the count from each source.
pub const REPEAT_LOCATIONS: NamedQuery = named!("repeat_locations");
/// Incidents per place with the count from each source, without text, unordered.
pub const REPEAT_LOCATION_COUNTS: NamedQuery = named!("repeat_location_counts");
/// The text of each of a few places.
pub const REPEAT_LOCATION_TEXTS: NamedQuery = named!("repeat_location_texts");
/// Located incidents with day-level dates, for the Knox test.
pub const NEAR_REPEAT_EVENTS: NamedQuery = named!("near_repeat_events");
/// Proven re-offending per cohort member.
pub const REOFFENDING: NamedQuery = named!("reoffending");
/// Current and comparison counts by offence, LSOA, ward or place: what drove a change.
pub const CHANGE_DRIVERS: NamedQuery = named!("change_drivers");
/// Incidents and harm by source and category, offence-weighted where codes allow.
pub const HARM_BY_CATEGORY: NamedQuery = named!("harm_by_category");
/// Incidents per person key and role, for the implausible-key screen.
pub const PERSON_KEY_VOLUMES: NamedQuery = named!("person_key_volumes");

/// Every built-in query, in `query list` order.
pub const ALL: &[NamedQuery] = &[
    TREND_BY_CATEGORY,
    TREND_BY_SOURCE,
    TREND_BY_THEME,
    TREND_BY_LSOA,
    TREND_BY_WARD,
    TREND_BY_FORCE,
    TREND_MONTHLY,
    LSOA_VINTAGE,
    TIME_PROFILE,
    HOTSPOT_GRID,
    HOTSPOT_GRID_MONTHLY,
    HOTSPOT_POINTS,
    HOTSPOT_BY_LSOA,
    HOTSPOT_BY_WARD,
    CONCENTRATION_PLACES,
    CONCENTRATION_LSOAS,
    REPEAT_PEOPLE,
    REPEAT_LOCATIONS,
    REPEAT_LOCATION_COUNTS,
    REPEAT_LOCATION_TEXTS,
    NEAR_REPEAT_EVENTS,
    REOFFENDING,
    PERSON_KEY_VOLUMES,
    HARM_BY_CATEGORY,
    CHANGE_DRIVERS,
    INFO_SOURCES,
    INFO_MONTHS,
    INFO_CATEGORIES,
    INFO_REJECTS,
    INCIDENTS_WITH_LATEST_OUTCOME,
];

/// The filter parameters every analysis query shares: `period_start`, `period_end`,
/// `source` and `category` ('' for none). The category must already be resolved to its
/// display name (see [`crate::trend::resolve_category`]).
pub(crate) fn filter_params(
    period: crimescope_model::Period,
    source: Option<crimescope_model::Source>,
    category: Option<&str>,
) -> HashMap<String, String> {
    let mut p = HashMap::new();
    p.insert("period_start".to_string(), period.first().to_string());
    p.insert("period_end".to_string(), period.last().to_string());
    p.insert(
        "source".to_string(),
        source.map(|s| s.name().to_string()).unwrap_or_default(),
    );
    p.insert("category".to_string(), category.unwrap_or_default().to_string());
    p
}

/// Add the `theme` parameter when a theme is chosen (only the queries that filter by
/// theme declare it, so it is left out otherwise).
pub(crate) fn with_theme(mut params: HashMap<String, String>, theme: Option<&str>) -> HashMap<String, String> {
    if let Some(theme) = theme {
        params.insert("theme".to_string(), theme.to_string());
    }
    params
}

/// A built-in query by name.
pub fn by_name(name: &str) -> Option<NamedQuery> {
    ALL.iter().copied().find(|q| q.name == name)
}

/// The type of a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `YYYY-MM`, bound as the first day of the month (`DATE`).
    Month,
    /// `YYYY-MM-DD`, bound as a `DATE`.
    Date,
    /// Text.
    Text,
    /// A 64-bit integer.
    Int,
    /// A 64-bit float.
    Float,
}

impl ParamKind {
    /// The name used in query headers.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Month => "month",
            ParamKind::Date => "date",
            ParamKind::Text => "text",
            ParamKind::Int => "int",
            ParamKind::Float => "float",
        }
    }

    fn parse(s: &str) -> Option<ParamKind> {
        Some(match s {
            "month" => ParamKind::Month,
            "date" => ParamKind::Date,
            "text" => ParamKind::Text,
            "int" => ParamKind::Int,
            "float" => ParamKind::Float,
            _ => return None,
        })
    }

    /// Convert `value` to the scalar bound for this type.
    pub fn bind(self, value: &str) -> std::result::Result<ScalarValue, String> {
        let v = value.trim();
        match self {
            ParamKind::Month => v
                .parse::<Month>()
                .map(|m| ScalarValue::Date32(Some(m.to_date32())))
                .map_err(|_| format!("'{value}' is not a month; write YYYY-MM")),
            ParamKind::Date => parse_date(v)
                .map(|d| ScalarValue::Date32(Some(d)))
                .ok_or_else(|| format!("'{value}' is not a date; write YYYY-MM-DD")),
            ParamKind::Text => Ok(ScalarValue::Utf8(Some(value.to_string()))),
            ParamKind::Int => v
                .parse::<i64>()
                .map(|i| ScalarValue::Int64(Some(i)))
                .map_err(|_| format!("'{value}' is not a whole number")),
            ParamKind::Float => v
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| ScalarValue::Float64(Some(f)))
                .ok_or_else(|| format!("'{value}' is not a number")),
        }
    }
}

fn parse_date(s: &str) -> Option<i32> {
    let mut parts = s.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let first = Month::new(year, month)?;
    let next = first.next();
    let d = days_from_civil(year, month, day);
    (day >= 1 && d < next.to_date32()).then_some(d)
}

/// One declared parameter of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamSpec {
    /// The name, used as `$name` in the SQL and `--param name=value` on the command line.
    pub name: String,
    /// The type.
    pub kind: ParamKind,
    /// The default, when the parameter may be left out.
    pub default: Option<String>,
    /// What it means.
    pub description: String,
}

/// Where a query came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryOrigin {
    /// Compiled in from the workspace's `queries/`.
    BuiltIn,
    /// Read from an analyst's folder.
    File(PathBuf),
}

/// As JSON: the name, the type, the default and the description.
impl serde::Serialize for ParamSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct View<'a> {
            name: &'a str,
            #[serde(rename = "type")]
            kind: &'static str,
            default: &'a Option<String>,
            description: &'a str,
        }
        View {
            name: &self.name,
            kind: self.kind.as_str(),
            default: &self.default,
            description: &self.description,
        }
        .serialize(serializer)
    }
}

/// As JSON: `built-in` or the file's path.
impl serde::Serialize for QueryOrigin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            QueryOrigin::BuiltIn => serializer.serialize_str("built-in"),
            QueryOrigin::File(p) => serializer.serialize_str(&p.display().to_string()),
        }
    }
}

/// A query with its declared parameters, ready to run. As JSON: its name, description,
/// origin and parameters (not the SQL).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueryDef {
    /// The name (the file stem).
    pub name: String,
    /// What it computes (the header's description lines).
    pub description: String,
    /// The declared parameters, in header order.
    pub params: Vec<ParamSpec>,
    /// The SQL text.
    #[serde(skip)]
    pub sql: Cow<'static, str>,
    /// Where it came from.
    pub origin: QueryOrigin,
}

impl QueryDef {
    /// Parse a query's header. Errors name the query and the line.
    pub fn parse(name: &str, sql: Cow<'static, str>, origin: QueryOrigin) -> Result<QueryDef> {
        let mut description = Vec::new();
        let mut params: Vec<ParamSpec> = Vec::new();
        for (i, line) in sql.lines().enumerate() {
            let Some(comment) = line.trim().strip_prefix("--") else {
                if line.trim().is_empty() {
                    continue;
                }
                break;
            };
            let comment = comment.trim();
            let Some(spec) = comment.strip_prefix("@param") else {
                if params.is_empty() && !comment.is_empty() {
                    description.push(comment.to_string());
                }
                continue;
            };
            let bad = |message: String| EngineError::BadQuery {
                query: name.to_string(),
                message: format!("line {}: {message}", i + 1),
            };
            let mut words = spec.split_whitespace();
            let pname = words
                .next()
                .ok_or_else(|| bad("@param needs a name and a type".into()))?;
            if !pname.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(bad(format!(
                    "parameter name '{pname}' may use only letters, digits and _"
                )));
            }
            let kind_word = words.next().unwrap_or("");
            let kind = ParamKind::parse(kind_word).ok_or_else(|| {
                bad(format!(
                    "parameter {pname}: type '{kind_word}' is not one of month, date, text, int, float"
                ))
            })?;
            let rest: Vec<&str> = words.collect();
            let (default, desc) = if rest.first() == Some(&"=") {
                let value = rest
                    .get(1)
                    .ok_or_else(|| bad(format!("parameter {pname}: '=' needs a default value")))?;
                let value = value.trim_matches('\'').to_string();
                kind.bind(&value)
                    .map_err(|e| bad(format!("parameter {pname}: default {e}")))?;
                (Some(value), rest[2..].join(" "))
            } else {
                (None, rest.join(" "))
            };
            if params.iter().any(|p| p.name == pname) {
                return Err(bad(format!("parameter {pname} is declared twice")));
            }
            params.push(ParamSpec {
                name: pname.to_string(),
                kind,
                default,
                description: desc,
            });
        }
        Ok(QueryDef {
            name: name.to_string(),
            description: description.join(" "),
            params,
            sql: expand_includes(name, sql)?,
            origin,
        })
    }

    /// Bind `values` (name → text) to the declared parameters: each is converted to
    /// its type; missing ones take their default. Unknown names and missing required
    /// parameters are errors that list what the query takes.
    pub fn bind(&self, values: &HashMap<String, String>) -> Result<Vec<(String, ScalarValue)>> {
        let takes = || {
            self.params
                .iter()
                .map(|p| format!("{} ({})", p.name, p.kind.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut unknown: Vec<&String> = values
            .keys()
            .filter(|k| !self.params.iter().any(|p| &p.name == *k))
            .collect();
        unknown.sort();
        if let Some(k) = unknown.first() {
            return Err(EngineError::BadParam {
                query: self.name.clone(),
                message: format!("it has no parameter '{k}'; it takes: {}", takes()),
            });
        }
        self.params
            .iter()
            .map(|p| {
                let value = values
                    .get(&p.name)
                    .or(p.default.as_ref())
                    .ok_or_else(|| EngineError::MissingParam {
                        query: self.name.clone(),
                        param: p.name.clone(),
                        kind: p.kind.as_str(),
                        description: p.description.clone(),
                    })?;
                let scalar = p.kind.bind(value).map_err(|message| EngineError::BadParam {
                    query: self.name.clone(),
                    message: format!("parameter '{}': {message}", p.name),
                })?;
                Ok((p.name.clone(), scalar))
            })
            .collect()
    }
}

/// SQL fragments a query may include with a line `-- @include NAME`
/// (`queries/fragments/NAME.sql`): one copy of SQL several queries share.
pub const FRAGMENTS: &[(&str, &str)] = &[
    (
        "change_test",
        include_str!("../../../queries/fragments/change_test.sql"),
    ),
    (
        "period_split",
        include_str!("../../../queries/fragments/period_split.sql"),
    ),
];

/// Replace each `-- @include NAME` line with the fragment's text. Errors name the query,
/// the line and the fragments there are.
fn expand_includes(name: &str, sql: Cow<'static, str>) -> Result<Cow<'static, str>> {
    fn directive(line: &str) -> Option<&str> {
        line.trim()
            .strip_prefix("--")
            .and_then(|c| c.trim().strip_prefix("@include"))
            .map(str::trim)
    }
    if !sql.lines().any(|l| directive(l).is_some()) {
        return Ok(sql);
    }
    let mut out = String::with_capacity(sql.len() + 4096);
    for (i, line) in sql.lines().enumerate() {
        match directive(line) {
            Some(fragment) => {
                let text =
                    FRAGMENTS
                        .iter()
                        .find(|f| f.0 == fragment)
                        .map(|f| f.1)
                        .ok_or_else(|| EngineError::BadQuery {
                            query: name.to_string(),
                            message: format!(
                                "line {}: there is no SQL fragment '{fragment}'; the fragments are {}",
                                i + 1,
                                FRAGMENTS.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
                            ),
                        })?;
                out.push_str(text);
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// The queries a session can run by name: the built-in ones, and optionally an
/// analyst's folder of `.sql` files (which may override a built-in of the same name).
#[derive(Debug, Clone)]
pub struct QueryCatalog {
    queries: Vec<QueryDef>,
}

impl QueryCatalog {
    /// The built-in queries.
    pub fn builtin() -> Result<QueryCatalog> {
        let queries = ALL
            .iter()
            .map(|q| QueryDef::parse(q.name, Cow::Borrowed(q.sql), QueryOrigin::BuiltIn))
            .collect::<Result<Vec<_>>>()?;
        Ok(QueryCatalog { queries })
    }

    /// The built-in queries plus every `*.sql` file in `dir` (not recursive). A file
    /// whose stem matches a built-in query replaces it.
    pub fn with_dir(dir: &Path) -> Result<QueryCatalog> {
        let mut catalog = Self::builtin()?;
        let read_err = |source| crimescope_ingest::IngestError::Read {
            path: dir.to_path_buf(),
            source,
        };
        // An entry that cannot be read is an error, not a file quietly skipped: a
        // skipped override would let the built-in query of that name run instead.
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_err)?
            .map(|entry| entry.map(|e| e.path()).map_err(read_err))
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "sql") && p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(EngineError::BadQuery {
                query: dir.display().to_string(),
                message: "the folder holds no .sql files".into(),
            });
        }
        for path in files {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let sql = std::fs::read_to_string(&path).map_err(|source| crimescope_ingest::IngestError::Read {
                path: path.clone(),
                source,
            })?;
            let def = QueryDef::parse(&name, Cow::Owned(sql), QueryOrigin::File(path))?;
            catalog.queries.retain(|q| q.name != def.name);
            catalog.queries.push(def);
        }
        Ok(catalog)
    }

    /// Every query, built-in first.
    pub fn queries(&self) -> &[QueryDef] {
        &self.queries
    }

    /// A query by name; an unknown name lists the close matches.
    pub fn get(&self, name: &str) -> Result<&QueryDef> {
        self.queries.iter().find(|q| q.name == name).ok_or_else(|| {
            let close = close_matches(name, self.queries.iter().map(|q| q.name.as_str()));
            EngineError::BadQuery {
                query: name.to_string(),
                message: if close.is_empty() {
                    "no query has this name; `crimescope query list` shows them".into()
                } else {
                    format!("no query has this name (did you mean: {}?)", close.join(", "))
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_queries_is_built_in_and_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.unwrap().path();
                (p.extension()? == "sql").then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
            })
            .collect();
        on_disk.sort();
        let mut built_in: Vec<String> = ALL.iter().map(|q| q.name.to_string()).collect();
        built_in.sort();
        assert_eq!(on_disk, built_in, "every queries/*.sql must be listed in ALL");
        let catalog = QueryCatalog::builtin().unwrap();
        let trend = catalog.get("trend_by_category").unwrap();
        let names: Vec<&str> = trend.params.iter().map(|p| p.name.as_str()).collect();
        assert!(
            names.starts_with(&["period_start", "period_end", "compare_start", "compare_end"]),
            "{names:?}"
        );
        assert!(!trend.description.is_empty());
    }

    #[test]
    fn includes_expand_to_the_fragment_and_unknown_ones_are_errors() {
        let q = QueryDef::parse(
            "q",
            Cow::Borrowed("-- q\nWITH levels AS (SELECT 1)\n-- @include change_test\nSELECT * FROM adjusted"),
            QueryOrigin::BuiltIn,
        )
        .unwrap();
        assert!(q.sql.contains("poisson_e_test(current, previous"), "{}", q.sql);
        assert!(!q.sql.contains("@include change_test\n"));
        assert!(q.sql.ends_with("SELECT * FROM adjusted\n"));
        // Every trend query takes the one copy.
        for g in ["category", "source", "theme", "lsoa", "ward", "force"] {
            let def = QueryCatalog::builtin()
                .unwrap()
                .get(&format!("trend_by_{g}"))
                .unwrap()
                .sql
                .clone();
            assert_eq!(def.matches("poisson_e_test(").count(), 1, "trend_by_{g}");
        }
        let e = QueryDef::parse(
            "q",
            Cow::Borrowed("SELECT 1\n  --  @include nope\n"),
            QueryOrigin::BuiltIn,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("line 2") && e.contains("'nope'") && e.contains("change_test"),
            "{e}"
        );
    }

    #[test]
    fn header_errors_name_the_line() {
        let e = QueryDef::parse(
            "q",
            Cow::Borrowed("-- x\n-- @param a colour\nSELECT 1"),
            QueryOrigin::BuiltIn,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 2") && e.contains("'colour'"), "{e}");
        let e = QueryDef::parse(
            "q",
            Cow::Borrowed("-- @param a int = x\nSELECT 1"),
            QueryOrigin::BuiltIn,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a whole number"), "{e}");
    }

    #[test]
    fn binding_converts_defaults_and_refuses_unknowns() {
        let q = QueryDef::parse(
            "q",
            Cow::Borrowed("-- Demo.\n-- @param start month First.\n-- @param source text = '' Only.\nSELECT 1"),
            QueryOrigin::BuiltIn,
        )
        .unwrap();
        assert_eq!(q.params[1].default.as_deref(), Some(""));
        let mut v = HashMap::new();
        v.insert("start".to_string(), "2024-03".to_string());
        let bound = q.bind(&v).unwrap();
        assert_eq!(bound[0].1, ScalarValue::Date32(Some(days_from_civil(2024, 3, 1))));
        assert_eq!(bound[1].1, ScalarValue::Utf8(Some(String::new())));
        v.insert("colour".into(), "red".into());
        let e = q.bind(&v).unwrap_err().to_string();
        assert!(
            e.contains("no parameter 'colour'") && e.contains("start (month)"),
            "{e}"
        );
        let e = q.bind(&HashMap::new()).unwrap_err().to_string();
        assert!(e.contains("'start' (month) is required"), "{e}");
        v.remove("colour");
        v.insert("start".into(), "March".into());
        assert!(q.bind(&v).unwrap_err().to_string().contains("not a month"));
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(parse_date("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-13-01"), None);
    }
}
