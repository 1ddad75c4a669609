//! Writing one input file's rows into partitioned Parquet files in a staging folder.

use std::fs;
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use crimescope_model::schema::FieldSpec;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::digest::DigestingFile;
use super::file_writer::StoreFileWriter;
use super::held::{HeldFiles, StagedFile};
use super::manifest::OutputFile;
use crate::error::{IngestError, Result};
use crate::table_builder::{TableBuilder, Value};

/// The index of each month's partition of a writer (`source=S/month=M` for `incidents`,
/// or as named, e.g. `month=M` for outcomes), remembered by value: a file's rows name a
/// handful of months, so the partition's name is built and searched for once per month,
/// not once per row.
#[derive(Debug)]
pub(crate) struct MonthPartitions<S> {
    known: Vec<(S, crimescope_model::Month, usize)>,
}

impl<S> Default for MonthPartitions<S> {
    fn default() -> Self {
        MonthPartitions { known: Vec::new() }
    }
}

impl<S: Copy + PartialEq> MonthPartitions<S> {
    /// The index in `writer` of the partition of `source` and `month`, named `name()`
    /// the first time.
    pub(crate) fn index_named(
        &mut self,
        writer: &mut PartitionedWriter,
        source: S,
        month: crimescope_model::Month,
        name: impl FnOnce() -> String,
    ) -> usize {
        if let Some(&(_, _, index)) = self.known.iter().find(|(s, m, _)| *s == source && *m == month) {
            return index;
        }
        let index = writer.partition(&name());
        self.known.push((source, month, index));
        index
    }
}

impl<S: Copy + PartialEq + std::fmt::Display> MonthPartitions<S> {
    /// The index in `writer` of the partition `source=S/month=M`.
    pub(crate) fn index(&mut self, writer: &mut PartitionedWriter, source: S, month: crimescope_model::Month) -> usize {
        self.index_named(writer, source, month, || format!("source={source}/month={month}"))
    }
}

/// Rows per Arrow batch handed to the Parquet writer; bounds memory per partition.
pub const BATCH_ROWS: usize = 8192;
/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 131_072;
/// Columns whose values are (nearly) unique per row, written without a dictionary.
const UNIQUE_COLUMNS: &[&str] = &["incident_id", "record_id", "record_id_bytes", "crime_id", "raw_text"];
/// Text columns whose row-group minimum and maximum cannot prune a row group: every
/// input's rows hold most of their values (places, outcomes), or they are read only
/// beside another column that has statistics (`lsoa_name` beside `lsoa_code`). They are
/// written without statistics. The text columns that keep them are constant per input
/// file or range over one force's area (`source`, `dataset`, `force`, `reported_by`,
/// `source_file`, `lsoa_code`, `ward_code`), or tell sources apart (`category`).
pub const UNPRUNED_TEXT_COLUMNS: &[&str] = &[
    "time_precision",
    "subcategory",
    "ho_offence_code",
    "location_key",
    "location_text",
    "lsoa_name",
    "outcome",
    "context",
];

struct Partition {
    key: String,
    rel_path: String,
    builder: TableBuilder,
    writer: Option<StoreFileWriter<StagedFile>>,
    rows: u64,
}

/// A function that rewrites a partition's pending rows before they are written, given
/// the partition's index.
pub type FixUp<'f> = &'f mut dyn FnMut(usize, RecordBatch) -> Result<RecordBatch>;

/// Writes the rows of one table from one input file, partitioned by a key such as
/// `source=police/month=2024-01`, to `<staging>/<table>/<key>/<tag>.parquet`.
///
/// Rows stream to Parquet in batches of [`BATCH_ROWS`], unless the writer was made with
/// [`PartitionedWriter::hold_until_finish`]: then each partition is kept in memory (one
/// file's rows at most) so that [`PartitionedWriter::finish_with`] can fix up a column
/// that depends on the whole file, such as `duplicate_id`.
pub struct PartitionedWriter {
    table: &'static str,
    fields: &'static [FieldSpec],
    schema: SchemaRef,
    staging: PathBuf,
    tag: String,
    parts: Vec<Partition>,
    hold: bool,
    transform: Option<Transform>,
    /// When set, the files are synced by the commit that lists them
    /// ([`super::digest::PendingSyncs`]); else each is synced when finished.
    pending: Option<std::sync::Arc<super::digest::PendingSyncs>>,
    /// When set, each partition's file is held in memory while there is room
    /// ([`HeldFiles`]), else written to the staging folder.
    held: Option<std::sync::Arc<HeldFiles>>,
}

/// A rewrite applied to every batch before it is written (filling areas by
/// point-in-polygon, for instance).
pub type Transform = std::sync::Arc<dyn Fn(RecordBatch) -> Result<RecordBatch> + Send + Sync>;

