//! Building Arrow record batches of a canonical table, row by row.

use std::sync::Arc;

use std::collections::HashMap;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, DictionaryArray, FixedSizeBinaryBuilder, Float64Builder, Int32Builder,
    StringBuilder, TimestampMillisecondBuilder, UInt64Builder,
};
use arrow::datatypes::{Int32Type, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use crimescope_model::schema::{FieldSpec, Kind};
use foldhash::fast::FixedState;

/// One cell of a row being built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Null.
    Null,
    /// A string (for `Utf8` and dictionary columns).
    Str(&'a str),
    /// A float.
    F64(f64),
    /// A `date32` day count.
    Date(i32),
    /// A timestamp in milliseconds since the epoch (UTC).
    TimestampMs(i64),
    /// An unsigned integer.
    U64(u64),
    /// A boolean.
    Bool(bool),
    /// 64 lowercase hexadecimal digits, for a `FixedSizeBinary(32)` column: stored as the
    /// 32 bytes they spell ([`crimescope_model::stored::record_id_bytes`]). Held as the
    /// text, not the bytes, so a row of values stays small.
    Hex32(&'a str),
}

impl<'a> Value<'a> {
    /// `Str(s)`, or `Null` when `s` is empty.
    pub fn text(s: &'a str) -> Value<'a> {
        if s.is_empty() { Value::Null } else { Value::Str(s) }
    }

    /// `F64`, or `Null`.
    pub fn opt_f64(v: Option<f64>) -> Value<'a> {
        v.map_or(Value::Null, Value::F64)
    }

    /// `Bool`, or `Null`.
    pub fn opt_bool(v: Option<bool>) -> Value<'a> {
        v.map_or(Value::Null, Value::Bool)
    }
}

/// A dictionary column builder that remembers the last value: most dictionary
/// columns (source, dataset, force, file) repeat one value for long runs, so a row
/// usually costs one short comparison instead of a hash lookup.
struct DictColumn {
    keys: Int32Builder,
    values: StringBuilder,
    index: HashMap<Box<str>, i32, FixedState>,
    /// The last value's key (`None` before the first value of a batch), its text in
    /// `last_text`: a buffer reused from row to row, so that a column whose value
    /// changes every row (category, outcome) allocates nothing per row.
    last_key: Option<i32>,
    last_text: String,
    /// Rows after the last value's first that repeated it, not yet appended: a run
    /// costs a comparison per row and one bulk append.
    repeats: usize,
}

impl DictColumn {
    fn new() -> DictColumn {
        DictColumn {
            keys: Int32Builder::new(),
            values: StringBuilder::new(),
            index: HashMap::default(),
            last_key: None,
            last_text: String::new(),
            repeats: 0,
        }
    }

    fn push(&mut self, value: Option<&str>) {
        let Some(s) = value else {
            self.append_nulls(1);
            return;
        };
        if self.last_key.is_some() && self.last_text == s {
            self.repeats += 1;
            return;
        }
        self.append_repeats();
        let key = match self.index.get(s) {
            Some(&key) => key,
            None => {
                let key = self.index.len() as i32;
                self.values.append_value(s);
                self.index.insert(s.into(), key);
                key
            }
        };
        self.keys.append_value(key);
        self.last_key = Some(key);
        self.last_text.clear();
        self.last_text.push_str(s);
    }

    /// Append the rows that repeated the last value.
    fn append_repeats(&mut self) {
        if let Some(key) = self.last_key
            && self.repeats > 0
        {
            self.keys.append_value_n(key, self.repeats);
        }
        self.repeats = 0;
    }

    /// Append `n` nulls, after any repeats still held.
    fn append_nulls(&mut self, n: usize) {
        self.append_repeats();
        self.keys.append_nulls(n);
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        self.append_repeats();
        self.index.clear();
        self.last_key = None;
        let keys = self.keys.finish();
        let values = Arc::new(self.values.finish());
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(keys, values)?))
    }
}

