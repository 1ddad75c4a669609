//! Golden `.slt` tests for every named query in `queries/`, run through sqllogictest
//! against crimescope's own session on a fixture store.
//!
//! The store: the City of London 2024 street files and constructed outcomes, the
//! Chicago 2010–2014 assaults (times to the minute), and a constructed LSOA population
//! table (not ONS figures). Besides plain SQL, a record may run a named query with
//! bound parameters:
//!
//! ```text
//! query TIIIRRB
//! RUN trend_by_category period_start=2024-07 period_end=2024-12 compare_start=2024-01 compare_end=2024-06
//! ```
//!
//! `__limit=N` keeps the first N rows of a long result. Floats print with 3 decimals, NULL as `NULL`. To regenerate the expected results
//! after a deliberate change, run with `CRIMESCOPE_SLT_COMPLETE=1` and review the diff:
//! the counts in these files are cross-checked against the raw CSVs by `tests/trend.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crimescope_engine::arrow::array::{Array, AsArray, RecordBatch};
use crimescope_engine::arrow::compute::cast;
use crimescope_engine::arrow::datatypes::{DataType, Float64Type};
use crimescope_engine::queries::QueryCatalog;
use crimescope_engine::{EngineError, Session};
use crimescope_ingest::{IngestOptions, NoProgress, ingest};
use sqllogictest::{DBOutput, DefaultColumnType};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

struct Crimescope {
    session: Arc<Session>,
    catalog: Arc<QueryCatalog>,
}

/// `name k=v k='v w'` → (name, params); `''` inside quotes is one quote.
fn parse_run(text: &str) -> (String, HashMap<String, String>) {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.trim().chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\'' if quoted && chars.peek() == Some(&'\'') => {
                chars.next();
                current.push('\'');
            }
            '\'' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let name = words.remove(0);
    let params = words
        .into_iter()
        .map(|w| {
            let (k, v) = w.split_once('=').expect("parameters are key=value");
            (k.to_string(), v.to_string())
        })
        .collect();
    (name, params)
}

fn to_output(batches: &[RecordBatch]) -> DBOutput<DefaultColumnType> {
    let mut types = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    if let Some(b) = batches.first() {
        for f in b.schema().fields() {
            types.push(match f.data_type() {
                DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64 => DefaultColumnType::Integer,
                DataType::Float32 | DataType::Float64 => DefaultColumnType::FloatingPoint,
                _ => DefaultColumnType::Text,
            });
        }
    }
    for b in batches {
        let cols: Vec<Vec<String>> = b
            .columns()
            .iter()
            .map(|c| {
                if let DataType::Float64 = c.data_type() {
                    let f = c.as_primitive::<Float64Type>();
                    return (0..f.len())
                        .map(|i| {
                            if f.is_valid(i) {
                                format!("{:.3}", f.value(i))
                            } else {
                                "NULL".into()
                            }
                        })
                        .collect();
                }
                let s = cast(c, &DataType::Utf8).expect("every column casts to text");
                let s = s.as_string::<i32>();
                (0..s.len())
                    .map(|i| match s.is_valid(i) {
                        false => "NULL".into(),
                        true if s.value(i).is_empty() => "(empty)".into(),
                        true => s.value(i).to_string(),
                    })
                    .collect()
            })
            .collect();
        for r in 0..b.num_rows() {
            rows.push(cols.iter().map(|c| c[r].clone()).collect());
        }
    }
    DBOutput::Rows { types, rows }
}

fn first_rows(batches: &[RecordBatch], n: usize) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let mut left = n;
    for b in batches {
        if left == 0 {
            break;
        }
        let take = left.min(b.num_rows());
        out.push(b.slice(0, take));
        left -= take;
    }
    out
}

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for Crimescope {
    type Error = EngineError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, EngineError> {
        let batches = match sql.trim().strip_prefix("RUN ") {
            Some(call) => {
                let (name, mut params) = parse_run(call);
                // `__limit=N` is the runner's, not the query's: keep the first N rows.
                let limit = params.remove("__limit").map(|n| n.parse::<usize>().expect("__limit=N"));
                let batches = self.session.run(self.catalog.get(&name)?, &params).await?;
                match limit {
                    Some(n) => first_rows(&batches, n),
                    None => batches,
                }
            }
            None => self.session.sql(sql).await?,
        };
        Ok(to_output(&batches))
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "crimescope"
    }
}

async fn fixture_store(dir: &Path) -> Session {
    ingest(
        dir,
        &[
            fixtures().join("police-uk/city-of-london"),
            fixtures().join("police-uk/constructed-outcomes"),
        ],
        &IngestOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let chicago = IngestOptions::default().with_mapping(
        crimescope_ingest::mapping::MappingProfile::load(&fixtures().join("profiles/chicago-assaults.toml")).unwrap(),
    );
    ingest(
        dir,
        &[fixtures().join("real/chicago-aggravated-assaults-2010-2014.csv.gz")],
        &chicago,
        &NoProgress,
    )
    .unwrap();
    let pop = dir.join("population.csv");
    std::fs::write(
        &pop,
        "area_code,area_name,population\nE01032739,City of London 001F,2000\nE01032740,City of London 001G,1500\n",
    )
    .unwrap();
    crimescope_ingest::population::add_population(
        dir,
        &pop,
        crimescope_model::AreaLevel::Lsoa,
        &crimescope_ingest::population::PopulationColumns::default(),
    )
    .unwrap();
    // The dated rows are Chicago's: read hours and days on the city's clock.
    let options = crimescope_engine::SessionOptions {
        clock_zone: crimescope_ingest::local_time::LocalZone::parse("America/Chicago").unwrap(),
        ..crimescope_engine::SessionOptions::default()
    };
    Session::open_with(dir, &options).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn golden_slt_files() {
    let dir = tempfile::tempdir().unwrap();
    let session = Arc::new(fixture_store(dir.path()).await);
    let catalog = Arc::new(QueryCatalog::builtin().unwrap());
    let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&queries)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    // Every named query except the view definition has a golden file.
    for q in crimescope_engine::queries::ALL {
        if q.name != "incidents_with_latest_outcome" {
            assert!(
                queries.join(format!("{}.slt", q.name)).exists(),
                "queries/{}.slt is missing",
                q.name
            );
        }
    }
    let complete = std::env::var_os("CRIMESCOPE_SLT_COMPLETE").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let (s, c) = (session.clone(), catalog.clone());
        let mut runner = sqllogictest::Runner::new(move || {
            let (s, c) = (s.clone(), c.clone());
            async move { Ok::<_, EngineError>(Crimescope { session: s, catalog: c }) }
        });
        if complete {
            runner
                .update_test_file(
                    file,
                    " ",
                    sqllogictest::default_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::default_column_validator,
                )
                .await
                .unwrap();
        } else if let Err(e) = runner.run_file_async(file).await {
            failures.push(format!("{}: {e}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(files.len() >= 12, "found only {} .slt files", files.len());
}
