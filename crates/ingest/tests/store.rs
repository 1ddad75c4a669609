//! The store: idempotent re-ingest, month replacement, crash recovery, zip input and the
//! writer lock.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;
use crimescope_ingest::store::StoreWriter;
use crimescope_ingest::store::manifest::partition_of;
use crimescope_ingest::{FileStatus, read_manifest};

fn parquet_files(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "parquet") {
                out.insert(p.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out
}

fn rows(store: &Path, table: &str) -> usize {
    read_table(store, table).iter().map(|b| b.num_rows()).sum()
}

#[test]
fn re_ingesting_the_same_files_is_a_no_op() {
    let store = tempfile::tempdir().unwrap();
    let first = ingest_ok(store.path(), &[city_of_london()]);
    assert!(first.files.iter().all(|f| f.status == FileStatus::Loaded));
    let manifest = std::fs::read(store.path().join("manifest.json")).unwrap();
    let files = parquet_files(store.path());

    let second = ingest_ok(store.path(), &[city_of_london()]);
    assert!(second.files.iter().all(|f| f.status == FileStatus::Unchanged));
    assert_eq!(
        second.totals, first.totals,
        "an unchanged file reports its recorded counts"
    );
    assert_eq!(std::fs::read(store.path().join("manifest.json")).unwrap(), manifest);
    assert_eq!(parquet_files(store.path()), files);
}

#[test]
fn a_republished_month_replaces_the_older_file_and_the_manifest_records_it() {
    let name = "2024-03-city-of-london-street.csv";
    let original = std::fs::read_to_string(city_of_london().join(name)).unwrap();
    let old_dir = tempfile::tempdir().unwrap();
    let new_dir = tempfile::tempdir().unwrap();
    std::fs::write(old_dir.path().join(name), &original).unwrap();
    // The "republished" month: the same file with its last 100 rows withdrawn.
    let lines: Vec<&str> = original.split_inclusive('\n').collect();
    let republished: String = lines[..lines.len() - 100].concat();
    std::fs::write(new_dir.path().join(name), &republished).unwrap();

    let store = tempfile::tempdir().unwrap();
    ingest_ok(
        store.path(),
        &[city_of_london().join("2024-04-city-of-london-street.csv")],
    );
    let old = ingest_ok(store.path(), &[old_dir.path().join(name)]);
    let old_outputs: Vec<String> = read_manifest(store.path()).unwrap().files[1]
        .outputs
        .iter()
        .map(|o| o.path.clone())
        .collect();
    let new = ingest_ok(store.path(), &[new_dir.path().join(name)]);
    assert_eq!(new.files[0].status, FileStatus::Replaced);
    assert_eq!(new.files[0].counts.rows_read, old.files[0].counts.rows_read - 100);

    let manifest = read_manifest(store.path()).unwrap();
    assert_eq!(manifest.files.len(), 2, "April plus the new March");
    assert_eq!(manifest.replaced.len(), 1);
    let r = &manifest.replaced[0];
    assert_eq!(r.key, format!("police-uk-street/{name}"));
    assert_ne!(r.old_sha256, r.new_sha256);
    assert_eq!(
        (r.old_rows_loaded, r.new_rows_loaded),
        (old.files[0].counts.rows_loaded, new.files[0].counts.rows_loaded)
    );
    for path in &old_outputs {
        assert!(!store.path().join(path).exists(), "{path} of the old file is removed");
    }
    let april = manifest.files.iter().find(|f| f.name.starts_with("2024-04")).unwrap();
    let expected = april.counts.rows_loaded + new.files[0].counts.rows_loaded;
    assert_eq!(rows(store.path(), "incidents") as u64, expected);
}

#[test]
fn an_ingest_that_died_part_way_leaves_nothing_visible_and_is_cleaned_up() {
    let store = tempfile::tempdir().unwrap();
    ingest_ok(
        store.path(),
        &[city_of_london().join("2024-01-city-of-london-street.csv")],
    );
    let manifest = std::fs::read(store.path().join("manifest.json")).unwrap();
    let incidents = rows(store.path(), "incidents");
    let committed = parquet_files(store.path());

    // What a crash leaves: staged files, a file moved into place but never committed,
    // and a half-written manifest temp file.
    let staged = store.path().join(".staging/incidents/source=police/month=2024-02");
    std::fs::create_dir_all(&staged).unwrap();
    std::fs::write(staged.join("x.parquet"), b"partial").unwrap();
    let orphan_dir = store.path().join("incidents/source=police/month=2024-02");
    std::fs::create_dir_all(&orphan_dir).unwrap();
    std::fs::copy(
        store.path().join(committed.iter().next().unwrap()),
        orphan_dir.join("orphan.parquet"),
    )
    .unwrap();
    std::fs::write(store.path().join("manifest.json.tmp"), b"{ half").unwrap();

    // Readers see exactly the committed store.
    assert_eq!(rows(store.path(), "incidents"), incidents);
    assert_eq!(std::fs::read(store.path().join("manifest.json")).unwrap(), manifest);

    // The next writer removes the debris.
    drop(StoreWriter::open(store.path(), "harm_weights_v1").unwrap());
    assert!(!store.path().join(".staging").exists());
    assert!(!orphan_dir.join("orphan.parquet").exists());
    assert!(!store.path().join("manifest.json.tmp").exists());
    assert_eq!(parquet_files(store.path()), committed);
}

#[test]
fn a_zip_of_the_archive_loads_the_same_rows_as_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("archive.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for month in 1..=12 {
        let name = format!("2024-{month:02}-city-of-london-street.csv");
        zip.start_file(format!("2024-{month:02}/{name}"), options).unwrap();
        zip.write_all(&std::fs::read(city_of_london().join(&name)).unwrap())
            .unwrap();
    }
    zip.start_file("README.txt", options).unwrap();
    zip.write_all(b"not a csv").unwrap();
    zip.finish().unwrap();

    let from_zip = tempfile::tempdir().unwrap();
    let zipped = ingest_ok(from_zip.path(), &[zip_path]);
    let from_folder = tempfile::tempdir().unwrap();
    let folder = ingest_ok(from_folder.path(), &[city_of_london()]);
    assert_eq!(zipped.files.len(), 12);
    assert!(zipped.files[0].path.contains("archive.zip!2024-01/"));
    let street_totals = |r: &crimescope_ingest::IngestReport| {
        r.files
            .iter()
            .filter(|f| f.profile == "police-uk-street")
            .map(|f| f.counts)
            .fold(crimescope_ingest::FileCounts::default(), |mut acc, c| {
                acc.add(&c);
                acc
            })
    };
    assert_eq!(street_totals(&zipped), street_totals(&folder));
    assert_eq!(
        rows(from_zip.path(), "incidents"),
        rows(from_folder.path(), "incidents")
    );
}