enum Column {
    Utf8(StringBuilder),
    Dict(DictColumn),
    Date32(Date32Builder),
    Timestamp(TimestampMillisecondBuilder),
    Float64(Float64Builder),
    UInt64(UInt64Builder),
    Boolean(BooleanBuilder),
    Bytes32(FixedSizeBinaryBuilder),
}

impl Column {
    fn new(kind: Kind) -> Column {
        match kind {
            Kind::Utf8 => Column::Utf8(StringBuilder::new()),
            Kind::Dict => Column::Dict(DictColumn::new()),
            Kind::Date32 => Column::Date32(Date32Builder::new()),
            Kind::TimestampMs => Column::Timestamp(TimestampMillisecondBuilder::new().with_timezone("UTC")),
            Kind::Float64 => Column::Float64(Float64Builder::new()),
            Kind::UInt64 => Column::UInt64(UInt64Builder::new()),
            Kind::Boolean => Column::Boolean(BooleanBuilder::new()),
            Kind::Bytes32 => Column::Bytes32(FixedSizeBinaryBuilder::new(32)),
        }
    }

    /// Append a value; a value of the wrong kind is appended as null, and the batch
    /// then fails its non-null check in [`TableBuilder::finish`] instead of panicking.
    fn push(&mut self, value: Value<'_>) {
        match (self, value) {
            (Column::Utf8(b), Value::Str(s)) => b.append_value(s),
            (Column::Utf8(b), _) => b.append_null(),
            (Column::Dict(b), Value::Str(s)) => b.push(Some(s)),
            (Column::Dict(b), _) => b.push(None),
            (Column::Date32(b), Value::Date(d)) => b.append_value(d),
            (Column::Date32(b), _) => b.append_null(),
            (Column::Timestamp(b), Value::TimestampMs(t)) => b.append_value(t),
            (Column::Timestamp(b), _) => b.append_null(),
            (Column::Float64(b), Value::F64(v)) => b.append_value(v),
            (Column::Float64(b), _) => b.append_null(),
            (Column::UInt64(b), Value::U64(v)) => b.append_value(v),
            (Column::UInt64(b), _) => b.append_null(),
            (Column::Boolean(b), Value::Bool(v)) => b.append_value(v),
            (Column::Boolean(b), _) => b.append_null(),
            // Digits that are not 64 lowercase hex digits (the caller checked that they
            // are) would leave the column a row short, and the batch would fail to
            // build: the value is never lost quietly. 32 bytes always fit a builder of
            // width 32.
            (Column::Bytes32(b), Value::Hex32(digits)) => {
                if let Some(bytes) = crimescope_model::stored::record_id_bytes(digits) {
                    let _ = b.append_value(bytes);
                }
            }
            (Column::Bytes32(b), _) => b.append_null(),
        }
    }

    /// Append `n` nulls.
    fn append_nulls(&mut self, n: usize) {
        match self {
            Column::Utf8(b) => b.append_nulls(n),
            Column::Dict(b) => b.append_nulls(n),
            Column::Date32(b) => b.append_nulls(n),
            Column::Timestamp(b) => b.append_nulls(n),
            Column::Float64(b) => b.append_nulls(n),
            Column::UInt64(b) => b.append_nulls(n),
            Column::Boolean(b) => b.append_nulls(n),
            Column::Bytes32(b) => b.append_nulls(n),
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Column::Utf8(b) => Arc::new(b.finish()),
            Column::Dict(b) => b.finish()?,
            Column::Date32(b) => Arc::new(b.finish()),
            Column::Timestamp(b) => Arc::new(b.finish()),
            Column::Float64(b) => Arc::new(b.finish()),
            Column::UInt64(b) => Arc::new(b.finish()),
            Column::Boolean(b) => Arc::new(b.finish()),
            Column::Bytes32(b) => Arc::new(b.finish()),
        })
    }
}

