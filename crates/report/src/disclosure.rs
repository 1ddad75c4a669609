//! Statistical disclosure control for the published (`--public`) version of the document.
//!
//! The method is cell suppression, as described in the ONS guidance "Statistical
//! disclosure control" and in Hundepool et al. (2012), *Statistical Disclosure Control*,
//! Wiley, ch. 4:
//!
//! 1. **Tables about people are left out.** A table with a
//!    [`ColumnKind::PersonKey`] column, or marked sensitive, is removed with a note,
//!    and so are the person-level entries of [`Assessment::data`]
//!    ([`PERSONAL_DATA_KEYS`]).
//! 2. **Primary suppression.** Every cell of a [`ColumnKind::Count`] column (totals
//!    included) from 1 to threshold − 1 is replaced by the marker `"<5"` (for a
//!    threshold of 5). Zero is shown: it discloses no one.
//! 3. **Secondary (complementary) suppression.** A line is the members of one row or
//!    column with the cell that holds their total (a column above a total row; a row left
//!    of a total column; when a table has both, the total row is a line too). A line whose
//!    total is shown and that has exactly one suppressed member would give that member
//!    back as total − others, so a second member is suppressed: the smallest shown value,
//!    non-zero preferred, lowest index on ties; if none is left, the total is suppressed.
//!    A suppression in a column can expose a row, so the lines are gone over until nothing
//!    changes. Complementary cells carry the same marker, so a reader cannot tell which
//!    are small.
//! 4. **Derived figures.** A change, rate or z-score computed from a row's counts would
//!    give a suppressed count back, so every [`ColumnKind::Derived`] value of a row with a
//!    suppressed count becomes [`DERIVED_MARKER`].
//!
//! The line rule protects against recovery from a *single* row or column total. It is the
//! heuristic of Hundepool et al. §4.2, not an optimal solution and not a full
//! linear-programming audit of 2-D tables: with several suppressed cells in a grid, the
//! interval a suppressed cell could lie in is not computed, and a combination of rows and
//! columns may still narrow it.

use serde::Serialize;
use serde_json::Value;

use crate::document::Assessment;
use crate::table::{ColumnKind, Table, cell_text};

/// What a suppressed derived figure is replaced by.
pub const DERIVED_MARKER: &str = "*";

/// The keys of [`Assessment::data`] that hold person-level figures and are removed from
/// public output.
pub const PERSONAL_DATA_KEYS: &[&str] = &["top_victims", "top_offenders", "person_keys"];

/// The string a suppressed count is replaced by: `"<5"` for a threshold of 5.
pub fn suppression_marker(threshold: u64) -> String {
    format!("<{threshold}")
}

/// How many cells of a table (or of a document) were suppressed, by rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SuppressionReport {
    /// Counts from 1 to threshold − 1.
    pub primary: usize,
    /// Complementary cells suppressed so that a primary cell cannot be recovered from a
    /// row or column total.
    pub secondary: usize,
    /// Derived figures in rows with a suppressed count.
    pub derived: usize,
    /// Small whole numbers in [`ColumnKind::Prose`] cells.
    pub prose: usize,
}

impl std::ops::AddAssign for SuppressionReport {
    fn add_assign(&mut self, other: SuppressionReport) {
        self.primary += other.primary;
        self.secondary += other.secondary;
        self.derived += other.derived;
        self.prose += other.prose;
    }
}

/// What [`make_public`] did to the document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DisclosureReport {
    /// The ids of the tables left out because they list people.
    pub removed_tables: Vec<String>,
    /// The keys of [`Assessment::data`] removed ([`PERSONAL_DATA_KEYS`] that were present).
    pub removed_data_keys: Vec<String>,
    /// The cells suppressed over all remaining tables.
    pub cells: SuppressionReport,
    /// Small whole numbers replaced in the prose.
    pub prose: usize,
    /// Chart and map tooltips removed.
    pub tooltips: usize,
}

/// A row or column of members and the cell that holds their total.
struct Line {
    members: Vec<(usize, usize)>,
    total: (usize, usize),
}

fn columns_of(table: &Table, kind: ColumnKind) -> Vec<usize> {
    (0..table.columns.len())
        .filter(|&c| table.columns[c].kind == kind)
        .collect()
}

