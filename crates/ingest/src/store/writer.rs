//! Writing one input file's rows into partitioned Parquet files in a staging folder.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use crimescope_model::schema::FieldSpec;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::manifest::OutputFile;
use crate::error::{IngestError, Result};
use crate::table_builder::{TableBuilder, Value};

/// Rows per Arrow batch handed to the Parquet writer; bounds memory per partition.
pub const BATCH_ROWS: usize = 8192;
/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 131_072;

struct Partition {
    key: String,
    rel_path: String,
    builder: TableBuilder,
    writer: Option<ArrowWriter<File>>,
    rows: u64,
}

/// Writes the rows of one table from one input file, partitioned by a key such as
/// `source=police/month=2024-01`, to `<staging>/<table>/<key>/<tag>.parquet`.
pub struct PartitionedWriter {
    table: &'static str,
    fields: &'static [FieldSpec],
    schema: SchemaRef,
    staging: PathBuf,
    tag: String,
    parts: Vec<Partition>,
}

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
        }
    }

    /// Append a row to a partition (`""` for an unpartitioned table).
    pub fn push(&mut self, partition: &str, row: &[Value<'_>]) -> Result<()> {
        let index = match self.parts.iter().position(|p| p.key == partition) {
            Some(i) => i,
            None => {
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
        };
        let part = &mut self.parts[index];
        part.builder.push(row);
        part.rows += 1;
        if part.builder.len() >= BATCH_ROWS {
            flush(&self.staging, &self.schema, part)?;
        }
        Ok(())
    }

    /// Flush and close every partition; the files written, relative to the staging root.
    pub fn finish(mut self) -> Result<Vec<OutputFile>> {
        let mut outputs = Vec::new();
        for part in &mut self.parts {
            flush(&self.staging, &self.schema, part)?;
            if let Some(writer) = part.writer.take() {
                writer
                    .close()
                    .map_err(|e| parquet_err(&self.staging.join(&part.rel_path), e))?;
            }
            outputs.push(OutputFile {
                table: self.table.to_string(),
                path: part.rel_path.clone(),
                rows: part.rows,
            });
        }
        outputs.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(outputs)
    }
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> IngestError {
    IngestError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn flush(staging: &Path, schema: &SchemaRef, part: &mut Partition) -> Result<()> {
    if part.builder.is_empty() {
        return Ok(());
    }
    let path = staging.join(&part.rel_path);
    let batch = part.builder.finish().map_err(|e| IngestError::Arrow {
        file: path.display().to_string(),
        message: e.to_string(),
    })?;
    if part.writer.is_none() {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|source| IngestError::Write {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let file = File::create(&path).map_err(|source| IngestError::Write {
            path: path.clone(),
            source,
        })?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("crimescope {}", env!("CARGO_PKG_VERSION")))
            .build();
        part.writer = Some(ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| parquet_err(&path, e))?);
    }
    if let Some(writer) = part.writer.as_mut() {
        writer.write(&batch).map_err(|e| parquet_err(&path, e))?;
    }
    Ok(())
}
