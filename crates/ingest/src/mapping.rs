//! User-defined mapping profiles: a TOML file that maps any CSV onto the canonical
//! `incidents` fields.
//!
//! ```toml
//! name = "chicago-assaults"          # the dataset name; the manifest keys files by it
//! source = "police"                  # police, asb or fire
//! delimiter = ","                    # one character; default ","
//!
//! timezone = "Europe/London"         # what clock the times are on; default Europe/London
//!
//! [columns]                          # canonical field = column, or columns joined by a space
//! occurred_at = ["date", "time"]
//! subcategory = "loc_cat"
//!
//! [formats]                          # strftime-style: %Y %m %d %H %M %S %b %B, other text literal
//! occurred_at = "%d/%m/%Y %H:%M"
//!
//! [parties]                          # optional: columns of person ids, pseudonymised
//! victim = "victim_ref"
//! offender = "suspect_ref"           # perpetrator = "..." is stored as offender too
//! separator = ";"                    # optional: a cell may hold several ids
//!
//! [categories]                       # optional: value in the file = canonical category
//!
//! [constants]                        # fields with one value for every row
//! category = "Violence and sexual offences"
//!
//! [coordinates]
//! x = "longitude"                    # columns
//! y = "latitude"
//! crs = "EPSG:4326"                  # what x/y are: EPSG:4326 lon/lat or EPSG:27700 metres
//! grid = "EPSG:32616"                # what easting/northing hold: EPSG:27700 (default) or a UTM zone
//! ```
//!
//! Every key is checked: an unknown key is an error that names it, and a column that
//! the file lacks is an error that lists the columns it has.

use std::collections::BTreeMap;
use std::path::Path;

use crimescope_model::{Month, PoliceUkCrimeType, Source};
use serde::Deserialize;

use crate::error::{IngestError, Result};
use crate::utm::TransverseMercator;

/// The canonical fields a `[columns]` or `[constants]` entry may fill.
pub const MAPPABLE_FIELDS: [&str; 13] = [
    "record_id",
    "month",
    "occurred_at",
    "category",
    "subcategory",
    "ho_offence_code",
    "location_text",
    "uprn",
    "lsoa_code",
    "lsoa_name",
    "ward_code",
    "force",
    "outcome",
];

/// The file column(s) of a canonical field: one column, or several whose values are
/// joined with one space (`occurred_at = ["Year", "Month", "Day"]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ColumnSpec {
    /// One column.
    One(String),
    /// Several columns, joined with one space in this order.
    Several(Vec<String>),
}

impl ColumnSpec {
    /// The column names, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            ColumnSpec::One(c) => vec![c.as_str()],
            ColumnSpec::Several(cs) => cs.iter().map(String::as_str).collect(),
        }
    }
}

/// The person columns of a mapping profile (`[parties]`). Ids are pseudonymised with
/// the store's key exactly as the built-in profiles' ids are, so the same person links
/// across sources; raw ids are never stored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyColumns {
    /// The victim id column (role `victim`).
    #[serde(default)]
    pub victim: Option<String>,
    /// The offender id column (role `offender`).
    #[serde(default)]
    pub offender: Option<String>,
    /// The perpetrator id column (an ASB term; stored with role `offender`).
    #[serde(default)]
    pub perpetrator: Option<String>,
    /// A separator for cells holding several ids (`"V1;V2"`); none means one id a cell.
    #[serde(default)]
    pub separator: Option<String>,
}

impl PartyColumns {
    /// (column, stored role) for each person column given.
    pub fn roles(&self) -> Vec<(&str, &'static str)> {
        [
            (&self.victim, "victim"),
            (&self.offender, "offender"),
            (&self.perpetrator, "offender"),
        ]
        .into_iter()
        .filter_map(|(c, role)| c.as_deref().map(|c| (c, role)))
        .collect()
    }
}

/// A parsed mapping profile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingProfile {
    /// The dataset name (`incidents.dataset`).
    pub name: String,
    /// police, asb or fire.
    pub source: String,
    /// The field delimiter (one character).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The IANA time zone of the file's clock times (default `Europe/London`).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Canonical field -> file column(s).
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSpec>,
    /// Date formats by field (`month`, `occurred_at`).
    #[serde(default)]
    pub formats: BTreeMap<String, String>,
    /// File category -> canonical category.
    #[serde(default)]
    pub categories: BTreeMap<String, String>,
    /// Canonical field -> constant value.
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    /// Coordinate columns and CRS.
    #[serde(default)]
    pub coordinates: Option<Coordinates>,
    /// Person id columns.
    #[serde(default)]
    pub parties: Option<PartyColumns>,
}