fn cell(table: &Table, (r, c): (usize, usize)) -> &Value {
    table.rows.get(r).and_then(|row| row.get(c)).unwrap_or(&Value::Null)
}

fn small(value: &Value, threshold: u64) -> Option<f64> {
    value.as_f64().filter(|&n| n > 0.0 && n < threshold as f64)
}

fn row_name(table: &Table, r: usize) -> String {
    let label = (0..table.columns.len())
        .find(|&c| table.columns[c].kind == ColumnKind::Text)
        .map(|c| cell_text(cell(table, (r, c))))
        .unwrap_or_default();
    format!("row {r} ({label})")
}

fn lines(table: &Table) -> Vec<Line> {
    let counts = columns_of(table, ColumnKind::Count);
    let n = table.rows.len();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    if table.total_row {
        for &c in &counts {
            out.push(Line {
                members: (0..n - 1).map(|r| (r, c)).collect(),
                total: (n - 1, c),
            });
        }
    }
    if let Some(t) = table.total_column.filter(|&t| t < table.columns.len()) {
        for r in 0..n {
            out.push(Line {
                members: counts.iter().filter(|&&c| c != t).map(|&c| (r, c)).collect(),
                total: (r, t),
            });
        }
    }
    out
}

/// The cell to suppress so that the line no longer gives a suppressed member back.
fn complement(table: &Table, line: &Line, marker: &str) -> Option<(usize, usize)> {
    if !cell(table, line.total).is_number() {
        return None;
    }
    let hidden = |m: &&(usize, usize)| cell(table, **m).as_str() == Some(marker);
    if line.members.iter().filter(hidden).count() != 1 {
        return None;
    }
    let best = line
        .members
        .iter()
        .filter_map(|&m| cell(table, m).as_f64().map(|v| (m, v)))
        .min_by(|a, b| (a.1 == 0.0).cmp(&(b.1 == 0.0)).then(a.1.total_cmp(&b.1)));
    Some(best.map_or(line.total, |(m, _)| m))
}

