//! Errors raised by the engine.
//!
//! Every variant is either the caller's to fix (bad SQL, a parameter out of range, an
//! unknown name, data the store does not hold) or a defect in crimescope
//! ([`EngineError::Internal`], and a query that fails while running,
//! [`EngineError::Execution`]); [`EngineError::is_user_error`] tells them apart.
//! Messages speak of the library's parameters (`cell`, `bandwidth`, `area`); the CLI
//! adds the flags that set them.

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
        "refused: {statement} is not allowed. SQL over a store is read-only and sees only the store's tables \
         (incidents, rejects, outcomes, stop_search); use SELECT"
    )]
    ReadOnly {
        /// The kind of statement, e.g. `COPY`.
        statement: String,
    },
    /// The SQL could not be parsed or planned (bad syntax, unknown column).
    #[error("SQL error: {}", .0.strip_backtrace())]
    Sql(#[source] DataFusionError),
    /// A named query's file is malformed, or no query has the name.
    #[error("query {query}: {message}")]
    BadQuery {
        /// The query's name (or folder).
        query: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A named query's parameter is unknown or its value is of the wrong type.
    #[error("query {query}: {message}")]
    BadParam {
        /// The query's name.
        query: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A named query's parameter has no value and no default.
    #[error("query {query}: parameter '{param}' ({kind}) is required: {description}")]
    MissingParam {
        /// The query's name.
        query: String,
        /// The parameter's name.
        param: String,
        /// Its type (`month`, `int`, ...).
        kind: &'static str,
        /// What it means.
        description: String,
    },
    /// An analysis needs stored boundaries of a level the store does not hold.
    #[error("{purpose}: the store has no {level} boundaries")]
    NoBoundaries {
        /// The level asked for.
        level: crimescope_model::AreaLevel,
        /// What needed them.
        purpose: &'static str,
    },
    /// A request parameter has a value the analysis cannot use. `name` is the field of
    /// the request (`cell`, `bandwidth`, `area`, `step`, ...).
    #[error("{name} {message}")]
    Parameter {
        /// The request field.
        name: &'static str,
        /// The value and what is wrong with it, e.g. `'county': write lsoa, ward or csp`.
        message: String,
    },
    /// A name, period or table of the model could not be used (unknown category,
    /// reversed period).
    #[error("{0}")]
    Model(#[from] crimescope_model::ModelError),
    /// A spatial statistic could not be computed from the request (grid too large, too
    /// few points, a band out of range).
    #[error("{0}")]
    Spatial(#[from] crimescope_spatial::SpatialError),
    /// A statistic could not be computed from the series (bad exposure).
    #[error("{0}")]
    Stats(#[from] crimescope_stats::StatsError),
    /// The request is valid but cannot be answered from this store (no data in the
    /// period, no person identifiers, month-only dates).
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
    /// A file of the store is missing, truncated or unreadable, found when a session
    /// opened or while a query ran. Nothing was counted from it.
    #[error(
        "the store is damaged: {}{problem}; check every file with verify, then restore the damaged ones from a \
         backup or re-ingest into a new store",
        path.as_deref().map(|p| format!("{p} ")).unwrap_or_default()
    )]
    DamagedStore {
        /// The file, when known (a Parquet decoding error may not say which file).
        path: Option<String>,
        /// What is wrong with it.
        problem: String,
    },
    /// A query ran longer than the session's `query_timeout` and was abandoned.
    #[error(
        "a query did not finish within {seconds} s (query_timeout); on a cluster an executor may have been lost or \
         the cluster is overloaded: see the scheduler's log"
    )]
    QueryTimeout {
        /// The limit, in seconds.
        seconds: f64,
    },
    /// A crimescope scheduler refused a query's result because an executor was lost, or
    /// a stage re-run, while it ran (Ballista 55 can count a re-run stage's outputs
    /// twice; see `docs/scale-out.md`). Nothing from that query was used.
    #[error(
        "{detail}. A result computed across an executor loss is not used (Ballista can count the outputs of a \
         re-run stage twice); nothing was written: check the executors (the scheduler's log names the lost one) \
         and run it again"
    )]
    ExecutorLost {
        /// What the scheduler saw, e.g. which executor was lost.
        detail: String,
    },
    /// A query failed while running.
    #[error("query failed: {0}")]
    Execution(#[source] DataFusionError),
    /// A defect in crimescope: a built-in query returned a column of the wrong type, a
    /// schema is missing. Please report it.
    #[error("internal error: {0} (this is a bug in crimescope; please report it)")]
    Internal(String),
}

impl EngineError {
    /// Whether the user can fix this (bad SQL, a parameter, missing data) rather than
    /// a defect in crimescope or a failure while a query ran.
    pub fn is_user_error(&self) -> bool {
        match self {
            EngineError::Store(e) => e.is_user_error(),
            EngineError::ReadOnly { .. }
            | EngineError::Sql(_)
            | EngineError::BadQuery { .. }
            | EngineError::BadParam { .. }
            | EngineError::MissingParam { .. }
            | EngineError::Parameter { .. }
            | EngineError::NoBoundaries { .. }
            | EngineError::Model(_)
            | EngineError::Spatial(_)
            | EngineError::Stats(_)
            | EngineError::Unanswerable(_)
            | EngineError::Cluster { .. }
            | EngineError::DamagedStore { .. }
            | EngineError::QueryTimeout { .. }
            | EngineError::ExecutorLost { .. } => true,
            EngineError::Execution(_) | EngineError::Internal(_) => false,
        }
    }

