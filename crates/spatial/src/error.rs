//! Errors from the spatial statistics.

use thiserror::Error;

/// Input a spatial statistic cannot be computed from. Every variant is the caller's
/// to fix (a parameter, too little data): the crate reads no files and validates its
/// inputs, so it has no internal-fault variant; a defect would be a panic caught by the
/// caller's process boundary.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SpatialError {
    /// A parameter is out of range.
    #[error("{0}")]
    BadParameter(String),
    /// Nothing to compute on.
    #[error("nothing to analyse: {0}")]
    Empty(String),
    /// The grid would be too large to hold.
    #[error("the grid would have {cells} cells ({message})")]
    TooLarge {
        /// Cells requested.
        cells: usize,
        /// What and how to shrink it.
        message: String,
    },
}
