//! The SQL session over a real store: counts, the latest-outcome view, and the
//! read-only guard.

use std::path::{Path, PathBuf};

use crimescope_engine::arrow::array::{Array, AsArray, RecordBatch};
use crimescope_engine::arrow::datatypes::Int64Type;
use crimescope_engine::{EngineError, Session, store_info};
use crimescope_ingest::{IngestOptions, NoProgress, ingest};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/police-uk")
}

fn store_with(paths: &[PathBuf]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ingest(dir.path(), paths, &IngestOptions::default(), &NoProgress).unwrap();
    dir
}

/// A store of `paths` in a folder called `name` (which may hold characters a path
/// usually does not), inside a temporary folder kept alive by the first value.
fn store_named(name: &str, paths: &[PathBuf]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join(name);
    ingest(&store, paths, &IngestOptions::default(), &NoProgress).unwrap();
    (dir, store)
}

fn single_i64(batches: &[RecordBatch]) -> i64 {
    batches[0].column(0).as_primitive::<Int64Type>().value(0)
}

fn single_string(batches: &[RecordBatch]) -> Option<String> {
    let col = crimescope_engine::arrow::compute::cast(
        batches[0].column(0),
        &crimescope_engine::arrow::datatypes::DataType::Utf8,
    )
    .unwrap();
    let col = col.as_string::<i32>();
    col.is_valid(0).then(|| col.value(0).to_string())
}

#[tokio::test]
async fn table_counts_equal_the_manifest() {
    let store = store_with(&[fixtures().join("city-of-london")]);
    let session = Session::open(store.path()).await.unwrap();
    let loaded: u64 = session
        .manifest()
        .files
        .iter()
        .filter(|f| f.profile == "police-uk-street")
        .map(|f| f.counts.rows_loaded)
        .sum();
    let n = single_i64(&session.sql("SELECT COUNT(*) FROM incidents").await.unwrap());
    assert_eq!(n as u64, loaded);
    let searches = single_i64(&session.sql("SELECT COUNT(*) FROM stop_search").await.unwrap());
    assert_eq!(searches, 111);
    assert_eq!(
        single_i64(&session.sql("SELECT COUNT(*) FROM outcomes").await.unwrap()),
        0
    );
    assert_eq!(
        single_i64(&session.sql("SELECT COUNT(*) FROM rejects").await.unwrap()),
        0
    );
    // Partition pruning columns are real columns: a month filter works.
    let jan = single_i64(
        &session
            .sql("SELECT COUNT(*) FROM incidents WHERE month = DATE '2024-01-01'")
            .await
            .unwrap(),
    );
    let jan_manifest = session
        .manifest()
        .files
        .iter()
        .find(|f| f.name.starts_with("2024-01"))
        .unwrap()
        .counts
        .rows_loaded;
    assert_eq!(jan as u64, jan_manifest);

    let info = store_info(&session).await.unwrap();
    assert_eq!(info.files, 13);
    assert_eq!(info.totals.rows_read, 9_992 + 111);
    let sources: usize = info.sources.iter().map(|b| b.num_rows()).sum();
    assert_eq!(sources, 2, "police and asb");
}

