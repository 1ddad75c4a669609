//! Progress of an ingest: the [`Progress`] trait callers implement, and the ticker that
//! batches row counts so parsers report every few thousand rows, not every row.

use crate::error::{IngestError, Result};
use crate::report::FileReport;

/// Receives progress while an ingest runs. Called from several threads at once.
pub trait Progress: Sync {
    /// The ingest has found its inputs.
    fn begin(&self, _files: usize, _bytes: u64) {}
    /// Some rows (and the bytes they spanned) have been read.
    fn rows(&self, _rows: u64, _bytes: u64) {}
    /// A file is finished (loaded, replaced, or unchanged and skipped).
    fn file_done(&self, _report: &FileReport) {}
    /// Whether the caller wants the ingest to stop (Ctrl-C, say). Asked every
    /// [`PROGRESS_EVERY`] rows, before each file and before the commit; once it answers
    /// true the ingest removes what it staged and returns [`IngestError::Interrupted`]
    /// with the store as it was.
    fn cancelled(&self) -> bool {
        false
    }
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Rows between progress reports.
pub const PROGRESS_EVERY: u64 = 4096;

/// Progress batching: report every [`PROGRESS_EVERY`] rows.
pub struct ProgressTicker {
    rows: u64,
    last_offset: u64,
}

impl ProgressTicker {
    /// A ticker at the start of a file.
    pub fn new() -> ProgressTicker {
        ProgressTicker {
            rows: 0,
            last_offset: 0,
        }
    }

    /// Count a row ending at byte `offset`; every [`PROGRESS_EVERY`] rows, report them
    /// and stop with [`IngestError::Interrupted`] if the caller asked.
    pub fn tick(&mut self, progress: &dyn Progress, offset: u64) -> Result<()> {
        self.rows += 1;
        if self.rows == PROGRESS_EVERY {
            progress.rows(self.rows, offset.saturating_sub(self.last_offset));
            self.rows = 0;
            self.last_offset = offset;
            stop_if_cancelled(progress, "while reading the inputs")?;
        }
        Ok(())
    }

    /// Report what is left at the end of a file of `total` bytes.
    pub fn done(self, progress: &dyn Progress, total: u64) {
        progress.rows(self.rows, total.saturating_sub(self.last_offset));
    }
}

impl Default for ProgressTicker {
    fn default() -> Self {
        Self::new()
    }
}

/// [`IngestError::Interrupted`] if `progress` says the caller wants to stop.
pub fn stop_if_cancelled(progress: &dyn Progress, during: &'static str) -> Result<()> {
    if progress.cancelled() {
        return Err(IngestError::Interrupted {
            during,
            done: String::new(),
        });
    }
    Ok(())
}
