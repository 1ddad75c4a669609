//! Compaction: one `incidents` file per partition, as a read cache.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use super::digest::{DigestingFile, WrittenFile};
use super::file_writer::StoreFileWriter;
use super::{Compaction, CompactionMethod, OutputFile, StoreWriter};
use crate::error::{IngestError, Result};

impl StoreWriter {
    /// Write the store's `incidents` as one Parquet file per source and month under
    /// `compacted/`, and record it in the manifest. The per-input files stay the source
    /// of truth and are not touched; the copy is used by readers only while the store
    /// holds exactly the input files it was made from (an ingest that adds or replaces
    /// a file makes it stale, and the next ingest removes it).
    ///
    /// Many small files (one per input file and partition) make every scan pay a
    /// per-file cost; a national year is 1,032 files of about 7,000 rows. Rows keep
    /// their order (by input file, as listed) and every column, lineage included.
    /// Returns the compaction, or the current one unchanged when it is up to date.
    pub fn compact(&mut self) -> Result<Compaction> {
        self.compact_unless(&|| false)
    }

    /// [`StoreWriter::compact`], asking `stop` before each batch it copies and before the
    /// commit; once it answers true the partial copy is removed and
    /// [`IngestError::Interrupted`] returned, with the store as it was.
    pub fn compact_unless(&mut self, stop: &dyn Fn() -> bool) -> Result<Compaction> {
        if let Some(c) = self.manifest.current_compaction()
            && c.method == CompactionMethod::Rewritten
        {
            return Ok(c.clone());
        }
        let inputs = self.manifest.input_hashes();
        let tag = self.manifest.compaction_tag();
        let partitions = self.manifest.incidents_by_partition();
        let staging = self.staging();
        let mut outputs = Vec::with_capacity(partitions.len());
        for (done, (dir, files)) in partitions.iter().enumerate() {
            let rel = format!("compacted/{dir}/part-{tag}.parquet");
            let merged = merge(&self.root, files, &staging.join(&rel), stop).and_then(|m| {
                m.ok_or_else(|| IngestError::Interrupted {
                    during: "while compacting",
                    done: format!(
                        "; {done} of {} partitions had been copied, none was committed",
                        partitions.len()
                    ),
                })
            });
            let (rows, written) = match merged {
                Ok(m) => m,
                Err(e) => {
                    let _ = self.remove_uncommitted();
                    return Err(e);
                }
            };
            outputs.push(OutputFile::written("incidents", &rel, rows, &written));
        }
        if stop() {
            let _ = self.remove_uncommitted();
            return Err(IngestError::Interrupted {
                during: "before the commit",
                done: "; the compacted copy was complete but not committed".into(),
            });
        }
        for o in &outputs {
            self.place_staged(&o.path)?;
        }
        let compaction = Compaction {
            inputs,
            outputs,
            created_at: super::now_rfc3339(),
            method: CompactionMethod::Rewritten,
        };
        let mut next = self.manifest.clone();
        next.compaction = Some(compaction.clone());
        self.commit_manifest(next)?;
        Ok(compaction)
    }
}

/// Concatenate the rows of outputs (files, or a file's row groups) into one file at `to`; the rows written and the file's size and
/// hash, or `None` if `stop` answered true before a batch.
fn merge(root: &Path, files: &[&OutputFile], to: &Path, stop: &dyn Fn() -> bool) -> Result<Option<(u64, WrittenFile)>> {
    let err = |path: &Path, e: &dyn std::fmt::Display| IngestError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if let Some(d) = to.parent() {
        fs::create_dir_all(d).map_err(|source| IngestError::Write {
            path: d.to_path_buf(),
            source,
        })?;
    }
    let open =
        |output: &OutputFile| Ok::<_, IngestError>((root.join(&output.path), super::output_reader(root, output)?));
    // The schemas first, then the rows: each file is opened twice, one at a time (a
    // partition may have more files than a process may hold open, as in `concatenate`).
    let mut schemas = Vec::with_capacity(files.len());
    for output in files {
        schemas.push(open(output)?.1.schema().clone());
    }
    let schema = admitting_every(&schemas);
    let mut writer: Option<StoreFileWriter<DigestingFile>> = None;
    let mut rows = 0u64;
    for output in files {
        let (path, builder) = open(output)?;
        let reader = builder.build().map_err(|e| err(&path, &e))?;
        for batch in reader {
            if stop() {
                return Ok(None);
            }
            let batch = batch.map_err(|e| err(&path, &e))?;
            let batch = with_schema(&batch, &schema).map_err(|e| err(&path, &e))?;
            if writer.is_none() {
                let out = DigestingFile::create(to).map_err(|source| IngestError::Write {
                    path: to.to_path_buf(),
                    source,
                })?;
                let props = super::writer::writer_properties(&schema);
                writer = Some(
                    StoreFileWriter::try_new(out, schema.clone(), props)
                        .map_err(|e| IngestError::from_parquet(to, e))?,
                );
            }
            if let Some(w) = writer.as_mut() {
                w.write(&batch).map_err(|e| IngestError::from_parquet(to, e))?;
            }
            rows += batch.num_rows() as u64;
        }
    }
    let Some(w) = writer else {
        return Err(IngestError::Store {
            path: to.to_path_buf(),
            message: "a partition to compact holds no rows (please report this)".into(),
        });
    };
    let written = super::digest::close_parquet(w, to)?;
    Ok(Some((rows, written)))
}

