//! The binary's one error type: a message and whether it was the user's to fix.

use std::fmt;

/// An error reported once by `main`, with exit code 1 (user) or 2 (internal).
#[derive(Debug)]
pub struct CliError {
    /// The message shown after `error: `.
    pub message: String,
    /// True when the user can fix it (exit 1); false for internal errors (exit 2).
    pub user: bool,
}

impl CliError {
    /// A user error (exit 1).
    pub fn user(message: impl fmt::Display) -> CliError {
        CliError {
            message: message.to_string(),
            user: true,
        }
    }

    /// An internal error (exit 2).
    pub fn internal(message: impl fmt::Display) -> CliError {
        CliError {
            message: message.to_string(),
            user: false,
        }
    }

    /// An error writing output (a closed pipe is not worth a report, but is not success).
    pub fn io(e: std::io::Error) -> CliError {
        CliError::internal(format!("writing output: {e}"))
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        if self.user { 1 } else { 2 }
    }
}

impl From<crimescope_ingest::IngestError> for CliError {
    fn from(e: crimescope_ingest::IngestError) -> Self {
        CliError {
            user: e.is_user_error(),
            message: e.to_string(),
        }
    }
}

impl From<crimescope_engine::EngineError> for CliError {
    fn from(e: crimescope_engine::EngineError) -> Self {
        CliError {
            user: e.is_user_error(),
            message: e.to_string(),
        }
    }
}