#[tokio::test]
async fn incidents_carry_the_latest_outcome_from_outcomes_files() {
    let store = store_with(&[
        fixtures().join("city-of-london"),
        fixtures().join("constructed-outcomes"),
    ]);
    let session = Session::open(store.path()).await.unwrap();
    let outcome_of = |id: &str| format!("SELECT outcome FROM incidents WHERE record_id = '{id}'");
    let charged_then_prison = "e7b720d0e1302d2d06db7b28b29132eb194864d44d79218a566f03d9e3c790f6";
    let local_resolution = "986f618142ec52b7f254e4b0549da2f17ceeb0e130db6c348f50439272306f06";
    assert_eq!(
        single_string(&session.sql(&outcome_of(charged_then_prison)).await.unwrap()).as_deref(),
        Some("Offender sent to prison")
    );
    assert_eq!(
        single_string(&session.sql(&outcome_of(local_resolution)).await.unwrap()).as_deref(),
        Some("Local resolution")
    );
    // A crime with no outcomes row keeps its street-file outcome; ASB keeps none.
    let untouched = session
        .sql("SELECT COUNT(*) FROM incidents WHERE outcome = 'Investigation complete; no suspect identified'")
        .await
        .unwrap();
    assert!(single_i64(&untouched) > 1000);
    assert_eq!(
        single_i64(
            &session
                .sql("SELECT COUNT(*) FROM incidents WHERE source = 'asb' AND outcome IS NOT NULL")
                .await
                .unwrap()
        ),
        0
    );
    // The outcomes table: 5 + 1 rows read, one duplicate dropped, one rejected.
    assert_eq!(
        single_i64(&session.sql("SELECT COUNT(*) FROM outcomes").await.unwrap()),
        4
    );
    let reason = session.sql("SELECT reason FROM rejects").await.unwrap();
    assert_eq!(single_string(&reason).as_deref(), Some("missing_id"));
    // The view has exactly the canonical incidents schema.
    let schema = session.sql_schema("SELECT * FROM incidents").await.unwrap();
    let canonical = crimescope_model::schema::incidents_schema();
    let names = |s: &crimescope_engine::arrow::datatypes::Schema| -> Vec<(String, String)> {
        s.fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().to_string()))
            .collect()
    };
    assert_eq!(names(&schema), names(&canonical));
    // Row count is unchanged by the join.
    let n = single_i64(&session.sql("SELECT COUNT(*) FROM incidents").await.unwrap());
    let base = single_i64(&session.sql("SELECT COUNT(*) FROM incidents_base").await.unwrap());
    assert_eq!(n, base);
}

