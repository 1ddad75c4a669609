//! Errors raised by the model crate.

use thiserror::Error;

/// An error in model data: a vocabulary lookup, a month or a harm table.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// A category name matched nothing in the vocabulary.
    #[error("unknown category '{name}'{}; use a police.uk crime type by name or slug", suggest(.close))]
    UnknownCategory {
        /// The name as given.
        name: String,
        /// Vocabulary entries that are close to it, best first.
        close: Vec<String>,
    },
    /// A source name matched nothing.
    #[error("unknown source '{name}'; expected one of police, asb, fire")]
    UnknownSource {
        /// The name as given.
        name: String,
    },
    /// A month was not `YYYY-MM` with a month 01..12 and a year 1900..2199.
    #[error("'{text}' is not a month; write it as YYYY-MM, e.g. 2024-01")]
    BadMonth {
        /// The text as given.
        text: String,
    },
    /// A period was not `YYYY-MM..YYYY-MM`, or ended before it started.
    #[error("period '{text}': {message}")]
    BadPeriod {
        /// The text as given.
        text: String,
        /// What is wrong and how to write it.
        message: String,
    },
    /// An area level was not one of `lsoa`, `ward` or `csp`.
    #[error("area level '{name}' is not one of lsoa, ward, csp")]
    UnknownAreaLevel {
        /// The name as given.
        name: String,
    },
    /// An aim was not `reduce` or `increase`.
    #[error("'{name}' is not an aim; write reduce or increase")]
    UnknownAim {
        /// The text as given.
        name: String,
    },
    /// A theme name matched no theme of the table in use.
    #[error("unknown theme '{name}'{}; the themes are: {}", suggest(.close), .known.join("; "))]
    UnknownTheme {
        /// The name as given.
        name: String,
        /// Themes close to it.
        close: Vec<String>,
        /// Every theme.
        known: Vec<String>,
    },
    /// A theme table could not be read.
    #[error("theme table {table}, line {line}: {message}")]
    BadThemeTable {
        /// The table's name.
        table: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// A harm-weight table could not be read.
    #[error("harm table {table}, line {line}: {message}")]
    BadHarmTable {
        /// The table's name.
        table: String,
        /// 1-based line in the table file.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
}

fn suggest(close: &[String]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!(" (did you mean: {}?)", close.join(", "))
    }
}