/// The coordinate columns of a mapping profile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    /// The x column (longitude or easting).
    pub x: String,
    /// The y column (latitude or northing).
    pub y: String,
    /// `EPSG:4326` (lon/lat) or `EPSG:27700` (BNG metres).
    pub crs: String,
    /// The grid for `easting`/`northing`: `EPSG:27700` (default) or `EPSG:326NN`/`327NN`.
    #[serde(default)]
    pub grid: Option<String>,
}

/// The grid that `easting`/`northing` hold for a profile's rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Grid {
    /// British National Grid via OSTN15.
    BritishNationalGrid,
    /// A UTM zone on WGS84, with its EPSG code.
    Utm(u32, TransverseMercator),
}

impl MappingProfile {
    /// Read and check a profile file.
    pub fn load(path: &Path) -> Result<MappingProfile> {
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parse and check a profile. Errors name the TOML key at fault.
    pub fn parse(text: &str, origin: &str) -> Result<MappingProfile> {
        let bad = |message: String| IngestError::Profile {
            profile: origin.to_string(),
            message,
        };
        let profile: MappingProfile = toml::from_str(text).map_err(|e| bad(e.to_string().trim().to_string()))?;
        Source::lookup(&profile.source)
            .map_err(|_| bad(format!("key `source`: '{}' is not police, asb or fire", profile.source)))?;
        let column_keys: Vec<&String> = profile.columns.keys().collect();
        let constant_keys: Vec<&String> = profile.constants.keys().collect();
        for (table, keys) in [("columns", column_keys), ("constants", constant_keys)] {
            for key in keys {
                if !MAPPABLE_FIELDS.contains(&key.as_str()) {
                    return Err(bad(format!(
                        "key `{table}.{key}` is not a canonical field; use one of {}",
                        MAPPABLE_FIELDS.join(", ")
                    )));
                }
            }
        }
        for key in profile.formats.keys() {
            if key != "month" && key != "occurred_at" {
                return Err(bad(format!(
                    "key `formats.{key}`: formats are given for `month` and `occurred_at` only"
                )));
            }
        }
        let has = |f: &str| profile.columns.contains_key(f) || profile.constants.contains_key(f);
        if !has("month") && !profile.columns.contains_key("occurred_at") {
            return Err(bad("the profile needs `columns.month` or `columns.occurred_at`".into()));
        }
        if !has("category") {
            return Err(bad(
                "the profile needs `columns.category` or `constants.category`".into()
            ));
        }
        for (field, spec) in &profile.columns {
            if spec.names().is_empty() {
                return Err(bad(format!("key `columns.{field}`: give at least one column")));
            }
        }
        profile.zone().map_err(|m| bad(format!("key `timezone`: {m}")))?;
        if let Some(parties) = &profile.parties {
            if parties.roles().is_empty() {
                return Err(bad("`[parties]` needs `victim`, `offender` or `perpetrator`".into()));
            }
            if parties.separator.as_ref().is_some_and(|s| s.is_empty()) {
                return Err(bad("key `parties.separator` must not be empty".into()));
            }
        }
        if profile.delimiter.as_ref().is_some_and(|d| d.len() != 1) {
            return Err(bad("key `delimiter` must be one ASCII character".into()));
        }
        for (field, format) in &profile.formats {
            check_format(format).map_err(|m| bad(format!("key `formats.{field}`: {m}")))?;
        }
        profile.grid().map_err(bad)?;
        Ok(profile)
    }

    /// The time zone of the file's clock times.
    pub fn zone(&self) -> std::result::Result<crate::local_time::LocalZone, String> {
        self.timezone.as_deref().map_or(
            Ok(crate::local_time::LocalZone::LONDON),
            crate::local_time::LocalZone::parse,
        )
    }

    /// Whether the profile maps person ids (and so needs a pseudonymisation key).
    pub fn has_person_ids(&self) -> bool {
        self.parties.is_some()
    }

    /// The delimiter byte.
    pub fn delimiter_byte(&self) -> u8 {
        self.delimiter.as_ref().and_then(|d| d.bytes().next()).unwrap_or(b',')
    }

    /// The grid of `easting`/`northing`.
    pub fn grid(&self) -> std::result::Result<Grid, String> {
        let Some(c) = &self.coordinates else {
            return Ok(Grid::BritishNationalGrid);
        };
        if c.crs != "EPSG:4326" && c.crs != "EPSG:27700" {
            return Err(format!(
                "key `coordinates.crs`: '{}' is not EPSG:4326 or EPSG:27700",
                c.crs
            ));
        }
        match c.grid.as_deref() {
            None | Some("EPSG:27700") => Ok(Grid::BritishNationalGrid),
            Some(g) => {
                let code = g.strip_prefix("EPSG:").and_then(|n| n.parse::<u32>().ok());
                match code.and_then(|n| TransverseMercator::utm_from_epsg(n).map(|tm| (n, tm))) {
                    Some((n, tm)) if c.crs == "EPSG:4326" => Ok(Grid::Utm(n, tm)),
                    Some(_) => Err("key `coordinates.grid`: a UTM grid needs `crs = \"EPSG:4326\"` input".into()),
                    None => Err(format!(
                        "key `coordinates.grid`: '{g}' is not EPSG:27700 or a UTM zone (EPSG:326NN/327NN)"
                    )),
                }
            }
        }
    }

    /// The canonical category of a file value: mapped through `[categories]` when it
    /// has entries; police.uk names normalised for source `police`.
    pub fn category(&self, value: &str) -> Option<String> {
        let v = value.trim();
        let mapped = if self.categories.is_empty() {
            Some(v)
        } else {
            self.categories.get(v).map(String::as_str)
        };
        let mapped = mapped.filter(|m| !m.is_empty())?;
        if self.source == "police" {
            PoliceUkCrimeType::lookup(mapped).ok().map(|t| t.name().to_string())
        } else {
            Some(mapped.to_string())
        }
    }
}

/// A date-time read with a format: (year, month, day, hour, minute, second), and
/// whether the format had a time of day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Parsed {
    /// The month.
    pub month: Month,
    /// Milliseconds since the epoch, as written (no time zone applied).
    pub ms: i64,
    /// Whether the format carries a time of day.
    pub has_time: bool,
}

