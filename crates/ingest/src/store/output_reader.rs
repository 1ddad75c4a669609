//! Reading one output's rows: a whole file, or the row groups of a shared file that are
//! one input's ([`OutputFile::row_groups`]).

use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{OutputFile, RowGroups};
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
    if output.row_groups.is_none() {
        return Ok(builder);
    }
    let indices = run_of(&path, output.row_groups, builder.metadata().num_row_groups())?;
    Ok(builder.with_row_groups(indices.collect()))
}

/// The indices of the row groups `run` names (every one when `None`) in the file at
/// `path`, which has `row_groups`: an error naming the file when it has fewer.
pub(crate) fn run_of(path: &Path, run: Option<RowGroups>, row_groups: usize) -> Result<std::ops::Range<usize>> {
    let Some(run) = run else {
        return Ok(0..row_groups);
    };
    run.within(row_groups).ok_or_else(|| IngestError::Store {
        path: path.to_path_buf(),
        message: format!(
            "the manifest lists row groups {}..{} of this file, which has {row_groups}; the store is damaged",
            run.first,
            run.end()
        ),
    })
}
