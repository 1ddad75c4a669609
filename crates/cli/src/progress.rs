//! The ingest progress bar (indicatif), shown only on a terminal.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crimescope_ingest::{FileReport, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over input bytes, with rows and rows/s in its message.
pub struct IngestBar {
    bar: ProgressBar,
    rows: AtomicU64,
    started: Instant,
}

impl IngestBar {
    /// A bar drawn to stderr when it is a terminal; hidden otherwise.
    pub fn new() -> IngestBar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        IngestBar {
            bar,
            rows: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Remove the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for IngestBar {
    fn begin(&self, files: usize, bytes: u64) {
        self.bar.set_length(bytes);
        self.bar.set_message(format!("0 rows, {files} files"));
    }

    fn rows(&self, rows: u64, bytes: u64) {
        let total = self.rows.fetch_add(rows, Ordering::Relaxed) + rows;
        self.bar.inc(bytes);
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar
            .set_message(format!("{total} rows ({:.0} rows/s)", total as f64 / secs));
    }

    fn cancelled(&self) -> bool {
        crate::signals::stop_requested()
    }

    fn file_done(&self, report: &FileReport) {
        self.bar.println(format!(
            "  {:<9} {} ({} rows)",
            format!("{:?}", report.status).to_lowercase(),
            report.path,
            report.counts.rows_read
        ));
    }
}

/// Progress that shows nothing and asks the ingest to stop once Ctrl-C or SIGTERM
/// arrives.
pub struct StopOnSignal;

impl Progress for StopOnSignal {
    fn cancelled(&self) -> bool {
        crate::signals::stop_requested()
    }
}
