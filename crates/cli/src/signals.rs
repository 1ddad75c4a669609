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
    signal_in(&RECEIVED)
}

/// The signal `flag` holds, or `None` while it holds 0.
fn signal_in(flag: &AtomicUsize) -> Option<i32> {
    match flag.load(Ordering::SeqCst) {
        0 => None,
        signal => i32::try_from(signal).ok(),
    }
}

/// Whether the work should stop.
pub fn stop_requested() -> bool {
    received().is_some()
}

/// Resolves once a signal has been received.
///
/// A plain thread watches the flag (every 10 ms) and wakes the waiting task, so the
/// wait ends even while every runtime worker is inside a long computation: tokio's
/// timers fire only when a worker parks, and a `tokio::time::sleep` loop here let a
/// busy assessment run on for more than a second after Ctrl-C on a loaded machine.
/// The thread ends when the signal arrives or the wait is dropped.
pub async fn wait() -> i32 {
    wait_on(&RECEIVED).await
}

/// [`wait`] on the flag `received`.
async fn wait_on(received: &'static AtomicUsize) -> i32 {
    let seen = || signal_in(received);
    let (tell, told) = tokio::sync::oneshot::channel();
    let watcher = std::thread::Builder::new().name("signal-watch".into()).spawn(move || {
        loop {
            if let Some(signal) = seen() {
                let _ = tell.send(signal);
                return;
            }
            if tell.is_closed() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    });
    if watcher.is_ok()
        && let Ok(signal) = told.await
    {
        return signal;
    }
    // No thread could be started: poll on the runtime's timer instead.
    loop {
        if let Some(signal) = seen() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// The wait ends soon after the flag is set although the runtime's only worker is
    /// busy for seconds; a wait on tokio's timer ended only when the worker was free.
    #[test]
    fn the_wait_ends_while_every_worker_is_busy() {
        static FLAG: AtomicUsize = AtomicUsize::new(0);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let busy = Duration::from_secs(4);
        let waited = runtime.block_on(async {
            // A task that holds the worker without yielding, as a long computation does.
            let _busy = tokio::spawn(async move { std::thread::sleep(busy) });
            tokio::task::yield_now().await;
            std::thread::spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                FLAG.store(SIGTERM as usize, Ordering::SeqCst);
            });
            let t0 = Instant::now();
            let signal = wait_on(&FLAG).await;
            (signal, t0.elapsed())
        });
        runtime.shutdown_background();
        assert_eq!(waited.0, SIGTERM);
        assert!(
            waited.1 < busy / 2,
            "the wait took {:?}, as long as the worker was busy",
            waited.1
        );
    }
}
