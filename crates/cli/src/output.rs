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
        Format::Csv => write_csv(out, batches)?,
        Format::Json => {
            writeln!(out, "{}", json_rows(batches)?).map_err(CliError::io)?;
        }
    }
    Ok(())
}

/// Rows per piece when CSV text is formatted on several threads.
const CSV_PIECE_ROWS: usize = 32_768;

/// CSV with a header row, byte for byte what one arrow CSV writer over `batches` writes,
/// but formatted a round of pieces at a time, one piece per core, and written in order.
/// Formatting numbers is most of the cost of a large table (a national 250 m grid map
/// lists about 250,000 cells), and the query's threads are idle by then.
fn write_csv(out: &mut dyn Write, batches: &[RecordBatch]) -> Result<(), CliError> {
    use crimescope_engine::arrow::csv::WriterBuilder;
    let format = |piece: &RecordBatch, header: bool| -> Result<Vec<u8>, CliError> {
        // Numbers, booleans and text straight from the arrays; other types by arrow.
        if let Some(text) = crate::csv_text::plain_csv(piece, header) {
            return Ok(text);
        }
        let mut text = Vec::new();
        WriterBuilder::new()
            .with_header(header)
            .build(&mut text)
            .write(piece)
            .map_err(CliError::internal)?;
        Ok(text)
    };
    // Every batch is cut into pieces; a batch of no rows stays one (empty) piece, so the
    // header comes first exactly when one writer would write it.
    let pieces: Vec<RecordBatch> = batches
        .iter()
        .flat_map(|batch| {
            let rows = batch.num_rows();
            (0..rows.max(1))
                .step_by(CSV_PIECE_ROWS)
                .map(move |start| batch.slice(start, CSV_PIECE_ROWS.min(rows - start)))
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (round, chunk) in pieces.chunks(threads).enumerate() {
        let header = |i: usize| round == 0 && i == 0;
        let texts: Vec<Result<Vec<u8>, CliError>> = if chunk.len() == 1 {
            vec![format(&chunk[0], header(0))]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, piece)| scope.spawn(move || format(piece, header(i))))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(CliError::internal("a CSV formatting thread panicked")))
                    })
                    .collect()
            })
        };
        for text in texts {
            out.write_all(&text?).map_err(CliError::io)?;
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crimescope_engine::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use crimescope_engine::arrow::csv::WriterBuilder;
    use crimescope_engine::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    /// What one arrow CSV writer writes for `batches`.
    fn one_writer(batches: &[RecordBatch]) -> Vec<u8> {
        let mut text = Vec::new();
        let mut writer = WriterBuilder::new().with_header(true).build(&mut text);
        for batch in batches {
            writer.write(batch).unwrap();
        }
        drop(writer);
        text
    }

    fn batch(rows: usize, offset: i64) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("text", DataType::Utf8, true),
            Field::new("value", DataType::Float64, true),
        ]));
        let ids: Int64Array = (0..rows as i64).map(|r| r + offset).collect();
        // Text that needs quoting, and nulls, so the pieces' quoting must match.
        let text: StringArray = (0..rows)
            .map(|r| (r % 7 != 3).then(|| format!("place \"{r}\", road {}", r % 11)))
            .collect();
        let values: Float64Array = (0..rows)
            .map(|r| (r % 5 != 0).then(|| r as f64 / 3.0 + 0.125))
            .collect();
        RecordBatch::try_new(
            schema,
            vec![Arc::new(ids) as ArrayRef, Arc::new(text), Arc::new(values)],
        )
        .unwrap()
    }

    #[test]
    fn csv_formatted_in_pieces_is_what_one_writer_writes() {
        let cases: Vec<Vec<RecordBatch>> = vec![
            vec![],
            vec![batch(0, 0)],
            vec![batch(5, 0)],
            // More pieces than one round on any machine, an empty batch between, and a
            // piece boundary inside the second batch.
            vec![
                batch(3 * CSV_PIECE_ROWS + 17, 0),
                batch(0, 0),
                batch(CSV_PIECE_ROWS + 1, 1_000_000),
            ],
            vec![batch(0, 0), batch(40_000, 7)],
        ];
        for batches in cases {
            let mut ours = Vec::new();
            write_batches(&mut ours, &batches, Format::Csv).unwrap();
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            assert_eq!(ours, one_writer(&batches), "{} batches, {rows} rows", batches.len());
        }
    }
}
