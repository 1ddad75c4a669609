//! Repeat locations in two steps: every place's counts, then the text of the top places.
//!
//! `queries/repeat_locations.sql` gives every place with its counts and its text (the
//! least `location_text` of its incidents), sorted. On a national year that is 349,361
//! places, and the text and the sort were a third of `repeats --kind location`'s time,
//! though only the top places' text is shown (BENCHMARKS.md). So the counts come from
//! `queries/repeat_location_counts.sql` (unordered, no text), the totals and the top
//! places are taken here in one pass, and `queries/repeat_location_texts.sql` gives the
//! text of those places alone, with the same filters. The figures are the same as the
//! one query's, top places and their order included (tested against it). With a
//! category or theme chosen the rows are few and the one query is faster, so it is used.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use datafusion::arrow::array::{Array, AsArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;

use super::LocationRepeats;
use crate::error::{EngineError, Result};
use crate::queries;
use crate::session::Session;

/// The separator of the places passed to `repeat_location_texts` (U+001F, the unit
/// separator; the query splits on `chr(31)`).
const PLACE_SEPARATOR: char = '\u{1f}';

/// One place's counts: incidents, police, ASB, fire.
type Counts = [u64; 4];

/// A top place as [`LocationRepeats::top`] holds it.
type TopPlace = (String, String, u64, u64, u64, u64);

/// The figures for the query parameters `params`, with the `top` busiest places.
/// `narrow` (a category or theme chosen) takes them from the one query: with few rows
/// left by the filter, the second scan the text needs costs more than the text and the
/// sort save (BENCHMARKS.md).
pub(super) async fn location_repeats(
    session: &Session,
    params: &HashMap<String, String>,
    top: usize,
    narrow: bool,
) -> Result<LocationRepeats> {
    if narrow {
        return one_query(session, params, top).await;
    }
    let counts = session
        .run_builtin(queries::REPEAT_LOCATION_COUNTS.name, params)
        .await?;
    let (mut out, busiest) = figures(&counts, top)?;
    if busiest.iter().any(|(place, _)| place.contains(PLACE_SEPARATOR)) {
        // A place that holds the separator cannot be passed.
        return one_query(session, params, top).await;
    }
    let texts = if busiest.is_empty() {
        HashMap::new()
    } else {
        let mut params = params.clone();
        let places: Vec<&str> = busiest.iter().map(|(place, _)| place.as_str()).collect();
        params.insert("places".into(), places.join(&PLACE_SEPARATOR.to_string()));
        place_texts(
            &session
                .run_builtin(queries::REPEAT_LOCATION_TEXTS.name, &params)
                .await?,
        )?
    };
    out.top = busiest
        .into_iter()
        .map(|(place, [n, police, asb, fire])| {
            let text = texts.get(&place).cloned().unwrap_or_default();
            (place, text, n, police, asb, fire)
        })
        .collect();
    Ok(out)
}

/// The figures from `repeat_locations` alone, which sorts every place and gives each
/// its text.
async fn one_query(session: &Session, params: &HashMap<String, String>, top: usize) -> Result<LocationRepeats> {
    let all = session.run_builtin(queries::REPEAT_LOCATIONS.name, params).await?;
    let (mut out, _) = figures(&all, 0)?;
    out.top = first_rows_with_text(&all, top)?;
    Ok(out)
}

/// The totals over every place of `batches` (place, incidents, police, asb, fire), and
/// the `top` places in the order of `ORDER BY incidents DESC, place`.
fn figures(batches: &[RecordBatch], top: usize) -> Result<(LocationRepeats, Vec<(String, Counts)>)> {
    let mut out = LocationRepeats {
        locations: 0,
        repeat_locations: 0,
        incidents_located: 0,
        incidents_at_repeat_locations: 0,
        multi_source_locations: 0,
        top: Vec::new(),
        notes: Vec::new(),
    };
    // The `top` best seen so far under (incidents descending, place ascending); the
    // heap's greatest key is the worst of them, the one a better place replaces.
    let mut best: BinaryHeap<(Reverse<u64>, String, Counts)> = BinaryHeap::with_capacity(top + 1);
    for b in batches {
        let place = cast(b.column(0), &DataType::Utf8)?;
        let place = place.as_string::<i32>();
        let ints = (1..5).map(|c| int_column(b, c)).collect::<Result<Vec<_>>>()?;
        for r in 0..b.num_rows() {
            let counts: Counts = [0, 1, 2, 3].map(|c| ints[c].value(r).max(0) as u64);
            let n = counts[0];
            out.locations += 1;
            out.incidents_located += n;
            if n >= 2 {
                out.repeat_locations += 1;
                out.incidents_at_repeat_locations += n;
            }
            if counts[1..].iter().filter(|&&c| c > 0).count() > 1 {
                out.multi_source_locations += 1;
            }
            if top == 0 || place.is_null(r) {
                continue;
            }
            let name = place.value(r);
            let better_than_worst = match best.peek() {
                Some((Reverse(worst_n), worst_place, _)) if best.len() == top => {
                    n > *worst_n || (n == *worst_n && name < worst_place.as_str())
                }
                _ => true, // fewer than `top` so far
            };
            if better_than_worst {
                best.push((Reverse(n), name.to_string(), counts));
                if best.len() > top {
                    best.pop();
                }
            }
        }
    }
    let busiest = best
        .into_sorted_vec()
        .into_iter()
        .map(|(_, place, counts)| (place, counts))
        .collect();
    Ok((out, busiest))
}

