//! The package's exceptions and the mapping of the libraries' errors onto them: the
//! caller's mistakes are `UserError`, defects `InternalError`, and the message is the
//! library's own (request fields are named as the keyword arguments name them).

use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::PyException;

create_exception!(
    crimescope,
    Error,
    PyException,
    "Every error crimescope raises: a UserError or an InternalError."
);
create_exception!(
    crimescope,
    UserError,
    Error,
    "A mistake the caller can fix: a bad argument, a missing or unreadable file, a store without the data asked for."
);
create_exception!(
    crimescope,
    InternalError,
    Error,
    "A defect in crimescope (please report it with the message)."
);

/// `message` as a UserError when `user`, else as an InternalError.
pub fn raise(user: bool, message: String) -> PyErr {
    if user {
        UserError::new_err(message)
    } else {
        InternalError::new_err(message)
    }
}

/// An engine error (a query or an analysis).
pub fn engine_error(e: crimescope_engine::EngineError) -> PyErr {
    raise(e.is_user_error(), e.to_string())
}

/// An ingest error (reading inputs, writing the store).
pub fn ingest_error(e: crimescope_ingest::IngestError) -> PyErr {
    raise(e.is_user_error(), e.to_string())
}

/// An assessment error (running or writing it).
pub fn assess_error(e: crimescope_assess::AssessError) -> PyErr {
    raise(e.is_user_error(), e.to_string())
}

/// An assessment config that cannot be used: always the caller's to fix.
pub fn config_error(e: crimescope_assess::ConfigError) -> PyErr {
    UserError::new_err(e.to_string())
}

/// A value of a keyword argument that is not one of its choices.
pub fn bad_argument(name: &str, value: &str, choices: &str) -> PyErr {
    UserError::new_err(format!("{name} '{value}': write {choices}"))
}

/// An internal error from any displayable cause.
pub fn internal(message: impl std::fmt::Display) -> PyErr {
    InternalError::new_err(format!(
        "internal error: {message} (this is a bug in crimescope; please report it)"
    ))
}
