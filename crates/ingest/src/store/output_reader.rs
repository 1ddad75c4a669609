//! Reading one output's rows: a whole file, or the row groups of a shared file that are
//! one input's ([`OutputFile::row_groups`]).

use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::OutputFile;
use crate::error::{IngestError, Result};

/// A reader of `output`'s rows in the store at `root`: the whole file, or only its row
/// groups when it is a slice of a shared file (checked against the file's footer).
pub fn output_reader(root: &Path, output: &OutputFile) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let path = root.join(&output.path);
    let file = File::open(&path).map_err(|source| IngestError::Read {
        path: path.clone(),
        source,
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| IngestError::Parquet {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let Some(range) = output.row_groups else {
        return Ok(builder);
    };
    let groups = builder.metadata().num_row_groups();
    if range.end() > groups {
        return Err(IngestError::Store {
            path,
            message: format!(
                "the manifest lists row groups {}..{} of this file, which has {groups}; the store is damaged",
                range.first,
                range.end()
            ),
        });
    }
    Ok(builder.with_row_groups(range.indices().collect()))
}
