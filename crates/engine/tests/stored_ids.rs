//! `incident_id` and `record_id` as the store holds them (the incident id null where the
//! row implies it, a record id of 64 lowercase hex digits as its bytes;
//! `crimescope_model::stored`) and as a session gives them back: whole, the same as the
//! profile made them, and the same from a store written before the changes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crimescope_engine::Session;
use crimescope_engine::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use crimescope_engine::arrow::compute::cast;
use crimescope_engine::arrow::datatypes::{DataType, UInt64Type};
use crimescope_ingest::store::read_manifest;
use crimescope_ingest::{IngestOptions, NoProgress, ingest};
use crimescope_model::stored::{RECORD_ID_BYTES, incident_id_of, record_id_of};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

mod common;

fn city_of_london() -> PathBuf {
    common::fixtures().join("police-uk/city-of-london")
}

fn texts(batch: &RecordBatch, column: &str) -> Vec<Option<String>> {
    let col = cast(batch.column_by_name(column).unwrap(), &DataType::Utf8).unwrap();
    let col = col.as_string::<i32>();
    (0..col.len())
        .map(|i| col.is_valid(i).then(|| col.value(i).to_string()))
        .collect()
}

/// The canonical record ids of stored rows, from `record_id` and `record_id_bytes` (which
/// files written before manifest version 4 do not have).
fn record_ids(batch: &RecordBatch) -> Vec<Option<String>> {
    let stored = texts(batch, "record_id");
    let bytes = batch
        .column_by_name(RECORD_ID_BYTES)
        .map(|c| c.as_fixed_size_binary().clone());
    (0..batch.num_rows())
        .map(|i| {
            let b = bytes.as_ref().and_then(|b| b.is_valid(i).then(|| b.value(i)));
            record_id_of(stored[i].as_deref(), b)
        })
        .collect()
}

fn lines(batch: &RecordBatch) -> Vec<u64> {
    let col = cast(batch.column_by_name("source_line").unwrap(), &DataType::UInt64).unwrap();
    col.as_primitive::<UInt64Type>().values().to_vec()
}

/// Every per-input `incidents` file of the store, read as stored.
fn stored_files(store: &Path) -> Vec<(PathBuf, Vec<RecordBatch>)> {
    read_manifest(store)
        .unwrap()
        .outputs_of("incidents")
        .map(|o| {
            let path = store.join(&o.path);
            let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
                .unwrap()
                .build()
                .unwrap();
            (path, reader.map(Result::unwrap).collect())
        })
        .collect()
}

/// (file, line, incident_id, record_id) of every row a session's `incidents` gives, sorted.
async fn session_ids(session: &Session) -> Vec<Ids> {
    let batches = session
        .sql("SELECT source_file, source_line, incident_id, record_id FROM incidents")
        .await
        .unwrap();
    let mut out = Vec::new();
    for b in &batches {
        let (files, ids, records) = (texts(b, "source_file"), texts(b, "incident_id"), texts(b, "record_id"));
        for (((file, line), id), record) in files.into_iter().zip(lines(b)).zip(ids).zip(records) {
            out.push((
                file.unwrap(),
                line,
                id.expect("a session never gives a null incident_id"),
                record,
            ));
        }
    }
    out.sort();
    out
}

/// A row's (file, line, incident_id, record_id).
type Ids = (String, u64, String, Option<String>);

/// [`session_ids`] of a new session over `store`.
async fn store_ids(store: &Path) -> Vec<Ids> {
    session_ids(&Session::open(store).await.unwrap()).await
}

/// `got` equals `expected`, or the first row where they differ is named (the lists are
/// hundreds of rows long).
fn assert_same_ids(got: &[Ids], expected: &[Ids]) {
    if let Some((g, e)) = got.iter().zip(expected).find(|(g, e)| g != e) {
        panic!("first difference: got {g:?}, expected {e:?}");
    }
    assert_eq!(got.len(), expected.len());
}