fn check_format(format: &str) -> std::result::Result<(), String> {
    let mut chars = format.chars();
    let mut has_year = false;
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('Y') => has_year = true,
                Some('m' | 'd' | 'H' | 'M' | 'S' | 'b' | 'B') => {}
                other => {
                    return Err(format!(
                        "'%{}' is not supported; use %Y %m %d %H %M %S %b %B",
                        other.unwrap_or(' ')
                    ));
                }
            }
        }
    }
    if has_year {
        Ok(())
    } else {
        Err(format!("'{format}' has no %Y"))
    }
}

/// Read `text` with a strftime-style `format` (%Y %m %d %H %M %S, %b for a three-letter
/// month name, %B for a full one, both in any case; a missing day is 1). `%m`, `%d`,
/// `%H`, `%M` and `%S` take one or two digits.
pub(crate) fn parse_datetime(text: &str, format: &str) -> Option<Parsed> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const FULL_MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let t = text.trim().as_bytes();
    let (mut y, mut mo, mut d, mut h, mut mi, mut s) = (None, None, 1u32, 0i64, 0i64, 0i64);
    let mut has_time = false;
    let mut i = 0;
    let mut f = format.chars().peekable();
    let digits = |i: &mut usize, max: usize| -> Option<i64> {
        let start = *i;
        while *i < t.len() && *i - start < max && t[*i].is_ascii_digit() {
            *i += 1;
        }
        std::str::from_utf8(&t[start..*i]).ok()?.parse().ok()
    };
    while let Some(c) = f.next() {
        if c == '%' {
            match f.next()? {
                'Y' => y = Some(digits(&mut i, 4)? as i32),
                'm' => mo = Some(digits(&mut i, 2)? as u32),
                'd' => d = digits(&mut i, 2)? as u32,
                'H' => {
                    h = digits(&mut i, 2)?;
                    has_time = true;
                }
                'M' => mi = digits(&mut i, 2)?,
                'S' => s = digits(&mut i, 2)?,
                'b' => {
                    let word = std::str::from_utf8(t.get(i..i + 3)?).ok()?.to_lowercase();
                    mo = Some(MONTHS.iter().position(|m| *m == word)? as u32 + 1);
                    i += 3;
                }
                'B' => {
                    let len = t[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
                    let word = std::str::from_utf8(&t[i..i + len]).ok()?.to_lowercase();
                    mo = Some(FULL_MONTHS.iter().position(|m| *m == word)? as u32 + 1);
                    i += len;
                }
                _ => return None,
            }
        } else {
            let mut buf = [0u8; 4];
            let lit = c.encode_utf8(&mut buf).as_bytes();
            if t.get(i..i + lit.len())? != lit {
                return None;
            }
            i += lit.len();
        }
    }
    if i != t.len() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let month = Month::new(y?, mo?)?;
    let days_in = month.next().to_date32() - month.to_date32();
    if d < 1 || d as i32 > days_in {
        return None;
    }
    let day = i64::from(month.to_date32() + d as i32 - 1);
    Some(Parsed {
        month,
        ms: (((day * 24 + h) * 60 + mi) * 60 + s) * 1000,
        has_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let p = parse_datetime("2010-01-01 00:05", "%Y-%m-%d %H:%M").unwrap();
        assert!(p.has_time && p.month == Month::new(2010, 1).unwrap());
        assert_eq!(
            p.ms,
            i64::from(crimescope_model::days_from_civil(2010, 1, 1)) * 86_400_000 + 5 * 60_000
        );
        assert_eq!(
            parse_datetime("2022-01", "%Y-%m").unwrap().month,
            Month::new(2022, 1).unwrap()
        );
        assert_eq!(
            parse_datetime("01 Jan 2009", "%d %b %Y").unwrap().month,
            Month::new(2009, 1).unwrap()
        );
        // A date split over Year, Month, Day columns, joined with spaces.
        let split = parse_datetime("2009 December 18", "%Y %B %d").unwrap();
        assert_eq!((split.month, split.has_time), (Month::new(2009, 12).unwrap(), false));
        assert_eq!(
            split.ms,
            i64::from(crimescope_model::days_from_civil(2009, 12, 18)) * 86_400_000
        );
        assert_eq!(
            parse_datetime("2009 may 1", "%Y %B %d").unwrap().month,
            Month::new(2009, 5).unwrap()
        );
        assert!(parse_datetime("2009 Decembre 18", "%Y %B %d").is_none());
        let with_time = parse_datetime("18/12/2009 7:05", "%d/%m/%Y %H:%M").unwrap();
        assert!(with_time.has_time);
        for (bad, f) in [
            ("2022-13-01", "%Y-%m-%d"),
            ("2022-02-30", "%Y-%m-%d"),
            ("2022-01-01x", "%Y-%m-%d"),
            ("x", "%Y"),
        ] {
            assert!(parse_datetime(bad, f).is_none(), "{bad}");
        }
    }

    #[test]
    fn mistakes_name_the_key() {
        let base =
            "name = \"t\"\nsource = \"police\"\n[columns]\nmonth = \"m\"\n[constants]\ncategory = \"Burglary\"\n";
        assert!(MappingProfile::parse(base, "t.toml").is_ok());
        for (text, key) in [
            (format!("{base}colour = \"red\"\n"), "colour"),
            (base.replace("source = \"police\"", "source = \"ambulance\""), "source"),
            (base.replace("month = \"m\"", "mnth = \"m\""), "columns.mnth"),
            (format!("{base}[formats]\nmonth = \"%Q\"\n"), "formats.month"),
            (
                format!("{base}[coordinates]\nx = \"a\"\ny = \"b\"\ncrs = \"EPSG:3857\"\n"),
                "coordinates.crs",
            ),
            (
                format!("{base}[coordinates]\nx = \"a\"\ny = \"b\"\ncrs = \"EPSG:4326\"\ngrid = \"EPSG:9999\"\n"),
                "coordinates.grid",
            ),
            ("name = \"t\"\nsource = \"police\"\n[columns\n".to_string(), "columns"),
            (format!("timezone = \"Mars/Olympus\"\n{base}"), "timezone"),
            (format!("{base}[parties]\nseparator = \";\"\n"), "parties"),
            (format!("{base}[parties]\nvictim = \"v\"\nwitness = \"w\"\n"), "witness"),
            (base.replace("month = \"m\"", "month = []"), "columns.month"),
        ] {
            let err = MappingProfile::parse(&text, "t.toml").unwrap_err().to_string();
            assert!(err.contains(key) && err.contains("t.toml"), "{key}: {err}");
        }
    }
}