#[test]
fn two_writers_cannot_hold_one_store() {
    let store = tempfile::tempdir().unwrap();
    let first = StoreWriter::open(store.path(), "harm_weights_v1").unwrap();
    let second = StoreWriter::open(store.path(), "harm_weights_v1");
    assert!(second.is_err_and(|e| e.to_string().contains("another crimescope ingest")));
    drop(first);
    assert!(StoreWriter::open(store.path(), "harm_weights_v1").is_ok());
}

#[test]
fn a_file_given_twice_in_one_run_is_read_once() {
    let file = city_of_london().join("2024-01-city-of-london-street.csv");
    let copy_dir = tempfile::tempdir().unwrap();
    let renamed = copy_dir.path().join("january.csv");
    std::fs::copy(&file, &renamed).unwrap();
    let store = tempfile::tempdir().unwrap();
    let report = ingest_ok(store.path(), &[file.clone(), file, renamed]);
    let statuses: Vec<FileStatus> = report.files.iter().map(|f| f.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == FileStatus::Loaded).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == FileStatus::Repeated).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(report.totals.rows_read, 734);
    assert_eq!(rows(store.path(), "incidents"), 733);
    // The same bytes under another name in a later run are already in the store.
    let later = ingest_ok(store.path(), &[copy_dir.path().join("january.csv")]);
    assert_eq!(later.files[0].status, FileStatus::Unchanged);
    assert_eq!(rows(store.path(), "incidents"), 733);
}

#[test]
fn a_folder_with_parquet_but_no_manifest_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("incidents/part-0.parquet");
    std::fs::create_dir_all(foreign.parent().unwrap()).unwrap();
    std::fs::write(&foreign, b"someone else's data").unwrap();
    let err = crimescope_ingest::ingest(
        dir.path(),
        &[city_of_london().join("2024-01-city-of-london-street.csv")],
        &crimescope_ingest::IngestOptions::default(),
        &crimescope_ingest::NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("no manifest.json"), "{err}");
    assert!(foreign.exists(), "nothing was deleted");
}

