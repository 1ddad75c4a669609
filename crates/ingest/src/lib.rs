//! # crimescope-ingest
//!
//! Reads police.uk and partner extracts into the canonical model and writes the
//! crimescope store.
//!
//! - [`ingest`] reads files, folders in the police.uk archive layout and `.zip`s; each
//!   file's [`Profile`] is recognised from its header, or a [`MappingProfile`] reads
//!   any other CSV. Every row is loaded, rejected with a reason, or dropped as an exact
//!   duplicate, and the [`IngestReport`] says which.
//! - [`store`]: the Parquet store, its manifest, atomic commits and compaction.
//! - [`boundaries`] and [`population`]: reference data kept in a store (polygons, the
//!   ONS LSOA lookup, residents by area).
//! - [`local_time`]: partner clock times (Europe/London) to UTC instants.
//! - [`projection`]: WGS84 to British National Grid with OSTN15, and back.
//! - [`pseudonym`]: the keyed hash that replaces person identifiers.
//!
//! Module layout: `pipeline` (discover, parse concurrently, commit) drives
//! `profiles` (one module per input format, each owning its header and parser), which
//! share `file_context` (the row loop and rejects), `records` and `fields` (CSV and field
//! parsing), `location`, `id_census` (duplicate ids) and `incident` (the row builder).
//! The dependencies between them run one way; `tests/module_graph.rs` checks there is
//! no cycle.
//!
//! This crate uses arrow and parquet directly and never DataFusion, so an embedding
//! crate can ingest without the query engine.
#![warn(missing_docs)]

pub mod boundaries;
mod error;
mod fields;
mod file_context;
mod id_census;
mod incident;
mod input;
pub mod local_time;
mod location;
pub mod mapping;
mod ostn15;
mod pipeline;
pub mod population;
mod profiles;
mod progress;
pub mod projection;
pub mod pseudonym;
mod records;
mod reject;
mod report;
pub mod retag;
pub mod store;
mod table_builder;
#[cfg(test)]
mod test_support;
mod utm;

pub use error::{IngestError, Result};
pub use mapping::MappingProfile;
pub use pipeline::{IngestOptions, ingest};
pub use profiles::Profile;
pub use progress::{NoProgress, Progress};
pub use reject::{RejectReason, Rejection};
pub use report::{FileReport, FileStatus, IngestReport};
pub use store::{FileCounts, Manifest, read_manifest};

/// Internals exposed only for the criterion benches in `benches/`; not a stable API.
#[doc(hidden)]
pub mod bench_support {
    use std::path::Path;

    use crimescope_model::HarmWeights;

    /// Parse a police.uk street file into Parquet under `staging`, as `ingest` does for
    /// one file (parse, validate, deduplicate, project, write); returns the rows loaded.
    pub fn parse_street_file(name: &str, bytes: &[u8], harm: &HarmWeights, staging: &Path) -> crate::Result<u64> {
        let ctx = crate::file_context::FileContext {
            name,
            profile: crate::Profile::PoliceUkStreet.name(),
            tag: "bench".into(),
            harm,
            staging,
            pending: None,
            held: None,
            progress: &crate::NoProgress,
            areas: None,
        };
        let parsed = crate::Profile::PoliceUkStreet.parse(&ctx, &[], None, bytes)?;
        Ok(parsed.counts.rows_loaded)
    }

    /// The number of CSV records (header included) in `bytes`, with crimescope's reader.
    pub fn count_records(bytes: &[u8]) -> usize {
        crate::records::Records::new(bytes).count_records()
    }
}
