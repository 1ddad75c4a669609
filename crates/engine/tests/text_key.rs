//! `text_key` groups as the text it keys: for every dictionary-encoded column of
//! `incidents`, grouping on `text_key(column)` and taking the text back with
//! `any_value` gives the groups and counts that DataFusion's own grouping on the column
//! gives, null group included, across the store's many files and batches; and
//! `text_month_key(column, month)`, with the month taken back by `key_month`, gives the
//! groups of the column and the month.

use std::collections::BTreeMap;

use crimescope_engine::Session;
use crimescope_engine::arrow::array::{Array, AsArray, RecordBatch};
use crimescope_engine::arrow::compute::cast;
use crimescope_engine::arrow::datatypes::{DataType, Int64Type};

mod common;

/// (text or None, count) of a two-column result.
fn counts(batches: &[RecordBatch]) -> BTreeMap<Option<String>, i64> {
    let mut out = BTreeMap::new();
    for batch in batches {
        let text = cast(batch.column(0), &DataType::Utf8).unwrap();
        let text = text.as_string::<i32>();
        let n = cast(batch.column(1), &DataType::Int64).unwrap();
        let n = n.as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            let previous = out.insert(text.is_valid(i).then(|| text.value(i).to_string()), n.value(i));
            assert!(previous.is_none(), "a text appears in two groups");
        }
    }
    out
}

async fn dictionary_columns(session: &Session) -> Vec<String> {
    let schema = session.sql_schema("SELECT * FROM incidents").await.unwrap();
    schema
        .fields()
        .iter()
        .filter(|f| matches!(f.data_type(), DataType::Dictionary(_, _)))
        .map(|f| f.name().clone())
        .collect()
}

#[tokio::test]
async fn grouping_on_text_key_gives_the_groups_of_the_text() {
    let (_dir, session) = common::city_store().await;
    let columns = dictionary_columns(&session).await;
    assert!(columns.len() >= 5, "{columns:?}");
    let mut saw_null_group = false;
    for column in &columns {
        let by_text = counts(
            &session
                .sql(&format!("SELECT {column}, COUNT(*) FROM incidents GROUP BY {column}"))
                .await
                .unwrap(),
        );
        let by_key = counts(
            &session
                .sql(&format!(
                    "SELECT any_value({column}), COUNT(*) FROM incidents GROUP BY text_key({column})"
                ))
                .await
                .unwrap(),
        );
        assert_eq!(by_key, by_text, "{column}");
        saw_null_group |= by_text.contains_key(&None);
    }
    assert!(saw_null_group, "no column of {columns:?} has a null group");
}

#[tokio::test]
async fn text_key_refuses_a_number() {
    let (_dir, session) = common::city_store().await;
    let err = session
        .sql("SELECT text_key(easting) FROM incidents")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must be text"), "{err}");
}

/// (text or None, month as text, count) of a three-column result.
fn counts_by_month(batches: &[RecordBatch]) -> BTreeMap<(Option<String>, String), i64> {
    let mut out = BTreeMap::new();
    for batch in batches {
        let text = cast(batch.column(0), &DataType::Utf8).unwrap();
        let text = text.as_string::<i32>();
        let month = cast(batch.column(1), &DataType::Utf8).unwrap();
        let month = month.as_string::<i32>();
        let n = cast(batch.column(2), &DataType::Int64).unwrap();
        let n = n.as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            assert!(month.is_valid(i), "a null month");
            let key = (
                text.is_valid(i).then(|| text.value(i).to_string()),
                month.value(i).to_string(),
            );
            assert!(
                out.insert(key, n.value(i)).is_none(),
                "a text and month appear in two groups"
            );
        }
    }
    out
}

#[tokio::test]
async fn grouping_on_text_month_key_gives_the_groups_of_the_text_and_month() {
    let (_dir, session) = common::city_store().await;
    let columns = dictionary_columns(&session).await;
    let mut months_per_text = 0;
    for column in &columns {
        let by_text = counts_by_month(
            &session
                .sql(&format!(
                    "SELECT {column}, month, COUNT(*) FROM incidents GROUP BY {column}, month"
                ))
                .await
                .unwrap(),
        );
        let by_key = counts_by_month(
            &session
                .sql(&format!(
                    "SELECT any_value({column}), key_month(text_month_key({column}, month)), COUNT(*) \
                     FROM incidents GROUP BY text_month_key({column}, month)"
                ))
                .await
                .unwrap(),
        );
        assert_eq!(by_key, by_text, "{column}");
        months_per_text = months_per_text.max(by_text.len());
    }
    // The City store spans twelve months, so some column's texts recur month by month.
    assert!(months_per_text >= 12, "{months_per_text}");
}
