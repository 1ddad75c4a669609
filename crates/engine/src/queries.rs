//! Named SQL queries, one analysis per file in the workspace's `queries/` folder.
//!
//! The SQL lives in `.sql` files, not in Rust strings, so an analyst can read and run
//! each one; they are compiled in so the binary needs no files at run time.

/// A named query: its file stem and its SQL.
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

/// Every named query.
pub const ALL: &[NamedQuery] = &[
    INCIDENTS_WITH_LATEST_OUTCOME,
    INFO_SOURCES,
    INFO_MONTHS,
    INFO_CATEGORIES,
    INFO_REJECTS,
];

/// A named query by name.
pub fn by_name(name: &str) -> Option<NamedQuery> {
    ALL.iter().copied().find(|q| q.name == name)
}
