//! Errors raised by the engine.

use datafusion::error::DataFusionError;
use thiserror::Error;

/// An error from opening a store or running a query.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The store could not be opened (missing, or its manifest is invalid).
    #[error(transparent)]
    Store(#[from] crimescope_ingest::IngestError),
    /// A statement would write, or read files outside the store.
    #[error(
        "refused: {statement} is not allowed. `crimescope sql` is read-only and sees only the store's tables \
         (incidents, rejects, outcomes, stop_search); use SELECT, and export with --format csv or json"
    )]
    ReadOnly {
        /// The kind of statement, e.g. `COPY`.
        statement: String,
    },
    /// The SQL could not be parsed or planned (a user error: bad syntax, unknown column).
    #[error("SQL error: {message}")]
    Sql {
        /// DataFusion's message.
        message: String,
    },
    /// A named query's file is malformed, or no query has the name.
    #[error("query {query}: {message}")]
    BadQuery {
        /// The query's name (or folder).
        query: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A parameter is missing, unknown or of the wrong type.
    #[error("query {query}: {message}")]
    BadParam {
        /// The query's name.
        query: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// An analysis was asked for something it cannot give (bad period, unknown name).
    #[error("{0}")]
    Model(#[from] crimescope_model::ModelError),
    /// The request is valid but cannot be answered from this store.
    #[error("{0}")]
    Unanswerable(String),
    /// A cluster could not be reached or started (feature `distributed`).
    #[error("cluster {url}: {message}")]
    Cluster {
        /// The scheduler's `df://HOST:PORT`, or the address a role tried to bind.
        url: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// A query failed while running.
    #[error("query failed: {0}")]
    Execution(DataFusionError),
}

impl EngineError {
    /// Whether the user can fix this (bad SQL, refused statement, missing store).
    pub fn is_user_error(&self) -> bool {
        match self {
            EngineError::Store(e) => e.is_user_error(),
            EngineError::ReadOnly { .. }
            | EngineError::Sql { .. }
            | EngineError::BadQuery { .. }
            | EngineError::BadParam { .. }
            | EngineError::Model(_)
            | EngineError::Unanswerable(_)
            | EngineError::Cluster { .. } => true,
            EngineError::Execution(_) => false,
        }
    }
}

impl From<datafusion::arrow::error::ArrowError> for EngineError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        EngineError::Execution(DataFusionError::from(e))
    }
}

impl From<DataFusionError> for EngineError {
    fn from(e: DataFusionError) -> Self {
        match e {
            DataFusionError::SQL(..) | DataFusionError::Plan(_) | DataFusionError::SchemaError(..) => {
                EngineError::Sql {
                    message: e.strip_backtrace(),
                }
            }
            DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => EngineError::from(*inner),
            other => EngineError::Execution(other),
        }
    }
}

/// Result with [`EngineError`].
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