fn int_column(batch: &RecordBatch, index: usize) -> Result<&Int64Array> {
    batch
        .column(index)
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| EngineError::internal(format!("repeat locations: column {index} is not a 64-bit count")))
}

/// place → text from `repeat_location_texts`'s rows (a null text as empty).
fn place_texts(batches: &[RecordBatch]) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for b in batches {
        let place = cast(b.column(0), &DataType::Utf8)?;
        let text = cast(b.column(1), &DataType::Utf8)?;
        let (place, text) = (place.as_string::<i32>(), text.as_string::<i32>());
        for r in 0..b.num_rows() {
            if place.is_valid(r) && text.is_valid(r) {
                out.insert(place.value(r).to_string(), text.value(r).to_string());
            }
        }
    }
    Ok(out)
}

/// The first `top` rows of `repeat_locations` (sorted by the query) with their text.
fn first_rows_with_text(batches: &[RecordBatch], top: usize) -> Result<Vec<TopPlace>> {
    let mut out = Vec::new();
    for b in batches {
        let place = cast(b.column(0), &DataType::Utf8)?;
        let place = place.as_string::<i32>();
        let text = cast(b.column(5), &DataType::Utf8)?;
        let text = text.as_string::<i32>();
        let ints = (1..5).map(|c| int_column(b, c)).collect::<Result<Vec<_>>>()?;
        for r in 0..b.num_rows() {
            if out.len() == top {
                return Ok(out);
            }
            let [n, police, asb, fire] = [0, 1, 2, 3].map(|c| ints[c].value(r).max(0) as u64);
            let text = if text.is_valid(r) {
                text.value(r).to_string()
            } else {
                String::new()
            };
            out.push((place.value(r).to_string(), text, n, police, asb, fire));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

    fn batch(rows: &[(&str, i64, i64, i64, i64)]) -> RecordBatch {
        let schema = Schema::new(
            ["place", "incidents", "police", "asb", "fire"]
                .iter()
                .enumerate()
                .map(|(i, n)| Field::new(*n, if i == 0 { DataType::Utf8 } else { DataType::Int64 }, false))
                .collect::<Vec<_>>(),
        );
        let mut columns: Vec<Arc<dyn Array>> = vec![Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0)))];
        for c in 0..4 {
            columns.push(Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| [r.1, r.2, r.3, r.4][c]),
            )));
        }
        RecordBatch::try_new(Arc::new(schema), columns).unwrap()
    }

    #[test]
    fn the_top_places_are_the_first_in_count_then_place_order_whatever_the_row_order() {
        let rows = [
            ("b", 5, 5, 0, 0),
            ("a", 5, 4, 1, 0),
            ("d", 1, 1, 0, 0),
            ("c", 7, 3, 3, 1),
            ("e", 5, 0, 5, 0),
            ("f", 2, 1, 1, 0),
        ];
        // Sorted as the query's ORDER BY incidents DESC, place would sort them.
        let mut sorted = rows.to_vec();
        sorted.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        for top in 0..=7 {
            // Every rotation of the rows, split over two batches.
            for shift in 0..rows.len() {
                let mut rotated = rows.to_vec();
                rotated.rotate_left(shift);
                let batches = [batch(&rotated[..3]), batch(&rotated[3..])];
                let (out, busiest) = figures(&batches, top).unwrap();
                let names: Vec<&str> = busiest.iter().map(|(p, _)| p.as_str()).collect();
                let expected: Vec<&str> = sorted.iter().take(top).map(|r| r.0).collect();
                assert_eq!(names, expected, "top {top}, shift {shift}");
                assert_eq!(out.locations, 6);
                assert_eq!(out.incidents_located, 25);
                assert_eq!(out.repeat_locations, 5);
                assert_eq!(out.incidents_at_repeat_locations, 24);
                // a, c and f have two or more sources.
                assert_eq!(out.multi_source_locations, 3);
            }
        }
    }
}
