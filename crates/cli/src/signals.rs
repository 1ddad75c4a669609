//! Ctrl-C and SIGTERM for the commands that write: `ingest`, `compact`, `boundaries
//! add` and `assess`. The first signal sets a flag that the work polls (every few
//! thousand rows, per file, per batch, before a commit), so it stops within a second,
//! removes what it staged and leaves the store as it was; `main` then exits 130
//! (SIGINT) or 143 (SIGTERM). A second signal exits at once with the same code: the
//! store is still safe, as readers only ever see committed manifests.
//!
//! SIGXFSZ (a write past `ulimit -f`) is caught too, so the write fails with EFBIG and
//! is reported as a full disk rather than killing the process with a core dump.
//!
//! Other commands only read, so they keep the default action: Ctrl-C ends them at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM, SIGXFSZ};

use crate::error::CliError;

/// The signal received, or 0.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// Handle SIGINT and SIGTERM by setting a flag (a second one exits), and catch SIGXFSZ.
pub fn install() -> Result<(), CliError> {
    let seen = Arc::new(AtomicBool::new(false));
    let failed = |e: std::io::Error| CliError::internal(format!("cannot install the signal handlers: {e}"));
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it sees the flag as the previous signal left it.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&seen)).map_err(failed)?;
        signal_hook::flag::register(signal, Arc::clone(&seen)).map_err(failed)?;
        // SAFETY: the action only stores to an atomic, which is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || RECEIVED.store(signal as usize, Ordering::SeqCst))
                .map_err(failed)?;
        }
    }
    signal_hook::flag::register(SIGXFSZ, Arc::new(AtomicBool::new(false))).map_err(failed)?;
    Ok(())
}

/// The signal received since [`install`], if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => i32::try_from(signal).ok(),
    }
}

/// Whether the work should stop.
pub fn stop_requested() -> bool {
    received().is_some()
}

/// Resolves once a signal has been received (polled every 50 ms).
pub async fn wait() -> i32 {
    loop {
        if let Some(signal) = received() {
            return signal;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The signal's name, for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// The error `main` reports for work stopped by `signal`: `what` says what was and was
/// not done; exit 128 + the signal number.
pub fn interrupted(signal: i32, what: impl std::fmt::Display) -> CliError {
    CliError {
        message: format!("{} received: {what}", name(signal)),
        user: true,
        signal: Some(signal),
    }
}

/// A library error raised because the work was asked to stop, with the signal's exit
/// code; any other error as it is.
pub fn from_library(e: crimescope_ingest::IngestError) -> CliError {
    match (&e, received()) {
        (crimescope_ingest::IngestError::Interrupted { .. }, Some(signal)) => interrupted(signal, e),
        _ => CliError::from(e),
    }
}
