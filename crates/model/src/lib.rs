//! # crimescope-model
//!
//! The canonical model shared by every crimescope crate: the Arrow schemas of the
//! `incidents`, `rejects`, `outcomes` and `stop_search` tables, the police.uk crime-type
//! vocabulary, calendar months and periods, harm-weight tables and theme tables.
//!
//! This crate depends on arrow only (no DataFusion), so it builds and tests in seconds.
#![warn(missing_docs)]

mod area;
mod comparison;
mod error;
mod harm;
mod month;
mod period;
pub mod schema;
pub mod stored;
mod themes;
mod vocabulary;

pub use area::{Aim, AreaLevel};
pub use comparison::Comparison;
pub use error::ModelError;
pub use harm::{HARM_OFFENCES_V1, HARM_WEIGHTS_V1, HarmWeights, OffenceHarmWeights};
pub use month::{Month, civil_from_days, days_from_civil};
pub use period::Period;
pub use themes::{THEMES_COVENTRY_2025, Themes, UNASSIGNED_THEME};
pub use vocabulary::{PoliceUkCrimeType, RetiredCrimeType, Source, close_matches, levenshtein, same_slug, slugify};

/// The arrow crate this model is built on (the same version DataFusion 55.2 uses).
pub use arrow;
