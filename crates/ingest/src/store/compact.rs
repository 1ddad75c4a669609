//! Compaction: one `incidents` file per partition, as a read cache.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::Path;

use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sha2::Digest;

use super::{Compaction, OutputFile, StoreWriter};
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
        if let Some(c) = self.manifest.current_compaction() {
            return Ok(c.clone());
        }
        let inputs = self.manifest.input_hashes();
        let mut digest = sha2::Sha256::new();
        for h in &inputs {
            digest.update(h.as_bytes());
        }
        let tag = hex::encode(digest.finalize())[..12].to_string();
        let mut partitions: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for o in self.manifest.outputs_of("incidents") {
            let dir = o.path.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
            partitions.entry(dir).or_default().push(o.path.clone());
        }
        let staging = self.staging();
        let mut outputs = Vec::with_capacity(partitions.len());
        for (dir, files) in &partitions {
            let rel = format!("compacted/{dir}/part-{tag}.parquet");
            let rows = merge(&self.root, files, &staging.join(&rel))?;
            outputs.push(OutputFile {
                table: "incidents".into(),
                path: rel,
                rows,
            });
        }
        for o in &outputs {
            let to = self.root.join(&o.path);
            if let Some(d) = to.parent() {
                fs::create_dir_all(d).map_err(|source| IngestError::Write {
                    path: d.to_path_buf(),
                    source,
                })?;
            }
            fs::rename(staging.join(&o.path), &to).map_err(|source| IngestError::Write { path: to, source })?;
        }
        let compaction = Compaction {
            inputs,
            outputs,
            created_at: super::now_rfc3339(),
        };
        let mut next = self.manifest.clone();
        next.compaction = Some(compaction.clone());
        self.write_manifest(&next)?;
        self.manifest = next;
        let _ = self.remove_uncommitted();
        Ok(compaction)
    }
}

/// Concatenate Parquet files into one at `to`; returns the rows written.
fn merge(root: &Path, files: &[String], to: &Path) -> Result<u64> {
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
    let mut writer: Option<ArrowWriter<File>> = None;
    let mut rows = 0u64;
    for rel in files {
        let path = root.join(rel);
        let file = File::open(&path).map_err(|source| IngestError::Read {
            path: path.clone(),
            source,
        })?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.build())
            .map_err(|e| err(&path, &e))?;
        for batch in reader {
            let batch = batch.map_err(|e| err(&path, &e))?;
            if writer.is_none() {
                let out = File::create(to).map_err(|source| IngestError::Write {
                    path: to.to_path_buf(),
                    source,
                })?;
                let props = super::writer::writer_properties(&batch.schema());
                writer = Some(ArrowWriter::try_new(out, batch.schema(), Some(props)).map_err(|e| err(to, &e))?);
            }
            if let Some(w) = writer.as_mut() {
                w.write(&batch).map_err(|e| err(to, &e))?;
            }
            rows += batch.num_rows() as u64;
        }
    }
    if let Some(w) = writer {
        w.into_inner()
            .map_err(|e| err(to, &e))?
            .sync_all()
            .map_err(|source| IngestError::Write {
                path: to.to_path_buf(),
                source,
            })?;
    }
    Ok(rows)
}
