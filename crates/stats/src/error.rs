//! Errors from the statistics.

use thiserror::Error;

/// Input a statistic cannot be computed from. Every variant is the caller's to fix: the
/// crate reads no files and validates its inputs, so it has no internal-fault variant.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    /// Two inputs that must be the same length are not.
    #[error("{what}: {left} values against {right}; give one value for each point")]
    LengthMismatch {
        /// What was being computed.
        what: &'static str,
        /// The first length.
        left: usize,
        /// The second length.
        right: usize,
    },
    /// An exposure (days, population) was zero, negative or not finite.
    #[error("exposure at position {index} is {value}; every exposure must be a positive number")]
    BadExposure {
        /// Zero-based position in the series.
        index: usize,
        /// The value given.
        value: f64,
    },
}