#[tokio::test]
async fn implied_ids_are_stored_as_null_and_come_back_whole() {
    let (dir, session) = common::city_store().await;

    // What the files hold, and the ids they mean (the Rust reading of the rule).
    let (mut implied, mut kept, mut versions, mut as_bytes) = (0, 0, 0, 0);
    let mut expected = Vec::new();
    for (_, batches) in stored_files(dir.path()) {
        for b in &batches {
            let (stored, datasets, stored_records, record_ids, files) = (
                texts(b, "incident_id"),
                texts(b, "dataset"),
                texts(b, "record_id"),
                record_ids(b),
                texts(b, "source_file"),
            );
            let bytes = b.column_by_name(RECORD_ID_BYTES).expect("record_id_bytes");
            for i in 0..b.num_rows() {
                match &stored[i] {
                    None => implied += 1,
                    Some(id) if id.contains('#') => versions += 1,
                    Some(_) => kept += 1,
                }
                // A record id is stored as text or as bytes, never both.
                assert!(stored_records[i].is_none() || bytes.is_null(i));
                as_bytes += usize::from(bytes.is_valid(i));
                let id = incident_id_of(
                    stored[i].as_deref(),
                    datasets[i].as_deref().unwrap(),
                    record_ids[i].as_deref(),
                );
                expected.push((files[i].clone().unwrap(), lines(b)[i], id, record_ids[i].clone()));
            }
        }
    }
    // The fixture has rows with a Crime ID, ASB rows without one (file:line ids) and
    // repeated ids of differing content (#n); its Crime IDs are stored as bytes.
    assert!(
        implied > 0 && kept > 0 && versions > 0 && as_bytes > 0,
        "{implied} {kept} {versions} {as_bytes}"
    );
    expected.sort();
    let got = session_ids(&session).await;
    assert_same_ids(&got, &expected);
    // And against the raw CSV (read with the `csv` crate), independently of the rule:
    // each row's id is its Crime ID (with `#n` for a later differing version), or its
    // file and line when it has none.
    let mut crime_ids: std::collections::HashMap<(String, u64), String> = Default::default();
    for entry in std::fs::read_dir(city_of_london()).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        // One record per line after the header (no field holds a line break).
        let records: Vec<csv::StringRecord> = csv::Reader::from_path(&path)
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            records.len() + 1,
            std::fs::read_to_string(&path).unwrap().lines().count()
        );
        for (i, record) in records.iter().enumerate() {
            crime_ids.insert((file.clone(), i as u64 + 2), record[0].to_string());
        }
    }
    for (file, line, id, record_id) in &got {
        let crime_id = &crime_ids[&(file.clone(), *line)];
        let whole = format!("police-uk-street:{crime_id}");
        if crime_id.is_empty() {
            assert_eq!(id, &format!("police-uk-street:{file}:{line}"));
            assert_eq!(record_id, &None);
        } else {
            assert_eq!(record_id.as_ref(), Some(crime_id), "{file}:{line}");
            let version = id.strip_prefix(&whole).unwrap_or_else(|| panic!("{file}:{line}: {id}"));
            let later_version = version.starts_with('#') && version[1..].parse::<u32>().is_ok_and(|n| n >= 2);
            assert!(version.is_empty() || later_version, "{file}:{line}: {id}");
        }
    }
    // Every id is unique, and the canonical column is not nullable.
    let distinct: std::collections::BTreeSet<&String> = got.iter().map(|(_, _, id, _)| id).collect();
    assert_eq!(distinct.len(), got.len());
    let schema = session.sql_schema("SELECT * FROM incidents").await.unwrap();
    assert!(!schema.field_with_name("incident_id").unwrap().is_nullable());
    // Rows implied and rows stored both come back: a Crime ID's and a file-and-line id.
    assert!(got.iter().any(|(_, _, id, _)| id.len() > 60 && !id.contains(".csv")));
    assert!(got.iter().any(|(_, line, id, _)| id.ends_with(&format!(".csv:{line}"))));
}

/// Ingest options that write every input's `incidents` files to disk as files of their
/// own, as every store before manifest version 5 holds them.
fn as_files_of_their_own() -> IngestOptions {
    IngestOptions::default().with_held_bytes(0)
}

