//! The one Tokio runtime that every call of the package runs its queries on.

use std::future::Future;
use std::sync::OnceLock;

use pyo3::PyResult;
use tokio::runtime::Runtime;

/// Run `future` to completion on the package's runtime (created on first use with a
/// worker per core, as the command line has). Fails only when the runtime cannot start.
pub fn block_on<F: Future>(future: F) -> PyResult<F::Output> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .max_blocking_threads(crimescope_engine::blocking_threads())
            .thread_name("crimescope")
            .build()
            .map_err(|e| e.to_string())
    });
    match runtime {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(e) => Err(crate::errors::internal(format!("cannot start the query runtime: {e}"))),
    }
}
