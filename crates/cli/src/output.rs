//! Printing record batches as a table, CSV or JSON.

use std::io::Write;

use clap::ValueEnum;
use crimescope_engine::arrow::array::RecordBatch;
use crimescope_engine::arrow::util::pretty::pretty_format_batches;

use crate::error::CliError;

/// How query results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned text table.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of row objects, and nothing else.
    Json,
}

/// Write batches to `out` in the given format.
pub fn write_batches(out: &mut dyn Write, batches: &[RecordBatch], format: Format) -> Result<(), CliError> {
    match format {
        Format::Table => {
            let table = pretty_format_batches(batches).map_err(CliError::internal)?;
            writeln!(out, "{table}").map_err(CliError::io)?;
        }
        Format::Csv => {
            let mut writer = crimescope_engine::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut *out);
            for batch in batches {
                writer.write(batch).map_err(CliError::internal)?;
            }
        }
        Format::Json => {
            writeln!(out, "{}", json_rows(batches)?).map_err(CliError::io)?;
        }
    }
    Ok(())
}

/// Batches as a JSON array of row objects.
pub fn json_rows(batches: &[RecordBatch]) -> Result<serde_json::Value, CliError> {
    let mut buf = Vec::new();
    {
        let mut writer = crimescope_engine::arrow::json::ArrayWriter::new(&mut buf);
        for batch in batches {
            writer.write(batch).map_err(CliError::internal)?;
        }
        writer.finish().map_err(CliError::internal)?;
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Array(vec![]));
    }
    serde_json::from_slice(&buf).map_err(CliError::internal)
}
