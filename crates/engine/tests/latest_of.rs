//! `latest_of(value, month, source_file, source_line)` against two references on random
//! rows: a brute-force scan of the rows (every row, ties and nulls included), and
//! DataFusion's own `last_value(value ORDER BY month, source_file, source_line)` where
//! no two rows of a group share a key. The rows are split over batches and partitions,
//! so the partial, merged and final paths all run, with text and dictionary columns.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use crimescope_engine::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, DictionaryArray, Int64Array, RecordBatch, StringArray, UInt64Array,
};
use crimescope_engine::arrow::compute::cast;
use crimescope_engine::arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema};
use crimescope_engine::datafusion::datasource::MemTable;
use crimescope_engine::datafusion::prelude::{SessionConfig, SessionContext};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone)]
struct Row {
    group: i64,
    value: Option<String>,
    month: Option<i32>,
    file: Option<String>,
    line: Option<u64>,
}

/// `None` after every value.
fn nulls_last<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (a, b) => b.is_some().cmp(&a.is_some()),
    }
}

/// The reference: per group, the row greatest by (month, file, line, value), nulls last.
fn brute_force(rows: &[Row]) -> BTreeMap<i64, Option<String>> {
    let mut best: BTreeMap<i64, &Row> = BTreeMap::new();
    for row in rows {
        let order = |r: &Row| (r.month, r.file.clone(), r.line, r.value.clone());
        let after = |a: &Row, b: &Row| {
            let (a, b) = (order(a), order(b));
            nulls_last(&a.0, &b.0)
                .then(nulls_last(&a.1, &b.1))
                .then(nulls_last(&a.2, &b.2))
                .then(nulls_last(&a.3, &b.3))
                == Ordering::Greater
        };
        match best.get(&row.group) {
            Some(b) if !after(row, b) => {}
            _ => {
                best.insert(row.group, row);
            }
        }
    }
    best.into_iter().map(|(g, r)| (g, r.value.clone())).collect()
}

/// Random rows: few groups, values, files (one a prefix of another) and months, so
/// keys tie within a group; some nulls in every column when `nulls`.
fn random_rows(rng: &mut ChaCha8Rng, n: usize, nulls: bool) -> Vec<Row> {
    let values = [
        "Under investigation",
        "Suspect charged",
        "Local resolution",
        "Unable to prosecute suspect",
    ];
    let files = ["a.csv", "a.csv2", "b.csv", "2025-01-x-outcomes.csv"];
    let maybe = |rng: &mut ChaCha8Rng| !nulls || rng.random_range(0..20) != 0;
    (0..n)
        .map(|_| Row {
            group: rng.random_range(0..60),
            value: maybe(rng).then(|| values[rng.random_range(0..values.len())].to_string()),
            month: maybe(rng).then(|| 20_089 + 31 * rng.random_range(0..4)),
            file: maybe(rng).then(|| files[rng.random_range(0..files.len())].to_string()),
            line: maybe(rng).then(|| rng.random_range(2..12)),
        })
        .collect()
}

/// The rows as batches of at most `batch` rows, text columns as dictionaries or text.
fn batches(rows: &[Row], batch: usize, dictionary: bool) -> (Arc<Schema>, Vec<RecordBatch>) {
    let text_type = if dictionary {
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    } else {
        DataType::Utf8
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("g", DataType::Int64, false),
        Field::new("value", text_type.clone(), true),
        Field::new("month", DataType::Date32, true),
        Field::new("file", text_type, true),
        Field::new("line", DataType::UInt64, true),
    ]));
    let text = |texts: Vec<Option<&str>>| -> ArrayRef {
        if dictionary {
            Arc::new(texts.into_iter().collect::<DictionaryArray<Int32Type>>())
        } else {
            Arc::new(texts.into_iter().collect::<StringArray>())
        }
    };
    let out = rows
        .chunks(batch)
        .map(|chunk| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(chunk.iter().map(|r| r.group).collect::<Int64Array>()),
                    text(chunk.iter().map(|r| r.value.as_deref()).collect()),
                    Arc::new(chunk.iter().map(|r| r.month).collect::<Date32Array>()),
                    text(chunk.iter().map(|r| r.file.as_deref()).collect()),
                    Arc::new(chunk.iter().map(|r| r.line).collect::<UInt64Array>()),
                ],
            )
            .unwrap()
        })
        .collect();
    (schema, out)
}