/// Builds record batches of one canonical table from rows of [`Value`]s.
pub struct TableBuilder {
    schema: SchemaRef,
    columns: Vec<Column>,
    /// Per column, the nulls pushed since its last value, not yet appended. A column
    /// a source never fills (a police.uk row has nine) then costs a count per row and
    /// one bulk append per batch instead of a null appended row by row.
    pending_nulls: Vec<usize>,
    rows: usize,
}

impl TableBuilder {
    /// A builder for the table with these fields and schema.
    pub fn new(fields: &[FieldSpec], schema: SchemaRef) -> TableBuilder {
        TableBuilder {
            schema,
            columns: fields.iter().map(|f| Column::new(f.kind)).collect(),
            pending_nulls: vec![0; fields.len()],
            rows: 0,
        }
    }

    /// Append one row; `row` has one value per field, in schema order.
    pub fn push(&mut self, row: &[Value<'_>]) {
        debug_assert_eq!(row.len(), self.columns.len());
        for ((column, pending), value) in self.columns.iter_mut().zip(&mut self.pending_nulls).zip(row) {
            if matches!(value, Value::Null) {
                *pending += 1;
                continue;
            }
            if *pending > 0 {
                column.append_nulls(std::mem::take(pending));
            }
            column.push(*value);
        }
        self.rows += 1;
    }

    /// Rows appended since the last [`TableBuilder::finish`].
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no rows are pending.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The pending rows as a batch; the builder is then empty.
    /// A column that did not take a value of every row fails it (the row count is
    /// checked against the rows pushed).
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        for (column, pending) in self.columns.iter_mut().zip(&mut self.pending_nulls) {
            if *pending > 0 {
                column.append_nulls(std::mem::take(pending));
            }
        }
        let arrays = self
            .columns
            .iter_mut()
            .map(Column::finish)
            .collect::<Result<Vec<_>, _>>()?;
        let options = arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};

    fn texts(array: &ArrayRef) -> Vec<Option<String>> {
        let dictionary = array.as_dictionary::<Int32Type>();
        let values = dictionary.values().as_string::<i32>();
        dictionary
            .keys()
            .iter()
            .map(|k| k.map(|k| values.value(k as usize).to_string()))
            .collect()
    }

    /// Runs, changes every row, returns to an earlier value, nulls, and more batches
    /// after `finish`, one ending in a run: every row reads back as the value pushed.
    #[test]
    fn a_dictionary_column_reads_back_every_value_pushed() {
        let rows = [
            vec![
                Some("a"),
                Some("a"),
                Some("b"),
                Some("b"),
                Some("a"),
                None,
                Some("a"),
                Some("c"),
                Some("c"),
                Some("b"),
            ],
            vec![Some("b"), None, Some("b"), Some("d"), Some("a")],
            vec![Some("e"), Some("e"), None, None, Some("e"), Some("e"), Some("e")],
        ];
        let mut column = DictColumn::new();
        for batch in &rows {
            for value in batch {
                column.push(*value);
            }
            let array = column.finish().unwrap();
            let expected: Vec<Option<String>> = batch.iter().map(|v| v.map(str::to_string)).collect();
            assert_eq!(texts(&array), expected);
            // Each distinct text is stored once.
            let distinct: std::collections::BTreeSet<_> = batch.iter().flatten().collect();
            assert_eq!(array.as_dictionary::<Int32Type>().values().len(), distinct.len());
        }
    }

