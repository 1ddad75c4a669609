//! Arrow record batches to a `pyarrow.Table` through the Arrow C stream interface
//! (<https://arrow.apache.org/docs/format/CStreamInterface.html>): pyarrow takes the
//! buffers as they are, nothing is copied through Python objects.

use std::sync::Arc;

use arrow::datatypes::{Schema, SchemaRef};
use arrow::ffi_stream::FFI_ArrowArrayStream;
use arrow::record_batch::{RecordBatch, RecordBatchIterator};
use pyo3::prelude::*;

/// The schema metadata key under which a table carries what it covers and how it was
/// made, as JSON (`json.loads(table.schema.metadata[b"crimescope"])`).
pub const ABOUT_KEY: &str = "crimescope";

/// `batches` (all of `schema`) as a `pyarrow.Table`; `about`, when given, is stored as
/// JSON in the schema metadata under [`ABOUT_KEY`].
pub fn pyarrow_table<'py>(
    py: Python<'py>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    about: Option<&serde_json::Value>,
) -> PyResult<Bound<'py, PyAny>> {
    let schema = match about {
        None => schema,
        Some(about) => {
            let mut metadata = schema.metadata().clone();
            metadata.insert(ABOUT_KEY.to_string(), about.to_string());
            Arc::new(Schema::new_with_metadata(schema.fields().clone(), metadata))
        }
    };
    let batches = batches
        .into_iter()
        .map(|b| b.with_schema(schema.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(crate::errors::internal)?;
    let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    let mut stream = FFI_ArrowArrayStream::new(Box::new(reader));
    // pyarrow moves the stream out of `stream` (leaving it released), so dropping
    // `stream` afterwards frees nothing twice.
    let address = (&raw mut stream) as usize;
    let reader = py
        .import("pyarrow")?
        .getattr("RecordBatchReader")?
        .call_method1("_import_from_c", (address,))?;
    reader.call_method0("read_all")
}

/// The schema of `batches`, or `fallback` when there are none.
pub fn schema_of(batches: &[RecordBatch], fallback: impl FnOnce() -> SchemaRef) -> SchemaRef {
    batches.first().map(RecordBatch::schema).unwrap_or_else(fallback)
}
