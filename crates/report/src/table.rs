//! The tables of the document: every figure the Strategic Assessment shows in a table is
//! a [`Table`], so that one disclosure-control pass, one CSV writer and one JSON shape
//! serve them all.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a column holds, which decides how disclosure control treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Labels: categories, areas, months. Never suppressed.
    Text,
    /// A count of incidents, people or places: primary suppression applies to values
    /// from 1 to threshold − 1, and secondary suppression protects them.
    Count,
    /// A figure computed from the counts of its row (change, percentage, z, harm,
    /// rate): suppressed wherever a count in the same row is suppressed, because it
    /// would give the count back.
    Derived,
    /// A figure that does not disclose a small count (a share of the whole area, a
    /// score, a p-value over many cells). Never suppressed.
    Measure,
    /// A pseudonymised person key: the whole table is left out of public output.
    PersonKey,
    /// A short sentence written from counts (a cell of the plan on a page): whole
    /// numbers from 1 to threshold − 1 in it are suppressed as in paragraphs.
    Prose,
}

/// Where a table is printed in the document a reader sees. JSON and CSV hold every
/// table whatever its placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// In its section: a table the section's text needs.
    #[default]
    Body,
    /// In the appendix of tables, under its section's title, with a pointer left in the
    /// section (see [`crate::document::gather_appendix_tables`]).
    Appendix,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The machine name, used as the JSON key and the CSV header.
    pub name: String,
    /// The heading a reader sees.
    pub label: String,
    /// What the column holds.
    pub kind: ColumnKind,
}

impl Column {
    /// A column.
    pub fn new(name: &str, label: &str, kind: ColumnKind) -> Column {
        Column {
            name: name.to_string(),
            label: label.to_string(),
            kind,
        }
    }
}

/// A table of the document.
///
/// Values are JSON values: numbers, strings, booleans or null. After disclosure control
/// a suppressed count is the string `"<5"` (for a threshold of 5) and a suppressed
/// derived figure is `"*"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// A file-name-safe identifier, unique in the document (`tables/<id>.csv`).
    pub id: String,
    /// The caption.
    pub title: String,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// The last row holds the column totals of the rows above it.
    pub total_row: bool,
    /// The column, if any, that holds each row's total of the other count columns.
    pub total_column: Option<usize>,
    /// The table names or ranks people (top victims, top offenders) and is left out
    /// of public output whatever its columns.
    pub sensitive: bool,
    /// A note printed under the table.
    pub note: Option<String>,
    /// In the section's body or in the appendix of tables.
    #[serde(default)]
    pub placement: Placement,
}

impl Table {
    /// An empty table with columns given as (name, label, kind).
    pub fn with_columns(id: &str, title: &str, columns: &[(&str, &str, ColumnKind)]) -> Table {
        Table::new(
            id,
            title,
            columns.iter().map(|&(n, l, k)| Column::new(n, l, k)).collect(),
        )
    }

    /// An empty table.
    pub fn new(id: &str, title: &str, columns: Vec<Column>) -> Table {
        Table {
            id: id.to_string(),
            title: title.to_string(),
            columns,
            rows: Vec::new(),
            total_row: false,
            total_column: None,
            sensitive: false,
            note: None,
            placement: Placement::Body,
        }
    }

    /// Add a row. Rows shorter than the columns are padded with nulls.
    pub fn push(&mut self, mut row: Vec<Value>) {
        row.resize(self.columns.len(), Value::Null);
        self.rows.push(row);
    }

    /// Set the note.
    pub fn with_note(mut self, note: impl Into<String>) -> Table {
        self.note = Some(note.into());
        self
    }

    /// Print the table in the appendix of tables rather than in its section.
    pub fn in_appendix(mut self) -> Table {
        self.placement = Placement::Appendix;
        self
    }

    /// The index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The rows as JSON objects keyed by column name (the shape of `assessment.json`).
    pub fn records(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|row| {
                let mut m = Map::new();
                for (c, v) in self.columns.iter().zip(row) {
                    m.insert(c.name.clone(), v.clone());
                }
                Value::Object(m)
            })
            .collect()
    }

    /// Whether the table holds pseudonymised keys or is marked sensitive.
    pub fn is_personal(&self) -> bool {
        self.sensitive || self.columns.iter().any(|c| c.kind == ColumnKind::PersonKey)
    }

    /// Write the table as CSV (header of column names; strings as they are, numbers in
    /// full precision, null as empty).
    pub fn write_csv<W: std::io::Write>(&self, out: W) -> csv::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.columns.iter().map(|c| c.name.as_str()))?;
        for row in &self.rows {
            w.write_record(row.iter().map(cell_text))?;
        }
        w.flush()?;
        Ok(())
    }
}

/// A value as plain text: strings unquoted, null empty, numbers in full.
pub fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_key_rows_by_column_name_and_csv_writes_plain_values() {
        let mut t = Table::new(
            "t",
            "T",
            vec![
                Column::new("category", "Category", ColumnKind::Text),
                Column::new("current", "Current", ColumnKind::Count),
            ],
        );
        t.push(vec![json!("Burglary, dwelling"), json!(12)]);
        t.push(vec![json!("Robbery")]);
        assert_eq!(t.records()[0], json!({"category": "Burglary, dwelling", "current": 12}));
        assert_eq!(t.records()[1]["current"], Value::Null);
        let mut out = Vec::new();
        t.write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "category,current\n\"Burglary, dwelling\",12\nRobbery,\n"
        );
    }
}