impl PartitionedWriter {
    /// A writer for `table` whose files are named `<tag>.parquet` under `staging`.
    pub fn new(
        table: &'static str,
        fields: &'static [FieldSpec],
        schema: SchemaRef,
        staging: &Path,
        tag: &str,
    ) -> Self {
        PartitionedWriter {
            table,
            fields,
            schema,
            staging: staging.to_path_buf(),
            tag: tag.to_string(),
            parts: Vec::new(),
            hold: false,
            transform: None,
            pending: None,
            held: None,
        }
    }

    /// Hold the finished files in `held` while it has room, for the commit to write
    /// into the partitions' shared files ([`HeldFiles`]).
    pub(crate) fn held_in(mut self, held: Option<std::sync::Arc<HeldFiles>>) -> Self {
        self.held = held;
        self
    }

    /// Leave the files' syncing to the commit that lists them (`pending`, the store
    /// writer's), so finishing a file does not wait for the disk.
    pub(crate) fn synced_at_commit(mut self, pending: Option<std::sync::Arc<super::digest::PendingSyncs>>) -> Self {
        self.pending = pending;
        self
    }

    /// Rewrite every batch with `transform` before it is written.
    pub fn with_transform(mut self, transform: Option<Transform>) -> Self {
        self.transform = transform;
        self
    }

    /// Keep every row in memory until [`PartitionedWriter::finish_with`].
    pub fn hold_until_finish(mut self) -> Self {
        self.hold = true;
        self
    }

    /// The index of a partition (`""` for an unpartitioned table), created on first
    /// use. Callers that write many rows cache it and use [`PartitionedWriter::push_at`].
    pub fn partition(&mut self, partition: &str) -> usize {
        if let Some(i) = self.parts.iter().position(|p| p.key == partition) {
            return i;
        }
        let rel_path = if partition.is_empty() {
            format!("{}/{}.parquet", self.table, self.tag)
        } else {
            format!("{}/{}/{}.parquet", self.table, partition, self.tag)
        };
        self.parts.push(Partition {
            key: partition.to_string(),
            rel_path,
            builder: TableBuilder::new(self.fields, self.schema.clone()),
            writer: None,
            rows: 0,
        });
        self.parts.len() - 1
    }

