//! Small builders shared by the sections: Arrow batches to document tables, and the
//! number formats of the prose.

use crimescope_report::table::{Column, ColumnKind, Table};
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::{Map, Value, json};

use crate::error::Result;
use crate::hotspots::batch_rows;

/// The rows of batches as JSON objects.
pub(crate) fn records(batches: &[RecordBatch]) -> Result<Vec<Map<String, Value>>> {
    let mut out = Vec::new();
    for b in batches {
        out.extend(batch_rows(b)?);
    }
    Ok(out)
}

/// A table from JSON records: `columns` are (record key, label, kind).
pub(crate) fn table_from_records(
    id: &str,
    title: &str,
    records: &[Map<String, Value>],
    columns: &[(&str, &str, ColumnKind)],
) -> Table {
    let mut t = Table::new(
        id,
        title,
        columns.iter().map(|(n, l, k)| Column::new(n, l, *k)).collect(),
    );
    for r in records {
        t.push(
            columns
                .iter()
                .map(|(n, _, _)| r.get(*n).cloned().unwrap_or(Value::Null))
                .collect(),
        );
    }
    t
}

/// A number from a record (integers and floats; null and text give `None`).
pub(crate) fn num(r: &Map<String, Value>, key: &str) -> Option<f64> {
    r.get(key).and_then(Value::as_f64)
}

/// A count from a record (0 when missing).
pub(crate) fn count(r: &Map<String, Value>, key: &str) -> u64 {
    r.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// A text field from a record.
pub(crate) fn text(r: &Map<String, Value>, key: &str) -> String {
    match r.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// A float rounded for the document (4 decimals), or null when not finite.
pub(crate) fn round(x: f64, places: i32) -> Value {
    if x.is_finite() {
        let f = 10f64.powi(places);
        json!((x * f).round() / f)
    } else {
        Value::Null
    }
}

/// "1,234" style thousands separators for prose.
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// "up 12 (+8.1%)", "down 3 (−2.0%)", "unchanged" for prose.
pub(crate) fn change_words(current: u64, previous: u64) -> String {
    let change = current as i64 - previous as i64;
    let pct = if previous > 0 {
        format!(" ({:+.1}%)", 100.0 * change as f64 / previous as f64)
    } else {
        String::new()
    };
    match change {
        0 => "unchanged".to_string(),
        c if c > 0 => format!("up {}{pct}", thousands(c as u64)),
        c => format!("down {}{pct}", thousands(c.unsigned_abs())),
    }
}

/// The Wheeler z verdict in words.
pub(crate) fn significance_words(z: f64) -> &'static str {
    if z >= 1.96 {
        "a significant increase"
    } else if z <= -1.96 {
        "a significant decrease"
    } else {
        "no significant change"
    }
}

/// Red / amber / green for a change: red is a significant move against the aim, green
/// a significant move with it, amber no significant change.
pub(crate) fn rag(z: f64, aim_reduce: bool) -> &'static str {
    let against = if aim_reduce { z >= 1.96 } else { z <= -1.96 };
    let with = if aim_reduce { z <= -1.96 } else { z >= 1.96 };
    if against {
        "red"
    } else if with {
        "green"
    } else {
        "amber"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_formats() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(change_words(110, 100), "up 10 (+10.0%)");
        assert_eq!(change_words(5, 0), "up 5");
        assert_eq!(change_words(90, 100), "down 10 (-10.0%)");
        assert_eq!(rag(2.5, true), "red");
        assert_eq!(rag(-2.5, true), "green");
        assert_eq!(rag(-2.5, false), "red");
        assert_eq!(rag(1.0, true), "amber");
    }
}
