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
            let rounded: Vec<RecordBatch> = batches.iter().map(round_floats).collect::<Result<_, _>>()?;
            let table = pretty_format_batches(&rounded).map_err(CliError::internal)?;
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

/// Float columns rounded to 3 decimals, for tables people read (CSV and JSON keep
/// full precision).
fn round_floats(batch: &RecordBatch) -> Result<RecordBatch, CliError> {
    use crimescope_engine::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
    use crimescope_engine::arrow::datatypes::{DataType, Float64Type};
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Float64 => {
                let f = c.as_primitive::<Float64Type>();
                let rounded: Float64Array = f.iter().map(|v| v.map(|x| (x * 1000.0).round() / 1000.0)).collect();
                std::sync::Arc::new(rounded) as ArrayRef
            }
            _ => c.clone(),
        })
        .collect();
    RecordBatch::try_new(batch.schema(), columns).map_err(CliError::internal)
}

/// Batches as a JSON array of row objects; every object has every column, so
/// `pct_change: null` is visible.
pub fn json_rows(batches: &[RecordBatch]) -> Result<serde_json::Value, CliError> {
    let rows = crimescope_engine::json_rows(batches)?;
    Ok(serde_json::Value::Array(
        rows.into_iter().map(serde_json::Value::Object).collect(),
    ))
}

/// A result as one line of JSON, from its `Serialize`.
pub fn write_json<T: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string(value).map_err(CliError::internal)?;
    writeln!(out, "{text}").map_err(CliError::io)
}
