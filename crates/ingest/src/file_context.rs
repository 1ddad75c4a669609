//! What a profile parser needs while reading one file, and what it produces.

use std::path::Path;

use arrow::datatypes::SchemaRef;
use crimescope_model::HarmWeights;
use crimescope_model::schema::{FieldSpec, REJECT_FIELDS, rejects_schema};

use crate::error::Result;
use crate::pipeline::Progress;
use crate::projection::{Projected, to_bng};
use crate::reject::Rejection;
use crate::store::{FileCounts, OutputFile, writer::PartitionedWriter};
use crate::table_builder::Value;

/// Rows between progress reports.
pub const PROGRESS_EVERY: u64 = 4096;

/// The context of one file being parsed.
pub struct FileContext<'a> {
    /// The file name (lineage `source_file`).
    pub name: &'a str,
    /// The profile name.
    pub profile: &'static str,
    /// `<stem>-<sha12>`: the name of every Parquet file this input produces.
    pub tag: String,
    /// The harm table.
    pub harm: &'a HarmWeights,
    /// The staging folder.
    pub staging: &'a Path,
    /// Progress reporting.
    pub progress: &'a dyn Progress,
    /// Boundaries that fill missing areas of `incidents` rows, with this file's count of
    /// points that fell in none.
    pub areas: Option<(
        std::sync::Arc<crate::boundaries::Areas>,
        std::sync::Arc<std::sync::atomic::AtomicU64>,
    )>,
}

impl FileContext<'_> {
    /// A partitioned writer for a table, named after this file.
    pub fn writer(&self, table: &'static str, fields: &'static [FieldSpec], schema: SchemaRef) -> PartitionedWriter {
        let transform: Option<crate::store::writer::Transform> = match (&self.areas, table) {
            (Some((areas, outside)), "incidents") => {
                let (areas, outside) = (areas.clone(), outside.clone());
                Some(std::sync::Arc::new(move |batch| {
                    crate::boundaries::assign_areas(batch, &areas, &outside).map_err(|e| crate::IngestError::Arrow {
                        file: "incidents".into(),
                        message: e.to_string(),
                    })
                }))
            }
            _ => None,
        };
        PartitionedWriter::new(table, fields, schema, self.staging, &self.tag).with_transform(transform)
    }
}

/// Writes rejected rows and counts them.
pub struct RejectSink {
    writer: PartitionedWriter,
    /// Rows rejected so far.
    pub count: u64,
}

impl RejectSink {
    /// A sink for this file's rejects.
    pub fn new(ctx: &FileContext<'_>) -> RejectSink {
        RejectSink {
            writer: ctx.writer("rejects", REJECT_FIELDS, rejects_schema()),
            count: 0,
        }
    }

    /// Record a rejected row.
    pub fn reject(&mut self, ctx: &FileContext<'_>, line: u64, raw: &[u8], rejection: &Rejection) -> Result<()> {
        self.count += 1;
        let raw_text = String::from_utf8_lossy(raw);
        self.writer.push(
            "",
            &[
                Value::Str(ctx.name),
                Value::U64(line),
                Value::Str(ctx.profile),
                Value::Str(rejection.reason.code()),
                rejection.field.map_or(Value::Null, Value::Str),
                Value::Str(&rejection.message),
                Value::Str(&raw_text),
            ],
        )
    }

    /// Close the sink; its output files.
    pub fn finish(self) -> Result<Vec<OutputFile>> {
        self.writer.finish()
    }
}

/// What parsing one file produced.
pub struct ParsedFile {
    /// Its row counts.
    pub counts: FileCounts,
    /// The Parquet files written to staging.
    pub outputs: Vec<OutputFile>,
}

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

    /// Count a row ending at byte `offset`.
    pub fn tick(&mut self, progress: &dyn Progress, offset: u64) {
        self.rows += 1;
        if self.rows == PROGRESS_EVERY {
            progress.rows(self.rows, offset.saturating_sub(self.last_offset));
            self.rows = 0;
            self.last_offset = offset;
        }
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

/// The BNG position of a loaded row's WGS84 point, counting rows with no location and
/// rows outside Great Britain.
pub fn locate(point: Option<(f64, f64)>, counts: &mut FileCounts) -> (Option<f64>, Option<f64>) {
    match point {
        None => {
            counts.no_location += 1;
            (None, None)
        }
        Some((lon, lat)) => match to_bng(lon, lat) {
            Projected::Bng { easting, northing } => (Some(easting), Some(northing)),
            Projected::OutsideGreatBritain => {
                counts.outside_gb += 1;
                (None, None)
            }
        },
    }
}
