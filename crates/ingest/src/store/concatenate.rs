//! The compaction every commit of new `incidents` files leaves: one file per partition
//! whose row groups are the per-input files' own, copied byte for byte.
//!
//! A national year as ingested is about a thousand small files (one per input file and
//! partition), and a query pays a fixed cost per file it opens (listing, footer, reads).
//! Splicing the already-encoded column chunks into one file per partition
//! (`SerializedRowGroupWriter::append_column`, the Parquet crate's concatenation path)
//! costs a copy of the bytes and no decoding or encoding, so it can run at every commit.
//! `crimescope compact` still rewrites the rows into large row groups.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;

use super::digest::{DigestingFile, WrittenFile};
use super::{Compaction, CompactionMethod, Manifest, OutputFile, StoreWriter};
use crate::error::{IngestError, Result};

impl StoreWriter {
    /// A concatenated compaction of `next`'s `incidents` files (see the module docs),
    /// with its files in place but not yet listed: the caller commits `next` with it. A
    /// partition stored as one file is that file, not a copy, and a partition whose files
    /// differ in schema (written by different versions, e.g. before and after manifest
    /// version 3 stored implied `incident_id`s as null) is its own per-input files, which
    /// a byte copy cannot join; the other partitions are still copied. `None` when `next`
    /// holds no incidents.
    ///
    /// `stop` is asked before the copying starts (it takes about a second for a
    /// national year); once it answers true, or on any error, every unlisted file (the
    /// caller's moved files included) is removed and the error returned, so the store
    /// is as it was.
    pub(crate) fn concatenated_compaction(
        &self,
        next: &Manifest,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<Compaction>> {
        let partitions = next.incidents_by_partition();
        if partitions.is_empty() {
            return Ok(None);
        }
        let tag = next.compaction_tag();
        if stop() {
            let _ = self.remove_uncommitted();
            return Err(IngestError::Interrupted {
                during: "before the commit",
                done: "; nothing was committed".into(),
            });
        }
        let staging = self.staging();
        let copied: Vec<Result<Vec<OutputFile>>> = partitions
            .par_iter()
            .map(|(dir, files)| {
                let as_they_are = || files.iter().map(|o| (*o).clone()).collect();
                if files.len() == 1 {
                    return Ok(as_they_are());
                }
                let rel = format!("compacted/{dir}/concat-{tag}.parquet");
                let sources: Vec<PathBuf> = files.iter().map(|o| self.root.join(&o.path)).collect();
                Ok(
                    match concatenate(&sources, &staging.join(&rel), Some(&self.pending_syncs()))? {
                        Some((rows, written)) => vec![OutputFile::written("incidents", &rel, rows, &written)],
                        None => as_they_are(),
                    },
                )
            })
            .collect();
        let mut outputs = Vec::with_capacity(copied.len());
        for result in copied {
            match result {
                Ok(partition) => outputs.extend(partition),
                Err(e) => {
                    // The files the caller moved are not listed either: remove them all,
                    // leaving the store as it was.
                    let _ = self.remove_uncommitted();
                    return Err(e);
                }
            }
        }
        for o in outputs.iter().filter(|o| o.path.starts_with("compacted/")) {
            if let Err(e) = self.place_staged(&o.path) {
                let _ = self.remove_uncommitted();
                return Err(e);
            }
        }
        Ok(Some(Compaction {
            inputs: next.input_hashes(),
            outputs,
            created_at: super::now_rfc3339(),
            method: CompactionMethod::Concatenated,
        }))
    }
}

/// Copy every row group of `sources`, in order, into one new Parquet file at `to`: the
/// rows written and the file's size and hash, or `None` when the sources differ in
/// schema (Parquet or Arrow), which a byte copy cannot reconcile. With `pending` the
/// file is synced by the commit that lists it, else when it is finished.
pub(crate) fn concatenate(
    sources: &[PathBuf],
    to: &Path,
    pending: Option<&Arc<super::digest::PendingSyncs>>,
) -> Result<Option<(u64, WrittenFile)>> {
    let read_err = |path: &Path, e: &dyn std::fmt::Display| IngestError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let open = |path: &PathBuf| {
        File::open(path).map_err(|source| IngestError::Read {
            path: path.clone(),
            source,
        })
    };
    // The footers first (one file open at a time: a partition may have more input files
    // than a process may hold open), to refuse differing schemas before writing.
    let mut footers: Vec<ParquetMetaData> = Vec::with_capacity(sources.len());
    for path in sources {
        let metadata = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Optional)
            .parse_and_finish(&open(path)?)
            .map_err(|e| read_err(path, &e))?;
        footers.push(metadata);
    }
    let Some(first) = footers.first() else {
        return Ok(None);
    };
    let schema = first.file_metadata().schema_descr().root_schema_ptr();
    let key_values = first.file_metadata().key_value_metadata().cloned();
    let same_schema = |m: &ParquetMetaData| {
        m.file_metadata().schema_descr().root_schema() == schema.as_ref()
            && m.file_metadata().key_value_metadata() == key_values.as_ref()
    };
    if !footers.iter().all(same_schema) {
        return Ok(None);
    }
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
    for (metadata, path) in footers.iter().zip(sources) {
        let file = open(path)?;
        for (g, group) in metadata.row_groups().iter().enumerate() {
            let mut row_group = writer.next_row_group().map_err(write_err)?;
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
                row_group.append_column(&file, close).map_err(|e| read_err(path, &e))?;
            }
            row_group.close().map_err(write_err)?;
            rows += group.num_rows() as u64;
        }
    }
    let out = writer.into_inner().map_err(write_err)?;
    let written = out.finish().map_err(|source| IngestError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    Ok(Some((rows, written)))
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
        let (rows, written) = concatenate(&sources, &to, None).unwrap().unwrap();
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
    fn sources_of_different_schemas_are_not_copied() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.parquet");
        write(&a, &[batch(&schema(), 0, 10)], 100);
        let other = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let b = dir.path().join("b.parquet");
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..5));
        write(&b, &[RecordBatch::try_new(other, vec![ids]).unwrap()], 100);
        assert!(
            concatenate(&[a, b], &dir.path().join("out.parquet"), None)
                .unwrap()
                .is_none()
        );
    }
}