/// The rows of one output (a file, or an input's row groups of a shared file),
/// concatenated.
fn output_rows(store: &Path, output: &crimescope_ingest::store::OutputFile) -> arrow::array::RecordBatch {
    let reader = crimescope_ingest::store::output_reader(store, output)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

/// The rows of one Parquet file, concatenated.
fn file_rows(path: &Path) -> arrow::array::RecordBatch {
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
            .unwrap()
            .build()
            .unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

/// Every commit leaves a concatenated compaction of exactly the store's input files: a
/// month held in two files is one file of both (the first file's rows, then the
/// second's), each input's rows being a run of its row groups; when one of them is
/// republished the file is made again from the rows the store now holds, while the
/// stale one retires.
#[test]
fn the_compacted_copy_follows_every_commit_including_a_replacement() {
    let name = "2024-03-city-of-london-street.csv";
    let original = std::fs::read_to_string(city_of_london().join(name)).unwrap();
    let lines: Vec<&str> = original.split_inclusive('\n').collect();
    let (header, body) = (lines[0], &lines[1..]);
    let half = body.len() / 2;
    let inputs = tempfile::tempdir().unwrap();
    let part = |file: &str, rows: &[&str]| {
        let path = inputs.path().join(file);
        std::fs::write(&path, format!("{header}{}", rows.concat())).unwrap();
        path
    };
    let a = part("2024-03-a-street.csv", &body[..half]);
    let b = part("2024-03-b-street.csv", &body[half..]);
    let store = tempfile::tempdir().unwrap();
    ingest_ok(store.path(), &[a.clone(), b.clone()]);

    let check = |expected_inputs: usize| -> String {
        let manifest = read_manifest(store.path()).unwrap();
        let compaction = manifest.current_compaction().expect("a current compaction").clone();
        assert_eq!(
            compaction.method,
            crimescope_ingest::store::CompactionMethod::Concatenated
        );
        let police = |p: &str| p.contains("source=police/month=2024-03/");
        let inputs: Vec<_> = manifest.outputs_of("incidents").filter(|o| police(&o.path)).collect();
        assert_eq!(inputs.len(), expected_inputs);
        let copy = compaction.outputs.iter().find(|o| police(&o.path)).unwrap();
        assert!(copy.path.starts_with("compacted/"), "{}", copy.path);
        // The inputs' rows are runs of the copy's row groups, one after another, in
        // the order the manifest lists them, and the copy holds nothing else.
        let mut next_group = 0;
        for input in &inputs {
            assert_eq!(input.path, copy.path);
            let runs = input.row_groups.expect("an input's rows in the shared file");
            assert_eq!(runs.first, next_group);
            next_group += runs.count;
            assert_eq!((input.bytes, &input.sha256), (copy.bytes, &copy.sha256));
        }
        let parts: Vec<_> = inputs.iter().map(|o| output_rows(store.path(), o)).collect();
        assert_eq!(
            parts.iter().map(|p| p.num_rows() as u64).collect::<Vec<_>>(),
            inputs.iter().map(|o| o.rows).collect::<Vec<_>>()
        );
        let expected = arrow::compute::concat_batches(&parts[0].schema(), &parts).unwrap();
        assert_eq!(file_rows(&store.path().join(&copy.path)), expected);
        assert_eq!(copy.rows, expected.num_rows() as u64);
        let written = crimescope_ingest::store::digest::digest_of(&store.path().join(&copy.path)).unwrap();
        assert_eq!(copy.sha256.as_deref(), Some(written.sha256.as_str()));
        copy.path.clone()
    };
    let first = check(2);

    // b is republished without its last 10 rows.
    let republished = tempfile::tempdir().unwrap();
    let b2 = republished.path().join("2024-03-b-street.csv");
    std::fs::write(&b2, format!("{header}{}", body[half..body.len() - 10].concat())).unwrap();
    let report = ingest_ok(store.path(), &[b2]);
    assert_eq!(report.files[0].status, FileStatus::Replaced);
    let second = check(2);
    assert_ne!(first, second);
    let manifest = read_manifest(store.path()).unwrap();
    let total: u64 = manifest
        .current_compaction()
        .unwrap()
        .outputs
        .iter()
        .map(|o| o.rows)
        .sum();
    let read: u64 = manifest.files.iter().map(|f| f.counts.rows_read).sum();
    assert_eq!(read, (body.len() - 10) as u64, "the withdrawn rows are gone");
    let loaded: u64 = manifest.files.iter().map(|f| f.counts.rows_loaded).sum();
    assert_eq!(total, loaded, "every loaded row once");
    assert!(
        manifest.retired.is_empty() && !store.path().join(&first).exists(),
        "the stale copy was deleted"
    );
}

/// Store files carry statistics per row group but no column index (per-page minimum and
/// maximum): sessions decode a file's whole page index when they open it, and an input's
/// row group is mostly one page per column, so the column index repeated the chunk's
/// statistics at a cost. The offset index (where each page starts) stays. Checked on the
/// partitions' files, which are the inputs' files' row groups copied byte for byte.
#[test]
fn store_files_have_row_group_statistics_but_no_column_index() {
    use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader};
    use parquet::file::page_index::column_index::ColumnIndexMetaData;
    // A second file for January, so that month's partition is a concatenated copy.
    let inputs = tempfile::tempdir().unwrap();
    let january = std::fs::read_to_string(city_of_london().join("2024-01-city-of-london-street.csv")).unwrap();
    let other = inputs.path().join("2024-01-other-street.csv");
    std::fs::write(&other, january.lines().take(11).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    let store = tempfile::tempdir().unwrap();
    ingest_ok(store.path(), &[city_of_london(), other]);
    let files: Vec<PathBuf> = parquet_files(store.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("incidents/"))
        .collect();
    assert!(
        !files.is_empty() && files.iter().all(|p| p.starts_with("compacted")),
        "{files:?}"
    );
    for file in &files {
        let metadata = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Optional)
            .parse_and_finish(&std::fs::File::open(store.path().join(file)).unwrap())
            .unwrap();
        let no_column_index = metadata
            .column_index()
            .is_none_or(|groups| groups.iter().flatten().all(|c| matches!(c, ColumnIndexMetaData::NONE)));
        assert!(no_column_index, "{} has a column index", file.display());
        assert!(
            metadata.offset_index().is_some(),
            "{} has no offset index",
            file.display()
        );
        let schema = metadata.file_metadata().schema_descr();
        for group in metadata.row_groups() {
            let index_of = |column: &str| {
                (0..schema.num_columns())
                    .find(|&i| schema.column(i).name() == column)
                    .unwrap()
            };
            // (`ward_code` is null in police.uk files, so it has statistics but no minimum.)
            assert!(group.column(index_of("ward_code")).statistics().is_some());
            for column in ["month", "category", "lsoa_code", "force", "easting"] {
                let stats = group.column(index_of(column)).statistics().expect("chunk statistics");
                assert!(
                    stats.min_bytes_opt().is_some(),
                    "{} {column} has no minimum",
                    file.display()
                );
            }
            // Text columns whose statistics prune nothing are written without them.
            for column in crimescope_ingest::store::UNPRUNED_TEXT_COLUMNS {
                assert!(
                    group.column(index_of(column)).statistics().is_none(),
                    "{} {column} has statistics",
                    file.display()
                );
            }
        }
    }
}

/// Every row of the files a session reads for `incidents` (the current compaction's),
/// in one batch ordered by source file and line.
fn compacted_rows(store: &Path) -> arrow::array::RecordBatch {
    let manifest = read_manifest(store).unwrap();
    let files = manifest.incidents_files();
    let parts: Vec<_> = files.iter().map(|o| file_rows(&store.join(&o.path))).collect();
    let all = arrow::compute::concat_batches(&parts[0].schema(), &parts).unwrap();
    let keys = [
        arrow::compute::SortColumn {
            values: arrow::compute::cast(
                all.column_by_name("source_file").unwrap(),
                &arrow::datatypes::DataType::Utf8,
            )
            .unwrap(),
            options: None,
        },
        arrow::compute::SortColumn {
            values: all.column_by_name("source_line").unwrap().clone(),
            options: None,
        },
    ];
    let order = arrow::compute::lexsort_to_indices(&keys, None).unwrap();
    arrow::compute::take_record_batch(&all, &order).unwrap()
}

/// The City's year and a second January file, so that one partition has two inputs.
fn a_year_and_a_second_january(dir: &Path) -> Vec<PathBuf> {
    let january = std::fs::read_to_string(city_of_london().join("2024-01-city-of-london-street.csv")).unwrap();
    let other = dir.join("2024-01-other-street.csv");
    std::fs::write(&other, january.lines().take(25).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    vec![city_of_london(), other]
}

/// An ingest holds its `incidents` files in memory and writes each partition once; past
/// its memory limit it writes them to disk first, and the commit copies them and removes
/// them (a file alone in its month stays as it is). All in memory, all on disk, or some
/// of each: the same rows, no row stored twice, each input's rows read back as its own,
/// and `verify` content.
#[test]
fn incidents_held_in_memory_on_disk_or_both_store_the_same_rows() {
    let inputs = tempfile::tempdir().unwrap();
    let paths = a_year_and_a_second_january(inputs.path());
    let mut reference = None;
    for (held_bytes, layout) in [(None, "held"), (Some(0), "on disk"), (Some(1), "mixed")] {
        let store = tempfile::tempdir().unwrap();
        let options = crimescope_ingest::IngestOptions::default().with_held_bytes(held_bytes);
        let report = crimescope_ingest::ingest(store.path(), &paths, &options, &crimescope_ingest::NoProgress).unwrap();
        let manifest = read_manifest(store.path()).unwrap();
        let outputs: Vec<_> = manifest.outputs_of("incidents").collect();
        let inputs_in = |o: &crimescope_ingest::store::OutputFile| {
            outputs
                .iter()
                .filter(|p| partition_of(&p.path) == partition_of(&o.path))
                .count()
        };
        let slices = outputs.iter().filter(|o| o.row_groups.is_some()).count();
        let alone = outputs.iter().filter(|o| inputs_in(o) == 1).count();
        assert!(alone > 0 && alone < outputs.len(), "{outputs:?}");
        for o in &outputs {
            // Shared by two inputs (January) or held: a run of the month's file.
            let shared = inputs_in(o) > 1 || layout == "held";
            if shared || layout != "mixed" {
                assert_eq!(o.row_groups.is_some(), shared, "{layout}: {o:?}");
            }
            if o.row_groups.is_none() {
                assert!(store.path().join(&o.path).exists(), "{layout}: {}", o.path);
            }
        }
        if layout == "mixed" {
            assert!(slices < outputs.len(), "{outputs:?}");
        }
        // No row is stored twice: the files listed hold the incidents once.
        let compaction = manifest.compaction.as_ref().unwrap();
        let listed: BTreeSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
        let stored: usize = listed.iter().map(|p| file_rows(&store.path().join(p)).num_rows()).sum();
        assert_eq!(stored as u64, outputs.iter().map(|o| o.rows).sum::<u64>(), "{layout}");
        assert!(
            compaction.outputs.iter().all(|o| listed.contains(o.path.as_str())),
            "{layout}"
        );
        let on_disk: BTreeSet<PathBuf> = parquet_files(store.path())
            .into_iter()
            .filter(|p| p.starts_with("incidents") || p.starts_with("compacted"))
            .collect();
        let listed: BTreeSet<PathBuf> = listed.iter().map(PathBuf::from).collect();
        assert_eq!(on_disk, listed, "{layout}: the files on disk are those listed");
        // Each input's rows, read as its own, are its report's (stop and search rows
        // are a table of their own).
        for (entry, file) in manifest.files.iter().zip(&report.files) {
            let rows: usize = entry
                .outputs
                .iter()
                .filter(|o| o.table != "rejects")
                .map(|o| output_rows(store.path(), o).num_rows())
                .sum();
            assert_eq!(rows as u64, file.counts.rows_loaded, "{layout}: {}", entry.name);
        }
        let verified = crimescope_ingest::store::verify(store.path()).unwrap();
        assert!(verified.problems.is_empty(), "{layout}: {:?}", verified.problems);
        let rows = compacted_rows(store.path());
        let incidents: u64 = outputs.iter().map(|o| o.rows).sum();
        assert_eq!(rows.num_rows() as u64, incidents, "{layout}");
        assert!(incidents > 1000, "{layout}: {incidents}");
        match &reference {
            None => reference = Some(rows),
            Some(r) => assert_eq!(&rows, r, "{layout}"),
        }
    }
}

/// A commit that adds a month leaves the other months' shared files as they were: no
/// copy, the same file and hash.
#[test]
fn a_partition_no_commit_touches_keeps_its_shared_file() {
    let store = tempfile::tempdir().unwrap();
    ingest_ok(
        store.path(),
        &[city_of_london().join("2024-01-city-of-london-street.csv")],
    );
    let before = read_manifest(store.path()).unwrap().compaction.unwrap().outputs;
    assert!(!before.is_empty());
    ingest_ok(
        store.path(),
        &[city_of_london().join("2024-02-city-of-london-street.csv")],
    );
    let after = read_manifest(store.path()).unwrap().compaction.unwrap().outputs;
    for file in &before {
        assert!(after.contains(file), "{} was rewritten: {after:?}", file.path);
    }
    assert!(after.len() > before.len());
}

/// A month kept as one input's file of its own (staged past the memory limit, or
/// written before manifest version 5) is copied into the month's shared file when a
/// commit adds a second input there, and the file of its own retires: its rows are
/// stored once, as a run of the shared file.
#[test]
fn a_file_of_its_own_joins_its_months_shared_file_when_another_input_arrives() {
    let inputs = tempfile::tempdir().unwrap();
    let paths = a_year_and_a_second_january(inputs.path());
    let store = tempfile::tempdir().unwrap();
    let january = city_of_london().join("2024-01-city-of-london-street.csv");
    let on_disk = crimescope_ingest::IngestOptions::default().with_held_bytes(0);
    crimescope_ingest::ingest(store.path(), &[january], &on_disk, &crimescope_ingest::NoProgress).unwrap();
    let own: Vec<_> = read_manifest(store.path())
        .unwrap()
        .outputs_of("incidents")
        .cloned()
        .collect();
    assert!(own.len() >= 2, "police and ASB: {own:?}");
    let rows_alone: Vec<_> = own.iter().map(|o| output_rows(store.path(), o)).collect();
    for o in &own {
        assert_eq!(o.row_groups, None, "{o:?}");
        assert!(store.path().join(&o.path).exists());
    }

    ingest_ok(store.path(), &paths[1..]);
    let manifest = read_manifest(store.path()).unwrap();
    let outputs: Vec<_> = manifest.outputs_of("incidents").collect();
    assert_eq!(outputs.len(), 2 * own.len(), "{outputs:?}");
    assert!(outputs.iter().all(|o| o.row_groups.is_some()), "{outputs:?}");
    for (o, rows) in own.iter().zip(&rows_alone) {
        assert!(!store.path().join(&o.path).exists(), "{} retired and went", o.path);
        assert!(!manifest.live_paths().contains(o.path.as_str()));
        // Its rows, read through its run (the first of its month's file), are its file's.
        let month: Vec<_> = outputs
            .iter()
            .filter(|n| partition_of(&n.path) == partition_of(&o.path))
            .collect();
        assert_eq!(month.len(), 2, "{month:?}");
        assert_eq!(month[0].path, month[1].path, "one shared file");
        assert_eq!(month[0].row_groups.unwrap().first, 0);
        assert_eq!(&output_rows(store.path(), month[0]), rows);
        let shared = file_rows(&store.path().join(&month[0].path));
        assert_eq!(shared.num_rows() as u64, month[0].rows + month[1].rows);
    }
    let verified = crimescope_ingest::store::verify(store.path()).unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}

/// `verify` checks each input's run of row groups against its shared file: a run the
/// file does not have, or of other rows than recorded, is named.
#[test]
fn verify_names_an_input_whose_row_groups_do_not_match_its_shared_file() {
    let store = tempfile::tempdir().unwrap();
    ingest_ok(
        store.path(),
        &[city_of_london().join("2024-01-city-of-london-street.csv")],
    );
    let good = std::fs::read(store.path().join("manifest.json")).unwrap();
    let tamper = |edit: &dyn Fn(&mut crimescope_ingest::store::OutputFile)| {
        let mut manifest: crimescope_ingest::Manifest = serde_json::from_slice(&good).unwrap();
        let output = manifest.files[0]
            .outputs
            .iter_mut()
            .find(|o| o.row_groups.is_some())
            .unwrap();
        edit(output);
        let path = output.path.clone();
        std::fs::write(
            store.path().join("manifest.json"),
            serde_json::to_vec_pretty(&manifest).unwrap(),
        )
        .unwrap();
        let problems = crimescope_ingest::store::verify(store.path()).unwrap().problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, path);
        problems[0].problem.clone()
    };
    let more_rows = tamper(&|o| o.rows += 1);
    assert!(more_rows.contains("rows where the manifest records"), "{more_rows}");
    let beyond = tamper(&|o| o.row_groups.as_mut().unwrap().count += 1);
    assert!(beyond.contains("where the file has"), "{beyond}");
    let far_beyond = tamper(&|o| o.row_groups.as_mut().unwrap().first = usize::MAX);
    assert!(far_beyond.contains("where the file has"), "{far_beyond}");
    std::fs::write(store.path().join("manifest.json"), &good).unwrap();
    assert!(
        crimescope_ingest::store::verify(store.path())
            .unwrap()
            .problems
            .is_empty()
    );
}