#[tokio::test]
async fn writes_and_file_access_are_refused() {
    let store = store_with(&[fixtures().join("city-of-london/2024-01-city-of-london-street.csv")]);
    let session = Session::open(store.path()).await.unwrap();
    let target = store.path().join("copied.parquet");
    let copy = format!("COPY (SELECT * FROM incidents) TO '{}'", target.display());
    for sql in [
        copy.as_str(),
        "CREATE EXTERNAL TABLE pw STORED AS CSV LOCATION '/etc/passwd'",
        "INSERT INTO incidents SELECT * FROM incidents",
        "CREATE VIEW v AS SELECT 1",
        "DROP TABLE incidents",
    ] {
        let err = session.sql(sql).await.unwrap_err();
        assert!(matches!(err, EngineError::ReadOnly { .. }), "{sql}: {err:?}");
        assert!(err.to_string().contains("read-only"));
        assert!(err.is_user_error());
    }
    assert!(!target.exists(), "COPY wrote nothing");
    // A file path as a table name is not a way out of the store either.
    let err = session.sql("SELECT * FROM '/etc/passwd'").await.unwrap_err();
    assert!(err.is_user_error() && err.to_string().contains("not found"), "{err:?}");
    // Bad SQL is a user error naming the problem.
    let err = session.sql("SELECT no_such_column FROM incidents").await.unwrap_err();
    assert!(
        err.is_user_error() && err.to_string().contains("no_such_column"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_store_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = Session::open(dir.path()).await.err().unwrap();
    assert!(err.is_user_error());
    assert!(err.to_string().contains("crimescope ingest"), "{err}");
}

#[tokio::test]
async fn a_store_path_with_glob_characters_is_read_as_it_is() {
    let (_dir, store) = store_named(
        "store [2024] *?",
        &[fixtures().join("city-of-london/2024-01-city-of-london-street.csv")],
    );
    let session = Session::open(&store).await.unwrap();
    assert_eq!(
        single_i64(&session.sql("SELECT COUNT(*) FROM incidents").await.unwrap()),
        733
    );
}

/// A local session decodes the incidents files' footers when it opens (in parallel), and
/// planning finds them in DataFusion's metadata cache: one entry per file, each hit by
/// the query, none added by it (an entry under another key would be a second decode).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planning_finds_the_footers_decoded_when_the_session_opened() {
    let (_dir, store) = store_named("store [a] b", &[fixtures().join("city-of-london")]);
    let session = Session::open(&store).await.unwrap();
    let cache = session.context().runtime_env().cache_manager.get_file_metadata_cache();
    let files = session.manifest().incidents_files().len();
    assert!(files > 1, "{files} incidents files");
    let before = cache.list_entries();
    assert_eq!(before.len(), files, "one cached footer per incidents file");
    assert!(before.values().all(|e| e.hits == 0));
    let rows = session
        .sql("SELECT category, COUNT(*) AS n FROM incidents GROUP BY category")
        .await
        .unwrap();
    assert!(rows.iter().map(RecordBatch::num_rows).sum::<usize>() > 1);
    let after = cache.list_entries();
    assert_eq!(after.len(), files, "planning decoded a footer again under another key");
    assert!(
        after.values().all(|e| e.hits >= 1),
        "a cached footer planning did not use"
    );
}

/// A stored file removed (outside crimescope) after the session opened is the store's
/// damage, named with its path: the user's to repair, not a defect (exit 1, not 2).
#[tokio::test]
async fn a_file_removed_after_the_session_opened_is_named_as_damage() {
    let store = store_with(&[fixtures().join("city-of-london")]);
    let session = Session::open(store.path()).await.unwrap();
    let removed = session.manifest().incidents_files()[0].path.clone();
    std::fs::remove_file(store.path().join(&removed)).unwrap();
    let error = session
        .sql("SELECT category, COUNT(*) FROM incidents GROUP BY category")
        .await
        .unwrap_err();
    assert!(error.is_user_error(), "{error:?}");
    assert!(matches!(error, EngineError::DamagedStore { .. }), "{error:?}");
    let file_name = std::path::Path::new(&removed).file_name().unwrap().to_str().unwrap();
    assert!(error.to_string().contains(file_name), "{error}");
}

#[tokio::test]
async fn the_lsoa_lookup_maps_2011_codes_to_2021() {
    let store = store_with(&[fixtures().join("city-of-london/2024-01-city-of-london-street.csv")]);
    let lookup = fixtures().join("../boundaries/LSOA11_LSOA21_LAD22_lookup_EW.csv.gz");
    let output = crimescope_ingest::boundaries::add_lsoa_lookup(store.path(), &lookup).unwrap();
    assert_eq!(output.rows, 34_753, "the README of shared/data gives 34,753 rows");
    let session = Session::open(store.path()).await.unwrap();
    assert_eq!(
        single_i64(&session.sql("SELECT COUNT(*) FROM lsoa_lookup").await.unwrap()),
        34_753
    );
    let lad = session
        .sql("SELECT lad_name FROM lsoa_lookup WHERE lsoa11_code = 'E01000001'")
        .await
        .unwrap();
    assert_eq!(single_string(&lad).as_deref(), Some("City of London"));
    // The January crimes' LSOAs (2011 or 2021 vintage) are in the lookup, but for one:
    // police.uk assigns E01035687 (Tower Hamlets 021H), which this ONS lookup lacks.
    let unmatched = session
        .sql(
            "SELECT COUNT(*) FROM incidents i WHERE i.lsoa_code IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM lsoa_lookup l WHERE l.lsoa11_code = i.lsoa_code OR l.lsoa21_code = i.lsoa_code)",
        )
        .await
        .unwrap();
    assert_eq!(single_i64(&unmatched), 1);
}

/// Compaction is a read cache: the same answers from one file per partition, used only
/// while the store's input files are the ones it was made from. Every ingest leaves a
/// concatenated one (row groups copied); `compact` rewrites it; the next ingest that
/// changes the inputs concatenates afresh.
#[tokio::test]
async fn compaction_gives_the_same_answers_and_is_remade_on_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra");
    std::fs::create_dir_all(&extra).unwrap();
    // A second file for 2024-05, so that partition has two input files.
    std::fs::write(
        extra.join("2024-05-extra-street.csv"),
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
         e1,2024-05,City of London Police,City of London Police,-0.09,51.515,On or near Somewhere,,,Robbery,Under investigation,\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    ingest(
        &store,
        &[
            fixtures().join("city-of-london"),
            extra.join("2024-05-extra-street.csv"),
        ],
        &IngestOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let question = "SELECT CAST(source AS VARCHAR) s, month, CAST(category AS VARCHAR) c, COUNT(*) n, SUM(harm_weight) h, \
                    MIN(source_line) l FROM incidents GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
    let session = Session::open(&store).await.unwrap();
    let before = session.sql(question).await.unwrap();
    // The ingest left a concatenated compaction: one file per partition, written once,
    // in which each input's rows are a run of row groups (the May police partition's
    // two inputs' one after the other).
    let made = session
        .manifest()
        .current_compaction()
        .expect("a current compaction")
        .clone();
    assert_eq!(made.method, crimescope_ingest::store::CompactionMethod::Concatenated);
    assert_eq!(made.outputs.len(), 24);
    assert!(
        made.outputs.iter().all(|o| o.path.starts_with("compacted/")),
        "{made:?}"
    );
    for file in &made.outputs {
        let inputs: Vec<_> = session
            .manifest()
            .outputs_of("incidents")
            .filter(|o| o.path == file.path)
            .collect();
        let expected = if file.path.contains("source=police/month=2024-05/") {
            2
        } else {
            1
        };
        assert_eq!(inputs.len(), expected, "{}", file.path);
        assert_eq!(inputs.iter().map(|o| o.rows).sum::<u64>(), file.rows, "{}", file.path);
        let mut next_group = 0;
        for input in inputs {
            let runs = input.row_groups.expect("an input's run of row groups");
            assert_eq!(runs.first, next_group, "{}", file.path);
            next_group += runs.count;
        }
    }
    let n = single_i64(&session.sql("SELECT COUNT(*) FROM incidents").await.unwrap());
    let loaded: u64 = session.manifest().outputs_of("incidents").map(|o| o.rows).sum();
    assert_eq!(n as u64, loaded, "every row of the per-input files, once");
    drop(session);

    let mut writer = crimescope_ingest::store::StoreWriter::open(&store, "harm_weights_v1").unwrap();
    let compaction = writer.compact().unwrap();
    drop(writer);
    let inputs = Session::open(&store)
        .await
        .unwrap()
        .manifest()
        .outputs_of("incidents")
        .count();
    assert_eq!(inputs, 25, "24 partitions, one of them with two input files");
    assert_eq!(compaction.outputs.len(), 24);
    let session = Session::open(&store).await.unwrap();
    assert!(session.manifest().current_compaction().is_some());
    assert_eq!(session.manifest().incidents_files().len(), 24);
    assert_eq!(
        session.sql(question).await.unwrap(),
        before,
        "the same answers from the compacted files"
    );
    for o in &compaction.outputs {
        assert!(store.join(&o.path).exists());
    }

    // A new input file: the rewritten compaction is stale; a concatenated one replaces it.
    std::fs::write(
        extra.join("2024-06-extra-street.csv"),
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
         e2,2024-06,City of London Police,City of London Police,-0.09,51.515,On or near Somewhere,,,Robbery,Under investigation,\n",
    )
    .unwrap();
    ingest(
        &store,
        &[extra.join("2024-06-extra-street.csv")],
        &IngestOptions::default(),
        &NoProgress,
    )
    .unwrap();
    // The session opened on the compacted store is still open: the stale copy's files
    // are retired, not deleted, and it still reads them and gets its answers.
    let compacted = session;
    let session = Session::open(&store).await.unwrap();
    let remade = session.manifest().current_compaction().expect("a current compaction");
    assert_eq!(remade.method, crimescope_ingest::store::CompactionMethod::Concatenated);
    assert_eq!(remade.outputs.len(), 24);
    assert!(
        compaction
            .outputs
            .iter()
            .all(|o| session.manifest().retired.contains(&o.path))
    );
    assert_eq!(compacted.sql(question).await.unwrap(), before);
    drop(compacted);
    // With no reader left, the next writer deletes them.
    let readers = session.manifest().clone();
    drop(session);
    drop(crimescope_ingest::store::StoreWriter::open(&store, "harm_weights_v1").unwrap());
    assert!(compaction.outputs.iter().all(|o| !store.join(&o.path).exists()));
    assert!(readers.retired.iter().all(|p| !store.join(p).exists()));
    let session = Session::open(&store).await.unwrap();
    assert!(session.manifest().retired.is_empty());
    let n = single_i64(&session.sql("SELECT COUNT(*) FROM incidents").await.unwrap());
    let was: i64 = before
        .iter()
        .map(|b| b.column(3).as_primitive::<Int64Type>().values().iter().sum::<i64>())
        .sum();
    assert_eq!(n, was + 1);
}

/// Queries see the stored text as `Utf8View`, in a session with or without outcomes or
/// an area, and every result leaves the session in the canonical `Utf8`: the rows
/// (`sql`, `run`) and the schema (`sql_schema`) alike, with the same values.
#[tokio::test]
async fn text_is_read_as_views_and_returned_as_canonical_text() {
    use crimescope_engine::arrow::datatypes::DataType;
    let plain_store = store_with(&[fixtures().join("city-of-london/2024-01-city-of-london-street.csv")]);
    let with_outcomes = store_with(&[fixtures().join("city-of-london")]);
    let plain = Session::open(plain_store.path()).await.unwrap();
    let outcomes = Session::open(with_outcomes.path()).await.unwrap();
    for (what, session) in [("plain", &plain), ("with outcomes", &outcomes)] {
        // Inside the query: views (with outcomes, on the view over the stored table).
        for column in ["location_text", "lsoa_code"] {
            let typed = session
                .sql(&format!("SELECT arrow_typeof({column}) FROM incidents LIMIT 1"))
                .await
                .unwrap();
            assert_eq!(single_string(&typed).as_deref(), Some("Utf8View"), "{what} {column}");
        }
        // Text inside a list leaves as Utf8 too.
        let listed = session
            .sql("SELECT array_agg(DISTINCT lsoa_code) FROM incidents")
            .await
            .unwrap();
        let list_type = listed[0].schema().field(0).data_type().clone();
        match &list_type {
            DataType::List(item) => assert_eq!(item.data_type(), &DataType::Utf8, "{what}"),
            other => panic!("{what}: array_agg gave {other}"),
        }
        // Out of it: Utf8, the canonical type, in the batches and the schema.
        let sql = "SELECT location_text, category, lsoa_code FROM incidents ORDER BY record_id";
        let batches = session.sql(sql).await.unwrap();
        let schema = session.sql_schema(sql).await.unwrap();
        assert_eq!(schema.field(0).data_type(), &DataType::Utf8, "{what}");
        assert_eq!(schema.field(2).data_type(), &DataType::Utf8, "{what}");
        for batch in &batches {
            assert_eq!(batch.schema().as_ref(), schema.as_ref(), "{what}");
        }
        // The same text as the query's own cast to Utf8 gives.
        let cast = session
            .sql("SELECT arrow_cast(location_text, 'Utf8'), category, arrow_cast(lsoa_code, 'Utf8') FROM incidents ORDER BY record_id")
            .await
            .unwrap();
        let text = |bs: &[RecordBatch], c: usize| -> Vec<Option<String>> {
            bs.iter()
                .flat_map(|b| {
                    let col = b.column(c).as_string::<i32>();
                    (0..col.len())
                        .map(|i| col.is_valid(i).then(|| col.value(i).to_string()))
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        assert!(!text(&batches, 0).is_empty(), "{what}");
        assert_eq!(text(&batches, 0), text(&cast, 0), "{what}");
        assert_eq!(text(&batches, 2), text(&cast, 2), "{what}");
    }
}

/// With an area the stored text is read as views for the placement, and `incidents`,
/// `incidents_all` and `incidents_placed` give results in the canonical types, the latest outcome
/// still applies, and the area's count is the one a filter on the codes gives.
#[tokio::test]
async fn an_area_session_shows_the_canonical_types_and_counts_by_code() {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use crimescope_engine::SessionOptions;
    use crimescope_engine::selection::{AreaSelection, Membership, Unplaceable};

    let store = store_with(&[
        fixtures().join("city-of-london"),
        fixtures().join("constructed-outcomes"),
    ]);
    let whole = Session::open(store.path()).await.unwrap();
    let codes_batches = whole
        .sql("SELECT DISTINCT lsoa_code FROM incidents WHERE lsoa_code IS NOT NULL ORDER BY 1")
        .await
        .unwrap();
    let known: BTreeSet<String> = codes_batches
        .iter()
        .flat_map(|b| {
            let col = b.column(0).as_string::<i32>();
            (0..col.len()).map(|i| col.value(i).to_string()).collect::<Vec<_>>()
        })
        .collect();
    assert!(known.len() > 4, "the fixture spans several LSOAs");
    // Every other code is the area's; the rest are known but outside.
    let codes: BTreeSet<String> = known.iter().step_by(2).cloned().collect();
    let list = codes.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
    let expected = single_i64(
        &whole
            .sql(&format!(
                "SELECT COUNT(*) FROM incidents WHERE lsoa_code IN ({list}) OR lsoa_code IS NULL"
            ))
            .await
            .unwrap(),
    );
    let options = SessionOptions {
        area: Some(AreaSelection {
            name: "Test area".into(),
            code: None,
            kind: "test".into(),
            rule: "every other LSOA of the fixture".into(),
            membership: Membership::Lsoas {
                codes,
                known: Arc::new(known),
                districts: Vec::new(),
            },
            unplaceable: Unplaceable::Count,
        }),
        ..SessionOptions::default()
    };
    let session = Session::open_with(store.path(), &options).await.unwrap();
    let types = |s: &crimescope_engine::arrow::datatypes::Schema| -> Vec<(String, String)> {
        s.fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().to_string()))
            .collect()
    };
    let canonical = types(&crimescope_model::schema::incidents_schema());
    for table in ["incidents", "incidents_all"] {
        let schema = session.sql_schema(&format!("SELECT * FROM {table}")).await.unwrap();
        assert_eq!(types(&schema), canonical, "{table}");
    }
    // Inside the query the text is views, as in a session without an area.
    for table in ["incidents", "incidents_all", "incidents_placed"] {
        let typed = session
            .sql(&format!("SELECT arrow_typeof(lsoa_code) FROM {table} LIMIT 1"))
            .await
            .unwrap();
        assert_eq!(single_string(&typed).as_deref(), Some("Utf8View"), "{table}");
    }
    let placed = session.sql_schema("SELECT * FROM incidents_placed").await.unwrap();
    let mut with_placement = canonical.clone();
    with_placement.push(("placement".into(), "Utf8".into()));
    assert_eq!(types(&placed), with_placement);
    assert_eq!(
        single_i64(&session.sql("SELECT COUNT(*) FROM incidents").await.unwrap()),
        expected
    );
    let charged_then_prison = "e7b720d0e1302d2d06db7b28b29132eb194864d44d79218a566f03d9e3c790f6";
    assert_eq!(
        single_string(
            &session
                .sql(&format!(
                    "SELECT outcome FROM incidents_all WHERE record_id = '{charged_then_prison}'"
                ))
                .await
                .unwrap()
        )
        .as_deref(),
        Some("Offender sent to prison")
    );
}
