//! # crimescope-assess
//!
//! The Strategic Assessment that the Crime and Disorder Act 1998 s.6 and SI 2007/1830
//! ask of a Community Safety Partnership, run from one config:
//!
//! - [`AssessmentConfig`]: `assessment.toml`, checked, with every default filled in;
//! - [`assess`]: every analysis section run concurrently over a session built for the
//!   run (the config's themes and harm weights), then the priority matrix, the
//!   executive summary and the appendices built from their typed figures
//!   ([`findings`]);
//! - the result is a [`crimescope_report::document::Assessment`], which
//!   `crimescope-report` writes as HTML, Markdown, JSON and CSV, in full or as the
//!   published version; [`assess_and_write`] runs and writes in one call.
//!
//! The pipeline of the workspace is `model → ingest → store → engine → assess → report
//! → cli`: this crate is the only one that knows the document's sections.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use crimescope_assess::{AssessmentConfig, NoAssessProgress, assess};
//! use crimescope_report::{disclosure::make_public, render::write_document};
//!
//! let config = AssessmentConfig::load(std::path::Path::new("assessment.toml"))?;
//! let mut run = assess(Arc::new(config), Arc::new(NoAssessProgress)).await?;
//! make_public(&mut run.document);
//! write_document(&run.document, std::path::Path::new("published"), None)?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod area;
pub mod config;
pub mod consultation;
mod error;
pub mod findings;
mod format;
pub mod publish;
mod run;
mod section_id;
mod sections;

pub use config::{AssessmentConfig, ConfigError};
pub use error::{AssessError, Result};
pub use publish::{WriteOptions, WrittenAssessment, assess_and_write, assess_and_write_with_session};
pub use run::{AssessProgress, AssessmentRun, NoAssessProgress, assess, assess_with_session};
pub use section_id::SectionId;
