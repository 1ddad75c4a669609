//! # crimescope-ingest
//!
//! Reads partner extracts into the canonical model and writes the crimescope store.
//!
//! - [`profile`]: input formats, recognised from the header (police.uk street,
//!   outcomes and stop-and-search files).
//! - [`input`]: single files, folders in the police.uk archive layout, and `.zip`s.
//! - [`projection`]: WGS84 to British National Grid with OSTN15.
//! - [`store`]: the Parquet store, its manifest, and atomic commits.
//! - [`ingest`]: the pipeline that ties them together.
//!
//! This crate uses arrow and parquet directly and never DataFusion, so an embedding
//! crate can ingest without the query engine.
#![warn(missing_docs)]

pub mod boundaries;
mod error;
pub mod fields;
mod file_context;
pub mod grid;
pub mod incident;
pub mod input;
pub mod mapping;
pub mod partner;
mod pipeline;
pub mod police_uk;
pub mod population;
pub mod profile;
pub mod projection;
pub mod pseudonym;
pub mod records;
pub mod reject;
pub mod store;
pub mod table_builder;

pub use error::{IngestError, Result};
pub use file_context::{FileContext, ParsedFile, ProgressTicker, RejectSink, locate};
pub use pipeline::{FileReport, FileStatus, IngestOptions, IngestReport, NoProgress, Progress, ingest};
pub use profile::Profile;
pub use reject::{RejectReason, Rejection};
pub use store::{FileCounts, Manifest, read_manifest};