/// Apply primary, secondary and derived suppression to one table (see the module
/// documentation) and say how many cells each rule suppressed.
pub fn suppress_table(table: &mut Table, threshold: u64) -> SuppressionReport {
    let marker = suppression_marker(threshold);
    let counts = columns_of(table, ColumnKind::Count);
    let derived = columns_of(table, ColumnKind::Derived);
    let mut report = SuppressionReport::default();
    for row in &mut table.rows {
        for &c in &counts {
            if let Some(v) = row.get_mut(c)
                && small(v, threshold).is_some()
            {
                *v = Value::String(marker.clone());
                report.primary += 1;
            }
        }
    }
    let lines = lines(table);
    loop {
        let mut changed = false;
        for line in &lines {
            if let Some((r, c)) = complement(table, line, &marker) {
                table.rows[r][c] = Value::String(marker.clone());
                report.secondary += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for row in &mut table.rows {
        let hit = counts
            .iter()
            .any(|&c| row.get(c).and_then(Value::as_str) == Some(marker.as_str()));
        if !hit {
            continue;
        }
        for &c in &derived {
            if let Some(v) = row.get_mut(c)
                && !v.is_null()
                && v.as_str() != Some(DERIVED_MARKER)
            {
                *v = Value::String(DERIVED_MARKER.to_string());
                report.derived += 1;
            }
        }
    }
    let prose = columns_of(table, ColumnKind::Prose);
    for row in &mut table.rows {
        for &c in &prose {
            if let Some(Value::String(text)) = row.get_mut(c) {
                let (suppressed, n) = suppress_small_numbers(text, threshold);
                *text = suppressed;
                report.prose += n;
            }
        }
    }
    report
}

/// Suppress small counts in the properties of a GeoJSON FeatureCollection: every
/// property named in `keys` whose value is a number from 1 to threshold − 1 becomes the
/// marker. Returns how many were suppressed. Features carry no totals, so primary
/// suppression is enough.
pub fn suppress_geojson_counts(geojson: &mut Value, keys: &[&str], threshold: u64) -> usize {
    let marker = suppression_marker(threshold);
    let mut n = 0;
    if let Some(features) = geojson.get_mut("features").and_then(Value::as_array_mut) {
        for f in features {
            if let Some(props) = f.get_mut("properties").and_then(Value::as_object_mut) {
                for key in keys {
                    if let Some(v) = props.get_mut(*key)
                        && v.as_f64().is_some_and(|x| x > 0.0 && x < threshold as f64)
                    {
                        *v = Value::String(marker.clone());
                        n += 1;
                    }
                }
            }
        }
    }
    n
}

/// Replace every whole number from 1 to threshold − 1 in prose with the marker. A
/// number is a run of digits not joined to a letter, a digit group or a date by `.`,
/// `-`, `:`, `/` or `,`, so periods (2024-07), codes (E01000001), decimals (2.50) and
/// thousands (1,234) are left alone. This over-suppresses small numbers that are not
/// counts ("3 themes"), which is the safe direction. Returns the text and how many were
/// replaced.
pub fn suppress_small_numbers(text: &str, threshold: u64) -> (String, usize) {
    let marker = suppression_marker(threshold);
    let chars: Vec<char> = text.chars().collect();
    // A neighbour joins the digits to a larger token; `.` and `,` join only when a digit
    // lies beyond them (2.50, 1,234), not at the end of a sentence or clause.
    let joins = |c: Option<&char>, beyond: Option<&char>| {
        c.is_some_and(|c| {
            c.is_alphanumeric()
                || "-:/%_".contains(*c)
                || (".,".contains(*c) && beyond.is_some_and(char::is_ascii_digit))
        })
    };
    let mut out = String::with_capacity(text.len());
    let mut n = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            let before = if start > 0 { chars.get(start - 1) } else { None };
            let before2 = if start > 1 { chars.get(start - 2) } else { None };
            let value = token.parse::<u64>().unwrap_or(0);
            if !joins(before, before2) && !joins(chars.get(i), chars.get(i + 1)) && value >= 1 && value < threshold {
                out.push_str(&marker);
                n += 1;
            } else {
                out.push_str(&token);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    (out, n)
}

/// Remove the hover tooltips (`<title>` elements after the first, which titles the
/// chart) from an inline SVG: they carry the exact count of each cell and month.
pub fn strip_svg_tooltips(svg: &str) -> (String, usize) {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    let mut seen = 0;
    let mut removed = 0;
    while let Some(start) = rest.find("<title>") {
        let Some(end) = rest[start..].find("</title>") else {
            break;
        };
        let end = start + end + "</title>".len();
        out.push_str(&rest[..start]);
        if seen == 0 {
            out.push_str(&rest[start..end]);
        } else {
            removed += 1;
        }
        seen += 1;
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, removed)
}

/// Make the document fit for publication: leave out the tables about people (with a
/// paragraph saying so), suppress small counts in every other table at
/// `meta.threshold` (and small whole numbers in the prose, and chart tooltips), remove [`PERSONAL_DATA_KEYS`] from the data, and mark it
/// `OFFICIAL – FOR PUBLICATION`.
pub fn make_public(assessment: &mut Assessment) -> DisclosureReport {
    let mut report = DisclosureReport::default();
    let threshold = assessment.meta.threshold;
    for section in &mut assessment.sections {
        section.walk_mut(&mut |s| {
            let (personal, kept): (Vec<Table>, Vec<Table>) =
                std::mem::take(&mut s.tables).into_iter().partition(Table::is_personal);
            s.tables = kept;
            for t in personal {
                s.paragraphs.push(format!(
                    "The table “{}” is left out of the published version: it lists \
                     pseudonymised people.",
                    t.title
                ));
                report.removed_tables.push(t.id);
            }
        });
        for table in section.all_tables_mut() {
            report.cells += suppress_table(table, threshold);
        }
        section.walk_mut(&mut |s| {
            for p in &mut s.paragraphs {
                let (text, n) = suppress_small_numbers(p, threshold);
                *p = text;
                report.prose += n;
            }
            for f in &mut s.figures {
                let (svg, n) = strip_svg_tooltips(&f.svg);
                f.svg = svg;
                report.tooltips += n;
            }
        });
    }
    assessment.meta.public = true;
    assessment.meta.marking = "OFFICIAL – FOR PUBLICATION".to_string();
    for key in PERSONAL_DATA_KEYS {
        if assessment.data.shift_remove(*key).is_some() {
            report.removed_data_keys.push(key.to_string());
        }
    }
    report
}

/// Check, independently of [`suppress_table`], that no line of the table (a count column
/// above a total row, a row left of a total column) has a shown numeric total and exactly
/// one member equal to `marker`. The error names the first such line.
pub fn check_line_protection(table: &Table, marker: &str) -> Result<(), String> {
    let counts = columns_of(table, ColumnKind::Count);
    let hidden = |r: usize, c: usize| cell(table, (r, c)).as_str() == Some(marker);
    let shown = |r: usize, c: usize| cell(table, (r, c)).is_number();
    let n = table.rows.len();
    if table.total_row && n > 0 {
        for &c in &counts {
            if shown(n - 1, c) && (0..n - 1).filter(|&r| hidden(r, c)).count() == 1 {
                let name = &table.columns[c].name;
                return Err(format!(
                    "table `{}`, column `{name}`: one suppressed cell and a shown total",
                    table.id
                ));
            }
        }
    }
    if let Some(t) = table.total_column {
        for r in 0..n {
            let k = counts.iter().filter(|&&c| c != t && hidden(r, c)).count();
            if k == 1 && shown(r, t) {
                return Err(format!(
                    "table `{}`, {}: one suppressed cell and a shown total",
                    table.id,
                    row_name(table, r)
                ));
            }
        }
    }
    Ok(())
}

/// The numeric count cells still from 1 to threshold − 1, as (row, column, value).
pub fn small_counts(table: &Table, threshold: u64) -> Vec<(usize, usize, f64)> {
    let counts = columns_of(table, ColumnKind::Count);
    let mut out = Vec::new();
    for r in 0..table.rows.len() {
        for &c in &counts {
            if let Some(v) = small(cell(table, (r, c)), threshold) {
                out.push((r, c, v));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Section;
    use crate::table::Column;
    use serde_json::{Map, json};

    fn col(name: &str, kind: ColumnKind) -> Column {
        Column::new(name, name, kind)
    }

    fn rep(primary: usize, secondary: usize, derived: usize) -> SuppressionReport {
        SuppressionReport {
            primary,
            secondary,
            derived,
            prose: 0,
        }
    }

    #[test]
    fn prose_cells_lose_their_small_numbers_and_text_cells_keep_them() {
        let mut t = Table::new(
            "plan",
            "Plan",
            vec![col("theme", ColumnKind::Text), col("victims", ColumnKind::Prose)],
        );
        t.push(row(json!(["Theme 3", "3 repeat victims: 2% of incidents"])));
        t.push(row(json!([
            "Theme 4",
            "12 repeat victims: 40% of incidents, at 1 Mill Lane"
        ])));
        let report = suppress_table(&mut t, 5);
        assert_eq!(report.prose, 2);
        assert_eq!(t.rows[0], row(json!(["Theme 3", "<5 repeat victims: 2% of incidents"])));
        assert_eq!(
            t.rows[1],
            row(json!([
                "Theme 4",
                "12 repeat victims: 40% of incidents, at <5 Mill Lane"
            ]))
        );
    }

    fn row(v: Value) -> Vec<Value> {
        v.as_array().unwrap().clone()
    }

    /// A label column then count columns; each row is a JSON array `[label, n, …]`.
    fn counts_table(names: &[&str], rows: Value) -> Table {
        let mut columns = vec![col("label", ColumnKind::Text)];
        columns.extend(names.iter().map(|n| col(n, ColumnKind::Count)));
        let mut t = Table::new("t", "T", columns);
        for r in rows.as_array().unwrap() {
            t.push(row(r.clone()));
        }
        t
    }

    fn hidden(t: &Table) -> Vec<(usize, usize)> {
        let cells = (0..t.rows.len()).flat_map(|r| (0..t.columns.len()).map(move |c| (r, c)));
        cells.filter(|&(r, c)| t.rows[r][c] == json!("<5")).collect()
    }

    #[test]
    fn primary_suppresses_one_to_threshold_minus_one_in_count_columns_only() {
        let columns = vec![
            col("label", ColumnKind::Text),
            col("n", ColumnKind::Count),
            col("score", ColumnKind::Measure),
        ];
        let mut t = Table::new("t", "T", columns);
        for v in [0, 1, 4, 5, 12] {
            t.push(vec![json!(2), json!(v), json!(2)]);
        }
        t.push(row(json!(["x", "n/a", null])));
        let r = suppress_table(&mut t, 5);
        let n: Vec<Value> = t.rows.iter().map(|row| row[1].clone()).collect();
        assert_eq!(n, row(json!([0, "<5", "<5", 5, 12, "n/a"])));
        assert_eq!(hidden(&t), [(1, 1), (2, 1)]);
        assert_eq!(r, rep(2, 0, 0));
        assert_eq!(suppression_marker(10), "<10");
    }

    #[test]
    fn a_single_small_cell_above_a_total_row_gets_a_complementary_suppression() {
        let rows = json!([["a", 3], ["b", 8], ["c", 6], ["d", 12], ["Total", 29]]);
        let mut t = counts_table(&["n"], rows);
        t.total_row = true;
        // Primary suppression alone leaves the 3 recoverable as 29 − (8 + 6 + 12).
        let mut primary_only = t.clone();
        primary_only.rows[0][1] = json!("<5");
        assert!(check_line_protection(&primary_only, "<5").is_err());

        let r = suppress_table(&mut t, 5);
        assert_eq!(check_line_protection(&t, "<5"), Ok(()));
        assert_eq!(r, rep(1, 1, 0));
        assert_eq!(hidden(&t), [(0, 1), (2, 1)], "the smallest other (6) goes too");
        // Recompute as an intruder would: the total minus the shown members leaves a
        // remainder spread over at least two unknowns.
        let members = &t.rows[..4];
        let shown: f64 = members.iter().filter_map(|row| row[1].as_f64()).sum();
        let unknowns = members.iter().filter(|row| !row[1].is_number()).count();
        assert_eq!(t.rows[4][1].as_f64().unwrap() - shown, 9.0);
        assert!(unknowns >= 2);
    }

    #[test]
    fn two_way_table_suppression_reaches_a_fixpoint() {
        let rows = json!([
            ["r0", 3, 10, 20, 33],
            ["r1", 8, 6, 9, 23],
            ["r2", 7, 16, 15, 38],
            ["Total", 18, 32, 44, 94]
        ]);
        let mut t = counts_table(&["a", "b", "c", "total"], rows);
        t.total_row = true;
        t.total_column = Some(4);
        assert_eq!(small_counts(&t, 5), vec![(0, 1, 3.0)]);
        let r = suppress_table(&mut t, 5);
        assert_eq!(check_line_protection(&t, "<5"), Ok(()));
        assert!(small_counts(&t, 5).is_empty());
        // Column a takes r2 (7 < 8); row r0 takes b (10); row r2, exposed by the column's
        // complement, takes c (15); that exposes columns b and c, which take r1 in turn.
        assert_eq!(hidden(&t), [(0, 1), (0, 2), (1, 2), (1, 3), (2, 1), (2, 3)]);
        assert_eq!(r, rep(1, 5, 0));
    }

    #[test]
    fn a_small_column_total_is_protected_along_the_total_row() {
        let rows = json!([["r0", 1, 10, 11], ["r1", 2, 12, 14], ["Total", 3, 22, 25]]);
        let mut t = counts_table(&["a", "b", "total"], rows);
        t.total_row = true;
        t.total_column = Some(3);
        suppress_table(&mut t, 5);
        assert_eq!(check_line_protection(&t, "<5"), Ok(()));
        // 3 = 25 − 22 along the total row, so 22 must go too.
        assert_eq!(t.rows[2][2], json!("<5"));
    }

    #[test]
    fn derived_figures_of_a_row_with_a_suppressed_count_are_masked() {
        let mut t = counts_table(&["current", "previous"], json!([]));
        t.columns.push(col("change", ColumnKind::Derived));
        t.columns.push(col("z", ColumnKind::Derived));
        t.columns.push(col("share", ColumnKind::Measure));
        t.push(row(json!(["a", 3, 10, -7, -1.2, 0.1])));
        t.push(row(json!(["b", 20, 18, 2, 0.3, 0.5])));
        t.push(row(json!(["c", 2, 0, null, null, 0.0])));
        let before = t.rows[1].clone();
        let r = suppress_table(&mut t, 5);
        assert_eq!(t.rows[0], row(json!(["a", "<5", 10, "*", "*", 0.1])));
        assert_eq!(t.rows[1], before);
        assert_eq!(t.rows[2], row(json!(["c", "<5", 0, null, null, 0.0])));
        assert_eq!(r, rep(2, 0, 2));
    }

    #[test]
    fn make_public_removes_people_suppresses_counts_and_marks_the_document() {
        let meta = serde_json::from_value(json!({
            "title": "SA", "area": "Area", "period": "2024-04..2025-03",
            "compare": "2023-04..2024-03", "marking": "OFFICIAL-SENSITIVE", "public": false,
            "threshold": 5, "seed": 1, "generator": "test", "store": "store"
        }))
        .unwrap();
        let mut overview = Section::new("overview", "Overview");
        overview.tables.push(counts_table(&["n"], json!([["a", 2], ["b", 9]])));
        let mut victim = Section::new("theme-1-victim", "Victims");
        let columns = vec![col("person", ColumnKind::PersonKey), col("n", ColumnKind::Count)];
        let mut keys = Table::new("repeat-victims", "Repeat victims", columns);
        keys.push(row(json!(["p-1", 7])));
        let mut ranked = counts_table(&["n"], json!([["x", 40]]));
        ranked.id = "top-victims".into();
        ranked.sensitive = true;
        let mut kept = counts_table(&["n"], json!([["y", 1]]));
        kept.id = "kept".into();
        victim.tables = vec![keys, ranked, kept];
        let mut theme = Section::new("theme-1", "Theme 1");
        theme.subsections.push(victim);
        let mut data = Map::new();
        data.insert("top_victims".into(), json!([{"person": "p-1"}]));
        data.insert("series".into(), json!([1, 2, 3]));
        let sections = vec![overview, theme];
        let mut a = Assessment { meta, sections, data };

        let r = make_public(&mut a);
        assert_eq!(r.removed_tables, ["repeat-victims", "top-victims"]);
        assert_eq!(r.removed_data_keys, ["top_victims"]);
        assert_eq!(r.cells, rep(2, 0, 0));
        let ids: Vec<&str> = a.tables().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["t", "kept"]);
        let victim = &a.sections[1].subsections[0];
        assert_eq!(victim.paragraphs.len(), 2);
        assert!(victim.paragraphs[0].contains("“Repeat victims” is left out"));
        assert!(a.sections[0].paragraphs.is_empty());
        assert_eq!(a.table("t").unwrap().rows[0][1], json!("<5"));
        assert!(a.meta.public);
        assert_eq!(a.meta.marking, "OFFICIAL – FOR PUBLICATION");
        assert!(!a.data.contains_key("top_victims") && a.data.contains_key("series"));
    }

    #[test]
    fn the_checker_rejects_an_unprotected_row() {
        let mut t = counts_table(&["a", "b", "total"], json!([["r0", "<5", 9, 12]]));
        t.total_column = Some(3);
        let err = check_line_protection(&t, "<5").unwrap_err();
        assert!(err.contains("row 0 (r0)"), "{err}");
        t.rows[0][2] = json!("<5");
        assert_eq!(check_line_protection(&t, "<5"), Ok(()));
    }

    #[test]
    fn prose_and_tooltips_lose_small_numbers_but_keep_dates_codes_and_decimals() {
        let (text, n) = suppress_small_numbers(
            "The hottest cell holds 3 incidents (z = 2.50) in 2024-07..2024-12 at E01000001; 1,234 in all, 12 and 4.",
            5,
        );
        assert_eq!(
            text,
            "The hottest cell holds <5 incidents (z = 2.50) in 2024-07..2024-12 at E01000001; 1,234 in all, 12 and <5."
        );
        assert_eq!(n, 2);
        let (svg, removed) = strip_svg_tooltips("<svg><title>Chart</title><rect><title>Mon 03: 2</title></rect></svg>");
        assert_eq!(svg, "<svg><title>Chart</title><rect></rect></svg>");
        assert_eq!(removed, 1);
    }
}