    /// Nulls wait for the column's next value or the batch's end: in every kind of
    /// column, runs of nulls before, between and after values, and a column that is
    /// only nulls, read back in place, in two batches.
    #[test]
    fn nulls_held_back_read_back_in_place() {
        let kinds = [
            Kind::Utf8,
            Kind::Dict,
            Kind::Date32,
            Kind::TimestampMs,
            Kind::Float64,
            Kind::UInt64,
            Kind::Boolean,
            Kind::Bytes32,
        ];
        let names: Vec<String> = (0..=kinds.len()).map(|i| format!("c{i}")).collect();
        let mut fields: Vec<FieldSpec> = kinds
            .iter()
            .zip(&names)
            .map(|(&kind, name)| FieldSpec {
                name: Box::leak(name.clone().into_boxed_str()),
                kind,
                nullable: true,
                description: "",
            })
            .collect();
        fields.push(FieldSpec {
            name: Box::leak(names[kinds.len()].clone().into_boxed_str()),
            kind: Kind::Float64,
            nullable: true,
            description: "",
        });
        let schema = Arc::new(arrow::datatypes::Schema::new(
            fields
                .iter()
                .map(|f| arrow::datatypes::Field::new(f.name, f.kind.data_type(), true))
                .collect::<Vec<_>>(),
        ));
        let digits = "0123456789abcdef".repeat(4);
        let value = |kind: Kind, row: usize| match kind {
            Kind::Utf8 | Kind::Dict => Value::Str(["x", "y"][row % 2]),
            Kind::Date32 => Value::Date(row as i32),
            Kind::TimestampMs => Value::TimestampMs(row as i64),
            Kind::Float64 => Value::F64(row as f64),
            Kind::UInt64 => Value::U64(row as u64),
            Kind::Boolean => Value::Bool(row.is_multiple_of(3)),
            Kind::Bytes32 => Value::Hex32(&digits),
        };
        // Null on rows 0-2, 5, 6 and 9-11 of 12; the last column always.
        let present = |row: usize| matches!(row, 3 | 4 | 7 | 8);
        let mut builder = TableBuilder::new(&fields, schema);
        for _batch in 0..2 {
            for row in 0..12 {
                let mut values: Vec<Value> = kinds
                    .iter()
                    .map(|&k| if present(row) { value(k, row) } else { Value::Null })
                    .collect();
                values.push(Value::Null);
                builder.push(&values);
            }
            let batch = builder.finish().unwrap();
            assert_eq!(batch.num_rows(), 12);
            for (c, &kind) in kinds.iter().enumerate() {
                let column = batch.column(c);
                for row in 0..12 {
                    assert_eq!(column.is_valid(row), present(row), "{kind:?} row {row}");
                }
                if kind == Kind::Dict {
                    let read = texts(column);
                    assert_eq!(read[3].as_deref(), Some("y"));
                    assert_eq!(read[4].as_deref(), Some("x"));
                }
                if kind == Kind::UInt64 {
                    let read = column.as_primitive::<arrow::datatypes::UInt64Type>();
                    assert_eq!([read.value(3), read.value(7)], [3, 7]);
                }
            }
            assert_eq!(batch.column(kinds.len()).null_count(), 12);
        }
    }

    #[test]
    fn hex_digits_are_stored_as_their_bytes_and_bad_digits_fail_the_batch() {
        let fields = [FieldSpec {
            name: "b",
            kind: Kind::Bytes32,
            nullable: true,
            description: "",
        }];
        let schema = Arc::new(arrow::datatypes::Schema::new(vec![arrow::datatypes::Field::new(
            "b",
            Kind::Bytes32.data_type(),
            true,
        )]));
        let mut builder = TableBuilder::new(&fields, schema);
        let digits = "0123456789abcdef".repeat(4);
        builder.push(&[Value::Hex32(&digits)]);
        builder.push(&[Value::Null]);
        let batch = builder.finish().unwrap();
        let column = batch.column(0).as_fixed_size_binary();
        assert_eq!(
            column.value(0),
            [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef].repeat(4)
        );
        assert!(column.is_null(1));
        // Digits that are not lowercase hex are never stored as something else.
        builder.push(&[Value::Hex32(&digits.to_uppercase())]);
        assert!(builder.finish().is_err());
    }
}