    /// Append a row to a partition by key.
    pub fn push(&mut self, partition: &str, row: &[Value<'_>]) -> Result<()> {
        let index = self.partition(partition);
        self.push_at(index, row)
    }

    /// Append a row to the partition at `index` (from [`PartitionedWriter::partition`]).
    pub fn push_at(&mut self, index: usize, row: &[Value<'_>]) -> Result<()> {
        let part = &mut self.parts[index];
        part.builder.push(row);
        part.rows += 1;
        if !self.hold && part.builder.len() >= BATCH_ROWS {
            let mut batch = finish_batch(&self.staging, part)?;
            if let Some(t) = &self.transform {
                batch = t(batch)?;
            }
            self.write_batch(index, &batch)?;
        }
        Ok(())
    }

    /// Write `batch` to partition `index`'s file, creating the file (held in memory
    /// while [`HeldFiles`] has room, else in the staging folder) on its first batch.
    fn write_batch(&mut self, index: usize, batch: &RecordBatch) -> Result<()> {
        let part = &mut self.parts[index];
        let path = self.staging.join(&part.rel_path);
        if part.writer.is_none() {
            let file = match &self.held {
                Some(held) if held.has_room() => StagedFile::Held(Vec::new()),
                _ => {
                    if let Some(dir) = path.parent() {
                        fs::create_dir_all(dir).map_err(|source| IngestError::Write {
                            path: dir.to_path_buf(),
                            source,
                        })?;
                    }
                    let file = DigestingFile::create_for_commit(&path, self.pending.as_ref()).map_err(|source| {
                        IngestError::Write {
                            path: path.clone(),
                            source,
                        }
                    })?;
                    StagedFile::OnDisk(file)
                }
            };
            let props = writer_properties(&self.schema);
            part.writer = Some(
                StoreFileWriter::try_new(file, self.schema.clone(), props)
                    .map_err(|e| IngestError::from_parquet(&path, e))?,
            );
        }
        if let Some(writer) = part.writer.as_mut() {
            writer.write(batch).map_err(|e| IngestError::from_parquet(&path, e))?;
        }
        Ok(())
    }

    /// Flush and close every partition; the files written, relative to the staging root.
    pub fn finish(self) -> Result<Vec<OutputFile>> {
        self.finish_with(&mut |_, batch| Ok(batch))
    }

    /// Like [`PartitionedWriter::finish`], passing each partition's pending rows through
    /// `fix_up` first (all of its rows, for a writer that holds until finish).
    pub fn finish_with(mut self, fix_up: FixUp<'_>) -> Result<Vec<OutputFile>> {
        let mut outputs = Vec::new();
        for index in 0..self.parts.len() {
            let part = &mut self.parts[index];
            if !part.builder.is_empty() {
                let mut batch = fix_up(index, finish_batch(&self.staging, part)?)?;
                if let Some(t) = &self.transform {
                    batch = t(batch)?;
                }
                self.write_batch(index, &batch)?;
            }
            let part = &mut self.parts[index];
            let Some(writer) = part.writer.take() else {
                continue; // no row reached this partition's file
            };
            let path = self.staging.join(&part.rel_path);
            let file = writer.into_inner().map_err(|e| IngestError::from_parquet(&path, e))?;
            match file {
                StagedFile::Held(bytes) => {
                    let held = self.held.as_ref().ok_or_else(|| IngestError::Store {
                        path: path.clone(),
                        message: "a file was kept in memory without a place to hold it. Please report this".into(),
                    })?;
                    // Not yet a file: the commit writes its rows into the partition's.
                    outputs.push(OutputFile {
                        table: self.table.to_string(),
                        path: part.rel_path.clone(),
                        rows: part.rows,
                        bytes: Some(bytes.len() as u64),
                        sha256: None,
                        row_groups: None,
                    });
                    held.hold(&part.rel_path, bytes);
                }
                StagedFile::OnDisk(file) => {
                    // Durable before the manifest can list it (now, or at the commit).
                    let written = file.finish().map_err(|source| IngestError::Write { path, source })?;
                    outputs.push(OutputFile::written(self.table, &part.rel_path, part.rows, &written));
                }
            }
        }
        outputs.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(outputs)
    }
}

fn finish_batch(staging: &Path, part: &mut Partition) -> Result<RecordBatch> {
    part.builder.finish().map_err(|e| IngestError::Arrow {
        file: staging.join(&part.rel_path).display().to_string(),
        message: e.to_string(),
    })
}

/// The Parquet writer properties of every store file: Snappy, row groups of
/// [`ROW_GROUP_ROWS`], statistics per column chunk but not per page, no dictionary or
/// statistics for the unique id columns, no statistics for [`UNPRUNED_TEXT_COLUMNS`],
/// no compression for `record_id` and `record_id_bytes`, and delta encoding for
/// `source_line`.
pub fn writer_properties(schema: &SchemaRef) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        // Statistics per column chunk, so no column index (the page index's minimum and
        // maximum per page). An input's rows of a partition are one row group (up to
        // ROW_GROUP_ROWS), most of them a single page per column (Parquet's default
        // 20,000 rows a page), so the column index repeated the chunk's statistics; yet
        // every session decoded it for every file (DataFusion loads the page index
        // whenever it has a metadata cache), which was 27% of the CPU of a national
        // `trend` that found no rows. Row groups are still pruned by their statistics.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(format!("crimescope {}", env!("CARGO_PKG_VERSION")));
    // Ids are unique per row: a dictionary for them is work that Parquet throws away,
    // and min/max statistics on long random strings prune nothing.
    for column in UNIQUE_COLUMNS {
        if schema.index_of(column).is_ok() {
            props = props
                .set_column_dictionary_enabled(ColumnPath::from(*column), false)
                .set_column_statistics_enabled(ColumnPath::from(*column), EnabledStatistics::None);
        }
    }
    // Parquet's writer compares every value of a text column with the chunk's minimum
    // and maximum (a `memcmp` per row): 4% of a national ingest's CPU, for statistics
    // that prune nothing in these columns.
    for column in UNPRUNED_TEXT_COLUMNS {
        if schema.index_of(column).is_ok() {
            props = props.set_column_statistics_enabled(ColumnPath::from(*column), EnabledStatistics::None);
        }
    }
    // A source's own ids (police.uk's are 64 hex digits, stored as their 32 bytes) are
    // close to random: Snappy saved 3% of `record_id` as hex text on a national year
    // (420 MB stored as 408 MB), and the compressor's time is spent on every byte
    // whether it saves any or not.
    for column in ["record_id", "record_id_bytes"] {
        if schema.index_of(column).is_ok() {
            props = props.set_column_compression(ColumnPath::from(column), Compression::UNCOMPRESSED);
        }
    }
    // Line numbers rise by one from row to row: delta encoding stores them in almost
    // nothing, where a dictionary of unique values fills up and falls back to plain.
    if schema.index_of("source_line").is_ok() {
        props = props
            .set_column_dictionary_enabled(ColumnPath::from("source_line"), false)
            .set_column_encoding(ColumnPath::from("source_line"), Encoding::DELTA_BINARY_PACKED);
    }
    props.build()
}