/// A session on `rows` as table `t`, its batches dealt over `partitions` partitions.
/// With 3 partitions the partial aggregation is skipped from the first batch on, so
/// rows reach the final aggregation as states (`convert_to_state`).
fn context(rows: &[Row], dictionary: bool, partitions: usize) -> SessionContext {
    let mut config = SessionConfig::new()
        .with_target_partitions(partitions)
        .with_batch_size(37);
    if partitions == 3 {
        let execution = &mut config.options_mut().execution;
        execution.skip_partial_aggregation_probe_rows_threshold = 1;
        execution.skip_partial_aggregation_probe_ratio_threshold = 0.0;
    }
    let ctx = SessionContext::new_with_config(config);
    crimescope_engine::functions::register_functions(&ctx, &crimescope_model::HarmWeights::v1());
    let (schema, all) = batches(rows, 29, dictionary);
    let mut dealt = vec![Vec::new(); partitions];
    for (i, b) in all.into_iter().enumerate() {
        dealt[i % partitions].push(b);
    }
    ctx.register_table("t", Arc::new(MemTable::try_new(schema, dealt).unwrap()))
        .unwrap();
    ctx
}

async fn per_group(ctx: &SessionContext, sql: &str) -> BTreeMap<i64, Option<String>> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let mut out = BTreeMap::new();
    for batch in batches {
        let groups = cast(batch.column(0), &DataType::Int64).unwrap();
        let groups = groups.as_primitive::<Int64Type>();
        let values = cast(batch.column(1), &DataType::Utf8).unwrap();
        let values = values.as_string::<i32>();
        for i in 0..batch.num_rows() {
            let value = values.is_valid(i).then(|| values.value(i).to_string());
            assert!(
                out.insert(groups.value(i), value).is_none(),
                "group {} twice",
                groups.value(i)
            );
        }
    }
    out
}

const LATEST: &str = "SELECT g, latest_of(value, month, file, line) FROM t GROUP BY g";

#[tokio::test]
async fn latest_of_equals_a_brute_force_scan_with_ties_and_nulls() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for round in 0..12 {
        let rows = random_rows(&mut rng, 40 + 60 * round, round % 3 != 0);
        let expected = brute_force(&rows);
        for dictionary in [false, true] {
            for partitions in [1, 2, 3] {
                let got = per_group(&context(&rows, dictionary, partitions), LATEST).await;
                assert_eq!(
                    got, expected,
                    "round {round}, dictionary {dictionary}, {partitions} partitions"
                );
            }
        }
    }
}

#[tokio::test]
async fn latest_of_equals_datafusions_last_value_where_keys_are_distinct() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut rows = random_rows(&mut rng, 2_000, true);
    // Distinct (month, file, line) within each group: the line is the row's number.
    for (i, row) in rows.iter_mut().enumerate() {
        if row.line.is_some() {
            row.line = Some(i as u64);
        }
    }
    rows.retain(|r| r.line.is_some());
    let ctx = context(&rows, true, 3);
    let ours = per_group(&ctx, LATEST).await;
    let theirs = per_group(
        &ctx,
        "SELECT g, last_value(value ORDER BY month, file, line) FROM t GROUP BY g",
    )
    .await;
    assert_eq!(ours.len(), 60);
    assert_eq!(ours, theirs);
}

#[tokio::test]
async fn latest_of_without_groups_and_with_a_filter() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let rows = random_rows(&mut rng, 500, true);
    let ctx = context(&rows, false, 3);
    // No GROUP BY: the whole table is one group.
    let whole = brute_force(&rows.iter().map(|r| Row { group: 0, ..r.clone() }).collect::<Vec<_>>());
    let got = per_group(&ctx, "SELECT 0, latest_of(value, month, file, line) FROM t").await;
    assert_eq!(got, whole);
    // FILTER: the rows it leaves out do not count, and a group left with none is null.
    let kept: Vec<Row> = rows.iter().filter(|r| r.line.is_some_and(|l| l < 5)).cloned().collect();
    let mut expected: BTreeMap<i64, Option<String>> = rows.iter().map(|r| (r.group, None)).collect();
    expected.extend(brute_force(&kept));
    let got = per_group(
        &ctx,
        "SELECT g, latest_of(value, month, file, line) FILTER (WHERE line < 5) FROM t GROUP BY g",
    )
    .await;
    assert_eq!(got, expected);
    assert!(
        got.values().any(|v| v.is_none()),
        "no group was left empty; the case is untested"
    );
}

#[tokio::test]
async fn latest_of_refuses_arguments_of_the_wrong_type() {
    let ctx = context(&random_rows(&mut ChaCha8Rng::seed_from_u64(14), 10, false), false, 1);
    let Err(err) = ctx.sql("SELECT latest_of(value, line, file, line) FROM t").await else {
        panic!("a number where the month goes is refused");
    };
    assert!(err.to_string().contains("latest_of"), "{err}");
}
