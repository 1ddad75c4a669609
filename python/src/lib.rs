//! # crimescope for Python
//!
//! The extension module `crimescope` (built with maturin as an abi3 wheel): ingest files
//! into a store, open a [`store::Store`] and run its queries, each returning a
//! `pyarrow.Table` handed over through the Arrow C stream interface (no copy through
//! Python objects), and write the Strategic Assessment.
//!
//! Errors are `crimescope.UserError` (the caller can fix it: a bad parameter, a missing
//! file) or `crimescope.InternalError` (a bug), both `crimescope.Error`; the message is
//! the library's, as the command line prints it, with the keyword argument named where
//! the command line would name its flag.
#![warn(missing_docs)]

mod arrow_export;
mod errors;
mod python_values;
mod runtime;
mod store;

use std::path::PathBuf;
use std::sync::Arc;

use crimescope_assess::{AssessmentConfig, NoAssessProgress, WriteOptions, assess_and_write};
use crimescope_ingest::pseudonym::PseudonymKey;
use crimescope_ingest::{IngestOptions, MappingProfile, NoProgress};
use pyo3::prelude::*;

use crate::errors::{Error, InternalError, UserError, assess_error, config_error, ingest_error};
use crate::python_values::to_python;

/// Read files, folders (recursively) or .zip archives into the store at `store`
/// (created if missing) and return the summary: per file and in total, rows read,
/// loaded, rejected and dropped as duplicates (`rows_read = rows_loaded + rows_rejected
/// + duplicates_dropped`). `profile` is a TOML mapping profile that reads every input
/// instead of recognising its header. Person identifiers are pseudonymised with the
/// key in `CRIMESCOPE_KEY` or the key file, as on the command line.
#[pyfunction]
#[pyo3(signature = (store, paths, profile = None, threads = None))]
fn ingest<'py>(
    py: Python<'py>,
    store: PathBuf,
    paths: Vec<PathBuf>,
    profile: Option<PathBuf>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let mapping = profile
        .as_deref()
        .map(MappingProfile::load)
        .transpose()
        .map_err(ingest_error)?;
    let key = PseudonymKey::from_env_or_file(&PseudonymKey::default_file()).map_err(ingest_error)?;
    let options = IngestOptions::default()
        .with_threads(threads)
        .with_key(key)
        .with_mapping(mapping);
    let report = py
        .detach(|| crimescope_ingest::ingest(&store, &paths, &options, &NoProgress))
        .map_err(ingest_error)?;
    to_python(py, &report)
}

/// Run the Strategic Assessment of the config file `config` (docs/assessment.md) and
/// write it to the folder `out`: assessment.html, .md, .json, .xlsx and the tables as
/// CSV. `public=True` writes the published version (small counts suppressed, tables of
/// people left out). Returns what was written: `files`, `seconds`, `marking`,
/// `not_produced` and, for the published version, `disclosure`.
#[pyfunction]
#[pyo3(signature = (config, out, public = false, templates = None))]
fn assess<'py>(
    py: Python<'py>,
    config: PathBuf,
    out: PathBuf,
    public: bool,
    templates: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let config = AssessmentConfig::load(&config).map_err(config_error)?;
    let options = WriteOptions { public, templates };
    let written = py
        .detach(|| {
            runtime::block_on(assess_and_write(
                Arc::new(config),
                &out,
                &options,
                Arc::new(NoAssessProgress),
            ))
        })?
        .map_err(assess_error)?;
    to_python(py, &written)
}

/// The module `crimescope`.
#[pymodule]
fn crimescope(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("Error", m.py().get_type::<Error>())?;
    m.add("UserError", m.py().get_type::<UserError>())?;
    m.add("InternalError", m.py().get_type::<InternalError>())?;
    m.add_class::<store::Store>()?;
    m.add_function(wrap_pyfunction!(ingest, m)?)?;
    m.add_function(wrap_pyfunction!(assess, m)?)?;
    Ok(())
}
