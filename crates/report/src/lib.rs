//! # crimescope-report
//!
//! The Strategic Assessment document that the Crime and Disorder Act 1998 s.6 and
//! SI 2007/1830 require of a Community Safety Partnership: its model ([`document`]), its
//! rendering to one self-contained HTML file, Markdown and JSON ([`render`]), inline SVG
//! charts and maps ([`svg`]) and statistical disclosure control for the published
//! version ([`disclosure`]).
//!
//! The crate does not depend on DataFusion: `crimescope-assess` fills an
//! [`document::Assessment`] and this crate writes it.
#![warn(missing_docs)]

pub mod disclosure;
pub mod document;
pub mod prose;
pub mod render;
pub mod svg;
pub mod table;
pub mod xlsx;
