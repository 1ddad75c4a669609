//! Readers during writes: sessions opened and queried in a loop while another thread
//! replaces a file and compacts the store over and over. Every count must be the count
//! before or after a commit, and no query may fail for a file a commit removed.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crimescope_engine::Session;
use crimescope_ingest::{IngestOptions, NoProgress, ingest};

/// The January file in full, and with its last `cut` data rows removed.
fn two_versions(dir: &Path, cut: usize) -> (PathBuf, PathBuf) {
    let january = common::fixtures().join("police-uk/city-of-london/2024-01-city-of-london-street.csv");
    let text = std::fs::read_to_string(&january).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (full, short) = (dir.join("full"), dir.join("short"));
    std::fs::create_dir_all(&full).unwrap();
    std::fs::create_dir_all(&short).unwrap();
    let name = january.file_name().unwrap();
    std::fs::write(full.join(name), &text).unwrap();
    std::fs::write(short.join(name), lines[..lines.len() - cut].join("\n") + "\n").unwrap();
    (full.join(name), short.join(name))
}

async fn total(store: &Path) -> Result<(i64, i64), String> {
    let session = Session::open(store).await.map_err(|e| e.to_string())?;
    // Give a commit the chance to land between reading the manifest and the files.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let batches = session
        .sql("SELECT count(*) AS n, sum(CASE WHEN month = DATE '2024-01-01' THEN 1 ELSE 0 END) AS january FROM incidents")
        .await
        .map_err(|e| e.to_string())?;
    let batch = &batches[0];
    let value = |i: usize| {
        crimescope_engine::arrow::array::cast::as_primitive_array::<crimescope_engine::arrow::datatypes::Int64Type>(
            batch.column(i),
        )
        .value(0)
    };
    Ok((value(0), value(1)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_count_is_the_count_before_or_after_a_commit() {
    let inputs = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let (full, short) = two_versions(inputs.path(), 400);
    // The other eleven months stay; January alternates between its two versions.
    let others: Vec<PathBuf> = std::fs::read_dir(common::fixtures().join("police-uk/city-of-london"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().contains("2024-01"))
        .collect();
    let options = IngestOptions::default();
    ingest(store.path(), &others, &options, &NoProgress).unwrap();
    ingest(store.path(), std::slice::from_ref(&short), &options, &NoProgress).unwrap();
    let with_short = total(store.path()).await.unwrap();
    ingest(store.path(), std::slice::from_ref(&full), &options, &NoProgress).unwrap();
    let with_full = total(store.path()).await.unwrap();
    assert_ne!(with_short.0, with_full.0);

    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (root, writing) = (store.path().to_path_buf(), Arc::clone(&writing));
        let (short, full) = (short.clone(), full.clone());
        std::thread::spawn(move || {
            for round in 0..16 {
                let file = if round % 2 == 0 { &short } else { &full };
                ingest(
                    &root,
                    std::slice::from_ref(file),
                    &IngestOptions::default(),
                    &NoProgress,
                )
                .unwrap();
                if round % 3 == 0 {
                    let mut w =
                        crimescope_ingest::store::StoreWriter::open(&root, crimescope_model::HarmWeights::v1().name())
                            .unwrap();
                    w.compact().unwrap();
                }
            }
            writing.store(false, Ordering::SeqCst);
        })
    };
    let mut seen = Vec::new();
    while writing.load(Ordering::SeqCst) {
        let counts = total(store.path()).await;
        assert!(
            counts == Ok(with_short) || counts == Ok(with_full),
            "a reader saw {counts:?}, neither {with_short:?} (before) nor {with_full:?} (after)"
        );
        seen.push(counts.unwrap());
    }
    writer.join().unwrap();
    assert!(
        seen.contains(&with_short) && seen.contains(&with_full),
        "the readers overlapped the writes ({} reads saw both states)",
        seen.len()
    );
    // Once no reader is open, the next commit deletes every retired file.
    ingest(store.path(), std::slice::from_ref(&short), &options, &NoProgress).unwrap();
    let manifest = crimescope_ingest::read_manifest(store.path()).unwrap();
    assert!(manifest.retired.is_empty(), "{:?}", manifest.retired);
    let on_disk = parquet_files(store.path());
    let listed: std::collections::BTreeSet<String> = manifest.live_paths().into_iter().map(String::from).collect();
    assert_eq!(on_disk, listed, "only the listed files remain");
}

fn parquet_files(root: &Path) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                out.insert(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}
