//! Helpers shared by the ingest integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, UInt64Type};
use crimescope_ingest::{IngestOptions, IngestReport, NoProgress, ingest, read_manifest};

/// The workspace's fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The City of London 2024 street files.
pub fn city_of_london() -> PathBuf {
    fixtures().join("police-uk/city-of-london")
}

/// Ingest paths into a store, panicking on error.
pub fn ingest_ok(store: &Path, paths: &[PathBuf]) -> IngestReport {
    ingest(store, paths, &IngestOptions::default(), &NoProgress).expect("ingest succeeds")
}

/// Every batch of a table, read back from the Parquet files the manifest lists.
pub fn read_table(store: &Path, table: &str) -> Vec<RecordBatch> {
    let manifest = read_manifest(store).unwrap();
    let mut out = Vec::new();
    for output in manifest.outputs_of(table) {
        let reader = crimescope_ingest::store::output_reader(store, output)
            .unwrap()
            .build()
            .unwrap();
        out.extend(reader.map(|b| b.unwrap()));
    }
    out
}

/// A column of every batch as optional strings (dictionary and utf8 alike).
pub fn strings(batches: &[RecordBatch], column: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for b in batches {
        let col = cast(b.column_by_name(column).unwrap(), &DataType::Utf8).unwrap();
        let col = col.as_string::<i32>();
        out.extend((0..col.len()).map(|i| col.is_valid(i).then(|| col.value(i).to_string())));
    }
    out
}

/// The canonical `record_id` of every stored row: the stored text, or the lowercase
/// hex of `record_id_bytes` (`crimescope_model::stored`).
pub fn record_ids(batches: &[RecordBatch]) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for b in batches {
        let texts = strings(std::slice::from_ref(b), "record_id");
        let bytes = b
            .column_by_name(crimescope_model::stored::RECORD_ID_BYTES)
            .map(|c| c.as_fixed_size_binary().clone());
        out.extend(texts.iter().enumerate().map(|(i, text)| {
            let b = bytes.as_ref().and_then(|b| b.is_valid(i).then(|| b.value(i)));
            crimescope_model::stored::record_id_of(text.as_deref(), b)
        }));
    }
    out
}

/// The canonical `incident_id` of every stored row: the stored id, or the one the row
/// implies (`crimescope_model::stored`).
pub fn incident_ids(batches: &[RecordBatch]) -> Vec<String> {
    let stored = strings(batches, "incident_id");
    let datasets = strings(batches, "dataset");
    let record_ids = record_ids(batches);
    stored
        .iter()
        .zip(&datasets)
        .zip(&record_ids)
        .map(|((id, dataset), record_id)| {
            crimescope_model::stored::incident_id_of(id.as_deref(), dataset.as_deref().unwrap(), record_id.as_deref())
        })
        .collect()
}

/// A float column as options.
pub fn floats(batches: &[RecordBatch], column: &str) -> Vec<Option<f64>> {
    let mut out = Vec::new();
    for b in batches {
        let col = b
            .column_by_name(column)
            .unwrap()
            .as_primitive::<arrow::datatypes::Float64Type>();
        out.extend((0..col.len()).map(|i| col.is_valid(i).then(|| col.value(i))));
    }
    out
}

/// A u64 column.
pub fn u64s(batches: &[RecordBatch], column: &str) -> Vec<u64> {
    batches
        .iter()
        .flat_map(|b| {
            b.column_by_name(column)
                .unwrap()
                .as_primitive::<UInt64Type>()
                .values()
                .to_vec()
        })
        .collect()
}

/// A bool column (nulls as false).
pub fn bools(batches: &[RecordBatch], column: &str) -> Vec<bool> {
    let mut out = Vec::new();
    for b in batches {
        let col = b.column_by_name(column).unwrap().as_boolean();
        out.extend((0..col.len()).map(|i| col.is_valid(i) && col.value(i)));
    }
    out
}

/// Each stored row's canonical `record_id` and its `duplicate_id` flag, sorted: what a
/// file with repeated ids left flagged, whatever order its partitions were read in.
pub fn flags_by_record_id(batches: &[RecordBatch]) -> Vec<(Option<String>, bool)> {
    let mut out: Vec<(Option<String>, bool)> = record_ids(batches)
        .into_iter()
        .zip(bools(batches, "duplicate_id"))
        .collect();
    out.sort();
    out
}

/// An independent RFC 4180 reader for the tests (no csv crate): records of fields.
/// Handles a BOM, CRLF, quoted fields with doubled quotes and embedded newlines.
pub fn naive_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push(std::mem::take(&mut record));
                } else {
                    record.clear();
                }
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}
