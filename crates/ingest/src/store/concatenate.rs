//! The compaction every commit of new `incidents` files leaves: one file per partition
//! whose row groups are the inputs' own, copied byte for byte.
//!
//! A national year is about a thousand inputs' worth of partition files (one per input
//! file and partition), and a query pays a fixed cost per file it opens (listing,
//! footer, reads). Splicing the already-encoded column chunks into one file per
//! partition (`SerializedRowGroupWriter::append_column`, the Parquet crate's
//! concatenation path) costs a copy of the bytes and no decoding or encoding, so it
//! runs at every commit. `crimescope compact` still rewrites the rows into large row
//! groups.
//!
//! An ingest's own files are held in memory ([`super::held`]) and exist only as the
//! shared file's row groups: each input's output then names the shared file and its
//! row groups ([`OutputFile::row_groups`]). Files on disk (those that did not fit in
//! memory, re-tagged ones, or an earlier build's) are copied the same way and their
//! outputs pointed at the copy too, so the file of its own goes and no row is stored
//! twice; only a partition (or schema group) of one such file keeps it as it is,
//! uncopied. A partition whose inputs are unchanged keeps its shared file; any change
//! (a new input, a replaced one) copies the partition's row groups into a new one, and
//! the inputs' outputs are pointed at it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;

use super::digest::{DigestingFile, WrittenFile};
use super::held::HeldFiles;
use super::manifest::{RowGroups, partition_of};
use super::{Compaction, CompactionMethod, Manifest, OutputFile, StoreWriter};
use crate::error::{IngestError, Result};

/// Where a source's row groups are read from.
pub(crate) enum SourceBytes {
    /// A file held in memory for this commit.
    Held(Bytes),
    /// A file in the store (all of it, or only `row_groups`).
    File(PathBuf),
}

/// Row groups to copy: from `bytes`, the run `row_groups` (every one when `None`).
pub(crate) struct Source {
    /// Where the bytes are.
    pub bytes: SourceBytes,
    /// Which row groups.
    pub row_groups: Option<RowGroups>,
}

impl Source {
    /// The source of an output of the store at `root`, held in `held` or on disk.
    fn of(root: &Path, held: &HeldFiles, output: &OutputFile) -> Source {
        let bytes = match held.get(&output.path) {
            Some(bytes) => SourceBytes::Held(bytes),
            None => SourceBytes::File(root.join(&output.path)),
        };
        Source {
            bytes,
            row_groups: output.row_groups,
        }
    }

    /// A name for messages: the file's path, or the held file's place in the store.
    fn display(&self, rel: &str) -> PathBuf {
        match &self.bytes {
            SourceBytes::Held(_) => PathBuf::from(rel),
            SourceBytes::File(path) => path.clone(),
        }
    }

    fn footer(&self, rel: &str) -> Result<ParquetMetaData> {
        let reader = ParquetMetaDataReader::new().with_page_index_policy(PageIndexPolicy::Optional);
        let parsed = match &self.bytes {
            SourceBytes::Held(bytes) => reader.parse_and_finish(bytes),
            SourceBytes::File(path) => reader.parse_and_finish(&open(path)?),
        };
        parsed.map_err(|e| read_err(&self.display(rel), &e))
    }

    /// The indices of the row groups to copy, checked against the footer.
    fn indices(&self, rel: &str, metadata: &ParquetMetaData) -> Result<std::ops::Range<usize>> {
        super::output_reader::run_of(&self.display(rel), self.row_groups, metadata.num_row_groups())
    }