    /// Whether the store or the cluster failed while answering (a damaged or unreadable
    /// store, a query that timed out, a lost executor, an unreachable scheduler), as
    /// against a question the data cannot answer. The user acts on both, but a report
    /// must stop on a failure rather than leave an analysis out "for lack of data".
    pub fn is_run_failure(&self) -> bool {
        matches!(
            self,
            EngineError::Store(_)
                | EngineError::DamagedStore { .. }
                | EngineError::QueryTimeout { .. }
                | EngineError::ExecutorLost { .. }
                | EngineError::Cluster { .. }
        )
    }

    /// Whether the data or the request cannot answer this (no rows, no boundaries, a
    /// parameter the data does not support): a user error that is not a
    /// [run failure](EngineError::is_run_failure). A report leaves the analysis out
    /// with this reason and goes on.
    pub fn is_unanswerable(&self) -> bool {
        self.is_user_error() && !self.is_run_failure()
    }

    /// A defect: `what` went wrong where it cannot for valid stores and queries.
    pub fn internal(what: impl Into<String>) -> EngineError {
        EngineError::Internal(what.into())
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
                EngineError::Sql(e)
            }
            DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => EngineError::from(*inner),
            DataFusionError::Shared(shared) => match std::sync::Arc::try_unwrap(shared) {
                Ok(inner) => EngineError::from(inner),
                Err(shared) => EngineError::Execution(DataFusionError::Shared(shared)),
            },
            // A store file missing or cut short while read (crimescope's local object
            // store says which): damage the user repairs, not a defect.
            DataFusionError::ObjectStore(e) => match *e {
                datafusion::object_store::Error::Generic { store, source }
                    if store == crate::local_store::STORE_NAME =>
                {
                    EngineError::DamagedStore {
                        path: None,
                        problem: source.to_string(),
                    }
                }
                datafusion::object_store::Error::NotFound { path, .. } => EngineError::DamagedStore {
                    path: Some(path),
                    problem: crate::local_store::MISSING_FILE.trim_start().into(),
                },
                other => EngineError::Execution(DataFusionError::ObjectStore(Box::new(other))),
            },
            // A stored file that decodes badly is damage, not a defect: say so.
            DataFusionError::ParquetError(e) => EngineError::DamagedStore {
                path: None,
                problem: format!("a Parquet file could not be decoded ({e})"),
            },
            other => {
                let text = other.to_string();
                if let Some(at) = text.find(EXECUTOR_LOSS_MARKER) {
                    return EngineError::ExecutorLost {
                        detail: text[at..].trim_end().to_string(),
                    };
                }
                // A store file missing on the scheduler's listing, reported as a job's
                // failure text (see `local_store::MISSING_FILE`).
                if let Some(at) = text.find(crate::local_store::MISSING_FILE) {
                    // The path is absolute and may hold spaces: it starts after ": /".
                    let start = text[..at].rfind(": /").map_or(0, |s| s + 2);
                    let problem = text[start..].lines().next().unwrap_or_default().trim_end();
                    return EngineError::DamagedStore {
                        path: None,
                        problem: problem.to_string(),
                    };
                }
                // Ballista's client could not fetch an output from an executor (gone).
                if let Some(at) = text.find(FETCH_FAILURE_TEXT) {
                    let failure = &text[at..];
                    let failure = failure.split(", error desc").next().unwrap_or(failure);
                    return EngineError::ExecutorLost {
                        detail: format!("the cluster's result could not be fetched: {failure}"),
                    };
                }
                EngineError::Execution(other)
            }
        }
    }
}

/// How Ballista's client reports an executor it could not fetch an output from.
const FETCH_FAILURE_TEXT: &str = "Shuffle fetch partition error from Executor";

/// How a crimescope scheduler's refusal of a job begins (see [`EngineError::ExecutorLost`]).
pub const EXECUTOR_LOSS_MARKER: &str = "the cluster's result was refused";

/// Result with [`EngineError`].
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_cluster_job_is_the_users_to_rerun_not_a_defect() {
        // As Ballista's client reports a failed job: the scheduler's message inside.
        let refused = DataFusionError::Execution(format!(
            "Job 7Xq failed: {EXECUTOR_LOSS_MARKER}: executor 3f2a was lost while the query ran\n"
        ));
        let error = EngineError::from(refused);
        assert!(error.is_user_error());
        match &error {
            EngineError::ExecutorLost { detail } => {
                assert_eq!(
                    detail,
                    &format!("{EXECUTOR_LOSS_MARKER}: executor 3f2a was lost while the query ran")
                )
            }
            other => panic!("expected ExecutorLost, got {other:?}"),
        }
        assert!(error.to_string().contains("run it again"), "{error}");
        assert!(error.is_run_failure() && !error.is_unanswerable());
        // As Ballista's client reports an executor it could not fetch a result from.
        let fetch = EngineError::from(DataFusionError::External(
            "Shuffle fetch partition error from Executor 8b9b, map_stage 4, map_partition 0, error desc: Status { \
             code: Unavailable, message: \"tcp connect error\" }"
                .into(),
        ));
        match &fetch {
            EngineError::ExecutorLost { detail } => assert_eq!(
                detail,
                "the cluster's result could not be fetched: Shuffle fetch partition error from Executor 8b9b, \
                 map_stage 4, map_partition 0"
            ),
            other => panic!("expected ExecutorLost, got {other:?}"),
        }
        // Any other execution failure stays a defect.
        let other = EngineError::from(DataFusionError::Execution("Job 7Xq failed: division by zero".into()));
        assert!(!other.is_user_error());
    }
}