/// The schema a merge of files of `schemas` writes: the last (newest) file's fields,
/// then any field only other files have, each nullable where any file's is or lacks it.
/// A partition may hold files written by different versions: before manifest version 3
/// `incidents.incident_id` was required, since then it is null where the row implies it
/// ([`crimescope_model::stored`]); before version 4 there was no `record_id_bytes`.
/// Writing such a partition under the first file's required column would store those
/// nulls as empty text, and under an older file's fields alone would drop a newer
/// file's column (a re-ingested file keeps its place in the list, so the newest file
/// need not be last).
fn admitting_every(schemas: &[SchemaRef]) -> SchemaRef {
    let Some(last) = schemas.last() else {
        return Arc::new(Schema::empty());
    };
    let mut every_field: Vec<&Field> = last.fields().iter().map(|f| f.as_ref()).collect();
    for schema in schemas {
        for f in schema.fields() {
            if !every_field.iter().any(|g| g.name() == f.name()) {
                every_field.push(f.as_ref());
            }
        }
    }
    let fields: Vec<Field> = every_field
        .into_iter()
        .map(|f| {
            let nullable = schemas
                .iter()
                .any(|s| s.field_with_name(f.name()).map_or(true, |g| g.is_nullable()));
            f.clone().with_nullable(nullable)
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, last.metadata().clone()))
}

/// `batch`'s columns, by name, under `schema` (see [`admitting_every`]). A nullable
/// column the file does not have is null in every row: a file written before the column
/// existed (`incidents.record_id_bytes` before manifest version 4) keeps its values in
/// the other columns.
fn with_schema(batch: &RecordBatch, schema: &SchemaRef) -> arrow::error::Result<RecordBatch> {
    let columns = schema
        .fields()
        .iter()
        .map(|f| match batch.column_by_name(f.name()) {
            Some(column) => Ok(column.clone()),
            None if f.is_nullable() => Ok(arrow::array::new_null_array(f.data_type(), batch.num_rows())),
            None => Err(arrow::error::ArrowError::SchemaError(format!(
                "the file has no column {}",
                f.name()
            ))),
        })
        .collect::<arrow::error::Result<Vec<_>>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}

#[cfg(test)]
mod tests {
    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use arrow::datatypes::DataType;

    use super::*;

    #[test]
    fn a_merge_admits_every_files_nulls_and_takes_columns_by_name() {
        let old = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("n", DataType::Int64, false),
        ]));
        // A newer file: `id` nullable, columns in another order.
        let new = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("id", DataType::Utf8, true),
        ]));
        let merged = admitting_every(&[old.clone(), new.clone()]);
        assert_eq!(merged.field(0).name(), "n");
        assert!(!merged.field(0).is_nullable());
        assert!(merged.field(1).is_nullable());
        // A column only an earlier file has is kept, after the last file's, nullable.
        let wider = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("extra", DataType::Int64, false),
        ]));
        let both = admitting_every(&[wider, old.clone()]);
        let names: Vec<&str> = both.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["id", "n", "extra"]);
        // (`id` is nullable too: the wider file lacks it; `n` every file requires.)
        assert!(both.field(2).is_nullable() && both.field(0).is_nullable() && !both.field(1).is_nullable());
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        let ns: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        let batch = RecordBatch::try_new(old, vec![ids.clone(), ns.clone()]).unwrap();
        let moved = with_schema(&batch, &merged).unwrap();
        assert_eq!((moved.column(0), moved.column(1)), (&ns, &ids));
        let nulls: ArrayRef = Arc::new(StringArray::from(vec![None, Some("c")]));
        let batch = RecordBatch::try_new(new, vec![ns, nulls]).unwrap();
        assert_eq!(with_schema(&batch, &merged).unwrap().column(1).null_count(), 1);
        // A file without a nullable column has it as nulls, not as a shifted column.
        let narrow = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)])),
            vec![Arc::new(Int64Array::from(vec![3])) as ArrayRef],
        )
        .unwrap();
        let widened = with_schema(&narrow, &merged).unwrap();
        assert_eq!(widened.column(0), narrow.column(0));
        assert_eq!((widened.column(1).len(), widened.column(1).null_count()), (1, 1));
        // A file without a required column is an error.
        let no_n = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("id", DataType::Utf8, true)])),
            vec![Arc::new(StringArray::from(vec!["d"])) as ArrayRef],
        )
        .unwrap();
        assert!(with_schema(&no_n, &merged).is_err());
    }
}