/// Rewrite every per-input `incidents` file as a store before manifest version 3 held
/// it (every id in full, the column not nullable, no `record_id_bytes`) and list them
/// in a version 2 manifest without the compacted copy.
fn rewrite_as_version_2(store: &Path) {
    let canonical = crimescope_model::schema::incidents_schema();
    for (path, batches) in stored_files(store) {
        let mut writer = ArrowWriter::try_new(File::create(&path).unwrap(), canonical.clone(), None).unwrap();
        for b in &batches {
            let (stored, datasets, record_ids) = (texts(b, "incident_id"), texts(b, "dataset"), record_ids(b));
            let full: ArrayRef = Arc::new(StringArray::from_iter_values((0..b.num_rows()).map(|i| {
                incident_id_of(
                    stored[i].as_deref(),
                    datasets[i].as_deref().unwrap(),
                    record_ids[i].as_deref(),
                )
            })));
            let records: ArrayRef = Arc::new(StringArray::from(record_ids.clone()));
            let columns: Vec<ArrayRef> = canonical
                .fields()
                .iter()
                .map(|f| match f.name().as_str() {
                    "incident_id" => full.clone(),
                    "record_id" => records.clone(),
                    name => b.column_by_name(name).unwrap().clone(),
                })
                .collect();
            writer
                .write(&RecordBatch::try_new(canonical.clone(), columns).unwrap())
                .unwrap();
        }
        writer.close().unwrap();
    }
    let mut manifest = read_manifest(store).unwrap();
    manifest.version = 2;
    manifest.compaction = None;
    for output in manifest.files.iter_mut().flat_map(|f| f.outputs.iter_mut()) {
        output.bytes = Some(std::fs::metadata(store.join(&output.path)).unwrap().len());
        output.sha256 = None;
    }
    std::fs::write(
        store.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
}

#[tokio::test]
async fn a_store_from_before_version_3_reads_its_full_ids_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let file = city_of_london().join("2024-03-city-of-london-street.csv");
    ingest(dir.path(), &[file], &as_files_of_their_own(), &NoProgress).unwrap();
    let now = store_ids(dir.path()).await;
    rewrite_as_version_2(dir.path());
    // The rewrite took: every stored id is whole now, and every record id text.
    for (_, batches) in stored_files(dir.path()) {
        assert!(
            batches
                .iter()
                .all(|b| b.column_by_name("incident_id").unwrap().null_count() == 0)
        );
        assert!(batches.iter().all(|b| b.column_by_name(RECORD_ID_BYTES).is_none()));
    }
    assert_eq!(read_manifest(dir.path()).unwrap().version, 2);
    assert_same_ids(&store_ids(dir.path()).await, &now);
}

/// A second March 2024 file (another force's name, the City's rows with every Crime ID
/// reversed, so no id repeats the first file's) written into `dir`.
fn another_march(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(city_of_london().join("2024-03-city-of-london-street.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for line in lines.take(40) {
        let (id, rest) = line.split_once(',').unwrap();
        out.push_str(&format!("{},{rest}\n", id.chars().rev().collect::<String>()));
    }
    let path = dir.join("2024-03-metropolitan-street.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[tokio::test]
async fn a_partition_of_old_and_new_files_reads_and_compacts_to_whole_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let first = city_of_london().join("2024-03-city-of-london-street.csv");
    let second = another_march(dir.path());
    // The ids both files mean, from a store that holds them in the current form.
    let reference = tempfile::tempdir().unwrap();
    ingest(
        reference.path(),
        &[first.clone(), second.clone()],
        &IngestOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let expected = store_ids(reference.path()).await;

    // The first file stored before version 3, the second after: the police partition's
    // files differ in schema, so the commit's compaction lists the old one as it is and
    // writes the new one's rows to a file of their own (a byte copy cannot join them).
    ingest(&store, &[first], &as_files_of_their_own(), &NoProgress).unwrap();
    rewrite_as_version_2(&store);
    ingest(&store, &[second], &IngestOptions::default(), &NoProgress).unwrap();
    let manifest = read_manifest(&store).unwrap();
    let compaction = manifest.current_compaction().expect("a current compaction");
    let police: Vec<&str> = compaction
        .outputs
        .iter()
        .filter(|o| o.path.contains("source=police/"))
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(police.len(), 2, "{police:?}");
    assert!(police[0].starts_with("incidents/"), "{police:?}");
    assert!(police[1].starts_with("compacted/"), "{police:?}");
    assert_same_ids(&store_ids(&store).await, &expected);
    // A rewriting compaction takes the old file's whole ids and the new file's implied
    // ones into one file.
    let mut writer =
        crimescope_ingest::store::StoreWriter::open(&store, crimescope_model::HarmWeights::v1().name()).unwrap();
    writer.compact().unwrap();
    drop(writer);
    assert!(read_manifest(&store).unwrap().current_compaction().is_some());
    assert_same_ids(&store_ids(&store).await, &expected);
}
