//! What a profile parser needs while reading one file, and what it produces.

use std::path::Path;

use arrow::datatypes::SchemaRef;
use crimescope_model::HarmWeights;
use crimescope_model::schema::{FieldSpec, REJECT_FIELDS, rejects_schema};

use crate::error::Result;
use crate::progress::{Progress, ProgressTicker};
use crate::reject::Rejection;
use crate::store::{FileCounts, OutputFile, writer::PartitionedWriter};
use crate::table_builder::Value;

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
    /// The store writer's files for its next commit to sync, when one will list these
    /// files (else each is synced when finished).
    pub pending: Option<std::sync::Arc<crate::store::digest::PendingSyncs>>,
    /// Where the `incidents` files may be held in memory for the commit, which writes
    /// each partition once (else they are staged on disk).
    pub(crate) held: Option<std::sync::Arc<crate::store::held::HeldFiles>>,
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
    /// The prefix of the incident ids of a source whose records carry their own ids:
    /// `dataset:file-stem`, so that two extracts that reuse references (two forces'
    /// crime numbers, two councils' case numbers) never share an id or its parties.
    pub fn id_prefix(&self, dataset: &str) -> String {
        let stem = self.name.rsplit_once('.').map_or(self.name, |(stem, _)| stem);
        format!("{dataset}:{stem}")
    }

    /// The `incidents` writer, in the stored form (`crimescope_model::stored`: an
    /// `incident_id` the row implies is written as null).
    pub fn incidents_writer(&self) -> PartitionedWriter {
        self.writer(
            "incidents",
            &crimescope_model::stored::STORED_INCIDENT_FIELDS,
            crimescope_model::stored::stored_incidents_schema(),
        )
    }

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
        let held = if table == "incidents" { self.held.clone() } else { None };
        PartitionedWriter::new(table, fields, schema, self.staging, &self.tag)
            .with_transform(transform)
            .synced_at_commit(self.pending.clone())
            .held_in(held)
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

/// What became of one data row.
pub enum Fate {
    /// Written to a table.
    Loaded,
    /// An exact repeat of a loaded row, dropped and counted.
    Duplicate,
    /// Rejected; its raw text goes to `rejects`.
    Rejected(Rejection),
    /// Rejected from a file with person identifiers: these columns are masked in the
    /// stored text (and the row is withheld if it does not have `expected_fields`).
    RejectedMasked {
        /// Why.
        rejection: Rejection,
        /// The identifier columns.
        id_columns: std::borrow::Cow<'static, [usize]>,
        /// The number of fields a row should have.
        expected_fields: usize,
    },
}

/// The loop every profile shares: each data record after the header is counted,
/// reported to progress and handed to `row`, whose [`Fate`] is counted in turn;
/// rejected rows are written to `rejects`. Returns the counts (reconciling by
/// construction) and the `rejects` files.
pub fn read_rows<'a>(
    ctx: &FileContext<'_>,
    mut records: crate::records::Records<'a>,
    total_bytes: u64,
    mut row: impl FnMut(&crate::records::RawRecord<'a, '_>, &mut FileCounts) -> Result<Fate>,
) -> Result<(FileCounts, Vec<OutputFile>)> {
    let mut rejects = RejectSink::new(ctx);
    let mut counts = FileCounts::default();
    let mut ticker = ProgressTicker::new();
    while let Some(rec) = records.next_record() {
        counts.rows_read += 1;
        ticker.tick(ctx.progress, rec.end)?;
        match row(&rec, &mut counts)? {
            Fate::Loaded => counts.rows_loaded += 1,
            Fate::Duplicate => counts.duplicates_dropped += 1,
            Fate::Rejected(rejection) => rejects.reject(ctx, rec.line, rec.raw, &rejection)?,
            Fate::RejectedMasked {
                rejection,
                id_columns,
                expected_fields,
            } => {
                let text = masked_raw(rec.fields, expected_fields, &id_columns);
                rejects.reject(ctx, rec.line, text.as_bytes(), &rejection)?;
            }
        }
    }
    ticker.done(ctx.progress, total_bytes);
    counts.rows_rejected = rejects.count;
    Ok((counts, rejects.finish()?))
}

/// The text kept for a rejected row of a file with person identifiers: the fields
/// re-joined with the identifier columns replaced by `[masked]`, or a note withholding
/// the row when its fields cannot be told apart.
pub fn masked_raw(record: crate::records::Fields<'_>, expected_fields: usize, id_columns: &[usize]) -> String {
    if record.len() != expected_fields {
        return format!(
            "[withheld: {} fields where {expected_fields} were expected; the row may hold identifiers]",
            record.len()
        );
    }
    record
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if id_columns.contains(&i) && !f.is_empty() {
                crate::reject::MASK.to_string()
            } else {
                let s = String::from_utf8_lossy(f);
                if s.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.into_owned()
                }
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}
