//! The consultation results file: what the people who live and work in the area said
//! the partnership should prioritise.
//!
//! CSV with a header row `priority,share` and an optional third column `respondents`.
//! `share` is the percentage of respondents who supported the priority (0–100).
//! A `priority` that matches a category or a theme name (ignoring case) feeds the
//! public-concern score of the priority matrix.

use std::path::Path;

use crate::config::ConfigError;

/// One priority the public was asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsultationRow {
    /// The priority as worded in the survey.
    pub priority: String,
    /// The percentage of respondents who supported it (0–100).
    pub share: f64,
    /// How many answered, if given.
    pub respondents: Option<u64>,
}

/// Read the consultation CSV. Errors name the file, the line and the field.
pub fn read_consultation(path: &Path) -> Result<Vec<ConsultationRow>, ConfigError> {
    let err = |location: String, message: String| ConfigError::File {
        key: "consultation".into(),
        file: path.to_path_buf(),
        location,
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| err("whole file".into(), format!("cannot be read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| err("whole file".into(), "is not UTF-8 text".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| err("line 1".into(), e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(p), Some(s)) = (col("priority"), col("share")) else {
        return Err(err(
            "line 1".into(),
            format!(
                "the header must name the columns priority and share (found: {})",
                headers.join(",")
            ),
        ));
    };
    let r = col("respondents");
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| err(format!("line {line}"), e.to_string()))?;
        let field = |idx: usize| record.get(idx).unwrap_or("").trim();
        let priority = field(p).to_string();
        if priority.is_empty() {
            return Err(err(format!("line {line}, field priority"), "is empty".into()));
        }
        let share_text = field(s).trim_end_matches('%');
        let share: f64 = share_text.parse().map_err(|_| {
            err(
                format!("line {line}, field share"),
                format!("'{share_text}' is not a percentage from 0 to 100"),
            )
        })?;
        if !(0.0..=100.0).contains(&share) {
            return Err(err(
                format!("line {line}, field share"),
                format!("{share} is not a percentage from 0 to 100"),
            ));
        }
        let respondents = match r.map(field) {
            None | Some("") => None,
            Some(t) => Some(t.parse::<u64>().map_err(|_| {
                err(
                    format!("line {line}, field respondents"),
                    format!("'{t}' is not a whole number"),
                )
            })?),
        };
        rows.push(ConsultationRow {
            priority,
            share,
            respondents,
        });
    }
    if rows.is_empty() {
        return Err(err("whole file".into(), "has no rows after the header".into()));
    }
    Ok(rows)
}
