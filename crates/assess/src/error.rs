//! Errors of an assessment run.

use thiserror::Error;

use crate::config::ConfigError;

/// An error that stops an assessment. A section whose data is missing does not stop
/// it (the section is kept as "not produced", with the reason); these do.
#[derive(Debug, Error)]
pub enum AssessError {
    /// The config could not be read or has a value that cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened, or an analysis failed for a reason that is not
    /// missing data.
    #[error(transparent)]
    Engine(#[from] crimescope_engine::EngineError),
    /// The session given to [`crate::assess_with_session`] was opened with other theme
    /// or harm tables than the config names.
    #[error(
        "the session was opened with other themes or harm weights than the assessment config; open it with \
         AssessmentConfig::session_options()"
    )]
    SessionMismatch,
    /// A period of the config holds no data in the store.
    #[error("{0}")]
    NoData(String),
    /// Writing the document failed (a template, or a file that cannot be written).
    #[error(transparent)]
    Render(#[from] crimescope_report::render::RenderError),
    /// A defect in crimescope: a section task panicked or was cancelled.
    #[error("internal error: {0} (this is a bug in crimescope; please report it)")]
    Internal(String),
}

impl AssessError {
    /// Whether the user can fix this (the config, the store, the data) rather than a
    /// defect in crimescope.
    pub fn is_user_error(&self) -> bool {
        match self {
            AssessError::Config(_) | AssessError::SessionMismatch | AssessError::NoData(_) | AssessError::Render(_) => {
                true
            }
            AssessError::Engine(e) => e.is_user_error(),
            AssessError::Internal(_) => false,
        }
    }

    /// Whether a section may leave this analysis out, giving the error as the reason:
    /// a user error that is not a failure of the store or the cluster while it ran
    /// (see [`crimescope_engine::EngineError::is_run_failure`]). A damaged file, a
    /// timed-out query or a lost executor stops the assessment instead.
    pub fn is_unanswerable(&self) -> bool {
        match self {
            AssessError::Engine(e) => e.is_unanswerable(),
            other => other.is_user_error(),
        }
    }
}

/// Result with [`AssessError`].
pub type Result<T, E = AssessError> = std::result::Result<T, E>;
