//! The binary's one error type: a message, with the flags that set the library's
//! parameters added, and whether it was the user's to fix.

use std::fmt;

use crimescope_engine::EngineError;
use crimescope_spatial::SpatialError;

/// An error reported once by `main`, with exit code 1 (user) or 2 (internal).
#[derive(Debug)]
pub struct CliError {
    /// The message shown after `error: `.
    pub message: String,
    /// True when the user can fix it (exit 1); false for internal errors (exit 2).
    pub user: bool,
    /// The signal that stopped the work, if one did (exit 128 + its number).
    pub signal: Option<i32>,
}

impl CliError {
    /// A user error (exit 1).
    pub fn user(message: impl fmt::Display) -> CliError {
        CliError {
            message: message.to_string(),
            user: true,
            signal: None,
        }
    }

    /// An internal error (exit 2).
    pub fn internal(message: impl fmt::Display) -> CliError {
        CliError {
            message: message.to_string(),
            user: false,
            signal: None,
        }
    }

    /// An error writing output (a closed pipe is not worth a report, but is not success).
    pub fn io(e: std::io::Error) -> CliError {
        CliError::internal(format!("writing output: {e}"))
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self.signal {
            Some(signal) => 128 + signal,
            None if self.user => 1,
            None => 2,
        }
    }

    /// The same error with `hint` appended (`; hint`).
    pub fn with_hint(mut self, hint: impl fmt::Display) -> CliError {
        self.message = format!("{}; {hint}", self.message);
        self
    }
}

/// The flag that sets a library request parameter: `bandwidth` → `--bandwidth`.
fn flag(parameter: &str) -> String {
    format!("--{}", parameter.replace('_', "-"))
}

impl From<crimescope_ingest::IngestError> for CliError {
    fn from(e: crimescope_ingest::IngestError) -> Self {
        CliError {
            user: e.is_user_error(),
            message: e.to_string(),
            signal: None,
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        let user = e.is_user_error();
        let message = match &e {
            // The library names the request field; the flag sets it.
            EngineError::Parameter { name, message } => format!("{} {message}", flag(name)),
            EngineError::MissingParam { param, .. } => {
                let period = param.starts_with("period_") || param.starts_with("compare_");
                format!(
                    "{e}; give it with --param {param}=VALUE{}",
                    if period { " or --period/--compare" } else { "" }
                )
            }
            EngineError::ReadOnly { .. } => format!("{e}, and export with --format csv or json"),
            EngineError::NoBoundaries { level, .. } => {
                format!("{e}; add them with `crimescope boundaries add --level {level}`")
            }
            EngineError::Spatial(SpatialError::TooLarge { .. }) => format!("{e} (set with --cell and --area)"),
            EngineError::DamagedStore { .. } => format!("{e}: `crimescope verify --store DIR` lists them"),
            EngineError::QueryTimeout { .. } => format!("{e}; raise --cluster-timeout for longer queries"),
            _ => e.to_string(),
        };
        CliError {
            message,
            user,
            signal: None,
        }
    }
}

impl From<crimescope_assess::AssessError> for CliError {
    fn from(e: crimescope_assess::AssessError) -> Self {
        match e {
            crimescope_assess::AssessError::Engine(engine) => CliError::from(engine),
            crimescope_assess::AssessError::Render(render) => CliError::from(render),
            other => CliError {
                user: other.is_user_error(),
                message: other.to_string(),
                signal: None,
            },
        }
    }
}

impl From<crimescope_report::render::RenderError> for CliError {
    fn from(e: crimescope_report::render::RenderError) -> Self {
        let hint = matches!(e, crimescope_report::render::RenderError::Write { .. });
        let err = CliError::user(e);
        if hint {
            err.with_hint("check the --out folder is writable")
        } else {
            err
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_parameters_become_flags_and_defects_exit_2() {
        let e = CliError::from(EngineError::Parameter {
            name: "area",
            message: "'county': write lsoa, ward or csp".into(),
        });
        assert_eq!(e.message, "--area 'county': write lsoa, ward or csp");
        assert_eq!(e.exit_code(), 1);
        let e = CliError::from(EngineError::MissingParam {
            query: "trend_by_category".into(),
            param: "period_start".into(),
            kind: "month",
            description: "First month".into(),
        });
        assert!(
            e.message.ends_with("--param period_start=VALUE or --period/--compare"),
            "{}",
            e.message
        );
        let bug = CliError::from(EngineError::internal("a built-in query returned text for a count"));
        assert_eq!(bug.exit_code(), 2);
        let bug = CliError::from(crimescope_assess::AssessError::Internal("a task panicked".into()));
        assert_eq!(bug.exit_code(), 2);
        let user = CliError::from(crimescope_assess::AssessError::SessionMismatch);
        assert_eq!(user.exit_code(), 1);
    }
}