    /// Whether these are every row group of a file in the store that is an input's
    /// own, which a partition of one such file can use as it is.
    fn is_own_file(&self) -> bool {
        matches!(self.bytes, SourceBytes::File(_)) && self.row_groups.is_none()
    }
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn read_err(path: &Path, e: &dyn std::fmt::Display) -> IngestError {
    IngestError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// What the compaction made of one partition: the files to read, and for each of the
/// partition's outputs (in the order given) the slice it now is, if it changed.
struct PartitionCopy {
    files: Vec<OutputFile>,
    new_paths: Vec<String>,
    repointed: Vec<Option<OutputFile>>,
}

impl StoreWriter {
    /// Make `next`'s compaction a concatenated one of its `incidents` (see the module
    /// docs), with its new files in place but not yet listed, and point every output it
    /// copies at its files: the caller commits `next`. A partition stored as one file of
    /// its own is that file, not a copy; a
    /// partition whose files differ in schema (written by different versions, e.g.
    /// before and after manifest version 3 stored implied `incident_id`s as null) gets
    /// one file per schema, since a byte copy cannot join them. No compaction when
    /// `next` holds no incidents.
    ///
    /// `stop` is asked before the copying starts (it takes about a second for a
    /// national year); once it answers true, or on any error, every unlisted file (the
    /// caller's moved files included) is removed and the error returned, so the store
    /// is as it was.
    pub(crate) fn concatenated_compaction(&self, next: &mut Manifest, stop: &dyn Fn() -> bool) -> Result<()> {
        let mut partitions: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
        for (f, entry) in next.files.iter().enumerate() {
            for (o, output) in entry.outputs.iter().enumerate() {
                if output.table == "incidents" {
                    partitions.entry(partition_of(&output.path)).or_default().push((f, o));
                }
            }
        }
        if partitions.is_empty() {
            next.compaction = None;
            return Ok(());
        }
        let tag = next.compaction_tag();
        if stop() {
            let _ = self.remove_uncommitted();
            return Err(IngestError::Interrupted {
                during: "before the commit",
                done: "; nothing was committed".into(),
            });
        }
        let copied: Vec<Result<PartitionCopy>> = partitions
            .par_iter()
            .map(|(dir, members)| {
                let outputs: Vec<&OutputFile> = members.iter().map(|&(f, o)| &next.files[f].outputs[o]).collect();
                self.copy_partition(dir, &outputs, &tag)
            })
            .collect();
        let mut files = Vec::with_capacity(copied.len());
        let mut new_paths = Vec::new();
        let mut repoint = Vec::new();
        for (result, members) in copied.into_iter().zip(partitions.values()) {
            match result {
                Ok(copy) => {
                    files.extend(copy.files);
                    new_paths.extend(copy.new_paths);
                    repoint.extend(members.iter().copied().zip(copy.repointed));
                }
                Err(e) => {
                    // The files the caller moved are not listed either: remove them all,
                    // leaving the store as it was.
                    let _ = self.remove_uncommitted();
                    return Err(e);
                }
            }
        }
        for rel in &new_paths {
            if let Err(e) = self.place_staged(rel) {
                let _ = self.remove_uncommitted();
                return Err(e);
            }
        }
        for ((f, o), slice) in repoint {
            if let Some(slice) = slice {
                next.files[f].outputs[o] = slice;
            }
        }
        next.compaction = Some(Compaction {
            inputs: next.input_hashes(),
            outputs: files,
            created_at: super::now_rfc3339(),
            method: CompactionMethod::Concatenated,
        });
        Ok(())
    }

    /// The compaction of one partition (folder `dir`) whose outputs are `outputs`.
    fn copy_partition(&self, dir: &str, outputs: &[&OutputFile], tag: &str) -> Result<PartitionCopy> {
        let unchanged = |files: Vec<OutputFile>| PartitionCopy {
            files,
            new_paths: Vec::new(),
            repointed: vec![None; outputs.len()],
        };
        if let Some(shared) = self.whole_shared_file(outputs)? {
            return Ok(unchanged(vec![shared]));
        }
        let sources: Vec<Source> = outputs.iter().map(|o| Source::of(&self.root, &self.held, o)).collect();
        if let ([only], [source]) = (outputs, &sources[..])
            && source.is_own_file()
        {
            return Ok(unchanged(vec![(*only).clone()]));
        }
        // The footers first (one file open at a time: a partition may have more input
        // files than a process may hold open), grouped by schema.
        let mut footers = Vec::with_capacity(sources.len());
        for (source, output) in sources.iter().zip(outputs) {
            footers.push(source.footer(&output.path)?);
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, footer) in footers.iter().enumerate() {
            match groups.iter_mut().find(|g| same_schema(&footers[g[0]], footer)) {
                Some(group) => group.push(i),
                None => groups.push(vec![i]),
            }
        }
        let mut copy = PartitionCopy {
            files: Vec::new(),
            new_paths: Vec::new(),
            repointed: vec![None; outputs.len()],
        };
        for members in &groups {
            if let [only] = members[..]
                && sources[only].is_own_file()
            {
                copy.files.push(outputs[only].clone());
                continue;
            }
            let group: Vec<&OutputFile> = members.iter().map(|&i| outputs[i]).collect();
            let rel = format!("compacted/{dir}/concat-{tag}-{}.parquet", sources_tag(&group));
            let parts: Vec<(&Source, &ParquetMetaData, &str)> = members
                .iter()
                .map(|&i| (&sources[i], &footers[i], outputs[i].path.as_str()))
                .collect();
            let CopiedFile { rows, written, runs } =
                copy_row_groups(&parts, &self.staging().join(&rel), Some(&self.pending))?;
            for (&i, (range, copied_rows)) in members.iter().zip(runs) {
                let output = outputs[i];
                if copied_rows != output.rows {
                    return Err(IngestError::Store {
                        path: sources[i].display(&output.path),
                        message: format!(
                            "the manifest records {} rows here and the file holds {copied_rows}; the store is damaged",
                            output.rows
                        ),
                    });
                }
                // Every output copied is pointed at the copy, a file of its own too:
                // its file is then listed nowhere and goes (retired if committed,
                // removed after the commit if this commit staged it), so no row is
                // stored twice.
                copy.repointed[i] = Some(OutputFile::slice("incidents", &rel, output.rows, range, &written));
            }
            copy.files.push(OutputFile::written("incidents", &rel, rows, &written));
            copy.new_paths.push(rel);
        }
        Ok(copy)
    }

    /// The shared file that `outputs` are, in order, every row group of, if they are:
    /// the partition's inputs did not change, so neither does its file.
    fn whole_shared_file(&self, outputs: &[&OutputFile]) -> Result<Option<OutputFile>> {
        let Some(first) = outputs.first() else {
            return Ok(None);
        };
        let mut next_group = 0;
        let mut rows = 0u64;
        for output in outputs {
            match output.row_groups {
                Some(range) if output.path == first.path && range.first == next_group => {
                    next_group = range.end();
                    rows = rows.saturating_add(output.rows);
                }
                _ => return Ok(None),
            }
        }
        let source = Source::of(&self.root, &self.held, first);
        let footer = source.footer(&first.path)?;
        let file_rows = footer.file_metadata().num_rows() as u64;
        Ok((next_group == footer.num_row_groups() && rows == file_rows)
            .then(|| first.shared_file(file_rows))
            .flatten())
    }
}

/// Eight hex digits naming what a partition file is copied from (each output's path,
/// row groups and rows): a file made from other sources has another name, so a commit
/// that copies a partition again never writes over the file that committed readers
/// use, even when the inputs are the same (re-tagging rewrites some of their rows).
fn sources_tag(outputs: &[&OutputFile]) -> String {
    use sha2::Digest;
    let mut digest = sha2::Sha256::new();
    for o in outputs {
        let runs = o.row_groups.map_or((0, 0), |r| (r.first, r.count));
        digest.update(format!("{}\n{}\n{}\n{}\n", o.path, runs.0, runs.1, o.rows).as_bytes());
    }
    hex::encode(digest.finalize())[..8].to_string()
}

fn same_schema(a: &ParquetMetaData, b: &ParquetMetaData) -> bool {
    a.file_metadata().schema_descr().root_schema() == b.file_metadata().schema_descr().root_schema()
        && a.file_metadata().key_value_metadata() == b.file_metadata().key_value_metadata()
}

/// A file [`copy_row_groups`] wrote.
#[derive(Debug)]
pub(crate) struct CopiedFile {
    /// The rows written.
    pub rows: u64,
    /// The file's size and hash.
    pub written: WrittenFile,
    /// For each source, the row groups and rows it became.
    pub runs: Vec<(RowGroups, u64)>,
}

/// Copy the row groups of `sources` (each with its footer and its name in the store),
/// in order, into one new Parquet file at `to`; they must share one schema. With
/// `pending` the file is synced by the commit that lists it, else when it is finished.
pub(crate) fn copy_row_groups(
    sources: &[(&Source, &ParquetMetaData, &str)],
    to: &Path,
    pending: Option<&Arc<super::digest::PendingSyncs>>,
) -> Result<CopiedFile> {
    let Some((_, first, _)) = sources.first() else {
        return Err(IngestError::Store {
            path: to.to_path_buf(),
            message: "a partition file of no rows was asked for. Please report this".into(),
        });
    };
    let schema = first.file_metadata().schema_descr().root_schema_ptr();
    let key_values = first.file_metadata().key_value_metadata().cloned();
    if let Some(d) = to.parent() {
        fs::create_dir_all(d).map_err(|source| IngestError::Write {
            path: d.to_path_buf(),
            source,
        })?;
    }
    let out = DigestingFile::create_for_commit(to, pending).map_err(|source| IngestError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    let props = WriterProperties::builder()
        .set_created_by(format!("crimescope {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(key_values)
        .build();
    let write_err = |e| IngestError::from_parquet(to, e);
    let mut writer = SerializedFileWriter::new(out, schema, Arc::new(props)).map_err(write_err)?;
    let mut rows = 0u64;
    let mut ranges = Vec::with_capacity(sources.len());
    for &(source, metadata, rel) in sources {
        let indices = source.indices(rel, metadata)?;
        let first_group = writer.flushed_row_groups().len();
        let count = indices.len();
        let from = source.display(rel);
        let copied = match &source.bytes {
            SourceBytes::Held(bytes) => append_row_groups(&mut writer, bytes, metadata, indices, &from, to),
            SourceBytes::File(path) => append_row_groups(&mut writer, &open(path)?, metadata, indices, &from, to),
        }?;
        rows += copied;
        ranges.push((
            RowGroups {
                first: first_group,
                count,
            },
            copied,
        ));
    }
    let out = writer.into_inner().map_err(write_err)?;
    let written = out.finish().map_err(|source| IngestError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    Ok(CopiedFile {
        rows,
        written,
        runs: ranges,
    })
}

/// Append row groups `indices` of the file `reader` (with footer `metadata`, named
/// `from` in messages) to `writer` (writing `to`), byte for byte; the rows appended.
fn append_row_groups<R: ChunkReader>(
    writer: &mut SerializedFileWriter<DigestingFile>,
    reader: &R,
    metadata: &ParquetMetaData,
    indices: std::ops::Range<usize>,
    from: &Path,
    to: &Path,
) -> Result<u64> {
    let mut rows = 0u64;
    for g in indices {
        let group = metadata.row_group(g);
        let mut row_group = writer.next_row_group().map_err(|e| IngestError::from_parquet(to, e))?;
        for (c, column) in group.columns().iter().enumerate() {
            let column_index = metadata
                .column_index()
                .and_then(|i| i.get(g)?.get(c).cloned())
                .filter(|i| !matches!(i, ColumnIndexMetaData::NONE));
            let offset_index = metadata.offset_index().and_then(|i| i.get(g)?.get(c).cloned());
            let close = ColumnCloseResult {
                bytes_written: column.compressed_size() as u64,
                rows_written: group.num_rows() as u64,
                metadata: column.clone(),
                bloom_filter: None,
                column_index,
                offset_index,
            };
            // An I/O error here is far likelier the copy's write (a full disk) than
            // the read of bytes just written or held in memory: reported as a write.
            row_group.append_column(reader, close).map_err(|e| match e {
                parquet::errors::ParquetError::External(_) => IngestError::from_parquet(to, e),
                e => read_err(from, &e),
            })?;
        }
        row_group.close().map_err(|e| IngestError::from_parquet(to, e))?;
        rows += group.num_rows() as u64;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    fn batch(schema: &Arc<Schema>, from: i64, n: i64) -> RecordBatch {
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(from..from + n));
        let names: ArrayRef = Arc::new(StringArray::from_iter(
            (from..from + n).map(|i| (i % 7 != 0).then(|| format!("cat-{}", i % 5))),
        ));
        let xs: ArrayRef = Arc::new(Float64Array::from_iter(
            (from..from + n).map(|i| (i % 3 != 0).then_some(i as f64 * 0.5)),
        ));
        RecordBatch::try_new(schema.clone(), vec![ids, names, xs]).unwrap()
    }

    fn schema() -> Arc<Schema> {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("category", DataType::Utf8, true),
            Field::new("x", DataType::Float64, true),
        ]))
    }

    fn write(path: &Path, batches: &[RecordBatch], row_group_rows: usize) {
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(row_group_rows))
            .build();
        let mut w = ArrowWriter::try_new(File::create(path).unwrap(), batches[0].schema(), Some(props)).unwrap();
        for b in batches {
            w.write(b).unwrap();
        }
        w.close().unwrap();
    }

    fn read_all(path: &Path) -> Vec<RecordBatch> {
        ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// Copy every row group of the files at `paths` into `to`.
    fn concatenate(paths: &[PathBuf], to: &Path) -> CopiedFile {
        let sources: Vec<Source> = paths
            .iter()
            .map(|p| Source {
                bytes: SourceBytes::File(p.clone()),
                row_groups: None,
            })
            .collect();
        copy_from(&sources, to)
    }

    fn copy_from(sources: &[Source], to: &Path) -> CopiedFile {
        let footers: Vec<ParquetMetaData> = sources.iter().map(|s| s.footer("source").unwrap()).collect();
        let parts: Vec<(&Source, &ParquetMetaData, &str)> =
            sources.iter().zip(&footers).map(|(s, f)| (s, f, "source")).collect();
        copy_row_groups(&parts, to, None).unwrap()
    }

    #[test]
    fn the_copy_holds_every_row_of_every_source_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let s = schema();
        let mut sources = Vec::new();
        let mut expected = Vec::new();
        // Files of one and of several row groups, and one of a single row.
        for (i, (from, n, group)) in [(0, 2500, 1000), (10_000, 1, 10), (20_000, 700, 5000)]
            .into_iter()
            .enumerate()
        {
            let b = batch(&s, from, n);
            let path = dir.path().join(format!("in-{i}.parquet"));
            write(&path, std::slice::from_ref(&b), group);
            sources.push(path);
            expected.push(b);
        }
        let to = dir.path().join("out/concat.parquet");
        let CopiedFile {
            rows,
            written,
            runs: ranges,
        } = concatenate(&sources, &to);
        assert_eq!(
            ranges,
            vec![
                (RowGroups { first: 0, count: 3 }, 2500),
                (RowGroups { first: 3, count: 1 }, 1),
                (RowGroups { first: 4, count: 1 }, 700)
            ]
        );
        assert_eq!(rows, 3201);
        assert_eq!(written, super::super::digest::digest_of(&to).unwrap());
        let got = arrow::compute::concat_batches(&s, &read_all(&to)).unwrap();
        let want = arrow::compute::concat_batches(&s, &expected).unwrap();
        assert_eq!(got, want);
        // Row groups are the sources' own: 3 + 1 + 1.
        let meta = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Optional)
            .parse_and_finish(&File::open(&to).unwrap())
            .unwrap();
        assert_eq!(meta.num_row_groups(), 5);
        // The page index was carried over and points at the copied pages.
        let offsets = meta.offset_index().expect("an offset index");
        for (g, group) in meta.row_groups().iter().enumerate() {
            for (c, column) in group.columns().iter().enumerate() {
                assert_eq!(
                    offsets[g][c].page_locations[0].offset,
                    column.data_page_offset(),
                    "row group {g} column {c}"
                );
            }
        }
    }

    #[test]
    fn row_groups_held_in_memory_or_a_run_of_a_file_are_copied_as_asked() {
        let dir = tempfile::tempdir().unwrap();
        let s = schema();
        // A file of 4 row groups (rows 0..400), of which groups 1 and 2 are asked for,
        // and a file of 2 row groups held in memory.
        let whole = dir.path().join("shared.parquet");
        write(&whole, &[batch(&s, 0, 400)], 100);
        let held_path = dir.path().join("held.parquet");
        write(&held_path, &[batch(&s, 1000, 150)], 100);
        let held = Bytes::from(fs::read(&held_path).unwrap());
        let sources = [
            Source {
                bytes: SourceBytes::File(whole.clone()),
                row_groups: Some(RowGroups { first: 1, count: 2 }),
            },
            Source {
                bytes: SourceBytes::Held(held),
                row_groups: None,
            },
        ];
        let to = dir.path().join("out.parquet");
        let CopiedFile { rows, runs: ranges, .. } = copy_from(&sources, &to);
        assert_eq!(rows, 350);
        assert_eq!(
            ranges,
            vec![
                (RowGroups { first: 0, count: 2 }, 200),
                (RowGroups { first: 2, count: 2 }, 150)
            ]
        );
        let got = arrow::compute::concat_batches(&s, &read_all(&to)).unwrap();
        let want = arrow::compute::concat_batches(&s, &[batch(&s, 100, 200), batch(&s, 1000, 150)]).unwrap();
        assert_eq!(got, want);
        // A run beyond the file's row groups is refused by name, not read short.
        let beyond = Source {
            bytes: SourceBytes::File(whole.clone()),
            row_groups: Some(RowGroups { first: 3, count: 2 }),
        };
        let footer = beyond.footer("shared").unwrap();
        let err = copy_row_groups(&[(&beyond, &footer, "shared")], &dir.path().join("no.parquet"), None).unwrap_err();
        assert!(err.to_string().contains("row groups 3..5"), "{err}");
    }

    #[test]
    fn sources_of_different_schemas_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.parquet");
        write(&a, &[batch(&schema(), 0, 10)], 100);
        let a2 = dir.path().join("a2.parquet");
        write(&a2, &[batch(&schema(), 10, 10)], 100);
        let other = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let b = dir.path().join("b.parquet");
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..5));
        write(&b, &[RecordBatch::try_new(other, vec![ids]).unwrap()], 100);
        let footer = |p: &PathBuf| {
            Source {
                bytes: SourceBytes::File(p.clone()),
                row_groups: None,
            }
            .footer("x")
            .unwrap()
        };
        assert!(same_schema(&footer(&a), &footer(&a2)));
        assert!(!same_schema(&footer(&a), &footer(&b)));
    }
}
