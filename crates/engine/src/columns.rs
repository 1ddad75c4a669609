//! Typed reads of query results: a built-in query's columns as Rust values, so the
//! analyses hand typed rows to their callers instead of Arrow batches or JSON. A
//! missing column or one that cannot be cast is a defect in the query
//! ([`EngineError::Internal`]), never a silent default.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};

use crate::error::{EngineError, Result};

/// The columns of one result batch of the query `query`.
pub(crate) struct Columns<'a> {
    batch: &'a RecordBatch,
    query: &'a str,
}

impl<'a> Columns<'a> {
    /// The columns of `batch`, a result of `query` (named in errors).
    pub(crate) fn new(batch: &'a RecordBatch, query: &'a str) -> Columns<'a> {
        Columns { batch, query }
    }

    fn cast(&self, name: &str, to: &DataType) -> Result<std::sync::Arc<dyn Array>> {
        let column = self
            .batch
            .column_by_name(name)
            .ok_or_else(|| EngineError::internal(format!("{} returned no column {name}", self.query)))?;
        cast(column, to).map_err(|e| EngineError::internal(format!("{}: column {name} is not {to}: {e}", self.query)))
    }

    /// A whole-number column (nulls as `None`).
    pub(crate) fn ints(&self, name: &str) -> Result<Vec<Option<i64>>> {
        let a = self.cast(name, &DataType::Int64)?;
        Ok(a.as_primitive::<Int64Type>().iter().collect())
    }

    /// A whole-number column with no nulls, as counts.
    pub(crate) fn counts(&self, name: &str) -> Result<Vec<u64>> {
        self.ints(name)?
            .into_iter()
            .map(|v| {
                v.and_then(|n| u64::try_from(n).ok()).ok_or_else(|| {
                    EngineError::internal(format!("{}: column {name} holds a null or negative count", self.query))
                })
            })
            .collect()
    }

    /// A number column (nulls as `None`).
    pub(crate) fn floats(&self, name: &str) -> Result<Vec<Option<f64>>> {
        let a = self.cast(name, &DataType::Float64)?;
        Ok(a.as_primitive::<Float64Type>().iter().collect())
    }

    /// A text column (nulls as `None`); dictionary columns are decoded.
    pub(crate) fn texts(&self, name: &str) -> Result<Vec<Option<String>>> {
        let a = self.cast(name, &DataType::Utf8)?;
        Ok(a.as_string::<i32>().iter().map(|v| v.map(str::to_string)).collect())
    }

    /// A true/false column (nulls as `None`).
    pub(crate) fn bools(&self, name: &str) -> Result<Vec<Option<bool>>> {
        let a = self.cast(name, &DataType::Boolean)?;
        Ok(a.as_boolean().iter().collect())
    }

    /// A number column that may not hold nulls.
    pub(crate) fn floats_required(&self, name: &str) -> Result<Vec<f64>> {
        self.required(name, self.floats(name)?)
    }

    /// A text column that may not hold nulls.
    pub(crate) fn texts_required(&self, name: &str) -> Result<Vec<String>> {
        self.required(name, self.texts(name)?)
    }

    /// A true/false column that may not hold nulls.
    pub(crate) fn bools_required(&self, name: &str) -> Result<Vec<bool>> {
        self.required(name, self.bools(name)?)
    }

    /// A whole-number column that may not hold nulls.
    pub(crate) fn ints_required(&self, name: &str) -> Result<Vec<i64>> {
        self.required(name, self.ints(name)?)
    }

    fn required<T>(&self, name: &str, values: Vec<Option<T>>) -> Result<Vec<T>> {
        values
            .into_iter()
            .map(|v| v.ok_or_else(|| EngineError::internal(format!("{}: column {name} holds a null", self.query))))
            .collect()
    }

    /// Whether the batch has a column of that name.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.batch.column_by_name(name).is_some()
    }
}
